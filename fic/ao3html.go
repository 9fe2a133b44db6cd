package fic

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ficshelf/htmlnode"
)

// ImportHTML parses an HTML document (an AO3 download or any page with
// prose) into a Story. See Import.
func ImportHTML(filename, text string) (*Story, error) {
	return importHTML(filename, text)
}

func importHTML(filename, text string) (*Story, error) {
	doc, err := parseHTML([]byte(text))
	if errors.Is(err, ErrTooDeep) {
		return nil, importErr(ErrTooDeep, msgTooDeep, err)
	}
	if err != nil {
		return nil, importErr(ErrNotStory, msgNotStory, err)
	}
	st := &Story{}
	if parseAO3([]*html.Node{doc}, st) {
		if err := finishAO3(st, filename); err != nil {
			return nil, err
		}
		return st, nil
	}
	return genericHTML(st, []*html.Node{doc}, filename)
}

// genericHTML imports HTML that is not an AO3 download: its prose goes
// through the plain-text rules (chapter headings, notes), with the page's
// <title> as a fallback title.
func genericHTML(st *Story, docs []*html.Node, filename string) (*Story, error) {
	var paras []string
	fallback := ""
	for _, doc := range docs {
		if fallback == "" {
			if t := tree.FindFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.Title }); t != nil {
				fallback = inlineText(t)
			}
		}
		// The first <h1> of the book is its title, not text.
		if st.Title == "" {
			if h := tree.FindFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.H1 }); h != nil {
				if _, chapter := parseHeading(inlineText(h)); !chapter && inlineText(h) != "" {
					st.Title = inlineText(h)
					h.Parent.RemoveChild(h)
				}
			}
		}
		body := tree.FindFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.Body })
		if body == nil {
			body = doc
		}
		if txt := readerText(body); txt != "" {
			paras = append(paras, strings.Split(txt, "\n\n")...)
		}
	}
	if CountWords(strings.Join(paras, " ")) == 0 {
		return nil, importErr(ErrNoProse, msgNoProse, nil)
	}
	if fallback == "" {
		fallback = titleFromFilename(filename)
	}
	buildTextStory(st, paras, fallback, false)
	if len(st.Chapters) == 0 {
		return nil, importErr(ErrNoProse, msgNoProse, nil)
	}
	st.Finish()
	return st, nil
}

func finishAO3(st *Story, filename string) error {
	kept := st.Chapters[:0]
	for _, c := range st.Chapters {
		if strings.TrimSpace(c.Text) != "" {
			kept = append(kept, c)
		}
	}
	st.Chapters = kept
	if len(st.Chapters) == 0 {
		return importErr(ErrNoProse, msgNoProse, nil)
	}
	if st.Title == "" {
		st.Title = titleFromFilename(filename)
	}
	if st.Title == "" {
		st.Title = "Untitled"
	}
	if st.AO3ID != 0 && st.AO3URL == "" {
		st.AO3URL = ao3WorkURL(st.AO3ID)
	}
	st.Finish()
	return nil
}

func ao3WorkURL(id int64) string {
	return "https://archiveofourown.org/works/" + strconv.FormatInt(id, 10)
}

func idIs(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return htmlnode.Attr(n, "id") == id }
}

// parseAO3 reads the AO3 download structure (ids preface, chapters,
// afterword, endnotes and label texts, never class names, which Calibre
// renames) from one or more documents in reading order. It reports false
// when the documents have no AO3 structure.
func parseAO3(docs []*html.Node, st *Story) bool {
	var prefaces, chapters, afterwords []*html.Node
	for _, d := range docs {
		prefaces = append(prefaces, tree.FindAll(d, idIs("preface"))...)
		chapters = append(chapters, tree.FindAll(d, idIs("chapters"))...)
		afterwords = append(afterwords, tree.FindAll(d, idIs("afterword"))...)
	}
	if len(chapters) == 0 {
		return false
	}
	for _, p := range prefaces {
		readAO3Preface(p, st)
	}
	if st.Title == "" {
		for _, d := range docs {
			if t := tree.FindFirst(d, func(n *html.Node) bool { return n.DataAtom == atom.Title }); t != nil {
				// "<title>Work Title - author - Fandom</title>"
				title := inlineText(t)
				if i := strings.Index(title, " - "); i > 0 {
					title = title[:i]
				}
				st.Title = title
				break
			}
		}
	}
	cw := &chapterWalker{}
	for _, c := range chapters {
		cw.visit(c, 0)
	}
	st.Chapters = cw.finish()
	for _, a := range afterwords {
		for _, e := range tree.FindAll(a, idIs("endnotes")) {
			st.EndNotes = joinNotes(st.EndNotes, labelledText(e))
		}
	}
	return true
}

