package passage

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// huge is a generated 500,000-word chapter (about 3 MB), the worst case of
// the excerpt targets: the whole story in one chapter.
var huge = sync.OnceValues(func() (string, Index) {
	text := newGen(500).chapter(520_000, 4)
	return text, Segment(text)
})

func BenchmarkSegment500kWords(b *testing.B) {
	text, _ := huge()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Segment(text)
	}
	b.ReportMetric(float64(len(strings.Fields(text))), "words")
}

func BenchmarkIndexMarshal500kWords(b *testing.B) {
	_, idx := huge()
	data, _ := idx.MarshalBinary()
	for b.Loop() {
		var back Index
		if err := back.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data)), "index-bytes")
	b.ReportMetric(float64(idx.Len()), "sentences")
}

// BenchmarkCut cuts Long passages at random sentences of the huge chapter
// from its stored index.
func BenchmarkCut(b *testing.B) {
	text, idx := huge()
	rng := rand.New(rand.NewPCG(1, 1))
	for b.Loop() {
		Cut(text, idx, rng.IntN(idx.Len()), Long)
	}
}

// BenchmarkCutFromStored adds decoding the stored index to each cut: the
// per-request work of an excerpt from a 500,000-word single chapter.
func BenchmarkCutFromStored(b *testing.B) {
	text, idx := huge()
	data, _ := idx.MarshalBinary()
	rng := rand.New(rand.NewPCG(1, 1))
	for b.Loop() {
		var stored Index
		if err := stored.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
		c, _ := Pick(rng, []int{len(text)})
		Around(text, stored, c.Byte, c.Byte, Long)
	}
}

func BenchmarkCutLongSentence(b *testing.B) {
	text := newGen(6).noPunct(6000)
	text = strings.ReplaceAll(text, "\n\n", " ")
	idx := Segment(text)
	for b.Loop() {
		CutAt(text, idx, len(text)/2, Long)
	}
}

// BenchmarkFind500kWords looks for a phrase that is not there (the whole
// text is scanned) and for one in the last sentence.
func BenchmarkFind500kWords(b *testing.B) {
	text, idx := huge()
	s, e := idx.Span(text, idx.Len()-1)
	last := strings.ToUpper(strings.Join(strings.Fields(text[s:e])[:2], "  "))
	for _, tt := range []struct{ name, phrase string }{
		{"absent", "the dragon’s hoard"},
		{"absentAccented", "Éclair au café"},
		{"last", last},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				FindSpan(text, tt.phrase)
			}
		})
	}
}

// BenchmarkFindCJK scans 5 MB of Chinese for an absent Chinese phrase and
// an absent Latin one.
func BenchmarkFindCJK(b *testing.B) {
	text := strings.Repeat("他走了很远很远的路。她留下了，看着窗外的雨。", 80000)
	for _, phrase := range []string{"龙的宝藏", "Harry"} {
		b.Run(phrase, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				FindSpan(text, phrase)
			}
		})
	}
}
