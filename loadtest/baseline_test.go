package loadtest

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
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
