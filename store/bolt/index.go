package bolt

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// The autocomplete index lives in memory: per guild, the sorted set of
// folded words of every title and author, each with the stories using it,
// and the trigrams of every folded title (for "did you mean" on a typed
// title that matches none). A guild's index is built from heads/ and
// counts/ the first time the guild searches or resolves a title (5,000
// stories: a few ms), not at Open, so that opening a file of many servers
// reads none of them and memory holds only the guilds in use. A big
// guild's is built in the background (warm.go), and its title look-ups
// do not wait for it (titlescan.go). Once built it
// is kept in sync by reloading a story's entry from the database after
// every committed change to it. A reload reads the committed state under
// the index lock, so concurrent writers converge on the latest commit. A
// word bucket in the file was the alternative; it would make every query a
// transaction plus a decode of each candidate's head, and every story add
// many more B-tree writes, for no durability gain (the index is derived).

const (
	fTitle      = shelf.WordInTitle    // the word occurs in the title
	fAuthor     = shelf.WordInAuthor   // the word occurs in an author's name
	fTitleFirst = shelf.WordTitleFirst // the word is the title's first word
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
	runes   int    // runes in fold
	authors []string
	kudos   uint32
	added   int64
	words   []string // distinct words it is posted under
	flags   []uint8  // each word's flags (fTitle…), for shelf.RankWords
	txid    int      // the committed transaction this entry reflects
}

type guildIndex struct {
	items []*ref // by slot; nil when free
	free  []int32
	byID  map[uint64]*ref
	words []string // sorted, distinct
	posts map[string][]posting
	grams map[uint64][]gramPost // title trigram (titleGrams) -> titles
	// titles is every story by folded title (then slot), for exact and
	// prefix matches; unsorted only during a bulk load.
	titles []titleEntry
}

func cmpTitleEntry(a, b titleEntry) int {
	if c := strings.Compare(a.fold, b.fold); c != 0 {
		return c
	}
	return int(a.slot) - int(b.slot)
}

// index holds the guild indexes built so far (a guild absent from guilds
// has not searched since Open: its index is built on first use).
//
// A guild's index is built outside mu, so that building a big guild's
// (hundreds of milliseconds at 50,000 stories) holds up neither other
// guilds' searches nor the writers' reloads: while it is built, the
// stories writers touch are noted in its build and re-read once it is in.
type index struct {
	mu       sync.RWMutex
	guilds   map[uint64]*guildIndex
	building map[uint64]*guildBuild
}

// guildBuild is one guild's index being built.
type guildBuild struct {
	done  chan struct{}       // closed when the build is in (or failed)
	err   error               // set before done is closed
	dirty map[uint64]struct{} // stories written meanwhile (under index.mu)
}

func newIndex() *index {
	return &index{guilds: map[uint64]*guildIndex{}, building: map[uint64]*guildBuild{}}
}

func newGuildIndex() *guildIndex {
	return &guildIndex{byID: map[uint64]*ref{}, posts: map[string][]posting{}, grams: map[uint64][]gramPost{}}
}

// gramPost is one title's posting under a trigram: its slot and the
// trigram's first position in the title.
type gramPost struct {
	slot int32
	pos  uint8
}

// gram is a trigram packed in a uint64 with its first position.
type gram struct {
	g   uint64
	pos uint8
}

