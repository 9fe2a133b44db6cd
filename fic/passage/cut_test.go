package passage

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLength(t *testing.T) {
	for s, want := range map[string]Length{"short": Short, " Medium ": Medium, "LONG": Long} {
		if l, ok := ParseLength(s); !ok || l != want {
			t.Errorf("ParseLength(%q) = %d %v", s, l, ok)
		}
	}
	if l, ok := ParseLength("huge"); ok || l != Medium {
		t.Errorf("ParseLength(huge) = %d %v", l, ok)
	}
	if Short.Max() != 360 || Medium.Max() != 840 || Long.Max() != 1800 {
		t.Error("Max")
	}
	if Length(0).Target() != 700 || 2*Length(99999).Max() >= 4096 {
		t.Error("Target clamps")
	}
}

func TestCutSmall(t *testing.T) {
	text := "He left. She stayed.\n\n\n“Why?” he asked.\n\nThe end."
	idx := Segment(text)
	p := Cut(text, idx, 0, Short)
	want := "He left. She stayed.\n\n“Why?” he asked.\n\nThe end."
	if p.Text != want || p.StartSentence != 0 || p.EndSentence != 4 || p.Truncated || p.StartByte != 0 || p.EndByte != len(text) {
		t.Fatalf("got %+v", p)
	}
	p = Cut(text, idx, 2, Short)
	if p.Text != "“Why?” he asked.\n\nThe end." {
		t.Fatalf("from 2: %q", p.Text)
	}
	if _, ok := Next(p, 0, []int{idx.Len()}); ok {
		t.Fatal("Next after the last sentence of the story")
	}
	// Out of range starts are clamped.
	if p := Cut(text, idx, 99, Short); p.Text != "The end." {
		t.Fatalf("clamped: %q", p.Text)
	}
	if p := Cut("", nil, 0, Short); !p.Empty() || p.Text != "" {
		t.Fatal("empty chapter")
	}
}

func TestCutStopsNearTarget(t *testing.T) {
	s := "X" + strings.Repeat("x", 94) + "." // 96 runes
	text := strings.TrimSpace(strings.Repeat(s+" ", 30))
	idx := Segment(text)
	p := Cut(text, idx, 0, Short)
	// 3 sentences = 290 runes; a fourth would be 387 > 360.
	if p.EndSentence != 3 || utf8.RuneCountInString(p.Text) != 290 {
		t.Fatalf("got %d sentences, %d runes", p.EndSentence, utf8.RuneCountInString(p.Text))
	}
	// 278 + 41 = 319: the tolerance takes a sentence that lands nearer the
	// target (19 over) than stopping would (22 under).
	text = "Y" + strings.Repeat("y", 90) + ". Z" + strings.Repeat("z", 90) + ". W" + strings.Repeat("w", 90) + ". V" + strings.Repeat("v", 38) + ". End."
	idx = Segment(text)
	if p := Cut(text, idx, 0, Short); p.EndSentence != 4 {
		t.Fatalf("tolerance: %d sentences %d runes", p.EndSentence, utf8.RuneCountInString(p.Text))
	}
}

func TestCutLongSentence(t *testing.T) {
	words := strings.Fields("Alpha " + strings.Repeat("alpha beta gamma delta epsilon ", 400))
	text := "Short one. " + strings.Join(words, " ") + ". After."
	idx := Segment(text)
	if idx.Len() != 3 {
		t.Fatalf("%d sentences", idx.Len())
	}
	p := Cut(text, idx, 1, Medium)
	if !p.Truncated || !strings.HasSuffix(p.Text, "…") || utf8.RuneCountInString(p.Text) > Medium.Target() {
		t.Fatalf("not truncated right: %v %d", p.Truncated, utf8.RuneCountInString(p.Text))
	}
	if strings.HasSuffix(p.Text, " …") || text[p.EndByte] != ' ' {
		t.Fatalf("cut not at a word end: %q", p.Text[len(p.Text)-20:])
	}
	// Next continues inside the sentence, then reaches "After.".
	var all []string
	all = append(all, strings.Fields(strings.TrimSuffix(p.Text, "…"))...)
	for {
		c, ok := Next(p, 0, []int{idx.Len()})
		if !ok {
			break
		}
		p = CutAt(text, idx, c.Byte, Medium)
		if p.StartSentence == 1 && !p.Continued {
			t.Fatal("continuation lost")
		}
		inner := strings.TrimPrefix(p.Text, "…")
		if p.Truncated {
			inner = strings.TrimSuffix(inner, "…")
		}
		all = append(all, strings.Fields(inner)...)
	}
	if got, want := strings.Join(all, " "), strings.Join(words, " ")+". After."; got != want {
		t.Fatalf("continuations lost words: %d vs %d", len(got), len(want))
	}
}

