package htmlnode

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

func parse(t *testing.T, page string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// ids returns the id attributes of nodes, in order.
func ids(nodes []*html.Node) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, Attr(n, "id"))
	}
	return out
}

func isDiv(n *html.Node) bool { return n.DataAtom == atom.Div }

func TestAttr(t *testing.T) {
	div := Depth(10).FindFirst(parse(t, `<div ID="a" data-x="" title="T">x</div>`), isDiv)
	for key, want := range map[string]string{"id": "a", "data-x": "", "title": "T", "class": ""} {
		if got := Attr(div, key); got != want {
			t.Errorf("Attr(%q) = %q, want %q", key, got, want)
		}
	}
	// Keys are compared exactly; only the parser lower-cases them.
	byHand := &html.Node{Type: html.ElementNode, Attr: []html.Attribute{{Key: "Title", Val: "T"}}}
	if got := Attr(byHand, "title"); got != "" {
		t.Errorf(`Attr("title") of a "Title" attribute = %q`, got)
	}
}

func TestClasses(t *testing.T) {
	div := Depth(10).FindFirst(parse(t, "<div class=\" userstuff2\tseries-12 external-work \">x</div>"), isDiv)
	for _, f := range []struct {
		name  string
		fn    func(*html.Node, string) bool
		cases map[string]bool // class asked for: whether it matches
	}{
		{"HasClass", HasClass, map[string]bool{"external-work": true, "userstuff": false, "series-": false, "": false}},
		// A Calibre-numbered copy matches; other endings do not.
		{"HasNumberedClass", HasNumberedClass, map[string]bool{"userstuff": true, "userstuff2": true, "user": false, "series": false, "external": false}},
		// Any ending matches.
		{"HasClassPrefix", HasClassPrefix, map[string]bool{"series-": true, "external": true, "user": true, "work": false}},
	} {
		for class, want := range f.cases {
			if got := f.fn(div, class); got != want {
				t.Errorf("%s(%q) = %v, want %v", f.name, class, got, want)
			}
		}
	}
	plain := Depth(10).FindFirst(parse(t, `<div>x</div>`), isDiv)
	if HasClass(plain, "") || HasNumberedClass(plain, "") || HasClassPrefix(plain, "") {
		t.Error("an element without classes has one")
	}
}

func TestFindAllDocumentOrderNotInsideMatches(t *testing.T) {
	doc := parse(t, `<div id="a"><div id="a1"></div></div><p><span><div id="b"></div></span></p><div id="c"></div>`)
	if got, want := ids(Depth(100).FindAll(doc, isDiv)), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("FindAll = %v, want %v", got, want)
	}
	// The starting node is included, and only elements are offered.
	a := Depth(100).FindFirst(doc, isDiv)
	if got := Depth(100).FindAll(a, isDiv); len(got) != 1 || got[0] != a {
		t.Fatalf("FindAll from a match = %v", ids(got))
	}
	var types []html.NodeType
	Depth(100).FindAll(parse(t, `<!-- c --><p>text</p>`), func(n *html.Node) bool {
		types = append(types, n.Type)
		return false
	})
	for _, ty := range types {
		if ty != html.ElementNode {
			t.Fatalf("match offered a node of type %v", ty)
		}
	}
	if Depth(100).FindAll(doc, func(*html.Node) bool { return false }) != nil {
		t.Fatal("FindAll without matches is not nil")
	}
}

func TestFindFirstDocumentOrder(t *testing.T) {
	doc := parse(t, `<p><span><div id="deep"></div></span></p><div id="later"></div>`)
	if got := Depth(100).FindFirst(doc, isDiv); Attr(got, "id") != "deep" {
		t.Fatalf("FindFirst = %q, want the first in document order", Attr(got, "id"))
	}
	if got := Depth(100).FindFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.Table }); got != nil {
		t.Fatalf("FindFirst without a match = %v", got)
	}
	// Only elements are offered: the document node itself is not.
	if got := Depth(100).FindFirst(doc, func(*html.Node) bool { return true }); got == nil || got.DataAtom != atom.Html {
		t.Fatalf("FindFirst of anything = %v, want <html>", got)
	}
}

var testRules = TextRules{
	Skip:     func(a atom.Atom) bool { return a == atom.Script || a == atom.Head },
	Separate: func(a atom.Atom) bool { return a == atom.Br || a == atom.P },
}

func TestText(t *testing.T) {
	doc := parse(t, "<head><title>Gone</title></head><body>  One<b>Two</b><br>Three<p>Four&amp;\u00a0five</p>"+
		"<script>gone()</script>\n\t six <!-- gone --></body>")
	if got, want := Depth(100).Text(doc, testRules), "OneTwo Three Four& five six"; got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
	script := Depth(100).FindFirst(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script })
	if got := Depth(100).Text(script, testRules); got != "" {
		t.Fatalf("Text of a skipped element = %q", got)
	}
	// A text node is its own text.
	if got := Depth(100).Text(script.NextSibling, testRules); got != "six" {
		t.Fatalf("Text of a text node = %q", got)
	}
}

// chain builds n elements nested one in the other by hand, which the
// parser would refuse past 512, with a text node at the bottom; it
// returns the root and the innermost element.
func chain(n int) (root, bottom *html.Node) {
	root = &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	bottom = root
	for i := 1; i < n; i++ {
		c := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
		bottom.AppendChild(c)
		bottom = c
	}
	bottom.AppendChild(&html.Node{Type: html.TextNode, Data: "bottom"})
	return root, bottom
}

// TestDepthBound checks that every walk stops at its Depth: nodes at the
// bound are reached, nodes below it are not, and a hostile chain of a
// million elements is walked only down to the bound.
func TestDepthBound(t *testing.T) {
	root, bottom := chain(11) // bottom at depth 10, its text at 11
	isBottom := func(n *html.Node) bool { return n == bottom }
	for _, c := range []struct {
		d          Depth
		find, text bool
	}{{9, false, false}, {10, true, false}, {11, true, true}} {
		if got := c.d.FindFirst(root, isBottom) != nil; got != c.find {
			t.Errorf("Depth(%d).FindFirst reached depth 10: %v", c.d, got)
		}
		if got := len(c.d.FindAll(root, isBottom)) == 1; got != c.find {
			t.Errorf("Depth(%d).FindAll reached depth 10: %v", c.d, got)
		}
		if got := c.d.Text(root, testRules) == "bottom"; got != c.text {
			t.Errorf("Depth(%d).Text reached depth 11: %v", c.d, got)
		}
	}

	deep, _ := chain(1_000_000)
	never := func(*html.Node) bool { return false }
	if Depth(600).FindFirst(deep, never) != nil || Depth(600).FindAll(deep, never) != nil || Depth(600).Text(deep, testRules) != "" {
		t.Fatal("found something in an empty deep chain")
	}
	all := Depth(600).FindAll(deep, func(n *html.Node) bool { return n.FirstChild == nil || n.FirstChild.Type == html.TextNode })
	if len(all) != 0 {
		t.Fatal("reached the bottom of a million elements")
	}
}
