package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"ficshelf/fic"
)

var (
	bStories  = []byte("stories")
	bHeads    = []byte("heads")
	bCounts   = []byte("counts")
	bChapters = []byte("chapters")
	bAO3      = []byte("ao3")
	bFacets   = []byte("facets")
)

// NewChapter is a chapter to store with its sentence index, an opaque byte
// slice computed by fic/passage at import and returned unchanged by Chapter.
type NewChapter struct {
	Chapter   fic.Chapter
	Sentences []byte
}

// ChapterInfo summarises one chapter without its text.
type ChapterInfo struct {
	Title string `json:"title,omitempty"`
	Words int    `json:"words"`
}

// StoryRecord is a story in a guild's library: its metadata (Story, whose
// Chapters is always nil; see Chapter for text), who added it and when, and
// its counters.
type StoryRecord struct {
	ID      string // decimal story ID, unique within the guild
	GuildID string
	Story   fic.Story
	// Chapters lists each stored chapter's title and word count, in order.
	Chapters []ChapterInfo
	AddedBy  string
	AddedAt  time.Time
	Mine     bool // AddedBy wrote it
	Kudos    int  // number of kudos records
	Readers  int  // members with it on their reading list
}

// ChapterRecord is one chapter's text with its sentence index.
type ChapterRecord struct {
	StoryID string
	Number  int // 1-based
	fic.Chapter
	Sentences []byte
}

// StoryRef names a story briefly, for autocomplete and suggestions.
type StoryRef struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Authors []string `json:"authors,omitempty"`
}

