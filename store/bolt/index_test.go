package bolt_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func titles(refs []shelf.StoryRef) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.Title)
	}
	return out
}

// TestSearchIndexRebuiltAtOpen checks that the in-memory search index, which
// Open builds from the file, answers after a reopen exactly as before it.
// The conformance suite (Finder/Search) checks the answers themselves.
func TestSearchIndexRebuiltAtOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	s := openTestPath(t, path)
	lib := []struct {
		title   string
		authors []string
		kudos   int
	}{
		{"The Rose Garden", []string{"Mara Quill"}, 0},
		{"Roses Are Red", []string{"Tom Field"}, 2},
		{"A Garden of Roses", []string{"Rosalind Smith"}, 1},
		{"Pokémon Journey", []string{"Zoë Brontë"}, 0},
		{"Winter", []string{"Ann Rose"}, 0},
	}
	users := []string{alice, bob, carol}
	for i, l := range lib {
		rec, err := s.AddStory(ctx, guildA, &fic.Story{Title: l.title, Authors: l.authors}, nil, alice, false, t0.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < l.kudos; k++ {
			if _, err := s.GiveKudos(ctx, guildA, rec.ID, users[k+1], t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	queries := []string{"rose", "garden rose", "ROS GAR", "bronte", "quill", ""}
	before := map[string][]string{}
	for _, q := range queries {
		got, err := s.SearchStories(ctx, guildA, q, 25)
		if err != nil || len(got) == 0 {
			t.Fatalf("SearchStories(%q) = %q, %v before the reopen", q, titles(got), err)
		}
		before[q] = titles(got)
	}
	s.Close()
	s = openTestPath(t, path)
	for _, q := range queries {
		got, err := s.SearchStories(ctx, guildA, q, 25)
		if err != nil || !reflect.DeepEqual(titles(got), before[q]) {
			t.Errorf("SearchStories(%q) after the reopen = %q, %v; before it %q", q, titles(got), err, before[q])
		}
	}
	if got, _ := s.SearchStories(ctx, guildB, "rose", 25); len(got) != 0 {
		t.Errorf("guild B sees %v after the reopen", titles(got))
	}
}
