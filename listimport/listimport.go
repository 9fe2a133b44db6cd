// Package listimport reads the reading lists members bring from elsewhere:
// Ficshelf's own exports (from this or another server), AO3 pages saved
// from a browser (Bookmarks, Marked for Later, History, a series, a user's
// works), and CSV or plain-text files of AO3 work links.
//
// Parse is pure: it touches neither the network, the disk nor the store.
// It says which works a member wants on their list, in file order, and
// what it left out and why; matching them to a server's library, fetching
// the missing ones from AO3 and writing the entries is the caller's work.
package listimport

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// MaxFileSize is the largest file Parse reads, in bytes (20 MiB).
const MaxFileSize = fic.MaxFileSize

// MaxWorks is the most works one import keeps; the rest are counted under
// ReasonOverLimit.
const MaxWorks = 5000

// MaxExamples is how many examples a Tally keeps of what it counts.
const MaxExamples = 5

// Format names the kind of file Parse recognised.
type Format string

// The formats Parse recognises.
const (
	FormatFicshelfList   Format = "ficshelf-reading-list" // /readinglist export
	FormatFicshelfMember Format = "ficshelf-member-data"  // /mydata export
	FormatAO3Bookmarks   Format = "ao3-bookmarks"
	FormatAO3MarkedLater Format = "ao3-marked-for-later"
	FormatAO3History     Format = "ao3-history"
	FormatAO3Series      Format = "ao3-series"
	FormatAO3Works       Format = "ao3-works" // a user's works page (or any AO3 list of work blurbs)
	FormatCSV            Format = "csv"
	FormatLinks          Format = "links" // plain text, or an HTML page, with AO3 work links
)

// Describe names the format for a member: "an AO3 Bookmarks page".
func (f Format) Describe() string {
	switch f {
	case FormatFicshelfList:
		return "a Ficshelf reading-list export"
	case FormatFicshelfMember:
		return "a Ficshelf data export"
	case FormatAO3Bookmarks:
		return "an AO3 Bookmarks page"
	case FormatAO3MarkedLater:
		return "an AO3 Marked for Later page"
	case FormatAO3History:
		return "an AO3 History page"
	case FormatAO3Series:
		return "an AO3 series page"
	case FormatAO3Works:
		return "an AO3 works page"
	case FormatCSV:
		return "a CSV file of AO3 links"
	case FormatLinks:
		return "a list of AO3 links"
	}
	return string(f)
}

// Work is one work a member wants on their list.
type Work struct {
	// AO3ID is the AO3 work ID, 0 when the file does not say (a Ficshelf
	// export of a story uploaded as a file). A Work without one always has
	// a Title.
	AO3ID   int64
	Title   string
	Authors []string
	Fandoms []string
	Status  shelf.Status
	Chapter int    // last chapter read, 0 = not started or not said
	Note    string // at most shelf.MaxNoteLength bytes
}

// Reason says why something in the file was left out or changed.
type Reason string

// Why entries were skipped (Result.Skipped) or changed (Result.Adjusted).
const (
	ReasonDuplicate Reason = "duplicate"  // the same work again; the first is kept
	ReasonOverLimit Reason = "over-limit" // past MaxWorks
	ReasonExternal  Reason = "external"   // an AO3 bookmark of a work on another site
	ReasonSeries    Reason = "series"     // a bookmark of a whole series
	ReasonDeleted   Reason = "deleted"    // a work AO3 has deleted
	ReasonMystery   Reason = "mystery"    // a work not yet revealed (a "Mystery Work")
	ReasonNoLink    Reason = "no-link"    // a row without an AO3 work link
	ReasonOtherSite Reason = "other-site" // a link to a site other than AO3
	ReasonNoTitle   Reason = "no-title"   // a Ficshelf entry with neither title nor AO3 link

	ReasonUnknownStatus Reason = "unknown-status" // kept as to-read
	ReasonBadChapter    Reason = "bad-chapter"    // kept without a chapter
	ReasonNoteCut       Reason = "note-cut"       // note shortened to shelf.MaxNoteLength
)

