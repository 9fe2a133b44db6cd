package passage

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// spaceKey is the key of any white space; a run of them matches any run.
const spaceKey rune = -1

// keys is what one rune of text or phrase compares as: up to three folded
// runes (ß is "SS", … is "...", a decomposed letter its base letter), none
// for a combining mark.
type keys struct {
	k [3]rune
	n int8
}

// tableSize covers Latin, Greek, Cyrillic, general punctuation and the
// letterlike symbols; runes above it are folded on the fly.
const tableSize = 0x3000

// foldTable holds keys for every rune below tableSize. It is computed once,
// on first use, and never changed.
var foldTable = sync.OnceValue(func() *[tableSize]keys {
	var t [tableSize]keys
	for r := rune(0); r < tableSize; r++ {
		t[r] = foldSlow(r)
	}
	return &t
})

// foldRune returns the keys of r.
func foldRune(r rune) keys {
	if r >= 0 && r < tableSize {
		return foldTable()[r]
	}
	return foldSlow(r)
}

func one(r rune) keys { return keys{k: [3]rune{r}, n: 1} }

// foldSlow computes the keys of r: white space, quotes, dashes and ellipsis
// by class, otherwise the canonical decomposition without combining marks,
// each rune case-folded to the smallest rune of its simple folding orbit.
// Runes from U+3000 on (CJK, kana, Hangul, ...) are only case-folded: no
// accents to strip there (a kana voicing mark is no accent).
func foldSlow(r rune) keys {
	if r >= tableSize {
		if k, ok := wideClass[r]; ok {
			return one(k)
		}
		if noCase(r) {
			return one(r)
		}
		return one(canonFold(r))
	}
	switch {
	case !utf8.ValidRune(r):
		return one(r)
	case unicode.IsSpace(r):
		return one(spaceKey)
	case unicode.In(r, unicode.Mn, unicode.Me):
		return keys{}
	}
	switch r {
	case '\'', '‘', '’', '‛', '′', '`', '‚':
		return one('\'')
	case '"', '“', '”', '„', '‟', '″', '«', '»':
		return one('"')
	case '-', '‐', '‑', '‒', '–', '—', '―', '−':
		return one('-')
	case '…':
		return keys{k: [3]rune{'.', '.', '.'}, n: 3}
	case 'ß', 'ẞ':
		return keys{k: [3]rune{'S', 'S'}, n: 2}
	}
	var out keys
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	src := buf[:n]
	if !norm.NFD.IsNormal(src) {
		src = norm.NFD.Bytes(src)
	}
	for len(src) > 0 {
		c, w := utf8.DecodeRune(src)
		src = src[w:]
		if unicode.In(c, unicode.Mn, unicode.Me) {
			continue
		}
		if out.n < 3 {
			out.k[out.n] = canonFold(c)
			out.n++
		}
	}
	return out
}

// wideClass holds the white space, quotes and dashes from U+3000 on.
var wideClass = map[rune]rune{
	'\u3000': spaceKey, '＇': '\'', '＂': '"', '〝': '"', '〞': '"', '〟': '"', '－': '-',
}

// noCase reports ranges from U+3000 on with no case (CJK, kana, Hangul,
// Yi, ...), so that folding them costs nothing. TestNoCase checks it.
func noCase(r rune) bool {
	return r < 0xA640 || r >= 0xA800 && r < 0xAB30 || r >= 0xAC00 && r < 0xFF21 ||
		r >= 0x20000 && r < 0xE0000
}

