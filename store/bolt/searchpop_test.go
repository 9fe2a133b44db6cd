package bolt_test

import (
	"testing"

	"ficshelf/shelf"
	"ficshelf/store/bolt"
	"ficshelf/storetest"
)

// TestSearchWalksMostPopularFirst runs the brute-force search case and
// checks that broad prefixes were answered by the most-popular-first walk
// (the case passing on the exhaustive ranking alone proves nothing of it).
func TestSearchWalksMostPopularFirst(t *testing.T) {
	a0, g0 := bolt.PopularWalks()
	storetest.RunSearchScale(t, func(t testing.TB) shelf.Store { return storetest.Open(t) })
	a, g := bolt.PopularWalks()
	t.Logf("walk answered %d searches, handed %d on", a-a0, g-g0)
	if a-a0 < 20 {
		t.Errorf("the walk answered %d searches, want most broad prefixes", a-a0)
	}
}
