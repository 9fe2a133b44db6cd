package bolt

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// Derived buckets that let /story list and /kudos top answer without
// reading every story of a server (issue 17). They are written in the same
// transaction as the records they derive from, rebuilt by migration 4 for
// files written before them, and never dumped (copy.go rebuilds them as it
// loads the records).
//
//	story_sort/   <sort byte>|<sort key>|^<story u64> -> (empty)
//	                'n' ^added i64             newest first
//	                'k' ^kudos u32|^added      most kudos, then newest
//	                'w' ^words u64|^added      longest, then newest
//	                't' folded title|0x00|^added   title A–Z, then newest
//	              (^ is the bitwise complement: ascending keys read the
//	              descending order; ties end on the higher story ID)
//	facet_vals/   <kind byte>|<folded value> -> u32 stories carrying it
//	                kind 'f' fandom, 't' tag (tags, relationships,
//	                characters, categories), 'r' rating
//	facet_post/   <kind byte>|<folded value>|0x00|<story u64> -> (empty)
//	lib/          "stories" -> u64 number of stories
//	              "recs"    -> u64 number of recs
//	top_wm/       <period byte> -> i64 unix ns: the watermark W of the
//	              period's counters (absent: math.MinInt64, every kudos)
//	top_cnt/      <period byte>|<story u64> -> u32 kudos on the story given
//	              at or after W (absent: none)
//	top_rank/     <period byte>|^count u32|^kudos u32|^added i64|^story
//	              -> (empty), one per top_cnt entry: the /kudos top order
//
// PeriodAll needs no counters: its count is the story's kudos, read from
// story_sort 'k'.
var (
	bStorySort = []byte("story_sort")
	bFacetVals = []byte("facet_vals")
	bFacetPost = []byte("facet_post")
	bLib       = []byte("lib")
	bTopWM     = []byte("top_wm")
	bTopCnt    = []byte("top_cnt")
	bTopRank   = []byte("top_rank")

	keyLibStories = []byte("stories")
	keyLibRecs    = []byte("recs")
)

const (
	sortNewest = 'n'
	sortKudos  = 'k'
	sortWords  = 'w'
	sortTitle  = 't'

	facetFandom = 'f'
	facetTag    = 't'
	facetRating = 'r'
)

// sortEntry builds one story_sort key.
func sortEntry(kind byte, f *facets, kudos uint32, id uint64) []byte {
	k := make([]byte, 0, 1+len(f.title)+1+8+8+8)
	k = append(k, kind)
	switch kind {
	case sortKudos:
		k = binary.BigEndian.AppendUint32(k, ^kudos)
	case sortWords:
		k = binary.BigEndian.AppendUint64(k, ^uint64(f.words))
	case sortTitle:
		k = append(k, f.title...)
		k = append(k, 0)
	}
	k = binary.BigEndian.AppendUint64(k, ^orderedI64(f.added))
	return binary.BigEndian.AppendUint64(k, ^id)
}

// orderedI64 maps an int64 to a uint64 of the same order.
func orderedI64(v int64) uint64 { return uint64(v) ^ (1 << 63) }

// storyOfSortKey is the story ID at the end of a story_sort or top_rank key.
func storyOfSortKey(k []byte) uint64 { return ^binary.BigEndian.Uint64(k[len(k)-8:]) }

func facetKey(kind byte, value string, id uint64) []byte {
	k := make([]byte, 0, 1+len(value)+1+8)
	k = append(k, kind)
	k = append(k, value...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, id)
}

