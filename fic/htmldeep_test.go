package fic

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// HTML nested deeper than the parser takes: read when only plain wrappers
// make it deep, otherwise refused with a sentence that says why.

// wrapDeep puts body inside n nested wrappers: divs, spans and sections
// without ids, as some sites' saved pages do.
func wrapDeep(page string, n int) string {
	tags := []string{"div", "section", "div", "span", "font", "div"}
	var open, close strings.Builder
	for i := 0; i < n; i++ {
		tag := tags[i%len(tags)]
		open.WriteString("<" + tag + ` class="w">`)
		close.WriteString("</" + tags[(n-1-i)%len(tags)] + ">")
	}
	i := strings.Index(page, "<body>") + len("<body>")
	j := strings.LastIndex(page, "</body>")
	return page[:i] + open.String() + page[i:j] + close.String() + page[j:]
}

func TestAO3HTMLWrappedInDeepMarkup(t *testing.T) {
	plain := mustImport(t, "work.html", []byte(sampleWork().html()))
	for _, depth := range []int{100, 400, 600, 2000, 20000} {
		page := wrapDeep(sampleWork().html(), depth)
		st, err := Import("work.html", []byte(page))
		if err != nil {
			t.Fatalf("depth %d: %v", depth, err)
		}
		if !reflect.DeepEqual(st, plain) {
			t.Fatalf("depth %d: read differently:\n%#v\nwant\n%#v", depth, st, plain)
		}
	}
	// Deep wrappers inside the chapters region, and generic prose deep
	// down, are read too.
	w := sampleWork()
	w.chapters = []fixChapter{{text: strings.Repeat("<div>", 700) + "<p>Deep down.</p><p>Still here.</p>" + strings.Repeat("</div>", 700)}}
	st := mustImport(t, "w.html", []byte(w.html()))
	if st.Chapters[0].Text != "Deep down.\n\nStill here." {
		t.Fatalf("deep chapter text %q", st.Chapters[0].Text)
	}
	st = mustImport(t, "p.html", []byte("<html><body>"+strings.Repeat("<div>", 3000)+"<p>One.</p><div>Two.</div>"+strings.Repeat("</div>", 3000)+"</body></html>"))
	if st.Chapters[0].Text != "One.\n\nTwo." {
		t.Fatalf("deep generic text %q", st.Chapters[0].Text)
	}
}

func TestHTMLTooDeepIsSaid(t *testing.T) {
	// Elements that are not plain wrappers (here <b> and <em>, and divs
	// with ids) cannot be flattened: the answer says the file is nested
	// too deeply, not that it is no story.
	for name, page := range map[string]string{
		"inline": "<html><body><p>" + strings.Repeat("<b><em>", 600) + "Words at the bottom." + "</p></body></html>",
		"ids":    "<html><body>" + strings.Repeat(`<div id="x">`, 800) + "<p>Words.</p></body></html>",
		"ao3":    wrapDeep(strings.Replace(sampleWork().html(), "<body>", "<body>"+strings.Repeat("<i>", 600), 1), 10),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Import("deep.html", []byte(page))
			var ie *ImportError
			if !errors.Is(err, ErrTooDeep) || !errors.As(err, &ie) || !strings.Contains(ie.Message, "nested too deeply") {
				t.Fatalf("err %v", err)
			}
			if strings.Contains(ie.Message, "doesn't look like a story") {
				t.Fatalf("message %q", ie.Message)
			}
		})
	}
}
