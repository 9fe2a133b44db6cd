package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

const bigGuild = "100000000000000001"

// bigStory is a story of n chapters of about size bytes each.
func bigStory(n, size int, ao3 int64) (*fic.Story, []shelf.NewChapter) {
	st := &fic.Story{Title: "Big", Rating: fic.RatingGeneral, AO3ID: ao3}
	var chs []shelf.NewChapter
	for i := range n {
		text := strings.Repeat(fmt.Sprintf("Chapter %d goes on and on. ", i+1), size/28+1)
		st.Chapters = append(st.Chapters, fic.Chapter{Title: fmt.Sprintf("Part %d", i+1), Text: text})
		chs = append(chs, shelf.NewChapter{Chapter: st.Chapters[i]})
	}
	st.Finish()
	return st, chs
}

// chapterKeys counts the keys of story id in guild's chapters bucket.
func chapterKeys(t *testing.T, s *Store, guild string, id uint64) int {
	t.Helper()
	n := 0
	gid, _ := shelf.ParseID("guild", guild)
	err := s.db.View(func(tx *bbolt.Tx) error {
		g := newGuildTx(tx, gid)
		if b := g.bucket(bChapters); b != nil {
			return forEachPrefix(b, u64(id), func(_, _ []byte) error { n++; return nil })
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A big story is written in steps and reads back whole, like a small one.
func TestBigStoryAddedInSteps(t *testing.T) {
	s := tempStore(t)
	st, chs := bigStory(6, 400<<10, 0)
	before := s.commits.Load()
	rec, err := s.AddStory(ctx, bigGuild, st, chs, "300000000000000003", false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// 6 × 400 KiB, each chapter a step of its own: the ID, 6 chapter steps, the story.
	if got := s.commits.Load() - before; got < 3 {
		t.Errorf("a %d-byte story was written in %d transactions; want it in steps", 6*400<<10, got)
	}
	if len(rec.Chapters) != 6 || rec.Story.Title != "Big" {
		t.Fatalf("record: %d chapters, title %q", len(rec.Chapters), rec.Story.Title)
	}
	for n := 1; n <= 6; n++ {
		ch, err := s.Chapter(ctx, bigGuild, rec.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Chapter.Text != st.Chapters[n-1].Text {
			t.Fatalf("chapter %d differs", n)
		}
	}
	sid, _ := shelf.ParseID("story", rec.ID)
	if got := chapterKeys(t, s, bigGuild, sid); got != 6 {
		t.Fatalf("%d chapter keys, want 6", got)
	}
}

// A crash after the chapters of a big story and before the story itself
// leaves chapters no command reaches; the next Open deletes them.
func TestBigStoryCrashBetweenStepsIsCleaned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := s.AddStory(ctx, bigGuild, &fic.Story{Title: "Kept", Rating: fic.RatingGeneral}, nil, "300000000000000003", false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Steps 1 and 2 of addStoryInSteps, then the "crash".
	st, chs := bigStory(3, 600<<10, 77)
	doc, recs, err := prepare(st, chs)
	if err != nil {
		t.Fatal(err)
	}
	var id uint64
	if err := s.update(ctx, bigGuild, func(g *guildTx) error {
		id, err = g.bucket(bStories).NextSequence()
		if err != nil {
			return err
		}
		return g.bucket(bPending).Put(u64(id), []byte{1})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.update(ctx, bigGuild, func(g *guildTx) error {
		for i, r := range recs {
			if err := g.bucket(bChapters).Put(chapterKey(id, i+1), r.encode()); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_ = doc
	// Invisible: no story, no list entry, no AO3 match.
	if _, err := s.Story(ctx, bigGuild, shelf.FormatID(id)); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("unfinished story visible: %v", err)
	}
	if _, err := s.StoryByAO3(ctx, bigGuild, 77); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("unfinished story found by AO3 ID: %v", err)
	}
	list, total, err := s.ListStories(ctx, bigGuild, shelf.ListQuery{Limit: 50})
	if err != nil || total != 1 || len(list) != 1 || list[0].ID != kept.ID {
		t.Fatalf("list: %v %d %v", list, total, err)
	}
	if got := chapterKeys(t, s, bigGuild, id); got != 3 {
		t.Fatalf("before reopening: %d chapter keys, want the 3 written", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := chapterKeys(t, s, bigGuild, id); got != 0 {
		t.Fatalf("after reopening: %d orphaned chapter keys left", got)
	}
	gid, _ := shelf.ParseID("guild", bigGuild)
	_ = s.db.View(func(tx *bbolt.Tx) error {
		if b := newGuildTx(tx, gid).bucket(bPending); b != nil && b.Stats().KeyN != 0 {
			t.Errorf("%d pending marks left", b.Stats().KeyN)
		}
		return nil
	})
	// The same work can be added afterwards; the kept story is untouched.
	st2, chs2 := bigStory(3, 600<<10, 77)
	if _, err := s.AddStory(ctx, bigGuild, st2, chs2, "300000000000000003", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Story(ctx, bigGuild, kept.ID); err != nil {
		t.Fatal(err)
	}
}

// Two big adds of one AO3 work at once: one story, one *DuplicateError,
// and no chapters of the loser left behind.
func TestBigStoryDuplicateLeavesNothing(t *testing.T) {
	s := tempStore(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, chs := bigStory(4, 400<<10, 99)
			_, errs[i] = s.AddStory(ctx, bigGuild, st, chs, "300000000000000003", false, time.Time{})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var dup *shelf.DuplicateError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &dup):
		default:
			t.Fatal(err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d adds succeeded, want 1", ok)
	}
	gid, _ := shelf.ParseID("guild", bigGuild)
	keys := 0
	_ = s.db.View(func(tx *bbolt.Tx) error {
		if b := newGuildTx(tx, gid).bucket(bChapters); b != nil {
			keys = b.Stats().KeyN
		}
		return nil
	})
	if keys != 4 {
		t.Fatalf("%d chapter keys in the guild, want the winner's 4", keys)
	}
}

// A small write waits for at most one slice of a big story, not for all
// of it: kudos given between the steps of a 12 MiB story commit there,
// while the story is still being written.
func TestSmallWriteCommitsBetweenBigSteps(t *testing.T) {
	s := tempStore(t)
	small, err := s.AddStory(ctx, bigGuild, &fic.Story{Title: "Small", Rating: fic.RatingGeneral}, nil, "300000000000000003", false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	st, chs := bigStory(24, 512<<10, 0)
	given := 0
	var kudosErr error
	afterBigStep = func() {
		// Another goroutine's kudos, as from another server's member.
		errc := make(chan error, 1)
		go func() {
			_, err := s.GiveKudos(ctx, bigGuild, small.ID, fmt.Sprintf("4%017d", given), time.Time{})
			errc <- err
		}()
		select {
		case err := <-errc:
			if err != nil {
				kudosErr = err
			}
			given++
		case <-time.After(10 * time.Second):
			kudosErr = errors.New("kudos blocked between steps")
		}
	}
	defer func() { afterBigStep = nil }()
	if _, err := s.AddStory(ctx, bigGuild, st, chs, "300000000000000003", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if kudosErr != nil {
		t.Fatal(kudosErr)
	}
	if given < 12 {
		t.Fatalf("%d kudos committed between the steps of a 24-chapter story; want one per step", given)
	}
	n, err := s.Kudos(ctx, bigGuild, small.ID)
	if err != nil || len(n) != given {
		t.Fatalf("%d kudos stored (%v), want %d", len(n), err, given)
	}
}
