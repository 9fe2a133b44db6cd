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
	f.Add(`<div id="main"><h2 class="heading">S</h2><dl class="series meta group"><dt>Creator:</dt><dd><a rel="author" href="/users/a/pseuds/a">a</a></dd></dl>
<ol class="pagination actions"><li class="next"><a rel="next" href="/series/1?page=2">Next</a></li></ol>
<ul class="series work index group"><li id="work_5" class="work blurb group"><div class="header module"><h4 class="heading"><a href="/works/5">T</a> by <a rel="author" href="/users/a/pseuds/a">a</a></h4></div>
<ul class="series"><li>Part <strong>2</strong> of <a href="/series/1">S</a></li></ul><dl class="stats"><dt>Chapters:</dt><dd>1/?</dd></dl></li>
<li id="work_6" class="mystery work blurb group"><div class="mystery header picture module"><h4 class="heading">Mystery Work</h4></div></li></ul></div>`)
	f.Add(`<title>Mystery Work | x</title><p class="notice">will be revealed soon</p>`)
	f.Add(`<p class="caution notice">adult?</p><a href="/works/1?view_adult=true">Yes</a>`)
	f.Fuzz(func(t *testing.T, page string) {
		_, _ = ImportHTML("f.html", page)
		_, _ = ParseWorkPage([]byte(page))
		if sp, err := ParseSeriesPage([]byte(page)); err == nil {
			for _, w := range sp.Works {
				if w.Work == nil || w.Work.AO3ID <= 0 {
					t.Errorf("a series work without an ID: %+v", w)
				}
			}
		}
	})
}

func FuzzParseAO3Link(f *testing.F) {
	for _, s := range []string{"https://archiveofourown.org/works/1", "https://archiveofourown.org/series/9?page=2", "archiveofourown.org/works/2/chapters/3?x#y", "http://[::1]:80/works/5", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, ok := ParseAO3Link(s, "127.0.0.1:1")
		if ok != (id > 0) {
			t.Errorf("ParseAO3Link(%q) = %d, %v", s, id, ok)
		}
		sid, sok := ParseAO3SeriesLink(s, "127.0.0.1:1")
		if sok != (sid > 0) || sok && ok {
			t.Errorf("ParseAO3SeriesLink(%q) = %d, %v (work link: %v)", s, sid, sok, ok)
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
