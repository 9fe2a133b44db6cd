package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

var (
	bStories  = []byte("stories")
	bHeads    = []byte("heads")
	bCounts   = []byte("counts")
	bChapters = []byte("chapters")
	bAO3      = []byte("ao3")
	bFacets   = []byte("facets")
)

// storyDoc is the JSON value under stories/<id>.
type storyDoc struct {
	Story    fic.Story           `json:"story"`
	Chapters []shelf.ChapterInfo `json:"chapters,omitempty"`
	AddedBy  uint64              `json:"added_by"`
	AddedAt  int64               `json:"added_at"` // unix ns
	Mine     bool                `json:"mine,omitempty"`
}

func (d *storyDoc) head() head {
	return head{
		title:            d.Story.Title,
		authors:          d.Story.Authors,
		chaptersPosted:   d.Story.ChaptersPosted,
		chaptersExpected: d.Story.ChaptersExpected,
		words:            d.Story.Words,
		rating:           string(d.Story.Rating),
		addedBy:          d.AddedBy,
		added:            d.AddedAt,
	}
}

func (d *storyDoc) facets() facets {
	f := facets{rating: string(d.Story.Rating), words: d.Story.Words, added: d.AddedAt, title: shelf.FoldString(d.Story.Title)}
	f.seriesTitles, f.seriesIDs = shelf.SeriesFacets(d.Story.SeriesRefs)
	f.hasSeries = true
	for _, x := range d.Story.Fandoms {
		f.fandoms = append(f.fandoms, shelf.FoldString(x))
	}
	for _, list := range [][]string{d.Story.Tags, d.Story.Relationships, d.Story.Characters, d.Story.Categories} {
		for _, x := range list {
			f.tags = append(f.tags, shelf.FoldString(x))
		}
	}
	return f
}

// prepare validates s and the chapters (shelf.PrepareStory) and returns
// the document, metadata without text, and the chapter records.
func prepare(s *fic.Story, chapters []shelf.NewChapter) (storyDoc, []chapterRec, error) {
	p, err := shelf.PrepareStory(s, chapters)
	if err != nil {
		return storyDoc{}, nil, err
	}
	doc := storyDoc{Story: p.Meta, Chapters: p.Infos}
	recs := make([]chapterRec, len(p.Chapters))
	for i, c := range p.Chapters {
		recs[i] = chapterRec{title: c.Chapter.Title, notes: c.Chapter.Notes, endNotes: c.Chapter.EndNotes,
			text: c.Chapter.Text, sentences: c.Sentences}
	}
	return doc, recs, nil
}

// AddStory adds s to guild's library with a new ID and returns its record.
// chapters carries each chapter's text with its sentence index; when nil,
// s.Chapters are stored without sentence indexes. s is not modified. A
// story with an AO3 work ID the guild already has fails with a
// *DuplicateError (errors.Is shelf.ErrDuplicate) naming the existing story. A zero
// at means now.
func (s *Store) AddStory(ctx context.Context, guild string, st *fic.Story, chapters []shelf.NewChapter, addedBy string, mine bool, at time.Time) (shelf.StoryRecord, error) {
	var rec shelf.StoryRecord
	err := func() error {
		adder, err := shelf.ParseID("user", addedBy)
		if err != nil {
			return err
		}
		doc, recs, err := prepare(st, chapters)
		if err != nil {
			return err
		}
		doc.AddedBy, doc.AddedAt, doc.Mine = adder, nanos(at), mine
		if chapterBytes(recs) > bigWriteAbove {
			if err := s.checkUpload(ctx, guild); err != nil { // uploads.go
				return err
			}
			var c counts
			if mine {
				c.owner = adder
			}
			rec, err = s.addStoryInSteps(ctx, guild, &doc, recs, c, func(g *guildTx, id uint64) error {
				return markUpload(ctx, g, id, shelf.UploadAdded)
			})
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if doc.Story.AO3ID > 0 {
				if v := g.get(bAO3, u64(uint64(doc.Story.AO3ID))); len(v) == 8 {
					return &shelf.DuplicateError{AO3ID: doc.Story.AO3ID, ExistingID: shelf.FormatID(readU64(v, 0))}
				}
			}
			id, err := g.bucket(bStories).NextSequence()
			if err != nil {
				return err
			}
			var c counts
			if mine {
				c.owner = adder
			}
			if err := writeStory(g, id, &doc, recs, c); err != nil {
				return err
			}
			if err := markUpload(ctx, g, id, shelf.UploadAdded); err != nil { // uploads.go
				return err
			}
			rec, err = loadStory(g, id)
			return err
		})
	}()
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("add story: %w", err)
	}
	return rec, nil
}

