package fic

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// Test fixtures: invented works in AO3's download formats. None of this
// prose comes from a real work.

type fixChapter struct {
	heading, summary, notes, text, endNotes string
}

type fixWork struct {
	title, author string
	meta          [][2]string // dt label, dd inner HTML
	summary       string
	notes         string
	endNotes      string
	chapters      []fixChapter // one chapter: one-shot layout
	workID        int
}

func tagLinks(tags ...string) string {
	var out []string
	for _, t := range tags {
		out = append(out, `<a href="https://archiveofourown.org/tags/`+strings.ReplaceAll(t, " ", "%20")+`">`+t+`</a>`)
	}
	return strings.Join(out, ", ")
}

// defaultMeta is a preface with singular labels where AO3 uses them for
// one tag, plural for several.
func defaultMeta() [][2]string {
	return [][2]string{
		{"Rating:", tagLinks("Mature")},
		{"Archive Warnings:", tagLinks("Major Character Death", "Underage")},
		{"Categories:", tagLinks("F/F", "Gen")},
		{"Fandom:", tagLinks("Lighthouse Keepers (Original Work)")},
		{"Relationship:", tagLinks("Maren/Ottoline")},
		{"Characters:", tagLinks("Maren Vell", "Ottoline Graye", "The Fog")},
		{"Additional Tags:", tagLinks("Slow Burn", "Storms", "Found Family")},
		{"Language:", "English"},
		{"Series:", `Part 2 of <a href="https://archiveofourown.org/series/77">The Salt Years</a>`},
		{"Stats:", "\n        Published: 2021-05-06\n        Updated: 2022-01-02\n        Words: 1,234\n        Chapters: 3/?\n      "},
	}
}

// html renders the work as AO3's HTML download does.
func (w fixWork) html() string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>" + w.title + " - " + w.author + " - Fandom</title>\n<style>p.message{text-align:center}</style></head><body>\n")
	b.WriteString(w.prefaceHTML())
	b.WriteString(w.chaptersHTML())
	b.WriteString(w.afterwordHTML())
	b.WriteString("</body></html>\n")
	return b.String()
}

func (w fixWork) prefaceHTML() string {
	var b strings.Builder
	fmt.Fprintf(&b, `<div id="preface"><h2 class="toc-heading">Preface</h2>
<p class="message"><b>%s</b><br/>Posted originally on the <a href="https://archiveofourown.org/">Archive of Our Own</a> at <a href="https://archiveofourown.org/works/%d">https://archiveofourown.org/works/%d</a>.</p>
<div class="meta"><dl class="tags">
`, w.title, w.workID, w.workID)
	for _, m := range w.meta {
		fmt.Fprintf(&b, "  <dt>%s</dt>\n  <dd>%s</dd>\n", m[0], m[1])
	}
	fmt.Fprintf(&b, "</dl>\n<h1>%s</h1>\n<div class=\"byline\">by <a rel=\"author\" href=\"https://archiveofourown.org/users/%s\">%s</a></div>\n", w.title, w.author, w.author)
	if w.summary != "" {
		fmt.Fprintf(&b, "<p>Summary</p>\n<blockquote class=\"userstuff\">%s</blockquote>\n", w.summary)
	}
	if w.notes != "" || w.endNotes != "" {
		b.WriteString("<p>Notes</p>\n")
		if w.notes != "" {
			fmt.Fprintf(&b, "<blockquote class=\"userstuff\">%s</blockquote>\n", w.notes)
		}
		if w.endNotes != "" {
			b.WriteString(`<div class="endnote-link">See the end of the work for <a href="#endnotes">more notes</a></div>` + "\n")
		}
	}
	b.WriteString("</div></div>\n")
	return b.String()
}

func (w fixWork) chaptersHTML() string {
	var b strings.Builder
	b.WriteString(`<div id="chapters" class="userstuff">` + "\n")
	if len(w.chapters) == 1 {
		fmt.Fprintf(&b, "<h2 class=\"toc-heading\">%s</h2>\n<div class=\"userstuff\">%s</div>\n", w.title, w.chapters[0].text)
	} else {
		for i, c := range w.chapters {
			b.WriteString(chapterHTML(i+1, c, "meta group", "heading", "userstuff"))
		}
	}
	b.WriteString("</div>\n")
	return b.String()
}

