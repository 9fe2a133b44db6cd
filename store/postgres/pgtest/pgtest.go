// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server named by FICSHELF_TEST_POSTGRES, dropped when the test ends.
// Without the variable the tests that need it are skipped (with a line
// saying how to run them); with it set and the server unreachable they
// fail, so that CI never passes by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/store/postgres"
)

// Env names the variable holding the server's URL.
const Env = "FICSHELF_TEST_POSTGRES"

// SkipMessage is what a test without a server says.
const SkipMessage = "PostgreSQL suites skipped: set FICSHELF_TEST_POSTGRES=postgres://... (bash .ci/postgres start prints it)"

// ServerURL returns the server's URL, skipping t when none is set.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		t.Skip(SkipMessage)
	}
	return u
}

// URL creates a fresh, uniquely named database on the server and returns
// its URL; the database is dropped at cleanup.
func URL(t testing.TB) string {
	t.Helper()
	server := ServerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("pgtest: cannot reach the PostgreSQL server in %s: %v", Env, err)
	}
	defer admin.Close(context.Background())
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "ficshelf_t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL: %v", Env, err)
	}
	u.Path = "/" + name
	return u.String()
}

// OpenURL opens a store on dbURL, closed at cleanup.
func OpenURL(t testing.TB, dbURL string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dbURL, postgres.Options{NoWarm: true}) // tests need no warm pool (TestOpenWarmsPool tests it)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Open returns a store on a fresh database.
func Open(t testing.TB) *postgres.Store {
	t.Helper()
	return OpenURL(t, URL(t))
}