// titleGrams returns the distinct trigrams of a folded string's first 64
// runes (what TitleDistance looks at), each with its first position, and
// the number of runes (uncapped).
func titleGrams(fold string) ([]gram, int) {
	rs := []rune(fold)
	n := len(rs)
	rs = rs[:min(len(rs), 64)]
	if len(rs) < 3 {
		return nil, n
	}
	out := make([]gram, 0, len(rs)-2)
	for i := 0; i+3 <= len(rs); i++ {
		out = append(out, gram{uint64(rs[i])<<42 | uint64(rs[i+1])<<21 | uint64(rs[i+2]), uint8(i)})
	}
	slices.SortStableFunc(out, func(a, b gram) int { return cmpID(a.g, b.g) })
	return slices.CompactFunc(out, func(a, b gram) bool { return a.g == b.g }), n
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
	if i, ok := slices.BinarySearchFunc(gi.titles, titleEntry{r.fold, r.slot}, cmpTitleEntry); ok {
		gi.titles = slices.Delete(gi.titles, i, i+1)
	}
	grams, _ := titleGrams(r.fold)
	for _, g := range grams {
		ps := slices.DeleteFunc(gi.grams[g.g], func(p gramPost) bool { return p.slot == r.slot })
		if len(ps) == 0 {
			delete(gi.grams, g.g)
		} else {
			gi.grams[g.g] = ps
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
		r.words, r.flags = append(r.words, w), append(r.flags, f)
		ps, ok := gi.posts[w]
		if !ok && sorted {
			i, _ := slices.BinarySearch(gi.words, w)
			gi.words = slices.Insert(gi.words, i, w)
		} else if !ok {
			gi.words = append(gi.words, w)
		}
		gi.posts[w] = append(ps, posting{slot: r.slot, flags: f})
	}
	grams, runes := titleGrams(r.fold)
	r.runes = runes
	for _, g := range grams {
		gi.grams[g.g] = append(gi.grams[g.g], gramPost{r.slot, g.pos})
	}
	if e := (titleEntry{r.fold, r.slot}); sorted {
		i, _ := slices.BinarySearchFunc(gi.titles, e, cmpTitleEntry)
		gi.titles = slices.Insert(gi.titles, i, e)
	} else {
		gi.titles = append(gi.titles, e)
	}
	gi.byID[id] = r
}

// loadIndex forgets every guild's index (after a bulk load replaced the
// data): each is rebuilt from the file on its next use.
func (s *Store) loadIndex() error {
	s.idx.mu.Lock()
	s.idx.guilds = map[uint64]*guildIndex{}
	s.idx.building = map[uint64]*guildBuild{} // a build under way is not installed
	s.idx.mu.Unlock()
	return nil
}

// loadGuild builds guild's index from the committed heads and counters,
// without ix.mu: a commit this read transaction does not see is noted in
// the guild's build by its writer (noteDirty) and re-read by buildGuild.
func (ix *index) loadGuild(db *bbolt.DB, guild uint64) (*guildIndex, error) {
	gi := newGuildIndex()
	err := db.View(func(tx *bbolt.Tx) error {
		if onGuildBuild != nil {
			onGuildBuild(guild)
		}
		g := newGuildTx(tx, guild)
		heads, cnts := g.bucket(bHeads), g.bucket(bCounts)
		if heads == nil {
			return nil
		}
		err := heads.ForEach(func(k, v []byte) error {
			h, err := decodeHead(v)
			if err != nil {
				return fmt.Errorf("guild %d story %d: %w", guild, readU64(k, 0), err)
			}
			var c counts
			if cnts != nil {
				c = decodeCounts(cnts.Get(k))
			}
			gi.put(readU64(k, 0), h, c, tx.ID(), false)
			return nil
		})
		slices.Sort(gi.words)
		slices.SortFunc(gi.titles, cmpTitleEntry)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load autocomplete index: %w", engineErr(err))
	}
	return gi, nil
}

// buildGuild builds guild's index unless another goroutine is building
// it (then it waits for that one), and installs it. It returns with the
// index installed or an error.
func (ix *index) buildGuild(db *bbolt.DB, guild uint64) error {
	ix.mu.Lock()
	if ix.guilds[guild] != nil {
		ix.mu.Unlock()
		return nil
	}
	if b := ix.building[guild]; b != nil {
		ix.mu.Unlock()
		<-b.done
		return b.err
	}
	b := &guildBuild{done: make(chan struct{}), dirty: map[uint64]struct{}{}}
	ix.building[guild] = b
	ix.mu.Unlock()

	gi, err := ix.loadGuild(db, guild)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	defer close(b.done)
	if ix.building[guild] != b {
		return nil // forgotten meanwhile (loadIndex): the next use builds anew
	}
	delete(ix.building, guild)
	if err != nil {
		b.err = err
		return err
	}
	ix.guilds[guild] = gi
	if len(b.dirty) > 0 {
		ids := make([]uint64, 0, len(b.dirty))
		for id := range b.dirty {
			ids = append(ids, id)
		}
		ix.reloadLocked(db, guild, gi, ids)
	}
	return nil
}

// noteDirty records, while guild's index is being built, that stories ids
// were written; the caller holds ix.mu for writing.
func (ix *index) noteDirty(guild uint64, ids ...uint64) {
	if b := ix.building[guild]; b != nil {
		for _, id := range ids {
			b.dirty[id] = struct{}{}
		}
	}
}

// withGuild calls fn with guild's index under the read lock, building the
// index first when this is the guild's first use since Open.
func (s *Store) withGuild(guild uint64, fn func(gi *guildIndex)) error {
	ix := s.idx
	ix.mu.RLock()
	gi := ix.guilds[guild]
	if gi != nil {
		defer ix.mu.RUnlock()
		fn(gi)
		return nil
	}
	ix.mu.RUnlock()
	for {
		if err := ix.buildGuild(s.db, guild); err != nil {
			return err
		}
		ix.mu.RLock()
		if gi := ix.guilds[guild]; gi != nil {
			defer ix.mu.RUnlock()
			fn(gi)
			return nil
		}
		ix.mu.RUnlock() // forgotten again meanwhile: build anew
	}
}

// reload re-reads the committed head and counters of each story in ids.
func (ix *index) reload(db *bbolt.DB, guild uint64, ids []uint64) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	gi := ix.guilds[guild]
	if gi == nil {
		// Not built yet: its first use reads the committed state, and a
		// build under way re-reads these once it is in.
		ix.noteDirty(guild, ids...)
		return
	}
	ix.reloadLocked(db, guild, gi, ids)
}

// reloadLocked is reload with ix.mu held for writing and gi guild's index.
func (ix *index) reloadLocked(db *bbolt.DB, guild uint64, gi *guildIndex, ids []uint64) {
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
		ix.noteDirty(guild, story)
		return
	}
	r := gi.byID[story]
	if r == nil || r.txid > txid || (r.txid == txid && r.kudos >= kudos) {
		return
	}
	r.kudos, r.txid = kudos, txid
}

