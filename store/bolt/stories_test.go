package bolt_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestAddStoryAndRead(t *testing.T) {
	s := openTest(t)
	st := storetest.Story("The Long Way Round", "Ann Author", "Co Writer")
	st.AO3ID = 12345
	st.Summary = "A summary."
	st.Fandoms = []string{"Harry Potter - J. K. Rowling"}
	chapters := []shelf.NewChapter{
		{Chapter: fic.Chapter{Title: "Start", Text: "One two three.", Notes: "n1", EndNotes: "e1"}, Sentences: []byte{1, 2, 3}},
		{Chapter: fic.Chapter{Title: "End", Text: "Four five."}, Sentences: nil},
	}
	rec, err := s.AddStory(ctx, guildA, st, chapters, bob, true, t0)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != "1" || rec.GuildID != guildA || rec.AddedBy != bob || !rec.Mine || !rec.AddedAt.Equal(t0) {
		t.Errorf("record = %+v", rec)
	}
	if rec.Story.Chapters != nil {
		t.Errorf("record carries chapter text")
	}
	if want := []shelf.ChapterInfo{{Title: "Start", Words: 3}, {Title: "End", Words: 2}}; !reflect.DeepEqual(rec.Chapters, want) {
		t.Errorf("Chapters = %v, want %v", rec.Chapters, want)
	}
	if rec.Story.ChaptersPosted != 2 || rec.Story.Words != 5 {
		t.Errorf("posted %d words %d, want 2 and 5", rec.Story.ChaptersPosted, rec.Story.Words)
	}
	if len(st.Chapters) != 2 {
		t.Errorf("AddStory modified its argument")
	}
	got, err := s.Story(ctx, guildA, rec.ID)
	if err != nil || !reflect.DeepEqual(got, rec) {
		t.Errorf("Story = %+v, %v; want %+v", got, err, rec)
	}
	byAO3, err := s.StoryByAO3(ctx, guildA, 12345)
	if err != nil || byAO3.ID != rec.ID {
		t.Errorf("StoryByAO3 = %v, %v", byAO3.ID, err)
	}
	tests := []struct {
		n       int
		want    shelf.ChapterRecord
		wantErr error
	}{
		{1, shelf.ChapterRecord{StoryID: "1", Number: 1, Chapter: chapters[0].Chapter, Sentences: []byte{1, 2, 3}}, nil},
		{2, shelf.ChapterRecord{StoryID: "1", Number: 2, Chapter: chapters[1].Chapter}, nil},
		{0, shelf.ChapterRecord{}, shelf.ErrNotFound},
		{3, shelf.ChapterRecord{}, shelf.ErrNotFound},
	}
	for _, tt := range tests {
		got, err := s.Chapter(ctx, guildA, rec.ID, tt.n)
		if !errors.Is(err, tt.wantErr) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Chapter(%d) = %+v, %v; want %+v, %v", tt.n, got, err, tt.want, tt.wantErr)
		}
	}
	if _, err := s.Story(ctx, guildA, "2"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Story(2): %v, want ErrNotFound", err)
	}
	if _, err := s.StoryByAO3(ctx, guildA, 999); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("StoryByAO3(999): %v, want ErrNotFound", err)
	}
	// Without explicit chapters, the story's own are stored.
	rec2 := add(t, s, guildA, storetest.Story("Second"))
	if rec2.ID != "2" {
		t.Errorf("second ID = %s", rec2.ID)
	}
	c, err := s.Chapter(ctx, guildA, rec2.ID, 2)
	if err != nil || c.Text != "Second chapter." || c.Sentences != nil {
		t.Errorf("Chapter = %+v, %v", c, err)
	}
}

func TestAddDuplicateAO3(t *testing.T) {
	s := openTest(t)
	st := storetest.Story("Once")
	st.AO3ID = 77
	first := add(t, s, guildA, st)
	_, err := s.AddStory(ctx, guildA, st, nil, bob, false, t0)
	var dup *shelf.DuplicateError
	if !errors.As(err, &dup) || !errors.Is(err, shelf.ErrDuplicate) || dup.ExistingID != first.ID {
		t.Fatalf("duplicate add: %v", err)
	}
	// Another guild may have the same work.
	if _, err := s.AddStory(ctx, guildB, st, nil, bob, false, t0); err != nil {
		t.Errorf("same work in guild B: %v", err)
	}
	if _, total, _ := s.ListStories(ctx, guildA, shelf.ListQuery{}); total != 1 {
		t.Errorf("guild A has %d stories after a refused duplicate", total)
	}
}

