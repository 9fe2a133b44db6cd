package listimport

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// checkResult holds what every Result promises, whatever the input.
func checkResult(t *testing.T, res Result, err error) {
	t.Helper()
	if err != nil {
		var ie *fic.ImportError
		if !errors.As(err, &ie) || ie.Message == "" {
			t.Fatalf("error without a message for the member: %v", err)
		}
		return
	}
	if len(res.Works) > MaxWorks {
		t.Fatalf("%d works", len(res.Works))
	}
	seen := map[string]bool{}
	for _, w := range res.Works {
		if w.AO3ID <= 0 && w.Title == "" {
			t.Fatalf("work without link or title: %+v", w)
		}
		if _, err := shelf.ParseStatus(string(w.Status)); err != nil || w.Status == "" {
			t.Fatalf("status %q", w.Status)
		}
		if w.Chapter < 0 || len(w.Note) > shelf.MaxNoteLength {
			t.Fatalf("chapter %d, note of %d bytes", w.Chapter, len(w.Note))
		}
		if seen[workKey(w)] {
			t.Fatalf("work twice: %+v", w)
		}
		seen[workKey(w)] = true
	}
	for _, ts := range [][]Tally{res.Skipped, res.Adjusted} {
		for _, tl := range ts {
			if tl.Count <= 0 || len(tl.Examples) > MaxExamples {
				t.Fatalf("tally %+v", tl)
			}
		}
	}
}

// bounded runs f and fails the test when it takes longer than 10 s.
func bounded(t *testing.T, f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("hung")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("b.html", []byte(bookmarksPage(blurb{id: 1, title: "T", authors: []string{"a"}}, blurb{kind: "deleted"})))
	f.Add("h.html", []byte(readingsPage(false, blurb{id: 2, title: "T"}, blurb{kind: "mystery"})))
	f.Add("s.html", []byte(worksPage(true, blurb{id: 3, title: "T"})))
	f.Add("l.json", []byte(`{"format":"ficshelf-reading-list/1","entries":[{"title":"T","status":"reading","chapter":2,"ao3_id":"7"}]}`))
	f.Add("m.json", []byte(`{"format":"ficshelf-member-data/1","reading_list":[{"title":"T"}]}`))
	f.Add("c.csv", []byte("title,link,status\nT,https://archiveofourown.org/works/4,done\n"))
	f.Add("t.txt", []byte("see archiveofourown.org/works/5/chapters/6 and https://archiveofourown.org/series/7"))
	f.Add("p.mhtml", []byte(mhtml(f, worksPage(false, blurb{id: 8, title: "T"}), "quoted-printable")))
	f.Add("p.mhtml", []byte("MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGxpPg==\r\n--b--"))
	f.Add("x", []byte("\xff\xfel\x00i\x00n\x00k\x00"))
	f.Add("x", []byte{})
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		bounded(t, func() {
			res, err := Parse(name, data, "127.0.0.1:1")
			checkResult(t, res, err)
		})
	})
}

func FuzzParseAO3Page(f *testing.F) {
	f.Add(bookmarksPage(blurb{id: 1, title: "T", authors: []string{"a"}, notes: "n"}, blurb{id: 2, kind: "series"}, blurb{id: 3, kind: "external"}))
	f.Add(readingsPage(true, blurb{id: 4, title: "T", anon: true}))
	f.Add(worksPage(false, blurb{id: 5, title: "T", href: "https://archiveofourown.org/works/5"}))
	f.Add(`<li class="blurb"><div class="header module"><h4 class="heading"><a href="%zz">x</a></h4></div></li>`)
	f.Add(`<li class="blurb"><div class="header module"><h4 class="heading"></h4></div></li>`)
	f.Add(`<html><a href="https://archiveofourown.org/works/9">x</a><dl class="work meta"></dl></html>`)
	f.Add("<ol>" + strings.Repeat(`<li class="blurb"><div>`, 300))
	f.Fuzz(func(t *testing.T, page string) {
		bounded(t, func() {
			res, err := ParseAO3Page([]byte(page))
			checkResult(t, res, err)
		})
	})
}

func FuzzParseFicshelf(f *testing.F) {
	f.Add(`{"format":"ficshelf-reading-list/1","entries":[{"title":"T","status":"x","chapter":-1,"note":"n"},{"title":"T"}]}`)
	f.Add(`{"format":"ficshelf-member-data/1","reading_list":[{"ao3_url":"https://archiveofourown.org/works/3"}],"kudos_given":[]}`)
	f.Add(`{"format":"ficshelf-reading-list/9"}`)
	f.Add(`{"format":1}`)
	f.Fuzz(func(t *testing.T, doc string) {
		bounded(t, func() {
			res, err := ParseFicshelf([]byte(doc))
			checkResult(t, res, err)
		})
	})
}

func FuzzParseLinks(f *testing.F) {
	f.Add("a.csv", "link;status;chapter\nhttps://archiveofourown.org/works/1;finished;3/4\n;;\n")
	f.Add("a.csv", "\"title\",\"url\"\n\"a \"\"quoted\"\" one\",\"archiveofourown.org/works/2\"\n")
	f.Add("a.txt", "https://archiveofourown.org/works/3, https://archiveofourown.org/works/4\n")
	f.Add("a.tsv", "id\ttitle\nwork_5\tT\n")
	f.Add("a", "http://[::1]:1/works/6 www.ao3.org/works/7.")
	f.Fuzz(func(t *testing.T, name, text string) {
		bounded(t, func() {
			res, err := ParseLinks(name, []byte(text), "[::1]:1")
			checkResult(t, res, err)
		})
	})
}
