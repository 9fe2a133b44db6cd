package passage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"unicode"
	"unicode/utf8"
)

// IndexVersion is the version of the segmentation rules and of the binary
// form of an Index. It is the first byte of [Index.MarshalBinary]'s output;
// [Index.UnmarshalBinary] rejects other versions with [ErrIndexVersion], and
// the reader should then segment the chapter again (recompute on read).
//
// Version 2 (same encoding as 1) makes a scene-break line inside a
// paragraph a sentence of its own; a version 1 index may hold such a line
// inside a sentence of prose, so it is segmented again rather than read.
const IndexVersion = 2

// ErrIndexVersion is returned by [Index.UnmarshalBinary] for an index written
// by other segmentation rules: segment the chapter again.
var ErrIndexVersion = errors.New("passage: sentence index written by another version")

// Index holds the sentences of one chapter's text as the byte offsets where
// they end, strictly increasing. Sentence i is text[Start(i):idx[i]]: it
// starts at the first non-space byte after the previous sentence's end (or
// at the text's start) and ends just after its last non-space character.
// White space between sentences belongs to none. A text holding only white
// space has no sentences.
type Index []uint32

// Len is the number of sentences.
func (idx Index) Len() int { return len(idx) }

// Start returns the byte offset where sentence i of text starts. It is safe
// for any i and any text (clamped), so a stale index never panics.
func (idx Index) Start(text string, i int) int {
	s, _ := idx.Span(text, i)
	return s
}

// Span returns the byte range [start, end) of sentence i in text. For an
// index that does not belong to text the result is clamped to the text and
// to rune boundaries, never panicking.
func (idx Index) Span(text string, i int) (start, end int) {
	if i < 0 || i >= len(idx) {
		return len(text), len(text)
	}
	prev := 0
	if i > 0 {
		prev = clampRune(text, int(idx[i-1]))
	}
	end = clampRune(text, int(idx[i]))
	if end < prev {
		end = prev
	}
	start = skipSpace(text, prev, end)
	return start, end
}

// SentenceAt returns the sentence containing byte offset off: the first
// sentence ending after off. White space between two sentences belongs to
// the following one; an offset past the last sentence gives the last one.
// It returns -1 for an empty index.
func (idx Index) SentenceAt(off int) int {
	if len(idx) == 0 {
		return -1
	}
	if off < 0 {
		return 0
	}
	i := sort.Search(len(idx), func(i int) bool { return int(idx[i]) > off })
	if i == len(idx) {
		i = len(idx) - 1
	}
	return i
}

// Valid reports whether idx can be the index of text: ends strictly
// increasing, within the text, on rune boundaries, each sentence non-empty
// and ending on a non-space character.
func (idx Index) Valid(text string) bool {
	prev := 0
	for _, e := range idx {
		end := int(e)
		if end <= prev || end > len(text) {
			return false
		}
		if end < len(text) && !utf8.RuneStart(text[end]) {
			return false
		}
		if r, _ := utf8.DecodeLastRuneInString(text[prev:end]); unicode.IsSpace(r) {
			return false
		}
		prev = end
	}
	return true
}

// MarshalBinary encodes the index compactly: the version byte, then each
// end offset as an unsigned varint delta from the previous one (usually one
// or two bytes per sentence).
func (idx Index) MarshalBinary() ([]byte, error) {
	b := make([]byte, 1, 1+2*len(idx))
	b[0] = IndexVersion
	prev := uint32(0)
	for i, e := range idx {
		if e <= prev && (i > 0 || e == 0) {
			return nil, fmt.Errorf("passage: index not strictly increasing at sentence %d", i)
		}
		b = binary.AppendUvarint(b, uint64(e-prev))
		prev = e
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote. It returns
// ErrIndexVersion for another version and an error for malformed data.
func (idx *Index) UnmarshalBinary(data []byte) error {
	if len(data) == 0 {
		return errors.New("passage: empty sentence index data")
	}
	if data[0] != IndexVersion {
		return fmt.Errorf("%w (version %d, want %d)", ErrIndexVersion, data[0], IndexVersion)
	}
	data = data[1:]
	n := 0
	for _, b := range data {
		if b < 0x80 {
			n++
		}
	}
	out := make(Index, 0, n)
	var prev uint64
	for i := 0; i < len(data); {
		var d uint64
		if b := data[i]; b < 0x80 {
			d = uint64(b)
			i++
		} else {
			v, w := binary.Uvarint(data[i:])
			if w <= 0 {
				return fmt.Errorf("passage: malformed sentence index at sentence %d", len(out))
			}
			d = v
			i += w
		}
		if d == 0 || prev+d > 1<<32-1 {
			return fmt.Errorf("passage: sentence index out of range at sentence %d", len(out))
		}
		prev += d
		out = append(out, uint32(prev))
	}
	*idx = out
	return nil
}

// clampRune clamps off into [0, len(text)] and, when it falls inside an
// encoded rune, moves it back to that rune's start (stray bytes of invalid
// UTF-8 count as one-byte runes).
func clampRune(text string, off int) int {
	if off <= 0 {
		return 0
	}
	if off >= len(text) {
		return len(text)
	}
	for k := 1; k < utf8.UTFMax && off-k >= 0; k++ {
		if utf8.RuneStart(text[off-k]) {
			if r, w := utf8.DecodeRuneInString(text[off-k:]); w > k && !(r == utf8.RuneError && w == 1) {
				return off - k
			}
			break
		}
	}
	return off
}
