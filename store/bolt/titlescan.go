package bolt

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Title look-ups while a big guild's autocomplete index is being built
// (issue 17). Building a guild of 50,000 stories takes 0.6–1 s, and its
// first members would wait for it; instead, until the index is in, a
// title is resolved from the file: story_sort 't' (derived.go) holds every
// story of the guild by folded title, written in the same transaction as
// the story, so the exact and prefix matches are one range of its keys,
// read without decoding a record (only the few answered stories' heads are
// read). A title that matches nothing is scored against a bounded set of
// candidates, the titles around it in that order (see closestFromFile), as
// shelf.StoryFinder allows in a guild of more than exactMissLimit stories;
// a smaller guild's titles are all scored, so its answer is exact.

// titleLookupFromFile reports whether guild's title look-ups should be
// answered from the file now rather than wait for its index: the index is
// not in, and either a build is under way or the guild is big enough for
// its build to be worth not waiting for (then the build is started in
// the background).
func (s *Store) titleLookupFromFile(guild uint64) bool {
	ix := s.idx
	ix.mu.RLock()
	built, building := ix.guilds[guild] != nil, ix.building[guild] != nil
	ix.mu.RUnlock()
	if built {
		return false
	}
	if titlesFromFileAlways {
		return true
	}
	if building {
		return true
	}
	var n uint64
	_ = s.db.View(func(tx *bbolt.Tx) error {
		if lib := newGuildTx(tx, guild).bucket(bLib); lib != nil {
			if v := lib.Get(keyLibStories); len(v) == 8 {
				n = readU64(v, 0)
			}
		}
		return nil
	})
	if n <= warmMinStories {
		return false // built in milliseconds on first use
	}
	s.buildInBackground(guild)
	return true
}

// buildInBackground builds guild's index in a goroutine Close waits for,
// unless the store is closed.
func (s *Store) buildInBackground(guild uint64) {
	s.warmMu.Lock()
	defer s.warmMu.Unlock()
	if s.closed.Load() {
		return
	}
	s.warm.Add(1)
	go func() {
		defer s.warm.Done()
		_ = s.idx.buildGuild(s.db, guild) // a failed build is retried by the next use
	}()
}

// titleKey is one story_sort 't' entry: the story and its folded title.
type titleKey struct {
	fold string
	id   uint64
}

// parseTitleKey splits a story_sort 't' key ('t' | fold | 0x00 | ^added
// i64 | ^story u64); ok is false for a key of another kind.
func parseTitleKey(k []byte) (titleKey, bool) {
	if len(k) < 1+1+16 || k[0] != sortTitle {
		return titleKey{}, false
	}
	return titleKey{fold: string(k[1 : len(k)-17]), id: storyOfSortKey(k)}, true
}

// matchTitleFile is matchTitle answered from guild's story_sort 't' keys
// in one read transaction instead of the in-memory index: the same exact
// and prefix matches; when neither, the closest titles among all of the
// guild's (up to exactMissLimit stories) or among the missBudget titles
// around folded in title order.
func (s *Store) matchTitleFile(guild uint64, folded string) (exact, prefix []shelf.StoryRef, nprefix int, closest []shelf.StoryRef, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		g := newGuildTx(tx, guild)
		sb := g.bucket(bStorySort)
		if sb == nil {
			return nil
		}
		if onTitleFromFile != nil {
			onTitleFromFile(guild)
		}
		var ex, pre []titleKey
		shorter := func(a, b titleKey) int {
			if c := len(a.fold) - len(b.fold); c != 0 {
				return c
			}
			return cmpID(a.id, b.id)
		}
		seek := append([]byte{sortTitle}, folded...)
		c := sb.Cursor()
		for k, _ := c.Seek(seek); k != nil && bytes.HasPrefix(k, seek); k, _ = c.Next() {
			t, ok := parseTitleKey(k)
			if !ok || !strings.HasPrefix(t.fold, folded) {
				continue
			}
			if t.fold == folded {
				ex = append(ex, t)
				continue
			}
			nprefix++
			if len(pre) == 5 && shorter(t, pre[4]) > 0 {
				continue
			}
			j, _ := slices.BinarySearchFunc(pre, t, shorter)
			pre = slices.Insert(pre, j, t)
			pre = pre[:min(5, len(pre))]
		}
		slices.SortFunc(ex, func(a, b titleKey) int { return cmpID(a.id, b.id) })
		var err error
		if exact, err = storyRefs(g, idsOf(ex)); err != nil {
			return err
		}
		if prefix, err = storyRefs(g, idsOf(pre)); err != nil {
			return err
		}
		if len(ex) > 0 || nprefix > 0 {
			return nil
		}
		closest, err = storyRefs(g, idsOf(closestFromFile(g, sb, folded, 5, exactMissLimit, missBudget)))
		return err
	})
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("match title from the file: %w", engineErr(err))
	}
	return exact, prefix, nprefix, closest, nil
}

// closestFromFile returns the n titles closest to folded by
// shelf.TitleDistance (ties by lower ID) among the guild's story_sort 't'
// keys: all of them in a guild of up to exactUpTo stories, else the
// budget around folded's place in title order (half from it, the rest
// before it), which share its beginning when any does.
func closestFromFile(g *guildTx, sb *bbolt.Bucket, folded string, n int, exactUpTo uint64, budget int) []titleKey {
	var stories uint64
	if lib := g.bucket(bLib); lib != nil {
		if v := lib.Get(keyLibStories); len(v) == 8 {
			stories = readU64(v, 0)
		}
	}
	var cands []titleKey
	c := sb.Cursor()
	if stories <= exactUpTo {
		for k, _ := c.Seek([]byte{sortTitle}); k != nil; k, _ = c.Next() {
			t, ok := parseTitleKey(k)
			if !ok {
				break
			}
			cands = append(cands, t)
		}
	} else {
		k, _ := c.Seek(append([]byte{sortTitle}, folded...))
		for ; k != nil && len(cands) < budget/2; k, _ = c.Next() {
			t, ok := parseTitleKey(k)
			if !ok {
				break
			}
			cands = append(cands, t)
		}
		c.Seek(append([]byte{sortTitle}, folded...))
		for k, _ := c.Prev(); k != nil && len(cands) < budget; k, _ = c.Prev() {
			t, ok := parseTitleKey(k)
			if !ok {
				break
			}
			cands = append(cands, t)
		}
	}
	best := shelf.NewNearest[titleKey](folded, n)
	for _, t := range cands {
		best.Offer(t, t.id, t.fold)
	}
	return best.Items()
}

// storyRefs reads the heads of stories ids into StoryRefs, in order.
func storyRefs(g *guildTx, ids []uint64) ([]shelf.StoryRef, error) {
	var out []shelf.StoryRef
	for _, id := range ids {
		h, err := decodeHead(g.get(bHeads, u64(id)))
		if err != nil {
			return nil, fmt.Errorf("story %d: %w", id, err)
		}
		out = append(out, shelf.StoryRef{ID: shelf.FormatID(id), Title: h.title, Authors: h.authors})
	}
	return out, nil
}

func idsOf(ts []titleKey) []uint64 {
	out := make([]uint64, len(ts))
	for i, t := range ts {
		out[i] = t.id
	}
	return out
}

// onTitleFromFile, when set (by tests), is called when a title look-up is
// answered from the file, inside its read transaction.
var onTitleFromFile func(guild uint64)

// titlesFromFileAlways, when set (by tests), makes every title look-up of
// a guild whose index is not in answer from the file, and builds nothing.
var titlesFromFileAlways bool
