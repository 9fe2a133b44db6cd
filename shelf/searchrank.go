package shelf

import "strings"

// SearchRank is how well one story matches typed words (SearchQuery's), by
// SearchStories' rules before its popularity ties: typed words matched,
// the title starting with the first typed word, typed words matched as
// whole words, typed words matched in the title. A typed word matches a
// word of the title or of an author's name (Tokens) that starts with it.
type SearchRank struct {
	Matched, TitleStart, Exact, InTitle int
}

// Compare orders ranks best first: negative when r ranks before o.
func (r SearchRank) Compare(o SearchRank) int {
	switch {
	case r.Matched != o.Matched:
		return o.Matched - r.Matched
	case r.TitleStart != o.TitleStart:
		return o.TitleStart - r.TitleStart
	case r.Exact != o.Exact:
		return o.Exact - r.Exact
	}
	return o.InTitle - r.InTitle
}

// Search word flags: where a story's word occurs (the engines' word
// indexes keep the same flags).
const (
	WordInTitle    = 1 // in the title
	WordInAuthor   = 2 // in an author's name
	WordTitleFirst = 4 // the title's first word
)

// StoryWords returns the distinct words of title and authors (Tokens)
// with their flags, in order of first occurrence.
func StoryWords(title string, authors []string) ([]string, []uint8) {
	var words []string
	var flags []uint8
	add := func(w string, f uint8) {
		for i, x := range words {
			if x == w {
				flags[i] |= f
				return
			}
		}
		words, flags = append(words, w), append(flags, f)
	}
	for i, w := range Tokens(title) {
		f := uint8(WordInTitle)
		if i == 0 {
			f |= WordTitleFirst
		}
		add(w, f)
	}
	for _, a := range authors {
		for _, w := range Tokens(a) {
			add(w, WordInAuthor)
		}
	}
	return words, flags
}

// RankWords ranks a story with the given words and flags (StoryWords)
// against typed words; Matched is 0 when it matches none.
func RankWords(typed, words []string, flags []uint8) SearchRank {
	var r SearchRank
	for ti, tok := range typed {
		matched, exact, inTitle := false, false, false
		for i, w := range words {
			if !strings.HasPrefix(w, tok) {
				continue
			}
			matched = true
			exact = exact || len(w) == len(tok)
			inTitle = inTitle || flags[i]&WordInTitle != 0
			if ti == 0 && flags[i]&WordTitleFirst != 0 {
				r.TitleStart = 1
			}
		}
		if matched {
			r.Matched++
		}
		if exact {
			r.Exact++
		}
		if inTitle {
			r.InTitle++
		}
	}
	return r
}

// TypedMatch is what a library holds for one typed word: whether some
// story word starts with it (Any), equals it (Exact), starts with it in a
// title (InTitle), and, for the first typed word, starts a title
// (TitleFirst).
type TypedMatch struct{ Any, Exact, InTitle, TitleFirst bool }

// BestRank bounds the rank any story can reach for typed words, given
// what the library holds for each: engines that walk stories most popular
// first stop once limit stories reach it.
func BestRank(typed []TypedMatch) SearchRank {
	var r SearchRank
	for i, m := range typed {
		if m.Any {
			r.Matched++
		}
		if m.Exact {
			r.Exact++
		}
		if m.InTitle {
			r.InTitle++
		}
		if i == 0 && m.TitleFirst {
			r.TitleStart = 1
		}
	}
	return r
}
