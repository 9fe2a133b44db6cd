package bolt

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// The autocomplete index lives in memory: per guild, the sorted set of
// folded words of every title and author, each with the stories using it.
// It is rebuilt from heads/ and counts/ at Open (5,000 stories: a few ms)
// and kept in sync by reloading a story's entry from the database after
// every committed change to it. A reload reads the committed state under
// the index lock, so concurrent writers converge on the latest commit. A
// word bucket in the file was the alternative; it would make every query a
// transaction plus a decode of each candidate's head, and every story add
// many more B-tree writes, for no durability gain (the index is derived).

const (
	fTitle      = 1 << iota // the word occurs in the title
	fAuthor                 // the word occurs in an author's name
	fTitleFirst             // the word is the title's first word
)

type posting struct {
	slot  int32
	flags uint8
}

type ref struct {
	slot    int32
	id      uint64
	title   string
	fold    string // shelf.FoldString(title), for ResolveStory
	authors []string
	kudos   uint32
	added   int64
	words   []string // distinct words it is posted under
	txid    int      // the committed transaction this entry reflects
}

type guildIndex struct {
	items []*ref // by slot; nil when free
	free  []int32
	byID  map[uint64]*ref
	words []string // sorted, distinct
	posts map[string][]posting
}

type index struct {
	mu     sync.RWMutex
	guilds map[uint64]*guildIndex
}

func newIndex() *index { return &index{guilds: map[uint64]*guildIndex{}} }

func (ix *index) guild(id uint64) *guildIndex {
	gi := ix.guilds[id]
	if gi == nil {
		gi = &guildIndex{byID: map[uint64]*ref{}, posts: map[string][]posting{}}
		ix.guilds[id] = gi
	}
	return gi
}

// wordsOf returns the distinct words of title and authors with their flags.
func wordsOf(title string, authors []string) map[string]uint8 {
	m := map[string]uint8{}
	for i, w := range shelf.Tokens(title) {
		m[w] |= fTitle
		if i == 0 {
			m[w] |= fTitleFirst
		}
	}
	for _, a := range authors {
		for _, w := range shelf.Tokens(a) {
			m[w] |= fAuthor
		}
	}
	return m
}

// remove drops story id from the guild index.
func (gi *guildIndex) remove(id uint64) {
	r := gi.byID[id]
	if r == nil {
		return
	}
	for _, w := range r.words {
		ps := slices.DeleteFunc(gi.posts[w], func(p posting) bool { return p.slot == r.slot })
		if len(ps) == 0 {
			delete(gi.posts, w)
			if i, ok := slices.BinarySearch(gi.words, w); ok {
				gi.words = slices.Delete(gi.words, i, i+1)
			}
		} else {
			gi.posts[w] = ps
		}
	}
	gi.items[r.slot] = nil
	gi.free = append(gi.free, r.slot)
	delete(gi.byID, id)
}

// put adds or replaces story id; sorted says whether to keep words sorted
// now (false during a bulk load, which sorts once at the end).
func (gi *guildIndex) put(id uint64, h head, c counts, txid int, sorted bool) {
	if r := gi.byID[id]; r != nil && r.title == h.title && slices.Equal(r.authors, h.authors) {
		r.kudos, r.added, r.txid = c.kudos, h.added, txid
		return
	}
	gi.remove(id)
	r := &ref{id: id, title: h.title, fold: shelf.FoldString(h.title), authors: h.authors, kudos: c.kudos, added: h.added, txid: txid}
	if n := len(gi.free); n > 0 {
		r.slot = gi.free[n-1]
		gi.free = gi.free[:n-1]
		gi.items[r.slot] = r
	} else {
		r.slot = int32(len(gi.items))
		gi.items = append(gi.items, r)
	}
	for w, f := range wordsOf(h.title, h.authors) {
		r.words = append(r.words, w)
		ps, ok := gi.posts[w]
		if !ok && sorted {
			i, _ := slices.BinarySearch(gi.words, w)
			gi.words = slices.Insert(gi.words, i, w)
		} else if !ok {
			gi.words = append(gi.words, w)
		}
		gi.posts[w] = append(ps, posting{slot: r.slot, flags: f})
	}
	gi.byID[id] = r
}

