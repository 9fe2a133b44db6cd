package listimport

import (
	"bytes"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"ficshelf/fic"
	"ficshelf/htmlnode"
	"ficshelf/shelf"
)

// maxDepth bounds every walk of the tree (see package htmlnode); the HTML
// parser itself refuses documents nested deeper than 512 elements.
const maxDepth = 600

// tree searches parsed trees within maxDepth.
const tree = htmlnode.Depth(maxDepth)

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
	blurbs := tree.FindAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Li && htmlnode.HasClass(n, "blurb") })
	if len(blurbs) == 0 {
		if tree.FindFirst(doc, func(n *html.Node) bool {
			return n.DataAtom == atom.Dl && htmlnode.HasClass(n, "work") && htmlnode.HasClass(n, "meta") || htmlnode.Attr(n, "id") == "workskin"
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
	case htmlnode.HasClass(first, "bookmark"):
		return FormatAO3Bookmarks
	case htmlnode.HasClass(first, "reading"):
		// The page's own heading says which list it is, after the
		// dashboard's heading with the user's name; the list's tab is
		// also marked as the current one.
		if tree.FindFirst(doc, func(n *html.Node) bool {
			return (n.DataAtom == atom.H2 && htmlnode.HasClass(n, "heading") || n.DataAtom == atom.Span && htmlnode.HasClass(n, "current")) &&
				strings.EqualFold(text(n), "Marked for Later")
		}) != nil {
			return FormatAO3MarkedLater
		}
		return FormatAO3History
	}
	if tree.FindFirst(doc, func(n *html.Node) bool {
		return (n.DataAtom == atom.Ul && htmlnode.HasClass(n, "series") && htmlnode.HasClass(n, "index")) ||
			(n.DataAtom == atom.Dl && htmlnode.HasClass(n, "series") && htmlnode.HasClass(n, "meta"))
	}) != nil {
		return FormatAO3Series
	}
	return FormatAO3Works
}

// readBlurb adds the work of one blurb, or counts why it is skipped.
func readBlurb(c *collector, b *html.Node, format Format, extraHosts []string) {
	if htmlnode.HasClass(b, "deleted") {
		c.skip(ReasonDeleted, "")
		return
	}
	if tree.FindFirst(b, func(n *html.Node) bool { return htmlnode.HasClass(n, "mystery") }) != nil { // the blurb or its header
		c.skip(ReasonMystery, "")
		return
	}
	header := tree.FindFirst(b, func(n *html.Node) bool { return htmlnode.HasClass(n, "header") && htmlnode.HasClass(n, "module") })
	var h4 *html.Node
	if header != nil {
		h4 = tree.FindFirst(header, func(n *html.Node) bool { return n.DataAtom == atom.H4 && htmlnode.HasClass(n, "heading") })
	}
	if h4 == nil {
		// A bookmark whose item AO3 has deleted keeps only its
		// bookmarker's part and a message.
		c.skip(ReasonDeleted, "")
		return
	}
	var link *html.Node
	var authors []string
	for _, a := range tree.FindAll(h4, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
		switch {
		case htmlnode.Attr(a, "rel") == "author":
			if s := text(a); s != "" && !containsFold(authors, s) {
				authors = append(authors, s)
			}
		case link == nil && htmlnode.Attr(a, "href") != "":
			link = a
		}
	}
	if link == nil {
		c.skip(ReasonNoLink, text(h4))
		return
	}
	title := text(link)
	href := htmlnode.Attr(link, "href")
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
		if htmlnode.HasClass(b, "external-work") || htmlnode.HasClassPrefix(b, "external-work-") {
			c.skip(ReasonExternal, title)
		} else if htmlnode.HasClassPrefix(b, "series-") {
			c.skip(ReasonSeries, title)
		} else {
			c.skip(ReasonOtherSite, title)
		}
		return
	}
	if len(authors) == 0 && htmlnode.HasClass(header, "anonymous") {
		authors = []string{"Anonymous"}
	}
	w := Work{AO3ID: id, Title: title, Authors: authors, Status: shelf.StatusToRead}
	if h5 := tree.FindFirst(header, func(n *html.Node) bool { return n.DataAtom == atom.H5 && htmlnode.HasClass(n, "fandoms") }); h5 != nil {
		for _, a := range tree.FindAll(h5, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
			if s := text(a); s != "" && !containsFold(w.Fandoms, s) {
				w.Fandoms = append(w.Fandoms, s)
			}
		}
	}
	switch format {
	case FormatAO3History:
		w.Status = shelf.StatusReading
		if v := tree.FindFirst(b, func(n *html.Node) bool { return htmlnode.HasClass(n, "viewed") }); v != nil &&
			strings.Contains(strings.ToLower(text(v)), "marked for later") {
			w.Status = shelf.StatusToRead
		}
	case FormatAO3Bookmarks:
		if q := tree.FindFirst(b, func(n *html.Node) bool {
			return n.DataAtom == atom.Blockquote && htmlnode.HasClass(n, "notes")
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
	user := tree.FindFirst(b, func(n *html.Node) bool { return htmlnode.HasClass(n, "user") && htmlnode.HasClass(n, "module") })
	if user == nil {
		return shelf.StatusToRead
	}
	for _, ul := range tree.FindAll(user, func(n *html.Node) bool { return n.DataAtom == atom.Ul && htmlnode.HasClass(n, "tags") }) {
		for _, a := range tree.FindAll(ul, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
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
	for _, a := range tree.FindAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && htmlnode.Attr(n, "href") != "" }) {
		href := strings.TrimSpace(htmlnode.Attr(a, "href"))
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

// text is n's text on one line, spaces collapsed, scripts and styles left
// out; paragraphs, divs, list items and line breaks separate words.
func text(n *html.Node) string { return tree.Text(n, textRules) }

var textRules = htmlnode.TextRules{
	Skip: func(a atom.Atom) bool { return a == atom.Script || a == atom.Style },
	Separate: func(a atom.Atom) bool {
		return a == atom.Br || a == atom.P || a == atom.Div || a == atom.Li
	},
}
