package loadtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
)

// The floor (issue 18): the bare discordgo bot of loadtest/internal/barebot
// run through the same load as ficshelf.
var (
	flagBaseline = flag.Bool("baseline", false, "TestLoad runs the bare discordgo bot (loadtest/internal/barebot: a fixed message for every interaction, fixed autocomplete choices) instead of ficshelf, always over the gateway")
	flagBaseBin  = flag.String("basebin", "", "run this bare-bot binary instead of building loadtest/internal/barebot")
	flagCompare  = flag.Int("compare", 0, "TestCompare: run this many pairs of load runs, the bare discordgo bot then ficshelf (as the other flags say), interleaved, and print each one's medians and ficshelf's ratio to the baseline")
)

// TestCompare measures Ficshelf against the floor in one run series: -compare
// N pairs of TestLoad runs on the same world, the bare discordgo bot
// (gateway) then ficshelf (-db, -delivery as given), interleaved, and
// prints the median (and range) of each one's CPU per interaction, p50,
// p99 and peak memory, and ficshelf's ratio to the baseline. It runs only
// with -compare:
//
//	go test ./loadtest -run TestCompare -v -count=1 -timeout 30m -args -compare 5 -mix floor -n 2000 -c 64
func TestCompare(t *testing.T) {
	if *flagCompare <= 0 {
		t.Skip("only with -compare N")
	}
	cfg := flagConfig()
	cfg.Full = false // judged by the ratio, not by -full's absolute targets
	base := cfg
	base.Baseline = true
	var bs, fs []Figures
	for k := range *flagCompare {
		t.Run(fmt.Sprintf("%d/baseline", k+1), func(t *testing.T) { bs = append(bs, runLoad(t, base)) })
		t.Run(fmt.Sprintf("%d/ficshelf", k+1), func(t *testing.T) { fs = append(fs, runLoad(t, cfg)) })
	}
	if len(bs) == 0 || len(fs) == 0 {
		t.Fatal("no runs completed")
	}
	b, f := summarize(bs), summarize(fs)
	var out strings.Builder
	fmt.Fprintf(&out, "%d pairs, n=%d c=%d mix=%s; ficshelf db=%s delivery=%s; baseline: bare discordgo bot over the gateway; load average %s\n",
		*flagCompare, cfg.N, cfg.Concurrency, cfg.Mix, cfg.DB, cfg.Delivery, loadAvg())
	fmt.Fprintf(&out, "%-9s %-24s %-24s %-24s %s\n", "bot", "CPU/interaction", "p50", "p99", "peak RSS")
	for _, r := range []struct {
		name string
		s    summary
	}{{"baseline", b}, {"ficshelf", f}} {
		fmt.Fprintf(&out, "%-9s %-24s %-24s %-24s %s\n", r.name, r.s.cpu, r.s.p50, r.s.p99, r.s.rss)
	}
	ratio := func(a, b float64) float64 { return a / max(b, 1e-9) }
	fmt.Fprintf(&out, "ficshelf / baseline (medians): CPU %.2f×  p50 %.2f×  p99 %.2f×  peak RSS %.2f×\n",
		ratio(f.cpuMed, b.cpuMed), ratio(f.p50Med, b.p50Med), ratio(f.p99Med, b.p99Med), ratio(f.rssMed, b.rssMed))
	t.Log("\n" + out.String())
	fmt.Fprintf(os.Stderr, "COMPARE\n%s", out.String())
}

type summary struct {
	cpu, p50, p99, rss             string
	cpuMed, p50Med, p99Med, rssMed float64
}

