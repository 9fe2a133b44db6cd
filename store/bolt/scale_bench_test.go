package bolt

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Per-request costs at several server sizes (issue 17): each benchmark
// runs the same request on a guild of 1,000 and of 50,000 stories (four
// kudos per story, all in the last week); a cost independent of the
// server's size shows as equal ns/op. -scalesizes changes the sizes. The
// fixture uses only writeStory and loadKudo, so that these benchmarks also
// run on the engine as it was before the derived buckets.

var scaleSizes = flag.String("scalesizes", "1000,50000", "story counts of the scale benchmarks' guilds")

var (
	scaleBase  = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	scaleMu    sync.Mutex
	scaleCache = map[int]*Store{}
)

// scaleStore returns a store whose guild benchGuild has n stories by
// random words, each in one or two of 300 fandoms with up to three of 500
// tags, and 4n kudos from 20,000 members given over the week before
// scaleBase. It is built once per size per run.
func scaleStore(b *testing.B, n int) *Store {
	b.Helper()
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if s := scaleCache[n]; s != nil {
		return s
	}
	s, err := Open(filepath.Join(b.TempDir(), "scale.db"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 17))
	word := func() string { return benchWords[rng.IntN(len(benchWords))] }
	for done := 0; done < n; {
		err := s.update(ctx, benchGuild, func(g *guildTx) error {
			for i := 0; i < 1000 && done < n; i, done = i+1, done+1 {
				title := strings.ToUpper(word()[:1]) + word()[1:] + " " + word()
				for range rng.IntN(4) {
					title += " " + word()
				}
				st := &fic.Story{Title: title, Authors: []string{benchNames[rng.IntN(len(benchNames))]},
					Rating:  []fic.Rating{fic.RatingGeneral, fic.RatingTeen, fic.RatingMature}[rng.IntN(3)],
					Fandoms: []string{scaleValue("Fandom", rng.IntN(300))},
					Words:   1000 + rng.IntN(200000)}
				for range rng.IntN(4) {
					st.Tags = append(st.Tags, scaleValue("Tag", rng.IntN(500)))
				}
				doc, recs, err := prepare(st, nil)
				if err != nil {
					return err
				}
				doc.AddedBy, doc.AddedAt = 42, scaleBase.Add(-time.Duration(n-done)*time.Minute).UnixNano()
				id, _ := g.bucket(bStories).NextSequence()
				if err := writeStory(g, id, &doc, recs, counts{}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for done := 0; done < 4*n; {
		err := s.update(ctx, benchGuild, func(g *guildTx) error {
			for i := 0; i < 5000 && done < 4*n; i++ {
				// Popular stories get more: a skewed choice.
				story := 1 + uint64(float64(n)*rng.Float64()*rng.Float64())
				k := &shelf.KudoItem{StoryID: fmt.Sprint(story), UserID: fmt.Sprint(1_000_000 + rng.IntN(20000)),
					At: scaleBase.Add(-time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))}
				if err := loadKudo(g, k); err != nil {
					continue // the same member twice
				}
				done++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	scaleCache[n] = s
	return s
}

// scaleValue is the i-th of a few hundred distinct fandoms or tags.
func scaleValue(kind string, i int) string {
	return fmt.Sprintf("%s %s %d", kind, benchWords[i%len(benchWords)], i)
}

func scaleEach(b *testing.B, fn func(b *testing.B, s *Store, n int)) {
	for _, f := range strings.Split(*scaleSizes, ",") {
		var n int
		fmt.Sscan(f, &n)
		b.Run(fmt.Sprintf("stories=%d", n), func(b *testing.B) { fn(b, scaleStore(b, n), n) })
	}
}

// BenchmarkScaleTopKudos is /kudos top for each period, the query time
// moving a second per request (as the clock does).
func BenchmarkScaleTopKudos(b *testing.B) {
	scaleEach(b, func(b *testing.B, s *Store, n int) {
		for _, p := range []shelf.Period{shelf.PeriodAll, shelf.PeriodWeek, shelf.PeriodMonth} {
			b.Run(p.String(), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					top, err := s.TopKudos(ctx, benchGuild, p, scaleBase.Add(time.Duration(i)*time.Second), 10)
					if err != nil || len(top) != 10 {
						b.Fatal(len(top), err)
					}
				}
			})
		}
	})
}

// BenchmarkScaleListStories is /story list: the first and the third page,
// unfiltered, by a fandom word (matching a fraction of the library's
// fandoms) and by a narrow tag.
func BenchmarkScaleListStories(b *testing.B) {
	scaleEach(b, func(b *testing.B, s *Store, n int) {
		for _, q := range []struct {
			name string
			q    shelf.ListQuery
		}{
			{"newest", shelf.ListQuery{}},
			{"kudos-page3", shelf.ListQuery{Sort: shelf.SortKudos, Offset: 20}},
			{"fandom-title", shelf.ListQuery{Fandom: "rose", Sort: shelf.SortTitle}},
			{"tag-words", shelf.ListQuery{Tag: "tag moon 4", Sort: shelf.SortWords}},
			// One value most stories carry: the page walked, not gathered.
			{"rating-kudos", shelf.ListQuery{Rating: "teen", Sort: shelf.SortKudos}},
		} {
			b.Run(q.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, _, err := s.ListStories(ctx, benchGuild, q.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}

// BenchmarkScaleResolveMiss is a typed title that matches no story: a
// typo of a title, and words no title has.
func BenchmarkScaleResolveMiss(b *testing.B) {
	scaleEach(b, func(b *testing.B, s *Store, n int) {
		first, err := s.Story(ctx, benchGuild, "1")
		if err != nil {
			b.Fatal(err)
		}
		typo := []rune(strings.ToLower(first.Story.Title))
		typo[1] = 'q'
		for _, in := range []struct{ name, q string }{{"typo", string(typo) + "x"}, {"unknown", "Zzyzx the unfound"}} {
			b.Run(in.name, func(b *testing.B) {
				s.ResolveStory(ctx, benchGuild, in.q) // the guild's index, built on first use
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := s.ResolveStory(ctx, benchGuild, in.q); err == nil {
						b.Fatalf("%q resolved", in.q)
					}
				}
			})
		}
	})
}

// BenchmarkScaleClosest is the in-memory part of a title miss alone
// (no transaction): the five closest titles among n.
func BenchmarkScaleClosest(b *testing.B) {
	for _, n := range []int{1000, 50000} {
		rng := rand.New(rand.NewPCG(uint64(n), 18))
		gi := newGuildIndex()
		var first string
		for id := uint64(1); id <= uint64(n); id++ {
			t := benchWords[rng.IntN(len(benchWords))]
			for range 1 + rng.IntN(4) {
				t += " " + benchWords[rng.IntN(len(benchWords))]
			}
			if first == "" {
				first = t
			}
			gi.put(id, head{title: t}, counts{}, 1, false)
		}
		typo := []rune(first)
		typo[1] = 'q'
		for _, in := range []struct{ name, q string }{{"typo", string(typo) + "x"}, {"unknown", "zzyzx the unfound"}} {
			b.Run(fmt.Sprintf("stories=%d/%s", n, in.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if got := gi.closest(in.q, 5); len(got) != 5 {
						b.Fatal(len(got))
					}
				}
			})
		}
	}
}
