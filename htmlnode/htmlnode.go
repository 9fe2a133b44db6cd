// Package htmlnode holds the small helpers the importers use to read trees
// parsed by golang.org/x/net/html: attributes and classes, searches for
// elements, and an element's text on one line.
//
// Every helper that walks a tree is bounded by a Depth, chosen by its
// caller: the walks recurse, and a tree built from hostile input (or by
// hand, past the parser's own limit of 512 open elements) may be nested
// deeply enough that an unbounded walk would exhaust the goroutine's
// stack, which the runtime does not recover from. What lies deeper than
// the bound is treated as absent.
package htmlnode

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Attr returns the value of n's attribute key (compared exactly, as the
// parser lower-cases attribute names), or "" when n has none.
func Attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// HasClass reports whether class is one of n's classes (the white-space
// separated words of its class attribute), compared exactly.
func HasClass(n *html.Node, class string) bool {
	return anyClass(n, func(c string) bool { return c == class })
}

// HasNumberedClass reports whether one of n's classes is class, or class
// followed only by digits: Calibre renames the classes of the pages it
// converts, so AO3's "userstuff" may come back as "userstuff2".
// "userstuffing" does not match.
func HasNumberedClass(n *html.Node, class string) bool {
	return anyClass(n, func(c string) bool {
		rest, ok := strings.CutPrefix(c, class)
		return ok && strings.Trim(rest, "0123456789") == ""
	})
}

// HasClassPrefix reports whether one of n's classes begins with prefix,
// whatever follows it ("series-" matches "series-12" and "series-x").
func HasClassPrefix(n *html.Node, prefix string) bool {
	return anyClass(n, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func anyClass(n *html.Node, match func(string) bool) bool {
	for _, c := range strings.Fields(Attr(n, "class")) {
		if match(c) {
			return true
		}
	}
	return false
}

// Depth bounds a walk of a tree: the node a walk starts from is at depth
// 0, its children at depth 1, and nodes deeper than the Depth are neither
// looked at nor descended into.
type Depth int

// FindAll returns the elements under n, n included, for which match is
// true, in document order. It does not look inside a match: an element
// nested in another that matches is not returned. match is called only
// on element nodes.
func (d Depth) FindAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var rec func(*html.Node, int)
	rec = func(n *html.Node, depth int) {
		if depth > int(d) {
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

// FindFirst returns the first element under n, n included, in document
// order for which match is true, or nil when there is none. match is
// called only on element nodes.
func (d Depth) FindFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	var rec func(*html.Node, int) *html.Node
	rec = func(n *html.Node, depth int) *html.Node {
		if depth > int(d) {
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

// TextRules tell Text how to treat elements, by their atom (0 for an
// element the atom table does not know). Both must be set.
type TextRules struct {
	// Skip reports the elements left out with everything inside them
	// (scripts and styles, say).
	Skip func(atom.Atom) bool
	// Separate reports the elements whose content is not run together
	// with the text before them (line breaks, blocks): a space comes
	// before it.
	Separate func(atom.Atom) bool
}

// Text returns the text under n, n included, on one line: the text nodes
// in document order, elements r.Skip reports left out (n too, when it is
// one), a space before the content of those r.Separate reports, then
// every run of white space (as unicode.IsSpace has it, no-break spaces
// included) collapsed to one space and the ends trimmed. Entities are
// already decoded by the parser.
func (d Depth) Text(n *html.Node, r TextRules) string {
	var b strings.Builder
	var rec func(*html.Node, int)
	rec = func(n *html.Node, depth int) {
		if depth > int(d) {
			return
		}
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if r.Skip(n.DataAtom) {
				return
			}
			if r.Separate(n.DataAtom) {
				b.WriteByte(' ')
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c, depth+1)
		}
	}
	rec(n, 0)
	return strings.Join(strings.Fields(b.String()), " ")
}
