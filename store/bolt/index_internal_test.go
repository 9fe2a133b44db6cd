package bolt

import (
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

// TestClosestIsBruteForce checks the pruned search for the closest titles
// against scoring every title, on libraries of near-duplicate titles
// (where pruning matters) for typos, gibberish and short inputs.
func TestClosestIsBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	words := []string{"star", "moon", "the", "of", "river", "stone", "garden", "night", "rose", "ash"}
	gi := newGuildIndex()
	var folds []string
	for id := uint64(1); id <= 400; id++ {
		var ws []string
		for range 1 + r.IntN(5) {
			ws = append(ws, words[r.IntN(len(words))])
		}
		title := strings.Join(ws, " ")
		gi.put(id, head{title: title}, counts{}, 1, true)
		folds = append(folds, shelf.FoldString(title))
	}
	gi.remove(7) // a free slot
	for i := 0; i < 300; i++ {
		in := []rune(folds[r.IntN(len(folds))])
		switch i % 3 {
		case 0:
			in[r.IntN(len(in))] = rune('a' + r.IntN(26))
		case 1:
			in = []rune(strings.Repeat("qx", 1+r.IntN(8)))
		case 2:
			in = in[:1+r.IntN(min(3, len(in)))]
		}
		typed := string(in)
		got := gi.closest(typed, 5)
		// Brute force: every title, by score then ID.
		type s struct {
			id    uint64
			score int
		}
		var all []s
		for _, rf := range gi.items {
			if rf != nil {
				all = append(all, s{rf.id, shelf.TitleDistance(typed, rf.fold)})
			}
		}
		for a := range all {
			for b := a + 1; b < len(all); b++ {
				if all[b].score < all[a].score || (all[b].score == all[a].score && all[b].id < all[a].id) {
					all[a], all[b] = all[b], all[a]
				}
			}
		}
		for k := range got {
			if got[k].id != all[k].id {
				t.Fatalf("closest(%q)[%d] = story %d, want %d (score %d)", typed, k, got[k].id, all[k].id, all[k].score)
			}
		}
		if len(got) != 5 {
			t.Fatalf("closest(%q) gave %d", typed, len(got))
		}
	}
}

// TestClosestBoundedInABigGuild checks that a miss in a guild of more
// than exactMissLimit titles scores at most missBudget of them, whatever
// was typed, and that a typo of a title still finds it first there.
func TestClosestBoundedInABigGuild(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"star", "moon", "the", "of", "river", "stone", "garden", "night", "rose", "ash", "crown", "tide"}
	gi := newGuildIndex()
	n := exactMissLimit + 1500
	for id := uint64(1); id <= uint64(n); id++ {
		var ws []string
		for range 2 + r.IntN(4) {
			ws = append(ws, words[r.IntN(len(words))])
		}
		gi.put(id, head{title: strings.Join(ws, " ")}, counts{}, 1, true)
	}
	gi.put(uint64(n+1), head{title: "Quillfeather and the Lantern Archive"}, counts{}, 1, true)
	scored := 0
	onMissScore = func() { scored++ }
	defer func() { onMissScore = nil }()
	for _, typed := range []string{"quilfeather and the lantern archiv", "zzyzx the unfound", "qx", "the of"} {
		scored = 0
		got := gi.closest(shelf.FoldString(typed), 5)
		if scored > missBudget || len(got) != 5 {
			t.Errorf("closest(%q) scored %d titles (budget %d) and gave %d", typed, scored, missBudget, len(got))
		}
		if strings.HasPrefix(typed, "quil") && got[0].id != uint64(n+1) {
			t.Errorf("closest(%q)[0] = story %d, want the Quillfeather story %d", typed, got[0].id, n+1)
		}
	}
}

