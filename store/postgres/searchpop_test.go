package postgres_test

import (
	"strings"
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

// TestSearchListsRareTitleStarts runs the rare-start search case (short
// prefixes in most titles that start few, and those unpopular) and checks
// that the rare classes were listed and that no one-word search was handed
// to the ranking statement; then again with the classes' cap below their
// size, so that the walk alone and the statement answer.
func TestSearchListsRareTitleStarts(t *testing.T) {
	pgtest.ServerURL(t)
	open := func(t testing.TB) shelf.Store { return pgtest.Open(t) }
	_, g0 := PopularWalks()
	l0 := RareListed()
	last := g0
	storetest.RunSearchRare(t, open, func(t *testing.T, q string, limit int) {
		_, g := PopularWalks()
		if g != last && len(strings.Fields(q)) == 1 {
			t.Errorf("search %q (limit %d) was handed to the ranking statement", q, limit)
		}
		last = g
	})
	_, g := PopularWalks()
	t.Logf("rare classes listed %d times, %d searches handed to the statement", RareListed()-l0, g-g0)
	if RareListed()-l0 < 100 {
		t.Errorf("rare classes listed %d times, want most searches", RareListed()-l0)
	}
	defer SetPopularRareCap(10)()
	_, g0 = PopularWalks()
	l0 = RareListed()
	storetest.RunSearchRare(t, open, nil)
	_, g = PopularWalks()
	t.Logf("capped at 10: rare classes listed %d times, %d searches handed on", RareListed()-l0, g-g0)
	if g == g0 {
		t.Errorf("capped at 10, no search was handed to the statement: the cap was not in force")
	}
}
