package fic

import (
	"archive/zip"
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestImportErrors(t *testing.T) {
	big := bytes.Repeat([]byte("word "), MaxFileSize/5+1)
	tests := []struct {
		name string
		file string
		data []byte
		kind error
	}{
		{"empty", "a.txt", nil, ErrEmpty},
		{"whitespace", "a.txt", []byte(" \n\r\n\t\ufeff "), ErrEmpty},
		{"bom only", "a.txt", []byte("\xef\xbb\xbf"), ErrEmpty},
		{"too large", "a.txt", big, ErrTooLarge},
		{"nul bytes", "a.txt", []byte("hello\x00world"), ErrNotStory},
		{"png", "a.png", []byte("\x89PNG\r\n\x1a\nrest"), ErrNotStory},
		{"pdf", "story.txt", []byte("%PDF-1.7\n%rest of pdf"), ErrNotStory},
		{"jpeg", "a.jpg", []byte("\xff\xd8\xff\xe0JFIF"), ErrNotStory},
		{"cp1251 cyrillic", "a.txt", []byte("\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xc4\xee\xe1\xf0\xee\xe5 \xf3\xf2\xf0\xee."), ErrNotStory},
		{"byte windows-1252 leaves undefined", "a.txt", []byte("A story with one odd byte \x81 in the middle of its words."), ErrNotStory},
		{"epub not zip", "a.epub", []byte("just some text"), ErrBadEPUB},
		{"truncated zip", "a.epub", []byte("PK\x03\x04\x14\x00\x00\x00broken"), ErrBadEPUB},
		{"zip without book", "a.zip", zipFiles(t, [][2]string{{"readme.txt", "hi"}}), ErrBadEPUB},
		{"html without prose", "a.html", []byte("<html><head><title>T</title></head><body><img src=x><script>var a='words words';</script></body></html>"), ErrNoProse},
		{"epub without prose", "a.epub", zipFiles(t, [][2]string{
			{"META-INF/container.xml", strings.Replace(containerFmt, "%s", "c.opf", 1)},
			{"c.opf", opfDoc("T", "A", []string{"a.xhtml"})},
			{"a.xhtml", xhtml("<div><img src='x.png'/></div>")},
		}), ErrNoProse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Import(tt.file, tt.data)
			if st != nil || err == nil {
				t.Fatalf("want error, got %+v", st)
			}
			var ie *ImportError
			if !errors.As(err, &ie) || !errors.Is(err, tt.kind) {
				t.Fatalf("err %v (%T), want kind %v", err, err, tt.kind)
			}
			if ie.Message == "" || !strings.HasSuffix(ie.Message, ".") {
				t.Errorf("message %q is not a sentence", ie.Message)
			}
		})
	}
}

// Plain text saved as Windows-1252 ("ANSI": curly quotes as 0x93/0x94,
// dashes as 0x96/0x97) imports as the same Unicode text a UTF-8 copy would.
func TestImportWindows1252Text(t *testing.T) {
	cp := "\x93Are you coming?\x94 she asked \x97 caf\xe9 forgotten, na\xefve as ever. \x91Yes,\x92 he said\x85\n\nNotes: thanks for reading!"
	want := "“Are you coming?” she asked — café forgotten, naïve as ever. ‘Yes,’ he said…\n\nNotes: thanks for reading!"
	got := mustImport(t, "ansi.txt", []byte(cp))
	utf := mustImport(t, "ansi.txt", []byte(want))
	if !reflect.DeepEqual(got, utf) {
		t.Errorf("Windows-1252 import differs from the UTF-8 one:\n%+v\n%+v", got, utf)
	}
	if len(got.Chapters) == 0 || !strings.Contains(got.Chapters[0].Text, "“Are you coming?”") {
		t.Errorf("text not converted: %+v", got.Chapters)
	}
}

func TestDetectByContentNotName(t *testing.T) {
	w := sampleWork()
	if _, f, err := ImportFormat("story.txt", []byte(w.html())); err != nil || f != FormatHTML {
		t.Errorf("html named .txt: %v %v", f, err)
	}
	if _, f, err := ImportFormat("story.html", []byte("Just words.\n\nMore words.")); err != nil || f != FormatText {
		t.Errorf("text named .html: %v %v", f, err)
	}
	if _, f, err := ImportFormat("story.txt", epubCalibreRoot(t, w)); err != nil || f != FormatEPUB {
		t.Errorf("epub named .txt: %v %v", f, err)
	}
	if _, f, err := ImportFormat("x", []byte("\xff\xfe"+"H\x00i\x00 \x00t\x00h\x00e\x00r\x00e\x00")); err != nil || f != FormatText {
		t.Errorf("utf-16: %v %v", f, err)
	}
}

