package loadtest

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"ficshelf/discordtest"
	"ficshelf/store/postgres/pgtest"
)

var (
	flagStartupSize = flag.Bool("startupsize", false, "run TestStartupSize (time to the first answer and memory at that point on a large library: -guilds, -stories, -members, best with -keepdb)")
	flagSizeRuns    = flag.Int("startupruns", 3, "TestStartupSize: start-ups measured (each cold then warm with -coldcache)")
	flagColdCache   = flag.Bool("coldcache", false, "TestStartupSize: before each cold start-up empty the page cache (sync; echo 3 > /proc/sys/vm/drop_caches: needs root, and empties it for the whole machine, PostgreSQL's files included but not its shared_buffers), then start again warm")
)

// TestStartupSize measures the start-up of the bot on a large library
// (issue 17: 100,000 stories over 1,000 servers): from process start to
// its answer to the first interaction (a /story info), and its resident
// memory and Go heap at that moment, -startupruns times; with -coldcache
// each time once with an empty page cache and once right after, warm. The
// library is the -keepdb world (seeded once, then reused); the servers in
// discordtest have -members members each. It runs only with -startupsize:
//
//	go test ./loadtest -run TestStartupSize -v -count=1 -timeout 60m -args -startupsize -coldcache \
//	    -guilds 1000 -stories 100000 -members 100 -keepdb /tmp/ficshelf-100k-bolt [-db postgres]
func TestStartupSize(t *testing.T) {
	if !*flagStartupSize {
		t.Skip("only with -startupsize")
	}
	bin := Binary(t)
	srv := discordtest.New(t)
	cfg := flagConfig().World()
	cfg.BigStories = 0
	var w *World
	if *flagKeepDB != "" {
		w = KeptWorld(t, srv, *flagKeepDB, *flagDB, cfg)
	} else {
		t.Log("no -keepdb: seeding a database for this run only")
		db := tempDB(t, *flagDB)
		w = NewWorld(t, srv, db, cfg)
	}
	t.Logf("library: %d stories (%d chapters, %.1f MiB of text) over %d servers × %d members, seeded in %v (reused: %v); database %s",
		cfg.Stories, w.Chapters, float64(w.Bytes)/(1<<20), cfg.Guilds, cfg.Members, w.SeedTime.Round(time.Millisecond), w.Reused, dbSize(t, w.DB))
	if isURL(w.DB) && !w.Reused {
		// As runLoad does: a deployment's database has planner statistics.
		start := time.Now()
		if err := pgExec(w.DB, "VACUUM (ANALYZE)"); err != nil {
			t.Fatalf("vacuum the seeded database: %v", err)
		}
		t.Logf("VACUUM (ANALYZE) of the seeded database: %v", time.Since(start).Round(time.Millisecond))
	}
	modes := []bool{false}
	if *flagColdCache {
		modes = []bool{true, false}
	}
	type meas struct{ connected, answered, rss, heap []float64 }
	res := map[bool]*meas{true: {}, false: {}}
	rng := rand.New(rand.NewPCG(3, 3))
	for run := range *flagSizeRuns {
		for _, cold := range modes {
			if cold {
				if err := dropCaches(); err != nil {
					t.Fatalf("-coldcache: %v", err)
				}
			}
			m := startOnce(t, bin, w, rng)
			name := "warm"
			if cold {
				name = "cold"
			}
			t.Logf("run %d %s: connected %v, first answer %v after start; RSS %.1f MiB, heap in use %.1f MiB at the first answer; load average %s",
				run+1, name, m.connected.Round(time.Millisecond), m.answered.Round(time.Millisecond), mib(m.rss), mib(m.heap), loadAvg())
			r := res[cold]
			r.connected = append(r.connected, m.connected.Seconds())
			r.answered = append(r.answered, m.answered.Seconds())
			r.rss = append(r.rss, mib(m.rss))
			r.heap = append(r.heap, mib(m.heap))
		}
	}
	var rows []string
	for _, cold := range modes {
		r, name := res[cold], "warm"
		if cold {
			name = "cold"
		}
		rows = append(rows, fmt.Sprintf("%-5s connected %s s, first answer %s s, RSS %s MiB, heap in use %s MiB",
			name, medRange(r.connected, "%.2f"), medRange(r.answered, "%.2f"), medRange(r.rss, "%.0f"), medRange(r.heap, "%.1f")))
	}
	t.Logf("median (range) of %d runs:\n%s", *flagSizeRuns, strings.Join(rows, "\n"))
	fmt.Fprintf(os.Stderr, "STARTUPSIZE db=%s guilds=%d stories=%d members=%d runs=%d loadavg=%q\n%s\n", *flagDB, cfg.Guilds, cfg.Stories, cfg.Members, *flagSizeRuns, loadAvg(), strings.Join(rows, "\n"))
}

// startup is one start-up's measurements.
type startupMeas struct {
	connected, answered time.Duration // since the process started
	rss, heap           int64         // at the first answer
}

// startOnce starts the bot on w's database, waits for its answer to one
// /story info, measures, and stops it.
func startOnce(t *testing.T, bin string, w *World, rng *rand.Rand) startupMeas {
	t.Helper()
	metricsAddr := FreeAddr(t)
	p := Start(t, bin, w.DB, w.Srv, ProcessOptions{Env: []string{"METRICS_ADDR=" + metricsAddr}, ReadyTimeout: 5 * time.Minute})
	i, _ := w.Build(t, rng, StoryInfo)
	s := w.fire(t, StoryInfo, i, w.Srv.Prepare(t, i), time.Minute)
	answered := time.Now()
	if s.Unanswered || s.Late || s.Failed || s.NotDelivered {
		t.Fatalf("first interaction not answered well: %+v", s)
	}
	var m startupMeas
	m.connected, m.answered = p.Ready.Sub(p.Started), answered.Sub(p.Started)
	var err error
	if m.rss, err = p.RSS(); err != nil {
		t.Fatal(err)
	}
	if mt, err := Scrape(metricsAddr); err != nil {
		t.Errorf("scrape /metrics: %v", err)
	} else {
		m.heap = int64(mt.Value("go_memstats_heap_inuse_bytes"))
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(time.Minute); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}
	return m
}

// dropCaches writes back dirty pages and empties the page cache, the
// dentries and the inodes (root only).
func dropCaches() error {
	syscall.Sync()
	if err := os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0); err != nil {
		if errors.Is(err, os.ErrPermission) {
			return fmt.Errorf("emptying the page cache needs root: %w", err)
		}
		return err
	}
	return nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// medRange formats the median of xs and their range.
func medRange(xs []float64, f string) string {
	if len(xs) == 0 {
		return "-"
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return fmt.Sprintf(f+" ("+f+"–"+f+")", s[len(s)/2], s[0], s[len(s)-1])
}

// tempDB is a database for this test only: a BoltDB file in a temporary
// directory, or a fresh PostgreSQL database for engine "postgres".
func tempDB(t testing.TB, engine string) string {
	if engine == "postgres" {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "ficshelf.db")
}
