package bolt

import (
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// A due index is a global bucket whose keys start with the time a piece
// of background work falls due (u64 unix ns) followed by fixed-width IDs
// (parts more u64s), so the earliest is the first key. Checkpoints (due/)
// and club polls (club_poll_due/) keep one each.

// nextDue returns the earliest time in the due index bucket whose keys
// have parts u64s; false when it is empty.
func (s *Store) nextDue(ctx context.Context, bucket []byte, parts int) (time.Time, bool, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, false, err
	}
	var (
		at time.Time
		ok bool
	)
	err := s.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucket); b != nil {
			if k, _ := b.Cursor().First(); len(k) == 8*parts {
				at, ok = time.Unix(0, int64(readU64(k, 0))).UTC(), true
			}
		}
		return nil
	})
	return at, ok, engineErr(err)
}

// dueUntil calls fn, in time order, with the keys of up to limit entries
// of the due index bucket (keys of parts u64s) due at or before now.
func (s *Store) dueUntil(ctx context.Context, bucket []byte, parts int, now time.Time, limit int, fn func(k []byte, at time.Time)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.First(); len(k) == 8*parts && limit > 0; k, _ = c.Next() {
			at := time.Unix(0, int64(readU64(k, 0))).UTC()
			if at.After(now) {
				break
			}
			fn(k, at)
			limit--
		}
		return nil
	})
	return engineErr(err)
}
