// Package loadtest drives the real Ficshelf program under load and faults:
// it builds the binary, seeds a database with a library of generated
// stories, runs the bot as a separate process against a discordtest server,
// fires interactions at a chosen concurrency and measures how they are
// answered (latency from dispatch to the answer arriving, deferrals, late
// and missing answers) and the process's peak memory.
//
// The load test itself is TestLoad (load_test.go); the fault tests in
// package e2e (fault_*_test.go) use the same pieces. Everything here is
// for tests: it takes a testing.TB and fails it on setup errors.
//
// Run the full load test with
//
//	go test ./loadtest -run TestLoad -v -count=1 -args -n 2000 -c 64 -full
//
// (see load_test.go for every flag). Without -full it runs a small
// configuration that the normal test suite keeps green.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"ficshelf/discordtest"
	"ficshelf/store"
)

// Prebuilt, when set before the first Binary call, is the program Binary
// returns instead of building the module: a binary built from another
// commit, for A/B comparisons in one run series.
var Prebuilt string

var ficshelfBuild = &moduleProgram{pkg: ".", name: "ficshelf"}

// Binary builds the ficshelf program (the module root, found with go env
// GOMOD from the working directory) once per test process and returns its
// path. The binary lives in a temporary directory removed by Cleanup.
func Binary(t testing.TB) string {
	t.Helper()
	if Prebuilt != "" {
		return Prebuilt
	}
	return ficshelfBuild.path(t)
}

// Cleanup removes the binary built by Binary; call it from TestMain after
// m.Run.
func Cleanup() { ficshelfBuild.cleanup() }

// moduleProgram is a package of this module built once per test process
// into a temporary directory of its own.
type moduleProgram struct {
	pkg, name string // the package to build, relative to the module root; the binary's name
	once      sync.Once
	bin       string
	err       error
}

// path builds the program on its first call and returns the binary's
// path; a failed build fails t (and every later caller).
func (p *moduleProgram) path(t testing.TB) string {
	t.Helper()
	p.once.Do(func() { p.bin, p.err = p.build() })
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.bin
}

func (p *moduleProgram) build() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command to build %s: %w", p.name, err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	dir, err := os.MkdirTemp("", "ficshelf-loadtest-"+p.name+"-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, p.name)
	cmd := exec.Command(goBin, "build", "-o", bin, p.pkg)
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("go build %s: %w\n%s", p.pkg, err, out)
	}
	return bin, nil
}

// cleanup removes the binary's directory, if it was built.
func (p *moduleProgram) cleanup() {
	if p.bin != "" {
		os.RemoveAll(filepath.Dir(p.bin))
	}
}

// Process is the bot running as a separate program.
type Process struct {
	Cmd *exec.Cmd
	Log *LogBuffer
	// Started is just before the program was started; Ready is when Start
	// saw it ready (every shard connected, or its endpoint answering, and
	// its commands registered). Ready is zero with NoWait.
	Started, Ready time.Time
	done           chan struct{}
	err            error
}

// ProcessOptions say how to run the binary.
type ProcessOptions struct {
	// Env adds KEY=VALUE pairs to the base environment (DISCORD_TOKEN,
	// DISCORD_BASE_URL, FICSHELF_DB, AO3_BASE_URL, LOG_LEVEL=warn, HOME).
	Env []string
	// FileSizeLimit, when positive, runs the program with RLIMIT_FSIZE set
	// to this many 512-byte blocks (through sh's ulimit -f), so writes past
	// that offset of any file fail with EFBIG: a full disk for the database.
	FileSizeLimit int
	// BaseURL replaces srv.URL as DISCORD_BASE_URL (a Watcher's URL).
	BaseURL string
	// NoWait returns as soon as the process started, without waiting for
	// it to connect (for programs expected to fail).
	NoWait bool
	// Shards, when above 0, runs the program with DISCORD_SHARDS=Shards
	// and waits until every one of them is connected (srv should announce
	// as many: discordtest.WithShards).
	Shards int
	// HTTPAddr, when set, delivers interactions by signed HTTP POSTs: the
	// program runs with DISCORD_SHARDS=off, INTERACTIONS_ADDR=HTTPAddr and
	// srv's public key, srv's Interactions Endpoint URL is set to it, and
	// Start waits until the endpoint answers a PING.
	HTTPAddr string
	// ReadyTimeout bounds the wait for the process to be ready (default
	// 30 s, plus 5 s per shard).
	ReadyTimeout time.Duration
}

