package bolt

import (
	"context"
	"errors"

	"ficshelf/shelf"
)

var errCopyTODO = errors.New("bolt: copy not implemented yet")

// Dump is not written yet.
func (s *Store) Dump(ctx context.Context, emit func(guild string, it shelf.Item) error) error {
	return errCopyTODO
}

// Load is not written yet.
func (s *Store) Load(ctx context.Context) (shelf.Loader, error) { return nil, errCopyTODO }

// Counts is not written yet.
func (s *Store) Counts(ctx context.Context) (map[string]map[string]int, error) {
	return nil, errCopyTODO
}
