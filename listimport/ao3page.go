package listimport

import (
	"bytes"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// maxDepth bounds every walk of the tree; the HTML parser itself refuses
// documents nested deeper than 512 elements.
const maxDepth = 600

// ao3Origin resolves the relative links of a page saved with "HTML only".
var ao3Origin = &url.URL{Scheme: "https", Host: "archiveofourown.org"}

// ParseAO3Page reads an AO3 page saved from a browser. Each work blurb
// (li.blurb: h4.heading with the work link and a[rel=author] bylines,
// h5.fandoms) is a work; blurbs of series, external works, deleted works
// and unrevealed Mystery Works are counted as skipped. The page's kind
// sets the status:
//
//   - Bookmarks (li.bookmark blurbs): the status a bookmarker's tag names
//     ("Read", "Currently Reading", "TBR", "DNF"; see readStatus), else
//     to-read, with the bookmarker's notes as the note;
//   - Marked for Later (the readings page, headed "Marked for Later"):
//     to-read;
//   - History (the readings page otherwise): reading, or to-read for a work
//     the blurb says is also marked for later. AO3's history does not say
//     which chapter was read, so none is set;
//   - a series page or a user's works page (or any list of work blurbs):
//     to-read.
//
// An HTML page without blurbs is read for its links to AO3 works
// (FormatLinks), except a single work's page, which is refused.
func ParseAO3Page(data []byte, extraHosts ...string) (Result, error) {
	return parseAO3Page(bytes.NewReader(data), extraHosts)
}

func parseAO3Page(r io.Reader, extraHosts []string) (Result, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return Result{}, notAccepted("That HTML page is nested too deeply for me to read.")
	}
	blurbs := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Li && hasClass(n, "blurb") })
	if len(blurbs) == 0 {
		if findFirst(doc, func(n *html.Node) bool {
			return n.DataAtom == atom.Dl && hasClass(n, "work") && hasClass(n, "meta") || attr(n, "id") == "workskin"
		}) != nil {
			return Result{}, notAccepted("That is one work's page, not a list: add it with `/readinglist add` (or `/story add` with its link).")
		}
		return pageLinks(doc, extraHosts), nil
	}
	format := pageKind(doc, blurbs)
	c := newCollector(format)
	for _, b := range blurbs {
		readBlurb(c, b, format, extraHosts)
	}
	return c.res, nil
}

// pageKind tells which AO3 page the blurbs come from.
func pageKind(doc *html.Node, blurbs []*html.Node) Format {
	first := blurbs[0]
	switch {
	case hasClass(first, "bookmark"):
		return FormatAO3Bookmarks
	case hasClass(first, "reading"):
		// The page's own heading says which list it is, after the
		// dashboard's heading with the user's name; the list's tab is
		// also marked as the current one.
		if findFirst(doc, func(n *html.Node) bool {
			return (n.DataAtom == atom.H2 && hasClass(n, "heading") || n.DataAtom == atom.Span && hasClass(n, "current")) &&
				strings.EqualFold(text(n), "Marked for Later")
		}) != nil {
			return FormatAO3MarkedLater
		}
		return FormatAO3History
	}
	if findFirst(doc, func(n *html.Node) bool {
		return (n.DataAtom == atom.Ul && hasClass(n, "series") && hasClass(n, "index")) ||
			(n.DataAtom == atom.Dl && hasClass(n, "series") && hasClass(n, "meta"))
	}) != nil {
		return FormatAO3Series
	}
	return FormatAO3Works
}

// readBlurb adds the work of one blurb, or counts why it is skipped.
func readBlurb(c *collector, b *html.Node, format Format, extraHosts []string) {
	if hasClass(b, "deleted") {
		c.skip(ReasonDeleted, "")
		return
	}
	if findFirst(b, func(n *html.Node) bool { return hasClass(n, "mystery") }) != nil { // the blurb or its header
		c.skip(ReasonMystery, "")
		return
	}
	header := findFirst(b, func(n *html.Node) bool { return hasClass(n, "header") && hasClass(n, "module") })
	var h4 *html.Node
	if header != nil {
		h4 = findFirst(header, func(n *html.Node) bool { return n.DataAtom == atom.H4 && hasClass(n, "heading") })
	}
	if h4 == nil {
		// A bookmark whose item AO3 has deleted keeps only its
		// bookmarker's part and a message.
		c.skip(ReasonDeleted, "")
		return
	}
	var link *html.Node
	var authors []string
	for _, a := range findAll(h4, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
		switch {
		case attr(a, "rel") == "author":
			if s := text(a); s != "" && !containsFold(authors, s) {
				authors = append(authors, s)
			}
		case link == nil && attr(a, "href") != "":
			link = a
		}
	}
	if link == nil {
		c.skip(ReasonNoLink, text(h4))
		return
	}
	title := text(link)
	href := attr(link, "href")
	kind, id := blurbTarget(href, extraHosts)
	switch kind {
	case "series":
		c.skip(ReasonSeries, title)
		return
	case "external":
		c.skip(ReasonExternal, title)
		return
	case "work":
	default:
		if hasClass(b, "external-work") || classWithPrefix(b, "external-work-") {
			c.skip(ReasonExternal, title)
		} else if classWithPrefix(b, "series-") {
			c.skip(ReasonSeries, title)
		} else {
			c.skip(ReasonOtherSite, title)
		}
		return
	}
	if len(authors) == 0 && hasClass(header, "anonymous") {
		authors = []string{"Anonymous"}
	}
	w := Work{AO3ID: id, Title: title, Authors: authors, Status: shelf.StatusToRead}
	if h5 := findFirst(header, func(n *html.Node) bool { return n.DataAtom == atom.H5 && hasClass(n, "fandoms") }); h5 != nil {
		for _, a := range findAll(h5, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
			if s := text(a); s != "" && !containsFold(w.Fandoms, s) {
				w.Fandoms = append(w.Fandoms, s)
			}
		}
	}
	switch format {
	case FormatAO3History:
		w.Status = shelf.StatusReading
		if v := findFirst(b, func(n *html.Node) bool { return hasClass(n, "viewed") }); v != nil &&
			strings.Contains(strings.ToLower(text(v)), "marked for later") {
			w.Status = shelf.StatusToRead
		}
	case FormatAO3Bookmarks:
		if q := findFirst(b, func(n *html.Node) bool {
			return n.DataAtom == atom.Blockquote && hasClass(n, "notes")
		}); q != nil {
			w.Note = text(q)
		}
		w.Status = bookmarkStatus(b)
	}
	c.add(w)
}

