package listimport

import (
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// ParseLinks reads a CSV file with a column of AO3 work links (as
// ao3downloader writes them) or, failing that, any text with AO3 work
// links in it. name only breaks a tie: a ".txt" file without a header
// naming its columns is read as text, whatever its commas.
func ParseLinks(name string, data []byte, extraHosts ...string) (Result, error) {
	return parseLinks(name, decode(data), extraHosts)
}

func parseLinks(name, text string, extraHosts []string) (Result, error) {
	txt := strings.HasSuffix(strings.ToLower(name), ".txt")
	if res, ok := parseCSV(text, txt, extraHosts); ok {
		return res, nil
	}
	res := parseText(text, extraHosts)
	if len(res.Works) == 0 && len(res.Skipped) == 0 {
		return Result{}, notAccepted("I found no AO3 work links in that file.")
	}
	return res, nil
}

// The column names a CSV header may use, compared after lower-casing and
// dropping spaces, underscores and hyphens.
var (
	linkColumns    = []string{"link", "url", "worklink", "workurl", "ao3link", "ao3url", "href", "address"}
	titleColumns   = []string{"title", "worktitle", "name"}
	authorColumns  = []string{"author", "authors", "creator", "creators", "writer"}
	fandomColumns  = []string{"fandom", "fandoms"}
	statusColumns  = []string{"status", "readingstatus", "shelf", "state"}
	chapterColumns = []string{"chapter", "chapterread", "chaptersread", "lastchapter", "lastchapterread", "progress"}
	noteColumns    = []string{"note", "notes", "comment", "comments"}
	// A bare "id" is not read: it is as often a row number as an AO3 work.
	idColumns = []string{"workid", "ao3id", "ao3workid"}
)

// maxCSVFields bounds the columns of a row that are looked at.
const maxCSVFields = 200

// parseCSV reads text as CSV when its first line splits into at least two
// columns and one column holds AO3 work links: the column named as one
// (link, url, ...) or, without a header naming it, the first column whose
// cells in the first rows are AO3 work links. ok is false when text is not
// such a CSV. needHeader refuses a CSV without a header.
func parseCSV(text string, needHeader bool, extraHosts []string) (Result, bool) {
	firstLine, _, _ := strings.Cut(text, "\n")
	comma := csvDelimiter(firstLine)
	if comma == 0 {
		return Result{}, false
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows := make([][]string, 0, 64)
	for len(rows) < 64 {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			return Result{}, false
		}
		rows = append(rows, rec)
	}
	if len(rows) == 0 || len(rows[0]) < 2 {
		return Result{}, false
	}
	cols := map[string]int{}
	header := false
	for i, h := range rows[0][:min(len(rows[0]), maxCSVFields)] {
		key := columnKey(h)
		if _, dup := cols[key]; !dup && key != "" {
			cols[key] = i
		}
	}
	col := func(names []string) int {
		for _, n := range names {
			if i, ok := cols[n]; ok {
				return i
			}
		}
		return -1
	}
	link := col(linkColumns)
	id := col(idColumns)
	if link >= 0 || id >= 0 || col(titleColumns) >= 0 || col(statusColumns) >= 0 {
		header = true
	}
	if link < 0 && (header || !needHeader) {
		link = linkColumnByContent(rows, extraHosts)
	}
	if link < 0 && id < 0 {
		return Result{}, false
	}
	title, author, fandom := col(titleColumns), col(authorColumns), col(fandomColumns)
	status, chapter, note := col(statusColumns), col(chapterColumns), col(noteColumns)
	if !header {
		title, author, fandom, status, chapter, note, id = -1, -1, -1, -1, -1, -1, -1
	}
	cell := func(rec []string, i int) string {
		if i < 0 || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	c := newCollector(FormatCSV)
	read := func(rec []string) {
		if isBlankRow(rec) {
			return
		}
		w := Work{Title: cleanText(cell(rec, title))}
		w.Authors = splitList(cell(rec, author))
		w.Fandoms = splitList(cell(rec, fandom))
		raw := cell(rec, link)
		if wid, ok := fic.ParseAO3Link(raw, extraHosts...); ok {
			w.AO3ID = wid
		} else if n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(cell(rec, id)), "work_"), 10, 64); err == nil && n > 0 && raw == "" {
			w.AO3ID = n
		}
		if w.AO3ID == 0 {
			if raw != "" && strings.Contains(raw, "/series/") {
				c.skip(ReasonSeries, raw)
			} else if raw != "" && strings.Contains(raw, "://") {
				c.skip(ReasonOtherSite, raw)
			} else {
				c.skip(ReasonNoLink, firstNonEmpty(w.Title, strings.Join(rec, " ")))
			}
			return
		}
		st, ok := readStatus(cell(rec, status))
		if !ok {
			c.adjust(ReasonUnknownStatus, label(w))
		}
		w.Status = st
		if s := cell(rec, chapter); s != "" {
			if n, ok := readChapter(s); ok {
				w.Chapter = n
			} else {
				c.adjust(ReasonBadChapter, label(w))
			}
		}
		w.Note = cell(rec, note)
		c.add(w)
	}
	start := 0
	if header {
		start = 1
	}
	for _, rec := range rows[start:] {
		read(rec)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				c.skip(ReasonNoLink, "")
				continue
			}
			break
		}
		read(rec)
	}
	return c.res, true
}

