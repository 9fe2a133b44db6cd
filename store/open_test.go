package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
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

// A PostgreSQL URL opens the PostgreSQL engine; when the server is not
// there, Open fails fast with an error that never repeats the password.
func TestOpenPostgresURLFailsWithoutPassword(t *testing.T) {
	for _, dsn := range []string{"postgres://ficshelf:hunter2@127.0.0.1:1/fics?connect_timeout=2", "PostgreSQL://u:hunter2@127.0.0.1:1/db"} {
		if !store.IsPostgres(dsn) {
			t.Errorf("IsPostgres(%q) = false", dsn)
		}
		start := time.Now()
		st, err := store.Open(context.Background(), dsn, store.Options{})
		if st != nil || err == nil {
			t.Errorf("Open(%q) = %v, %v; want a nil store and an error", dsn, st, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("error shows the password: %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("Open took %v against a closed port", d)
		}
	}
	if store.IsPostgres("postgres.db") || store.IsPostgres("/var/lib/ficshelf/ficshelf.db") {
		t.Error("a file path taken for a URL")
	}
}

func TestOpenPostgresURLIsPostgres(t *testing.T) {
	st, err := store.Open(context.Background(), pgtest.URL(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if st.Engine() != "postgres" {
		t.Errorf("engine %q", st.Engine())
	}
}

func TestOpenFailureIsANilInterface(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), store.Options{})
	if err == nil || st != nil {
		t.Errorf("Open in a missing directory = %v, %v; want a nil store and an error", st, err)
	}
}
