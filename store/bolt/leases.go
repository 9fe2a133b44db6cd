package bolt

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// Leases: one process holds a BoltDB file, so a lease is always won by the
// first holder that asks while it is free; they are kept in the file all
// the same, so that the behaviour (and a copy's state) matches PostgreSQL's.
//
//	leases/   <name> -> u64 unix ns expiry | holder bytes

var bucketLeases = []byte("leases")

// TryLease makes holder the holder of name until now+ttl when nobody holds
// it, holder already does, or its holder's time ran out, and reports
// whether holder holds it now.
func (s *Store) TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" {
		return false, fmt.Errorf("try lease: empty name or holder")
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	held := false
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		held = false
		s.countCommit(tx, false)
		b, err := tx.CreateBucketIfNotExists(bucketLeases)
		if err != nil {
			return err
		}
		if v := b.Get([]byte(name)); len(v) >= 8 {
			exp := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
			if string(v[8:]) != holder && now.Before(exp) {
				return nil
			}
		}
		v := binary.BigEndian.AppendUint64(nil, uint64(now.Add(ttl).UnixNano()))
		held = true
		return b.Put([]byte(name), append(v, holder...))
	})
	if err != nil {
		return false, fmt.Errorf("try lease: %w", engineErr(err))
	}
	return held, nil
}

// ReleaseLease gives up name if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := tx.Bucket(bucketLeases)
		if b == nil {
			return nil
		}
		if v := b.Get([]byte(name)); len(v) >= 8 && string(v[8:]) == holder {
			s.countCommit(tx, false)
			return b.Delete([]byte(name))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release lease: %w", engineErr(err))
	}
	return nil
}
