package loadtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ficshelf/discordtest"
	"ficshelf/store/postgres/pgtest"
)

// The big neighbour (issue 19): one big server (-bigstories, -bigkudos)
// browsed hard — /story list, /kudos top, excerpts, autocomplete, at
// concurrency -neighbour-c — next to a quiet server whose members keep a
// steady -neighbour-rate. The quiet server's latency with the big one
// browsed is compared with its own baseline (the big one idle), in
// alternating phases of one bot process, so that the machine's drift
// falls on both alike. The case:
//
//	go test ./loadtest -run 'TestNeighbour$' -v -count=1 -timeout 60m -args -neighbour -bigstories 20000 -bigkudos 50000 -keepdb /tmp/big [-db postgres] [-botenv INTERACTION_SLOTS=off]
var (
	flagNeighbour       = flag.Bool("neighbour", false, "run TestNeighbour (a quiet server's latency beside a big server browsed hard, against its own baseline)")
	flagNeighbourC      = flag.Int("neighbour-c", 64, "TestNeighbour: the big server's interactions in flight at once")
	flagNeighbourRate   = flag.Int("neighbour-rate", 20, "TestNeighbour: the quiet server's interactions per second")
	flagNeighbourPhase  = flag.Duration("neighbour-phase", 15*time.Second, "TestNeighbour: how long each phase (baseline, with the big server) lasts")
	flagNeighbourRounds = flag.Int("neighbour-rounds", 2, "TestNeighbour: baseline/with-big pairs of phases")
	flagNeighbourFull   = flag.Bool("neighbour-full", false, "TestNeighbour: assert the quiet server's p99 with the big server browsed ≤ -neighbour-ratio × its baseline p99")
	flagNeighbourRatio  = flag.Float64("neighbour-ratio", 2, "TestNeighbour: the ratio asserted with -neighbour-full")
)

// browseMix is what the big server's members do: read, a lot.
var browseMix = []Weighted{{StoryList, 3}, {KudosTop, 2}, {Excerpt, 2}, {Autocomplete, 3}, {StoryInfo, 1}}

