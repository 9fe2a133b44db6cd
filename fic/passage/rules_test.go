package passage

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// Passage rules of a careful editor (SPEC.md, /excerpt), one by one.

// longSentence is one sentence of about n words, without a stop inside.
func longSentence(n int) string {
	w := strings.Fields("and the rain went on over the roofs of the town while nobody")
	var b strings.Builder
	b.WriteString("Then")
	for i := 0; i < n; i++ {
		b.WriteString(" " + w[i%len(w)])
	}
	b.WriteString(".")
	return b.String()
}

func TestRandomNeverStartsInsideASentence(t *testing.T) {
	long := longSentence(600)
	text := "It began quietly. " + long + " It ended."
	idx := Segment(text)
	if idx.Len() != 3 {
		t.Fatalf("%d sentences", idx.Len())
	}
	ls, le := idx.Span(text, 1)
	for _, off := range []int{ls, ls + 10, (ls + le) / 2, le - 3} {
		for _, l := range lengths {
			p := Around(text, idx, off, off, l)
			if p.Continued || strings.HasPrefix(p.Text, "…") {
				t.Fatalf("Around(%d) starts inside a sentence: %q", off, p.Text[:20])
			}
			if p.StartByte != idx.Start(text, p.StartSentence) || p.StartSentence > 1 {
				t.Fatalf("Around(%d) starts at %d", off, p.StartByte)
			}
			checkPassage(t, "long", text, idx, p, l)
		}
	}
	// Only Next passage continues the cut sentence, after "…".
	p := Cut(text, idx, 1, Short)
	c, _ := Next(p, 0, []int{idx.Len()})
	if q := CutAt(text, idx, c.Byte, Short); !q.Continued || !strings.HasPrefix(q.Text, "…") {
		t.Fatalf("Next does not continue the cut sentence: %q", q.Text)
	}
}

func TestSceneBreakNeitherStartNorPart(t *testing.T) {
	scene := func(word string, n int) string {
		var s []string
		for i := 0; i < n; i++ {
			s = append(s, "The "+word+" went by slowly and nobody spoke of it.")
		}
		return strings.Join(s, " ")
	}
	// Two long scenes: a passage stops at the break.
	text := scene("morning", 12) + "\n\n* * *\n\n" + scene("evening", 12)
	idx := Segment(text)
	brk := 12
	if !isBreakAt(text, idx, brk) {
		t.Fatalf("sentence %d is no scene break: %q", brk, text[idx.Start(text, brk):idx[brk]])
	}
	p := Cut(text, idx, brk, Short)
	if p.StartSentence != brk+1 || strings.Contains(p.Text, "*") {
		t.Fatalf("Cut at the break: %d %q", p.StartSentence, p.Text)
	}
	p = Cut(text, idx, 4, Medium)
	if strings.Contains(p.Text, "*") || p.EndSentence != brk {
		t.Fatalf("passage crosses the scene break: %q", p.Text)
	}
	off := idx.Start(text, brk) + 2
	p = Around(text, idx, off, off, Short)
	if strings.Contains(p.Text, "*") || p.StartSentence == brk {
		t.Fatalf("Around the break: %q", p.Text)
	}
	// At the end of a scene, Around takes earlier sentences of the scene.
	last := idx.Start(text, brk-1)
	p = Around(text, idx, last, last, Medium)
	if p.EndSentence != brk || utf8.RuneCountInString(p.Text) < Medium.Target()/2 {
		t.Fatalf("end of scene: %d..%d %d runes", p.StartSentence, p.EndSentence, utf8.RuneCountInString(p.Text))
	}
	// A short scene: rather than stop under half its length, the passage
	// goes on past the break without showing it.
	text = "Short. Scene.\n\n~~~\n\n" + scene("night", 10)
	idx = Segment(text)
	p = Cut(text, idx, 0, Short)
	if strings.Contains(p.Text, "~") || !strings.HasPrefix(p.Text, "Short. Scene.\n\nThe night") || utf8.RuneCountInString(p.Text) < Short.Target()/2 {
		t.Fatalf("short scene: %q", p.Text)
	}
	p = Around(text, idx, 2, 2, Short)
	if strings.Contains(p.Text, "~") || utf8.RuneCountInString(p.Text) < Short.Target()/2 {
		t.Fatalf("short scene, Around: %q", p.Text)
	}
	// Breaks ending a chapter end it: Next goes to the next chapter.
	text = "One. Two.\n\n* * *\n\n#"
	idx = Segment(text)
	p = Cut(text, idx, 0, Short)
	if p.Text != "One. Two." || p.EndSentence != idx.Len() {
		t.Fatalf("trailing breaks: %+v", p)
	}
	if _, ok := Next(p, 0, []int{idx.Len()}); ok {
		t.Fatal("Next into the trailing scene breaks")
	}
	// A stale cursor inside a scene break starts at the next sentence.
	text = "One.\n\n* * * * *\n\nTwo."
	idx = Segment(text)
	if p := CutAt(text, idx, strings.Index(text, "* *")+2, Short); p.Continued || p.Text != "Two." {
		t.Fatalf("cursor inside a break: %+v", p)
	}
	// A chapter of nothing but a scene break has no passage.
	for _, p := range []Passage{Cut("* * *", Segment("* * *"), 0, Short), Around("* * *", nil, 1, 1, Short), CutAt("o0o", nil, 0, Long)} {
		if !p.Empty() || p.Text != "" {
			t.Fatalf("passage of a scene break: %+v", p)
		}
	}
}

