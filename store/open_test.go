package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"ficshelf/store"
)

func TestOpenPathIsBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	st, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Engine() != "bolt" {
		t.Errorf("engine %q", st.Engine())
	}
	if _, ok := st.(interface{ Path() string }); !ok {
		t.Error("the bolt store lost its Path extra")
	}
}

// Until store/postgres is wired in, a PostgreSQL URL is refused with an
// error that never repeats the URL (it may carry a password).
func TestOpenPostgresURLRefusedWithoutPassword(t *testing.T) {
	for _, dsn := range []string{"postgres://ficshelf:hunter2@db.example:5432/fics", "PostgreSQL://u:hunter2@h/db"} {
		if !store.IsPostgres(dsn) {
			t.Errorf("IsPostgres(%q) = false", dsn)
		}
		st, err := store.Open(context.Background(), dsn, store.Options{})
		if st != nil || !errors.Is(err, store.ErrNoPostgres) {
			t.Errorf("Open(%q) = %v, %v", dsn, st, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	if store.IsPostgres("postgres.db") || store.IsPostgres("/var/lib/ficshelf/ficshelf.db") {
		t.Error("a file path taken for a URL")
	}
}

func TestOpenFailureIsANilInterface(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), store.Options{})
	if err == nil || st != nil {
		t.Errorf("Open in a missing directory = %v, %v; want a nil store and an error", st, err)
	}
}
