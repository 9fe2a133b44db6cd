package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/fic/passage"
	"ficshelf/shelf"
)

// Fixture builders: the stories tests add to a store, made one way. Each
// returns a fresh *fic.Story the test may change before adding it.

// Story is a General Audiences story by authors with two short chapters
// ("One": "First chapter text. It has words.", "Two": "Second chapter.").
func Story(title string, authors ...string) *fic.Story {
	return &fic.Story{
		Title:   title,
		Authors: authors,
		Rating:  fic.RatingGeneral,
		Chapters: []fic.Chapter{
			{Title: "One", Text: "First chapter text. It has words."},
			{Title: "Two", Text: "Second chapter."},
		},
	}
}

// WithChapters is a General Audiences story with posted chapters ("Ch 1",
// "Ch 2", … each "Words here.") out of expected (0: unknown, a work in
// progress).
func WithChapters(title string, posted, expected int) *fic.Story {
	s := &fic.Story{Title: title, Rating: fic.RatingGeneral, ChaptersExpected: expected}
	for i := 1; i <= posted; i++ {
		s.Chapters = append(s.Chapters, fic.Chapter{Title: fmt.Sprintf("Ch %d", i), Text: "Words here."})
	}
	return s
}

// Work is a story known by its details only, as a link import leaves it:
// by "quill", General Audiences, posted chapters out of expected (0: a work
// in progress), no text; with AO3 work ao3 and its URL when ao3 > 0.
func Work(title string, posted, expected int, ao3 int64) *fic.Story {
	s := &fic.Story{Title: title, Authors: []string{"quill"}, Rating: fic.RatingGeneral,
		ChaptersPosted: posted, ChaptersExpected: expected, AO3ID: ao3}
	if ao3 > 0 {
		s.AO3URL = fmt.Sprintf("https://archiveofourown.org/works/%d", ao3)
	}
	return s
}

// Parts is a story by "quill" with text: posted chapters "Part 1", "Part
// 2", … each "Chapter N begins. It ends here.", out of expected (0: a work
// in progress), with a summary naming the title.
func Parts(title string, rating fic.Rating, posted, expected int) *fic.Story {
	s := &fic.Story{Title: title, Authors: []string{"quill"}, Rating: rating, ChaptersExpected: expected,
		Summary: "A summary with *stars* about " + title + "."}
	for i := 1; i <= posted; i++ {
		s.Chapters = append(s.Chapters, fic.Chapter{Title: fmt.Sprintf("Part %d", i), Text: fmt.Sprintf("Chapter %d begins. It ends here.", i)})
	}
	return s
}

// Numbered is a General Audiences story by "quill" whose sentences are
// numbered across the story ("Sentence number N is about the stars over
// the lake."): chapters "Part 1", … each of paras paragraphs of perPara
// sentences, so a chain of excerpts can be checked sentence by sentence.
func Numbered(title string, chapters, paras, perPara int) *fic.Story {
	s := &fic.Story{Title: title, Authors: []string{"quill"}, Rating: fic.RatingGeneral}
	n := 0
	for c := 0; c < chapters; c++ {
		var ps []string
		for p := 0; p < paras; p++ {
			var sents []string
			for k := 0; k < perPara; k++ {
				n++
				sents = append(sents, fmt.Sprintf("Sentence number %d is about the stars over the lake.", n))
			}
			ps = append(ps, strings.Join(sents, " "))
		}
		s.Chapters = append(s.Chapters, fic.Chapter{Title: fmt.Sprintf("Part %d", c+1), Text: strings.Join(ps, "\n\n")})
	}
	return s
}

// Indexed returns s's chapters with their sentence indexes, as an import
// stores them (s.Finish is called first).
func Indexed(t testing.TB, s *fic.Story) []shelf.NewChapter {
	t.Helper()
	s.Finish()
	out := make([]shelf.NewChapter, len(s.Chapters))
	for i, ch := range s.Chapters {
		idx, err := passage.Segment(ch.Text).MarshalBinary()
		if err != nil {
			t.Fatalf("storetest: index chapter %d: %v", i+1, err)
		}
		out[i] = shelf.NewChapter{Chapter: ch, Sentences: idx}
	}
	return out
}

// Add stores s in guild as added by by (not their own work), at now, with
// its chapters unindexed, failing the test on error.
func Add(t testing.TB, st shelf.Stories, guild, by string, s *fic.Story) shelf.StoryRecord {
	t.Helper()
	return AddAt(t, st, guild, by, false, time.Time{}, s)
}

// AddAt stores s in guild as added by by at at (zero: now); mine says by
// wrote it.
func AddAt(t testing.TB, st shelf.Stories, guild, by string, mine bool, at time.Time, s *fic.Story) shelf.StoryRecord {
	t.Helper()
	rec, err := st.AddStory(t.Context(), guild, s, nil, by, mine, at)
	if err != nil {
		t.Fatalf("storetest: add %q: %v", s.Title, err)
	}
	return rec
}

// AddText stores s in guild as added by by, at now, with its chapters
// indexed as an import does (Indexed).
func AddText(t testing.TB, st shelf.Stories, guild, by string, s *fic.Story) shelf.StoryRecord {
	t.Helper()
	rec, err := st.AddStory(t.Context(), guild, s, Indexed(t, s), by, false, time.Time{})
	if err != nil {
		t.Fatalf("storetest: add %q: %v", s.Title, err)
	}
	return rec
}