// DuplicateError reports that the guild already has the AO3 work; it
// matches ErrDuplicate with errors.Is.
type DuplicateError struct {
	AO3ID      int64
	ExistingID string // the story that has it
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("AO3 work %d is already story %s: %v", e.AO3ID, e.ExistingID, ErrDuplicate)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// storyDoc is the JSON value under stories/<id>.
type storyDoc struct {
	Story    fic.Story     `json:"story"`
	Chapters []ChapterInfo `json:"chapters,omitempty"`
	AddedBy  uint64        `json:"added_by"`
	AddedAt  int64         `json:"added_at"` // unix ns
	Mine     bool          `json:"mine,omitempty"`
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
	f := facets{rating: string(d.Story.Rating), words: d.Story.Words, added: d.AddedAt, title: foldString(d.Story.Title)}
	for _, x := range d.Story.Fandoms {
		f.fandoms = append(f.fandoms, foldString(x))
	}
	for _, list := range [][]string{d.Story.Tags, d.Story.Relationships, d.Story.Characters, d.Story.Categories} {
		for _, x := range list {
			f.tags = append(f.tags, foldString(x))
		}
	}
	return f
}

// storyCleanup removes a feature's data about a story being removed, in the
// same transaction. Feature files register theirs from init.
type storyCleanup func(g *guildTx, story uint64) error

var storyCleanups []storyCleanup

// registerStoryCleanup adds f to the functions RemoveStory runs. Call it
// only from an init function.
func registerStoryCleanup(f storyCleanup) { storyCleanups = append(storyCleanups, f) }

// storyUpdated lets a feature react to UpdateStory in its transaction (a
// club extends its schedule when new chapters arrive); oldChapters and
// newChapters are the stored chapter counts before and after, now is
// UpdateStory's.
type storyUpdated func(g *guildTx, story uint64, oldChapters, newChapters int, now time.Time) error

var storyUpdateHooks []storyUpdated

// registerStoryUpdated adds f to the functions UpdateStory runs. Call it
// only from an init function.
func registerStoryUpdated(f storyUpdated) { storyUpdateHooks = append(storyUpdateHooks, f) }

// prepare validates s and the chapters and returns the document, metadata
// without text, and the chapter records.
func prepare(s *fic.Story, chapters []NewChapter) (storyDoc, []chapterRec, error) {
	if s == nil {
		return storyDoc{}, nil, fmt.Errorf("nil story: %w", ErrInvalid)
	}
	meta := *s
	meta.Title = strings.TrimSpace(meta.Title)
	if meta.Title == "" {
		return storyDoc{}, nil, fmt.Errorf("story has no title: %w", ErrInvalid)
	}
	if meta.AO3ID < 0 {
		return storyDoc{}, nil, fmt.Errorf("AO3 work ID %d: %w", meta.AO3ID, ErrInvalid)
	}
	if meta.Rating == "" {
		meta.Rating = fic.RatingNotRated
	}
	if chapters == nil {
		for _, c := range s.Chapters {
			chapters = append(chapters, NewChapter{Chapter: c})
		}
	}
	meta.Chapters = nil
	doc := storyDoc{Story: meta}
	recs := make([]chapterRec, len(chapters))
	for i, c := range chapters {
		doc.Chapters = append(doc.Chapters, ChapterInfo{Title: c.Chapter.Title, Words: fic.CountWords(c.Chapter.Text)})
		recs[i] = chapterRec{title: c.Chapter.Title, notes: c.Chapter.Notes, endNotes: c.Chapter.EndNotes,
			text: c.Chapter.Text, sentences: c.Sentences}
	}
	if doc.Story.ChaptersPosted == 0 {
		doc.Story.ChaptersPosted = len(chapters)
	}
	if doc.Story.Words == 0 {
		for _, c := range doc.Chapters {
			doc.Story.Words += c.Words
		}
	}
	return doc, recs, nil
}

// AddStory adds s to guild's library with a new ID and returns its record.
// chapters carries each chapter's text with its sentence index; when nil,
// s.Chapters are stored without sentence indexes. s is not modified. A
// story with an AO3 work ID the guild already has fails with a
// *DuplicateError (errors.Is ErrDuplicate) naming the existing story. A zero
// at means now.
func (s *Store) AddStory(guild string, st *fic.Story, chapters []NewChapter, addedBy string, mine bool, at time.Time) (StoryRecord, error) {
	var rec StoryRecord
	err := func() error {
		adder, err := parseSnowflake("user", addedBy)
		if err != nil {
			return err
		}
		doc, recs, err := prepare(st, chapters)
		if err != nil {
			return err
		}
		doc.AddedBy, doc.AddedAt, doc.Mine = adder, nanos(at), mine
		return s.update(guild, func(g *guildTx) error {
			if doc.Story.AO3ID > 0 {
				if v := g.get(bAO3, u64(uint64(doc.Story.AO3ID))); len(v) == 8 {
					return &DuplicateError{AO3ID: doc.Story.AO3ID, ExistingID: formatID(readU64(v, 0))}
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
			rec, err = loadStory(g, id)
			return err
		})
	}()
	if err != nil {
		return StoryRecord{}, fmt.Errorf("add story: %w", err)
	}
	return rec, nil
}

// writeStory puts the document, head, counters, AO3 index entry and chapters
// of story id, replacing any chapters stored before, and schedules the
// autocomplete refresh.
func writeStory(g *guildTx, id uint64, doc *storyDoc, recs []chapterRec, c counts) error {
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
	if err := g.bucket(bFacets).Put(u64(id), doc.facets().encode()); err != nil {
		return err
	}
	if doc.Story.AO3ID > 0 {
		if err := g.bucket(bAO3).Put(u64(uint64(doc.Story.AO3ID)), u64(id)); err != nil {
			return err
		}
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
func loadStory(g *guildTx, id uint64) (StoryRecord, error) {
	doc, err := getStoryDoc(g, id)
	if err != nil {
		return StoryRecord{}, err
	}
	c := decodeCounts(g.get(bCounts, u64(id)))
	return StoryRecord{
		ID:       formatID(id),
		GuildID:  formatID(g.guild),
		Story:    doc.Story,
		Chapters: doc.Chapters,
		AddedBy:  formatID(doc.AddedBy),
		AddedAt:  fromNanos(doc.AddedAt),
		Mine:     doc.Mine,
		Kudos:    int(c.kudos),
		Readers:  int(c.readers),
	}, nil
}

// Story returns story id of guild, or ErrNotFound.
func (s *Store) Story(guild, id string) (StoryRecord, error) {
	var rec StoryRecord
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		return s.view(guild, func(g *guildTx) error {
			rec, err = loadStory(g, sid)
			return err
		})
	}()
	if err != nil {
		return StoryRecord{}, fmt.Errorf("story: %w", err)
	}
	return rec, nil
}

// StoryByAO3 returns the guild's story for AO3 work workID, or ErrNotFound.
func (s *Store) StoryByAO3(guild string, workID int64) (StoryRecord, error) {
	var rec StoryRecord
	err := s.view(guild, func(g *guildTx) error {
		if workID <= 0 {
			return fmt.Errorf("AO3 work %d: %w", workID, ErrNotFound)
		}
		v := g.get(bAO3, u64(uint64(workID)))
		if len(v) != 8 {
			return fmt.Errorf("AO3 work %d: %w", workID, ErrNotFound)
		}
		var err error
		rec, err = loadStory(g, readU64(v, 0))
		return err
	})
	if err != nil {
		return StoryRecord{}, fmt.Errorf("story by AO3 ID: %w", err)
	}
	return rec, nil
}

// UpdateStory replaces story id's metadata and chapters (as AddStory takes
// them) and keeps its ID, adder, time added, mine flag and counters. Changing
// the AO3 work ID to one another story has fails with *DuplicateError. In
// the same transaction the clubs reading the story extend their schedules
// to its new chapters, none opening before now.
func (s *Store) UpdateStory(guild, id string, st *fic.Story, chapters []NewChapter, now time.Time) (StoryRecord, error) {
	var rec StoryRecord
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		doc, recs, err := prepare(st, chapters)
		if err != nil {
			return err
		}
		return s.update(guild, func(g *guildTx) error {
			old, err := getStoryDoc(g, sid)
			if err != nil {
				return err
			}
			if doc.Story.AO3ID > 0 {
				if v := g.get(bAO3, u64(uint64(doc.Story.AO3ID))); len(v) == 8 && readU64(v, 0) != sid {
					return &DuplicateError{AO3ID: doc.Story.AO3ID, ExistingID: formatID(readU64(v, 0))}
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
			for _, f := range storyUpdateHooks {
				if err := f(g, sid, len(old.Chapters), len(doc.Chapters), now); err != nil {
					return err
				}
			}
			rec, err = loadStory(g, sid)
			return err
		})
	}()
	if err != nil {
		return StoryRecord{}, fmt.Errorf("update story: %w", err)
	}
	return rec, nil
}

// getStoryDoc reads and decodes story id's document; ErrNotFound when the
// guild has no such story.
func getStoryDoc(g *guildTx, id uint64) (storyDoc, error) {
	var doc storyDoc
	v := g.get(bStories, u64(id))
	if v == nil {
		return doc, fmt.Errorf("story %d: %w", id, ErrNotFound)
	}
	if err := json.Unmarshal(v, &doc); err != nil {
		return doc, fmt.Errorf("story %d: %w", id, err)
	}
	return doc, nil
}

// RemoveStory removes story id with its chapters, AO3 index entry, kudos,
// reading-list entries and every registered feature's data about it, in one
// transaction. ErrNotFound when the guild has no such story.
func (s *Store) RemoveStory(guild, id string) error {
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		return s.update(guild, func(g *guildTx) error {
			doc, err := getStoryDoc(g, sid)
			if err != nil {
				return err
			}
			if doc.Story.AO3ID > 0 {
				if err := g.bucket(bAO3).Delete(u64(uint64(doc.Story.AO3ID))); err != nil {
					return err
				}
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
			for _, f := range storyCleanups {
				if err := f(g, sid); err != nil {
					return err
				}
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
// only. ErrNotFound when the story or the chapter does not exist.
func (s *Store) Chapter(guild, id string, n int) (ChapterRecord, error) {
	var rec ChapterRecord
	err := func() error {
		sid, err := parseStoryID(id)
		if err != nil {
			return err
		}
		if n < 1 || n > 1<<30 {
			return fmt.Errorf("chapter %d of story %d: %w", n, sid, ErrNotFound)
		}
		return s.view(guild, func(g *guildTx) error {
			v := g.get(bChapters, chapterKey(sid, n))
			if v == nil {
				return fmt.Errorf("chapter %d of story %d: %w", n, sid, ErrNotFound)
			}
			c, err := decodeChapter(v)
			if err != nil {
				return err
			}
			rec = ChapterRecord{StoryID: formatID(sid), Number: n,
				Chapter:   fic.Chapter{Title: c.title, Text: c.text, Notes: c.notes, EndNotes: c.endNotes},
				Sentences: c.sentences}
			return nil
		})
	}()
	if err != nil {
		return ChapterRecord{}, fmt.Errorf("chapter: %w", err)
	}
	return rec, nil
}

// Sort orders ListStories results.
type Sort string

// Sort orders.
const (
	SortNewest Sort = "newest" // most recently added first (the default)
	SortKudos  Sort = "kudos"  // most kudos first, then newest
	SortTitle  Sort = "title"  // title A–Z, case- and accent-insensitive
	SortWords  Sort = "words"  // longest first
)

// ListQuery filters and pages ListStories. Empty filters match everything.
type ListQuery struct {
	Fandom string // case-insensitive substring of any fandom
	Rating string // a rating in any wording fic.ParseRating accepts
	Tag    string // case-insensitive substring of any tag, relationship, character or category
	Sort   Sort
	Offset int
	Limit  int // 0 means 10; at most 100
}

// ListStories returns one page of guild's stories matching q and the total
// number that match.
func (s *Store) ListStories(guild string, q ListQuery) ([]StoryRecord, int, error) {
	var page []StoryRecord
	total := 0
	err := func() error {
		var rating fic.Rating
		if strings.TrimSpace(q.Rating) != "" {
			r, ok := fic.ParseRating(q.Rating)
			if !ok {
				return fmt.Errorf("rating %q: %w", truncate(q.Rating, 40), ErrInvalid)
			}
			rating = r
		}
		switch q.Sort {
		case "", SortNewest, SortKudos, SortTitle, SortWords:
		default:
			return fmt.Errorf("sort %q: %w", truncate(string(q.Sort), 40), ErrInvalid)
		}
		if q.Limit <= 0 {
			q.Limit = 10
		}
		q.Limit = min(q.Limit, 100)
		q.Offset = max(q.Offset, 0)
		fandom, tag := foldString(q.Fandom), foldString(q.Tag)
		return s.view(guild, func(g *guildTx) error {
			type cand struct {
				id    uint64
				title string
				added int64
				kudos uint32
				words int
			}
			var cands []cand
			err := forEachPrefix(g.bucket(bFacets), nil, func(k, v []byte) error {
				f, err := decodeFacets(v)
				if err != nil {
					return fmt.Errorf("story %d: %w", readU64(k, 0), err)
				}
				if rating != "" && f.rating != string(rating) {
					return nil
				}
				if fandom != "" && !anyContains(f.fandoms, fandom) {
					return nil
				}
				if tag != "" && !anyContains(f.tags, tag) {
					return nil
				}
				cands = append(cands, cand{id: readU64(k, 0), title: f.title, added: f.added,
					kudos: decodeCounts(g.get(bCounts, k)).kudos, words: f.words})
				return nil
			})
			if err != nil {
				return err
			}
			newer := func(a, b cand) int {
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
			slices.SortFunc(cands, func(a, b cand) int {
				switch q.Sort {
				case SortKudos:
					if a.kudos != b.kudos {
						if a.kudos > b.kudos {
							return -1
						}
						return 1
					}
				case SortTitle:
					if c := strings.Compare(a.title, b.title); c != 0 {
						return c
					}
				case SortWords:
					if a.words != b.words {
						if a.words > b.words {
							return -1
						}
						return 1
					}
				}
				return newer(a, b)
			})
			total = len(cands)
			if q.Offset >= len(cands) {
				return nil
			}
			for _, c := range cands[q.Offset:min(len(cands), q.Offset+q.Limit)] {
				rec, err := loadStory(g, c.id)
				if err != nil {
					return err
				}
				page = append(page, rec)
			}
			return nil
		})
	}()
	if err != nil {
		return nil, 0, fmt.Errorf("list stories: %w", err)
	}
	return page, total, nil
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

// ErrAmbiguous means a title matched more than one story; see ResolveError.
var ErrAmbiguous = errors.New("ambiguous story title")

// ResolveError reports a story option that names no single story. It
// matches ErrAmbiguous (several matched) or ErrNotFound (none did) with
// errors.Is, and carries up to five closest titles for a "did you mean".
type ResolveError struct {
	Input       string
	Ambiguous   bool
	Suggestions []StoryRef
}

func (e *ResolveError) Error() string {
	if e.Ambiguous {
		return fmt.Sprintf("%q matches %d stories", truncate(e.Input, 100), len(e.Suggestions))
	}
	return fmt.Sprintf("no story called %q", truncate(e.Input, 100))
}

// Is matches ErrAmbiguous or ErrNotFound.
func (e *ResolveError) Is(target error) bool {
	if e.Ambiguous {
		return target == ErrAmbiguous
	}
	return target == ErrNotFound
}

// ResolveStory finds the story a member meant by input: a story ID of this
// guild (as autocomplete sends), else a title, exact match first (case- and
// accent-insensitive), then a unique prefix. Otherwise it fails with a
// *ResolveError carrying up to five closest titles. Titles are matched in
// the in-memory index, then the story is read in a transaction.
func (s *Store) ResolveStory(guild, input string) (StoryRecord, error) {
	rec, err := s.resolveStory(guild, input)
	if err != nil {
		return StoryRecord{}, fmt.Errorf("resolve story: %w", err)
	}
	return rec, nil
}

func (s *Store) resolveStory(guild, input string) (StoryRecord, error) {
	gid, err := parseSnowflake("guild", guild)
	if err != nil {
		return StoryRecord{}, err
	}
	in := strings.TrimSpace(input)
	load := func(id uint64) (StoryRecord, error) {
		var rec StoryRecord
		err := s.view(guild, func(g *guildTx) error {
			var err error
			rec, err = loadStory(g, id)
			return err
		})
		return rec, err
	}
	if sid, err := parseStoryID(in); err == nil {
		rec, err := load(sid)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return rec, err
		}
	}
	folded := foldString(in)
	if folded == "" {
		return StoryRecord{}, &ResolveError{Input: input}
	}
	exact, prefix, closest := s.idx.matchTitle(gid, folded)
	var one StoryRef
	switch {
	case len(exact) == 1:
		one = exact[0]
	case len(exact) > 1:
		return StoryRecord{}, &ResolveError{Input: input, Ambiguous: true, Suggestions: exact[:min(5, len(exact))]}
	case len(prefix) == 1:
		one = prefix[0]
	case len(prefix) > 1:
		return StoryRecord{}, &ResolveError{Input: input, Ambiguous: true, Suggestions: prefix[:min(5, len(prefix))]}
	default:
		return StoryRecord{}, &ResolveError{Input: input, Suggestions: closest}
	}
	sid, _ := parseStoryID(one.ID)
	rec, err := load(sid)
	if errors.Is(err, ErrNotFound) { // removed since the index was read
		return StoryRecord{}, &ResolveError{Input: input}
	}
	return rec, err
}

// levenshtein is the edit distance between a and b, each capped at 64 runes.
func levenshtein(a, b []rune) int {
	a, b = a[:min(len(a), 64)], b[:min(len(b), 64)]
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
