package e2e

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Fixtures for /story tests: invented works written for these tests, in
// the shapes members upload (plain text, AO3's HTML and EPUB downloads) and
// an AO3 work page for link look-ups.

// plainStory is a plain-text story of two chapters with curly quotes and
// an author's trailing Notes: block.
const plainStory = "The Ferryman's Daughter\n\n" +
	"Chapter 1: Low Tide\n\n" +
	"Ines rowed out before the gulls woke. The river was slate and silver, and the ferry rope hummed under her palm like something alive.\n\n" +
	"“You’ll catch your death,” her father called from the bank. She waved without turning round.\n\n" +
	"Chapter 2: High Water\n\n" +
	"By noon the water had climbed the third step of the landing. Ines counted the passengers twice, because the river had taught her to.\n\n" +
	"Notes:\n\nThank you for reading! This started as a prompt from my writing group."

// ao3Chapter is one chapter of an AO3 download fixture.
type ao3Chapter struct{ heading, notes, text, endNotes string }

// ao3Work renders an AO3 HTML download: preface tags, byline, summary,
// notes, chapters with their notes, end notes, afterword. classes maps
// AO3's class names to others (Calibre's renaming inside EPUBs).
func ao3Work(workID int, title, author, rating, warnings, fandom, stats, summary, notes, endNotes string, chapters []ao3Chapter, classes *strings.Replacer) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div id="preface"><h2 class="toc-heading">Preface</h2>
<p class="message"><b>%s</b><br/>Posted originally on the <a href="https://archiveofourown.org/">Archive of Our Own</a> at <a href="https://archiveofourown.org/works/%d">https://archiveofourown.org/works/%d</a>.</p>
<div class="meta"><dl class="tags">
<dt>Rating:</dt><dd><a href="https://archiveofourown.org/tags/r">%s</a></dd>
<dt>Archive Warning:</dt><dd><a href="https://archiveofourown.org/tags/w">%s</a></dd>
<dt>Fandom:</dt><dd><a href="https://archiveofourown.org/tags/f">%s</a></dd>
<dt>Relationship:</dt><dd><a href="https://archiveofourown.org/tags/p">Ines/Perpetua</a></dd>
<dt>Additional Tags:</dt><dd><a href="https://archiveofourown.org/tags/a">Rivers</a>, <a href="https://archiveofourown.org/tags/b">Slow Burn</a></dd>
<dt>Language:</dt><dd>English</dd>
<dt>Stats:</dt><dd>%s</dd>
</dl>
<h1>%s</h1>
<div class="byline">by <a rel="author" href="https://archiveofourown.org/users/%s">%s</a></div>
<p>Summary</p>
<blockquote class="userstuff"><p>%s</p></blockquote>
<p>Notes</p>
<blockquote class="userstuff"><p>%s</p></blockquote>
<div class="endnote-link">See the end of the work for <a href="#endnotes">more notes</a></div>
</div></div>
<div id="chapters" class="userstuff">
`, title, workID, workID, rating, warnings, fandom, stats, title, author, author, summary, notes)
	for i, c := range chapters {
		fmt.Fprintf(&b, "<div class=\"meta group\">\n<h2 class=\"heading\">%s</h2>\n", c.heading)
		if c.notes != "" || c.endNotes != "" {
			b.WriteString("<p>Chapter Notes</p>\n")
			if c.notes != "" {
				fmt.Fprintf(&b, "<blockquote class=\"userstuff\"><p>%s</p></blockquote>\n", c.notes)
			}
			if c.endNotes != "" {
				fmt.Fprintf(&b, "<div class=\"endnote-link\">See the end of the chapter for <a href=\"#endnotes%d\">notes</a></div>\n", i+1)
			}
		}
		fmt.Fprintf(&b, "</div>\n<div class=\"userstuff\">\n%s\n</div>\n", c.text)
		if c.endNotes != "" {
			fmt.Fprintf(&b, "<div class=\"meta group\" id=\"endnotes%d\">\n<p>Chapter End Notes</p>\n<blockquote class=\"userstuff\"><p>%s</p></blockquote>\n</div>\n", i+1, c.endNotes)
		}
	}
	b.WriteString("</div>\n")
	fmt.Fprintf(&b, `<div id="afterword"><h2 class="toc-heading">Afterword</h2>
