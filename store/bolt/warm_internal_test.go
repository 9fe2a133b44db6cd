package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// TestBigGuildIndexBuiltAfterOpen checks that a guild over warmMinStories
// has its autocomplete index built after Open without any search, that a
// small guild's is not, and that the big guild's first search builds
// nothing more.
func TestBigGuildIndexBuiltAfterOpen(t *testing.T) {
	defer func(n uint64) { warmMinStories = n }(warmMinStories)
	warmMinStories = 20
	path := filepath.Join(t.TempDir(), "warm.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for g, n := range map[string]int{"11": 30, "22": 5} {
		for i := range n {
			if _, err := s.AddStory(ctx, g, &fic.Story{Title: fmt.Sprintf("Lantern %s %d", g, i)}, nil, "7", false, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	built := make(chan uint64, 8)
	onGuildBuild = func(g uint64) { built <- g }
	defer func() { onGuildBuild = nil }()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	indexed := func(g uint64) bool { s.idx.mu.RLock(); defer s.idx.mu.RUnlock(); return s.idx.guilds[g] != nil }
	deadline := time.Now().Add(10 * time.Second)
	for !indexed(11) {
		if time.Now().After(deadline) {
			t.Fatal("the big guild's index was not built after Open")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if g := <-built; g != 11 {
		t.Errorf("built guild %d first, want 11", g)
	}
	if indexed(22) {
		t.Error("the small guild's index was built before its first use")
	}
	refs, err := s.SearchStories(ctx, "11", "lantern", 25)
	if err != nil || len(refs) != 25 {
		t.Fatalf("search = %d refs, %v", len(refs), err)
	}
	select {
	case g := <-built:
		t.Errorf("guild %d built again on its first search", g)
	default:
	}
}

// TestCloseStopsTheWarmUp closes a store right after Open while its big
// guild's index may be building: Close returns, and the store is closed.
func TestCloseStopsTheWarmUp(t *testing.T) {
	defer func(n uint64) { warmMinStories = n }(warmMinStories)
	warmMinStories = 1
	path := filepath.Join(t.TempDir(), "warmclose.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := s.AddStory(ctx, "11", &fic.Story{Title: fmt.Sprint("Lantern ", i)}, nil, "7", false, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	for range 20 {
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTitleLookupDuringBuildDoesNotWait holds a big guild's index build
// (started by the warm-up after Open) inside its read transaction and
// resolves titles meanwhile: each look-up must answer within seconds, from
// the file, and give what the index gives once it is in (an exact title, a
// unique prefix, an ambiguous prefix, a title that matches nothing). With
// look-ups that wait for the build, the first one times out.
func TestTitleLookupDuringBuildDoesNotWait(t *testing.T) {
	defer func(n uint64) { warmMinStories = n }(warmMinStories)
	warmMinStories = 20
	path := filepath.Join(t.TempDir(), "warmlookup.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		title := fmt.Sprintf("Lantern of the %s Harbour %d", []string{"Quiet", "Broken", "Copper", "Velvet"}[i%4], i)
		if i == 7 {
			title = "The Salt Compass"
		}
		if _, err := s.AddStory(ctx, "11", &fic.Story{Title: title, Authors: []string{"Ada"}}, nil, "7", false, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	started, release := make(chan uint64, 8), make(chan struct{})
	onGuildBuild = func(g uint64) { started <- g; <-release }
	defer func() { onGuildBuild = nil }()
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the big guild's build did not start after Open")
	}
	inputs := []string{"the salt compass", "the salt", "lantern of the quiet harbour 1", "lantern of the copper", "lanturn of the velvet", "zzz"}
	resolve := func(in string) string {
		rec, err := s.ResolveStory(ctx, "11", in)
		var re *shelf.ResolveError
		switch {
		case err == nil:
			return "story " + rec.ID
		case errors.As(err, &re):
			out := fmt.Sprintf("ambiguous=%v", re.Ambiguous)
			for _, sg := range re.Suggestions {
				out += fmt.Sprintf(" %s:%s:%v", sg.ID, sg.Title, sg.Authors)
			}
			return out
		default:
			return "error " + err.Error()
		}
	}
	// The empty query (a member opening the option): the most-kudos
	// stories, read from story_sort and their heads.
	top := func() string {
		refs, err := s.SearchStories(ctx, "11", "", 25)
		return fmt.Sprint(refs, err)
	}
	inputs = append(inputs, "")
	during := map[string]string{}
	for _, in := range inputs {
		done := make(chan string, 1)
		go func() {
			if in == "" {
				done <- top()
				return
			}
			done <- resolve(in)
		}()
		select {
		case during[in] = <-done:
		case <-time.After(3 * time.Second):
			free()
			t.Fatalf("look-up %q waited for the index build", in)
		}
	}
	free()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.idx.mu.RLock()
		in := s.idx.guilds[11] != nil
		s.idx.mu.RUnlock()
		if in {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the index was not built once released")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, in := range inputs {
		after := top()
		if in != "" {
			after = resolve(in)
		}
		if after != during[in] {
			t.Errorf("ResolveStory(%q) during the build = %s; from the index = %s", in, during[in], after)
		}
	}
	if during["the salt compass"] != "story 8" || during["the salt"] != "story 8" {
		t.Errorf("exact and unique prefix during the build: %q, %q", during["the salt compass"], during["the salt"])
	}
}
