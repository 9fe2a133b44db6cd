package fic

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// ImportText parses plain text or Markdown (already decoded, BOM removed)
// into a Story. See Import for the rules; this entry point exists for
// callers that already hold a string.
func ImportText(filename, text string) (*Story, error) {
	return importText(filename, text)
}

func importText(filename, text string) (*Story, error) {
	st := &Story{}
	text = normalizeNewlines(strings.TrimPrefix(text, "\ufeff"))
	text = stripGutenberg(text, st)
	if blank(text) {
		return nil, importErr(ErrEmpty, msgEmpty, nil)
	}
	paras := splitParagraphs(strings.Split(text, "\n"))
	buildTextStory(st, paras, titleFromFilename(filename), true)
	if len(st.Chapters) == 0 {
		return nil, importErr(ErrEmpty, "I couldn't find any story text in that file.", nil)
	}
	st.Finish()
	return st, nil
}

func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

var (
	gutenbergStart   = regexp.MustCompile(`(?im)^[ \t]*\*{3}[ \t]*START OF (?:THE|THIS) PROJECT GUTENBERG[^\n]*$`)
	gutenbergEnd     = regexp.MustCompile(`(?im)^[ \t]*\*{3}[ \t]*END OF (?:THE|THIS) PROJECT GUTENBERG[^\n]*$`)
	gutenbergMeta    = regexp.MustCompile(`(?im)^[ \t]*(Title|Author|Language):[ \t]*(.+)$`)
	gutenbergEndLine = regexp.MustCompile(`(?i)^end of (?:the )?project gutenberg`)
	producedBy       = regexp.MustCompile(`(?i)^(produced by|e-?text prepared by|this e-?book was produced by)\b`)
)

// stripGutenberg removes a Project Gutenberg header and footer, taking the
// title, author and language from the header.
func stripGutenberg(text string, st *Story) string {
	loc := gutenbergStart.FindStringIndex(text)
	if loc == nil {
		return text
	}
	for _, m := range gutenbergMeta.FindAllStringSubmatch(text[:loc[0]], -1) {
		v := cleanSpace(m[2])
		switch strings.ToLower(m[1]) {
		case "title":
			if st.Title == "" {
				st.Title = v
			}
		case "author":
			if len(st.Authors) == 0 && v != "" {
				st.Authors = []string{v}
			}
		case "language":
			if st.Language == "" {
				st.Language = v
			}
		}
	}
	text = text[loc[1]:]
	if end := gutenbergEnd.FindStringIndex(text); end != nil {
		text = text[:end[0]]
		// "End of the Project Gutenberg EBook of ..." just before the marker.
		body := strings.TrimRight(text, " \t\n")
		if i := strings.LastIndex(body, "\n\n"); i >= 0 && gutenbergEndLine.MatchString(strings.TrimSpace(body[i:])) {
			text = body[:i]
		}
	}
	// Drop a leading "Produced by ..." credit paragraph.
	trimmed := strings.TrimLeft(text, " \t\n")
	if producedBy.MatchString(trimmed) {
		if i := strings.Index(trimmed, "\n\n"); i >= 0 {
			text = trimmed[i:]
		}
	}
	return text
}

