package passage

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Segment returns the sentence index of one chapter's text, by the rules in
// the package documentation. It is meant to run once, at import; store the
// result beside the chapter. The text should be valid UTF-8 (importers
// should apply strings.ToValidUTF8): with invalid bytes nothing panics, but
// a boundary may fall next to a stray byte. Texts of 4 GiB or more are not
// supported (the importers cap files far below).
func Segment(text string) Index {
	var idx Index
	var cands []int
	forParagraphs(text, func(ps, pe int) {
		forBlocks(text, ps, pe, func(bs, be int) {
			cands = candidates(text, bs, be, cands[:0])
			for i, c := range cands {
				if i == len(cands)-1 || isBreak(text, c, skipSpace(text, c, be)) {
					idx = append(idx, uint32(c))
				}
			}
		})
	})
	return idx
}

// forBlocks calls f with the trimmed ranges of the paragraph text[ps:pe]
// between its scene-break lines, and with each scene-break line: a line
// that only marks a scene break is a sentence of its own (one that no
// passage shows), never the end or the start of a sentence of prose.
func forBlocks(text string, ps, pe int, f func(start, end int)) {
	start := ps
	for ls := ps; ls < pe; {
		le := pe
		if k := strings.IndexByte(text[ls:pe], '\n'); k >= 0 {
			le = ls + k
		} else if ls == ps {
			break // a single line: the paragraph is one block
		}
		if IsSceneBreak(text[ls:le]) {
			if e := trimSpaceEnd(text, start, ls); e > start {
				f(start, e)
			}
			bs := skipSpace(text, ls, le)
			f(bs, trimSpaceEnd(text, bs, le))
			start = skipSpace(text, le, pe)
		}
		ls = le + 1
	}
	if start < pe {
		f(start, pe)
	}
}

// maxBreakLine is the longest line (in bytes) taken for a scene break.
const maxBreakLine = 80

