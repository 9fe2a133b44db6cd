package loadtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"ficshelf/discordtest"
)

// The load test's knobs. Defaults are the small configuration the normal
// suite runs; the full run is
//
//	go test ./loadtest -run TestLoad -v -count=1 -args -n 2000 -c 64 -full
var (
	flagN       = flag.Int("n", 200, "interactions to fire")
	flagC       = flag.Int("c", 16, "interactions in flight at once")
	flagStories = flag.Int("stories", 1000, "stories in the seeded library (spread over -guilds servers)")
	flagGuilds  = flag.Int("guilds", 4, "servers")
	flagMembers = flag.Int("members", 100, "members per server")
	flagFull    = flag.Bool("full", false, "assert the latency and memory targets (-p99, -maxrss), not only that every interaction is answered in time")
	flagP99     = flag.Duration("p99", 50*time.Millisecond, "target p99 latency, dispatch to answer (asserted with -full)")
	flagMix     = flag.String("mix", "default", `interaction mix: "default" (kudos, autocomplete, excerpts, story info, reading-list updates) or "full" (adds /story list, /kudos top, /readinglist show, /rec list, /help)`)
	flagBotEnv  = flag.String("botenv", "", "extra environment for the bot process, comma-separated KEY=VALUE (e.g. GOGC=200)")
	flagMaxRSS  = flag.Int("maxrss", 100, "target peak memory of the bot process in MiB (asserted with -full)")
)

// selfCPU is the CPU time (user + system) this test process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestMain(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// TestLoad runs the real bot binary as a separate process on a seeded
// library and fires -n interactions at concurrency -c: kudos (button and
// /kudos give), story autocomplete, excerpts, /story info and reading-list
// updates, from many members in several servers. Every interaction must be
// answered within Discord's 3 s window (none late, none unanswered, none
// "Something went wrong"); with -full the p99 latency and the process's
// peak memory must meet their targets too. The figures are logged always.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	bin := Binary(t)
	srv := discordtest.New(t)
	db := filepath.Join(t.TempDir(), "ficshelf.db")
	w := NewWorld(t, srv, db, WorldConfig{Guilds: *flagGuilds, Members: *flagMembers, Stories: *flagStories})
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d stories (%d chapters, %.1f MiB of text) in %d servers × %d members in %v; database %.1f MiB",
		*flagStories, w.Chapters, float64(w.Bytes)/(1<<20), *flagGuilds, *flagMembers, w.SeedTime.Round(time.Millisecond), float64(fi.Size())/(1<<20))

	w.Watch = NewWatcher(t, srv)
	metricsAddr := FreeAddr(t)
	env := []string{"METRICS_ADDR=" + metricsAddr}
	if *flagBotEnv != "" {
		env = append(env, strings.Split(*flagBotEnv, ",")...)
	}
	p := Start(t, bin, db, srv, ProcessOptions{BaseURL: w.Watch.URL, Env: env})
	startRSS, _ := p.RSS()
	m0, err := Scrape(metricsAddr)
	if err != nil {
		t.Fatalf("scrape /metrics: %v", err)
	}
	cpu0 := selfCPU()
	mix := DefaultMix
	if *flagMix == "full" {
		mix = FullMix
	}
	res := Run(t, w, RunConfig{N: *flagN, Concurrency: *flagC, Mix: mix})
	harnessCPU := selfCPU() - cpu0
	if m, err := Scrape(metricsAddr); err != nil {
		t.Errorf("scrape /metrics: %v", err)
	} else {
		commits, secs := m.Value("ficshelf_store_commits_total")-m0.Value("ficshelf_store_commits_total"), m.Value("ficshelf_store_commit_seconds_total")-m0.Value("ficshelf_store_commit_seconds_total")
		botCPU := m.Value("process_cpu_seconds_total") - m0.Value("process_cpu_seconds_total")
		t.Logf("during the load: store %.0f commits, %.1f ms each on average; CPU: bot %.2f s (%.0f µs per interaction), test harness (generator, discordtest) %.2f s; %d cores",
			commits, 1000*secs/max(commits, 1), botCPU, 1e6*botCPU/float64(res.N), harnessCPU.Seconds(), runtime.NumCPU())
	}
	peak, err := p.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}

	t.Logf("machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	t.Logf("\n%s", res.Report())
	t.Logf("connections opened by the bot (REST and gateway): %d (for %d interactions)", w.Watch.Conns(), res.N)
	t.Logf("bot process memory: %.1f MiB resident when ready, peak (VmHWM) %.1f MiB", float64(startRSS)/(1<<20), float64(peak)/(1<<20))
	fmt.Fprintf(os.Stderr, "LOAD n=%d c=%d stories=%d throughput=%.0f/s p50=%v p90=%v p99=%v max=%v deferred=%d late=%d unanswered=%d failed=%d peak_rss_mib=%.1f\n",
		res.N, res.Concurrency, *flagStories, res.Throughput(), ms(res.Percentile("", 50)), ms(res.Percentile("", 90)), ms(res.Percentile("", 99)), ms(res.Percentile("", 100)),
		res.Count(func(s Sample) bool { return s.Deferred }), res.Count(func(s Sample) bool { return s.Late }),
		res.Count(func(s Sample) bool { return s.Unanswered || s.NotDelivered }), res.Count(func(s Sample) bool { return s.Failed }), float64(peak)/(1<<20))

	for _, s := range res.Samples {
		switch {
		case s.Late:
			t.Errorf("%s answered late (10062) after %v", s.Kind, s.Latency)
		case s.Unanswered || s.NotDelivered:
			t.Errorf("%s unanswered: %s", s.Kind, s.Err)
		case s.Failed:
			t.Errorf("%s answered %q", s.Kind, s.Answer.Content())
		}
	}
	if !*flagFull {
		return
	}
	if p99 := res.Percentile("", 99); p99 > *flagP99 {
		t.Errorf("p99 latency %v; target < %v", p99, *flagP99)
	}
	if d := res.Count(func(s Sample) bool { return s.Deferred }); d > 0 {
		t.Errorf("%d interactions deferred; none of the load mix should take 2 s", d)
	}
	if limit := int64(*flagMaxRSS) << 20; peak > limit {
		t.Errorf("peak memory %.1f MiB; target < %d MiB", float64(peak)/(1<<20), *flagMaxRSS)
	}
}
