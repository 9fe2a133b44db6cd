package bolt

import (
	"context"
	"fmt"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Pruning finished and abandoned jobs (shelf.JobPruning). Each job table
// keeps a global prunable index (<since ns>|<guild>|<job>, jobtable.go:
// jobs done and told, cancelled imports, previewed imports, keyed by when
// their retention started), so PruneJobs reads the oldest first and stops
// at the cutoff: it never walks the jobs it keeps.

// PruneJobs implements shelf.JobPruning: in one write transaction, at most
// limit jobs over the three tables, oldest first in each.
func (s *Store) PruneJobs(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("prune jobs: limit %d: %w", limit, shelf.ErrInvalid)
	}
	n := 0
	err := s.global(ctx, func(tx *bbolt.Tx, g func(uint64) *guildTx) error {
		n = 0
		for _, prune := range []func(*bbolt.Tx, func(uint64) *guildTx, time.Time, int) (int, error){
			uploadJobs.prune, importJobs.prune, seriesJobs.prune,
		} {
			if n >= limit {
				break
			}
			k, err := prune(tx, g, before, limit-n)
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune jobs: %w", err)
	}
	return n, nil
}

// prune deletes up to limit of t's prunable jobs whose retention started
// before before, with their works; a key whose head says otherwise (left
// by a state the head has left) is dropped from the index and the head
// kept.
func (t jobTable[J, W]) prune(tx *bbolt.Tx, g func(uint64) *guildTx, before time.Time, limit int) (int, error) {
	tb := tx.Bucket(t.prunable)
	if tb == nil {
		return 0, nil
	}
	cut := uint64(max(0, before.UnixNano()))
	var keys [][]byte
	c := tb.Cursor()
	for k, _ := c.First(); k != nil && len(keys) < limit; k, _ = c.Next() {
		if len(k) != 24 || readU64(k, 0) >= cut {
			break
		}
		keys = append(keys, slices.Clone(k))
	}
	n := 0
	for _, k := range keys {
		if err := tb.Delete(k); err != nil {
			return n, err
		}
		gt, id := g(readU64(k, 1)), readU64(k, 2)
		j, err := t.get(gt, id)
		if err != nil {
			continue // gone already (DeleteMember)
		}
		if since, ok := j.Prunable(); !ok || !since.Before(before) || j.Live() {
			continue
		}
		if err := t.dropWorks(gt, id); err != nil {
			return n, err
		}
		if err := gt.bucket(t.heads).Delete(u64(id)); err != nil {
			return n, err
		}
		if err := t.setRunning(gt, id, false); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// rewrite puts every job of t that pick picks, as pick returns it, back
// (put: into the indexes its state says), for migrations.
func (t jobTable[J, W]) rewrite(tx *bbolt.Tx, pick func(J) (J, bool)) error {
	guilds := tx.Bucket(bucketGuilds)
	if guilds == nil {
		return nil
	}
	var gids []uint64
	if err := guilds.ForEachBucket(func(k []byte) error {
		if len(k) == 8 {
			gids = append(gids, readU64(k, 0))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, gid := range gids {
		g := newGuildTx(tx, gid)
		hb := g.bucket(t.heads)
		if hb == nil {
			continue
		}
		var ids []uint64
		if err := hb.ForEach(func(k, _ []byte) error {
			if len(k) == 8 {
				ids = append(ids, readU64(k, 0))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			j, err := t.get(g, id)
			if err != nil {
				return err
			}
			if j, ok := pick(j); ok {
				if err := t.put(g, id, j); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// told picks the jobs done and told, cleared by clear (their token and
// addresses: what the finish rule clears now), for migration 5.
func told[J persistedJob](clear func(J) J) func(J) (J, bool) {
	return func(j J) (J, bool) {
		if _, ok := j.Told(); !ok {
			return j, false
		}
		return clear(j), true
	}
}

// Migration 5: the told indexes of the three job tables (PruneJobs), and
// told jobs written before without their tokens and file addresses.
func migrateIndexTold(tx *bbolt.Tx) error {
	if err := uploadJobs.rewrite(tx, told(func(j shelf.UploadJob) shelf.UploadJob {
		out, err := shelf.FinishUpload(j, true, j.Finished)
		if err != nil {
			return j
		}
		return out
	})); err != nil {
		return err
	}
	if err := importJobs.rewrite(tx, told(func(j shelf.ImportJob) shelf.ImportJob {
		out, err := shelf.FinishImport(j, true, j.Finished)
		if err != nil {
			return j
		}
		return out
	})); err != nil {
		return err
	}
	return seriesJobs.rewrite(tx, told(func(j shelf.SeriesJob) shelf.SeriesJob {
		out, err := shelf.FinishSeries(j, true, j.Finished)
		if err != nil {
			return j
		}
		return out
	}))
}

// Migration 6: reading-list imports previewed or cancelled join the
// prunable index, so PruneJobs deletes them (a preview with its works)
// once the retention has passed; those cancelled before carry no
// cancellation time and count from their creation (shelf's Prunable).
func migrateIndexAbandonedImports(tx *bbolt.Tx) error {
	return importJobs.rewrite(tx, func(j shelf.ImportJob) (shelf.ImportJob, bool) {
		return j, j.State == shelf.ImportPreview || j.State == shelf.ImportCancelled
	})
}