func TestUpdateStoryKeepsIdentityAndCounters(t *testing.T) {
	s := openTest(t)
	st := storetest.Story("Draft Title", "Ann")
	st.AO3ID = 5
	rec, err := s.AddStory(ctx, guildA, st, nil, bob, true, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GiveKudos(ctx, guildA, rec.ID, alice, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetListEntry(ctx, guildA, carol, shelf.ListEntry{StoryID: rec.ID}, t0); err != nil {
		t.Fatal(err)
	}
	other := storetest.Story("Other")
	other.AO3ID = 6
	add(t, s, guildA, other)

	upd := storetest.Story("Final Title", "Ann")
	upd.AO3ID = 5
	upd.Chapters = append(upd.Chapters, fic.Chapter{Title: "Three", Text: "Third."})
	got, err := s.UpdateStory(ctx, guildA, rec.ID, upd, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != rec.ID || got.AddedBy != bob || !got.Mine || got.Kudos != 1 || got.Readers != 1 || !got.AddedAt.Equal(t0) {
		t.Errorf("after update: %+v", got)
	}
	if got.Story.Title != "Final Title" || len(got.Chapters) != 3 {
		t.Errorf("metadata not replaced: %+v", got)
	}
	if c, err := s.Chapter(ctx, guildA, rec.ID, 3); err != nil || c.Text != "Third." {
		t.Errorf("chapter 3: %+v, %v", c, err)
	}
	// Fewer chapters: the old third goes.
	if _, err := s.UpdateStory(ctx, guildA, rec.ID, storetest.Story("Final Title", "Ann"), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Chapter(ctx, guildA, rec.ID, 3); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("chapter 3 after shrinking: %v", err)
	}
	// Search follows the title; the AO3 index followed the removal of the ID.
	if refs, _ := s.SearchStories(ctx, guildA, "draft", 5); len(refs) != 0 {
		t.Errorf("old title still found: %v", refs)
	}
	if refs, _ := s.SearchStories(ctx, guildA, "final", 5); len(refs) != 1 {
		t.Errorf("new title not found: %v", refs)
	}
	if _, err := s.StoryByAO3(ctx, guildA, 5); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("AO3 5 after update without ID: %v", err)
	}
	// Taking another story's AO3 ID is refused.
	taken := storetest.Story("Final Title")
	taken.AO3ID = 6
	if _, err := s.UpdateStory(ctx, guildA, rec.ID, taken, nil, time.Time{}); !errors.Is(err, shelf.ErrDuplicate) {
		t.Errorf("update to a taken AO3 ID: %v", err)
	}
	if _, err := s.UpdateStory(ctx, guildA, "99", upd, nil, time.Time{}); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("update missing story: %v", err)
	}
}

func TestRemoveStoryRemovesEverything(t *testing.T) {
	s := openTest(t)
	st := storetest.Story("Doomed", "Ann")
	st.AO3ID = 42
	rec := add(t, s, guildA, st)
	keep := add(t, s, guildA, storetest.Story("Kept"))
	for _, u := range []string{alice, bob} {
		if _, err := s.GiveKudos(ctx, guildA, rec.ID, u, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetListEntry(ctx, guildA, u, shelf.ListEntry{StoryID: rec.ID}, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetListEntry(ctx, guildA, u, shelf.ListEntry{StoryID: keep.ID}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RemoveStory(ctx, guildA, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Story(ctx, guildA, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Story after remove: %v", err)
	}
	if _, err := s.Chapter(ctx, guildA, rec.ID, 1); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Chapter after remove: %v", err)
	}
	if _, err := s.StoryByAO3(ctx, guildA, 42); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("StoryByAO3 after remove: %v", err)
	}
	if top, _ := s.TopKudos(ctx, guildA, shelf.PeriodAll, t0, 10); len(top) != 0 {
		t.Errorf("TopKudos after remove: %v", top)
	}
	if top, _ := s.TopKudos(ctx, guildA, shelf.PeriodWeek, t0.Add(-time.Hour).Add(7*24*time.Hour), 10); len(top) != 0 {
		t.Errorf("TopKudos(since) after remove: %v", top)
	}
	for _, u := range []string{alice, bob} {
		list, err := s.MemberList(ctx, guildA, u)
		if err != nil || len(list) != 1 || list[0].StoryID != keep.ID {
			t.Errorf("%s list after remove: %v, %v", u, list, err)
		}
		exp, _ := s.ExportMember(ctx, guildA, u)
		if len(exp.KudosGiven) != 0 {
			t.Errorf("%s still has kudos given: %v", u, exp.KudosGiven)
		}
	}
	if refs, _ := s.SearchStories(ctx, guildA, "doomed", 5); len(refs) != 0 {
		t.Errorf("search after remove: %v", refs)
	}
	if err := s.RemoveStory(ctx, guildA, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	// The AO3 work can be added again, with a new ID.
	again, err := s.AddStory(ctx, guildA, st, nil, alice, false, t0)
	if err != nil || again.ID == rec.ID || again.Kudos != 0 || again.Readers != 0 {
		t.Errorf("re-add: %+v, %v", again, err)
	}
}

func TestResolveStory(t *testing.T) {
	s := openTest(t)
	dune := add(t, s, guildA, storetest.Story("Dune"))
	duneMessiah := add(t, s, guildA, storetest.Story("Dune Messiah"))
	add(t, s, guildA, storetest.Story("Children of Dune"))
	n1984 := add(t, s, guildA, storetest.Story("1984"))
	cafe := add(t, s, guildA, storetest.Story("Café Society"))
	add(t, s, guildA, storetest.Story("Twin"))
	add(t, s, guildA, storetest.Story("twin"))
	add(t, s, guildA, storetest.Story("Station Eleven"))
	add(t, s, guildA, storetest.Story("Station Twelve"))
	tests := []struct {
		in      string
		wantID  string
		wantErr error
		suggest string // a title expected among the suggestions
	}{
		{dune.ID, dune.ID, nil, ""},
		{"dune", dune.ID, nil, ""}, // exact beats prefix of "Dune Messiah"
		{"  DUNE messiah ", duneMessiah.ID, nil, ""},
		{"dune m", duneMessiah.ID, nil, ""},
		{"cafe society", cafe.ID, nil, ""},
		{"caf", cafe.ID, nil, ""},
		{"1984", n1984.ID, nil, ""}, // not a story ID here: read as a title
		{"twin", "", shelf.ErrAmbiguous, "Twin"},
		{"station", "", shelf.ErrAmbiguous, "Station Twelve"},
		{"dnue", "", shelf.ErrNotFound, "Dune"},
		{"children dune", "", shelf.ErrNotFound, "Children of Dune"},
		{"", "", shelf.ErrNotFound, ""},
		{"999", "", shelf.ErrNotFound, ""},
	}
	for _, tt := range tests {
		got, err := s.ResolveStory(ctx, guildA, tt.in)
		if !errors.Is(err, tt.wantErr) || got.ID != tt.wantID {
			t.Errorf("ResolveStory(%q) = %q, %v; want %q, %v", tt.in, got.ID, err, tt.wantID, tt.wantErr)
			continue
		}
		if tt.suggest != "" {
			var re *shelf.ResolveError
			if !errors.As(err, &re) {
				t.Errorf("ResolveStory(%q): %T is not *ResolveError", tt.in, err)
				continue
			}
			found := false
			for _, r := range re.Suggestions {
				found = found || r.Title == tt.suggest
			}
			if !found || len(re.Suggestions) > 5 {
				t.Errorf("ResolveStory(%q) suggestions %v lack %q", tt.in, re.Suggestions, tt.suggest)
			}
		}
	}
	// Guild B's story 1 is not guild A's.
	if _, err := s.ResolveStory(ctx, guildB, dune.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("resolve in guild B: %v", err)
	}
}