func chapterHTML(pos int, c fixChapter, metaClass, headClass, textClass string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<div class=\"%s\">\n<h2 class=\"%s\">%s</h2>\n", metaClass, headClass, c.heading)
	if c.summary != "" {
		fmt.Fprintf(&b, "<p>Chapter Summary</p>\n<blockquote class=\"userstuff\">%s</blockquote>\n", c.summary)
	}
	if c.notes != "" || c.endNotes != "" {
		b.WriteString("<p>Chapter Notes</p>\n")
		if c.notes != "" {
			fmt.Fprintf(&b, "<blockquote class=\"userstuff\">%s</blockquote>\n", c.notes)
		}
		if c.endNotes != "" {
			fmt.Fprintf(&b, "<div class=\"endnote-link\">See the end of the chapter for <a href=\"#endnotes%d\">notes</a></div>\n", pos)
		}
	}
	fmt.Fprintf(&b, "</div>\n<!--chapter content-->\n<div class=\"%s\">\n%s\n</div>\n<!--/chapter content-->\n", textClass, c.text)
	if c.endNotes != "" {
		fmt.Fprintf(&b, "<div class=\"%s\" id=\"endnotes%d\">\n<p>Chapter End Notes</p>\n<blockquote class=\"userstuff\">%s</blockquote>\n</div>\n", metaClass, pos, c.endNotes)
	}
	return b.String()
}

func (w fixWork) afterwordHTML() string {
	var b strings.Builder
	b.WriteString(`<div id="afterword"><h2 class="toc-heading">Afterword</h2>` + "\n")
	if w.endNotes != "" {
		fmt.Fprintf(&b, "<div class=\"meta\"><div id=\"endnotes\"><p>End Notes</p>\n<blockquote class=\"userstuff\">%s</blockquote></div></div>\n", w.endNotes)
	}
	fmt.Fprintf(&b, "<p class=\"message\">Please <a href=\"https://archiveofourown.org/works/%d/comments/new\">drop by the Archive and comment</a> to let the creator know if you enjoyed their work!</p>\n</div>\n", w.workID)
	return b.String()
}

func sampleWork() fixWork {
	return fixWork{
		title:    "The Lamp at Gull Point",
		author:   "saltwriter",
		meta:     defaultMeta(),
		summary:  "<p>Maren keeps the light. Ottoline keeps secrets.</p>",
		notes:    "<p>Thanks to my beta, who knows what she did.</p>",
		endNotes: "<p>Come say hi on my blog!</p>",
		workID:   4242,
		chapters: []fixChapter{
			{heading: "Chapter 1: Fog Season", summary: "<p>The fog arrives.</p>", notes: "<p>Chapter one note.</p>",
				text: "<p>The fog came in <em>sideways</em> that year.</p>\n<p>Maren counted the ships &amp; the gulls.</p>", endNotes: "<p>More soon!</p>"},
			{heading: "Chapter 2", text: "<p>Ottoline arrived on a Tuesday.<br/>She brought a trunk.</p><p>“Is this the lamp?” she asked.</p>"},
			{heading: "Chapter 3: Storm", notes: "<p>Warning for weather.</p>", text: "<p>The storm broke at midnight.</p>"},
		},
	}
}