// writeStory puts the document, head, counters, AO3 index entry and chapters
// of story id, replacing any chapters stored before, and schedules the
// autocomplete refresh.
func writeStory(g *guildTx, id uint64, doc *storyDoc, recs []chapterRec, c counts) error {
	if err := writeStoryHead(g, id, doc, c); err != nil {
		return err
	}
	if _, err := deletePrefix(g.bucket(bChapters), u64(id)); err != nil {
		return err
	}
	chb := g.bucket(bChapters)
	for i, r := range recs {
		if err := chb.Put(chapterKey(id, i+1), r.encode()); err != nil {
			return err
		}
	}
	return nil
}

// writeStoryHead is writeStory without the chapters (bigwrite.go writes
// them in transactions of their own first).
func writeStoryHead(g *guildTx, id uint64, doc *storyDoc, c counts) error {
	v, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	if err := g.bucket(bStories).Put(u64(id), v); err != nil {
		return err
	}
	if err := g.bucket(bHeads).Put(u64(id), doc.head().encode()); err != nil {
		return err
	}
	if err := g.bucket(bCounts).Put(u64(id), c.encode()); err != nil {
		return err
	}
	if err := putFacets(g, id, doc); err != nil {
		return err
	}
	if doc.Story.AO3ID > 0 {
		if err := g.bucket(bAO3).Put(u64(uint64(doc.Story.AO3ID)), u64(id)); err != nil {
			return err
		}
	}
	g.refresh(id)
	return nil
}

func chapterKey(story uint64, n int) []byte {
	k := make([]byte, 12)
	copy(k, u64(story))
	k[8], k[9], k[10], k[11] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return k
}

// loadStory reads story id's record inside the transaction.
func loadStory(g *guildTx, id uint64) (shelf.StoryRecord, error) {
	doc, err := getStoryDoc(g, id)
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	c := decodeCounts(g.get(bCounts, u64(id)))
	return shelf.StoryRecord{
		ID:       shelf.FormatID(id),
		GuildID:  shelf.FormatID(g.guild),
		Story:    doc.Story,
		Chapters: doc.Chapters,
		AddedBy:  shelf.FormatID(doc.AddedBy),
		AddedAt:  fromNanos(doc.AddedAt),
		Mine:     doc.Mine,
		Kudos:    int(c.kudos),
		Readers:  int(c.readers),
	}, nil
}

// Story returns story id of guild, or shelf.ErrNotFound.
func (s *Store) Story(ctx context.Context, guild, id string) (shelf.StoryRecord, error) {
	var rec shelf.StoryRecord
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			rec, err = loadStory(g, sid)
			return err
		})
	}()
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story: %w", err)
	}
	return rec, nil
}

// StoryByAO3 returns the guild's story for AO3 work workID, or shelf.ErrNotFound.
func (s *Store) StoryByAO3(ctx context.Context, guild string, workID int64) (shelf.StoryRecord, error) {
	var rec shelf.StoryRecord
	err := s.view(ctx, guild, func(g *guildTx) error {
		if workID <= 0 {
			return fmt.Errorf("AO3 work %d: %w", workID, shelf.ErrNotFound)
		}
		v := g.get(bAO3, u64(uint64(workID)))
		if len(v) != 8 {
			return fmt.Errorf("AO3 work %d: %w", workID, shelf.ErrNotFound)
		}
		var err error
		rec, err = loadStory(g, readU64(v, 0))
		return err
	})
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story by AO3 ID: %w", err)
	}
	return rec, nil
}

