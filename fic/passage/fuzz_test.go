package passage

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"",
	" ",
	"He left. She stayed.",
	"Mr. Potter met J. K. Rowling. “No.” She left. \"No!\" she said.",
	"Wait... what? Oh… Right. I… I don't. “I was—” “Stop.”",
	"para one\n\npara two\nline\n\n\n  para three",
	"他走了。她留下了。",
	"no punctuation at all just words",
	"Hi!World. e.g. etc. And No. 4 Privet Drive.",
	"*He left.* _She_ stayed. (Yes.) [No.]",
	"\xff\xfe broken \xc3 utf8. Ok.",
	"a\u0301\u0301 marks. \u0301Start.",
	strings.Repeat("x", 2000),
	strings.Repeat("word ", 500),
}

func FuzzSegment(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		idx := Segment(text)
		valid := utf8.ValidString(text) // boundaries are rune boundaries of valid text
		prev := 0
		for i, e := range idx {
			end := int(e)
			if end <= prev || end > len(text) {
				t.Fatalf("sentence %d ends at %d after %d (len %d)", i, end, prev, len(text))
			}
			if valid && end < len(text) && !utf8.RuneStart(text[end]) {
				t.Fatalf("sentence %d ends inside a rune", i)
			}
			s, e2 := idx.Span(text, i)
			if s >= e2 || strings.TrimSpace(text[s:e2]) != text[s:e2] {
				t.Fatalf("sentence %d span %d..%d %q", i, s, e2, text[s:e2])
			}
			prev = end
		}
		if valid && !idx.Valid(text) {
			t.Fatal("Segment made an invalid index")
		}
		if strings.TrimSpace(text) != "" && utf8.ValidString(text) && idx.Len() == 0 {
			t.Fatal("no sentence in a non-blank text")
		}
		b, err := idx.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Index
		if err := back.UnmarshalBinary(b); err != nil || (len(idx) > 0 || len(back) > 0) && !reflect.DeepEqual(back, idx) {
			t.Fatalf("round trip: %v %v", back, err)
		}
	})
}

func FuzzCut(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, i%3, i*7, 300+i*100)
	}
	f.Fuzz(func(t *testing.T, text string, start, off, length int) {
		idx := Segment(text)
		l := Length(length % 5000)
		for _, p := range []Passage{
			Cut(text, idx, start, l),
			CutAt(text, idx, off, l),
			Around(text, idx, off, off+start, l),
			Cut(text, Segment(text+" Extra words. And more."), start, l), // a stale index
		} {
			if p.StartByte < 0 || p.EndByte < p.StartByte || p.EndByte > len(text) {
				t.Fatalf("range %d..%d of %d", p.StartByte, p.EndByte, len(text))
			}
			if p.Empty() {
				if idx.Len() > 0 && p.Text != "" {
					t.Fatalf("empty passage with text %q", p.Text)
				}
				continue
			}
			if utf8.ValidString(text) && !utf8.ValidString(p.Text) {
				t.Fatalf("invalid UTF-8 %q", p.Text)
			}
			if p.Text == "" || strings.TrimSpace(p.Text) != p.Text {
				t.Fatalf("outer space or empty: %q", p.Text)
			}
			if n := utf8.RuneCountInString(p.Text); n > l.Max() {
				t.Fatalf("%d runes > %d", n, l.Max())
			}
		}
		// The chain from the start moves forward and ends.
		if idx.Len() > 0 {
			c, ok := First([]int{idx.Len()})
			last := -1
			for steps := 0; ok; steps++ {
				p := CutAt(text, idx, c.Byte, l)
				if p.StartByte <= last || steps > len(text)+1 {
					t.Fatalf("chain stuck at %d", p.StartByte)
				}
				last = p.StartByte
				c, ok = Next(p, 0, []int{idx.Len()})
			}
		}
	})
}

func FuzzFind(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "he")
		f.Add(s, "Left. she")
	}
	f.Add("café don’t — “x”", "CAFE DON'T - \"X\"")
	f.Fuzz(func(t *testing.T, text, phrase string) {
		start, end, ok := FindSpan(text, phrase)
		if !ok {
			if utf8.ValidString(text) && utf8.ValidString(phrase) && strings.TrimSpace(phrase) != "" {
				if i := strings.Index(text, phrase); i >= 0 && phraseKeys(phrase) != nil && !startsWithMark(phrase) {
					t.Fatalf("exact occurrence at %d not found", i)
				}
			}
			return
		}
		if start < 0 || end < start || end > len(text) {
			t.Fatalf("span %d..%d of %d", start, end, len(text))
		}
		if utf8.ValidString(text) && (start < len(text) && !utf8.RuneStart(text[start]) || end < len(text) && !utf8.RuneStart(text[end])) {
			t.Fatalf("span %d..%d not on rune boundaries", start, end)
		}
		if utf8.ValidString(text) && utf8.ValidString(phrase) {
			if i := strings.Index(text, strings.TrimSpace(phrase)); i >= 0 && start > i && !startsWithMark(phrase) {
				t.Fatalf("found at %d after the exact occurrence at %d", start, i)
			}
		}
	})
}

func startsWithMark(s string) bool {
	s = strings.TrimSpace(s)
	r, _ := utf8.DecodeRuneInString(s)
	return foldRune(r).n == 0
}
