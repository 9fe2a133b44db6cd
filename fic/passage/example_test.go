package passage_test

import (
	"fmt"
	"math/rand/v2"

	"ficshelf/fic/passage"
)

// The life of an excerpt: segment once at import and store the index beside
// the chapter; per request decode one chapter's index and cut.
func Example() {
	chapters := []string{
		"Mr. Potter woke early. “No.” She left.\n\nThe owl came at dawn.",
		"It rained. Nobody minded.",
	}

	// Import: one index per chapter, stored beside its text.
	stored := make([][]byte, len(chapters))
	counts := make([]int, len(chapters)) // sentences per chapter, kept with the story
	lengths := make([]int, len(chapters))
	for i, text := range chapters {
		idx := passage.Segment(text)
		stored[i], _ = idx.MarshalBinary()
		counts[i], lengths[i] = idx.Len(), len(text)
	}
	load := func(ch int) (string, passage.Index) {
		var idx passage.Index
		if err := idx.UnmarshalBinary(stored[ch]); err != nil {
			idx = passage.Segment(chapters[ch]) // another version: segment again
		}
		return chapters[ch], idx
	}

	// /excerpt with find.
	text, idx := load(0)
	if off, ok := passage.Find(text, "the OWL"); ok {
		p := passage.Around(text, idx, off, off, passage.Short)
		fmt.Printf("find: %q\n", p.Text)
	}

	// /excerpt at random over the whole story.
	rng := rand.New(rand.NewPCG(1, 2))
	if c, ok := passage.Pick(rng, lengths); ok {
		text, idx := load(c.Chapter)
		p := passage.Around(text, idx, c.Byte, c.Byte, passage.Short)
		fmt.Println("random passage is empty:", p.Empty())
	}

	// Reading through with Next passage, at a length of 30 characters.
	c, ok := passage.First(counts)
	for ok {
		text, idx := load(c.Chapter)
		p := passage.CutAt(text, idx, c.Byte, 30)
		fmt.Printf("chapter %d: %q\n", c.Chapter+1, p.Text)
		c, ok = passage.Next(p, c.Chapter, counts)
	}
	fmt.Println("end of story")
	// Output:
	// find: "Mr. Potter woke early. “No.” She left.\n\nThe owl came at dawn."
	// random passage is empty: false
	// chapter 1: "Mr. Potter woke early. “No.”"
	// chapter 1: "She left.\n\nThe owl came at dawn."
	// chapter 2: "It rained. Nobody minded."
	// end of story
}
