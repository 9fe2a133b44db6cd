package bolt

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"ficshelf/fic"
)

// TestPopularWalkMeetsAStoryOnce drops the most popular story's kudos
// between two chunks of the walk, so that it comes again at the end of
// the order: the answer still lists it once.
func TestPopularWalkMeetsAStoryOnce(t *testing.T) {
	defer func(m, c int) { popularMinPostings, popularChunk = m, c }(popularMinPostings, popularChunk)
	popularMinPostings, popularChunk = 1, 4
	s, err := Open(filepath.Join(t.TempDir(), "walk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var first string
	for i := range 21 {
		r, err := s.AddStory(ctx, "11", &fic.Story{Title: fmt.Sprint("Lantern ", i)}, nil, "7", false, t0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = r.ID // the oldest: last of the stories without kudos
		}
	}
	members := []string{"81", "82", "83"}
	for _, m := range members {
		if _, err := s.GiveKudos(ctx, "11", first, m, t0); err != nil {
			t.Fatal(err)
		}
	}
	dropped := false
	onPopularChunk = func() {
		if !dropped {
			dropped = true
			for _, m := range members {
				if err := s.DeleteMember(ctx, "11", m); err != nil {
					t.Error(err)
				}
			}
		}
	}
	defer func() { onPopularChunk = nil }()
	refs, err := s.SearchStories(ctx, "11", "lantern", 25)
	if err != nil {
		t.Fatal(err)
	}
	if !dropped {
		t.Fatal("the walk did not run in chunks")
	}
	seen := map[string]int{}
	for _, r := range refs {
		seen[r.ID]++
		if seen[r.ID] > 1 {
			t.Errorf("story %s answered twice: %+v", r.ID, refs)
		}
	}
	if len(refs) != 21 {
		t.Errorf("%d stories answered, want the 21", len(refs))
	}
}