// splitParagraphs turns lines into paragraphs. A blank line always ends a
// paragraph. Inside a block of non-blank lines, hard-wrapped lines (the
// line broke because the next word would not fit) are joined with a space;
// other line breaks are kept as "\n" when the text separates paragraphs by
// blank lines, or start a new paragraph when it does not.
func splitParagraphs(lines []string) []string {
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\u00a0")
	}
	width, wrapped := wrapWidth(lines)
	blocks, nonEmpty, multi := 0, 0, 0
	inBlock, blockLines := false, 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			if inBlock && blockLines > 1 {
				multi++
			}
			inBlock, blockLines = false, 0
			continue
		}
		nonEmpty++
		blockLines++
		if !inBlock {
			blocks++
			inBlock = true
		}
	}
	if inBlock && blockLines > 1 {
		multi++
	}
	// Blank lines separate paragraphs when most blocks are one line (or,
	// for wrapped text, blocks are paragraph-sized).
	usesBlank := blocks >= 2 && (multi*2 <= blocks || (wrapped && nonEmpty <= blocks*15))
	if blocks == 1 && !wrapped {
		usesBlank = false
	}

	var paras []string
	var cur strings.Builder
	flush := func() {
		if p := strings.TrimSpace(cur.String()); p != "" {
			paras = append(paras, p)
		}
		cur.Reset()
	}
	prevLen := -1 // length of the previous non-blank line in this block, -1 at block start
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			flush()
			prevLen = -1
			continue
		}
		if prevLen >= 0 {
			// Decide how to join this line to the previous one.
			isHeading := headingLine(t) && (i+1 >= len(lines) || strings.TrimSpace(lines[i+1]) == "" || !wrapped)
			switch {
			case isHeading || headingLine(strings.TrimSpace(lines[i-1])):
				flush()
			case wrapped && prevLen+1+firstWordLen(t) > width*85/100:
				cur.WriteByte(' ')
			case usesBlank:
				cur.WriteByte('\n')
			default:
				flush()
			}
		}
		cur.WriteString(t)
		prevLen = utf8.RuneCountInString(l)
	}
	flush()
	return paras
}

// wrapWidth estimates the column text was hard-wrapped at and whether it
// was: most lines end close to a common width of at most 100 columns.
func wrapWidth(lines []string) (int, bool) {
	var lens []int
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 0 {
			lens = append(lens, n)
		}
	}
	if len(lens) < 4 {
		return 0, false
	}
	sort.Ints(lens)
	w := lens[len(lens)*95/100]
	if w > 100 || w < 30 {
		return w, false
	}
	near := 0
	for _, n := range lens {
		if n >= w*70/100 {
			near++
		}
	}
	return w, near*100 >= len(lens)*40
}

func firstWordLen(s string) int {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	return utf8.RuneCountInString(s)
}

var headingRe = regexp.MustCompile(`(?i)^(?:#{1,6}[ \t]*)?(?:(chapter|chap\.?|ch\.)[ \t]*(\d{1,4}|[ivxlcdm]{1,8}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)|(prologue|epilogue|interlude))\b[ \t]*(?:[:.\-–—)][ \t]*(.*))?$`)

var mdHeadingRe = regexp.MustCompile(`^#{1,3}[ \t]+(\S.*)$`)

// headingLine reports whether a whole line is a chapter heading.
func headingLine(t string) bool {
	_, ok := parseHeading(t)
	return ok
}

// parseHeading recognises "Chapter 3", "Chapter 3: Title", "CHAPTER III.
// Title", "Chapter Four - Title", "Prologue", "## Chapter 2" and Markdown
// "## Title" headings, returning the chapter title to use: the heading's own
// title when it has one, otherwise the heading itself ("Chapter 3").
func parseHeading(t string) (string, bool) {
	t = strings.TrimSpace(t)
	if t == "" || len(t) > 120 {
		return "", false
	}
	if m := headingRe.FindStringSubmatch(t); m != nil {
		title := cleanSpace(strings.Trim(m[4], "*_ "))
		if utf8.RuneCountInString(title) > 90 {
			return "", false
		}
		if title != "" {
			return title, true
		}
		h := strings.TrimLeft(t, "# \t")
		h = strings.TrimRight(h, ".:-–— ")
		return cleanSpace(h), true
	}
	if m := mdHeadingRe.FindStringSubmatch(t); m != nil {
		title := cleanSpace(strings.Trim(m[1], "#*_ "))
		if title != "" && utf8.RuneCountInString(title) <= 90 {
			return title, true
		}
	}
	return "", false
}

var (
	notesLabel     = `(?:(?:author['’]?s?|chapter|end|closing|final)[ \t]+notes?|notes?|a/n)`
	notesOwnRe     = regexp.MustCompile(`(?i)^\**` + notesLabel + `\**[ \t]*(?::\**|\n|$)[ \t]*`)
	notesMidRe     = regexp.MustCompile(`(?i)([.!?…"”’)\]*_~])[ \t]+\**` + notesLabel + `\**[ \t]*:\**[ \t]+`)
	summaryOwnRe   = regexp.MustCompile(`(?i)^\**summary\**[ \t]*:\**[ \t]*`)
	bylineRe       = regexp.MustCompile(`(?i)^(?:by|written by|author:)[ \t]+(\S.{0,80})$`)
	prefaceMaxWord = 80
)

