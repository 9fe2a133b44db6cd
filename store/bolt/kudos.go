package bolt

import (
	"context"
	"fmt"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

var (
	bKudos       = []byte("kudos")
	bKudosByUser = []byte("kudos_by_user")
	bKudosByTime = []byte("kudos_by_time")
)

// GiveKudos records userID's kudos on storyID, once per member per story,
// and returns the story's kudos count afterwards. The record and the
// story's counter change in the same transaction, so the count always equals
// the records. A second kudos fails with shelf.ErrAlreadyGiven, and the author of
// a story added as their own (mine) gets shelf.ErrOwnStory; both return the
// current count and change nothing. Concurrent calls share commits (bbolt
// Batch); each returns only once its kudos is durable. A zero at means now.
func (s *Store) GiveKudos(ctx context.Context, guild, storyID, userID string, at time.Time) (int, error) {
	count, err := s.giveKudos(ctx, guild, storyID, userID, at, true)
	if err != nil {
		return count, fmt.Errorf("give kudos: %w", err)
	}
	return count, nil
}

// giveKudos is GiveKudos through group commit (s.batch), or db.Update when batch is false
// (the benchmark's baseline).
func (s *Store) giveKudos(ctx context.Context, guild, storyID, userID string, at time.Time, batch bool) (int, error) {
	gid, err := shelf.ParseID("guild", guild)
	if err != nil {
		return 0, err
	}
	sid, err := parseStoryID(storyID)
	if err != nil {
		return 0, err
	}
	uid, err := shelf.ParseID("user", userID)
	if err != nil {
		return 0, err
	}
	ts := nanos(at)
	var (
		count   int
		outcome error // a refusal; returned nil to the batch so it does not roll back others
		txid    int
	)
	// fn may run twice (Batch re-runs a function alone when its batch fails),
	// so it resets its results and decides from what is in the transaction.
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	fn := func(tx *bbolt.Tx) (err error) {
		defer recoverBucketError(&err)
		count, outcome, txid = 0, nil, tx.ID()
		if err := ctx.Err(); err != nil {
			return err
		}
		s.countCommit(tx, batch)
		g := newGuildTx(tx, gid)
		cv := g.get(bCounts, u64(sid))
		if cv == nil {
			outcome = fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
			return nil
		}
		c := decodeCounts(cv)
		count = int(c.kudos)
		if c.owner == uid {
			outcome = shelf.ErrOwnStory
			return nil
		}
		kb := g.bucket(bKudos)
		k := key(sid, uid)
		if kb.Get(k) != nil {
			outcome = shelf.ErrAlreadyGiven
			return nil
		}
		if err := kb.Put(k, i64(ts)); err != nil {
			return err
		}
		if err := g.bucket(bKudosByUser).Put(key(uid, sid), i64(ts)); err != nil {
			return err
		}
		if err := g.bucket(bKudosByTime).Put(key(uint64(ts), sid, uid), nil); err != nil {
			return err
		}
		c.kudos++
		count = int(c.kudos)
		return g.bucket(bCounts).Put(u64(sid), c.encode())
	}
	if batch {
		err = s.batch(fn)
	} else {
		err = s.db.Update(fn)
	}
	if err != nil {
		return 0, engineErr(err)
	}
	if outcome != nil {
		return count, outcome
	}
	s.idx.setKudos(gid, sid, txid, uint32(count))
	return count, nil
}

// Kudos lists who gave kudos to storyID, newest first. shelf.ErrNotFound when
// the guild has no such story.
func (s *Store) Kudos(ctx context.Context, guild, storyID string) ([]shelf.Kudo, error) {
	var out []shelf.Kudo
	err := func() error {
		sid, err := parseStoryID(storyID)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			if g.get(bStories, u64(sid)) == nil {
				return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
			}
			return forEachPrefix(g.bucket(bKudos), u64(sid), func(k, v []byte) error {
				out = append(out, shelf.Kudo{UserID: shelf.FormatID(readU64(k, 1)), At: fromNanos(readI64(v))})
				return nil
			})
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("kudos: %w", err)
	}
	slices.SortStableFunc(out, func(a, b shelf.Kudo) int { return b.At.Compare(a.At) })
	return out, nil
}

// TopKudos returns up to limit (0 means 10) stories with the most kudos given
// at or after since (zero: ever), most first, ties broken by all-time kudos
// then newest. Stories with none in the period are left out.
func (s *Store) TopKudos(ctx context.Context, guild string, p shelf.Period, now time.Time, limit int) ([]shelf.TopStory, error) {
	since := p.Since(now)
	if limit <= 0 {
		limit = 10
	}
	var out []shelf.TopStory
	err := s.view(ctx, guild, func(g *guildTx) error {
		period := map[uint64]int{}
		if since.IsZero() || since.UnixNano() <= 0 {
			err := forEachPrefix(g.bucket(bCounts), nil, func(k, v []byte) error {
				if c := decodeCounts(v); c.kudos > 0 {
					period[readU64(k, 0)] = int(c.kudos)
				}
				return nil
			})
			if err != nil {
				return err
			}
		} else if b := g.bucket(bKudosByTime); b != nil {
			c := b.Cursor()
			for k, _ := c.Seek(u64(uint64(since.UnixNano()))); k != nil; k, _ = c.Next() {
				if len(k) == 24 {
					period[readU64(k, 1)]++
				}
			}
		}
		for id, n := range period {
			rec, err := loadStory(g, id)
			if err != nil {
				return err
			}
			out = append(out, shelf.TopStory{StoryRecord: rec, Count: n})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("top kudos: %w", err)
	}
	slices.SortFunc(out, func(a, b shelf.TopStory) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.Kudos != b.Kudos {
			return b.Kudos - a.Kudos
		}
		return b.AddedAt.Compare(a.AddedAt)
	})
	return out[:min(limit, len(out))], nil
}

// removeStoryKudos deletes every kudos on story (for RemoveStory).
func removeStoryKudos(g *guildTx, story uint64) error {
	kvs, err := deletePrefixKV(g.bucket(bKudos), u64(story))
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		user, ts := readU64(kv[0], 1), readI64(kv[1])
		if err := g.bucket(bKudosByUser).Delete(key(user, story)); err != nil {
			return err
		}
		if err := g.bucket(bKudosByTime).Delete(key(uint64(ts), story, user)); err != nil {
			return err
		}
	}
	return nil
}

// removeMemberKudos deletes every kudos user gave and decrements the
// stories' counters (for DeleteMember).
func removeMemberKudos(g *guildTx, user uint64) error {
	kvs, err := deletePrefixKV(g.bucket(bKudosByUser), u64(user))
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		story, ts := readU64(kv[0], 1), readI64(kv[1])
		if err := g.bucket(bKudos).Delete(key(story, user)); err != nil {
			return err
		}
		if err := g.bucket(bKudosByTime).Delete(key(uint64(ts), story, user)); err != nil {
			return err
		}
		if cv := g.get(bCounts, u64(story)); cv != nil {
			c := decodeCounts(cv)
			if c.kudos > 0 {
				c.kudos--
			}
			if err := g.bucket(bCounts).Put(u64(story), c.encode()); err != nil {
				return err
			}
			g.refresh(story)
		}
	}
	return nil
}

// deletePrefixKV deletes every key in b starting with prefix and returns
// copies of the pairs deleted.
func deletePrefixKV(b *bbolt.Bucket, prefix []byte) ([][2][]byte, error) {
	if b == nil {
		return nil, nil
	}
	var kvs [][2][]byte
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		kvs = append(kvs, [2][]byte{slices.Clone(k), slices.Clone(v)})
	}
	for _, kv := range kvs {
		if err := b.Delete(kv[0]); err != nil {
			return nil, err
		}
	}
	return kvs, nil
}
