package passage

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// corpus is the set of long generated chapters the properties run over.
func corpus(t testing.TB) map[string][]string {
	t.Helper()
	g := newGen(42)
	return map[string][]string{
		"prose":         {g.chapter(4000, 3), g.chapter(2500, 3), g.chapter(300, 3), g.chapter(6000, 3)},
		"heavyDialogue": {g.chapter(5000, 9), g.chapter(3000, 10)},
		"noPunctuation": {g.noPunct(5000), g.noPunct(800)},
		"oneParagraph":  {g.oneParagraph(6000)},
		"mixed":         {g.chapter(2000, 5), "", "  \n\n ", g.noPunct(1500), g.oneParagraph(6000), g.chapter(100, 9)},
		"cjk":           {strings.Repeat("他走了很远很远的路，她留下了，看着窗外的雨", 60) + "。" + strings.Repeat("“你好。”她说。他走了。\n\n", 40)},
	}
}

var lengths = []Length{Short, Medium, Long}

func isSpaceRune(r rune) bool { return unicode.IsSpace(r) }

// checkIndex checks the segmentation invariants of idx over text.
func checkIndex(t *testing.T, name, text string, idx Index) {
	t.Helper()
	if !idx.Valid(text) {
		t.Fatalf("%s: index not valid", name)
	}
	for i := range idx {
		s, e := idx.Span(text, i)
		sent := text[s:e]
		if strings.Contains(sent, "\n\n") {
			t.Fatalf("%s: sentence %d crosses a paragraph: %q", name, i, sent)
		}
		if e < len(text) {
			r, _ := utf8.DecodeRuneInString(text[e:])
			if !isSpaceRune(r) && !cjkBoundary(text, e) {
				t.Fatalf("%s: sentence %d ends mid-word: %q|%q", name, i, sent, text[e:min(e+10, len(text))])
			}
		}
	}
	// Every paragraph end is a sentence end.
	ends := map[int]bool{}
	for _, e := range idx {
		ends[int(e)] = true
	}
	off := 0
	for _, para := range strings.Split(text, "\n\n") {
		if end := off + len(strings.TrimRightFunc(para, unicode.IsSpace)); strings.TrimSpace(para) != "" && !ends[end] {
			t.Fatalf("%s: paragraph ending at %d is no sentence end", name, end)
		}
		off += len(para) + 2
	}
}