<div class="meta"><div id="endnotes"><p>End Notes</p>
<blockquote class="userstuff"><p>%s</p></blockquote></div></div>
<p class="message">Please <a href="https://archiveofourown.org/works/%d/comments/new">drop by the Archive and comment</a> to let the creator know if you enjoyed their work!</p>
</div>
`, endNotes, workID)
	body := b.String()
	if classes != nil {
		body = classes.Replace(body)
	}
	return body
}

// lanternChapters are three chapters with chapter notes and end notes.
var lanternChapters = []ao3Chapter{
	{heading: "Chapter 1: The Lamplighter", notes: "CHAPNOTE-ONE: this chapter was rewritten twice.",
		text:     "<p>Perpetua lit the lamps on Canal Street one by one, and the fog leaned in to watch.</p>\n<p>“Every night,” she said, “the same forty lamps.”</p>",
		endNotes: "CHAPEND-ONE: more soon!"},
	{heading: "Chapter 2", text: "<p>Ines brought the ferry in late, her oars dripping light.</p><p>She had never seen the lamps from the water before.</p>"},
	{heading: "Chapter 3: Forty-One", notes: "CHAPNOTE-THREE: the title is a hint.",
		text: "<p>On the longest night there were forty-one lamps, and nobody could say who had lit the last.</p>"},
}

// lanternHTML is "Forty Lamps", AO3 work 9100, as AO3's HTML download.
func lanternHTML(workID int, posted string) string {
	return lanternHTMLN(workID, posted, len(lanternChapters))
}

// lanternHTMLN is lanternHTML with only the first n chapters posted.
func lanternHTMLN(workID int, posted string, n int) string {
	return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>Forty Lamps - quillfeather</title></head><body>\n" +
		ao3Work(workID, "Forty Lamps", "quillfeather", "Mature", "Major Character Death", "Canal Town (Original Work)",
			"Published: 2024-02-03 Words: 80 Chapters: "+posted, "Someone is lighting one lamp too many.",
			"WORKNOTE: thanks to my beta.", "WORKEND: come say hi.", lanternChapters[:n], nil) +
		"</body></html>\n"
}

// calibre renames AO3's classes the way Calibre does inside EPUBs.
var calibre = strings.NewReplacer(`class="meta group"`, `class="calibre6"`, `class="meta"`, `class="calibre2"`,
	`class="heading"`, `class="calibre8"`, `class="tags"`, `class="calibre3"`, `class="userstuff"`, `class="userstuff1"`,
	`class="message"`, `class="calibre4"`, `class="toc-heading"`, `class="calibre5"`)

// zipOf builds a zip archive; mimetype is stored, the rest deflated.
func zipOf(t *testing.T, files [][2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		method := zip.Deflate
		if f[0] == "mimetype" {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const epubContainer = `<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>`

func xhtmlDoc(body string) string {
	return `<?xml version='1.0' encoding='utf-8'?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Forty Lamps</title></head><body class="calibre">` + body + "</body></html>"
}

// lanternEPUB is "Tide Tables" (AO3 work 9200) as an AO3 EPUB in
// Calibre's layout: content.opf at the root, renamed classes, one file for
// the preface, one for the chapters, one for the afterword.
func lanternEPUB(t *testing.T) []byte {
	html := ao3Work(9200, "Tide Tables", "saltmarsh", "Teen And Up Audiences", "No Archive Warnings Apply", "Canal Town (Original Work)",
		"Published: 2024-03-01 Words: 80 Chapters: 3/3", "The river keeps its own calendar.", "WORKNOTE: for the ferry folk.",
		"WORKEND: thank you.", lanternChapters, calibre)
	i := strings.Index(html, `<div id="chapters"`)
	j := strings.Index(html, `<div id="afterword"`)
	opf := `<?xml version='1.0' encoding='utf-8'?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="uuid_id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