// zipFiles builds a zip archive from name/content pairs, stored in order.
func zipFiles(t testing.TB, files [][2]string) []byte {
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

const containerFmt = `<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="%s" media-type="application/oebps-package+xml"/></rootfiles>
</container>`

func opfDoc(title, author string, hrefs []string, subjects ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version='1.0' encoding='utf-8'?>
<package xmlns="http://www.idpf.org/2007/opf" version="2.0" unique-identifier="uuid_id">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">
`)
	fmt.Fprintf(&b, "<dc:title>%s</dc:title>\n<dc:creator opf:role=\"aut\">%s</dc:creator>\n<dc:language>en</dc:language>\n", title, author)
	b.WriteString("<dc:description>&lt;p&gt;An OPF summary.&lt;/p&gt;</dc:description>\n")
	for _, s := range subjects {
		fmt.Fprintf(&b, "<dc:subject>%s</dc:subject>\n", s)
	}
	b.WriteString("</metadata>\n<manifest>\n")
	// Manifest in reverse order: the spine, not the manifest, sets the order.
	for i := len(hrefs) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "<item id=\"html%d\" href=\"%s\" media-type=\"application/xhtml+xml\"/>\n", i, hrefs[i])
	}
	b.WriteString("<item id=\"css\" href=\"style.css\" media-type=\"text/css\"/>\n</manifest>\n<spine toc=\"ncx\">\n")
	for i := range hrefs {
		fmt.Fprintf(&b, "<itemref idref=\"html%d\"/>\n", i)
	}
	b.WriteString("</spine>\n</package>\n")
	return b.String()
}

func xhtml(body string) string {
	return `<?xml version='1.0' encoding='utf-8'?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>x</title><link rel="stylesheet" type="text/css" href="style.css"/></head>
<body class="calibre">` + body + "</body></html>"
}

// calibreClasses renames classes the way Calibre does.
func calibreClasses(s string) string {
	r := strings.NewReplacer(`class="meta group"`, `class="calibre5"`, `class="meta"`, `class="calibre1"`,
		`class="heading"`, `class="calibre7"`, `class="tags"`, `class="calibre2"`, `class="byline"`, `class="byline"`,
		`class="userstuff"`, `class="userstuff2"`, `class="message"`, `class="calibre3"`, `<p>`, `<p class="calibre9">`)
	return r.Replace(s)
}

// epubCalibreRoot is an AO3 EPUB in the newer Calibre layout: content.opf
// at the root, the preface split across two files, renamed classes.
func epubCalibreRoot(t testing.TB, w fixWork) []byte {
	pre := calibreClasses(w.prefaceHTML())
	// Split the preface like Calibre: the tag list in one file, the rest in
	// the next, both inside a div#preface.
	i := strings.Index(pre, "<h1>")
	part1 := pre[:i] + "</div></div>"
	part2 := `<div id="preface" class="calibre1"><div class="calibre1">` + pre[i:]
	chapters := calibreClasses(w.chaptersHTML())
	after := calibreClasses(w.afterwordHTML())
	hrefs := []string{"Work_split_000.xhtml", "Work_split_001.xhtml", "Work_split_002.xhtml", "Work_split_003.xhtml"}
	return zipFiles(t, [][2]string{
		{"mimetype", "application/epub+zip"},
		{"META-INF/container.xml", fmt.Sprintf(containerFmt, "content.opf")},
		{"content.opf", opfDoc(w.title, w.author, hrefs, "Fanworks", "Mature")},
		{"Work_split_000.xhtml", xhtml(part1)},
		{"Work_split_001.xhtml", xhtml(part2 + `<div class="userstuff1" id="chapters"><div class="calibre8"></div></div>`)},
		{"Work_split_002.xhtml", xhtml(chapters + `<div id="afterword" class="calibre1"><div class="calibre8"></div></div>`)},
		{"Work_split_003.xhtml", xhtml(after)},
		{"style.css", ".calibre { display: block }"},
	})
}

// epubOEBPS is the older layout: OEBPS/content.opf, one XHTML file per
// chapter under OEBPS/Text, each chapter inside its own div#chapters.
func epubOEBPS(t testing.TB, w fixWork) []byte {
	files := [][2]string{
		{"mimetype", "application/epub+zip"},
		{"META-INF/container.xml", fmt.Sprintf(containerFmt, "OEBPS/content.opf")},
		{"OEBPS/Text/preface.xhtml", xhtml(calibreClasses(w.prefaceHTML()))},
	}
	hrefs := []string{"Text/preface.xhtml"}
	for i, c := range w.chapters {
		name := fmt.Sprintf("Text/chapter%%20%d.xhtml", i+1) // escaped href
		files = append(files, [2]string{fmt.Sprintf("OEBPS/Text/chapter %d.xhtml", i+1),
			xhtml(`<div id="chapters" class="userstuff1">` + calibreClasses(chapterHTML(i+1, c, "meta group", "heading", "userstuff")) + `</div>`)})
		hrefs = append(hrefs, name)
	}
	files = append(files, [2]string{"OEBPS/Text/afterword.xhtml", xhtml(calibreClasses(w.afterwordHTML()))})
	hrefs = append(hrefs, "Text/afterword.xhtml")
	files = append(files, [2]string{"OEBPS/content.opf", opfDoc(w.title, w.author, hrefs)})
	return zipFiles(t, files)
}
