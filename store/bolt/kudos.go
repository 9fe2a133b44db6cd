package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
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
		if err := g.bucket(bCounts).Put(u64(sid), c.encode()); err != nil {
			return err
		}
		return kudosChanged(g, sid, ts, +1, c.kudos-1, c.kudos)
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

// KudosCount returns storyID's all-time kudos count, read from its
// counts record alone (not the story document).
func (s *Store) KudosCount(ctx context.Context, guild, storyID string) (int, error) {
	var n int
	err := func() error {
		sid, err := parseStoryID(storyID)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			cv := g.get(bCounts, u64(sid))
			if cv == nil {
				return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
			}
			n = int(decodeCounts(cv).kudos)
			return nil
		})
	}()
	if err != nil {
		return 0, fmt.Errorf("kudos count: %w", err)
	}
	return n, nil
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
// at or after p.Since(now) (PeriodAll: ever), most first, ties broken by
// all-time kudos, then newest, then the higher story ID. Stories with none
// in the period are left out.
//
// It reads the derived buckets (derived.go), never every story: PeriodAll
// walks story_sort by kudos; a week or month walks the period's top_rank
// from the top, correcting the counters (which count the kudos given at or
// after the period's watermark W) by the kudos given between W and the
// query's start, and stops once no later entry can make the top. When the
// start is more than topStep past W, W first moves up to it in a write
// transaction; a start before W (an earlier now) is answered exactly by
// adding the kudos in between, at a cost proportional to them.
func (s *Store) TopKudos(ctx context.Context, guild string, p shelf.Period, now time.Time, limit int) ([]shelf.TopStory, error) {
	if limit <= 0 {
		limit = 10
	}
	var out []shelf.TopStory
	read := func(g *guildTx) error {
		out = out[:0]
		var err error
		if p == shelf.PeriodAll {
			out, err = topAll(g, limit)
		} else {
			out, err = topPeriod(g, byte(p), sinceNanos(p.Since(now)), limit)
		}
		return err
	}
	err := func() error {
		switch p {
		case shelf.PeriodAll, shelf.PeriodWeek, shelf.PeriodMonth:
		default:
			return fmt.Errorf("period %d: %w", p, shelf.ErrInvalid)
		}
		if p == shelf.PeriodAll {
			return s.view(ctx, guild, read)
		}
		since := sinceNanos(p.Since(now))
		lag := false
		if err := s.view(ctx, guild, func(g *guildTx) error {
			if wm := watermark(g, byte(p)); g.g != nil && since > wm && uint64(since)-uint64(wm) > uint64(topStep) {
				lag = true
				return nil
			}
			return read(g)
		}); err != nil || !lag {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if err := advanceWatermark(g, byte(p), since); err != nil {
				return err
			}
			return read(g)
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("top kudos: %w", err)
	}
	return out, nil
}

// sinceNanos is t in unix nanoseconds, clamped to int64's range.
func sinceNanos(t time.Time) int64 {
	switch {
	case t.IsZero(), t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// topAll reads the most-kudos stories from story_sort.
func topAll(g *guildTx, limit int) ([]shelf.TopStory, error) {
	var out []shelf.TopStory
	b := g.bucket(bStorySort)
	if b == nil {
		return nil, nil
	}
	c := b.Cursor()
	for k, _ := c.Seek([]byte{sortKudos}); k != nil && k[0] == sortKudos && len(out) < limit; k, _ = c.Next() {
		if ^binary.BigEndian.Uint32(k[1:]) == 0 {
			break
		}
		rec, err := loadStory(g, storyOfSortKey(k))
		if err != nil {
			return nil, err
		}
		out = append(out, shelf.TopStory{StoryRecord: rec, Count: rec.Kudos})
	}
	return out, nil
}

// topPeriod answers a week or month from the period's counters (see
// TopKudos), kudos given at or after since counting.
func topPeriod(g *guildTx, p byte, since int64, limit int) ([]shelf.TopStory, error) {
	if g.g == nil {
		return nil, nil
	}
	wm := watermark(g, p)
	adj := map[uint64]int64{}
	if since >= wm {
		walkKudosTime(g.bucket(bKudosByTime), wm, since, func(_ int64, story uint64) { adj[story]-- })
	} else {
		walkKudosTime(g.bucket(bKudosByTime), since, wm, func(_ int64, story uint64) { adj[story]++ })
	}
	// best holds the top rank keys found so far, ascending (best first).
	var best [][]byte
	offer := func(k []byte) {
		i, _ := slices.BinarySearchFunc(best, k, bytes.Compare)
		if i >= limit {
			return
		}
		best = slices.Insert(best, i, k)
		if len(best) > limit {
			best = best[:limit]
		}
	}
	for story, d := range adj {
		n := int64(topCount(g, p, story)) + d
		if n <= 0 {
			continue
		}
		added, err := storyAdded(g, story)
		if err != nil {
			return nil, err
		}
		offer(rankKey(p, uint32(n), decodeCounts(g.get(bCounts, u64(story))).kudos, added, story))
	}
	if rb := g.bucket(bTopRank); rb != nil {
		c := rb.Cursor()
		for k, _ := c.Seek([]byte{p}); k != nil && k[0] == p && len(k) == 25; k, _ = c.Next() {
			// Later entries rank below this one, and corrections only lower
			// the entries they touch while walking forward: stop once this
			// one cannot make the top.
			if len(best) == limit && bytes.Compare(k, best[limit-1]) > 0 {
				break
			}
			if _, ok := adj[storyOfSortKey(k)]; ok {
				continue // offered above with its corrected count
			}
			offer(slices.Clone(k))
		}
	}
	out := make([]shelf.TopStory, 0, len(best))
	for _, k := range best {
		count, _, _, id := rankParts(k)
		rec, err := loadStory(g, id)
		if err != nil {
			return nil, err
		}
		out = append(out, shelf.TopStory{StoryRecord: rec, Count: int(count)})
	}
	return out, nil
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
			old := c.kudos
			if c.kudos > 0 {
				c.kudos--
			}
			if err := g.bucket(bCounts).Put(u64(story), c.encode()); err != nil {
				return err
			}
			if err := kudosChanged(g, story, ts, -1, old, c.kudos); err != nil {
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
