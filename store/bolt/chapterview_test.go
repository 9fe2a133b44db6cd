package bolt_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func TestViewChapterMatchesChapter(t *testing.T) {
	st := openTest(t)
	const guild = "700000000000000009"
	s := &fic.Story{Title: "Borrowed", Chapters: []fic.Chapter{
		{Title: "One", Text: strings.Repeat("It rained. ", 5000), Notes: "n", EndNotes: "e"},
		{Title: "", Text: ""},
	}}
	rec, err := st.AddStory(ctx, guild, s, []shelf.NewChapter{{Chapter: s.Chapters[0], Sentences: []byte{1, 2, 3}}, {Chapter: s.Chapters[1]}}, "1", false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		want, err := st.Chapter(ctx, guild, rec.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		var got shelf.ChapterRecord
		err = st.ViewChapter(ctx, guild, rec.ID, n, func(c shelf.ChapterRecord) error {
			got = c
			got.Text, got.Notes, got.EndNotes = strings.Clone(c.Text), strings.Clone(c.Notes), strings.Clone(c.EndNotes)
			got.Sentences = append([]byte(nil), c.Sentences...)
			if len(got.Sentences) == 0 {
				got.Sentences = nil
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != want.Title || got.Text != want.Text || got.Notes != want.Notes || got.EndNotes != want.EndNotes ||
			string(got.Sentences) != string(want.Sentences) || got.Number != n || got.StoryID != rec.ID {
			t.Errorf("chapter %d: ViewChapter differs from Chapter", n)
		}
	}
	if err := st.ViewChapter(ctx, guild, rec.ID, 3, func(shelf.ChapterRecord) error { return nil }); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("missing chapter: %v", err)
	}
	if err := st.ViewChapter(ctx, guild, "99", 1, func(shelf.ChapterRecord) error { return nil }); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("missing story: %v", err)
	}
	boom := errors.New("boom")
	if err := st.ViewChapter(ctx, guild, rec.ID, 1, func(shelf.ChapterRecord) error { return boom }); err != boom {
		t.Errorf("fn's error = %v", err)
	}
}