// UpdateStory replaces story id's metadata and chapters (as AddStory takes
// them) and keeps its ID, adder, time added, mine flag and counters. Changing
// the AO3 work ID to one another story has fails with *DuplicateError. In
// the same transaction the clubs reading the story extend their schedules
// to its new chapters, none opening before now.
func (s *Store) UpdateStory(ctx context.Context, guild, id string, st *fic.Story, chapters []shelf.NewChapter, now time.Time) (shelf.StoryRecord, error) {
	var rec shelf.StoryRecord
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		doc, recs, err := prepare(st, chapters)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			old, err := getStoryDoc(g, sid)
			if err != nil {
				return err
			}
			if doc.Story.AO3ID > 0 {
				if v := g.get(bAO3, u64(uint64(doc.Story.AO3ID))); len(v) == 8 && readU64(v, 0) != sid {
					return &shelf.DuplicateError{AO3ID: doc.Story.AO3ID, ExistingID: shelf.FormatID(readU64(v, 0))}
				}
			}
			if old.Story.AO3ID > 0 && old.Story.AO3ID != doc.Story.AO3ID {
				if err := g.bucket(bAO3).Delete(u64(uint64(old.Story.AO3ID))); err != nil {
					return err
				}
			}
			doc.AddedBy, doc.AddedAt, doc.Mine = old.AddedBy, old.AddedAt, old.Mine
			c := decodeCounts(g.get(bCounts, u64(sid)))
			if err := writeStory(g, sid, &doc, recs, c); err != nil {
				return err
			}
			// Clubs reading it extend their schedules in this transaction.
			if err := extendClubs(g, sid, now); err != nil {
				return err
			}
			if err := markUpload(ctx, g, sid, shelf.UploadUpdated); err != nil { // uploads.go
				return err
			}
			rec, err = loadStory(g, sid)
			return err
		})
	}()
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("update story: %w", err)
	}
	return rec, nil
}

// getStoryDoc reads and decodes story id's document; shelf.ErrNotFound when the
// guild has no such story.
func getStoryDoc(g *guildTx, id uint64) (storyDoc, error) {
	var doc storyDoc
	v := g.get(bStories, u64(id))
	if v == nil {
		return doc, fmt.Errorf("story %d: %w", id, shelf.ErrNotFound)
	}
	if err := json.Unmarshal(v, &doc); err != nil {
		return doc, fmt.Errorf("story %d: %w", id, err)
	}
	return doc, nil
}

// RemoveStory removes story id with its chapters, AO3 index entry, kudos,
// reading-list entries and every registered feature's data about it, in one
// transaction. shelf.ErrNotFound when the guild has no such story.
func (s *Store) RemoveStory(ctx context.Context, guild, id string) error {
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			doc, err := getStoryDoc(g, sid)
			if err != nil {
				return err
			}
			if doc.Story.AO3ID > 0 {
				if err := g.bucket(bAO3).Delete(u64(uint64(doc.Story.AO3ID))); err != nil {
					return err
				}
			}
			if err := unindexStory(g, sid); err != nil {
				return err
			}
			for _, b := range [][]byte{bStories, bHeads, bCounts, bFacets} {
				if err := g.bucket(b).Delete(u64(sid)); err != nil {
					return err
				}
			}
			if _, err := deletePrefix(g.bucket(bChapters), u64(sid)); err != nil {
				return err
			}
			if err := removeStoryKudos(g, sid); err != nil {
				return err
			}
			if err := removeStoryReaders(g, sid); err != nil {
				return err
			}
			if err := endClubsOfStory(g, sid); err != nil {
				return err
			}
			if err := removeStoryRecs(g, sid); err != nil {
				return err
			}
			if err := removeStorySubs(g, sid); err != nil {
				return err
			}
			g.refresh(sid)
			return nil
		})
	}()
	if err != nil {
		return fmt.Errorf("remove story: %w", err)
	}
	return nil
}

