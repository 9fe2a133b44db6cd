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
