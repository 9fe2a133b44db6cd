package postgres_test

import (
	"testing"

	"ficshelf/shelf"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

func TestConformance(t *testing.T) {
	pgtest.ServerURL(t) // skip the suite once, not each test, without a server
	storetest.Run(t, func(t testing.TB) shelf.Store { return pgtest.Open(t) })
}

func TestConformanceTwoStores(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.RunTwoStores(t, func(t testing.TB) (shelf.Store, shelf.Store) {
		url := pgtest.URL(t)
		return pgtest.OpenURL(t, url), pgtest.OpenURL(t, url)
	})
}
