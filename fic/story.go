// Package fic holds stories themselves: the Story model, the importers that
// turn uploaded files and AO3 links into Stories, and the sentence and
// passage logic that excerpts are cut with.
//
// Nothing here knows Discord or the database. Every function is pure or
// takes its I/O (an io.Reader, an *http.Client) as an argument, so it can be
// tested and fuzzed in isolation.
package fic

import (
	"strings"
	"time"
)

// Rating is one of AO3's five ratings, spelled exactly as AO3 spells it.
type Rating string

// The five AO3 ratings. A story whose rating is unknown is RatingNotRated.
const (
	RatingGeneral  Rating = "General Audiences"
	RatingTeen     Rating = "Teen And Up Audiences"
	RatingMature   Rating = "Mature"
	RatingExplicit Rating = "Explicit"
	RatingNotRated Rating = "Not Rated"
)

// Ratings lists the five ratings from mildest to strongest, Not Rated last.
var Ratings = []Rating{RatingGeneral, RatingTeen, RatingMature, RatingExplicit, RatingNotRated}

// ParseRating maps AO3's wording (any case, surrounding space ignored) to a
// Rating. Anything unrecognised is RatingNotRated, with ok false.
func ParseRating(s string) (r Rating, ok bool) {
	s = strings.TrimSpace(s)
	for _, r := range Ratings {
		if strings.EqualFold(s, string(r)) {
			return r, true
		}
	}
	switch strings.ToLower(s) {
	case "general", "g", "gen":
		return RatingGeneral, true
	case "teen", "t", "teen and up":
		return RatingTeen, true
	case "m":
		return RatingMature, true
	case "e":
		return RatingExplicit, true
	}
	return RatingNotRated, false
}

// Adult reports whether the rating may only be shown in age-restricted
// channels: Mature, Explicit and Not Rated (unknown is treated as adult).
func (r Rating) Adult() bool {
	switch r {
	case RatingGeneral, RatingTeen:
		return false
	}
	return true
}

// AO3's archive warnings, as AO3 spells them.
const (
	WarningNoneApply        = "No Archive Warnings Apply"
	WarningChoseNotToUse    = "Creator Chose Not To Use Archive Warnings"
	WarningViolence         = "Graphic Depictions Of Violence"
	WarningMajorDeath       = "Major Character Death"
	WarningNonCon           = "Rape/Non-Con"
	WarningUnderage         = "Underage Sex"
	oldWarningChoseNotToUse = "Choose Not To Use Archive Warnings"
	oldWarningUnderage      = "Underage"
)

// NormalizeWarning maps older or variant spellings of an archive warning to
// the current one: "Choose Not To Use Archive Warnings" becomes
// WarningChoseNotToUse and "Underage" becomes WarningUnderage. Other text is
// returned trimmed, with AO3's spelling when it matches one case-insensitively.
func NormalizeWarning(w string) string {
	w = strings.Join(strings.Fields(w), " ")
	switch {
	case strings.EqualFold(w, oldWarningChoseNotToUse):
		return WarningChoseNotToUse
	case strings.EqualFold(w, oldWarningUnderage):
		return WarningUnderage
	}
	for _, known := range []string{WarningNoneApply, WarningChoseNotToUse, WarningViolence, WarningMajorDeath, WarningNonCon, WarningUnderage} {
		if strings.EqualFold(w, known) {
			return known
		}
	}
	return w
}

// RealWarnings returns the warnings that describe actual content: everything
// except "No Archive Warnings Apply" and "Creator Chose Not To Use Archive
// Warnings" (which means unknown, not none).
func RealWarnings(ws []string) []string {
	var out []string
	for _, w := range ws {
		w = NormalizeWarning(w)
		if w == "" || w == WarningNoneApply || w == WarningChoseNotToUse {
			continue
		}
		out = append(out, w)
	}
	return out
}

// WarningsUnknown reports whether the creator chose not to use archive
// warnings, so the content is unknown rather than warning-free.
func WarningsUnknown(ws []string) bool {
	for _, w := range ws {
		if NormalizeWarning(w) == WarningChoseNotToUse {
			return true
		}
	}
	return false
}