// IsSceneBreak reports whether line (white space around it ignored) only
// marks a scene break: "* * *", "***", "~~~", "—", "#", "o0o", "-x-",
// "xXx", "◇◆◇" and the like. Such a line holds no letter or digit other
// than o, O, 0, x and X (and those only as an ornament: with a symbol, or
// mixed as in "o0o"), no quotation mark, and is not made only of stops
// ("...", "?!": a pause in dialogue is prose).
func IsSceneBreak(line string) bool {
	line = strings.TrimSpace(line)
	if line == "" || len(line) > maxBreakLine {
		return false
	}
	symbols, stops, letters := 0, 0, 0
	var kinds [5]bool
	for _, r := range line {
		switch {
		case unicode.IsSpace(r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			k := strings.IndexRune("oO0xX", r)
			if k < 0 {
				return false
			}
			kinds[k] = true
			letters++
		case r == '"' || r == '\'' || isOpener(r) && r != '(' && r != '[' && r != '{' ||
			r == '”' || r == '’' || r == '»' || r == '›' || r == '」' || r == '』':
			return false
		case r == '.' || r == '…' || r == '!' || r == '?' || r == '‽' || r == ',' || r == ';' || r == ':':
			stops++
		default:
			symbols++
		}
	}
	if symbols == 0 && letters == 0 {
		return false // only stops, or nothing
	}
	if letters == 0 {
		return true
	}
	n := 0
	for _, k := range kinds {
		if k {
			n++
		}
	}
	// "o0o", "xXx", "-x-", "~o~": an ornament, not a word ("Ox", "XO").
	return letters+symbols+stops >= 3 && (symbols > 0 || n >= 2)
}

// forParagraphs calls f with the trimmed byte range of each non-blank
// paragraph of text. Paragraphs are separated by white space holding at
// least two newlines.
func forParagraphs(text string, f func(start, end int)) {
	i := 0
	for i < len(text) {
		start := skipSpace(text, i, len(text))
		if start == len(text) {
			return
		}
		// Find the next paragraph break after start.
		end := len(text)
		j := start
		for {
			k := strings.IndexByte(text[j:], '\n')
			if k < 0 {
				break
			}
			nl := j + k
			// Does the white-space run around this newline hold two newlines?
			ws := nl
			for ws > start {
				r, n := utf8.DecodeLastRuneInString(text[:ws])
				if !unicode.IsSpace(r) {
					break
				}
				ws -= n
			}
			we, newlines := nl, 0
			for we < len(text) {
				r, n := utf8.DecodeRuneInString(text[we:])
				if !unicode.IsSpace(r) {
					break
				}
				if r == '\n' {
					newlines++
				}
				we += n
			}
			if newlines >= 2 || we == len(text) {
				end = ws
				i = we
				break
			}
			j = we
		}
		if end == len(text) {
			end = trimSpaceEnd(text, start, len(text))
			i = len(text)
		}
		if end > start {
			f(start, end)
		}
	}
}

// candidates appends the candidate sentence ends in the paragraph
// text[ps:pe] (trimmed, sorted, unique; the last is pe): the ends UAX #29
// finds plus those it misses after "…" and after dialogue broken off with a
// dash.
func candidates(text string, ps, pe int, out []int) []int {
	para := text[ps:pe]
	state := -1
	off := ps
	var sent string
	extra := false
	for len(para) > 0 {
		sent, para, state = uniseg.FirstSentenceInString(para, state)
		end := trimSpaceEnd(text, off, off+len(sent))
		// Markdown emphasis closing right after the stop ("*He left.*")
		// stays with the sentence, as closing quotes do.
		for end < pe && end > off {
			r, n := utf8.DecodeRuneInString(text[end:])
			if !isCloser(r) {
				break
			}
			end += n
		}
		if end > off && (len(out) == 0 || end > out[len(out)-1]) {
			out = append(out, end)
		}
		off += len(sent)
	}
	// Ends UAX #29 misses: "…" (not a terminator there) and a dash before a
	// closing quote, each followed by white space and a capital or an
	// opening quote.
	for i := ps; i < pe; {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		if r != '…' && !isDash(r) {
			continue
		}
		e := i
		closed := false
		for e < pe {
			c, m := utf8.DecodeRuneInString(text[e:])
			if !isCloser(c) {
				break
			}
			closed = true
			e += m
		}
		if isDash(r) && !closed {
			continue
		}
		next := skipSpace(text, e, pe)
		if next == e || next >= pe {
			continue
		}
		for next < pe && (text[next] == '*' || text[next] == '_') {
			next++ // emphasis opening the next sentence: "… *Then*"
		}
		c, _ := utf8.DecodeRuneInString(text[next:])
		if isOpener(c) || unicode.IsUpper(c) || unicode.IsTitle(c) {
			out = append(out, e)
			extra = true
		}
	}
	if extra {
		sort.Ints(out)
		out = uniqInts(out)
	}
	if len(out) == 0 || out[len(out)-1] != pe {
		out = append(out, pe)
	}
	return out
}

func uniqInts(s []int) []int {
	if len(s) < 2 {
		return s
	}
	w := 1
	for _, v := range s[1:] {
		if v != s[w-1] {
			s[w] = v
			w++
		}
	}
	return s[:w]
}

// titles never end a sentence when followed by a word (compared with the
// first letter as written and the rest case-insensitively).
var titles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "mx": true, "dr": true, "st": true,
	"lt": true, "capt": true, "col": true, "gen": true, "sgt": true,
	"cpl": true, "maj": true, "prof": true, "rev": true, "fr": true,
	"sr": true, "jr": true, "mt": true, "messrs": true, "mme": true,
	"mlle": true, "hon": true, "adm": true, "cmdr": true, "insp": true,
	"supt": true, "det": true, "pvt": true,
}

// latin never ends a sentence, in any case.
var latin = map[string]bool{
	"vs": true, "v": true, "cf": true, "e.g": true, "i.e": true, "viz": true,
	"eg": true, "ie": true,
}

// numberAbbrevs do not end a sentence when a number follows ("No. 4").
var numberAbbrevs = map[string]bool{
	"no": true, "nos": true, "vol": true, "ch": true, "chap": true, "pp": true,
	"p": true, "fig": true, "pt": true, "art": true, "sec": true, "ep": true,
}