// Chapter returns chapter n (1-based) of story id, reading that chapter
// only. shelf.ErrNotFound when the story or the chapter does not exist.
func (s *Store) Chapter(ctx context.Context, guild, id string, n int) (shelf.ChapterRecord, error) {
	var rec shelf.ChapterRecord
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		if n < 1 || n > 1<<30 {
			return fmt.Errorf("chapter %d of story %d: %w", n, sid, shelf.ErrNotFound)
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			v := g.get(bChapters, chapterKey(sid, n))
			if v == nil {
				return fmt.Errorf("chapter %d of story %d: %w", n, sid, shelf.ErrNotFound)
			}
			c, err := decodeChapter(v)
			if err != nil {
				return err
			}
			rec = shelf.ChapterRecord{StoryID: shelf.FormatID(sid), Number: n,
				Chapter:   fic.Chapter{Title: c.title, Text: c.text, Notes: c.notes, EndNotes: c.endNotes},
				Sentences: c.sentences}
			return nil
		})
	}()
	if err != nil {
		return shelf.ChapterRecord{}, fmt.Errorf("chapter: %w", err)
	}
	return rec, nil
}

// ListStories returns one page of guild's stories matching q and the total
// number that match.
func (s *Store) ListStories(ctx context.Context, guild string, q shelf.ListQuery) ([]shelf.StoryRecord, int, error) {
	var page []shelf.StoryRecord
	total := 0
	err := func() error {
		var rating fic.Rating
		if strings.TrimSpace(q.Rating) != "" {
			r, ok := fic.ParseRating(q.Rating)
			if !ok {
				return fmt.Errorf("rating %q: %w", shelf.Truncate(q.Rating, 40), shelf.ErrInvalid)
			}
			rating = r
		}
		switch q.Sort {
		case "", shelf.SortNewest, shelf.SortKudos, shelf.SortTitle, shelf.SortWords:
		default:
			return fmt.Errorf("sort %q: %w", shelf.Truncate(string(q.Sort), 40), shelf.ErrInvalid)
		}
		if q.Limit <= 0 {
			q.Limit = 10
		}
		q.Limit = min(q.Limit, 100)
		q.Offset = max(q.Offset, 0)
		fandom, tag := shelf.FoldString(q.Fandom), shelf.FoldString(q.Tag)
		seriesText, seriesID := shelf.SeriesQuery(q.Series)
		return s.view(ctx, guild, func(g *guildTx) error {
			var err error
			page, total, err = listStories(g, q, rating, fandom, tag, seriesText, seriesID)
			return err
		})
	}()
	if err != nil {
		return nil, 0, fmt.Errorf("list stories: %w", err)
	}
	return page, total, nil
}

