package bolt

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

const benchGuild = "111111111111111111"

// tempStore opens a store on a new file in tb's temporary directory,
// closed when tb ends.
func tempStore(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(filepath.Join(tb.TempDir(), "f.db"), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

var benchWords = strings.Fields(`rose garden winter summer night day star moon sun light dark shadow
	heart soul blood bone fire ice storm rain snow wind sea river stone glass silver gold iron crown
	throne king queen prince knight dragon wolf fox raven sparrow lion tiger ghost witch wizard mage
	spell curse blessing promise secret lie truth dream memory story song letter map road home house
	city tower bridge door window key lock book page ink paper war peace love hate hope fear loss
	return journey after before between beyond under over through around always never forever again
	first last little great broken hidden lost found golden silent quiet wild gentle bitter sweet`)

var benchNames = strings.Fields(`ann bea cara dana elle faye gwen hana iris june kira lena mira nora
	olga pia quin rosa sara tess una vera wren xena yara zoe arlo bram cole dane ezra finn gray hugo`)

// fillLibrary adds n stories to guild in a few large transactions (setup
// only: AddStory fsyncs each one).
func fillLibrary(b *testing.B, s *Store, guild string, n int, rng *rand.Rand) {
	b.Helper()
	for done := 0; done < n; {
		err := s.update(ctx, guild, func(g *guildTx) error {
			for i := 0; i < 500 && done < n; i, done = i+1, done+1 {
				words := make([]string, 1+rng.IntN(5))
				for j := range words {
					words[j] = benchWords[rng.IntN(len(benchWords))]
				}
				title := strings.ToUpper(words[0][:1]) + strings.Join(words, " ")[1:]
				st := &fic.Story{Title: title,
					Authors: []string{benchNames[rng.IntN(len(benchNames))] + " " + benchNames[rng.IntN(len(benchNames))]},
					Summary: strings.Repeat("A summary sentence. ", 20)}
				doc, recs, err := prepare(st, nil)
				if err != nil {
					return err
				}
				doc.AddedBy, doc.AddedAt = 42, int64(done)
				id, _ := g.bucket(bStories).NextSequence()
				if err := writeStory(g, id, &doc, recs, counts{kudos: uint32(rng.IntN(50))}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkSearchStories5000 measures autocomplete over a 5,000-story
// library with typed prefixes of one to three words and reports p50/p99.
func BenchmarkSearchStories5000(b *testing.B) {
	s := tempStore(b)
	rng := rand.New(rand.NewPCG(1, 2))
	fillLibrary(b, s, benchGuild, 5000, rng)
	queries := make([]string, 1000)
	for i := range queries {
		n := 1 + rng.IntN(3)
		var q []string
		for j := 0; j < n; j++ {
			w := benchWords[rng.IntN(len(benchWords))]
			if rng.IntN(3) == 0 {
				w = benchNames[rng.IntN(len(benchNames))]
			}
			q = append(q, w[:1+rng.IntN(len(w))])
		}
		queries[i] = strings.Join(q, " ")
	}
	queries[0], queries[1] = "", "a" // worst cases: everything, a one-letter prefix
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		refs, err := s.SearchStories(ctx, benchGuild, queries[i%len(queries)], 25)
		durs = append(durs, time.Since(start))
		if err != nil || len(refs) > 25 {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(durs, 0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(durs, 0.99).Microseconds()), "p99-µs")
}

// BenchmarkKudos64 gives kudos from 64 concurrent members on one story,
// durably, through db.Batch (GiveKudos) and, as the baseline, through one
// db.Update per kudos; it reports kudos per second.
func BenchmarkKudos64(b *testing.B) {
	for _, mode := range []struct {
		name  string
		batch bool
	}{{"batch", true}, {"update", false}} {
		b.Run(mode.name, func(b *testing.B) {
			s := tempStore(b)
			rec, err := s.AddStory(ctx, benchGuild, &fic.Story{Title: "Hot"}, nil, "7", false, time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < 64; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						if _, err := s.giveKudos(ctx, benchGuild, rec.ID, fmt.Sprint(1_000_000+i), time.Time{}, mode.batch); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			el := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/el.Seconds(), "kudos/s")
			if got, _ := s.Story(ctx, benchGuild, rec.ID); got.Kudos != b.N {
				b.Fatalf("count %d, want %d", got.Kudos, b.N)
			}
		})
	}
}

// BenchmarkMemberList2000 reads a member's list of 2,000 entries joined
// with their stories.
func BenchmarkMemberList2000(b *testing.B) {
	s := tempStore(b)
	fillLibrary(b, s, benchGuild, 2500, rand.New(rand.NewPCG(3, 4)))
	const user = "555555555555555555"
	err := s.update(ctx, benchGuild, func(g *guildTx) error {
		for id := uint64(1); id <= 2000; id++ {
			r := listRec{status: string(shelf.Statuses[id%5]), chapter: int(id % 7), note: "a short note", added: 1, updated: 2}
			if err := g.bucket(bLists).Put(key(555555555555555555, id), r.encode()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	durs := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		l, err := s.MemberList(ctx, benchGuild, user)
		durs = append(durs, time.Since(start))
		if err != nil || len(l) != 2000 {
			b.Fatal(len(l), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(percentile(durs, 0.99).Microseconds()), "p99-µs")
}

// BenchmarkOpenIndex5000 measures building a guild's autocomplete index (on
// its first use).
func BenchmarkOpenIndex5000(b *testing.B) {
	s := tempStore(b)
	fillLibrary(b, s, benchGuild, 5000, rand.New(rand.NewPCG(5, 6)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.idx.mu.Lock()
		_, err := s.idx.loadGuild(s.db, 111111111111111111)
		s.idx.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddStory500kWords stores a 500,000-word, 50-chapter work (the
// store's share of the import target).
func BenchmarkAddStory500kWords(b *testing.B) {
	s := tempStore(b)
	para := strings.Repeat("She walked along the quiet road and thought of home. ", 10) // 100 words
	chapters := make([]shelf.NewChapter, 50)
	for i := range chapters {
		chapters[i] = shelf.NewChapter{Chapter: fic.Chapter{Title: fmt.Sprint("Chapter ", i+1),
			Text: strings.Repeat(para+"\n\n", 100)}, Sentences: make([]byte, 4000)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec, err := s.AddStory(ctx, benchGuild, &fic.Story{Title: fmt.Sprint("Epic ", i)}, chapters, "7", false, time.Time{})
		if err != nil || rec.Story.Words != 500_000 {
			b.Fatal(rec.Story.Words, err)
		}
	}
}

// BenchmarkListStories5000 pages a 5,000-story library filtered by tag.
func BenchmarkListStories5000(b *testing.B) {
	s := tempStore(b)
	fillLibrary(b, s, benchGuild, 5000, rand.New(rand.NewPCG(7, 8)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := s.ListStories(ctx, benchGuild, shelf.ListQuery{Sort: shelf.SortKudos, Offset: 10, Limit: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveStory5000 resolves a typed title prefix in a 5,000-story library.
func BenchmarkResolveStory5000(b *testing.B) {
	s := tempStore(b)
	fillLibrary(b, s, benchGuild, 5000, rand.New(rand.NewPCG(9, 10)))
	first, err := s.Story(ctx, benchGuild, "1")
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []struct{ name, q string }{{"title", first.Story.Title}, {"miss", "Zzyzx the unfound"}} {
		b.Run(in.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s.ResolveStory(ctx, benchGuild, in.q)
			}
		})
	}
}

// BenchmarkKudosButtonReread compares what the Kudos button reads after
// its write to show the count as of its answer: the whole story (Story,
// what it read before) against its count alone (KudosCount).
func BenchmarkKudosButtonReread(b *testing.B) {
	s := tempStore(b)
	fillLibrary(b, s, benchGuild, 250, rand.New(rand.NewPCG(1, 2)))
	b.Run("Story", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.Story(ctx, benchGuild, fmt.Sprint(1+i%250)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("KudosCount", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := s.KudosCount(ctx, benchGuild, fmt.Sprint(1+i%250)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
