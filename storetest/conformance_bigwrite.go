package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Big stories (issue 19): a story of several MiB is stored and read back
// whole like a small one, and small writes (kudos) made while it is being
// stored do not wait for all of it.

func init() {
	cRegister(
		cTest{"Stories/BigStoryWhole", cBigStoryWhole},
		cTest{"Stories/BigStoryDoesNotHoldUpKudos", cBigStoryKudos},
	)
}

// cBigStory is a story of n chapters of about size bytes each, with its
// chapters as AddStory takes them.
func cBigStory(n, size int, ao3 int64) (*fic.Story, []shelf.NewChapter) {
	st := Story("Big")
	st.AO3ID = ao3
	st.Chapters = nil
	var chs []shelf.NewChapter
	for i := range n {
		text := strings.Repeat(fmt.Sprintf("Chapter %d goes on, and on. ", i+1), size/29+1)
		st.Chapters = append(st.Chapters, fic.Chapter{Title: fmt.Sprintf("Part %d", i+1), Text: text})
		chs = append(chs, shelf.NewChapter{Chapter: st.Chapters[i], Sentences: []byte{byte(i)}})
	}
	st.ChaptersPosted = n
	st.Finish()
	return st, chs
}

func cBigStoryWhole(t *testing.T, s shelf.Store) {
	st, chs := cBigStory(8, 400<<10, 4242)
	rec, err := s.AddStory(cCtx, cGuildA, st, chs, cAlice, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Chapters) != 8 {
		t.Fatalf("%d chapters in the record, want 8", len(rec.Chapters))
	}
	for n := 1; n <= 8; n++ {
		ch, err := s.Chapter(cCtx, cGuildA, rec.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		if ch.Chapter.Text != st.Chapters[n-1].Text || ch.Chapter.Title != st.Chapters[n-1].Title || len(ch.Sentences) != 1 || ch.Sentences[0] != byte(n-1) {
			t.Fatalf("chapter %d read back differently", n)
		}
	}
	// Again: the same AO3 work is a duplicate, and leaves the first whole.
	st2, chs2 := cBigStory(3, 500<<10, 4242)
	_, err = s.AddStory(cCtx, cGuildA, st2, chs2, cBob, false, cT0)
	var dup *shelf.DuplicateError
	if !errors.As(err, &dup) || dup.ExistingID != rec.ID {
		t.Fatalf("second add of the work: %v", err)
	}
	got, err := s.Story(cCtx, cGuildA, rec.ID)
	if err != nil || len(got.Chapters) != 8 {
		t.Fatalf("after the duplicate: %d chapters, %v", len(got.Chapters), err)
	}
	if _, total, err := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Limit: 10}); err != nil || total != 1 {
		t.Fatalf("list: %d stories, %v", total, err)
	}
	// The other server sees none of it.
	if _, err := s.StoryByAO3(cCtx, cGuildB, 4242); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("another server finds the work: %v", err)
	}
}

// cBigStoryKudos gives kudos, one after another, while a 16 MiB story is
// stored: kudos must commit while the story is still being stored, not
// all wait for it to end (a store-wide lock held for the whole add would
// fail it). On PostgreSQL the insert takes only row locks of its own
// rows, so kudos commit beside it; how BoltDB's single writer lets them
// in between its steps is pinned by store/bolt's
// TestSmallWriteCommitsBetweenBigSteps. The figures are logged.
func cBigStoryKudos(t *testing.T, s shelf.Store) {
	small := cAdd(t, s, cGuildB, Story("Small"))
	st, chs := cBigStory(32, 512<<10, 0)
	var (
		mu          sync.Mutex
		addEnd      time.Time
		kudosDuring int
		worst       time.Duration
	)
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		close(started)
		_, err := s.AddStory(cCtx, cGuildA, st, chs, cAlice, false, cT0)
		mu.Lock()
		addEnd = time.Now()
		mu.Unlock()
		done <- err
	}()
	<-started
	addStart := time.Now()
	var kudosEnds []time.Time
	for i := 0; ; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			end := addEnd
			mu.Unlock()
			for _, k := range kudosEnds {
				if k.Before(end) {
					kudosDuring++
				}
			}
			t.Logf("a 16 MiB story stored in %v; %d kudos committed meanwhile, the slowest in %v", end.Sub(addStart).Round(time.Millisecond), kudosDuring, worst.Round(time.Millisecond))
			if kudosDuring < 2 {
				t.Fatalf("%d kudos committed while a 16 MiB story was stored; small writes waited for it", kudosDuring)
			}
			return
		default:
		}
		k0 := time.Now()
		if _, err := s.GiveKudos(cCtx, cGuildB, small.ID, cUser(i), cT0); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, time.Since(k0))
		kudosEnds = append(kudosEnds, time.Now())
	}
}
