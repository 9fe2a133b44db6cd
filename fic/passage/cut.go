package passage

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Length is the target length of a passage in characters (runes).
type Length int

// The three lengths of /excerpt's length option.
const (
	Short  Length = 300
	Medium Length = 700
	Long   Length = 1500
)

// maxTarget keeps Max (2040) below Discord's 4096-character embed
// description even when every character of a passage gets a markdown escape.
const maxTarget = 1700

// ParseLength maps "short", "medium" and "long" (any case) to a Length;
// anything else is Medium with ok false.
func ParseLength(s string) (l Length, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "short":
		return Short, true
	case "medium":
		return Medium, true
	case "long":
		return Long, true
	}
	return Medium, false
}

// Target is the length a passage aims at: l itself, Medium when l is not
// positive, at most 1700.
func (l Length) Target() int {
	switch {
	case l <= 0:
		return int(Medium)
	case l > maxTarget:
		return maxTarget
	}
	return int(l)
}

// Max is the most runes a passage of this length ever has: Target plus 20%
// (360, 840 and 1800 for Short, Medium and Long).
func (l Length) Max() int { t := l.Target(); return t + t/5 }

// Passage is a run of whole sentences of one chapter, maybe ending with
// the start of a sentence cut at a word, or a piece of one sentence too
// long for any passage.
type Passage struct {
	// StartSentence is the first sentence shown; EndSentence is one past
	// the last (shown in part when Truncated; scene breaks passed over at
	// the chapter's end included).
	StartSentence, EndSentence int
	// Text is what to show: text[StartByte:EndByte] with the white space
	// between sentences made a single " ", "\n" or (between paragraphs)
	// "\n\n", scene-break lines left out (as a "\n\n"), plus "…" at a cut.
	// It never starts or ends with white space.
	Text string
	// Truncated: the last sentence was cut at a word and "…" appended; the
	// sentence goes on at EndByte.
	Truncated bool
	// Continued: the passage starts inside a sentence cut by an earlier
	// passage, and Text starts with "…".
	Continued bool
	// StartByte and EndByte are the range of the chapter text shown.
	StartByte, EndByte int
}

// Empty reports whether there is no passage (a chapter without sentences,
// or with only scene breaks from there on).
func (p Passage) Empty() bool { return p.EndSentence <= p.StartSentence }

// Cut returns the passage starting at sentence startSentence of text, whose
// sentence index is idx (clamped into range; an index that plainly belongs
// to another text is made again), or at the next sentence of prose when
// that one is a scene break. Whole sentences are added while the passage
// stays near length (see Length.Max); a first sentence longer than Max, or
// a sentence that would leave the passage under half its length, is cut at
// a word with "…". It never panics, also with an
// index that does not belong to text; a chapter without sentences gives an
// empty Passage.
func Cut(text string, idx Index, startSentence int, length Length) Passage {
	idx = usable(text, idx)
	if len(idx) == 0 {
		return Passage{}
	}
	startSentence = min(max(startSentence, 0), len(idx)-1)
	return CutAt(text, idx, idx.Start(text, startSentence), length)
}

// CutAt returns the passage that begins at byte offset startByte of text, as
// a Cursor from Next gives it. An offset at or before a sentence start
// (white space included) starts there; an offset inside a sentence (where a
// Truncated passage ended) continues that sentence from the next word, with
// Continued set and "…" in front. Scene-break lines are skipped: the
// passage starts at the first sentence of prose from there. When only
// scene breaks are left in the chapter, the passage is empty and ends at
// the chapter's end (Next goes on to the next chapter).
func CutAt(text string, idx Index, startByte int, length Length) Passage {
	idx = usable(text, idx)
	if len(idx) == 0 {
		return Passage{}
	}
	s := idx.SentenceAt(startByte)
	ss, se := idx.Span(text, s)
	from := clampRune(text, startByte)
	if from > ss && from < se && !isBreakAt(text, idx, s) {
		if from = wordStart(text, ss, se, from); from > ss {
			return build(text, idx, s, from, true, forward(text, idx, s, from, true, length, true))
		}
	}
	s = prose(text, idx, s)
	if s == len(idx) {
		return emptyAtEnd(text, idx)
	}
	ss, _ = idx.Span(text, s)
	return build(text, idx, s, ss, false, forward(text, idx, s, ss, false, length, true))
}

// emptyAtEnd is the empty passage at the end of a chapter holding no more
// prose.
func emptyAtEnd(text string, idx Index) Passage {
	n := len(idx)
	return Passage{StartSentence: n, EndSentence: n, StartByte: int(idx[n-1]), EndByte: int(idx[n-1])}
}

// isBreakAt reports whether sentence i of text is a scene-break line.
func isBreakAt(text string, idx Index, i int) bool {
	s, e := idx.Span(text, i)
	return e-s <= maxBreakLine && IsSceneBreak(text[s:e])
}

