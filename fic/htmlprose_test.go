package fic

import (
	"errors"
	"testing"
)

// What a reader would see as story text: navigation, menus and link-only
// text are not prose.

func TestHTMLNavigationIsNotProse(t *testing.T) {
	for name, page := range map[string]string{
		"home link":         `<html><body><a href="/">home</a></body></html>`,
		"home link in p":    `<!DOCTYPE html><html><head><title>Site</title></head><body><p><a href="/">home</a></p></body></html>`,
		"emphasised link":   `<html><body><p><em><a href="/">home</a></em></p></body></html>`,
		"nav element":       `<html><body><nav>Home · About · Archive</nav></body></html>`,
		"link list menu":    `<html><body><ul><li><a href="/">Home</a></li><li><a href="/works">Works</a></li><li><a href="/about">About us</a></li></ul></body></html>`,
		"menu by class":     `<html><body><div class="site-menu"><span>Home</span> <span>Contact</span></div></body></html>`,
		"navigation role":   `<html><body><div role="navigation">Previous | Next</div></body></html>`,
		"breadcrumbs by id": `<html><body><div id="breadcrumbs">Library &gt; Stories &gt; This one</div></body></html>`,
		"search form":       `<html><body><form><label>Search the archive</label><input name=q></form></body></html>`,
	} {
		t.Run(name, func(t *testing.T) {
			st, err := Import("page.html", []byte(page))
			if !errors.Is(err, ErrNoProse) {
				t.Fatalf("imported as a story (%v): %#v", err, st)
			}
			var ie *ImportError
			if !errors.As(err, &ie) || ie.Message != msgNoProse {
				t.Fatalf("message %v", err)
			}
		})
	}
}

func TestHTMLProseWithoutItsNavigation(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>The Lantern</title></head><body>
<header><a href="/">home</a> | <a href="/stories">stories</a></header>
<nav class="chapter-nav"><a href="1">Chapter 1</a> <a href="2">Chapter 2</a></nav>
<div class="story">
<p>The lantern went out at midnight. She read <a href="#n1">the letter</a> twice by the fire.</p>
<p><a href="#n1">[1]</a></p>
<p><a name="p3">Nobody came.</a></p>
</div>
<p><a href="2">Next chapter »</a></p>
<footer><a href="/about">About</a> <a href="/contact">Contact</a></footer>
</body></html>`
	st := mustImport(t, "lantern.html", []byte(page))
	want := "The lantern went out at midnight. She read the letter twice by the fire.\n\nNobody came."
	if len(st.Chapters) != 1 || st.Chapters[0].Text != want {
		t.Fatalf("chapters %#v", st.Chapters)
	}
}

// TestAO3HTMLKeepsLinks: an AO3 download's own text is read as written,
// links and all.
func TestAO3HTMLKeepsLinks(t *testing.T) {
	w := sampleWork()
	w.chapters = []fixChapter{{text: `<p>Before.</p><p><a href="https://example.com/art">fanart here</a></p><p>After.</p>`}}
	st := mustImport(t, "w.html", []byte(w.html()))
	if got := st.Chapters[0].Text; got != "Before.\n\nfanart here\n\nAfter." {
		t.Fatalf("text %q", got)
	}
}
