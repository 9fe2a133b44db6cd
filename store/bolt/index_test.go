package bolt_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"ficshelf/shelf"
	"ficshelf/storetest"
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
	storetest.AddSearchLibrary(t, s, guildA, alice, []string{alice, bob, carol}, t0)
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