// bookmarkStatus reads the status of a bookmark from its bookmarker's
// tags, where many readers keep one ("Read", "TBR", "DNF"): the first tag
// that names a status, else to-read.
func bookmarkStatus(b *html.Node) shelf.Status {
	user := findFirst(b, func(n *html.Node) bool { return hasClass(n, "user") && hasClass(n, "module") })
	if user == nil {
		return shelf.StatusToRead
	}
	for _, ul := range findAll(user, func(n *html.Node) bool { return n.DataAtom == atom.Ul && hasClass(n, "tags") }) {
		for _, a := range findAll(ul, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
			if tag := text(a); tag != "" {
				if st, ok := readStatus(tag); ok {
					return st
				}
			}
		}
	}
	return shelf.StatusToRead
}

// blurbTarget reads a blurb's heading link: "work" with its ID, "series",
// "external", or "" for a link elsewhere. Relative links are AO3's.
func blurbTarget(href string, extraHosts []string) (kind string, id int64) {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", 0
	}
	if !u.IsAbs() {
		u = ao3Origin.ResolveReference(u)
	}
	if id, ok := fic.ParseAO3Link(u.String(), extraHosts...); ok {
		return "work", id
	}
	if !isAO3Host(u.Host, extraHosts) {
		return "", 0
	}
	p := u.EscapedPath()
	switch {
	case strings.HasPrefix(p, "/series/"):
		return "series", 0
	case strings.HasPrefix(p, "/external_works/"):
		return "external", 0
	}
	return "", 0
}

// isAO3Host reports whether host is AO3's (as fic.ParseAO3Link accepts
// it) or one of extraHosts.
func isAO3Host(host string, extraHosts []string) bool {
	_, ok := fic.ParseAO3Link("https://"+host+"/works/1", extraHosts...)
	return ok && host != ""
}

// pageLinks reads the AO3 work links of an HTML page that has no blurbs
// (a rec list, a saved search result of another site), in order.
func pageLinks(doc *html.Node, extraHosts []string) Result {
	c := newCollector(FormatLinks)
	for _, a := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "href") != "" }) {
		href := strings.TrimSpace(attr(a, "href"))
		u, err := url.Parse(href)
		if err != nil || !u.IsAbs() {
			continue // a page's own navigation, not a work elsewhere
		}
		if id, ok := fic.ParseAO3Link(href, extraHosts...); ok {
			c.add(Work{AO3ID: id, Status: shelf.StatusToRead})
		} else if isAO3Host(u.Host, extraHosts) && strings.HasPrefix(u.EscapedPath(), "/series/") {
			c.skip(ReasonSeries, href)
		}
	}
	return c.res
}

// Small DOM helpers.

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

func classWithPrefix(n *html.Node, prefix string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if strings.HasPrefix(c, prefix) {
			return true
		}
	}
	return false
}

// findAll returns the elements under n (n included) that match, in
// document order, not looking inside a match.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var rec func(*html.Node, int)
	rec = func(n *html.Node, depth int) {
		if depth > maxDepth {
			return
		}
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	return out
}

// findFirst returns the first element under n (n included) that matches.
func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	var rec func(*html.Node, int) *html.Node
	rec = func(n *html.Node, depth int) *html.Node {
		if depth > maxDepth {
			return nil
		}
		if n.Type == html.ElementNode && match(n) {
			return n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if f := rec(c, depth+1); f != nil {
				return f
			}
		}
		return nil
	}
	return rec(n, 0)
}

// text is n's text on one line, spaces collapsed; block elements and
// line breaks separate words.
func text(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node, int)
	rec = func(n *html.Node, depth int) {
		if depth > maxDepth {
			return
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style:
				return
			case atom.Br, atom.P, atom.Div, atom.Li:
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	return cleanText(b.String())
}
