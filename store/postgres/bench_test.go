package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/fic"
	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
)

// The store benchmarks mirror store/bench_test.go (the BoltDB engine's) so
// that BENCHMARKS.md can show both engines: the same library (5,000
// stories from the same word lists and seeds), the same queries.

const benchGuild = "111111111111111111"

var benchWords = strings.Fields(`rose garden winter summer night day star moon sun light dark shadow
	heart soul blood bone fire ice storm rain snow wind sea river stone glass silver gold iron crown
	throne king queen prince knight dragon wolf fox raven sparrow lion tiger ghost witch wizard mage
	spell curse blessing promise secret lie truth dream memory story song letter map road home house
	city tower bridge door window key lock book page ink paper war peace love hate hope fear loss
	return journey after before between beyond under over through around always never forever again
	first last little great broken hidden lost found golden silent quiet wild gentle bitter sweet`)

var benchNames = strings.Fields(`ann bea cara dana elle faye gwen hana iris june kira lena mira nora
	olga pia quin rosa sara tess una vera wren xena yara zoe arlo bram cole dane ezra finn gray hugo`)

// The benchmarks share one database holding a 5,000-story library, made
// once per test binary (a benchmark function runs several times) and
// dropped by TestMain.
var (
	benchOnce  sync.Once
	benchStore *Store
	benchErr   error
	benchDrop  func()
	benchURL   string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDrop != nil {
		benchDrop()
	}
	os.Exit(code)
}

// library returns the shared store with guild benchGuild holding 5,000
// stories (titles of one to five words, one author, kudos 0–49).
func library(tb testing.TB) *Store {
	tb.Helper()
	server := pgtest.ServerURL(tb)
	benchOnce.Do(func() { benchStore, benchErr = makeLibrary(server) })
	if benchErr != nil {
		tb.Fatal(benchErr)
	}
	return benchStore
}

// benchLibrary generates bolt's benchmark library (same seeds, same draws)
// and returns the generator, positioned where bolt's query generation
// starts.
func benchLibrary() ([]fic.Story, []int, *mrand.Rand) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	stories := make([]fic.Story, 5000)
	kudos := make([]int, 5000)
	for i := range stories {
		words := make([]string, 1+rng.IntN(5))
		for j := range words {
			words[j] = benchWords[rng.IntN(len(benchWords))]
		}
		title := strings.ToUpper(words[0][:1]) + strings.Join(words, " ")[1:]
		stories[i] = fic.Story{Title: title,
			Authors: []string{benchNames[rng.IntN(len(benchNames))] + " " + benchNames[rng.IntN(len(benchNames))]},
			Summary: strings.Repeat("A summary sentence. ", 20), Rating: fic.RatingNotRated}
		kudos[i] = rng.IntN(50)
	}
	return stories, kudos, rng
}