// prose returns the first sentence from s on that is no scene break, or
// len(idx).
func prose(text string, idx Index, s int) int {
	for s < len(idx) && isBreakAt(text, idx, s) {
		s++
	}
	return s
}

// Around returns a passage of text holding the byte range [from, to) (a
// match of Find, say, or a random offset with to == from). It starts where
// a sentence starts, never inside one: at the sentence containing from (the
// next sentence of prose when from falls on a scene break) and, when the
// chapter or the scene ends before the passage is near its length, takes
// earlier sentences of the same scene in front. A passage that would still
// stay under half its length goes on past the scene break (not showing
// it). When the sentence at from is longer than a passage, the passage is
// its beginning, cut with "…", and may end before the range.
func Around(text string, idx Index, from, to int, length Length) Passage {
	idx = usable(text, idx)
	if len(idx) == 0 {
		return Passage{}
	}
	from = clampRune(text, from)
	s := idx.SentenceAt(from)
	if p := prose(text, idx, s); p < len(idx) {
		s = p
	} else {
		for s >= 0 && isBreakAt(text, idx, s) {
			s--
		}
		if s < 0 {
			return emptyAtEnd(text, idx)
		}
	}
	ss, _ := idx.Span(text, s)
	target := length.Target()
	end := forward(text, idx, s, ss, false, length, false)
	first := s
	if !end.truncated && end.runes < target && (end.sentence == len(idx) || isBreakAt(text, idx, end.sentence)) {
		// The chapter or the scene ended first: take earlier sentences of
		// the scene in front.
		runes := end.runes
		maxRunes := length.Max()
		for first > 0 && !isBreakAt(text, idx, first-1) {
			ps, pe := idx.Span(text, first-1)
			ns, _ := idx.Span(text, first)
			add := runesUpTo(text[ps:pe], maxRunes+1) + len(separator(text[pe:ns]))
			if !fits(runes, add, target, maxRunes) {
				break
			}
			runes += add
			first--
			if runes >= target {
				break
			}
		}
		if runes < target/2 && end.sentence < len(idx) {
			// Still short, and only a scene break ends it: go on past
			// the break.
			fs, _ := idx.Span(text, first)
			return build(text, idx, first, fs, false, forward(text, idx, first, fs, false, length, true))
		}
	}
	fs, _ := idx.Span(text, first)
	return build(text, idx, first, fs, false, end)
}

// usable returns idx, or when it plainly does not belong to text (its last
// sentence does not end where the text's last non-space character does, as
// every index Segment makes does) the index of text made now: slow for a
// huge chapter, but right.
func usable(text string, idx Index) Index {
	end := trimSpaceEnd(text, 0, len(text))
	if len(idx) == 0 && end == 0 || len(idx) > 0 && int(idx[len(idx)-1]) == end {
		return idx
	}
	return Segment(text)
}

// stop is where a passage ends.
type stop struct {
	sentence  int  // one past the last sentence (in part when truncated)
	truncated bool // the last sentence is cut at cut
	cut       int  // byte offset of the cut when truncated
	runes     int
}

// fits reports whether a passage of runes runes may grow by add runes.
func fits(runes, add, target, maxRunes int) bool {
	n := runes + add
	if n <= target {
		return true
	}
	return n <= maxRunes && n-target < target-runes
}

// forward finds where a passage beginning at byte from of sentence s ends.
// Whole sentences are added while the passage stays near its length; a
// passage under half its length takes the next sentence cut at a word
// rather than stopping short. Scene-break lines are never shown: the
// passage ends before one, or, with cross and while under half its length,
// goes on past it. Scene breaks ending the chapter are passed over (the
// passage ends the chapter).
func forward(text string, idx Index, s, from int, cont bool, length Length, cross bool) stop {
	target, maxRunes := length.Target(), length.Max()
	runes := 0
	if cont {
		runes = 1 // the leading "…"
	}
	_, se := idx.Span(text, s)
	if n := runesUpTo(text[from:se], maxRunes); runes+n > maxRunes {
		return stop{sentence: s + 1, truncated: true, cut: cutWord(text, from, se, target-runes-1), runes: target}
	} else {
		runes += n
	}
	i := s + 1
	prevEnd := se
	for i < len(idx) && runes < target {
		if isBreakAt(text, idx, i) {
			j := prose(text, idx, i)
			if j == len(idx) {
				return stop{sentence: j, runes: runes}
			}
			if !cross || runes >= target/2 {
				return stop{sentence: i, runes: runes}
			}
			i = j
		}
		ns, ne := idx.Span(text, i)
		sep := len(separator(text[prevEnd:ns]))
		add := runesUpTo(text[ns:ne], maxRunes+1) + sep
		if !fits(runes, add, target, maxRunes) {
			if runes < target/2 {
				// Rather than stop short, show the start of the next
				// sentence.
				return stop{sentence: i + 1, truncated: true, cut: cutWord(text, ns, ne, target-runes-sep-1), runes: target}
			}
			break
		}
		runes += add
		prevEnd = ne
		i++
	}
	if i < len(idx) && prose(text, idx, i) == len(idx) {
		i = len(idx) // only scene breaks are left: the chapter ends here
	}
	return stop{sentence: i, runes: runes}
}