// buildTextStory splits paragraphs into chapters at headings, takes title,
// author, summary and notes from a short preface, and moves authors' notes
// out of the text.
func buildTextStory(st *Story, paras []string, fallbackTitle string, firstLineTitle bool) {
	type chap struct {
		title string
		paras []string
	}
	var pre []string
	var chaps []*chap
	for _, p := range paras {
		if !strings.Contains(p, "\n") {
			if title, ok := parseHeading(p); ok {
				// A markdown "# Title" before any text is the work's title.
				if len(chaps) == 0 && len(pre) == 0 && st.Title == "" && strings.HasPrefix(p, "# ") && !headingRe.MatchString(p) {
					st.Title = title
					continue
				}
				chaps = append(chaps, &chap{title: title})
				continue
			}
		}
		if len(chaps) == 0 {
			pre = append(pre, p)
		} else {
			c := chaps[len(chaps)-1]
			c.paras = append(c.paras, p)
		}
	}

	// The preface: a short block before the first heading (or at the top of
	// an unheaded text) holding the title, byline, summary, notes.
	if len(chaps) > 0 {
		words := 0
		for _, p := range pre {
			words += CountWords(p)
		}
		if words > 0 && (words > prefaceMaxWord*4 || (words > prefaceMaxWord && !hasPrefaceMarkers(pre))) {
			chaps = append([]*chap{{paras: pre}}, chaps...)
		} else {
			readPreface(st, pre, true, true)
		}
	} else {
		rest := readPreface(st, pre, false, firstLineTitle)
		chaps = append(chaps, &chap{paras: rest})
	}

	// Drop empty chapters (a table of contents lists headings with no text).
	for _, c := range chaps {
		if len(c.paras) == 0 {
			continue
		}
		ch := Chapter{Title: c.title}
		ps := c.paras
		// Leading author's note.
		if len(ps) > 1 {
			if loc := notesOwnRe.FindStringIndex(ps[0]); loc != nil {
				ch.Notes = strings.TrimSpace(ps[0][loc[1]:])
				ps = ps[1:]
				if ch.Notes == "" && len(ps) > 1 {
					ch.Notes, ps = ps[0], ps[1:]
				}
			}
		}
		ps, ch.EndNotes = splitTrailingNotes(ps)
		ch.Text = strings.Join(ps, "\n\n")
		if blank(ch.Text) {
			continue
		}
		st.Chapters = append(st.Chapters, ch)
	}
	// A single chapter's (or the last chapter's) end notes are the work's.
	if n := len(st.Chapters); n > 0 && st.EndNotes == "" {
		st.EndNotes = st.Chapters[n-1].EndNotes
		st.Chapters[n-1].EndNotes = ""
	}
	if n := len(st.Chapters); n == 1 && st.Notes == "" && st.Chapters[0].Notes != "" {
		st.Notes = st.Chapters[0].Notes
		st.Chapters[0].Notes = ""
	}
	if st.Title == "" {
		st.Title = fallbackTitle
	}
	// A file holds the whole work as its writer shared it: not a work in
	// progress unless it says so.
	if st.ChaptersExpected == 0 {
		st.ChaptersExpected = len(st.Chapters)
	}
	if st.Title == "" {
		st.Title = "Untitled"
	}
}

func hasPrefaceMarkers(pre []string) bool {
	for _, p := range pre {
		if summaryOwnRe.MatchString(p) || notesOwnRe.MatchString(p) || bylineRe.MatchString(p) {
			return true
		}
	}
	return false
}

