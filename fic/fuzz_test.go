package fic

import (
	"strings"
	"testing"
	"time"
)

func FuzzImport(f *testing.F) {
	w := sampleWork()
	f.Add("work.html", []byte(w.html()))
	f.Add("work.epub", epubCalibreRoot(f, w))
	f.Add("work.epub", epubOEBPS(f, w))
	f.Add("story.txt", []byte("\ufeffTitle\r\n\r\nChapter 1\r\n\r\nText “here”. Notes: thanks"))
	f.Add("story.txt", []byte("One paragraph only. A/N: bye"))
	f.Add("x.md", []byte("# T\n\n## Chapter 1\n\ntext\n"))
	f.Add("x.html", []byte("<p>a<br><br>b<em>c</em></p>"))
	f.Add("x", []byte("\x89PNG\r\n"))
	f.Add("x", []byte{})
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			st, err := Import(name, data)
			if err == nil && (st == nil || len(st.Chapters) == 0 || st.Title == "") {
				t.Errorf("success without a story: %+v", st)
			}
			if err != nil && st != nil {
				t.Errorf("both story and error")
			}
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Import hung")
		}
	})
}

func FuzzImportHTML(f *testing.F) {
	f.Add(sampleWork().html())
	f.Add(`<div id="chapters"><div id="chapters"><h2>x</h2><p>Chapter Notes</p></div></div>`)
	f.Add(`<div id="preface"><dl><dt>Stats:</dt><dd>Chapters: 99999999999999999999/?</dd></dl></div><div id="chapters"><p>x</p></div>`)
	f.Add(workPage)
	f.Add(`<html><body><nav><a href="/">home</a></nav><p><a href="/">home</a></p></body></html>`)
	f.Add(wrapDeep(sampleWork().html(), 600))
	f.Add("<p>" + strings.Repeat("<b><div>", 300) + "x")
	f.Fuzz(func(t *testing.T, page string) {
		_, _ = ImportHTML("f.html", page)
		_, _ = ParseWorkPage([]byte(page))
	})
}

func FuzzParseAO3Link(f *testing.F) {
	for _, s := range []string{"https://archiveofourown.org/works/1", "archiveofourown.org/works/2/chapters/3?x#y", "http://[::1]:80/works/5", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseAO3Link(s, "127.0.0.1:1")
		if ok != (id > 0) {
			t.Errorf("ParseAO3Link(%q) = %d, %v", s, id, ok)
		}
	})
}

func FuzzPlainText(f *testing.F) {
	f.Add("Chapter 1\n\nA\nB\n\nNotes: x")
	f.Add("A\rB\r\nC\n\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ImportText("f.txt", s)
	})
}
