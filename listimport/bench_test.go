package listimport

import (
	"fmt"
	"strings"
	"testing"
)

// Inputs near the 20 MiB limit: how long an import's parse holds the
// interaction (it runs before the preview is answered).

func bookmarks(n int) []byte {
	var bs []blurb
	for i := 1; i <= n; i++ {
		bs = append(bs, blurb{id: int64(i), title: fmt.Sprint("Work ", i), authors: []string{"wren"}, fandoms: []string{"Sea", "Roads"}, notes: "a note"})
	}
	return []byte(bookmarksPage(bs...))
}

func bigCSV() []byte {
	var b strings.Builder
	b.WriteString("title,author,fandom,status,chapter,link\n")
	for i := 1; b.Len() < MaxFileSize-200; i++ {
		fmt.Fprintf(&b, "Work %d,wren,Sea,reading,3,https://archiveofourown.org/works/%d\n", i, i%20000+1)
	}
	return []byte(b.String())
}

func bigText() []byte {
	var b strings.Builder
	for i := 1; b.Len() < MaxFileSize-200; i++ {
		fmt.Fprintf(&b, "* https://archiveofourown.org/works/%d/chapters/%d so good\n", i%20000+1, i)
	}
	return []byte(b.String())
}

func benchParse(b *testing.B, name string, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(name, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseBookmarks20(b *testing.B)   { benchParse(b, "b.html", bookmarks(20)) } // one saved AO3 page
func BenchmarkParseBookmarks8000(b *testing.B) { benchParse(b, "b.html", bookmarks(8000)) }
func BenchmarkParseCSV20MiB(b *testing.B)      { benchParse(b, "l.csv", bigCSV()) }
func BenchmarkParseText20MiB(b *testing.B)     { benchParse(b, "l.txt", bigText()) }
