package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// PruneJobs implements shelf.JobPruning: in one transaction, at most limit
// jobs over the three job tables (their works deleted with them by the
// foreign keys), oldest first in each, found by the told_at index (the
// time a job's retention started while it is prunable, jobtable.go). The
// DELETE repeats the subquery's conditions: a row changed by a
// transaction it waited for (a preview its member confirmed meanwhile) is
// checked again against the DELETE's own conditions, never against the
// subquery's pick, so such a job is left.
func (s *Store) PruneJobs(ctx context.Context, before time.Time, limit int) (int, error) {
	const op = "prune jobs"
	if limit <= 0 {
		return 0, fmt.Errorf("%s: limit %d: %w", op, limit, shelf.ErrInvalid)
	}
	n := 0
	err := s.tx(ctx, op, func(tx pgx.Tx) error {
		n = 0
		for _, table := range []string{uploadJobs.heads, importJobs.heads, seriesJobs.heads} {
			if n >= limit {
				break
			}
			tag, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE told_at < $1 AND NOT open AND (guild, id) IN (
				SELECT guild, id FROM `+table+` WHERE told_at < $1 AND NOT open ORDER BY told_at LIMIT $2)`, before, limit-n)
			if err != nil {
				return err
			}
			n += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