// readPreface takes title, byline, summary and notes from the paragraphs
// before the text. When all is true every paragraph is preface material;
// otherwise only a leading title line (when firstLineTitle) and labelled fields are taken and the
// remaining paragraphs are returned as text.
func readPreface(st *Story, pre []string, all, firstLineTitle bool) []string {
	// A short first block ("Title\nby Author") is read line by line.
	if len(pre) > 0 && strings.Count(pre[0], "\n") <= 3 && strings.Contains(pre[0], "\n") {
		lines := strings.Split(pre[0], "\n")
		if looksLikeTitle(lines[0]) && (all || bylineRe.MatchString(lines[1])) {
			pre = append(lines, pre[1:]...)
		}
	}
	i := 0
	if len(pre) > 0 && (all || (firstLineTitle && len(pre) > 1)) && looksLikeTitle(pre[0]) {
		if st.Title == "" {
			st.Title = cleanSpace(strings.Trim(pre[0], "#*_ "))
		}
		i = 1
	}
	for ; i < len(pre); i++ {
		p := pre[i]
		if m := bylineRe.FindStringSubmatch(p); m != nil && !strings.Contains(p, "\n") {
			if len(st.Authors) == 0 {
				st.Authors = []string{cleanSpace(m[1])}
			}
			continue
		}
		if loc := summaryOwnRe.FindStringIndex(p); loc != nil {
			s := strings.TrimSpace(p[loc[1]:])
			if s == "" && i+1 < len(pre) {
				i++
				s = pre[i]
			}
			st.Summary = joinNotes(st.Summary, s)
			continue
		}
		if loc := notesOwnRe.FindStringIndex(p); loc != nil && (all || i+1 < len(pre)) {
			s := strings.TrimSpace(p[loc[1]:])
			if s == "" && i+1 < len(pre) {
				i++
				s = pre[i]
			}
			st.Notes = joinNotes(st.Notes, s)
			continue
		}
		if !all {
			return pre[i:]
		}
		if st.Title == "" && looksLikeTitle(p) {
			st.Title = cleanSpace(p)
		}
	}
	return nil
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "\n\n" + b
}

// looksLikeTitle reports whether a paragraph reads like a title: one short
// line that is not a sentence.
func looksLikeTitle(p string) bool {
	if strings.Contains(p, "\n") {
		return false
	}
	n := utf8.RuneCountInString(p)
	if n == 0 || n > 100 || len(strings.Fields(p)) > 14 {
		return false
	}
	if bylineRe.MatchString(p) || summaryOwnRe.MatchString(p) || notesOwnRe.MatchString(p) {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(p, "*_ "))
	switch last {
	case '.', ',', ';', ':', '"', '”', '’', '…':
		return strings.HasSuffix(p, "...") && len(strings.Fields(p)) <= 6
	}
	return true
}

// splitTrailingNotes moves an author's trailing notes out of a chapter's
// paragraphs: a paragraph starting with a notes label ("Notes:", "A/N:",
// "Author's Note:", "End Notes") near the end, or a label following the
// last sentence inside the final paragraph.
func splitTrailingNotes(ps []string) ([]string, string) {
	if len(ps) == 0 {
		return ps, ""
	}
	// Own paragraph, among the last few, with only short text after it.
	start := max(1, len(ps)-6)
	for i := start; i < len(ps); i++ {
		loc := notesOwnRe.FindStringIndex(ps[i])
		if loc == nil {
			continue
		}
		tail := append([]string{strings.TrimSpace(ps[i][loc[1]:])}, ps[i+1:]...)
		notes := strings.TrimSpace(strings.Join(tail, "\n\n"))
		if CountWords(notes) > 600 {
			continue
		}
		return ps[:i], notes
	}
	// Inside the last paragraph, right after a sentence.
	last := ps[len(ps)-1]
	locs := notesMidRe.FindAllStringSubmatchIndex(last, -1)
	if len(locs) > 0 {
		loc := locs[0]
		notes := strings.TrimSpace(last[loc[1]:])
		body := strings.TrimSpace(last[:loc[3]])
		if notes != "" && CountWords(notes) <= 400 && body != "" {
			out := append(ps[:len(ps)-1:len(ps)-1], body)
			return out, notes
		}
	}
	return ps, ""
}
