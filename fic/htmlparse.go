package fic

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// flattenFrom is how deep below the document's root, or below the
// innermost element with an id, parseHTML's second attempt starts dropping
// wrapper elements: well below the parser's limit of 512 open elements, so
// what is kept fits.
const flattenFrom = 100

// parseHTML parses an HTML document. The parser refuses documents nested
// deeper than 512 elements; a real page (an AO3 download saved inside a
// site's markup, say) can be, with its prose only a few levels below the
// wrappers. Such a document is parsed again with the wrappers beyond
// flattenFrom levels left out: plain structural elements (div, span,
// section, font, ...) without an id, whose text, if any, is kept. When even
// that is too deep, the error wraps ErrTooDeep.
func parseHTML(data []byte) (*html.Node, error) {
	doc, err := html.Parse(bytes.NewReader(data))
	if err == nil {
		return doc, nil
	}
	flat, ok := flattenHTML(data)
	if !ok {
		return nil, errors.Join(ErrTooDeep, err)
	}
	if doc, err2 := html.Parse(bytes.NewReader(flat)); err2 == nil {
		return doc, nil
	}
	return nil, errors.Join(ErrTooDeep, err)
}

// flattenHTML rewrites data without the start and end tags of wrapper
// elements nested more than flattenFrom levels below the root or below the
// innermost element with an id (by a simple count of open elements),
// keeping everything else byte for byte. A dropped block wrapper leaves a
// paragraph break behind, so paragraphs it separated stay apart. ok is
// false when nothing was dropped.
func flattenHTML(data []byte) (out []byte, ok bool) {
	type open struct {
		name    string
		dropped bool
		block   bool
		id      bool
	}
	var stack []open
	var ids []int // stack positions of the open elements with an id
	var b bytes.Buffer
	b.Grow(len(data))
	z := html.NewTokenizer(bytes.NewReader(data))
	dropped := false
	pop := func(i int) {
		stack = stack[:i]
		for len(ids) > 0 && ids[len(ids)-1] >= i {
			ids = ids[:len(ids)-1]
		}
	}
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				return nil, false
			}
			break
		}
		raw := bytes.Clone(z.Raw()) // TagName and TagAttr rewrite the buffer
		switch tt {
		case html.StartTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if voidElement(a) {
				break
			}
			// Close what a new paragraph, item or block closes.
			if n := len(stack); n > 0 && (stack[n-1].name == "p" && (a == atom.P || isBlock(a)) ||
				stack[n-1].name == string(name) && (a == atom.Li || a == atom.Dt || a == atom.Dd || a == atom.Option || a == atom.Tr || a == atom.Td || a == atom.Th)) {
				pop(n - 1)
			}
			o := open{name: string(name), block: isBlock(a), id: hasID(z, hasAttr)}
			base := 0
			if len(ids) > 0 {
				base = ids[len(ids)-1] + 1
			}
			if len(stack)-base >= flattenFrom && wrapperElement(a) && !o.id {
				o.dropped = true
				dropped = true
			}
			if o.id {
				ids = append(ids, len(stack))
			}
			stack = append(stack, o)
			if o.dropped {
				raw = nil
				if o.block {
					raw = []byte("<br><br>")
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i].name == string(name) {
					o := stack[i]
					pop(i)
					if o.dropped {
						raw = nil
						if o.block {
							raw = []byte("<br><br>")
						}
					}
					break
				}
			}
		}
		b.Write(raw)
	}
	return b.Bytes(), dropped
}

// hasID reports whether the start tag being read has an id attribute (AO3
// marks its regions by id: preface, chapters, endnotes).
func hasID(z *html.Tokenizer, more bool) bool {
	for more {
		var key []byte
		key, _, more = z.TagAttr()
		if strings.EqualFold(string(key), "id") {
			return true
		}
	}
	return false
}

// wrapperElement reports elements that only group others: dropping their
// tags loses no text.
func wrapperElement(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.Span, atom.Section, atom.Article, atom.Main, atom.Font, atom.Center,
		atom.Header, atom.Footer, atom.Aside, atom.Figure, atom.Small, atom.Big, atom.Ins, atom.Del:
		return true
	}
	return a == 0 // an unknown (custom) element
}

func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}
