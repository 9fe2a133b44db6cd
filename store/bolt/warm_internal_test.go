package bolt

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"ficshelf/fic"
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
