// Package storetest opens real stores for tests: a fresh database file in
// the test's temporary directory, closed when the test ends.
package storetest

import (
	"path/filepath"
	"testing"

	"ficshelf/store"
)

// Open opens a new empty store in t.TempDir() and closes it at cleanup.
func Open(t testing.TB) *store.Store {
	t.Helper()
	return OpenPath(t, filepath.Join(t.TempDir(), "ficshelf.db"))
}

// OpenPath opens the store at path and closes it at cleanup (a second Close
// by the test is harmless).
func OpenPath(t testing.TB, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