// facetValues lists the (kind, value) pairs a story is posted under,
// each once.
func facetValues(f *facets) [][2]string {
	seen := map[[2]string]bool{}
	var out [][2]string
	add := func(kind byte, v string) {
		p := [2]string{string(kind), v}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	add(facetRating, f.rating)
	for _, v := range f.fandoms {
		add(facetFandom, v)
	}
	for _, v := range f.tags {
		add(facetTag, v)
	}
	return out
}

// indexStory replaces story id's entries in the ListStories indexes: old
// is what was indexed (nil for a new story), cur what is stored now.
func indexStory(g *guildTx, id uint64, old, cur *facets, kudos uint32) error {
	if old != nil {
		if err := unindexFacets(g, id, old, kudos); err != nil {
			return err
		}
	} else if err := addLibCount(g, 1); err != nil {
		return err
	}
	sb := g.bucket(bStorySort)
	for _, kind := range []byte{sortNewest, sortKudos, sortWords, sortTitle} {
		if err := sb.Put(sortEntry(kind, cur, kudos, id), nil); err != nil {
			return err
		}
	}
	vals, posts := g.bucket(bFacetVals), g.bucket(bFacetPost)
	for _, p := range facetValues(cur) {
		vk := append([]byte(p[0]), p[1]...)
		if err := vals.Put(vk, u32b(readU32(vals.Get(vk))+1)); err != nil {
			return err
		}
		if err := posts.Put(facetKey(p[0][0], p[1], id), nil); err != nil {
			return err
		}
	}
	return nil
}

// unindexFacets removes what indexStory put for f.
func unindexFacets(g *guildTx, id uint64, f *facets, kudos uint32) error {
	sb := g.bucket(bStorySort)
	for _, kind := range []byte{sortNewest, sortKudos, sortWords, sortTitle} {
		if err := sb.Delete(sortEntry(kind, f, kudos, id)); err != nil {
			return err
		}
	}
	vals, posts := g.bucket(bFacetVals), g.bucket(bFacetPost)
	for _, p := range facetValues(f) {
		vk := append([]byte(p[0]), p[1]...)
		var err error
		if n := readU32(vals.Get(vk)); n <= 1 {
			err = vals.Delete(vk)
		} else {
			err = vals.Put(vk, u32b(n-1))
		}
		if err != nil {
			return err
		}
		if err := posts.Delete(facetKey(p[0][0], p[1], id)); err != nil {
			return err
		}
	}
	return nil
}

// unindexStory removes story id from every derived bucket (RemoveStory),
// before its facets, counters and kudos are deleted.
func unindexStory(g *guildTx, id uint64) error {
	fv := g.get(bFacets, u64(id))
	if fv == nil {
		return nil
	}
	f, err := decodeFacets(fv)
	if err != nil {
		return fmt.Errorf("story %d: %w", id, err)
	}
	c := decodeCounts(g.get(bCounts, u64(id)))
	if err := unindexFacets(g, id, &f, c.kudos); err != nil {
		return err
	}
	if err := addLibCount(g, -1); err != nil {
		return err
	}
	for _, p := range topPeriods {
		n := topCount(g, p, id)
		if n == 0 {
			continue
		}
		if err := g.bucket(bTopRank).Delete(rankKey(p, n, c.kudos, f.added, id)); err != nil {
			return err
		}
		if err := g.bucket(bTopCnt).Delete(topCntKey(p, id)); err != nil {
			return err
		}
	}
	return nil
}

// putFacets stores doc's facets for story id and updates the derived
// indexes from the facets stored before (none for a new story). The
// story's counters must already be stored.
func putFacets(g *guildTx, id uint64, doc *storyDoc) error {
	var old *facets
	if v := g.get(bFacets, u64(id)); v != nil {
		f, err := decodeFacets(v)
		if err != nil {
			return fmt.Errorf("story %d: %w", id, err)
		}
		old = &f
	}
	cur := doc.facets()
	if err := g.bucket(bFacets).Put(u64(id), cur.encode()); err != nil {
		return err
	}
	if old != nil && old.added != cur.added {
		// The rank keys of /kudos top carry the time added.
		if err := retimeTop(g, id, old.added, cur.added); err != nil {
			return err
		}
	}
	return indexStory(g, id, old, &cur, decodeCounts(g.get(bCounts, u64(id))).kudos)
}

// retimeTop moves story id's top_rank entries to a new time added.
func retimeTop(g *guildTx, id uint64, from, to int64) error {
	kudos := decodeCounts(g.get(bCounts, u64(id))).kudos
	for _, p := range topPeriods {
		if n := topCount(g, p, id); n > 0 {
			if err := g.bucket(bTopRank).Delete(rankKey(p, n, kudos, from, id)); err != nil {
				return err
			}
			if err := g.bucket(bTopRank).Put(rankKey(p, n, kudos, to, id), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

func addLibCount(g *guildTx, d int64) error { return addLib(g, keyLibStories, d) }

func addLibRecs(g *guildTx, d int64) error { return addLib(g, keyLibRecs, d) }

func addLib(g *guildTx, k []byte, d int64) error {
	b := g.bucket(bLib)
	var n int64
	if v := b.Get(k); len(v) == 8 {
		n = int64(readU64(v, 0))
	}
	return b.Put(k, u64(uint64(max(0, n+d))))
}

// libCount is the number of stories of the guild.
func libCount(g *guildTx) int { return libGet(g, keyLibStories) }

// libRecs is the number of recs of the guild.
func libRecs(g *guildTx) int { return libGet(g, keyLibRecs) }

func libGet(g *guildTx, k []byte) int {
	if v := g.get(bLib, k); len(v) == 8 {
		return int(readU64(v, 0))
	}
	return 0
}

// storiesWithFacet returns the stories posted under a value of the
// filter's kind that it takes (matchedValues), their postings united.
func storiesWithFacet(g *guildTx, f facetFilter) map[uint64]bool {
	out := map[uint64]bool{}
	posts := g.bucket(bFacetPost)
	if posts == nil {
		return out
	}
	pc := posts.Cursor()
	for _, v := range matchedValues(g, f) {
		prefix := append(v.key, 0)
		for pk, _ := pc.Seek(prefix); pk != nil && hasPrefix(pk, prefix); pk, _ = pc.Next() {
			out[binary.BigEndian.Uint64(pk[len(pk)-8:])] = true
		}
	}
	return out
}

func u32b(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func readU32(b []byte) uint32 {
	if len(b) != 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

// facetsAdded decodes only the time added from an encoded facets record
// (rating, words, then added): the hot path of a kudos needs nothing else.
func facetsAdded(b []byte) (int64, error) {
	d := decoder{b: b}
	if err := d.version("story facets"); err != nil {
		return 0, err
	}
	d.raw()
	d.uint()
	added := d.int()
	return added, d.done("story facets")
}

func storyAdded(g *guildTx, id uint64) (int64, error) {
	v := g.get(bFacets, u64(id))
	if v == nil {
		return 0, fmt.Errorf("story %d has no facets: %w", id, errCorrupt)
	}
	return facetsAdded(v)
}

// ---- /kudos top counters ----

// topPeriods are the periods with counters (PeriodAll reads story_sort).
var topPeriods = []byte{1, 2} // shelf.PeriodWeek, shelf.PeriodMonth

func topCntKey(p byte, id uint64) []byte {
	k := make([]byte, 9)
	k[0] = p
	binary.BigEndian.PutUint64(k[1:], id)
	return k
}

func rankKey(p byte, count, kudos uint32, added int64, id uint64) []byte {
	k := make([]byte, 0, 25)
	k = append(k, p)
	k = binary.BigEndian.AppendUint32(k, ^count)
	k = binary.BigEndian.AppendUint32(k, ^kudos)
	k = binary.BigEndian.AppendUint64(k, ^orderedI64(added))
	return binary.BigEndian.AppendUint64(k, ^id)
}

// rankParts decodes a top_rank key.
func rankParts(k []byte) (count, kudos uint32, added int64, id uint64) {
	return ^binary.BigEndian.Uint32(k[1:]), ^binary.BigEndian.Uint32(k[5:]),
		int64(^binary.BigEndian.Uint64(k[9:]) ^ (1 << 63)), ^binary.BigEndian.Uint64(k[17:])
}

func topCount(g *guildTx, p byte, id uint64) uint32 {
	return readU32(g.get(bTopCnt, topCntKey(p, id)))
}

// watermark is period p's W: its counters count the kudos given at or
// after it.
func watermark(g *guildTx, p byte) int64 {
	if v := g.get(bTopWM, []byte{p}); len(v) == 8 {
		return readI64(v)
	}
	return math.MinInt64
}

// setTop moves story id's period-p counter from count old to cur (all-time
// kudos from oldKudos to kudos), keeping top_rank in step.
func setTop(g *guildTx, p byte, id uint64, old, cur, oldKudos, kudos uint32, added int64) error {
	rank, cnt := g.bucket(bTopRank), g.bucket(bTopCnt)
	if old > 0 {
		if err := rank.Delete(rankKey(p, old, oldKudos, added, id)); err != nil {
			return err
		}
	}
	if cur == 0 {
		return cnt.Delete(topCntKey(p, id))
	}
	if err := rank.Put(rankKey(p, cur, kudos, added, id), nil); err != nil {
		return err
	}
	return cnt.Put(topCntKey(p, id), u32b(cur))
}

// kudosChanged keeps the derived buckets in step with one kudos on story
// given at ts being added (delta +1) or removed (-1), the story's all-time
// count going from oldKudos to kudos. Call it before or after changing the
// kudos records, in the same transaction.
func kudosChanged(g *guildTx, story uint64, ts int64, delta int, oldKudos, kudos uint32) error {
	fv := g.get(bFacets, u64(story))
	if fv == nil {
		return nil // the story is being removed
	}
	added, err := facetsAdded(fv)
	if err != nil {
		return fmt.Errorf("story %d: %w", story, err)
	}
	sb := g.bucket(bStorySort)
	f := facets{added: added}
	if err := sb.Delete(sortEntry(sortKudos, &f, oldKudos, story)); err != nil {
		return err
	}
	if err := sb.Put(sortEntry(sortKudos, &f, kudos, story), nil); err != nil {
		return err
	}
	for _, p := range topPeriods {
		old := topCount(g, p, story)
		cur := old
		if ts >= watermark(g, p) {
			cur = uint32(max(0, int64(old)+int64(delta)))
		}
		if old == 0 && cur == 0 {
			continue
		}
		if err := setTop(g, p, story, old, cur, oldKudos, kudos, added); err != nil {
			return err
		}
	}
	return nil
}

// walkKudosTime calls fn for each kudos given in [lo, hi), in key order.
// kudos_by_time keys hold the time as uint64, so times before 1970 sort
// after the others: the two ranges are walked apart.
func walkKudosTime(b *bbolt.Bucket, lo, hi int64, fn func(ts int64, story uint64)) {
	if b == nil || hi <= lo {
		return
	}
	c := b.Cursor()
	if hi > 0 {
		for k, _ := c.Seek(u64(uint64(max(lo, 0)))); k != nil && len(k) == 24; k, _ = c.Next() {
			ts := int64(readU64(k, 0))
			if ts < 0 || ts >= hi {
				break
			}
			fn(ts, readU64(k, 1))
		}
	}
	if lo < 0 {
		top := min(hi, 0)
		for k, _ := c.Seek(u64(uint64(lo))); k != nil && len(k) == 24; k, _ = c.Next() {
			ts := int64(readU64(k, 0))
			if ts >= top {
				break
			}
			fn(ts, readU64(k, 1))
		}
	}
}

// advanceWatermark moves period p's watermark forward to w, taking the
// kudos given before w out of the counters.
func advanceWatermark(g *guildTx, p byte, w int64) error {
	old := watermark(g, p)
	if w <= old {
		return nil
	}
	dec := map[uint64]uint32{}
	walkKudosTime(g.bucket(bKudosByTime), old, w, func(_ int64, story uint64) { dec[story]++ })
	for story, d := range dec {
		n := topCount(g, p, story)
		if n == 0 {
			continue
		}
		added, err := storyAdded(g, story)
		if err != nil {
			return err
		}
		kudos := decodeCounts(g.get(bCounts, u64(story))).kudos
		if err := setTop(g, p, story, n, n-min(n, d), kudos, kudos, added); err != nil {
			return err
		}
	}
	return g.bucket(bTopWM).Put([]byte{p}, i64(w))
}

// topStep is how far behind a query's start the watermark may lag before
// a query moves it (in a write transaction): the kudos in between are
// walked by every query, so the lag bounds that walk.
const topStep = 10 * time.Minute

// ---- rebuild (migration 4) ----

// rebuildDerived recomputes every derived bucket of one guild from its
// facets, counters and kudos.
func rebuildDerived(g *guildTx) error {
	for _, name := range [][]byte{bStorySort, bFacetVals, bFacetPost, bLib, bTopWM, bTopCnt, bTopRank} {
		if g.g.Bucket(name) != nil {
			if err := g.g.DeleteBucket(name); err != nil {
				return err
			}
		}
		delete(g.cache, string(name))
	}
	type item struct {
		id uint64
		f  facets
	}
	var items []item
	err := forEachPrefix(g.bucket(bFacets), nil, func(k, v []byte) error {
		f, err := decodeFacets(v)
		if err != nil {
			return fmt.Errorf("story %d: %w", readU64(k, 0), err)
		}
		items = append(items, item{readU64(k, 0), f})
		return nil
	})
	if err != nil {
		return err
	}
	recs := 0
	if err := forEachPrefix(g.bucket(bRecs), nil, func(k, _ []byte) error {
		if len(k) == 8 {
			recs++
		}
		return nil
	}); err != nil {
		return err
	}
	if err := addLibRecs(g, int64(recs)); err != nil {
		return err
	}
	for i := range items {
		it := &items[i]
		kudos := decodeCounts(g.get(bCounts, u64(it.id))).kudos
		if err := indexStory(g, it.id, nil, &it.f, kudos); err != nil {
			return err
		}
		// Watermarks start at math.MinInt64: every kudos counts.
		for _, p := range topPeriods {
			if err := setTop(g, p, it.id, 0, kudos, kudos, kudos, it.f.added); err != nil {
				return err
			}
		}
	}
	return nil
}

// facetValue is one of the guild's facet values a filter matched: its
// facet_vals key (kind byte, folded value) and how many stories carry it.
type facetValue struct {
	key     []byte
	stories uint32
}

// matchedValues lists the guild's values of f's kind that f takes.
func matchedValues(g *guildTx, f facetFilter) []facetValue {
	vb := g.bucket(bFacetVals)
	if vb == nil {
		return nil
	}
	var out []facetValue
	c := vb.Cursor()
	for k, v := c.Seek([]byte{f.kind}); k != nil && k[0] == f.kind; k, v = c.Next() {
		if n := readU32(v); n > 0 && f.match(string(k[1:])) {
			out = append(out, facetValue{append([]byte(nil), k...), n})
		}
	}
	return out
}

// postedUnder reports whether story id is posted under any of vals.
func postedUnder(g *guildTx, vals []facetValue, id uint64) bool {
	pb := g.bucket(bFacetPost)
	if pb == nil {
		return false
	}
	for _, v := range vals {
		k := make([]byte, 0, len(v.key)+9)
		k = binary.BigEndian.AppendUint64(append(append(k, v.key...), 0), id)
		if pb.Get(k) != nil {
			return true
		}
	}
	return false
}

// unionCount counts the distinct stories posted under any of vals, by a
// merge of their postings (each in story order), without gathering them.
func unionCount(g *guildTx, vals []facetValue) int {
	pb := g.bucket(bFacetPost)
	if pb == nil {
		return 0
	}
	type head struct {
		c      *bbolt.Cursor
		prefix []byte
		id     uint64
		done   bool
	}
	hs := make([]*head, len(vals))
	next := func(h *head, k []byte) {
		if k == nil || !hasPrefix(k, h.prefix) {
			h.done = true
			return
		}
		h.id = binary.BigEndian.Uint64(k[len(k)-8:])
	}
	for i, v := range vals {
		h := &head{c: pb.Cursor(), prefix: append(append([]byte(nil), v.key...), 0)}
		k, _ := h.c.Seek(h.prefix)
		next(h, k)
		hs[i] = h
	}
	n := 0
	for {
		var low uint64
		any := false
		for _, h := range hs {
			if !h.done && (!any || h.id < low) {
				low, any = h.id, true
			}
		}
		if !any {
			return n
		}
		n++
		for _, h := range hs {
			if !h.done && h.id == low {
				k, _ := h.c.Next()
				next(h, k)
			}
		}
	}
}