// checkPassage checks the passage rules for p cut from text.
func checkPassage(t *testing.T, name, text string, idx Index, p Passage, l Length) {
	t.Helper()
	if p.Empty() {
		t.Fatalf("%s: empty passage", name)
	}
	if p.Text == "" || p.Text != strings.TrimSpace(p.Text) {
		t.Fatalf("%s: text empty or with outer space: %q", name, p.Text)
	}
	if n := utf8.RuneCountInString(p.Text); n > l.Max() {
		t.Fatalf("%s: %d runes > max %d", name, n, l.Max())
	}
	if !utf8.ValidString(p.Text) {
		t.Fatalf("%s: invalid UTF-8", name)
	}
	if p.Continued {
		if !strings.HasPrefix(p.Text, "…") {
			t.Fatalf("%s: continued without …: %q", name, p.Text)
		}
		if r, _ := utf8.DecodeLastRuneInString(text[:p.StartByte]); !isSpaceRune(r) && wordRune(r) {
			t.Fatalf("%s: continuation starts mid-word at %d", name, p.StartByte)
		}
	} else if p.StartByte != idx.Start(text, p.StartSentence) {
		t.Fatalf("%s: starts at %d, not at sentence %d start %d", name, p.StartByte, p.StartSentence, idx.Start(text, p.StartSentence))
	}
	for _, line := range strings.Split(p.Text, "\n") {
		if IsSceneBreak(line) {
			t.Fatalf("%s: a scene-break line %q in the passage", name, line)
		}
	}
	if isBreakAt(text, idx, p.StartSentence) {
		t.Fatalf("%s: starts at a scene break", name)
	}
	n := utf8.RuneCountInString(p.Text)
	if n < l.Target()/2 && p.EndSentence < len(idx) {
		t.Fatalf("%s: %d runes, under half of %d, though the chapter goes on", name, n, l.Target())
	}
	// The last sentence shown (scene breaks passed over at the chapter's
	// end are not shown).
	last := p.EndSentence - 1
	for last > p.StartSentence && isBreakAt(text, idx, last) {
		last--
	}
	if p.Truncated {
		if !strings.HasSuffix(p.Text, "…") {
			t.Fatalf("%s: truncated without …", name)
		}
		if r, _ := utf8.DecodeRuneInString(text[p.EndByte:]); !isSpaceRune(r) && wordRune(r) {
			t.Fatalf("%s: cut mid-word at %d: %q", name, p.EndByte, text[max(0, p.EndByte-10):min(len(text), p.EndByte+10)])
		}
		if ls := idx.Start(text, last); last != p.StartSentence &&
			n-utf8.RuneCountInString(text[ls:p.EndByte])-1-len(separator(text[idx[last-1]:ls])) >= l.Target()/2 {
			t.Fatalf("%s: a sentence cut though the passage was half its length without it", name)
		}
	} else {
		if p.EndByte != int(idx[last]) {
			t.Fatalf("%s: ends at %d, not at sentence end %d", name, p.EndByte, idx[last])
		}
		// Whole sentences were added while they fit, up to a scene break.
		if p.EndSentence < len(idx) && !isBreakAt(text, idx, p.EndSentence) {
			ns, ne := idx.Span(text, p.EndSentence)
			add := utf8.RuneCountInString(text[ns:ne]) + len(separator(text[p.EndByte:ns]))
			if n+add <= l.Target() {
				t.Fatalf("%s: stopped at %d runes though the next sentence (%d) fits %d", name, n, add, l.Target())
			}
		}
	}
	// The text is the original with normalised gaps, scene breaks left out.
	inner := p.Text
	if p.Continued {
		inner = strings.TrimPrefix(inner, "…")
	}
	if p.Truncated {
		inner = strings.TrimSuffix(inner, "…")
	}
	var want []string
	crossed := false
	for i := p.StartSentence; i < p.EndSentence; i++ {
		if isBreakAt(text, idx, i) {
			crossed = true
			continue
		}
		ss, se := idx.Span(text, i)
		want = append(want, strings.Fields(text[max(ss, p.StartByte):min(se, p.EndByte)])...)
	}
	if crossed && strings.Join(strings.Fields(inner), "") != strings.Join(want, "") ||
		!crossed && strings.Join(strings.Fields(inner), " ") != strings.Join(strings.Fields(text[p.StartByte:p.EndByte]), " ") {
		t.Fatalf("%s: text differs from the original range", name)
	}
	// Paragraph breaks are kept.
	if !crossed && strings.Count(text[p.StartByte:p.EndByte], "\n\n") != strings.Count(p.Text, "\n\n") {
		t.Fatalf("%s: paragraph breaks not kept", name)
	}
}

func TestPropertyEveryPassage(t *testing.T) {
	for kind, chapters := range corpus(t) {
		for c, text := range chapters {
			idx := Segment(text)
			checkIndex(t, kind, text, idx)
			for _, l := range lengths {
				for s := 0; s < len(idx); s++ {
					p := Cut(text, idx, s, l)
					if prose(text, idx, s) == len(idx) {
						if !p.Empty() || p.EndSentence != len(idx) {
							t.Fatalf("%s: passage %+v from the scene breaks ending the chapter", kind, p)
						}
						continue
					}
					checkPassage(t, kind, text, idx, p, l)
				}
			}
			_ = c
		}
	}
}

