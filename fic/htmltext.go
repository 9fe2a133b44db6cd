package fic

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ficshelf/htmlnode"
)

// HTML prose is converted to text as follows (the same for AO3 HTML, EPUB
// and any other HTML page):
//   - paragraphs and other block elements (p, div, blockquote, headings,
//     list items, table rows, hr) end a paragraph: paragraphs are separated
//     by "\n\n";
//   - one <br> is a line break ("\n") inside a paragraph; two or more in a
//     row end the paragraph;
//   - <em>/<i> become *x* and <strong>/<b> become **x** (Discord Markdown)
//     when their content is a single line of text without asterisks or
//     underscores; otherwise their text is kept plain;
//   - in pages that are not AO3 downloads, only what a reader would take
//     for story text is kept: navigation, menus and forms are dropped, and
//     so is every paragraph whose words are all inside links;
//   - scripts, styles, templates and the document head are dropped, entities
//     are decoded, runs of white space (including no-break spaces) inside a
//     paragraph collapse to one space, and empty paragraphs are dropped.

// textWriter accumulates paragraphs.
type textWriter struct {
	paras   []string
	cur     strings.Builder
	pending int  // <br>s seen since the last text
	space   bool // a space is owed before the next text

	// proseOnly keeps only what a reader would take for story text: it
	// drops navigation and menus (see notProse) and every paragraph whose
	// words are all inside links ("home", "Next chapter »", a list of
	// links). For pages that are not AO3 downloads.
	proseOnly bool
	inLink    int  // depth of <a> elements around the current text
	prose     bool // the current paragraph has words outside links
}

func (w *textWriter) breakPara() {
	w.pending = 0
	w.space = false
	prose := w.prose
	w.prose = false
	if w.cur.Len() == 0 {
		return
	}
	p := strings.TrimSpace(w.cur.String())
	w.cur.Reset()
	if p != "" && (prose || !w.proseOnly) {
		w.paras = append(w.paras, p)
	}
}

func (w *textWriter) br() { w.pending++ }

// write appends inline text whose white space is already collapsed, except
// that s may begin or end with a single space.
func (w *textWriter) write(s string) {
	if s == "" {
		return
	}
	lead := s[0] == ' '
	trail := s[len(s)-1] == ' '
	s = strings.TrimSpace(s)
	if s == "" {
		if w.cur.Len() > 0 {
			w.space = true
		}
		return
	}
	if w.pending > 0 {
		if w.pending >= 2 {
			w.breakPara()
		} else if w.cur.Len() > 0 {
			w.cur.WriteByte('\n')
		}
		w.pending = 0
		w.space = false
		lead = false
	}
	if (lead || w.space) && w.cur.Len() > 0 {
		w.cur.WriteByte(' ')
	}
	if w.inLink == 0 && !w.prose && strings.IndexFunc(s, isLetterOrDigit) >= 0 {
		w.prose = true
	}
	w.cur.WriteString(s)
	w.space = trail
}

func (w *textWriter) text() string {
	w.breakPara()
	return strings.Join(w.paras, "\n\n")
}

// collapse turns every run of white space into one space.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	sp := false
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r', '\f', '\v', '\u00a0', '\u200b':
			sp = true
			continue
		}
		if sp {
			b.WriteByte(' ')
			sp = false
		}
		b.WriteRune(r)
	}
	if sp {
		b.WriteByte(' ')
	}
	return b.String()
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Blockquote, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd, atom.Table, atom.Tr, atom.Tbody,
		atom.Thead, atom.Tfoot, atom.Caption, atom.Section, atom.Article, atom.Header, atom.Footer,
		atom.Aside, atom.Nav, atom.Figure, atom.Figcaption, atom.Hr, atom.Pre, atom.Center,
		atom.Main, atom.Address, atom.Details, atom.Summary, atom.Body, atom.Html, atom.Form,
		atom.Fieldset:
		return true
	}
	return false
}

func skipped(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template,
		atom.Iframe, atom.Object, atom.Svg, atom.Math, atom.Select, atom.Button, atom.Textarea:
		return true
	}
	return false
}

// nodeText converts the prose under n to paragraphs.
func nodeText(n *html.Node) string {
	var w textWriter
	w.walk(n, 0)
	return w.text()
}

// readerText is nodeText keeping only what a reader would see as story
// text: no navigation, no menus, no paragraph made only of links.
func readerText(n *html.Node) string {
	w := textWriter{proseOnly: true}
	w.walk(n, 0)
	return w.text()
}