// TestIndexBuiltPerGuildOnFirstUse checks that Open reads no guild's
// stories into memory, that a guild's first search builds its index only,
// and that writes to a guild not yet indexed are seen when it is built.
func TestIndexBuiltPerGuildOnFirstUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lazy.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"11", "22"} {
		if _, err := s.AddStory(ctx, g, &fic.Story{Title: "Lantern " + g}, nil, "7", false, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	indexed := func() int { s.idx.mu.RLock(); defer s.idx.mu.RUnlock(); return len(s.idx.guilds) }
	if n := indexed(); n != 0 {
		t.Fatalf("%d guilds indexed at open, want none", n)
	}
	// A write to a guild not indexed yet, then its first search.
	rec, err := s.AddStory(ctx, "22", &fic.Story{Title: "Lantern two"}, nil, "7", false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GiveKudos(ctx, "22", rec.ID, "8", time.Time{}); err != nil {
		t.Fatal(err)
	}
	refs, err := s.SearchStories(ctx, "22", "lantern", 5)
	if err != nil || len(refs) != 2 || refs[0].ID != rec.ID {
		t.Fatalf("search = %+v, %v; want the two lanterns, the one with kudos first", refs, err)
	}
	if n := indexed(); n != 1 {
		t.Errorf("%d guilds indexed after one guild's search, want 1", n)
	}
	if _, err := s.ResolveStory(ctx, "11", "lantrn 11"); err == nil {
		t.Error("a miss resolved")
	}
	if n := indexed(); n != 2 {
		t.Errorf("%d guilds indexed after the second guild's resolve, want 2", n)
	}
}

// TestGuildBuildBlocksNobody holds one guild's index build open and checks
// that meanwhile another guild's search and writes to the guild being
// built all finish, and that the build, once in, has the story and the
// kudos written during it.
func TestGuildBuildBlocksNobody(t *testing.T) {
	path := filepath.Join(t.TempDir(), "build.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, g := range []string{"11", "22"} {
		if _, err := s.AddStory(ctx, g, &fic.Story{Title: "Lantern " + g}, nil, "7", false, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	// Grow the file first: a write that must grow bbolt's memory map waits
	// for every read transaction, the build's too (as it would in any
	// long read).
	var filler []string
	for i := range 40 {
		r, err := s.AddStory(ctx, "33", &fic.Story{Title: fmt.Sprint("Filler ", i), Chapters: []fic.Chapter{{Title: "One", Text: strings.Repeat("Words and more words. ", 3000)}}}, nil, "7", false, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		filler = append(filler, r.ID)
	}
	for _, id := range filler {
		if err := s.RemoveStory(ctx, "33", id); err != nil {
			t.Fatal(err)
		}
	}
	s.idx.mu.Lock()
	s.idx.guilds = map[uint64]*guildIndex{}
	s.idx.mu.Unlock()
	started, release := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	defer releaseOnce.Do(func() { close(release) })
	onGuildBuild = func(g uint64) {
		if g == 11 {
			close(started)
			<-release
		}
	}
	defer func() { onGuildBuild = nil }()
	searched := make(chan []shelf.StoryRef, 2)
	go func() {
		refs, _ := s.SearchStories(ctx, "11", "lantern", 5)
		searched <- refs
	}()
	<-started
	done := make(chan error, 1)
	var added shelf.StoryRecord
	go func() {
		refs, err := s.SearchStories(ctx, "22", "lantern", 5)
		if err == nil && len(refs) != 1 {
			err = fmt.Errorf("guild 22 search = %+v", refs)
		}
		if err == nil {
			added, err = s.AddStory(ctx, "11", &fic.Story{Title: "Lantern late"}, nil, "7", false, time.Time{})
		}
		if err == nil {
			_, err = s.GiveKudos(ctx, "11", added.ID, "8", time.Time{})
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("another guild's search or a write waited for guild 11's index build")
	}
	// A second search of the guild being built waits for that build.
	go func() {
		refs, _ := s.SearchStories(ctx, "11", "lantern", 5)
		searched <- refs
	}()
	releaseOnce.Do(func() { close(release) })
	for range 2 {
		refs := <-searched
		if len(refs) == 2 && refs[0].ID != added.ID {
			t.Errorf("search after the build = %+v; the story with kudos written during the build should come first", refs)
		}
	}
	refs, err := s.SearchStories(ctx, "11", "lantern", 5)
	if err != nil || len(refs) != 2 || refs[0].ID != added.ID {
		t.Fatalf("search once built = %+v, %v; want both lanterns, the late one (with kudos) first", refs, err)
	}
}

// TestBoundBucketsKeepOrder checks closest's counting sort: every bound
// it can compute has a bucket, buckets follow bound order, and a
// bucket's bound is the bound itself (closest stops on it).
func TestBoundBucketsKeepOrder(t *testing.T) {
	bounds := []int{0}
	for lb := 1000; lb <= maxMissBound; lb++ {
		bounds = append(bounds, lb)
	}
	prev := -1
	for _, lb := range bounds {
		b := int(boundBucket(lb))
		if b <= prev || b >= boundBuckets {
			t.Fatalf("bound %d: bucket %d after %d (of %d)", lb, b, prev, boundBuckets)
		}
		if got := bucketBound(b); got != lb {
			t.Fatalf("bucket %d's bound is %d, want %d", b, got, lb)
		}
		prev = b
	}
}