// labelledText returns the text of the blockquotes in a notes block (or
// the block's own text minus its label when there is no blockquote).
func labelledText(n *html.Node) string {
	var parts []string
	for _, bq := range tree.FindAll(n, func(n *html.Node) bool { return n.DataAtom == atom.Blockquote }) {
		if t := childrenText(bq); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n")
}

func readAO3Preface(p *html.Node, st *Story) {
	for _, dl := range tree.FindAll(p, func(n *html.Node) bool { return n.DataAtom == atom.Dl }) {
		readMetaList(dl, st)
	}
	if st.Title == "" {
		if h := tree.FindFirst(p, func(n *html.Node) bool { return n.DataAtom == atom.H1 }); h != nil {
			st.Title = inlineText(h)
		}
	}
	isMessage := func(n *html.Node) bool {
		return n.DataAtom == atom.P && (htmlnode.HasNumberedClass(n, "message") || strings.Contains(inlineText(n), "Posted originally on"))
	}
	for _, m := range tree.FindAll(p, isMessage) {
		if st.Title == "" {
			if b := tree.FindFirst(m, func(n *html.Node) bool { return n.DataAtom == atom.B || n.DataAtom == atom.Strong }); b != nil {
				st.Title = inlineText(b)
			}
		}
		if st.AO3ID == 0 {
			for _, a := range tree.FindAll(m, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
				if id, ok := ParseAO3Link(htmlnode.Attr(a, "href")); ok {
					st.AO3ID = id
					break
				}
			}
		}
	}
	if len(st.Authors) == 0 {
		if by := tree.FindFirst(p, func(n *html.Node) bool { return htmlnode.HasClass(n, "byline") }); by != nil {
			st.Authors = bylineAuthors(by)
		}
	}
	readLabelledBlocks(p, func(label, text string) {
		switch label {
		case "summary":
			st.Summary = joinNotes(st.Summary, text)
		case "notes", "author's notes", "author's note":
			st.Notes = joinNotes(st.Notes, text)
		case "end notes":
			st.EndNotes = joinNotes(st.EndNotes, text)
		}
	})
}

// bylineAuthors reads the creators from a byline: a[rel=author] links, or
// the text after "by" when there are none (anonymous works).
func bylineAuthors(by *html.Node) []string {
	var out []string
	for _, a := range tree.FindAll(by, func(n *html.Node) bool { return n.DataAtom == atom.A && htmlnode.Attr(n, "rel") == "author" }) {
		if t := inlineText(a); t != "" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		t := inlineText(by)
		t = strings.TrimSpace(strings.TrimPrefix(t, "by "))
		if t != "" && !strings.EqualFold(t, "by") {
			for _, a := range strings.Split(t, ",") {
				if a = strings.TrimSpace(a); a != "" {
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// normLabel lower-cases a label and drops its colon: "Archive Warnings:"
// becomes "archive warnings".
func normLabel(s string) string {
	s = strings.ToLower(cleanSpace(s))
	s = strings.TrimRight(s, ": ")
	return strings.ReplaceAll(s, "’", "'")
}

// isBlockLabel reports whether a paragraph's text is one of AO3's labels
// for a notes block.
func isBlockLabel(s string) (string, bool) {
	switch l := normLabel(s); l {
	case "summary", "notes", "end notes", "chapter summary", "chapter notes", "chapter end notes",
		"author's note", "author's notes":
		return l, true
	}
	return "", false
}

// readLabelledBlocks finds "Summary" / "Notes" / "End Notes" label
// paragraphs and hands over the text of the blockquote that follows each.
func readLabelledBlocks(root *html.Node, fn func(label, text string)) {
	for _, p := range tree.FindAll(root, func(n *html.Node) bool {
		if n.DataAtom != atom.P && n.DataAtom != atom.H3 && n.DataAtom != atom.H4 {
			return false
		}
		_, ok := isBlockLabel(inlineText(n))
		return ok
	}) {
		label, _ := isBlockLabel(inlineText(p))
		if bq := nextElement(p); bq != nil && bq.DataAtom == atom.Blockquote {
			fn(label, childrenText(bq))
		}
	}
}

func nextElement(n *html.Node) *html.Node {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.ElementNode {
			return s
		}
		if s.Type == html.TextNode && strings.TrimSpace(s.Data) != "" {
			return nil
		}
	}
	return nil
}

// readMetaList reads dt/dd pairs of a preface or work-page <dl> by label.
func readMetaList(dl *html.Node, st *Story) {
	var label string
	for c := dl.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch c.DataAtom {
		case atom.Dt:
			label = normLabel(inlineText(c))
		case atom.Dd:
			readMetaField(label, c, st)
		}
	}
}

func readMetaField(label string, dd *html.Node, st *Story) {
	switch label {
	case "rating", "ratings":
		vals := ddValues(dd)
		if len(vals) > 0 {
			r, _ := ParseRating(vals[0])
			st.Rating = r
		}
	case "archive warning", "archive warnings", "warning", "warnings":
		st.Warnings = appendUnique(st.Warnings, ddValues(dd)...)
	case "category", "categories":
		st.Categories = appendUnique(st.Categories, ddValues(dd)...)
	case "fandom", "fandoms":
		st.Fandoms = appendUnique(st.Fandoms, ddValues(dd)...)
	case "relationship", "relationships", "pairing", "pairings":
		st.Relationships = appendUnique(st.Relationships, ddValues(dd)...)
	case "character", "characters":
		st.Characters = appendUnique(st.Characters, ddValues(dd)...)
	case "additional tags", "additional tag", "freeform", "freeforms", "tags", "other tags":
		st.Tags = appendUnique(st.Tags, ddValues(dd)...)
	case "language":
		st.Language = inlineText(dd)
	case "series":
		addSeries(st, seriesValues(dd)...)
	case "stats":
		if inner := tree.FindFirst(dd, func(n *html.Node) bool { return n.DataAtom == atom.Dl }); inner != nil && inner != dd {
			readMetaList(inner, st)
		} else {
			readStatsText(inlineText(dd), st)
		}
	case "published", "updated", "completed", "words", "chapters", "kudos", "hits":
		readStat(label, inlineText(dd), st)
	}
}

// ddValues returns a tag list: the link texts, or comma-separated text
// when there are no links.
func ddValues(dd *html.Node) []string {
	var out []string
	for _, a := range tree.FindAll(dd, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
		if t := inlineText(a); t != "" {
			out = append(out, t)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, v := range strings.Split(inlineText(dd), ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

var (
	seriesPartRe = regexp.MustCompile(`(?i)part\s+(\d+)\s+of\s*$`)
	seriesHrefRe = regexp.MustCompile(`/series/(\d{1,18})/?(?:[?#].*)?$`)
	workHrefRe   = regexp.MustCompile(`/works/\d+`)
	seriesTextRe = regexp.MustCompile(`(?i)^(?:part\s+)?(\d+)\s+of\s+(.+)$`)
)

// seriesValues reads a Series field: a download's "Part 2 of <a>Series</a>,
// Part 1 of <a>Other</a>" or a work page's "<a class=previous>← Previous
// Work</a> Part 2 of <a>Series</a> <a class=next>Next Work →</a>" per
// series. The neighbour-work links are not series. Each series' ID comes
// from its link (/series/N) when it has one.
func seriesValues(dd *html.Node) []SeriesRef {
	var out []SeriesRef
	var prefix strings.Builder
	var rec func(n *html.Node)
	rec = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				prefix.WriteString(c.Data)
			case isElem(c, atom.A):
				href := htmlnode.Attr(c, "href")
				if htmlnode.HasClass(c, "previous") || htmlnode.HasClass(c, "next") || workHrefRe.MatchString(href) {
					prefix.Reset()
					continue
				}
				name := inlineText(c)
				if name == "" {
					continue
				}
				ref := SeriesRef{Title: name}
				if m := seriesPartRe.FindStringSubmatch(cleanSpace(prefix.String())); m != nil {
					ref.Part, _ = strconv.Atoi(m[1])
				}
				if m := seriesHrefRe.FindStringSubmatch(href); m != nil {
					ref.ID, _ = strconv.ParseInt(m[1], 10, 64)
				}
				out = append(out, ref)
				prefix.Reset()
			case c.Type == html.ElementNode:
				rec(c)
			}
		}
	}
	rec(dd)
	if len(out) == 0 {
		for _, t := range strings.Split(inlineText(dd), ", Part ") {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if m := seriesTextRe.FindStringSubmatch(t); m != nil {
				part, _ := strconv.Atoi(m[1])
				out = append(out, SeriesRef{Title: m[2], Part: part})
			} else {
				out = append(out, SeriesRef{Title: t})
			}
		}
	}
	return out
}

// addSeries records series membership both as labels and as refs, once per
// series.
func addSeries(st *Story, refs ...SeriesRef) {
outer:
	for _, r := range refs {
		r.Title = cleanSpace(r.Title)
		if r.Title == "" {
			continue
		}
		for i, have := range st.SeriesRefs {
			if (r.ID != 0 && have.ID == r.ID) || (r.ID == 0 || have.ID == 0) && have.Title == r.Title {
				if have.ID == 0 {
					st.SeriesRefs[i].ID = r.ID
				}
				if have.Part == 0 {
					st.SeriesRefs[i].Part = r.Part
				}
				continue outer
			}
		}
		st.SeriesRefs = append(st.SeriesRefs, r)
		st.Series = appendUnique(st.Series, r.SeriesLabel())
	}
}

var statRe = regexp.MustCompile(`(?i)\b(published|updated|completed|words|chapters|kudos|hits|comments|bookmarks)\s*:\s*([0-9][0-9,./?-]*|\?)`)

func readStatsText(s string, st *Story) {
	for _, m := range statRe.FindAllStringSubmatch(s, -1) {
		readStat(strings.ToLower(m[1]), m[2], st)
	}
}

func readStat(label, v string, st *Story) {
	v = strings.TrimSpace(v)
	switch label {
	case "published":
		if t, ok := parseDate(v); ok {
			st.Published = t
		}
	case "updated", "completed":
		if t, ok := parseDate(v); ok {
			st.Updated = t
		}
	case "words":
		st.Words = parseCount(v)
	case "kudos":
		st.Kudos = parseCount(v)
	case "hits":
		st.Hits = parseCount(v)
	case "chapters":
		posted, expected, _ := strings.Cut(strings.ReplaceAll(v, " ", ""), "/")
		st.ChaptersPosted = parseCount(posted)
		st.ChaptersExpected = parseCount(expected) // "?" is 0: in progress
	}
}

func parseCount(s string) int {
	s = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == ',' || r == '.' || r == ' ' || r == '\u00a0' {
			return -1
		}
		return 'x'
	}, strings.TrimSpace(s))
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func appendUnique(list []string, vals ...string) []string {
outer:
	for _, v := range vals {
		v = cleanSpace(v)
		if v == "" {
			continue
		}
		for _, have := range list {
			if have == v {
				continue outer
			}
		}
		list = append(list, v)
	}
	return list
}

// chapterWalker reads the #chapters region: headings start chapters, label
// paragraphs route the following blockquote to chapter notes or end notes,
// #endnotesN blocks are chapter end notes, and prose containers are text.
type chapterWalker struct {
	chapters []Chapter
	parts    [][]string // text paragraphs of each chapter, joined by finish
	label    string
	inline   textWriter
}

func (cw *chapterWalker) cur() *Chapter {
	if len(cw.chapters) == 0 {
		cw.chapters = append(cw.chapters, Chapter{})
		cw.parts = append(cw.parts, nil)
	}
	return &cw.chapters[len(cw.chapters)-1]
}

func (cw *chapterWalker) heading(t string) {
	if t == "" {
		return
	}
	title := t
	if h, ok := parseHeading(t); ok {
		title = h
	}
	if n := len(cw.chapters); n == 0 || len(cw.parts[n-1]) > 0 || cw.chapters[n-1].Notes != "" || cw.chapters[n-1].EndNotes != "" {
		cw.chapters = append(cw.chapters, Chapter{Title: title})
		cw.parts = append(cw.parts, nil)
		return
	}
	cw.chapters[len(cw.chapters)-1].Title = title
}

func (cw *chapterWalker) addText(t string) {
	if t == "" {
		return
	}
	cw.cur()
	n := len(cw.parts) - 1
	cw.parts[n] = append(cw.parts[n], t)
}

// finish joins each chapter's paragraphs into its Text.
func (cw *chapterWalker) finish() []Chapter {
	for i := range cw.chapters {
		cw.chapters[i].Text = strings.Join(cw.parts[i], "\n\n")
	}
	return cw.chapters
}

func (cw *chapterWalker) flushInline() {
	if t := cw.inline.text(); t != "" {
		cw.addText(t)
	}
	cw.inline = textWriter{}
}

func (cw *chapterWalker) notes(t string) {
	if t == "" {
		return
	}
	c := cw.cur()
	switch cw.label {
	case "chapter end notes", "end notes":
		c.EndNotes = joinNotes(c.EndNotes, t)
	case "chapter summary", "summary":
		c.Notes = joinNotes(c.Notes, "Summary: "+t)
	default:
		if len(cw.parts[len(cw.parts)-1]) > 0 {
			c.EndNotes = joinNotes(c.EndNotes, t)
		} else {
			c.Notes = joinNotes(c.Notes, t)
		}
	}
}

func isHeadingElem(n *html.Node) bool {
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4:
		return true
	}
	return false
}

func isByline(n *html.Node) bool {
	if htmlnode.HasNumberedClass(n, "byline") {
		return true
	}
	t := inlineText(n)
	return strings.HasPrefix(t, "by ") && tree.FindFirst(n, func(a *html.Node) bool { return htmlnode.Attr(a, "rel") == "author" }) != nil
}

// isWrapper reports whether a div in the chapters region is structure (a
// chapter, its meta group) rather than prose.
func isWrapper(n *html.Node) bool {
	if htmlnode.HasNumberedClass(n, "userstuff") {
		return false
	}
	prose := false
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			if strings.TrimSpace(strings.ReplaceAll(c.Data, "\u00a0", " ")) != "" {
				prose = true
			}
		case html.ElementNode:
			if isHeadingElem(c) {
				return true
			}
			if c.DataAtom == atom.P {
				if _, ok := isBlockLabel(inlineText(c)); ok {
					return true
				}
				if !isByline(c) {
					prose = true
				}
			}
			if c.DataAtom == atom.Div && (htmlnode.HasNumberedClass(c, "userstuff") || strings.HasPrefix(htmlnode.Attr(c, "id"), "endnotes") || htmlnode.HasNumberedClass(c, "endnote-link")) {
				return true
			}
			if c.DataAtom == atom.Br || c.DataAtom == atom.Em || c.DataAtom == atom.I || c.DataAtom == atom.Span {
				prose = true
			}
		}
	}
	return !prose
}

func (cw *chapterWalker) visit(n *html.Node, depth int) {
	if depth > maxDepth {
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			cw.inline.walk(c, 0)
			continue
		case html.ElementNode:
		default:
			continue
		}
		if skipped(c.DataAtom) {
			continue
		}
		if !isBlock(c.DataAtom) && c.DataAtom != atom.Br {
			cw.inline.walk(c, 0)
			continue
		}
		if c.DataAtom == atom.Br {
			cw.inline.br()
			continue
		}
		cw.flushInline()
		switch {
		case isHeadingElem(c):
			cw.heading(inlineText(c))
			cw.label = ""
		case c.DataAtom == atom.P:
			if l, ok := isBlockLabel(inlineText(c)); ok {
				cw.label = l
				continue
			}
			if isByline(c) {
				continue
			}
			cw.addText(nodeText(c))
		case c.DataAtom == atom.Blockquote:
			if cw.label != "" {
				cw.notes(childrenText(c))
				cw.label = ""
			} else {
				cw.addText(nodeText(c))
			}
		case htmlnode.HasNumberedClass(c, "endnote-link"):
		case strings.HasPrefix(htmlnode.Attr(c, "id"), "endnotes"):
			saved := cw.label
			cw.label = "chapter end notes"
			cw.visitNotes(c)
			cw.label = saved
		case isWrapper(c):
			cw.visit(c, depth+1)
		default:
			cw.addText(nodeText(c))
		}
	}
	cw.flushInline()
}

// visitNotes reads a chapter end notes block: its blockquotes, or its text
// without the label.
func (cw *chapterWalker) visitNotes(n *html.Node) {
	if t := labelledText(n); t != "" {
		cw.notes(t)
		return
	}
	var parts []string
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			if _, ok := isBlockLabel(inlineText(c)); ok {
				continue
			}
		}
		if t := nodeText(c); t != "" {
			parts = append(parts, t)
		}
	}
	cw.notes(strings.Join(parts, "\n\n"))
}