func makeLibrary(server string) (*Store, error) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ficshelf_bench_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, err
	}
	u, _ := url.Parse(server)
	u.Path = "/" + name
	benchURL = u.String()
	s, err := Open(ctx, benchURL, Options{})
	if err != nil {
		return nil, err
	}
	benchDrop = func() {
		s.Close()
		if c, err := pgx.Connect(ctx, server); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	}
	stories, kudos, _ := benchLibrary()
	ld, err := s.Load(ctx)
	if err != nil {
		return nil, err
	}
	defer ld.Rollback(ctx)
	for i := range stories {
		rec := shelf.StoryRecord{ID: fmt.Sprint(i + 1), Story: stories[i], AddedBy: "42", AddedAt: time.Unix(0, int64(i)).UTC()}
		if err := ld.Put(ctx, benchGuild, shelf.Item{Story: &rec}); err != nil {
			return nil, err
		}
	}
	if err := ld.Commit(ctx); err != nil {
		return nil, err
	}
	ids := make([]int64, 5000)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE story_counts s SET kudos = k.n FROM unnest($1::int8[], $2::int4[]) AS k(id, n)
		WHERE s.guild = $3 AND s.story = k.id`, ids, kudos, int64(111111111111111111)); err != nil {
		return nil, err
	}
	if _, err := s.Pool().Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return nil, err
	}
	return s, nil
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// searchQueries are bolt's benchmark queries: typed prefixes of one to
// three words, with "" and "a" as the worst cases.
func searchQueries() []string {
	_, _, rng := benchLibrary()
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
	queries[0], queries[1] = "", "a"
	return queries
}

// BenchmarkSearchStories5000 measures autocomplete over a 5,000-story
// library and reports p50/p99.
func BenchmarkSearchStories5000(b *testing.B) {
	s := library(b)
	queries := searchQueries()
	ctx := context.Background()
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

// TestSearchLatency5000 reports autocomplete's p50/p99 over 5,000 stories
// (go test -v -run SearchLatency): each of bolt's 1,000 benchmark queries
// three times, after one warm-up pass. It measures; it asserts nothing
// about time.
func TestSearchLatency5000(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	s := library(t)
	queries := searchQueries()
	ctx := context.Background()
	for _, q := range queries {
		if _, err := s.SearchStories(ctx, benchGuild, q, 25); err != nil {
			t.Fatal(err)
		}
	}
	var durs, worst []time.Duration
	for range 3 {
		for i, q := range queries {
			start := time.Now()
			if _, err := s.SearchStories(ctx, benchGuild, q, 25); err != nil {
				t.Fatal(err)
			}
			d := time.Since(start)
			durs = append(durs, d)
			if i < 2 {
				worst = append(worst, d)
			}
		}
	}
	t.Logf("SearchStories over 5,000 stories, %d queries: p50 %v, p99 %v, max %v; \"\" and \"a\" (worst cases) %v",
		len(durs), percentile(durs, 0.50), percentile(durs, 0.99), percentile(durs, 1), worst)
	// The floor on this machine: a round trip that does nothing.
	var base []time.Duration
	for range 1000 {
		start := time.Now()
		if _, err := s.Pool().Exec(ctx, `SELECT 1`); err != nil {
			t.Fatal(err)
		}
		base = append(base, time.Since(start))
	}
	t.Logf("baseline SELECT 1 round trip: p50 %v, p99 %v", percentile(base, 0.50), percentile(base, 0.99))
}

// BenchmarkKudos64 gives kudos from 64 concurrent members on one story
// (each a committed transaction) and reports kudos per second.
func BenchmarkKudos64(b *testing.B) {
	s := library(b)
	ctx := context.Background()
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
				if _, err := s.GiveKudos(ctx, benchGuild, rec.ID, fmt.Sprint(1_000_000+i), time.Time{}); err != nil {
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
}

// BenchmarkKudos64TwoStores is BenchmarkKudos64 through two separately
// opened stores (two processes' worth), 32 givers each, on one story.
func BenchmarkKudos64TwoStores(b *testing.B) {
	a := library(b)
	ctx := context.Background()
	other, err := Open(ctx, benchURL, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer other.Close()
	rec, err := a.AddStory(ctx, benchGuild, &fic.Story{Title: "Hot in two"}, nil, "7", false, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := 0; w < 64; w++ {
		s := a
		if w%2 == 1 {
			s = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if _, err := s.GiveKudos(ctx, benchGuild, rec.ID, fmt.Sprint(2_000_000+i), time.Time{}); err != nil {
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
	for _, s := range []*Store{a, other} {
		if got, _ := s.Story(ctx, benchGuild, rec.ID); got.Kudos != b.N {
			b.Fatalf("count %d, want %d", got.Kudos, b.N)
		}
	}
}

// BenchmarkMemberList2000 reads a member's list of 2,000 entries joined
// with their stories.
func BenchmarkMemberList2000(b *testing.B) {
	s := library(b)
	ctx := context.Background()
	const user = "555555555555555555"
	if _, err := s.Pool().Exec(ctx, `INSERT INTO list_entries (guild, user_id, story, status, chapter, note, added, updated)
		SELECT $1, $2, id, 'reading', id % 7, 'a short note', 1, 2 FROM stories WHERE guild = $1 AND id <= 2000
		ON CONFLICT DO NOTHING`, int64(111111111111111111), int64(555555555555555555)); err != nil {
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

// BenchmarkAddStory500kWords stores a 500,000-word, 50-chapter work.
func BenchmarkAddStory500kWords(b *testing.B) {
	s := library(b)
	ctx := context.Background()
	para := strings.Repeat("She walked along the quiet road and thought of home. ", 10) // 100 words
	chapters := make([]shelf.NewChapter, 50)
	for i := range chapters {
		chapters[i] = shelf.NewChapter{Chapter: fic.Chapter{Title: fmt.Sprint("Chapter ", i+1),
			Text: strings.Repeat(para+"\n\n", 100)}, Sentences: make([]byte, 4000)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec, err := s.AddStory(ctx, "222222222222222222", &fic.Story{Title: fmt.Sprint("Epic ", i)}, chapters, "7", false, time.Time{})
		if err != nil || rec.Story.Words != 500_000 {
			b.Fatal(rec.Story.Words, err)
		}
	}
}

// BenchmarkAddStory adds a small story (two short chapters), the common case.
func BenchmarkAddStory(b *testing.B) {
	s := library(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.AddStory(ctx, "333333333333333333", &fic.Story{Title: fmt.Sprint("Small story ", i), Authors: []string{"Ann Writer"},
			Chapters: []fic.Chapter{{Title: "1", Text: "Some words here."}, {Title: "2", Text: "More words."}}}, nil, "7", false, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListStories5000 pages a 5,000-story library by kudos.
func BenchmarkListStories5000(b *testing.B) {
	s := library(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := s.ListStories(ctx, benchGuild, shelf.ListQuery{Sort: shelf.SortKudos, Offset: 10, Limit: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveStory5000 resolves a typed title in a 5,000-story library.
func BenchmarkResolveStory5000(b *testing.B) {
	s := library(b)
	ctx := context.Background()
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