// listStories answers ListStories from the derived buckets (derived.go):
// the filters become a set of story IDs, the union of the postings of the
// distinct fandom and tag values containing the typed text (a server has
// a few hundred), intersected; the page is then either read off the sort
// order's index, skipping stories not in the set and stopping after
// offset+limit, or, when the set is small against the library, cut from
// the set sorted by each member's facets, whichever reads fewer records.
// The total is the set's size. Only the page's stories are decoded.
func listStories(g *guildTx, q shelf.ListQuery, rating fic.Rating, fandom, tag, seriesText string, seriesID int64) ([]shelf.StoryRecord, int, error) {
	if g.g == nil {
		return nil, 0, nil
	}
	kind := byte(sortNewest)
	switch q.Sort {
	case shelf.SortKudos:
		kind = sortKudos
	case shelf.SortTitle:
		kind = sortTitle
	case shelf.SortWords:
		kind = sortWords
	}
	var filters []facetFilter
	if rating != "" {
		filters = append(filters, facetFilter{facetRating, func(v string) bool { return v == string(rating) }})
	}
	if fandom != "" {
		filters = append(filters, facetFilter{facetFandom, func(v string) bool { return strings.Contains(v, fandom) }})
	}
	if tag != "" {
		filters = append(filters, facetFilter{facetTag, func(v string) bool { return strings.Contains(v, tag) }})
	}
	// One filter alone (the usual /story list fandom:… or tag:…) is
	// answered without gathering every story it matches when it matches
	// many: facetPage.
	if len(filters) == 1 && seriesText == "" {
		if page, total, ok, err := facetPage(g, q, kind, filters[0]); ok || err != nil {
			return page, total, err
		}
	}
	var set map[uint64]bool // nil: every story
	for _, f := range filters {
		next := storiesWithFacet(g, f)
		if set != nil {
			for id := range next {
				if !set[id] {
					delete(next, id)
				}
			}
		}
		set = next
	}
	n := libCount(g)
	if seriesText != "" {
		// Series links have no index (the filter is rare): the candidates'
		// facets are read.
		next := map[uint64]bool{}
		err := forEachPrefix(g.bucket(bFacets), nil, func(k, v []byte) error {
			id := readU64(k, 0)
			if set != nil && !set[id] {
				return nil
			}
			f, err := decodeFacets(v)
			if err != nil {
				return fmt.Errorf("story %d: %w", id, err)
			}
			ok, err := seriesMatch(g, id, f, seriesText, seriesID)
			if ok {
				next[id] = true
			}
			return err
		})
		if err != nil {
			return nil, 0, err
		}
		set = next
	}
	total := n
	if set != nil {
		total = len(set)
	}
	if q.Offset >= total {
		return nil, total, nil
	}
	want := q.Offset + q.Limit
	var ids []uint64
	if set != nil && len(set)*8 < want*(n/max(1, len(set))) {
		// Sorting the set reads fewer records than walking the index.
		type cand struct {
			id  uint64
			key []byte
		}
		cands := make([]cand, 0, len(set))
		for id := range set {
			fv := g.get(bFacets, u64(id))
			if fv == nil {
				continue
			}
			f, err := decodeFacets(fv)
			if err != nil {
				return nil, 0, fmt.Errorf("story %d: %w", id, err)
			}
			cands = append(cands, cand{id, sortEntry(kind, &f, decodeCounts(g.get(bCounts, u64(id))).kudos, id)})
		}
		slices.SortFunc(cands, func(a, b cand) int { return bytes.Compare(a.key, b.key) })
		for _, c := range cands[min(q.Offset, len(cands)):min(want, len(cands))] {
			ids = append(ids, c.id)
		}
	} else if sb := g.bucket(bStorySort); sb != nil {
		c := sb.Cursor()
		seen := 0
		for k, _ := c.Seek([]byte{kind}); k != nil && k[0] == kind && seen < want; k, _ = c.Next() {
			id := storyOfSortKey(k)
			if set != nil && !set[id] {
				continue
			}
			if seen >= q.Offset {
				ids = append(ids, id)
			}
			seen++
		}
	}
	page, err := loadStories(g, ids)
	return page, total, err
}

// loadStories reads the stories ids, in order.
func loadStories(g *guildTx, ids []uint64) ([]shelf.StoryRecord, error) {
	page := make([]shelf.StoryRecord, 0, len(ids))
	for _, id := range ids {
		rec, err := loadStory(g, id)
		if err != nil {
			return nil, err
		}
		page = append(page, rec)
	}
	return page, nil
}

// facetFilter is one /story list filter: a facet kind and which of the
// guild's values (folded) it takes.
type facetFilter struct {
	kind  byte
	match func(v string) bool
}

// maxProbedValues is how many matched values facetPage probes per story
// walked; a filter matching more (a short typed text) is answered from
// the union of their postings.
const maxProbedValues = 4