// csvDelimiter picks the separator of a CSV header line: the most frequent
// of comma, semicolon and tab outside quotes; 0 when there is none.
func csvDelimiter(line string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch r {
		case '"':
			quoted = !quoted
		case ',', ';', '\t':
			if !quoted {
				counts[r]++
			}
		}
	}
	best, n := rune(0), 0
	for _, r := range []rune{',', '\t', ';'} {
		if counts[r] > n {
			best, n = r, counts[r]
		}
	}
	return best
}

// columnKey normalises a header cell: lower case without spaces, hyphens,
// underscores or a byte order mark.
func columnKey(h string) string {
	h = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "\ufeff"))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, h)
}

// linkColumnByContent returns the first column in which most non-empty
// cells of rows are AO3 work links, or -1.
func linkColumnByContent(rows [][]string, extraHosts []string) int {
	width := 0
	for _, r := range rows {
		width = max(width, min(len(r), maxCSVFields))
	}
	for i := 0; i < width; i++ {
		links, filled := 0, 0
		for _, r := range rows {
			if i >= len(r) || strings.TrimSpace(r[i]) == "" {
				continue
			}
			filled++
			if _, ok := fic.ParseAO3Link(r[i], extraHosts...); ok {
				links++
			}
		}
		if links > 0 && links*2 >= filled {
			return i
		}
	}
	return -1
}

func isBlankRow(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = cleanText(v); v != "" {
			return v
		}
	}
	return ""
}

// splitList reads a cell holding several names: "A, B", "A; B" or a
// Python-style list "['A', 'B']".
func splitList(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	sep := ","
	if strings.Contains(s, ";") {
		sep = ";"
	}
	parts := strings.Split(s, sep)
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `'"`)
	}
	return cleanList(parts)
}

// readChapter reads a chapter cell: "3", or "3/10" (chapter 3 of 10).
func readChapter(s string) (int, bool) {
	s, _, _ = strings.Cut(s, "/")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 100000 {
		return 0, false
	}
	return n, true
}

// linkTokens calls fn with each link-like token of text, in order: a
// run of characters between spaces and the marks that surround links in
// prose, Markdown and HTML, from its http(s):// scheme (or from an AO3
// host written without one), trailing punctuation left out.
func linkTokens(text string, fn func(string)) {
	sep := func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("<>\"'()[]{}|\\^`", r)
	}
	for len(text) > 0 {
		i := strings.IndexFunc(text, func(r rune) bool { return !sep(r) })
		if i < 0 {
			return
		}
		text = text[i:]
		j := strings.IndexFunc(text, sep)
		if j < 0 {
			j = len(text)
		}
		tok := text[:j]
		text = text[j:]
		if !strings.Contains(tok, "/") {
			continue
		}
		low := strings.ToLower(tok)
		k := strings.Index(low, "http://")
		if h := strings.Index(low, "https://"); h >= 0 && (k < 0 || h < k) {
			k = h
		}
		if k < 0 {
			for _, host := range []string{"www.archiveofourown.org/", "archiveofourown.org/", "www.ao3.org/", "ao3.org/"} {
				if k = strings.Index(low, host); k >= 0 {
					break
				}
			}
		}
		if k < 0 {
			continue
		}
		if tok = strings.TrimRight(tok[k:], ".,;:!?*_~"); tok != "" {
			fn(tok)
		}
	}
}

// parseText reads every AO3 work link in text, in order. Links to AO3
// series and to other sites are counted as skipped; text without links is
// ignored.
func parseText(text string, extraHosts []string) Result {
	c := newCollector(FormatLinks)
	linkTokens(text, func(raw string) {
		if id, ok := fic.ParseAO3Link(raw, extraHosts...); ok {
			c.add(Work{AO3ID: id, Status: shelf.StatusToRead})
			return
		}
		u, err := url.Parse(raw)
		if err != nil || !strings.Contains(raw, "://") {
			u, err = url.Parse("https://" + raw)
		}
		if err == nil && isAO3Host(u.Host, extraHosts) {
			if strings.HasPrefix(u.EscapedPath(), "/series/") {
				c.skip(ReasonSeries, raw)
			}
			return // other AO3 pages (tags, users) are not works
		}
		c.skip(ReasonOtherSite, raw)
	})
	return c.res
}
