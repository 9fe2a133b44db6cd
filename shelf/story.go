package shelf

import (
	"fmt"
	"strings"
	"time"

	"ficshelf/fic"
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

// MaxSearchResults is the most SearchStories returns (Discord's limit on
// autocomplete choices).
const MaxSearchResults = 25

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
		return fmt.Sprintf("%q matches %d stories", Truncate(e.Input, 100), len(e.Suggestions))
	}
	return fmt.Sprintf("no story called %q", Truncate(e.Input, 100))
}

// Is matches ErrAmbiguous or ErrNotFound.
func (e *ResolveError) Is(target error) bool {
	if e.Ambiguous {
		return target == ErrAmbiguous
	}
	return target == ErrNotFound
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
	// Series matches a story in an AO3 series whose title contains it
	// (folded) or whose series ID it is (SeriesQuery, SeriesMatch).
	Series string
	Sort   Sort
	Offset int
	Limit  int // 0 means 10; at most 100
}

// PreparedStory is a story checked and made ready to store: its metadata
// without chapter text, each chapter's summary, and the chapters to write.
type PreparedStory struct {
	Meta     fic.Story // Chapters nil; Rating, ChaptersPosted and Words filled
	Infos    []ChapterInfo
	Chapters []NewChapter
}

// PrepareStory validates s and its chapters the way every engine must
// before writing: a title is required (surrounding space trimmed), an AO3
// ID is not negative, an unknown rating is Not Rated, ChaptersPosted and
// Words default to what the chapters hold. When chapters is nil,
// s.Chapters are used without sentence indexes. s is not modified.
func PrepareStory(s *fic.Story, chapters []NewChapter) (PreparedStory, error) {
	if s == nil {
		return PreparedStory{}, fmt.Errorf("nil story: %w", ErrInvalid)
	}
	meta := *s
	meta.Title = strings.TrimSpace(meta.Title)
	if meta.Title == "" {
		return PreparedStory{}, fmt.Errorf("story has no title: %w", ErrInvalid)
	}
	if meta.AO3ID < 0 {
		return PreparedStory{}, fmt.Errorf("AO3 work ID %d: %w", meta.AO3ID, ErrInvalid)
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
	p := PreparedStory{Meta: meta, Chapters: chapters}
	for _, c := range chapters {
		p.Infos = append(p.Infos, ChapterInfo{Title: c.Chapter.Title, Words: fic.CountWords(c.Chapter.Text)})
	}
	if p.Meta.ChaptersPosted == 0 {
		p.Meta.ChaptersPosted = len(chapters)
	}
	if p.Meta.Words == 0 {
		for _, c := range p.Infos {
			p.Meta.Words += c.Words
		}
	}
	return p, nil
}
