package commands

import (
	"fmt"

	"ficshelf/fic"
	"ficshelf/fic/passage"
	"ficshelf/shelf"
)

// IndexChapters prepares a story's chapters for the store: each chapter's
// text with its sentence index, computed once here so an excerpt never
// re-segments a chapter. Every import path (files, re-imports, test seeds)
// goes through it.
func IndexChapters(s *fic.Story) ([]shelf.NewChapter, error) {
	chapters := make([]shelf.NewChapter, len(s.Chapters))
	for i, ch := range s.Chapters {
		idx, err := passage.Segment(ch.Text).MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("index chapter %d: %w", i+1, err)
		}
		chapters[i] = shelf.NewChapter{Chapter: ch, Sentences: idx}
	}
	return chapters, nil
}
