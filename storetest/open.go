package storetest

import (
	"path/filepath"
	"testing"

	"ficshelf/shelf"
	"ficshelf/store/bolt"
)

// Open opens a new empty BoltDB store in t.TempDir() and closes it at
// cleanup.
func Open(t testing.TB) shelf.Store {
	t.Helper()
	return OpenPath(t, filepath.Join(t.TempDir(), "ficshelf.db"))
}

// OpenPath opens the BoltDB store at path (creating it when missing) and
// closes it at cleanup; a second Close by the test is harmless.
func OpenPath(t testing.TB, path string) shelf.Store {
	t.Helper()
	s, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
