package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Test hooks for package postgres_test (which may import pgtest).

var Migrations = migrations

func MigrateTo(ctx context.Context, s *Store, v int) error { return migrateTo(ctx, s, v) }

func Connect(ctx context.Context, dbURL string) (*Store, error) {
	s, _, err := connect(ctx, dbURL, Options{})
	return s, err
}

func (s *Store) Pool() *pgxpool.Pool { return s.pool }