// loadIndex rebuilds the whole index from the database.
func (s *Store) loadIndex() error {
	ix := newIndex()
	err := s.db.View(func(tx *bbolt.Tx) error {
		gs := tx.Bucket(bucketGuilds)
		if gs == nil {
			return nil
		}
		return gs.ForEachBucket(func(gk []byte) error {
			if len(gk) != 8 {
				return nil
			}
			g := gs.Bucket(gk)
			heads, cnts := g.Bucket(bHeads), g.Bucket(bCounts)
			if heads == nil {
				return nil
			}
			gi := ix.guild(readU64(gk, 0))
			err := heads.ForEach(func(k, v []byte) error {
				h, err := decodeHead(v)
				if err != nil {
					return fmt.Errorf("guild %d story %d: %w", readU64(gk, 0), readU64(k, 0), err)
				}
				var c counts
				if cnts != nil {
					c = decodeCounts(cnts.Get(k))
				}
				gi.put(readU64(k, 0), h, c, tx.ID(), false)
				return nil
			})
			slices.Sort(gi.words)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("load autocomplete index: %w", err)
	}
	s.idx.mu.Lock()
	s.idx.guilds = ix.guilds
	s.idx.mu.Unlock()
	return nil
}

// reload re-reads the committed head and counters of each story in ids.
func (ix *index) reload(db *bbolt.DB, guild uint64, ids []uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	gi := ix.guild(guild)
	_ = db.View(func(tx *bbolt.Tx) error {
		g := newGuildTx(tx, guild)
		for _, id := range ids {
			hv := g.get(bHeads, u64(id))
			h, err := decodeHead(hv)
			if hv == nil || err != nil {
				gi.remove(id)
				continue
			}
			gi.put(id, h, decodeCounts(g.get(bCounts, u64(id))), tx.ID(), true)
		}
		return nil
	})
}

// setKudos records story's kudos count as committed by write transaction
// txid, unless the entry already reflects a later commit. Within one
// (batched) transaction counts only grow, so the largest wins.
func (ix *index) setKudos(guild, story uint64, txid int, kudos uint32) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	gi := ix.guilds[guild]
	if gi == nil {
		return
	}
	r := gi.byID[story]
	if r == nil || r.txid > txid || (r.txid == txid && r.kudos >= kudos) {
		return
	}
	r.kudos, r.txid = kudos, txid
}

// matchTitle finds guild's stories whose folded title equals folded, those
// it is a prefix of (shortest title first), and, when neither, up to five
// closest titles: containing the input first, then by edit distance to the
// title's start and to the whole title.
func (ix *index) matchTitle(guild uint64, folded string) (exact, prefix, closest []shelf.StoryRef) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	gi := ix.guilds[guild]
	if gi == nil {
		return nil, nil, nil
	}
	sref := func(r *ref) shelf.StoryRef {
		return shelf.StoryRef{ID: shelf.FormatID(r.id), Title: r.title, Authors: slices.Clone(r.authors)}
	}
	var pre []*ref
	for _, r := range gi.items {
		switch {
		case r == nil:
		case r.fold == folded:
			exact = append(exact, sref(r))
		case strings.HasPrefix(r.fold, folded):
			pre = append(pre, r)
		}
	}
	slices.SortStableFunc(pre, func(a, b *ref) int { return len(a.fold) - len(b.fold) })
	for _, r := range pre {
		prefix = append(prefix, sref(r))
	}
	if len(exact) > 0 || len(prefix) > 0 {
		return exact, prefix, nil
	}
	type scored struct {
		r     *ref
		score int
	}
	ss := make([]scored, 0, len(gi.items))
	for _, r := range gi.items {
		if r == nil {
			continue
		}
		ss = append(ss, scored{r, shelf.TitleDistance(folded, r.fold)})
	}
	slices.SortStableFunc(ss, func(a, b scored) int {
		if a.score != b.score {
			return a.score - b.score
		}
		return cmpID(a.r.id, b.r.id)
	})
	for _, x := range ss[:min(5, len(ss))] {
		closest = append(closest, sref(x.r))
	}
	return nil, nil, closest
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SearchStories returns up to limit (at most 25) of guild's stories whose
// title or authors contain words starting with each typed word, case- and
// accent-insensitively, best first: most typed words matched, then the
// title starting with the first typed word, whole words over prefixes, title
// over author matches, then most kudos and newest. An empty query returns
// the most-kudos, then newest stories. It reads an in-memory index and
// never scans story text.
func (s *Store) SearchStories(ctx context.Context, guild, query string, limit int) ([]shelf.StoryRef, error) {
	// The index is in memory: a closed store or a cancelled caller gets
	// the error a transaction would have given.
	if err := s.usable(ctx); err != nil {
		return nil, fmt.Errorf("search stories: %w", err)
	}
	gid, err := shelf.ParseID("guild", guild)
	if err != nil {
		return nil, fmt.Errorf("search stories: %w", err)
	}
	toks, limit := shelf.SearchQuery(query, limit)
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	gi := s.idx.guilds[gid]
	if gi == nil {
		return []shelf.StoryRef{}, nil
	}
	popular := func(a, b *ref) int {
		if a.kudos != b.kudos {
			if a.kudos > b.kudos {
				return -1
			}
			return 1
		}
		if a.added != b.added {
			if a.added > b.added {
				return -1
			}
			return 1
		}
		if a.id > b.id {
			return -1
		}
		return 1
	}
	var picked []*ref
	if len(toks) == 0 {
		picked = make([]*ref, 0, limit+1)
		for _, r := range gi.items {
			if r == nil {
				continue
			}
			if len(picked) == limit && popular(r, picked[limit-1]) > 0 {
				continue
			}
			i, _ := slices.BinarySearchFunc(picked, r, popular)
			picked = slices.Insert(picked, i, r)
			if len(picked) > limit {
				picked = picked[:limit]
			}
		}
	} else {
		type state struct{ mask, exact, inTitle uint8 }
		st := make([]state, len(gi.items))
		titleStart := make([]bool, len(gi.items))
		var touched []int32
		for ti, tok := range toks {
			bit := uint8(1) << ti
			for i := sort.SearchStrings(gi.words, tok); i < len(gi.words) && strings.HasPrefix(gi.words[i], tok); i++ {
				w := gi.words[i]
				exact := len(w) == len(tok)
				for _, p := range gi.posts[w] {
					x := &st[p.slot]
					if x.mask == 0 {
						touched = append(touched, p.slot)
					}
					x.mask |= bit
					if exact {
						x.exact |= bit
					}
					if p.flags&fTitle != 0 {
						x.inTitle |= bit
					}
					if ti == 0 && p.flags&fTitleFirst != 0 {
						titleStart[p.slot] = true
					}
				}
			}
		}
		better := func(a, b int32) int {
			x, y := st[a], st[b]
			if c := bits.OnesCount8(y.mask) - bits.OnesCount8(x.mask); c != 0 {
				return c
			}
			if titleStart[a] != titleStart[b] {
				if titleStart[a] {
					return -1
				}
				return 1
			}
			if c := bits.OnesCount8(y.exact) - bits.OnesCount8(x.exact); c != 0 {
				return c
			}
			if c := bits.OnesCount8(y.inTitle) - bits.OnesCount8(x.inTitle); c != 0 {
				return c
			}
			return popular(gi.items[a], gi.items[b])
		}
		// Keep the best limit in order while walking the matches: a broad
		// prefix ("a") matches most of the library, and sorting all of it
		// for 25 results is the slow part.
		top := make([]int32, 0, limit+1)
		for _, slot := range touched {
			if len(top) == limit && better(slot, top[limit-1]) > 0 {
				continue
			}
			i, _ := slices.BinarySearchFunc(top, slot, better)
			top = slices.Insert(top, i, slot)
			if len(top) > limit {
				top = top[:limit]
			}
		}
		for _, slot := range top {
			picked = append(picked, gi.items[slot])
		}
	}
	out := make([]shelf.StoryRef, len(picked))
	for i, r := range picked {
		out[i] = shelf.StoryRef{ID: shelf.FormatID(r.id), Title: r.title, Authors: slices.Clone(r.authors)}
	}
	return out, nil
}