// childrenText converts the prose of n's children (not n itself) to text.
func childrenText(n *html.Node) string {
	var w textWriter
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, 0)
	}
	return w.text()
}

// maxDepth bounds every walk of a parsed tree (see package htmlnode); the
// HTML parser itself refuses documents nested deeper than 512 elements.
const maxDepth = 512

// tree searches parsed trees within maxDepth.
const tree = htmlnode.Depth(maxDepth)

func (w *textWriter) walk(n *html.Node, depth int) {
	if depth > maxDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		w.write(collapse(n.Data))
		return
	case html.ElementNode:
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, depth+1)
		}
		return
	default:
		return
	}
	if skipped(n.DataAtom) || w.proseOnly && notProse(n) {
		return
	}
	switch n.DataAtom {
	case atom.Br:
		w.br()
		return
	case atom.Em, atom.I, atom.Cite, atom.Strong, atom.B:
		if (!w.proseOnly || tree.FindFirst(n, isLink) == nil) && w.emphasis(n) {
			return
		}
	case atom.A:
		if isLink(n) {
			w.inLink++
			defer func() { w.inLink-- }()
		}
	}
	block := isBlock(n.DataAtom)
	if block {
		w.breakPara()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, depth+1)
	}
	if block {
		w.breakPara()
	}
}

// isLink reports a link (<a href>; an <a name> anchor is no link).
func isLink(n *html.Node) bool { return n.DataAtom == atom.A && htmlnode.Attr(n, "href") != "" }

// notProse reports page furniture a reader does not read as the story:
// navigation and menus (<nav>, <menu>, a navigation, menu or banner role,
// or a class or id naming a nav, menu, breadcrumb or sidebar) and forms.
func notProse(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Nav, atom.Menu, atom.Form:
		return true
	}
	switch strings.ToLower(htmlnode.Attr(n, "role")) {
	case "navigation", "menu", "menubar", "banner", "search", "contentinfo":
		return true
	}
	for _, key := range []string{"class", "id"} {
		for _, name := range strings.Fields(strings.ToLower(htmlnode.Attr(n, key))) {
			for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
				switch part {
				case "nav", "navbar", "navigation", "menu", "menubar", "breadcrumb", "breadcrumbs", "sidebar", "skiplink":
					return true
				}
			}
		}
	}
	return false
}

// emphasis writes a simple <em>/<strong> as Markdown and reports whether it
// did; complex content is left to the plain walk.
func (w *textWriter) emphasis(n *html.Node) bool {
	var b strings.Builder
	if !inlineOnly(n, &b, 0) {
		return false
	}
	raw := collapse(b.String())
	inner := strings.TrimSpace(raw)
	if inner == "" || strings.ContainsAny(inner, "*_~`\\|") {
		return false
	}
	mark := "*"
	if n.DataAtom == atom.Strong || n.DataAtom == atom.B {
		mark = "**"
	}
	out := mark + inner + mark
	if strings.HasPrefix(raw, " ") {
		out = " " + out
	}
	if strings.HasSuffix(raw, " ") {
		out += " "
	}
	w.write(out)
	return true
}

// inlineOnly collects the text of n when it holds only text and inline
// elements (no blocks, no line breaks, no nested emphasis).
func inlineOnly(n *html.Node, b *strings.Builder, depth int) bool {
	if depth > 16 {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		switch c.Type {
		case html.TextNode:
			b.WriteString(c.Data)
		case html.ElementNode:
			if skipped(c.DataAtom) {
				continue
			}
			switch c.DataAtom {
			case atom.Br, atom.Em, atom.I, atom.Strong, atom.B, atom.Cite, atom.Img:
				return false
			}
			if isBlock(c.DataAtom) || !inlineOnly(c, b, depth+1) {
				return false
			}
		}
	}
	return true
}

// inlineText is the text of n on one line: spaces collapsed, scripts and
// the like left out, line breaks and blocks separating words.
func inlineText(n *html.Node) string { return tree.Text(n, inlineRules) }

var inlineRules = htmlnode.TextRules{
	Skip:     skipped,
	Separate: func(a atom.Atom) bool { return a == atom.Br || isBlock(a) },
}

func isElem(n *html.Node, a atom.Atom) bool {
	return n != nil && n.Type == html.ElementNode && n.DataAtom == a
}