// facetPage answers a list with the one filter f when the stories it
// matches are many against the page: the total from the values' kept
// counts (one value) or a merge of their sorted postings (several), and
// the page by walking the sort order and probing each story's postings,
// which reads about guild size ÷ matches stories per story shown. ok is
// false otherwise (the caller gathers the matches, which then costs
// less). A fandom holding a sixth of a 50,000-story server no longer
// gathers its 8,000 stories for each page (issue 17).
func facetPage(g *guildTx, q shelf.ListQuery, kind byte, f facetFilter) (page []shelf.StoryRecord, total int, ok bool, err error) {
	vals := matchedValues(g, f)
	if len(vals) == 0 {
		return nil, 0, true, nil
	}
	if len(vals) > maxProbedValues {
		return nil, 0, false, nil // many values: one pass over their postings
	}
	upper := 0 // at least the stories matched, at most that
	for _, v := range vals {
		upper += int(v.stories)
	}
	// The walk reads about want × n/upper stories, each probed with a
	// lookup per value (~1 µs); gathering the matches costs ~0.1 µs a
	// story. Gather unless they are many against the page.
	n := libCount(g)
	want := q.Offset + q.Limit
	if upper*upper <= 8*want*n*len(vals) {
		return nil, 0, false, nil
	}
	total = upper
	if len(vals) > 1 {
		total = unionCount(g, vals)
	}
	if q.Offset >= total {
		return nil, total, true, nil
	}
	sb := g.bucket(bStorySort)
	if sb == nil {
		return nil, total, true, nil
	}
	var ids []uint64
	c := sb.Cursor()
	seen := 0
	for k, _ := c.Seek([]byte{kind}); k != nil && k[0] == kind && seen < want; k, _ = c.Next() {
		id := storyOfSortKey(k)
		if !postedUnder(g, vals, id) {
			continue
		}
		if seen >= q.Offset {
			ids = append(ids, id)
		}
		seen++
	}
	page, err = loadStories(g, ids)
	return page, total, true, err
}

// anyContains reports whether any of the folded strings contains folded.
func anyContains(list []string, folded string) bool {
	for _, x := range list {
		if strings.Contains(x, folded) {
			return true
		}
	}
	return false
}

// ResolveStory finds the story a member meant by input: a story ID of this
// guild (as autocomplete sends), else a title, exact match first (case- and
// accent-insensitive), then a unique prefix. Otherwise it fails with a
// *ResolveError carrying up to five closest titles. Titles are matched in
// the in-memory index (while a big guild's is being built, in the file's
// title order: titlescan.go), then the story is read in a transaction.
func (s *Store) ResolveStory(ctx context.Context, guild, input string) (shelf.StoryRecord, error) {
	rec, err := s.resolveStory(ctx, guild, input)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("resolve story: %w", err)
	}
	return rec, nil
}

func (s *Store) resolveStory(ctx context.Context, guild, input string) (shelf.StoryRecord, error) {
	if err := s.usable(ctx); err != nil {
		return shelf.StoryRecord{}, err
	}
	gid, err := shelf.ParseID("guild", guild)
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	in := strings.TrimSpace(input)
	load := func(id uint64) (shelf.StoryRecord, error) {
		var rec shelf.StoryRecord
		err := s.view(ctx, guild, func(g *guildTx) error {
			var err error
			rec, err = loadStory(g, id)
			return err
		})
		return rec, err
	}
	if sid, err := parseStoryID(in); err == nil {
		rec, err := load(sid)
		if err == nil || !errors.Is(err, shelf.ErrNotFound) {
			return rec, err
		}
	}
	folded := shelf.FoldString(in)
	if folded == "" {
		return shelf.StoryRecord{}, &shelf.ResolveError{Input: input}
	}
	exact, prefix, nprefix, closest, err := s.matchTitle(gid, folded)
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	var one shelf.StoryRef
	switch {
	case len(exact) == 1:
		one = exact[0]
	case len(exact) > 1:
		return shelf.StoryRecord{}, &shelf.ResolveError{Input: input, Ambiguous: true, Suggestions: exact[:min(5, len(exact))]}
	case nprefix == 1:
		one = prefix[0]
	case nprefix > 1:
		return shelf.StoryRecord{}, &shelf.ResolveError{Input: input, Ambiguous: true, Suggestions: prefix[:min(5, len(prefix))]}
	default:
		return shelf.StoryRecord{}, &shelf.ResolveError{Input: input, Suggestions: closest}
	}
	sid, _ := parseStoryID(one.ID)
	rec, err := load(sid)
	if errors.Is(err, shelf.ErrNotFound) { // removed since the index was read
		return shelf.StoryRecord{}, &shelf.ResolveError{Input: input}
	}
	return rec, err
}