// Describe says what n entries of the reason are, for a member:
// "3 external works (not on AO3)".
func (r Reason) Describe(n int) string {
	s := func(one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	switch r {
	case ReasonDuplicate:
		return s("work listed twice (kept once)", "works listed more than once (kept once)")
	case ReasonOverLimit:
		return s(fmt.Sprintf("work past the limit of %d per import", MaxWorks), fmt.Sprintf("works past the limit of %d per import", MaxWorks))
	case ReasonExternal:
		return s("external work (not on AO3)", "external works (not on AO3)")
	case ReasonSeries:
		return s("series bookmark (import the series page instead)", "series bookmarks (import each series page instead)")
	case ReasonDeleted:
		return s("deleted work", "deleted works")
	case ReasonMystery:
		return s("unrevealed Mystery Work", "unrevealed Mystery Works")
	case ReasonNoLink:
		return s("row without an AO3 work link", "rows without an AO3 work link")
	case ReasonOtherSite:
		return s("link that isn't an AO3 work", "links that aren't AO3 works")
	case ReasonNoTitle:
		return s("entry without a title or AO3 link", "entries without a title or AO3 link")
	case ReasonUnknownStatus:
		return s("unknown status read as to-read", "unknown statuses read as to-read")
	case ReasonBadChapter:
		return s("unreadable chapter left out", "unreadable chapters left out")
	case ReasonNoteCut:
		return s(fmt.Sprintf("note shortened to %d characters", shelf.MaxNoteLength), fmt.Sprintf("notes shortened to %d characters", shelf.MaxNoteLength))
	}
	return s(string(r), string(r))
}

// Tally counts the entries left out or changed for one reason, with the
// first few of them (titles or links) as examples.
type Tally struct {
	Reason   Reason
	Count    int
	Examples []string
}

// Result is what Parse read.
type Result struct {
	Format Format
	// Works are the works to put on the list, in file order, each once, at
	// most MaxWorks.
	Works []Work
	// Skipped counts what the file held that is not in Works, by reason, in
	// order of first occurrence.
	Skipped []Tally
	// Adjusted counts works kept with something changed (an unknown status
	// read as to-read, a note shortened), by reason.
	Adjusted []Tally
}

// SkippedTotal is the number of entries left out.
func (r *Result) SkippedTotal() int {
	n := 0
	for _, t := range r.Skipped {
		n += t.Count
	}
	return n
}

// Errors Parse returns, each inside a *fic.ImportError whose Message is a
// sentence for the member.
var (
	ErrNotList   = errors.New("not a reading list")
	ErrNoWorks   = errors.New("no works in the file")
	ErrNewFormat = errors.New("export of a newer Ficshelf")
)

// msgAccepted names what Parse reads.
const msgAccepted = "I can import a Ficshelf export (`/readinglist export` or `/mydata export`), an AO3 page saved from your browser (Bookmarks, Marked for Later, History, a series or a user's works page), or a CSV or text file of AO3 work links."

func notAccepted(what string) error {
	return &fic.ImportError{Kind: ErrNotList, Message: what + " " + msgAccepted}
}

// Parse reads a reading list from a file a member uploaded. The format is
// found from the content; name (the file's name) only breaks ties. A page
// saved as a single file (MHTML) is read as the page inside it. AO3
// links are those of archiveofourown.org (as fic.ParseAO3Link reads them)
// and of extraHosts (the configured AO3 base URL's host).
//
// Errors are *fic.ImportError wrapping fic.ErrTooLarge, fic.ErrEmpty,
// ErrNotList, ErrNoWorks or ErrNewFormat. Parse does a bounded amount of
// work on any input and never panics.
func Parse(name string, data []byte, extraHosts ...string) (Result, error) {
	if len(data) > MaxFileSize {
		return Result{}, &fic.ImportError{Kind: fic.ErrTooLarge, Message: "That file is over 20 MiB, which is more than I can import."}
	}
	text := decode(data)
	trimmed := strings.TrimSpace(text)
	if trimmed == "" {
		return Result{}, &fic.ImportError{Kind: fic.ErrEmpty, Message: "That file is empty. " + msgAccepted}
	}
	if looksBinary(text) {
		return Result{}, notAccepted("That file isn't text.")
	}
	var (
		res Result
		err error
	)
	switch {
	case strings.HasPrefix(trimmed, "{"):
		res, err = ParseFicshelf([]byte(trimmed))
	case looksMHTML(text):
		page, ok := mhtmlPage(text)
		if !ok {
			return Result{}, notAccepted("I couldn't find the page inside that saved web page (MHTML) file.")
		}
		res, err = ParseAO3Page(page, extraHosts...)
	case looksHTML(trimmed):
		res, err = parseAO3Page(strings.NewReader(text), extraHosts)
	default:
		res, err = parseLinks(name, text, extraHosts)
	}
	if err != nil {
		return Result{}, err
	}
	if len(res.Works) == 0 {
		msg := "I found no works to import in that file"
		if len(res.Skipped) > 0 {
			msg += " (" + skippedSentence(res.Skipped) + ")"
		}
		return Result{}, &fic.ImportError{Kind: ErrNoWorks, Message: msg + ". " + msgAccepted}
	}
	return res, nil
}

func skippedSentence(ts []Tally) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		parts = append(parts, t.Reason.Describe(t.Count))
	}
	return strings.Join(parts, ", ")
}

// decode returns data as UTF-8 text: a UTF-16 file with a byte order mark
// is converted, a UTF-8 one loses its mark, and text that is not UTF-8 is
// read as Windows-1252 (what Excel on Windows saves a CSV as).
func decode(data []byte) string {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		out, err := xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder().Bytes(data)
		if err == nil {
			return strings.ToValidUTF8(strings.TrimPrefix(string(out), "\ufeff"), "\ufffd")
		}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if utf8.Valid(data) {
		return string(data)
	}
	if out, err := charmap.Windows1252.NewDecoder().Bytes(data); err == nil {
		return string(out)
	}
	return strings.ToValidUTF8(string(data), "\ufffd")
}

