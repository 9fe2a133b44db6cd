package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Conformance cases for the bulk load (shelf.Copier's Load) at a size where
// engines write in batches and set counters once at Commit: what a big
// load leaves must read exactly as the same records written one by one
// would — kudos, week and month counts, readers, chapters, sequences — and
// a load that fails part-way must leave nothing.

func init() {
	cRegister(
		cTest{"Copier/BulkLoadMatchesBruteForce", cBulkLoad},
		cTest{"Copier/BulkLoadFailsWhole", cBulkLoadFails},
	)
}

// RunBulkLoad runs the bulk-load cases alone, for an engine to run them
// again with its batches made small (so that a story's chapters, kudos and
// reading-list entries land in other batches than the story). after, if
// not nil, checks the engine's own records once the big load is read.
func RunBulkLoad(t *testing.T, open func(t testing.TB) shelf.Store, after func(t *testing.T, s shelf.Store)) {
	t.Run("BulkLoadMatchesBruteForce", func(t *testing.T) {
		s := open(t)
		cBulkLoad(t, s)
		if after != nil {
			after(t, s)
		}
	})
	t.Run("BulkLoadFailsWhole", func(t *testing.T) { cBulkLoadFails(t, open(t)) })
}

// bulkLib is a randomized library as load items, with what it should read as.
type bulkLib struct {
	items    []cDumped
	stories  map[string][]string // guild -> story IDs
	added    map[[2]string]time.Time
	kudos    map[[2]string][]time.Time // (guild, story) -> each kudos' time
	readers  map[[2]string]int
	chapters map[[2]string]int
}

// bulkLibrary builds n stories in guild A (each followed by its chapters,
// in the order the load test puts them) and n/10 in guild B (all stories,
// then all chapters, in a dump's order), k kudos given in random order over
// the 50 days before now, and reading-list entries.
func bulkLibrary(n, k int, now time.Time) *bulkLib {
	r := rand.New(rand.NewPCG(17, 9))
	lib := &bulkLib{stories: map[string][]string{}, added: map[[2]string]time.Time{}, kudos: map[[2]string][]time.Time{},
		readers: map[[2]string]int{}, chapters: map[[2]string]int{}}
	put := func(g string, it shelf.Item) { lib.items = append(lib.items, cDumped{g, it}) }
	chapter := func(g, id string, c int) shelf.Item {
		return shelf.Item{Chapter: &shelf.ChapterItem{StoryID: id, Number: c,
			Chapter: fic.Chapter{Title: fmt.Sprintf("Part %d", c), Text: fmt.Sprintf("Text of %s, part %d.", id, c)}}}
	}
	for _, g := range []struct {
		guild      string
		n          int
		interleave bool
	}{{cGuildA, n, true}, {cGuildB, max(n/10, 2), false}} {
		var later []shelf.Item
		for i := range g.n {
			id := fmt.Sprint(i + 1 + i/7) // gaps: the sequence must follow the highest
			chapters := r.IntN(4)
			at := now.Add(-time.Duration(g.n-i) * time.Minute)
			key := [2]string{g.guild, id}
			lib.stories[g.guild] = append(lib.stories[g.guild], id)
			lib.added[key], lib.chapters[key] = at, chapters
			st := Story(fmt.Sprintf("Bulk %s story %d", g.guild[:1], i))
			rec := shelf.StoryRecord{ID: id, GuildID: g.guild, Story: *st, AddedBy: cAlice, AddedAt: at}
			for c := range chapters {
				rec.Chapters = append(rec.Chapters, shelf.ChapterInfo{Title: fmt.Sprintf("Part %d", c+1), Words: 5})
			}
			put(g.guild, shelf.Item{Story: &rec})
			for c := range chapters {
				if g.interleave {
					put(g.guild, chapter(g.guild, id, c+1))
				} else {
					later = append(later, chapter(g.guild, id, c+1))
				}
			}
		}
		for _, it := range later {
			put(g.guild, it)
		}
	}
	ids := lib.stories[cGuildA]
	given := map[[2]string]bool{}
	for len(given) < k {
		u := r.Float64()
		id := ids[min(int(u*u*float64(len(ids))), len(ids)-1)]
		user := cUser(r.IntN(k/4 + 10))
		if given[[2]string{id, user}] {
			continue
		}
		given[[2]string{id, user}] = true
		at := now.Add(-time.Duration(r.Int64N(int64(50 * 24 * time.Hour))))
		lib.kudos[[2]string{cGuildA, id}] = append(lib.kudos[[2]string{cGuildA, id}], at)
		put(cGuildA, shelf.Item{Kudo: &shelf.KudoItem{StoryID: id, UserID: user, At: at}})
	}
	for u := range 40 {
		on := map[string]bool{}
		for range 1 + r.IntN(12) {
			id := ids[r.IntN(len(ids))]
			if on[id] {
				continue
			}
			on[id] = true
			lib.readers[[2]string{cGuildA, id}]++
			put(cGuildA, shelf.Item{ListEntry: &shelf.ListEntryItem{UserID: cUser(u),
				Entry: shelf.ListEntry{StoryID: id, Status: shelf.StatusReading, Chapter: 1, Added: now, Updated: now}}})
		}
	}
	return lib
}

// bulkLoadSize is the library cBulkLoad loads: past every engine's batch
// size, so that rows are written in more than one batch.
const (
	bulkLoadStories = 1500
	bulkLoadKudos   = 25000
)

func cBulkLoad(t *testing.T, s shelf.Store) {
	now := cT0.Add(90 * 24 * time.Hour)
	lib := bulkLibrary(bulkLoadStories, bulkLoadKudos, now)
	ld, err := s.Load(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Rollback(cCtx)
	for _, d := range lib.items {
		if err := ld.Put(cCtx, d.guild, d.it); err != nil {
			t.Fatalf("put %s: %v", cItemString(d.it), err)
		}
	}
	if err := ld.Commit(cCtx); err != nil {
		t.Fatal(err)
	}

	// Every story's counters and chapters.
	for g, ids := range lib.stories {
		for _, id := range ids {
			key := [2]string{g, id}
			rec, err := s.Story(cCtx, g, id)
			if err != nil {
				t.Fatalf("story %v: %v", key, err)
			}
			if rec.Kudos != len(lib.kudos[key]) || rec.Readers != lib.readers[key] || len(rec.Chapters) != lib.chapters[key] {
				t.Fatalf("story %v: kudos %d readers %d chapters %d, want %d, %d, %d", key, rec.Kudos, rec.Readers,
					len(rec.Chapters), len(lib.kudos[key]), lib.readers[key], lib.chapters[key])
			}
			if n := lib.chapters[key]; n > 0 {
				ch, err := s.Chapter(cCtx, g, id, n)
				if err != nil || ch.Title != fmt.Sprintf("Part %d", n) {
					t.Fatalf("story %v: last chapter %q, %v", key, ch.Title, err)
				}
			}
		}
	}
	// /kudos top over each period, at the load's now and later.
	for _, at := range []time.Time{now, now.Add(5 * 24 * time.Hour), now.Add(40 * 24 * time.Hour)} {
		for _, p := range []shelf.Period{shelf.PeriodAll, shelf.PeriodWeek, shelf.PeriodMonth} {
			since := p.Since(at)
			count := map[string]int{}
			var want []string
			for key, times := range lib.kudos {
				for _, k := range times {
					if !k.Before(since) {
						count[key[1]]++
					}
				}
				if count[key[1]] > 0 {
					want = append(want, key[1])
				}
			}
			slices.SortFunc(want, func(a, b string) int {
				if c := cmp.Compare(count[b], count[a]); c != 0 {
					return c
				}
				if c := cmp.Compare(len(lib.kudos[[2]string{cGuildA, b}]), len(lib.kudos[[2]string{cGuildA, a}])); c != 0 {
					return c
				}
				return lib.added[[2]string{cGuildA, b}].Compare(lib.added[[2]string{cGuildA, a}])
			})
			top, err := s.TopKudos(cCtx, cGuildA, p, at, 10)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ts := range top {
				got = append(got, ts.ID)
			}
			if w := want[:min(10, len(want))]; !slices.Equal(got, w) {
				t.Errorf("top %v at %s = %v, want %v", p, at.Format(time.DateOnly), got, w)
			}
		}
	}
	// The loaded kudos are enforced, and IDs go on after the highest loaded.
	var first cDumped
	for _, d := range lib.items {
		if d.it.Kudo != nil {
			first = d
			break
		}
	}
	if _, err := s.GiveKudos(cCtx, cGuildA, first.it.Kudo.StoryID, first.it.Kudo.UserID, now); !errors.Is(err, shelf.ErrAlreadyGiven) {
		t.Errorf("loaded kudos given again: %v, want ErrAlreadyGiven", err)
	}
	for g, ids := range lib.stories {
		last := ids[len(ids)-1]
		next := cAdd(t, s, g, Story("After the bulk load"))
		if want := fmt.Sprint(mustAtoi(t, last) + 1); next.ID != want {
			t.Errorf("guild %s: story added after the load has ID %s, want %s", g, next.ID, want)
		}
	}
}

func mustAtoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// cBulkLoadFails loads a big library with one kudos given twice near its
// end: the load fails (at that Put, a later one or Commit) and leaves the
// store empty.
func cBulkLoadFails(t *testing.T, s shelf.Store) {
	now := cT0.Add(90 * 24 * time.Hour)
	lib := bulkLibrary(bulkLoadStories, bulkLoadKudos, now)
	var dup cDumped
	for _, d := range lib.items {
		if d.it.Kudo != nil {
			dup = d
		}
	}
	items := append(slices.Clone(lib.items), dup)
	ld, err := s.Load(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	err = nil
	for _, d := range items {
		if err = ld.Put(cCtx, d.guild, d.it); err != nil {
			break
		}
	}
	if err == nil {
		err = ld.Commit(cCtx)
	}
	if err == nil {
		t.Fatal("a load with a kudos given twice committed")
	}
	if rerr := ld.Rollback(cCtx); rerr != nil {
		t.Errorf("rollback after the failure: %v", rerr)
	}
	if c, _ := s.Counts(cCtx); len(cNonZero(c)) != 0 {
		t.Errorf("failed load left %v", cNonZero(c))
	}
	// The store takes a load again.
	ld, err = s.Load(cCtx)
	if err != nil {
		t.Fatalf("load after a failed one: %v", err)
	}
	for _, d := range lib.items[:50] {
		if err := ld.Put(cCtx, d.guild, d.it); err != nil {
			t.Fatal(err)
		}
	}
	if err := ld.Commit(cCtx); err != nil {
		t.Fatal(err)
	}
}
