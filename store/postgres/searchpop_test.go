package postgres_test

import (
	"testing"

	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

// TestSearchWalksMostPopularFirst runs the brute-force search case and
// checks that broad prefixes were answered by the most-popular-first walk
// (the case passing on the ranking statement alone proves nothing of it).
func TestSearchWalksMostPopularFirst(t *testing.T) {
	pgtest.ServerURL(t)
	a0, g0 := PopularWalks()
	storetest.RunSearchScale(t, func(t testing.TB) shelf.Store { return pgtest.Open(t) })
	a, g := PopularWalks()
	t.Logf("walk answered %d searches, handed %d on", a-a0, g-g0)
	if a-a0 < 20 {
		t.Errorf("the walk answered %d searches, want most broad prefixes", a-a0)
	}
}