func TestEPUBLayouts(t *testing.T) {
	for name, data := range map[string][]byte{
		"calibre root": epubCalibreRoot(t, sampleWork()),
		"oebps":        epubOEBPS(t, sampleWork()),
	} {
		t.Run(name, func(t *testing.T) {
			st := mustImport(t, "work.epub", data)
			checkSampleWork(t, st)
		})
	}
}

func TestEPUBOneShotAndOPFFallback(t *testing.T) {
	w := sampleWork()
	w.chapters = []fixChapter{{text: "<p>Short and sweet.</p>"}}
	w.meta = nil
	w.title = ""
	data := epubCalibreRoot(t, w)
	st := mustImport(t, "w.epub", data)
	if st.Title != "The Lamp at Gull Point" && st.Title != "" {
		// the OPF title is the fixture's (empty) title; fallback is the <title>
	}
	if st.Rating != RatingMature {
		t.Errorf("rating from dc:subject: %q", st.Rating)
	}
	if len(st.Chapters) != 1 || st.Chapters[0].Text != "Short and sweet." {
		t.Errorf("chapters %#v", st.Chapters)
	}
}

func TestEPUBGeneric(t *testing.T) {
	data := zipFiles(t, [][2]string{
		{"mimetype", "application/epub+zip"},
		{"META-INF/container.xml", strings.Replace(containerFmt, "%s", "book/pkg.opf", 1)},
		{"book/pkg.opf", opfDoc("Plain Book", "Writer Person", []string{"one.html", "two.html"}, "Explicit", "Major Character Death", "M/M", "Pirates")},
		{"book/one.html", xhtml("<h2>Chapter 1</h2><p>Ahoy.</p>")},
		{"book/two.html", xhtml("<h2>Chapter 2</h2><p>Avast.</p>")},
	})
	st := mustImport(t, "b.epub", data)
	if st.Title != "Plain Book" || !reflect.DeepEqual(st.Authors, []string{"Writer Person"}) || st.Rating != RatingExplicit {
		t.Errorf("meta %q %q %q", st.Title, st.Authors, st.Rating)
	}
	if !reflect.DeepEqual(st.Warnings, []string{WarningMajorDeath}) || !reflect.DeepEqual(st.Categories, []string{"M/M"}) || !reflect.DeepEqual(st.Tags, []string{"Pirates"}) {
		t.Errorf("subjects %q %q %q", st.Warnings, st.Categories, st.Tags)
	}
	if st.Summary != "An OPF summary." {
		t.Errorf("summary %q", st.Summary)
	}
	want := []Chapter{{Title: "Chapter 1", Text: "Ahoy."}, {Title: "Chapter 2", Text: "Avast."}}
	if !reflect.DeepEqual(st.Chapters, want) {
		t.Errorf("chapters %#v", st.Chapters)
	}
}

func TestEPUBZipBomb(t *testing.T) {
	// Declared sizes over the limit are refused before anything is read
	// (the header claims 200 MiB; the raw data is a tiny stored block).
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "META-INF/container.xml", Method: zip.Store,
		CompressedSize64: 4, UncompressedSize64: 200 << 20})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abcd"))
	zw.Close()
	_, err = Import("bomb.epub", buf.Bytes())
	if !errors.Is(err, ErrEPUBTooLarge) {
		t.Fatalf("err %v", err)
	}

	// Bytes are counted while reading too, whatever the headers say.
	data := epubOEBPS(t, sampleWork())
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	r := &epubReader{budget: 10}
	if _, err := r.read(zr.File[1]); !errors.Is(err, errBudget) {
		t.Fatalf("budget err %v", err)
	}
}

// Story pages are parsed and kept in memory, at many times their size: an
// EPUB within the 100 MiB unpacked limit but with more than 20 MiB of
// pages (a small zip of tiny paragraphs) is refused before it is parsed.
func TestEPUBTextLimit(t *testing.T) {
	small := xhtml("<p>A first page.</p>")
	dense := xhtml(strings.Repeat("<p>x</p>", MaxFileSize/8))
	data := zipFiles(t, [][2]string{
		{"META-INF/container.xml", strings.Replace(containerFmt, "%s", "c.opf", 1)},
		{"c.opf", opfDoc("T", "A", []string{"a.xhtml", "b.xhtml"})},
		{"a.xhtml", small}, {"b.xhtml", dense},
	})
	_, err := Import("dense.epub", data)
	var ie *ImportError
	if !errors.Is(err, ErrEPUBTooLarge) || !errors.As(err, &ie) || !strings.Contains(ie.Message, "20 MiB") {
		t.Fatalf("err %v", err)
	}
}