// matchTitle finds guild's stories whose folded title equals folded (by
// ID), up to five of those it is a prefix of (shortest title first, then
// by ID) with how many there are, and, when neither, up to five closest
// titles by shelf.TitleDistance (ties by lower ID). Exact and prefix
// matches are a range of the sorted titles; closest titles are found from
// trigram postings (closest below) rather than by scoring every title.
//
// While a big guild's index is being built, the look-up is answered from
// the file instead of waiting for it (titlescan.go).
func (s *Store) matchTitle(guild uint64, folded string) (exact, prefix []shelf.StoryRef, nprefix int, closest []shelf.StoryRef, err error) {
	if s.titleLookupFromFile(guild) {
		return s.matchTitleFile(guild, folded)
	}
	err = s.withGuild(guild, func(gi *guildIndex) {
		sref := func(r *ref) shelf.StoryRef {
			return shelf.StoryRef{ID: shelf.FormatID(r.id), Title: r.title, Authors: slices.Clone(r.authors)}
		}
		var ex, pre []*ref
		i, _ := slices.BinarySearchFunc(gi.titles, folded, func(t titleEntry, f string) int { return strings.Compare(t.fold, f) })
		for ; i < len(gi.titles) && strings.HasPrefix(gi.titles[i].fold, folded); i++ {
			r := gi.items[gi.titles[i].slot]
			if r.fold == folded {
				ex = append(ex, r)
				continue
			}
			nprefix++
			shorter := func(a, b *ref) int {
				if c := len(a.fold) - len(b.fold); c != 0 {
					return c
				}
				return cmpID(a.id, b.id)
			}
			if len(pre) == 5 && shorter(r, pre[4]) > 0 {
				continue
			}
			j, _ := slices.BinarySearchFunc(pre, r, shorter)
			pre = slices.Insert(pre, j, r)
			pre = pre[:min(5, len(pre))]
		}
		slices.SortFunc(ex, func(a, b *ref) int { return cmpID(a.id, b.id) })
		for _, r := range ex {
			exact = append(exact, sref(r))
		}
		for _, r := range pre {
			prefix = append(prefix, sref(r))
		}
		if len(exact) > 0 || nprefix > 0 {
			return
		}
		for _, r := range gi.closest(folded, 5) {
			closest = append(closest, sref(r))
		}
	})
	return exact, prefix, nprefix, closest, err
}