// Start runs bin against srv with the database db and, unless
// opts.NoWait, waits until it identified (once more than before), is
// connected and has registered its commands. The process is killed at
// the end of the test if still running; its log is printed if the test
// failed.
func Start(t testing.TB, bin, db string, srv *discordtest.Server, opts ProcessOptions) *Process {
	t.Helper()
	dir := t.TempDir()
	identifies := srv.Identifies()
	var cmd *exec.Cmd
	if opts.FileSizeLimit > 0 {
		cmd = exec.Command("/bin/sh", "-c", "ulimit -f "+strconv.Itoa(opts.FileSizeLimit)+` && exec "$0"`, bin)
	} else {
		cmd = exec.Command(bin)
	}
	p := &Process{Cmd: cmd, Log: &LogBuffer{}, done: make(chan struct{})}
	cmd.Dir = dir // no .env there
	base := srv.URL
	if opts.BaseURL != "" {
		base = opts.BaseURL
	}
	cmd.Env = append([]string{
		"DISCORD_TOKEN=" + srv.Token,
		"DISCORD_BASE_URL=" + base,
		"FICSHELF_DB=" + db,
		"AO3_BASE_URL=http://127.0.0.1:1",
		"LOG_LEVEL=warn",
		"HOME=" + dir,
		"PATH=/usr/bin:/bin",
	}, opts.Env...)
	switch {
	case opts.HTTPAddr != "":
		cmd.Env = append(cmd.Env, "DISCORD_SHARDS=off", "INTERACTIONS_ADDR="+opts.HTTPAddr, "DISCORD_PUBLIC_KEY="+srv.PublicKey())
		srv.SetInteractionsEndpoint("http://" + opts.HTTPAddr + "/interactions")
	case opts.Shards > 0:
		cmd.Env = append(cmd.Env, "DISCORD_SHARDS="+strconv.Itoa(opts.Shards))
	}
	cmd.Stdout, cmd.Stderr = p.Log, p.Log
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("process %d log (last 8 KiB):\n%s", cmd.Process.Pid, p.Log.Tail(8<<10))
		}
	})
	if opts.NoWait {
		return p
	}
	// Sharded identifies are paced (one per rate-limit key per 5 s).
	readyTimeout := opts.ReadyTimeout
	if readyTimeout <= 0 {
		readyTimeout = 30*time.Second + time.Duration(opts.Shards)*discordtest.DefaultIdentifyWindow
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	switch {
	case opts.HTTPAddr != "":
		if err := waitEndpoint(ctx, srv, p); err != nil {
			t.Fatalf("bot process's interactions endpoint never answered a PING: %v\n%s", err, p.Log.Tail(4<<10))
		}
	case opts.Shards > 0:
		if err := srv.WaitIdentified(ctx, identifies+opts.Shards); err != nil {
			t.Fatalf("bot process never identified its %d shards: %v\n%s", opts.Shards, err, p.Log.Tail(4<<10))
		}
		ids := make([]int, opts.Shards)
		for k := range ids {
			ids[k] = k
		}
		if err := srv.WaitShards(ctx, ids...); err != nil {
			t.Fatalf("bot process's shards not ready: %v\n%s", err, p.Log.Tail(4<<10))
		}
	default:
		if err := srv.WaitIdentified(ctx, identifies+1); err != nil {
			t.Fatalf("bot process never identified: %v\n%s", err, p.Log.Tail(4<<10))
		}
		if err := srv.WaitReady(ctx); err != nil {
			t.Fatalf("bot process not ready: %v\n%s", err, p.Log.Tail(4<<10))
		}
	}
	if _, err := srv.WaitCommands(ctx, ""); err != nil {
		t.Fatal(err)
	}
	p.Ready = time.Now()
	return p
}

// waitEndpoint polls srv's Interactions Endpoint with signed PINGs until
// one gets 200, the process exits or ctx ends.
func waitEndpoint(ctx context.Context, srv *discordtest.Server, p *Process) error {
	for {
		r, err := srv.Ping(ctx)
		if err == nil && r.Status == 200 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: status %d, %v)", ctx.Err(), r.Status, err)
		case <-p.done:
			return fmt.Errorf("process exited: %v", p.err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Pid is the process ID.
func (p *Process) Pid() int { return p.Cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits up to d for the process to exit and returns its exit error
// (nil for status 0); it kills the process and reports a timeout if it
// does not exit in time.
func (p *Process) Wait(d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		p.Cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("process %d did not exit within %v (killed)", p.Pid(), d)
	}
}

// Terminate sends SIGTERM.
func (p *Process) Terminate() error { return p.Cmd.Process.Signal(syscall.SIGTERM) }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Process) Kill() {
	p.Cmd.Process.Kill()
	<-p.done
}

// PeakRSS returns the process's peak resident set size (VmHWM in
// /proc/<pid>/status) in bytes; read it before the process exits.
func (p *Process) PeakRSS() (int64, error) {
	return procStatusKB(p.Pid(), "VmHWM:")
}

// RSS returns the process's current resident set size (VmRSS).
func (p *Process) RSS() (int64, error) {
	return procStatusKB(p.Pid(), "VmRSS:")
}

func procStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read memory of process %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse %s %q: %w", field, rest, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago (for METRICS_ADDR).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// LogBuffer collects a process's output; safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Tail returns the last n bytes written.
func (l *LogBuffer) Tail(n int) string {
	s := l.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}

// CheckDB opens the store at path (the bot must have stopped) and fails t
// for every inconsistency its engine's own check finds (bbolt's Tx.Check
// for a BoltDB file; an engine without one is not checked).
func CheckDB(t testing.TB, path string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("open %s for a consistency check: %v", path, err)
	}
	defer st.Close()
	c, ok := st.(interface{ Check(context.Context) error })
	if !ok {
		return
	}
	if err := c.Check(ctx); err != nil {
		t.Errorf("consistency check of %s: %v", path, err)
	}
}
