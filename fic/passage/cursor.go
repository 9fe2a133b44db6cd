package passage

import "math/rand/v2"

// Cursor is a place in a story: a chapter (0-based, in story order) and a
// byte offset in that chapter's text. Give it to CutAt (or Around for a
// random Cursor) with the chapter's text and index. It is small enough for a
// button's custom_id and stays usable after a restart; a stale offset (the
// chapter was re-imported) still yields a valid passage.
type Cursor struct {
	Chapter int
	Byte    int
}

// Next returns where the passage after p begins, p being a passage of
// chapter chapter, and sentences[i] the number of sentences of chapter i
// (Index.Len; 0 for a chapter without text). It is the rest of a cut
// sentence, or the next sentence of the chapter, or the first sentence of
// the next chapter that has any; ok is false at the end of the story. The
// chain CutAt(Next(...)) from the first sentence reads every sentence of
// the story exactly once, in order.
func Next(p Passage, chapter int, sentences []int) (next Cursor, ok bool) {
	if chapter < 0 {
		chapter = 0
	}
	if p.Truncated || chapter < len(sentences) && p.EndSentence < sentences[chapter] {
		return Cursor{Chapter: chapter, Byte: p.EndByte}, true
	}
	for c := chapter + 1; c < len(sentences); c++ {
		if sentences[c] > 0 {
			return Cursor{Chapter: c}, true
		}
	}
	return Cursor{}, false
}

// First returns the first place of a story: the start of the first chapter
// with sentences; ok is false when no chapter has any.
func First(sentences []int) (Cursor, bool) {
	for c, n := range sentences {
		if n > 0 {
			return Cursor{Chapter: c}, true
		}
	}
	return Cursor{}, false
}

// Pick returns a random place spread evenly over a whole story: lengths[i]
// is the length of chapter i (len of its text; any measure proportional to
// it works), so chapters are chosen in proportion to their length and every
// byte, the last sentences included, is equally likely. Give the Cursor to
// Around with from == to == Cursor.Byte: the passage holds that place. For
// a random place in one chapter, pass just that chapter's length and use
// the returned Byte. ok is false when every length is 0.
func Pick(rng *rand.Rand, lengths []int) (c Cursor, ok bool) {
	total := 0
	for _, n := range lengths {
		if n > 0 {
			total += n
		}
	}
	if total == 0 {
		return Cursor{}, false
	}
	x := rng.IntN(total)
	for i, n := range lengths {
		if n <= 0 {
			continue
		}
		if x < n {
			return Cursor{Chapter: i, Byte: x}, true
		}
		x -= n
	}
	return Cursor{}, false // unreachable
}

// Random returns a random passage of one chapter: a place chosen evenly
// over text, and the passage around it (see Around). Every sentence can
// come up, the last ones included. For a random passage of a whole story,
// Pick the chapter and place first. A chapter without sentences gives an
// empty Passage.
func Random(rng *rand.Rand, text string, idx Index, length Length) Passage {
	if len(text) == 0 {
		return Passage{}
	}
	off := rng.IntN(len(text))
	return Around(text, idx, off, off, length)
}
