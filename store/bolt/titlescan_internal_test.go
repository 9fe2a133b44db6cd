package bolt

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// TestClosestFromFileScoresTheTitlesAround checks the bounded miss of a big
// guild answered from the file: with a budget of 6 in a guild over the
// exact limit, the suggestions are the closest (TitleDistance, then lower
// ID) among the 3 titles from the input's place in title order and the 3
// before it, worked out here by brute force; under the limit, among all.
func TestClosestFromFileScoresTheTitlesAround(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "closest.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	type titled struct {
		fold string
		id   uint64
	}
	var lib []titled
	for i := range 40 {
		title := fmt.Sprintf("%s of the %s Harbour %d", []string{"Lantern", "Atlas", "Crown", "Tide"}[i%4], []string{"Quiet", "Broken", "Copper"}[i%3], i)
		rec, err := s.AddStory(ctx, "11", &fic.Story{Title: title}, nil, "7", false, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		id, _ := parseStoryID(rec.ID)
		lib = append(lib, titled{shelf.FoldString(title), id})
	}
	slices.SortFunc(lib, func(a, b titled) int { return cmp.Compare(a.fold, b.fold) })
	want := func(in string, cands []titled) []uint64 {
		cands = slices.Clone(cands)
		slices.SortStableFunc(cands, func(a, b titled) int {
			if c := cmp.Compare(shelf.TitleDistance(in, a.fold), shelf.TitleDistance(in, b.fold)); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		var out []uint64
		for _, c := range cands[:min(5, len(cands))] {
			out = append(out, c.id)
		}
		return out
	}
	got := func(in string, exactUpTo uint64, budget int) []uint64 {
		var out []uint64
		err := s.db.View(func(tx *bbolt.Tx) error {
			g := newGuildTx(tx, 11)
			out = idsOf(closestFromFile(g, g.bucket(bStorySort), in, 5, exactUpTo, budget))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, in := range []string{"crown of the quiet harbour 900", "lantern of the copper harbour 77", "tide of the", "zzz", "aaa", "crwn of the broken"} {
		at, _ := slices.BinarySearchFunc(lib, in, func(x titled, in string) int { return cmp.Compare(x.fold, in) })
		// 3 from its place; the rest before it, more when the end is near.
		after := min(3, len(lib)-at)
		window := lib[max(0, at-(6-after)) : at+after]
		if w, g := want(in, window), got(in, 10, 6); !slices.Equal(g, w) {
			t.Errorf("bounded miss %q = %v, want %v (among %v)", in, g, w, window)
		}
		if w, g := want(in, lib), got(in, 2000, 6); !slices.Equal(g, w) {
			t.Errorf("exact miss %q = %v, want %v", in, g, w)
		}
	}
}
