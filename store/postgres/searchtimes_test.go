package postgres_test

import (
	"flag"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
)

var (
	flagSearchURL   = flag.String("searchurl", "", "TestBigServerSearchTimes: a seeded database (e.g. a loadtest -keepdb one)")
	flagSearchGuild = flag.Int64("searchguild", 0, "TestBigServerSearchTimes: the big guild's ID")
)

// TestBigServerSearchTimes times autocomplete on a seeded big guild the
// way the load test types (a prefix of a random word of a random title),
// each query with the most-popular-first walk and without (one call at a
// time, alternating), and checks both answer the same.
func TestBigServerSearchTimes(t *testing.T) {
	if *flagSearchURL == "" || *flagSearchGuild == 0 {
		t.Skip("run with -searchurl URL -searchguild ID")
	}
	s := pgtest.OpenURL(t, *flagSearchURL)
	rows, err := s.Pool().Query(ctx, `SELECT title FROM stories WHERE guild = $1 ORDER BY random() LIMIT 400`, *flagSearchGuild)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for rows.Next() {
		var title string
		if err := rows.Scan(&title); err != nil {
			t.Fatal(err)
		}
		titles = append(titles, title)
	}
	rows.Close()
	r := rand.New(rand.NewPCG(3, 4))
	guild := strconv.FormatInt(*flagSearchGuild, 10)
	var with, without []time.Duration
	a0, g0 := PopularWalks()
	for _, title := range titles {
		words := strings.Fields(title)
		w := words[r.IntN(len(words))]
		q := w[:1+r.IntN(len(w))]
		var got [2][]string
		for mode := range 2 {
			restore := func() {}
			if mode == 1 {
				restore = SetPopularMinStories(1 << 40)
			}
			start := time.Now()
			refs, err := s.SearchStories(ctx, guild, q, 25)
			d := time.Since(start)
			restore()
			if err != nil {
				t.Fatal(err)
			}
			for _, ref := range refs {
				got[mode] = append(got[mode], ref.ID)
			}
			if mode == 0 {
				with = append(with, d)
			} else {
				without = append(without, d)
			}
		}
		if !slices.Equal(got[0], got[1]) {
			t.Errorf("search %q: walk %v, statement %v", q, got[0], got[1])
		}
	}
	a, g := PopularWalks()
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"with the walk", with}, {"statement only", without}} {
		var sum time.Duration
		for _, d := range m.ds {
			sum += d
		}
		t.Logf("%-15s %d searches: mean %.2f ms, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms", m.name, len(m.ds),
			ms(sum/time.Duration(len(m.ds))), ms(percentile(m.ds, 0.5)), ms(percentile(m.ds, 0.9)), ms(percentile(m.ds, 0.99)))
	}
	t.Logf("the walk answered %d, handed %d to the statement", a-a0, g-g0)
}

var flagSearchPrefixes = flag.String("searchprefixes", "o,li,so,k,ki,t,the,208,a,h,w,li s,of", "TestBigServerSearchPrefixes: the prefixes timed, comma-separated")

// TestBigServerSearchPrefixes times autocomplete on a seeded big guild by
// prefix, with the rare classes listed first (searchpop.go) and without,
// one call at a time, interleaved (a warm-up call each first), and checks
// both answer the same.
func TestBigServerSearchPrefixes(t *testing.T) {
	if *flagSearchURL == "" || *flagSearchGuild == 0 {
		t.Skip("run with -searchurl URL -searchguild ID")
	}
	s := pgtest.OpenURL(t, *flagSearchURL)
	guild := strconv.FormatInt(*flagSearchGuild, 10)
	const reps = 30
	search := func(q string, rare bool) ([]string, time.Duration) {
		defer SetRareFirst(rare)()
		start := time.Now()
		refs, err := s.SearchStories(ctx, guild, q, 25)
		d := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, ref := range refs {
			ids = append(ids, ref.ID)
		}
		return ids, d
	}
	t.Logf("%-8s %12s %12s", "prefix", "before (p50)", "after (p50)")
	for _, q := range strings.Split(*flagSearchPrefixes, ",") {
		search(q, false)
		search(q, true)
		var before, after []time.Duration
		for range reps {
			a, d0 := search(q, false)
			b, d1 := search(q, true)
			if !slices.Equal(a, b) {
				t.Fatalf("search %q: without the rare classes %v, with %v", q, a, b)
			}
			before, after = append(before, d0), append(after, d1)
		}
		t.Logf("%-8q %9.2f ms %9.2f ms", q, ms(percentile(before, 0.5)), ms(percentile(after, 0.5)))
	}
}