// titleEntry is one story in the guild's titles sorted by folded title.
type titleEntry struct {
	fold string
	slot int32
}

// closest returns the n titles closest to folded by shelf.TitleDistance,
// ties by lower ID, exactly in a guild of up to exactMissLimit titles
// (beyond, the closest of the missBudget most promising), scoring as few
// titles as it can. A title
// scores 0 when it contains the input, else at least
//
//	1000 + 10·max(⌈(|A|−p)/3⌉, L−m) + max(⌈(|A|−s)/3⌉, |L−T|)
//
// where A is the input's distinct trigrams, s how many of them the title
// has, p how many its start (its first m = min(T, L) runes) has, and L
// and T the input's and title's lengths, all capped at 64 runes as
// TitleDistance is: an edit changes at most three trigrams. Titles are
// scored in increasing order of that bound (from the trigram postings;
// titles sharing no trigram all have the same, smallest-possible one)
// until it exceeds the n-th best score found. An input unlike every title,
// or shorter than three runes, may still score most of them, with a
// bit-parallel edit distance (scorer).
func (gi *guildIndex) closest(folded string, n int) []*ref {
	best := shelf.NewNearest[*ref](folded, n)
	// In a guild of more than exactMissLimit titles at most missBudget
	// are scored, the most promising first: the answer is then the
	// closest among those, so a miss costs the same in any guild.
	budget := math.MaxInt
	if len(gi.items) > exactMissLimit {
		budget = missBudget
	}
	grams, L := titleGrams(folded)
	L = min(L, 64)
	full := func(lb int) bool { return budget == 0 || lb > best.Worst() }
	offer := func(r *ref) {
		if budget == 0 {
			return
		}
		budget--
		if onMissScore != nil {
			onMissScore()
		}
		best.Offer(r, r.id, r.fold)
	}
	ceil3 := func(v int) int { return (v + 2) / 3 }
	bound := func(r *ref, s, p int) int {
		if len(grams) > 0 && s == len(grams) {
			return 0 // may contain the input
		}
		T := min(r.runes, 64)
		m := min(T, L)
		return 1000 + 10*max(ceil3(len(grams)-p), L-m) + max(ceil3(len(grams)-s), abs(L-T))
	}
	if len(grams) == 0 {
		for _, r := range gi.items {
			if r != nil {
				offer(r)
			}
		}
		return best.Items()
	}
	shared := make([]uint8, len(gi.items))
	prefix := make([]uint8, len(gi.items))
	var touched []int32
	for _, g := range grams {
		for _, ps := range gi.grams[g.g] {
			if shared[ps.slot] == 0 {
				touched = append(touched, ps.slot)
			}
			shared[ps.slot]++
			r := gi.items[ps.slot]
			if int(ps.pos)+3 <= min(r.runes, L, 64) {
				prefix[ps.slot]++
			}
		}
	}
	// Bucket the touched titles by bound (a counting sort: bounds are 0
	// or 1000 to maxMissBound), then score in bound order.
	start := make([]int32, boundBuckets+1)
	bucketOf := make([]uint16, len(touched))
	for i, slot := range touched {
		b := boundBucket(bound(gi.items[slot], int(shared[slot]), int(prefix[slot])))
		bucketOf[i] = b
		start[b+1]++
	}
	for b := 1; b <= boundBuckets; b++ {
		start[b] += start[b-1]
	}
	order := make([]int32, len(touched))
	fill := slices.Clone(start[:boundBuckets])
	for i, slot := range touched {
		order[fill[bucketOf[i]]] = slot
		fill[bucketOf[i]]++
	}
	untouched := 1000 + 11*ceil3(len(grams)) // the least bound of a title sharing no trigram
	done := 0                                // buckets below done were scored whole
	for ; done < boundBuckets; done++ {
		if start[done] == start[done+1] {
			continue
		}
		lb := bucketBound(done)
		if full(lb) {
			break
		}
		if lb > untouched && !full(untouched) {
			break // titles sharing nothing may come first: scored below
		}
		for _, slot := range order[start[done]:start[done+1]] {
			offer(gi.items[slot])
		}
	}
	left := start[boundBuckets] - start[done] // touched titles not scored
	if full(untouched) && left == 0 {
		return best.Items()
	}
	// Every title not scored yet, by its own bound.
	for slot, r := range gi.items {
		if r == nil {
			continue
		}
		lb := bound(r, int(shared[slot]), int(prefix[slot]))
		if shared[slot] > 0 && int(boundBucket(lb)) < done {
			continue // scored above
		}
		if !full(lb) {
			offer(r)
		}
	}
	return best.Items()
}