// openers are words that commonly begin a sentence: after an initial they
// mean the initial ended the sentence ("Plan B. The ...").
var openers = map[string]bool{
	"a": true, "an": true, "the": true, "he": true, "she": true, "it": true,
	"i": true, "we": true, "they": true, "you": true, "his": true,
	"her": true, "its": true, "their": true, "our": true, "my": true,
	"your": true, "but": true, "and": true, "or": true, "so": true,
	"then": true, "there": true, "this": true, "that": true, "these": true,
	"those": true, "what": true, "when": true, "where": true, "why": true,
	"how": true, "who": true, "if": true, "in": true, "on": true, "at": true,
	"as": true, "after": true, "before": true, "now": true, "not": true,
	"no": true, "yes": true, "still": true, "just": true, "well": true,
	"oh": true, "maybe": true, "all": true, "with": true, "for": true,
	"later": true, "once": true, "even": true, "was": true, "is": true,
	"did": true, "do": true, "can": true, "will": true, "i'm": true,
	"i’m": true, "it's": true, "it’s": true, "that's": true, "that’s": true,
}

// isBreak decides whether the candidate end c (just after a non-space
// character) is a real sentence end, next being the first non-space byte
// after it in the same paragraph.
func isBreak(text string, c, next int) bool {
	if next >= len(text) {
		return true
	}
	if next <= c && !cjkBoundary(text, c) {
		// No white space between: only CJK full stops end a sentence
		// without a following space, so no end falls inside a word.
		return false
	}
	// Strip closing quotes and brackets to find the terminator.
	core := c
	closed := false
	for core > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:core])
		if !isCloser(r) {
			break
		}
		closed = true
		core -= n
	}
	if core == 0 {
		return false
	}
	term, _ := utf8.DecodeLastRuneInString(text[:core])
	first, firstWord := nextWord(text, next)
	// A lowercase word after the stop continues the sentence:
	// `"No!" she said.`, "Wait... what?".
	if unicode.IsLower(first) {
		return false
	}
	if closed && term != '.' && speechTag(text, next) {
		// `“Stop!” Harry said.` and `“I was—” Ginny began.` go on.
		return false
	}
	switch {
	case isDash(term):
		return closed && (startsWithOpener(text, next) || isUpperRune(first))
	case term == '…' || term == '.' && strings.HasSuffix(text[:core], ".."):
		e := core
		for e > 0 && (text[e-1] == '.' || strings.HasSuffix(text[:e], "…")) {
			if text[e-1] == '.' {
				e--
			} else {
				e -= len("…")
			}
		}
		w := lastWord(text, e)
		if w != "" && strings.EqualFold(w, firstWord) {
			return false // stutter: "I… I don't"
		}
		return true
	case term == '.':
		if closed {
			return true
		}
		w := lastWord(text, core-1)
		lw := strings.ToLower(w)
		if latin[lw] {
			return false
		}
		if titles[lw] && isUpperRune(firstRune(w)) {
			return false
		}
		if numberAbbrevs[lw] && unicode.IsDigit(first) {
			return false
		}
		if isInitials(w) && isUpperRune(first) {
			if isInitialAt(text, next) {
				return false
			}
			return openers[strings.ToLower(firstWord)]
		}
		return true
	case isTerminator(term):
		return true
	}
	// UAX #29 broke here for another reason (a single newline, say):
	// without a terminator the sentence goes on.
	return false
}

// speechVerbs are the verbs of dialogue tags.
var speechVerbs = map[string]bool{
	"said": true, "says": true, "asked": true, "asks": true, "shouted": true,
	"yelled": true, "whispered": true, "muttered": true, "cried": true,
	"called": true, "replied": true, "snapped": true, "hissed": true,
	"screamed": true, "murmured": true, "added": true, "answered": true,
	"demanded": true, "exclaimed": true, "growled": true, "breathed": true,
	"sighed": true, "laughed": true, "sobbed": true, "gasped": true,
	"began": true, "continued": true, "insisted": true, "interrupted": true,
	"mumbled": true, "pleaded": true, "protested": true, "repeated": true,
	"roared": true, "stammered": true, "stuttered": true, "teased": true,
	"warned": true, "wondered": true, "bellowed": true, "chuckled": true,
	"grumbled": true, "groaned": true, "moaned": true, "purred": true,
	"shrieked": true, "snarled": true, "squeaked": true, "spat": true,
	"drawled": true, "huffed": true, "offered": true, "agreed": true,
	"admitted": true, "announced": true, "whimpered": true, "croaked": true,
	"trailed": true, "echoed": true, "corrected": true, "prompted": true,
}

