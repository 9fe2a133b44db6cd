// Package store opens Ficshelf's storage by the value of FICSHELF_DB: a
// file path is the embedded BoltDB engine (store/bolt), a postgres:// or
// postgresql:// URL the PostgreSQL engine (store/postgres). Everything else
// sees the result only as a shelf.Store.
package store

import (
	"context"
	"strings"
	"time"

	"ficshelf/shelf"
	"ficshelf/store/bolt"
	"ficshelf/store/postgres"
)

// DefaultLockTimeout is how long Open waits for another process to release
// a BoltDB file before failing with shelf.ErrLocked.
const DefaultLockTimeout = bolt.DefaultLockTimeout

// Options tune Open. The zero value is the production default.
type Options struct {
	// LockTimeout bounds the wait for a BoltDB file held by another
	// process; 0 means DefaultLockTimeout.
	LockTimeout time.Duration
	// MaxConns bounds a PostgreSQL store's connection pool; 0 means the
	// URL's pool_max_conns, else postgres.DefaultMaxConns.
	MaxConns int32
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// BoltDB file.
func IsPostgres(dsn string) bool {
	d := strings.ToLower(dsn)
	return strings.HasPrefix(d, "postgres://") || strings.HasPrefix(d, "postgresql://")
}

// Open opens the store dsn names: a PostgreSQL URL (IsPostgres), else the
// BoltDB file at that path, created when missing. Errors never contain the
// URL (it may hold a password).
func Open(ctx context.Context, dsn string, opts Options) (shelf.Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if IsPostgres(dsn) {
		s, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: opts.MaxConns})
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := bolt.Open(dsn, bolt.Options{LockTimeout: opts.LockTimeout})
	if err != nil {
		return nil, err // not a nil *bolt.Store in a non-nil interface
	}
	return s, nil
}
