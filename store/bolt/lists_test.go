package bolt_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestReadingList(t *testing.T) {
	s := openTest(t)
	st := storetest.Story("Listed Story", "Ann")
	st.ChaptersExpected = 3
	rec := add(t, s, guildA, st)
	other := add(t, s, guildA, storetest.Story("Other"))
	t1 := t0.Add(time.Hour)

	tests := []struct {
		name    string
		user    string
		in      shelf.ListEntry
		at      time.Time
		want    shelf.ListEntry
		readers int
		wantErr error
	}{
		{"add default status", alice, shelf.ListEntry{StoryID: rec.ID}, t0,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusToRead, Added: t0, Updated: t0,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 1, nil},
		{"update keeps added", alice, shelf.ListEntry{StoryID: rec.ID, Status: "Reading", Chapter: 2, Note: "good"}, t1,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusReading, Chapter: 2, Note: "good", Added: t0, Updated: t1,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 1, nil},
		{"empty status keeps it", alice, shelf.ListEntry{StoryID: rec.ID, Chapter: 2, Note: "good"}, t1,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusReading, Chapter: 2, Note: "good", Added: t0, Updated: t1,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 1, nil},
		{"second member", bob, shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusFinished}, t0,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusFinished, Added: t0, Updated: t0,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 2, nil},
		{"bad status", alice, shelf.ListEntry{StoryID: rec.ID, Status: "devoured"}, t0, shelf.ListEntry{}, 2, shelf.ErrInvalid},
		{"negative chapter", alice, shelf.ListEntry{StoryID: rec.ID, Chapter: -1}, t0, shelf.ListEntry{}, 2, shelf.ErrInvalid},
		{"long note", alice, shelf.ListEntry{StoryID: rec.ID, Note: strings.Repeat("x", 1001)}, t0, shelf.ListEntry{}, 2, shelf.ErrInvalid},
		{"missing story", alice, shelf.ListEntry{StoryID: "77"}, t0, shelf.ListEntry{}, 2, shelf.ErrNotFound},
	}
	for _, tt := range tests {
		got, err := s.SetListEntry(ctx, guildA, tt.user, tt.in, tt.at)
		if !errors.Is(err, tt.wantErr) || !equalEntry(got, tt.want) {
			t.Errorf("%s: SetListEntry = %+v, %v; want %+v, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
		if r, _ := s.Story(ctx, guildA, rec.ID); r.Readers != tt.readers {
			t.Errorf("%s: Readers = %d, want %d", tt.name, r.Readers, tt.readers)
		}
	}
	if _, err := s.SetListEntry(ctx, guildA, alice, shelf.ListEntry{StoryID: other.ID, Status: shelf.StatusDropped}, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListEntry(ctx, guildA, alice, rec.ID)
	if err != nil || got.Status != shelf.StatusReading || got.Chapter != 2 {
		t.Errorf("ListEntry = %+v, %v", got, err)
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
	if err := s.RemoveListEntry(ctx, guildA, alice, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if _, err := s.ListEntry(ctx, guildA, alice, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ListEntry after remove: %v", err)
	}
	if r, _ := s.Story(ctx, guildA, rec.ID); r.Readers != 1 {
		t.Errorf("Readers after remove = %d, want 1", r.Readers)
	}
	if list, err := s.MemberList(ctx, guildA, carol); err != nil || list == nil || len(list) != 0 {
		t.Errorf("empty MemberList = %#v, %v", list, err)
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

func TestSettings(t *testing.T) {
	s := openTest(t)
	got, err := s.Settings(ctx, guildA)
	want := shelf.Settings{AdultContent: shelf.AdultAgeRestrictedOnly, Timezone: "UTC"}
	if err != nil || got != want {
		t.Errorf("default Settings = %+v, %v", got, err)
	}
	tests := []struct {
		in      shelf.Settings
		want    shelf.Settings
		wantErr error
	}{
		{shelf.Settings{RecsChannelID: "123456789012345678", AdultContent: "Spoilered", Timezone: "Europe/Paris"},
			shelf.Settings{RecsChannelID: "123456789012345678", AdultContent: shelf.AdultSpoilered, Timezone: "Europe/Paris"}, nil},
		{shelf.Settings{AdultContent: shelf.AdultOff}, shelf.Settings{AdultContent: shelf.AdultOff, Timezone: "UTC"}, nil},
		{shelf.Settings{}, want, nil},
		{shelf.Settings{AdultContent: "sometimes"}, shelf.Settings{}, shelf.ErrInvalid},
		{shelf.Settings{Timezone: "Mars/Olympus"}, shelf.Settings{}, shelf.ErrInvalid},
		{shelf.Settings{Timezone: "Local"}, shelf.Settings{}, shelf.ErrInvalid},
		{shelf.Settings{RecsChannelID: "#recs"}, shelf.Settings{}, shelf.ErrInvalidID},
	}
	for _, tt := range tests {
		got, err := s.SetSettings(ctx, guildA, tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("SetSettings(%+v) = %+v, %v; want %+v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if read, _ := s.Settings(ctx, guildA); read != tt.want {
				t.Errorf("Settings after set = %+v, want %+v", read, tt.want)
			}
		}
	}
	if _, err := s.SetSettings(ctx, guildA, shelf.Settings{AdultContent: shelf.AdultOff}); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.Settings(ctx, guildB); b != want {
		t.Errorf("guild B settings = %+v", b)
	}
}

func TestExportAndDeleteMember(t *testing.T) {
	s := openTest(t)
	a := add(t, s, guildA, storetest.Story("Alpha"))
	b, err := s.AddStory(ctx, guildA, storetest.Story("Beta"), nil, bob, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{alice, bob} {
		for _, id := range []string{a.ID, b.ID} {
			if _, err := s.GiveKudos(ctx, guildA, id, u, t0); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetListEntry(ctx, guildA, u, shelf.ListEntry{StoryID: id, Note: "note " + u}, t0); err != nil {
				t.Fatal(err)
			}
		}
	}
	exp, err := s.ExportMember(ctx, guildA, bob)
	if err != nil {
		t.Fatal(err)
	}
	if exp.UserID != bob || exp.GuildID != guildA || len(exp.ReadingList) != 2 || len(exp.KudosGiven) != 2 ||
		len(exp.StoriesAdded) != 1 || exp.StoriesAdded[0].Title != "Beta" || exp.KudosGiven[0].Title != "Alpha" {
		t.Errorf("export = %+v", exp)
	}
	if _, err := json.Marshal(exp); err != nil {
		t.Errorf("export does not marshal: %v", err)
	}
	if err := s.DeleteMember(ctx, guildA, bob); err != nil {
		t.Fatal(err)
	}
	exp, _ = s.ExportMember(ctx, guildA, bob)
	if len(exp.ReadingList) != 0 || len(exp.KudosGiven) != 0 || len(exp.StoriesAdded) != 1 {
		t.Errorf("after delete: %+v", exp)
	}
	for _, id := range []string{a.ID, b.ID} {
		r, _ := s.Story(ctx, guildA, id)
		k, _ := s.Kudos(ctx, guildA, id)
		if r.Kudos != 1 || r.Readers != 1 || len(k) != 1 || k[0].UserID != alice {
			t.Errorf("story %s after delete: kudos %d readers %d records %v", id, r.Kudos, r.Readers, k)
		}
	}
	if top, _ := s.TopKudos(ctx, guildA, shelf.PeriodWeek, t0.Add(-time.Minute).Add(7*24*time.Hour), 5); len(top) != 2 || top[0].Count != 1 {
		t.Errorf("TopKudos after delete: %+v", top)
	}
	// Bob may give kudos again after deleting his data.
	if n, err := s.GiveKudos(ctx, guildA, a.ID, bob, t0); err != nil || n != 2 {
		t.Errorf("kudos after delete: %d, %v", n, err)
	}
	// Deleting a member with nothing stored is fine.
	if err := s.DeleteMember(ctx, guildB, carol); err != nil {
		t.Errorf("DeleteMember(empty): %v", err)
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