// canonFold returns the smallest rune of r's simple case folding orbit, so
// that runes equal under case folding get the same key.
func canonFold(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// keysAt returns the keys of the rune at text[i:] and its size.
func keysAt(t *[tableSize]keys, text string, i int) (keys, int) {
	b := text[i]
	if b < utf8.RuneSelf {
		return t[b], 1
	}
	r, w := utf8.DecodeRuneInString(text[i:])
	if r < tableSize {
		return t[r], w
	}
	return foldSlow(r), w
}

// phraseKeys folds a phrase: keys of each rune, white space runs as one
// spaceKey, none at either end.
func phraseKeys(phrase string) []rune {
	var out []rune
	for _, r := range phrase {
		k := foldRune(r)
		for j := int8(0); j < k.n; j++ {
			c := k.k[j]
			if c == spaceKey && (len(out) == 0 || out[len(out)-1] == spaceKey) {
				continue
			}
			out = append(out, c)
		}
	}
	if len(out) > 0 && out[len(out)-1] == spaceKey {
		out = out[:len(out)-1]
	}
	return out
}

// Find returns the byte offset in text of the first match of phrase,
// ignoring case, accents, quote and dash style and the length of white
// space runs (see the package documentation). ok is false when there is no
// match or the phrase has nothing to match (only white space). Map the
// offset to its sentence with Index.SentenceAt, or give it to Around.
func Find(text, phrase string) (byteOffset int, ok bool) {
	start, _, ok := FindSpan(text, phrase)
	return start, ok
}

// FindSpan is Find returning the whole match: text[start:end] is the first
// match of phrase in the original text (combining marks after its last
// letter included).
func FindSpan(text, phrase string) (start, end int, ok bool) {
	pk := phraseKeys(phrase)
	if len(pk) == 0 {
		return 0, 0, false
	}
	t := foldTable()
	if k := pk[0]; k >= tableSize && k != utf8.RuneError && len(orbit(k)) == 1 {
		// A first key only one rune has (an ideograph, say): look for
		// that rune's bytes.
		enc := string(k)
		for i := 0; i < len(text); {
			j := strings.Index(text[i:], enc)
			if j < 0 {
				break
			}
			if e, ok := matchAt(t, text, i+j, pk); ok {
				return i + j, e, true
			}
			i += j + len(enc)
		}
		return 0, 0, false
	}
	lead := leadBytes(t, pk[0])
	second := rune(0)
	if len(pk) > 1 {
		second = pk[1]
	}
	for i := 0; i < len(text); i++ {
		b := text[i]
		if !lead[b] {
			continue
		}
		// Fast reject on the second key when both runes are ASCII (one
		// key each, never a mark).
		if b < utf8.RuneSelf && len(pk) > 1 && i+1 < len(text) {
			if c := text[i+1]; c < utf8.RuneSelf && t[c].k[0] != second {
				continue
			}
		}
		if e, ok := matchAt(t, text, i, pk); ok {
			return i, e, true
		}
	}
	return 0, 0, false
}

// leadBytes marks the bytes that can begin a rune whose first key is k.
func leadBytes(t *[tableSize]keys, k rune) *[256]bool {
	var lead [256]bool
	for b := 0; b < utf8.RuneSelf; b++ {
		lead[b] = t[b].n > 0 && t[b].k[0] == k
	}
	// Multi-byte runes below tableSize: exactly from the table; above it,
	// any lead byte may do.
	for r := rune(utf8.RuneSelf); r < tableSize; r++ {
		if t[r].n > 0 && t[r].k[0] == k {
			var buf [utf8.UTFMax]byte
			utf8.EncodeRune(buf[:], r)
			lead[buf[0]] = true
		}
	}
	// From U+3000 on a rune's key is its case folding alone: the runes
	// with key k there are the members of k's folding orbit.
	for _, r := range orbit(k) {
		if r >= tableSize {
			var buf [utf8.UTFMax]byte
			utf8.EncodeRune(buf[:], r)
			lead[buf[0]] = true
		}
	}
	for r, c := range wideClass {
		if c == k {
			var buf [utf8.UTFMax]byte
			utf8.EncodeRune(buf[:], r)
			lead[buf[0]] = true
		}
	}
	// Bad lead bytes of invalid UTF-8 decode to U+FFFD (continuation bytes
	// are never candidates, so a match starts on a rune boundary).
	if k == utf8.RuneError {
		for b := 0xC0; b < 256; b++ {
			lead[b] = true
		}
	}
	return &lead
}

// orbit returns r and the runes case folding makes equal to it.
func orbit(r rune) []rune {
	out := []rune{r}
	if r < 0 {
		return out
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		out = append(out, f)
	}
	return out
}

// matchAt reports whether the phrase keys pk match text from byte i, and
// where the match ends.
func matchAt(t *[tableSize]keys, text string, i int, pk []rune) (end int, ok bool) {
	var cur keys
	var ci int8
	for j := 0; j < len(pk); {
		if pk[j] == spaceKey {
			if ci < cur.n || i >= len(text) {
				return 0, false
			}
			k, w := keysAt(t, text, i)
			if k.n == 0 || k.k[0] != spaceKey {
				return 0, false
			}
			i += w
			for i < len(text) {
				k, w := keysAt(t, text, i)
				if k.n > 0 && k.k[0] != spaceKey {
					break
				}
				i += w
			}
			if i >= len(text) {
				return 0, false
			}
			j++
			continue
		}
		if ci == cur.n {
			for {
				if i >= len(text) {
					return 0, false
				}
				k, w := keysAt(t, text, i)
				i += w
				if k.n == 0 {
					if j == 0 {
						return 0, false // a match starts on a letter, not a mark
					}
					continue
				}
				if k.k[0] == spaceKey {
					return 0, false
				}
				cur, ci = k, 0
				break
			}
		}
		if cur.k[ci] != pk[j] {
			return 0, false
		}
		ci++
		j++
	}
	for i < len(text) {
		k, w := keysAt(t, text, i)
		if k.n != 0 {
			break
		}
		i += w
	}
	return i, true
}
