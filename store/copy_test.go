package store_test

import (
	"context"
	"errors"
	"testing"

	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

func openPostgres(t testing.TB) shelf.Store { return pgtest.Open(t) }

// The conformance suite's copy checks, across the two engines both ways.
func TestCopyBetweenEngines(t *testing.T) {
	t.Run("BoltToPostgres", func(t *testing.T) { storetest.RunCopy(t, storetest.Open, openPostgres) })
	t.Run("PostgresToBolt", func(t *testing.T) { storetest.RunCopy(t, openPostgres, storetest.Open) })
}

// Copy moves a deployment from BoltDB to PostgreSQL and back with nothing
// lost or changed, and refuses a destination that holds data.
func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	bolt1, pg, bolt2 := storetest.Open(t), openPostgres(t), storetest.Open(t)
	want := storetest.Fill(t, bolt1)

	rep, err := store.Copy(ctx, bolt1, pg)
	if err != nil {
		t.Fatalf("bolt → postgres: %v", err)
	}
	if rep.Guilds() != len(want) || rep.Total("kudos") != 4 || rep.Total("stories") != 3 {
		t.Errorf("report: %d servers, %d kudos, %d stories", rep.Guilds(), rep.Total("kudos"), rep.Total("stories"))
	}
	if _, err := store.Copy(ctx, pg, bolt2); err != nil {
		t.Fatalf("postgres → bolt: %v", err)
	}
	storetest.SameData(t, bolt1, pg)
	storetest.SameData(t, bolt1, bolt2)

	if _, err := store.Copy(ctx, bolt1, pg); !errors.Is(err, shelf.ErrNotEmpty) {
		t.Errorf("copy into a store with data: %v, want ErrNotEmpty", err)
	}
}
