package bolt_test

import (
	"encoding/json"
	"errors"
	"testing"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// TestMemberListAgreesWithListEntry checks that a member's whole list, read
// in bulk, has the entries that reading them one by one gives, to the field
// (equalEntry compares their JSON), and that a removed entry is gone from
// both. The conformance suite (ReadingLists/Entries) checks SetListEntry's
// results and errors and some fields of the list.
func TestMemberListAgreesWithListEntry(t *testing.T) {
	s := openTest(t)
	st := storetest.Story("Listed Story", "Ann")
	st.ChaptersExpected = 3
	rec := add(t, s, guildA, st)
	other := add(t, s, guildA, storetest.Story("Other"))
	for _, e := range []shelf.ListEntry{
		{StoryID: rec.ID, Status: shelf.StatusReading, Chapter: 2, Note: "good"},
		{StoryID: other.ID, Status: shelf.StatusDropped},
	} {
		if _, err := s.SetListEntry(ctx, guildA, alice, e, t0); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.MemberList(ctx, guildA, alice)
	if err != nil || len(list) != 2 || list[0].StoryID != rec.ID || list[1].Title != "Other" {
		t.Errorf("MemberList = %+v, %v", list, err)
	}
	for _, e := range list { // the bulk path agrees with the single-entry one
		one, err := s.ListEntry(ctx, guildA, alice, e.StoryID)
		if err != nil || !equalEntry(one, e) {
			t.Errorf("MemberList entry %+v, ListEntry %+v (%v)", e, one, err)
		}
	}
	if err := s.RemoveListEntry(ctx, guildA, alice, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListEntry(ctx, guildA, alice, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ListEntry after remove: %v", err)
	}
	if list, err := s.MemberList(ctx, guildA, alice); err != nil || len(list) != 1 || list[0].StoryID != other.ID {
		t.Errorf("MemberList after remove = %+v, %v", list, err)
	}
}

func equalEntry(a, b shelf.ListEntry) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestParseStatus(t *testing.T) {
	for in, want := range map[string]shelf.Status{"": shelf.StatusToRead, "TO-READ": shelf.StatusToRead, " on-hold ": shelf.StatusOnHold} {
		if got, err := shelf.ParseStatus(in); err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := shelf.ParseStatus("later"); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("ParseStatus(later): %v", err)
	}
}

// TestGuildIsolation gives two guilds stories with the same IDs and checks
// that nothing of one shows in the other.
func TestGuildIsolation(t *testing.T) {
	s := openTest(t)
	stA := storetest.Story("Secret of A", "Writer A")
	stA.AO3ID = 1
	ra := add(t, s, guildA, stA)
	rb := add(t, s, guildB, &fic.Story{Title: "Public of B", Authors: []string{"Writer B"}})
	if ra.ID != rb.ID {
		t.Fatalf("IDs differ (%s, %s): the test wants the same IDs", ra.ID, rb.ID)
	}
	if _, err := s.GiveKudos(ctx, guildA, ra.ID, alice, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetListEntry(ctx, guildA, alice, shelf.ListEntry{StoryID: ra.ID, Note: "A only"}, t0); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Story(ctx, guildB, rb.ID)
	if got.Story.Title != "Public of B" || got.Kudos != 0 || got.Readers != 0 {
		t.Errorf("guild B story = %+v", got)
	}
	if k, _ := s.Kudos(ctx, guildB, rb.ID); len(k) != 0 {
		t.Errorf("guild B kudos = %v", k)
	}
	if l, _ := s.MemberList(ctx, guildB, alice); len(l) != 0 {
		t.Errorf("guild B list = %v", l)
	}
	if _, err := s.ListEntry(ctx, guildB, alice, rb.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B entry: %v", err)
	}
	if refs, _ := s.SearchStories(ctx, guildB, "secret", 25); len(refs) != 0 {
		t.Errorf("guild B search = %v", refs)
	}
	if _, err := s.StoryByAO3(ctx, guildB, 1); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B AO3: %v", err)
	}
	if top, _ := s.TopKudos(ctx, guildB, shelf.PeriodAll, t0, 10); len(top) != 0 {
		t.Errorf("guild B top = %v", top)
	}
	exp, _ := s.ExportMember(ctx, guildB, alice)
	if len(exp.ReadingList)+len(exp.KudosGiven) != 0 || len(exp.StoriesAdded) != 1 || exp.StoriesAdded[0].Title != "Public of B" {
		t.Errorf("guild B export = %+v", exp)
	}
	// Deleting in B leaves A alone; removing B's story 1 leaves A's.
	if err := s.DeleteMember(ctx, guildB, alice); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveStory(ctx, guildB, rb.ID); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Story(ctx, guildA, ra.ID); err != nil || a.Kudos != 1 || a.Readers != 1 {
		t.Errorf("guild A after B's changes: %+v, %v", a, err)
	}
	if refs, _ := s.SearchStories(ctx, guildA, "secret", 25); len(refs) != 1 {
		t.Errorf("guild A search = %v", refs)
	}
}