// summarize gives each figure's median and range.
func summarize(fs []Figures) summary {
	col := func(get func(Figures) float64) (float64, float64, float64) {
		var v []float64
		for _, f := range fs {
			v = append(v, get(f))
		}
		slices.Sort(v)
		return median(v), v[0], v[len(v)-1]
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	var s summary
	var lo, hi float64
	s.cpuMed, lo, hi = col(func(f Figures) float64 { return us(f.CPU) })
	s.cpu = fmt.Sprintf("%.0f µs (%.0f–%.0f)", s.cpuMed, lo, hi)
	s.p50Med, lo, hi = col(func(f Figures) float64 { return us(f.P50) / 1000 })
	s.p50 = fmt.Sprintf("%.1f ms (%.1f–%.1f)", s.p50Med, lo, hi)
	s.p99Med, lo, hi = col(func(f Figures) float64 { return us(f.P99) / 1000 })
	s.p99 = fmt.Sprintf("%.1f ms (%.1f–%.1f)", s.p99Med, lo, hi)
	s.rssMed, lo, hi = col(func(f Figures) float64 { return float64(f.PeakRSS) / (1 << 20) })
	s.rss = fmt.Sprintf("%.1f MiB (%.1f–%.1f)", s.rssMed, lo, hi)
	return s
}

func median(v []float64) float64 {
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

var (
	flagStateMem     = flag.Bool("statememory", false, "run TestStateMemory (memory at ready of one unsharded bot process in -stateservers servers of -statemembers members)")
	flagStateServers = flag.Int("stateservers", 2500, "TestStateMemory: servers in discordtest")
	flagStateMembers = flag.Int("statemembers", 100, "TestStateMemory: members per server (sent in each GUILD_CREATE)")
)

// TestStateMemory measures what the Discord state a bot process keeps
// costs (issue 17 point 3): one process on one gateway session in
// -stateservers servers of -statemembers members each and a text channel,
// an empty library. Once every GUILD_CREATE has been taken in (the
// resident memory stops growing) it reports the Go heap in use and
// allocated (the bot's /metrics), the resident memory and its peak. It runs
// only with -statememory:
//
//	go test ./loadtest -run TestStateMemory -v -count=1 -args -statememory
func TestStateMemory(t *testing.T) {
	if !*flagStateMem {
		t.Skip("only with -statememory")
	}
	bin := Binary(t)
	srv := discordtest.New(t)
	seed := time.Now()
	for g := range *flagStateServers {
		gd := srv.AddGuild(fmt.Sprintf("Fic Server %d", g+1))
		srv.AddChannel(gd.ID, "general", discordgo.ChannelTypeGuildText, false)
		for m := range *flagStateMembers {
			srv.AddMember(gd.ID, fmt.Sprintf("reader%d_%03d", g+1, m), 0)
		}
	}
	t.Logf("seeded %d servers × %d members in %v", *flagStateServers, *flagStateMembers, time.Since(seed).Round(time.Millisecond))
	metricsAddr := FreeAddr(t)
	p := Start(t, bin, filepath.Join(t.TempDir(), "ficshelf.db"), srv, ProcessOptions{Env: []string{"METRICS_ADDR=" + metricsAddr}, ReadyTimeout: 5 * time.Minute})
	settled, _ := p.RSS()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		r, err := p.RSS()
		if err != nil {
			t.Fatal(err)
		}
		if r <= settled+(256<<10) && time.Since(p.Ready) > 2*time.Second {
			break
		}
		settled = max(settled, r)
	}
	m, err := Scrape(metricsAddr)
	if err != nil {
		t.Fatal(err)
	}
	peak, err := p.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	mib := func(b float64) float64 { return b / (1 << 20) }
	line := fmt.Sprintf("servers=%d members=%d ready_after=%v heap_inuse_mib=%.1f heap_alloc_mib=%.1f rss_settled_mib=%.1f peak_rss_mib=%.1f loadavg=%q",
		*flagStateServers, *flagStateMembers, p.Ready.Sub(p.Started).Round(time.Millisecond),
		mib(m.Value("go_memstats_heap_inuse_bytes")), mib(m.Value("go_memstats_heap_alloc_bytes")), mib(float64(settled)), mib(float64(peak)), loadAvg())
	t.Log(line)
	fmt.Fprintf(os.Stderr, "STATEMEM %s\n", line)
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}
}