// TestPropertyNextChain reads each story through with Next and checks every
// word is read exactly once, in order, and every sentence is shown.
func TestPropertyNextChain(t *testing.T) {
	for kind, chapters := range corpus(t) {
		idxs := make([]Index, len(chapters))
		counts := make([]int, len(chapters))
		for i, text := range chapters {
			idxs[i] = Segment(text)
			counts[i] = idxs[i].Len()
		}
		for _, l := range lengths {
			var got []string
			seen := make([][]int, len(chapters))
			cur, ok := First(counts)
			lastCh, lastEnd := -1, 0
			steps := 0
			for ok {
				text, idx := chapters[cur.Chapter], idxs[cur.Chapter]
				p := CutAt(text, idx, cur.Byte, l)
				if p.Empty() {
					// Only scene breaks were left in the chapter.
					if prose(text, idx, idx.SentenceAt(cur.Byte)) != len(idx) || p.EndSentence != len(idx) {
						t.Fatalf("%s: empty passage at %d", kind, cur.Byte)
					}
					cur, ok = Next(p, cur.Chapter, counts)
					continue
				}
				checkPassage(t, kind, text, idx, p, l)
				if cur.Chapter == lastCh {
					want := skipSpace(text, lastEnd, len(text))
					if !p.Continued {
						want = idx.Start(text, prose(text, idx, idx.SentenceAt(want)))
					}
					if p.StartByte != want {
						t.Fatalf("%s/%d: gap or repeat: passage starts at %d, previous ended at %d", kind, l, p.StartByte, lastEnd)
					}
				} else {
					if lastCh >= 0 {
						lt, li := chapters[lastCh], idxs[lastCh]
						if prose(lt, li, li.SentenceAt(lastEnd)+1) != len(li) {
							t.Fatalf("%s: chapter %d left before its end", kind, lastCh)
						}
					}
					if p.StartByte != idx.Start(text, prose(text, idx, 0)) {
						t.Fatalf("%s: chapter %d not read from its start", kind, cur.Chapter)
					}
				}
				for s := p.StartSentence; s < p.EndSentence; s++ {
					if !isBreakAt(text, idx, s) {
						seen[cur.Chapter] = append(seen[cur.Chapter], s)
					}
				}
				inner := p.Text
				if p.Continued {
					inner = strings.TrimPrefix(inner, "…")
				}
				if p.Truncated {
					inner = strings.TrimSuffix(inner, "…")
				}
				got = append(got, strings.Fields(inner)...)
				lastCh, lastEnd = cur.Chapter, p.EndByte
				cur, ok = Next(p, cur.Chapter, counts)
				if steps++; steps > 1_000_000 {
					t.Fatal("chain does not end")
				}
			}
			// Every word of prose (scene breaks left out) once, in order.
			var want []string
			var prosed [][]int
			for c, text := range chapters {
				idx := idxs[c]
				var ps []int
				for i := range idx.Len() {
					if !isBreakAt(text, idx, i) {
						ss, se := idx.Span(text, i)
						want = append(want, strings.Fields(text[ss:se])...)
						ps = append(ps, i)
					}
				}
				prosed = append(prosed, ps)
			}
			if strings.Join(got, "") != strings.Join(want, "") {
				t.Fatalf("%s/%d: chain read %d words, story has %d", kind, l, len(got), len(want))
			}
			for c, s := range seen {
				// Each sentence in order; a cut sentence repeats only in
				// consecutive pieces.
				next := 0
				for k, x := range s {
					if k > 0 && x == s[k-1] {
						continue
					}
					if next >= len(prosed[c]) || x != prosed[c][next] {
						t.Fatalf("%s: chapter %d sentence %d out of order", kind, c, x)
					}
					next++
				}
				if next != len(prosed[c]) {
					t.Fatalf("%s: chapter %d: read %d of %d sentences", kind, c, next, len(prosed[c]))
				}
			}
		}
	}
}

// TestPropertyRandomReach picks random passages with a fixed seed and checks
// that every sentence of the story comes up and that the story's tenths come
// up about equally often.
func TestPropertyRandomReach(t *testing.T) {
	for kind, chapters := range corpus(t) {
		idxs := make([]Index, len(chapters))
		lens := make([]int, len(chapters))
		total := 0
		for i, text := range chapters {
			idxs[i] = Segment(text)
			lens[i] = len(text)
			total += len(text)
		}
		rng := rand.New(rand.NewPCG(7, 11))
		covered := make([][]bool, len(chapters))
		for i := range covered {
			covered[i] = make([]bool, idxs[i].Len())
		}
		var tenths [10]int
		const n = 20000
		for k := range n {
			c, ok := Pick(rng, lens)
			if !ok {
				t.Fatal("no pick")
			}
			text, idx := chapters[c.Chapter], idxs[c.Chapter]
			before := 0
			for _, l := range lens[:c.Chapter] {
				before += l
			}
			tenths[(before+c.Byte)*10/total]++
			if idx.Len() == 0 {
				continue // a blank chapter of white space
			}
			p := Around(text, idx, c.Byte, c.Byte, Medium)
			if k%10 == 0 {
				checkPassage(t, kind, text, idx, p, Medium)
			}
			if p.Continued {
				t.Fatalf("%s: a random passage starts inside a sentence: %q", kind, p.Text)
			}
			if s := idx.SentenceAt(c.Byte); !isBreakAt(text, idx, s) && (s < p.StartSentence || s >= p.EndSentence) {
				t.Fatalf("%s: random place %d (sentence %d) outside passage %d..%d", kind, c.Byte, s, p.StartSentence, p.EndSentence)
			}
			for s := p.StartSentence; s < p.EndSentence; s++ {
				covered[c.Chapter][s] = true
			}
		}
		for c, cv := range covered {
			for s, ok := range cv {
				if !ok && !isBreakAt(chapters[c], idxs[c], s) {
					t.Fatalf("%s: chapter %d sentence %d of %d never came up", kind, c, s, len(cv))
				}
			}
		}
		for i, k := range tenths {
			if k < n/10*8/10 || k > n/10*12/10 {
				t.Fatalf("%s: tenth %d came up %d times of %d", kind, i, k, n)
			}
		}
	}
}