<dc:title>Tide Tables</dc:title><dc:creator opf:role="aut">saltmarsh</dc:creator><dc:language>en</dc:language>
</metadata>
<manifest>
<item id="p2" href="split_002.xhtml" media-type="application/xhtml+xml"/>
<item id="p1" href="split_001.xhtml" media-type="application/xhtml+xml"/>
<item id="p0" href="split_000.xhtml" media-type="application/xhtml+xml"/>
</manifest>
<spine><itemref idref="p0"/><itemref idref="p1"/><itemref idref="p2"/></spine>
</package>`
	return zipOf(t, [][2]string{
		{"mimetype", "application/epub+zip"},
		{"META-INF/container.xml", epubContainer},
		{"content.opf", opf},
		{"split_000.xhtml", xhtmlDoc(html[:i])},
		{"split_001.xhtml", xhtmlDoc(html[i:j])},
		{"split_002.xhtml", xhtmlDoc(html[j:])},
	})
}

// epubBomb is a valid EPUB whose one chapter unpacks to over 100 MiB of
// zeros (about 100 KiB packed).
func epubBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	add("mimetype", []byte("application/epub+zip"))
	add("META-INF/container.xml", []byte(epubContainer))
	add("content.opf", []byte(`<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0"><metadata/><manifest><item id="c" href="c.xhtml" media-type="application/xhtml+xml"/></manifest><spine><itemref idref="c"/></spine></package>`))
	w, err := zw.Create("c.xhtml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for i := 0; i < 101; i++ {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ao3Page is an AO3 work page (works/N) as the link look-up reads it.
func ao3Page(title, author, rating, posted string) string {
	return `<!DOCTYPE html><html><head><title>` + title + `</title></head><body><div id="main"><div class="wrapper">
<dl class="work meta group">
<dt class="rating tags">Rating:</dt><dd class="rating tags"><ul class="commas"><li><a class="tag" href="/tags/r">` + rating + `</a></li></ul></dd>
<dt class="warning tags">Archive Warning:</dt><dd class="warning tags"><ul class="commas"><li><a class="tag" href="/tags/w">Creator Chose Not To Use Archive Warnings</a></li></ul></dd>
<dt class="fandom tags">Fandom:</dt><dd class="fandom tags"><ul class="commas"><li><a class="tag" href="/tags/f">Orchard Tales (Original Work)</a></li></ul></dd>
<dt class="freeform tags">Additional Tags:</dt><dd class="freeform tags"><ul class="commas"><li><a class="tag" href="/tags/t">Apples</a></li><li><a class="tag" href="/tags/u">Autumn</a></li></ul></dd>
<dt class="language">Language:</dt><dd class="language">English</dd>
<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats"><dt class="words">Words:</dt><dd class="words">23,456</dd><dt class="chapters">Chapters:</dt><dd class="chapters">` + posted + `</dd><dt class="kudos">Kudos:</dt><dd class="kudos">321</dd></dl></dd>
</dl></div>
<div class="preface group"><h2 class="title heading">` + title + `</h2><h3 class="byline heading"><a rel="author" href="/users/a/pseuds/a">` + author + `</a></h3>
<div class="summary module"><h3 class="heading">Summary:</h3><blockquote class="userstuff"><p>An orchard, a fence, a feud.</p></blockquote></div></div>
</div></body></html>`
}

// fakeArchive is a fake AO3 serving work pages that tests may change.
type fakeArchive struct {
	*httptest.Server
	mu    sync.Mutex
	pages map[string]string // path → page
	delay time.Duration     // before answering
	hits  atomic.Int32
}

func newFakeArchive(t *testing.T) *fakeArchive {
	t.Helper()
	a := &fakeArchive{pages: map[string]string{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.hits.Add(1)
		a.mu.Lock()
		page, ok := a.pages[r.URL.Path]
		delay := a.delay
		a.mu.Unlock()
		time.Sleep(delay)
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *fakeArchive) set(workID int, page string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pages[fmt.Sprintf("/works/%d", workID)] = page
}

func (a *fakeArchive) setDelay(d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delay = d
}