// maxMissBound is the largest bound closest computes (every length
// capped at 64 runes); boundBuckets the buckets of its counting sort:
// bound 0 (the title may contain the input), then 1000 to maxMissBound.
const (
	maxMissBound = 1000 + 10*64 + 64
	boundBuckets = 1 + maxMissBound - 1000 + 1
)

// boundBucket is the bucket of a bound, in bound order.
func boundBucket(lb int) uint16 {
	if lb < 1000 {
		return 0
	}
	return uint16(1 + min(lb, maxMissBound) - 1000)
}

// bucketBound is the bound of a bucket.
func bucketBound(b int) int {
	if b == 0 {
		return 0
	}
	return 1000 + b - 1
}

// Bounds of a title miss in a big guild (closest): up to exactMissLimit
// titles every title may be scored; beyond, at most missBudget are (in
// the order of their trigram bound). The PostgreSQL engine keeps the same
// limit.
const (
	exactMissLimit = 2000
	missBudget     = 1200
)

// onGuildBuild, when set (by tests), is called as a guild's index starts
// to be built, outside index.mu, inside the read transaction it is built
// from.
var onGuildBuild func(guild uint64)

// onMissScore, when set (by tests), is called for every title closest
// scores.
var onMissScore func()

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
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
	var out []shelf.StoryRef
	if len(toks) == 0 {
		// The most-kudos stories: the first entries of story_sort by
		// kudos (derived.go), not a walk of the whole index.
		// Their titles come from the index when it is in, else from
		// their heads (the index is not built, nor waited for, for this).
		s.idx.mu.RLock()
		built := s.idx.guilds[gid] != nil
		s.idx.mu.RUnlock()
		var ids []uint64
		err := s.view(ctx, guild, func(g *guildTx) error {
			ids, out = ids[:0], []shelf.StoryRef{}
			sb := g.bucket(bStorySort)
			if sb == nil {
				return nil
			}
			c := sb.Cursor()
			// A few more than asked: stories added since the index's last
			// refresh are not in it yet.
			for k, _ := c.Seek([]byte{sortKudos}); k != nil && k[0] == sortKudos && len(ids) < limit+8; k, _ = c.Next() {
				ids = append(ids, storyOfSortKey(k))
			}
			if built {
				return nil
			}
			refs, err := storyRefs(g, ids[:min(limit, len(ids))])
			out = append(out, refs...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("search stories: %w", err)
		}
		if !built {
			return out, nil
		}
		out = []shelf.StoryRef{}
		err = s.withGuild(gid, func(gi *guildIndex) {
			for _, id := range ids {
				if r := gi.byID[id]; r != nil && len(out) < limit {
					out = append(out, shelf.StoryRef{ID: shelf.FormatID(r.id), Title: r.title, Authors: slices.Clone(r.authors)})
				}
			}
		})
		if err != nil {
			return nil, fmt.Errorf("search stories: %w", err)
		}
		return out, nil
	}
	// A broad prefix in a big guild: most popular first (searchpop.go).
	var plan searchPlan
	err = s.withGuild(gid, func(gi *guildIndex) {
		if plan = gi.plan(toks); plan.postings < popularMinPostings {
			out = gi.search(toks, limit)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("search stories: %w", err)
	}
	if plan.postings < popularMinPostings {
		return out, nil
	}
	out, ok, err := s.searchPopular(ctx, guild, gid, toks, limit, plan.best, max(plan.postings/4, popularMinBudget))
	if err != nil {
		return nil, fmt.Errorf("search stories: %w", err)
	}
	if ok {
		return out, nil
	}
	err = s.withGuild(gid, func(gi *guildIndex) { out = gi.search(toks, limit) })
	if err != nil {
		return nil, fmt.Errorf("search stories: %w", err)
	}
	return out, nil
}

// search is SearchStories on one guild's index.
func (gi *guildIndex) search(toks []string, limit int) []shelf.StoryRef {
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
	return out
}