// Chapter is one chapter of a story. Text is the chapter's prose only:
// paragraphs separated by a blank line ("\n\n"), no notes, no heading.
type Chapter struct {
	Title    string `json:"title,omitempty"`
	Text     string `json:"text,omitempty"`
	Notes    string `json:"notes,omitempty"`     // chapter notes shown before the text
	EndNotes string `json:"end_notes,omitempty"` // chapter notes shown after the text
}

// Story is a work in a server's library. Metadata fields use AO3's words.
// Chapters may be empty for a story known only by link (metadata, no text).
type Story struct {
	Title         string   `json:"title"`
	Authors       []string `json:"authors,omitempty"`
	Fandoms       []string `json:"fandoms,omitempty"`
	Rating        Rating   `json:"rating"`
	Warnings      []string `json:"warnings,omitempty"`
	Categories    []string `json:"categories,omitempty"`
	Relationships []string `json:"relationships,omitempty"`
	Characters    []string `json:"characters,omitempty"`
	Tags          []string `json:"tags,omitempty"` // additional tags
	Language      string   `json:"language,omitempty"`
	Series        []string `json:"series,omitempty"` // as shown: "Part 2 of Folded Things"
	// SeriesRefs is the same membership with AO3's series IDs when known
	// (from a work page, a download's links or a series import).
	SeriesRefs []SeriesRef `json:"series_refs,omitempty"`
	Summary    string      `json:"summary,omitempty"`
	Notes      string      `json:"notes,omitempty"`
	EndNotes   string      `json:"end_notes,omitempty"`
	Chapters   []Chapter   `json:"chapters,omitempty"`

	// ChaptersPosted and ChaptersExpected are AO3's "Chapters: 3/?" stat.
	// ChaptersExpected is 0 when unknown ("?"): a work in progress.
	ChaptersPosted   int `json:"chapters_posted"`
	ChaptersExpected int `json:"chapters_expected"`
	Words            int `json:"words"`

	// Stats known only from AO3 (by link), zero otherwise.
	Kudos     int       `json:"kudos,omitempty"`
	Hits      int       `json:"hits,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`

	AO3ID  int64  `json:"ao3_id,omitempty"` // AO3 work ID, 0 when unknown
	AO3URL string `json:"ao3_url,omitempty"`
}

// SeriesRef is a story's place in an AO3 series: part Part of series ID.
// ID is 0 when the series' link is unknown; Part is 0 when unknown.
type SeriesRef struct {
	ID    int64  `json:"id,omitempty"`
	Title string `json:"title"`
	Part  int    `json:"part,omitempty"`
}

// SeriesLabel is how a card shows it: "Part 3 of Folded Things".
func (r SeriesRef) SeriesLabel() string {
	if r.Part > 0 {
		return "Part " + itoa(r.Part) + " of " + r.Title
	}
	return r.Title
}

// Complete reports whether every expected chapter is posted.
func (s *Story) Complete() bool {
	return s.ChaptersExpected > 0 && s.ChaptersPosted >= s.ChaptersExpected
}

// ChapterCount formats AO3's "posted/expected" chapter stat, "3/?" for a
// work in progress.
func (s *Story) ChapterCount() string {
	exp := "?"
	if s.ChaptersExpected > 0 {
		exp = itoa(s.ChaptersExpected)
	}
	return itoa(s.ChaptersPosted) + "/" + exp
}

// CountWords counts words the way a reader would: runs of letters, digits,
// apostrophes and hyphens separated by anything else.
func CountWords(text string) int {
	n := 0
	in := false
	for _, r := range text {
		word := r == '\'' || r == '’' || r == '-' || isLetterOrDigit(r)
		if word && !in {
			n++
		}
		in = word
	}
	return n
}

// Finish fills derived fields after an import: word count from the chapter
// text when none was given, chapters posted from the chapters present, and
// RatingNotRated for an empty rating. Importers call it last.
func (s *Story) Finish() {
	if s.Rating == "" {
		s.Rating = RatingNotRated
	}
	if s.Words == 0 {
		for _, c := range s.Chapters {
			s.Words += CountWords(c.Text)
		}
	}
	if s.ChaptersPosted == 0 {
		s.ChaptersPosted = len(s.Chapters)
	}
	for i, w := range s.Warnings {
		s.Warnings[i] = NormalizeWarning(w)
	}
}