// TestNeighbour measures a quiet server's latency (-quiet-mix, default
// "wide" here) before and while a big server is browsed, and logs p50,
// p99 and their ratio; with -neighbour-full it asserts the ratio.
func TestNeighbour(t *testing.T) {
	if !*flagNeighbour {
		t.Skip("run with -neighbour (needs a big server: -bigstories, -bigkudos; best with -keepdb)")
	}
	cfg := flagConfig()
	if cfg.BigStories <= 0 {
		t.Fatal("-neighbour needs a big server: -bigstories N")
	}
	if !isFlagSet("quiet-mix") {
		*flagQuietMix = "wide"
	}
	bin := Binary(t)
	if cfg.Baseline {
		// The floor: a bot that answers everything with a fixed message,
		// through the same load. What no bot on this machine can beat.
		bin = BareBinary(t)
	}
	srv := discordtest.New(t)
	var w *World
	if cfg.KeepDB != "" {
		w = KeptWorld(t, srv, cfg.KeepDB, cfg.DB, cfg.World())
	} else {
		db := filepath.Join(t.TempDir(), "ficshelf.db")
		if cfg.DB == "postgres" {
			db = pgtest.URL(t)
		}
		w = NewWorld(t, srv, db, cfg.World())
		if isURL(db) {
			if err := pgExec(db, "VACUUM (ANALYZE)"); err != nil {
				t.Fatalf("vacuum the seeded database: %v", err)
			}
		}
	}
	w.BigShare = 1 // Run's interactions all go to the big server
	quiet := w.Guilds[0]
	t.Logf("bot %s; db=%s; big server: %d stories, %d kudos in the week; quiet server: %d stories; bot env %v; quiet mix %s",
		botName(cfg), cfg.DB, len(w.Big.Stories), w.Kudos, len(quiet.Stories), cfg.BotEnv, *flagQuietMix)
	w.Watch = NewWatcher(t, srv)
	p := Start(t, bin, w.DB, srv, ProcessOptions{BaseURL: w.Watch.URL, Env: cfg.BotEnv})
	kinds := quietMix(t)

	// Warm the caches and the pool on both servers, then alternate.
	lightLoad(t, w, quiet, *flagNeighbourRate, kinds, time.After(2*time.Second))
	Run(t, w, RunConfig{N: 400, Concurrency: 16, Mix: browseMix, Seed: 7})
	var base, with []Sample
	var bigN int
	var bigElapsed time.Duration
	cpu0 := ProcCPU(t, p.Pid())
	for r := range *flagNeighbourRounds {
		b := lightLoad(t, w, quiet, *flagNeighbourRate, kinds, time.After(*flagNeighbourPhase))
		stop := make(chan struct{})
		var res *Result
		var wg sync.WaitGroup
		wg.Add(1)
		start := time.Now()
		go func() {
			defer wg.Done()
			// Built up front: more than the phase can answer (Stop skips
			// the rest); the bare bot answers ~3,700/s here.
			n := max(8000, int(8000*flagNeighbourPhase.Seconds()))
			res = Run(t, w, RunConfig{N: n, Concurrency: *flagNeighbourC, Mix: browseMix, Seed: int64(100 + r), Stop: stop})
		}()
		time.Sleep(time.Second) // the big server's load under way
		d := lightLoad(t, w, quiet, *flagNeighbourRate, kinds, time.After(*flagNeighbourPhase))
		close(stop)
		wg.Wait()
		n := len(res.Answered())
		if res.Count(func(s Sample) bool { return s.Skipped }) == 0 {
			t.Errorf("round %d: the big server's %d interactions ran out before the phase ended", r+1, res.N)
		}
		bigN += n
		bigElapsed += time.Since(start)
		t.Logf("round %d: quiet baseline p50 %v p99 %v (%d); with the big server (%d answered, %.0f/s, its p99 %v): p50 %v p99 %v (%d)",
			r+1, ms(quietP(b, 50)), ms(quietP(b, 99)), len(b), n, float64(n)/time.Since(start).Seconds(), ms(res.Percentile("", 99)), ms(quietP(d, 50)), ms(quietP(d, 99)), len(d))
		base, with = append(base, b...), append(with, d...)
	}
	botCPU := ProcCPU(t, p.Pid()) - cpu0
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}
	b50, b99, w50, w99 := quietP(base, 50), quietP(base, 99), quietP(with, 50), quietP(with, 99)
	ratio := float64(w99) / float64(max(b99, time.Microsecond))
	bad := 0
	for _, s := range append(append([]Sample(nil), base...), with...) {
		if s.Late || s.Unanswered || s.Failed || s.NotDelivered {
			bad++
		}
	}
	byKind := map[Kind][2][]time.Duration{}
	for i, ss := range [][]Sample{base, with} {
		for _, s := range ss {
			e := byKind[s.Kind]
			e[i] = append(e[i], s.Latency)
			byKind[s.Kind] = e
		}
	}
	for k, e := range byKind {
		t.Logf("quiet server, %s: baseline p99 %v (%d), with the big server p99 %v (%d)", k, ms(percentile(e[0], 99)), len(e[0]), ms(percentile(e[1], 99)), len(e[1]))
	}
	t.Logf("quiet server: baseline p50 %v p99 %v; with the big server browsed p50 %v p99 %v: p99 ratio %.2f; big server %.0f/s; bot CPU %v; %d not answered in time; load average %s",
		ms(b50), ms(b99), ms(w50), ms(w99), ratio, float64(bigN)/bigElapsed.Seconds(), botCPU.Round(time.Millisecond), bad, loadAvg())
	fmt.Fprintf(os.Stderr, "NEIGHBOUR bot=%s db=%s env=%q mix=%s c=%d rate=%d base_p50_ms=%.1f base_p99_ms=%.1f with_p50_ms=%.1f with_p99_ms=%.1f ratio=%.2f big_per_s=%.0f bot_cpu_s=%.1f bad=%d loadavg=%q\n",
		botName(cfg), cfg.DB, cfg.BotEnv, *flagQuietMix, *flagNeighbourC, *flagNeighbourRate, float64(b50)/1e6, float64(b99)/1e6, float64(w50)/1e6, float64(w99)/1e6, ratio,
		float64(bigN)/bigElapsed.Seconds(), botCPU.Seconds(), bad, loadAvg())
	if bad > 0 {
		t.Errorf("%d of the quiet server's interactions were not answered in time", bad)
	}
	if *flagNeighbourFull && ratio > *flagNeighbourRatio {
		t.Errorf("the quiet server's p99 with the big server browsed is %v, %.2f× its baseline %v (want ≤ %.1f×)", ms(w99), ratio, ms(b99), *flagNeighbourRatio)
	}
}

// quietP is the p-th percentile latency of the answered samples in ss.
func quietP(ss []Sample, p float64) time.Duration {
	var ls []time.Duration
	for _, s := range ss {
		if !s.Unanswered && !s.Late && !s.NotDelivered {
			ls = append(ls, s.Latency)
		}
	}
	if len(ls) == 0 {
		return 0
	}
	return percentile(ls, p)
}

// isFlagSet reports whether the named flag was given on the command line.
func isFlagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