func TestCutNoSpaces(t *testing.T) {
	cjk := strings.Repeat("他走了很远很远的路", 100) + "。"
	idx := Segment(cjk)
	p := Cut(cjk, idx, 0, Short)
	if !p.Truncated || utf8.RuneCountInString(p.Text) > Short.Target() || !utf8.ValidString(p.Text) {
		t.Fatalf("cjk: %+v", p)
	}
	token := strings.Repeat("é", 2000)
	idx = Segment(token)
	p = Cut(token, idx, 0, Short)
	if !p.Truncated || utf8.RuneCountInString(p.Text) > Short.Target() || !utf8.ValidString(p.Text) {
		t.Fatalf("token: %d runes", utf8.RuneCountInString(p.Text))
	}
	next := CutAt(token, idx, p.EndByte, Short)
	if !next.Continued || next.StartByte != p.EndByte {
		t.Fatalf("token continuation at %d: %+v", p.EndByte, next.StartByte)
	}
}

func TestCutStaleIndex(t *testing.T) {
	old := "A much longer chapter than the new one. It had many sentences. Really many."
	text := "Short now."
	idx := Segment(old)
	for s := -1; s < 5; s++ {
		p := Cut(text, idx, s, Short)
		if !utf8.ValidString(p.Text) || p.EndByte > len(text) {
			t.Fatalf("stale cut %d: %+v", s, p)
		}
	}
	for b := -5; b < 100; b += 3 {
		CutAt(text, idx, b, Short)
		Around(text, idx, b, b+4, Long)
	}
}

func TestCutAtMidWord(t *testing.T) {
	text := strings.Repeat("wordy ", 200) + "end."
	idx := Segment(text)
	p := CutAt(text, idx, 8, Short) // inside the second "wordy": on to the third
	if !p.Continued || p.StartByte != 12 || !strings.HasPrefix(p.Text, "…wordy") {
		t.Fatalf("mid-word start: %d %q", p.StartByte, p.Text[:12])
	}
}

func TestNextAcrossChapters(t *testing.T) {
	chapters := []string{"One. Two.", "", "   ", "Three.", "Four. Five."}
	counts := make([]int, len(chapters))
	for i, c := range chapters {
		counts[i] = Segment(c).Len()
	}
	cur, ok := First(counts)
	var got []string
	for ok {
		text := chapters[cur.Chapter]
		p := CutAt(text, Segment(text), cur.Byte, Short)
		got = append(got, p.Text)
		cur, ok = Next(p, cur.Chapter, counts)
	}
	if strings.Join(got, "|") != "One. Two.|Three.|Four. Five." {
		t.Fatalf("chain: %q", got)
	}
	if _, ok := First([]int{0, 0}); ok {
		t.Fatal("First of an empty story")
	}
}

func TestAroundChapterEnd(t *testing.T) {
	text := newGen(9).chapter(2000, 3)
	idx := Segment(text)
	last := idx.Len() - 1
	p := Around(text, idx, idx.Start(text, last), idx.Start(text, last), Medium)
	if p.EndSentence != idx.Len() || p.StartSentence >= last || utf8.RuneCountInString(p.Text) < Medium.Target()/2 {
		t.Fatalf("last sentence: %d..%d, %d runes", p.StartSentence, p.EndSentence, utf8.RuneCountInString(p.Text))
	}
}

func TestPick(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if _, ok := Pick(rng, []int{0, 0}); ok {
		t.Fatal("pick from nothing")
	}
	seen := map[int]int{}
	for range 3000 {
		c, ok := Pick(rng, []int{10, 0, 20})
		if !ok || c.Chapter == 1 || c.Byte < 0 || c.Byte >= []int{10, 0, 20}[c.Chapter] {
			t.Fatalf("bad pick %+v", c)
		}
		seen[c.Chapter]++
	}
	if seen[0] < 800 || seen[0] > 1200 {
		t.Fatalf("chapters not weighted by length: %v", seen)
	}
}

func TestRandomInChapter(t *testing.T) {
	text := newGen(12).chapter(1500, 4)
	idx := Segment(text)
	rng := rand.New(rand.NewPCG(3, 4))
	seen := make([]bool, idx.Len())
	for range 4000 {
		p := Random(rng, text, idx, Short)
		checkPassage(t, "random", text, idx, p, Short)
		for s := p.StartSentence; s < p.EndSentence; s++ {
			seen[s] = true
		}
	}
	for s, ok := range seen {
		if !ok && !isBreakAt(text, idx, s) {
			t.Fatalf("sentence %d of %d never came up", s, len(seen))
		}
	}
	if p := Random(rng, "", nil, Short); !p.Empty() {
		t.Fatal("random passage of nothing")
	}
}
