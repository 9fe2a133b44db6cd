package loadtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// FloorMix is the mix issue 18 measures Ficshelf against the bare
// discordgo bot on: /kudos give, the Kudos button on a card (whose payload
// carries the whole card message), story autocomplete and /help, in equal
// shares. Every kudos is a durable write for Ficshelf.
var FloorMix = []Weighted{{KudosGive, 1}, {KudosButton, 1}, {Autocomplete, 1}, {Help, 1}}

// Figures are one load run's headline numbers.
type Figures struct {
	CPU      time.Duration // the bot process's CPU time (user + system) per interaction
	P50, P99 time.Duration // dispatch → answer
	PeakRSS  int64         // the bot process's VmHWM, bytes
}

var (
	bareOnce sync.Once
	bareBin  string
	bareErr  error
)

// BareBaselinePrebuilt, when set before the first BareBinary call, is the
// bare bot BareBinary returns instead of building it.
var BareBaselinePrebuilt string

// BareBinary builds the bare discordgo bot (loadtest/internal/barebot) once
// per test process and returns its path; CleanupBare removes it.
func BareBinary(t testing.TB) string {
	t.Helper()
	if BareBaselinePrebuilt != "" {
		return BareBaselinePrebuilt
	}
	bareOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			bareErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(out)))
		dir, err := os.MkdirTemp("", "ficshelf-loadtest-barebot-")
		if err != nil {
			bareErr = err
			return
		}
		bareBin = filepath.Join(dir, "barebot")
		cmd := exec.Command("go", "build", "-o", bareBin, "./loadtest/internal/barebot")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			bareErr = fmt.Errorf("go build barebot: %w\n%s", err, out)
		}
	})
	if bareErr != nil {
		t.Fatal(bareErr)
	}
	return bareBin
}

// CleanupBare removes the binary BareBinary built.
func CleanupBare() {
	if bareBin != "" {
		os.RemoveAll(filepath.Dir(bareBin))
	}
}

// ProcCPU is the CPU time (user + system) process pid has used so far,
// from /proc/<pid>/stat (in clock ticks of 10 ms).
func ProcCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("CPU time of process %d: %v", pid, err)
	}
	// Fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		t.Fatalf("CPU time of process %d: short /proc stat %q", pid, s)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("CPU time of process %d: stat %q", pid, s)
	}
	return time.Duration(u+st) * 10 * time.Millisecond
}