// build assembles the passage from byte from of sentence first to end,
// leaving out scene-break lines.
func build(text string, idx Index, first, from int, cont bool, end stop) Passage {
	p := Passage{StartSentence: first, EndSentence: end.sentence, Truncated: end.truncated, Continued: cont, StartByte: from}
	var b strings.Builder
	last := end.sentence - 1
	if end.truncated {
		b.Grow(end.cut - from + 2*len("…"))
	} else if last >= first {
		_, e := idx.Span(text, last)
		b.Grow(e - from + len("…"))
	}
	if cont {
		b.WriteString("…")
	}
	prevEnd := -1
	for i := first; i < end.sentence; i++ {
		ss, se := idx.Span(text, i)
		if i == first {
			ss = from
		}
		if i == last && end.truncated {
			se = end.cut
		} else if i != first && isBreakAt(text, idx, i) {
			continue
		}
		if se <= ss {
			continue
		}
		if prevEnd >= 0 {
			b.WriteString(separator(text[prevEnd:ss]))
		}
		b.WriteString(text[ss:se])
		prevEnd = se
	}
	if end.truncated {
		b.WriteString("…")
	}
	p.EndByte = max(prevEnd, from)
	p.Text = b.String()
	return p
}

// separator is what a passage shows for the white space gap between two
// sentences: "\n\n" between paragraphs, "\n" for a line break, " " for
// other space, nothing when there is none (CJK).
func separator(gap string) string {
	switch strings.Count(gap, "\n") {
	case 0:
		if gap == "" {
			return ""
		}
		return " "
	case 1:
		return "\n"
	}
	return "\n\n"
}

// runesUpTo counts the runes of s, stopping once it passes limit.
func runesUpTo(s string, limit int) int {
	if len(s) <= limit {
		return utf8.RuneCountInString(s)
	}
	n := 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, w := utf8.DecodeRuneInString(s[i:])
			i += w
		}
		n++
		if n > limit {
			return n
		}
	}
	return n
}

// cutWord returns the end of the longest run of whole words of text[from:end]
// with at most budget runes (white space trimmed). Text without spaces (CJK)
// is cut at a UAX #29 word boundary; a single word longer than budget at a
// grapheme boundary. The result is always > from.
func cutWord(text string, from, end, budget int) int {
	budget = max(budget, 1)
	limit, lastSpace := from, -1
	prevSpace := true
	for n := 0; limit < end && n < budget; n++ {
		r, w := utf8.DecodeRuneInString(text[limit:])
		sp := unicode.IsSpace(r)
		if sp && !prevSpace {
			lastSpace = limit
		}
		prevSpace = sp
		limit += w
	}
	if limit < end {
		// Is the run ending at limit a whole word by itself?
		r, _ := utf8.DecodeRuneInString(text[limit:])
		if unicode.IsSpace(r) && !prevSpace {
			lastSpace = limit
		}
	}
	if lastSpace > from {
		return trimSpaceEnd(text, from, lastSpace)
	}
	// No space: UAX #29 words (each CJK ideograph is one), then graphemes.
	best := -1
	rest, state, pos := text[from:end], -1, from
	for len(rest) > 0 {
		var word string
		word, rest, state = uniseg.FirstWordInString(rest, state)
		if pos+len(word) > limit {
			break
		}
		pos += len(word)
		best = pos
	}
	if best > from {
		return trimSpaceEnd(text, from, best)
	}
	rest, state, pos = text[from:end], -1, from
	for len(rest) > 0 {
		var g string
		g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if pos+len(g) > limit {
			break
		}
		pos += len(g)
	}
	if pos > from {
		return pos
	}
	_, w := utf8.DecodeRuneInString(text[from:])
	return from + w
}

// wordStart moves off (inside a sentence starting at ss and ending at se)
// forward over white space and, if it then falls inside a word of a script
// written with spaces (a stale Cursor), on to the next word's start. Inside
// a single word longer than a passage (no next word) it stays, so a chain
// of continuations always moves forward.
func wordStart(text string, ss, se, off int) int {
	off = skipSpace(text, off, se)
	if off <= ss || off >= se {
		return off
	}
	p, _ := utf8.DecodeLastRuneInString(text[:off])
	r, _ := utf8.DecodeRuneInString(text[off:])
	if !wordRune(p) || !wordRune(r) {
		return off
	}
	for i := off; i < se; {
		c, w := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(c) {
			return skipSpace(text, i, se)
		}
		i += w
	}
	return off
}

// wordRune reports letters and digits of scripts that separate words with
// spaces (not Han, kana, Thai, ...), and apostrophes inside words.
func wordRune(r rune) bool {
	if r == '\'' || r == '’' {
		return true
	}
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
		return false
	}
	return !unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)
}