// speechTag reports whether the words at i are a dialogue tag: a name of
// one or two capitalised words (or a pronoun) then a speech verb.
func speechTag(text string, i int) bool {
	for k := 0; k < 3 && i < len(text); k++ {
		_, w := nextWord(text, i)
		if w == "" {
			return false
		}
		if k > 0 && speechVerbs[strings.ToLower(w)] {
			return true
		}
		if k > 0 && !isUpperRune(firstRune(w)) {
			return false
		}
		i = strings.Index(text[i:], w) + i + len(w)
		if j := skipSpace(text, i, len(text)); j == i {
			return false // punctuation after the word: no tag
		} else {
			i = j
		}
	}
	return false
}

// cjkBoundary reports whether the text before c ends with a CJK full stop,
// which ends a sentence with no space after it.
func cjkBoundary(text string, c int) bool {
	core := c
	for core > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:core])
		if !isCloser(r) {
			break
		}
		core -= n
	}
	r, _ := utf8.DecodeLastRuneInString(text[:core])
	switch r {
	case '。', '！', '？', '｡', '．':
		return true
	}
	return false
}

// nextWord returns the first letter or digit at or after i (skipping opening
// punctuation) and the word it starts.
func nextWord(text string, i int) (rune, string) {
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			j := i
			for j < len(text) {
				r2, m := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsLetter(r2) && !unicode.IsDigit(r2) && r2 != '\'' && r2 != '’' {
					break
				}
				j += m
			}
			return r, text[i:j]
		}
		if !isOpener(r) && !isDash(r) && r != '*' && r != '_' && r != '…' && r != '.' {
			return r, ""
		}
		i += n
	}
	return 0, ""
}

// lastWord returns the run of letters and inner dots ending at end (e.g.
// "Mr", "e.g", "C.S").
func lastWord(text string, end int) string {
	i := end
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(text[:i])
		if !unicode.IsLetter(r) && !(r == '.' && i < end) {
			break
		}
		i -= n
	}
	return strings.TrimLeft(text[i:end], ".")
}

// isInitials reports whether w is one capital letter or capitals joined by
// dots ("J", "C.S").
func isInitials(w string) bool {
	if w == "" {
		return false
	}
	for _, part := range strings.Split(w, ".") {
		r, n := utf8.DecodeRuneInString(part)
		if n == 0 || n != len(part) || !isUpperRune(r) {
			return false
		}
	}
	return true
}

// isInitialAt reports whether text at i is an initial: a capital and a dot.
func isInitialAt(text string, i int) bool {
	r, n := utf8.DecodeRuneInString(text[i:])
	return isUpperRune(r) && i+n < len(text) && text[i+n] == '.'
}

func startsWithOpener(text string, i int) bool {
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isOpener(r)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isUpperRune(r rune) bool { return unicode.IsUpper(r) || unicode.IsTitle(r) }

func isTerminator(r rune) bool {
	return r == '…' || unicode.Is(unicode.Sentence_Terminal, r)
}

// isCloser reports closing quotes and brackets that stay with the sentence
// they follow.
func isCloser(r rune) bool {
	switch r {
	case '"', '\'', '’', '”', ')', ']', '}', '»', '›', '」', '』', '）', '】', '〉', '》', '*', '_', '~':
		return true
	}
	return false
}

// isOpener reports opening quotes and brackets.
func isOpener(r rune) bool {
	switch r {
	case '"', '\'', '‘', '“', '„', '‚', '(', '[', '{', '«', '‹', '「', '『', '（', '【', '〈', '《':
		return true
	}
	return false
}

func isDash(r rune) bool {
	switch r {
	case '-', '‐', '‑', '‒', '–', '—', '―', '−':
		return true
	}
	return false
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\v' || b == '\f'
}

// skipSpace returns the first offset in [i, limit) that is not white space,
// or limit.
func skipSpace(text string, i, limit int) int {
	for i < limit {
		b := text[i]
		if b < utf8.RuneSelf {
			if !isSpaceByte(b) {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsSpace(r) {
			return i
		}
		i += n
	}
	return limit
}

// trimSpaceEnd returns the end of text[start:end] without trailing white space.
func trimSpaceEnd(text string, start, end int) int {
	for end > start {
		b := text[end-1]
		if b < utf8.RuneSelf {
			if !isSpaceByte(b) {
				return end
			}
			end--
			continue
		}
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		if !unicode.IsSpace(r) {
			return end
		}
		end -= n
	}
	return start
}
