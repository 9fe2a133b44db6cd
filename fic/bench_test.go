package fic

import (
	"fmt"
	"strings"
	"testing"
)

var benchWords = strings.Fields("the lantern swung over harbour water while Maren counted “gulls” and ships, thinking of nothing at all, until Ottoline laughed")

// genChapters makes n chapters totalling about words words of prose, in
// paragraphs of about 80 words.
func genParagraphs(words int, para func(i int, p string)) {
	var b strings.Builder
	w := 0
	for i := 0; w < words; i++ {
		b.Reset()
		for j := 0; j < 80; j++ {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(benchWords[(i+j)%len(benchWords)])
			if j%12 == 11 {
				b.WriteByte('.')
			}
		}
		b.WriteByte('.')
		w += 80
		para(i, b.String())
	}
}

func benchPlain(words int) []byte {
	var b strings.Builder
	b.WriteString("A Very Long Work\n\n")
	genParagraphs(words, func(i int, p string) {
		if i%100 == 0 {
			fmt.Fprintf(&b, "Chapter %d\n\n", i/100+1)
		}
		b.WriteString(p)
		b.WriteString("\n\n")
	})
	b.WriteString("Notes: thank you for reading")
	return []byte(b.String())
}

func benchHTML(words int) []byte {
	w := sampleWork()
	w.chapters = nil
	var cur strings.Builder
	genParagraphs(words, func(i int, p string) {
		if i%100 == 0 && i > 0 {
			w.chapters = append(w.chapters, fixChapter{heading: fmt.Sprintf("Chapter %d: Part", len(w.chapters)+1), notes: "<p>note</p>", text: cur.String()})
			cur.Reset()
		}
		cur.WriteString("<p>" + strings.Replace(p, "gulls", "<em>gulls</em>", 1) + "</p>\n")
	})
	w.chapters = append(w.chapters, fixChapter{heading: "Chapter last", text: cur.String()})
	return []byte(w.html())
}

func BenchmarkImportPlain500k(b *testing.B) {
	data := benchPlain(500_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		st, err := Import("long.txt", data)
		if err != nil || st.Words < 490_000 {
			b.Fatal(err, st.Words)
		}
	}
}

func BenchmarkImportHTML500k(b *testing.B) {
	data := benchHTML(500_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		st, err := Import("long.html", data)
		if err != nil || len(st.Chapters) < 60 {
			b.Fatal(err)
		}
	}
}