// looksBinary reports text with NUL bytes or many control characters in
// its first 64 KiB (an image, a PDF, a zip).
func looksBinary(text string) bool {
	head := text[:min(len(text), 64<<10)]
	if strings.HasPrefix(head, "%PDF") || strings.HasPrefix(head, "PK\x03\x04") {
		return true
	}
	ctl := 0
	for i := 0; i < len(head); i++ {
		b := head[i]
		if b == 0 {
			return true
		}
		if b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f' {
			ctl++
		}
	}
	return ctl > 8 && ctl*100 > len(head)
}

// looksHTML reports whether text is an HTML document.
func looksHTML(text string) bool {
	low := strings.ToLower(text[:min(len(text), 4096)])
	if !strings.HasPrefix(low, "<") {
		return false
	}
	for _, t := range []string{"<!doctype html", "<html", "<head", "<body", "<div", "<ol", "<ul", "<li", "<a ", "<p>", "<meta", "<title"} {
		if strings.Contains(low, t) {
			return true
		}
	}
	return false
}

// collector builds a Result: it keeps works in order, each once, up to
// MaxWorks, and tallies what it leaves out or changes.
type collector struct {
	res  Result
	seen map[string]bool
}

func newCollector(f Format) *collector {
	return &collector{res: Result{Format: f}, seen: map[string]bool{}}
}

// add keeps w unless it is a duplicate or past the limit. w.Status must
// be set.
func (c *collector) add(w Work) {
	key := workKey(w)
	if c.seen[key] {
		c.skip(ReasonDuplicate, label(w))
		return
	}
	if len(c.res.Works) >= MaxWorks {
		c.skip(ReasonOverLimit, label(w))
		return
	}
	c.seen[key] = true
	if len(w.Note) > shelf.MaxNoteLength {
		w.Note = cutUTF8(w.Note, shelf.MaxNoteLength)
		c.adjust(ReasonNoteCut, label(w))
	}
	c.res.Works = append(c.res.Works, w)
}

func (c *collector) skip(r Reason, example string) {
	c.res.Skipped = tally(c.res.Skipped, r, example)
}

func (c *collector) adjust(r Reason, example string) {
	c.res.Adjusted = tally(c.res.Adjusted, r, example)
}

func tally(ts []Tally, r Reason, example string) []Tally {
	example = cutUTF8(strings.TrimSpace(example), 200)
	for i := range ts {
		if ts[i].Reason == r {
			ts[i].Count++
			if len(ts[i].Examples) < MaxExamples && example != "" {
				ts[i].Examples = append(ts[i].Examples, example)
			}
			return ts
		}
	}
	t := Tally{Reason: r, Count: 1}
	if example != "" {
		t.Examples = []string{example}
	}
	return append(ts, t)
}

// workKey identifies a work for deduplication: its AO3 ID, else its title
// and authors (case-insensitive).
func workKey(w Work) string {
	if w.AO3ID > 0 {
		return fmt.Sprintf("ao3:%d", w.AO3ID)
	}
	return "t:" + strings.ToLower(w.Title) + "\x00" + strings.ToLower(strings.Join(w.Authors, "\x00"))
}

// label names w in examples: its title, else its AO3 link.
func label(w Work) string {
	if w.Title != "" {
		return w.Title
	}
	if w.AO3ID > 0 {
		return fmt.Sprintf("https://archiveofourown.org/works/%d", w.AO3ID)
	}
	return ""
}

// cutUTF8 shortens s to at most n bytes without splitting a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// statusWords maps the ways other tools and people write a reading status
// (lower case, spaces and underscores as hyphens) to Ficshelf's statuses.
// "Complete" is left out on purpose: in lists made from AO3 it says the
// work is complete, not that the member read it.
var statusWords = func() map[string]shelf.Status {
	m := map[string]shelf.Status{}
	for st, words := range map[shelf.Status][]string{
		shelf.StatusToRead:   {"to-read", "toread", "tbr", "want-to-read", "plan-to-read", "planned", "marked-for-later", "later", "unread"},
		shelf.StatusReading:  {"reading", "currently-reading", "in-progress", "started"},
		shelf.StatusFinished: {"finished", "finished-reading", "read", "done"},
		shelf.StatusOnHold:   {"on-hold", "onhold", "hold", "paused"},
		shelf.StatusDropped:  {"dropped", "dnf", "did-not-finish", "abandoned"},
	} {
		for _, w := range words {
			m[w] = st
		}
	}
	return m
}()

// readStatus maps s (any case) to a status; "" is to-read with ok true,
// anything unknown is to-read with ok false.
func readStatus(s string) (shelf.Status, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return shelf.StatusToRead, true
	}
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '_' || r == '-' }), "-")
	if st, ok := statusWords[s]; ok {
		return st, true
	}
	return shelf.StatusToRead, false
}
