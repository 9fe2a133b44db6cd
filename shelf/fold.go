package shelf

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text matching shared by the engines, so that autocomplete, typed titles
// and filters behave the same on every store.

// FoldString lowers s, strips accents and apostrophes and collapses white
// space: the form titles, fandoms and tags are compared in.
func FoldString(s string) string {
	var b strings.Builder
	space := false
	for _, r := range foldRunes(s) {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Tokens splits s into folded words: runs of letters and digits. These are
// the words autocomplete matches typed words against (as prefixes).
func Tokens(s string) []string {
	var out []string
	var b strings.Builder
	for _, r := range foldRunes(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			continue
		}
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// MaxQueryWords is how many typed words SearchStories considers.
const MaxQueryWords = 8

// foldRunes decomposes s, drops combining marks and apostrophes (so
// "Don’t" and "dont" match) and lower-cases the rest.
func foldRunes(s string) []rune {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if !ascii {
		s = norm.NFKD.String(s)
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == 'ʼ' || r == '‘':
			continue
		case r == 'ß':
			out = append(out, 's', 's')
			continue
		case r >= utf8.RuneSelf && unicode.Is(unicode.Mn, r):
			continue
		}
		out = append(out, unicode.ToLower(r))
	}
	return out
}

// TitleDistance scores how far a typed title (folded) is from a story's
// folded title for "did you mean" suggestions: 0 when the title contains
// it, else 1000 plus ten times the edit distance to the title's start plus
// the edit distance to the whole title. Lower is closer; engines list the
// five closest, ties by lower story ID.
func TitleDistance(typed, title string) int {
	if strings.Contains(title, typed) {
		return 0
	}
	in, t := []rune(typed), []rune(title)
	return 1000 + 10*levenshtein(in, t[:min(len(t), len(in))]) + levenshtein(in, t)
}

// levenshtein is the edit distance between a and b, each capped at 64 runes.
func levenshtein(a, b []rune) int {
	a, b = a[:min(len(a), 64)], b[:min(len(b), 64)]
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// SearchQuery is how every engine reads a SearchStories call: the typed
// words (Tokens, at most MaxQueryWords) and the limit (1 to
// MaxSearchResults; anything else means MaxSearchResults).
func SearchQuery(query string, limit int) (words []string, n int) {
	if limit <= 0 || limit > MaxSearchResults {
		limit = MaxSearchResults
	}
	words = Tokens(query)
	if len(words) > MaxQueryWords {
		words = words[:MaxQueryWords]
	}
	return words, limit
}
