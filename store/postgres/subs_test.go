package postgres_test

import (
	"testing"

	"ficshelf/shelf"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

// Two processes on one database share the AO3 request gap and claim each
// due work once.
func TestTwoStoresSubs(t *testing.T) {
	pgtest.ServerURL(t)
	storetest.RunTwoStoresSubs(t, func(t testing.TB) (shelf.Store, shelf.Store) {
		url := pgtest.URL(t)
		return pgtest.OpenURL(t, url), pgtest.OpenURL(t, url)
	})
}