func TestPassageReachesHalfItsLength(t *testing.T) {
	long := longSentence(400)
	text := "He waited. " + long + " The end came."
	idx := Segment(text)
	for _, l := range lengths {
		p := Cut(text, idx, 0, l)
		n := utf8.RuneCountInString(p.Text)
		if n < l.Target()/2 || !p.Truncated || !strings.HasPrefix(p.Text, "He waited. Then") || !strings.HasSuffix(p.Text, "…") {
			t.Fatalf("%d: %d runes %q", l, n, p.Text)
		}
		checkPassage(t, "half", text, idx, p, l)
		// Next continues the cut sentence.
		c, _ := Next(p, 0, []int{idx.Len()})
		q := CutAt(text, idx, c.Byte, l)
		if !q.Continued || q.StartSentence != 1 {
			t.Fatalf("%d: next %+v", l, q)
		}
	}
	// A passage at least half its length stops before a sentence too long.
	text = strings.Repeat("Rain fell on the town all night. ", 6) + long
	idx = Segment(text)
	if p := Cut(text, idx, 0, Short); p.Truncated || p.EndSentence != 6 {
		t.Fatalf("stopped short: %+v", p)
	}
}

// TestPropertyEditorStyles runs the package properties and the editor's
// rules over generated novels (hard-wrapped lines, exclamations inside
// sentences, long sentences) and AO3 works (dialogue, scene breaks), many
// seeds: random passages and whole Next chains.
func TestPropertyEditorStyles(t *testing.T) {
	seeds := 25
	if testing.Short() {
		seeds = 5
	}
	for seed := 1; seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 5))
		for _, s := range editorCorpus(uint64(seed) + 1000) {
			text := s.tt.text
			idx := Segment(text)
			checkIndex(t, s.kind, text, idx)
			for k := 0; k < 40; k++ {
				l := lengths[rng.IntN(len(lengths))]
				off := rng.IntN(len(text))
				p := Around(text, idx, off, off, l)
				checkPassage(t, s.kind, text, idx, p, l)
				if p.Continued {
					t.Fatalf("%s: random passage inside a sentence: %q", s.kind, p.Text)
				}
			}
			l := lengths[seed%len(lengths)]
			c, ok := First([]int{idx.Len()})
			for ok {
				p := CutAt(text, idx, c.Byte, l)
				if p.Empty() {
					break
				}
				checkPassage(t, s.kind, text, idx, p, l)
				c, ok = Next(p, 0, []int{idx.Len()})
			}
		}
	}
}
