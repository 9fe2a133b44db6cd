package passage

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Markdown shows a passage's text in a Discord message as the author wrote
// it, emphasis and all, but so that a cut can never break the message:
// markers a passage cut off from their partner are escaped
// (BalanceMarkdown). With spoiler, each paragraph goes behind its own
// spoiler bars and every "|" of the text is escaped, so nothing in the text
// can close the bars early.
func Markdown(text string, spoiler bool) string {
	if !spoiler {
		return BalanceMarkdown(text, false)
	}
	paras := strings.Split(text, "\n\n")
	for i, p := range paras {
		if strings.TrimSpace(p) == "" {
			continue
		}
		paras[i] = "||" + BalanceMarkdown(p, true) + "||"
	}
	return strings.Join(paras, "\n\n")
}

// mdToken is one emphasis, strike or spoiler marker of a passage.
type mdToken struct {
	pos, n   int    // byte range of the marker
	kind     string // "*", "**", "***", "_", "__", "___", "~~", "||"
	canOpen  bool
	canClose bool
	matched  bool
}

// BalanceMarkdown returns s with every markdown marker that has no partner
// inside s escaped with a backslash, so that an emphasis, strike, spoiler
// or code span opened before a cut (or closed after it) cannot swallow
// what follows it in the message. Paired markers, code spans and the
// author's own escapes are kept as written; so is a "* " list bullet. A
// lone backslash at the end is doubled. With allPipes, every "|" outside
// code is escaped (the text goes inside spoiler bars of its own).
func BalanceMarkdown(s string, allPipes bool) string {
	var escape []int // byte offsets to put a backslash before, ascending
	var toks []mdToken
	space := func(i int) bool { // white space (or no character) at i
		if i < 0 || i >= len(s) {
			return true
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		return unicode.IsSpace(r)
	}
	before := func(i int) int { // offset of the rune before i
		if i <= 0 {
			return -1
		}
		_, w := utf8.DecodeLastRuneInString(s[:i])
		return i - w
	}
	wordAt := func(i int) bool {
		if i < 0 || i >= len(s) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		return mdWordRune(r)
	}
	run := func(i int, c byte) int {
		j := i
		for j < len(s) && s[j] == c {
			j++
		}
		return j - i
	}
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				escape = append(escape, i)
				i++
				continue
			}
			_, w := utf8.DecodeRuneInString(s[i+1:])
			i += 1 + w
		case '`':
			k := run(i, '`')
			if end := closingRun(s, i+k, k); end >= 0 {
				i = end + k // a code span: kept whole, nothing inside is markdown
				continue
			}
			for j := 0; j < k; j++ {
				escape = append(escape, i+j)
			}
			i += k
		case '|':
			if i+1 < len(s) && s[i+1] == '|' {
				if allPipes {
					escape = append(escape, i, i+1)
				} else {
					toks = append(toks, mdToken{pos: i, n: 2, kind: "||", canOpen: true, canClose: true})
				}
				i += 2
				continue
			}
			if allPipes {
				escape = append(escape, i)
			}
			i++
		case '~':
			if i+1 < len(s) && s[i+1] == '~' {
				toks = append(toks, mdToken{pos: i, n: 2, kind: "~~", canOpen: true, canClose: true})
				i += 2
				continue
			}
			i++
		case '*', '_':
			k := run(i, c)
			prev, next := before(i), i+k
			lineStart := i == 0 || s[i-1] == '\n'
			if c == '*' && k == 1 && lineStart && next < len(s) && s[next] == ' ' && listItem(s[next:]) {
				i += k // a list bullet
				continue
			}
			t := mdToken{pos: i, n: k, kind: strings.Repeat(string(c), min(k, 3))}
			t.canOpen = !space(next)
			t.canClose = prev >= 0 && !space(prev)
			if c == '_' {
				// Underscores inside a word (snake_case) are plain text.
				t.canOpen = t.canOpen && !wordAt(prev)
				t.canClose = t.canClose && !wordAt(next)
				if !t.canOpen && !t.canClose && (wordAt(prev) || wordAt(next)) {
					i += k
					continue
				}
			}
			toks = append(toks, t)
			i += k
		default:
			i++
		}
	}
	// Pair markers: a closer takes the nearest open marker of its kind;
	// markers opened inside that pair and never closed stay unpaired.
	var open []int
	for ti := range toks {
		t := &toks[ti]
		paired := false
		if t.canClose {
			for k := len(open) - 1; k >= 0; k-- {
				if toks[open[k]].kind == t.kind {
					toks[open[k]].matched, t.matched = true, true
					open = open[:k]
					paired = true
					break
				}
			}
		}
		if !paired && t.canOpen {
			open = append(open, ti)
		}
	}
	for _, t := range toks {
		if !t.matched {
			for j := 0; j < t.n; j++ {
				escape = append(escape, t.pos+j)
			}
		}
	}
	if len(escape) == 0 {
		return s
	}
	slices.Sort(escape)
	var b strings.Builder
	b.Grow(len(s) + len(escape))
	last := 0
	for _, p := range escape {
		b.WriteString(s[last:p])
		b.WriteByte('\\')
		last = p
	}
	b.WriteString(s[last:])
	return b.String()
}

// closingRun returns the offset of the next run of exactly k backticks at
// or after from, or -1.
func closingRun(s string, from, k int) int {
	for i := from; i < len(s); {
		j := strings.IndexByte(s[i:], '`')
		if j < 0 {
			return -1
		}
		i += j
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		if n == k {
			return i
		}
		i += n
	}
	return -1
}

func mdWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// listItem reports whether the rest of a line after "* " has words (a
// list item, not a "* * *" scene break).
func listItem(rest string) bool {
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return strings.IndexFunc(rest, mdWordRune) >= 0
}
