package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"Kudos/Give", cGiveKudos},
		cTest{"Kudos/Count", cKudosCount},
		cTest{"Kudos/ListNewestFirst", cKudosList},
		cTest{"Kudos/Top", cTopKudos},
		cTest{"ReadingLists/Entries", cReadingList},
		cTest{"Members/ExportAndDelete", cExportDelete},
		cTest{"Settings", cSettings},
		cTest{"Recs/ThreadsListAndRequests", cRecs},
		cTest{"Leases", cLeases},
		cTest{"Isolation/Guilds", cIsolation},
		cTest{"InvalidIDs", cInvalidIDs},
	)
}

func cGiveKudos(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, Story("Loved"))
	own, err := s.AddStory(cCtx, cGuildA, Story("Mine"), nil, cBob, true, cT0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.GiveKudos(cCtx, cGuildA, rec.ID, cBob, cT0); err != nil || n != 1 {
		t.Errorf("first kudos = %d, %v", n, err)
	}
	if n, err := s.GiveKudos(cCtx, cGuildA, rec.ID, cBob, cT0); !errors.Is(err, shelf.ErrAlreadyGiven) || n != 1 {
		t.Errorf("second kudos = %d, %v; want 1, ErrAlreadyGiven", n, err)
	}
	if n, err := s.GiveKudos(cCtx, cGuildA, rec.ID, cCarol, cT0); err != nil || n != 2 {
		t.Errorf("another member = %d, %v", n, err)
	}
	// The adder of a story that is not theirs may give it kudos.
	if n, err := s.GiveKudos(cCtx, cGuildA, rec.ID, cAlice, cT0); err != nil || n != 3 {
		t.Errorf("adder (not author) = %d, %v", n, err)
	}
	cKudos(t, s, cGuildA, own.ID, cCarol, cT0)
	if n, err := s.GiveKudos(cCtx, cGuildA, own.ID, cBob, cT0); !errors.Is(err, shelf.ErrOwnStory) || n != 1 {
		t.Errorf("own story = %d, %v; want 1, ErrOwnStory", n, err)
	}
	if _, err := s.GiveKudos(cCtx, cGuildA, "99", cBob, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("missing story: %v", err)
	}
	if _, err := s.GiveKudos(cCtx, cGuildB, rec.ID, cBob, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("story of another guild: %v", err)
	}
	if r, _ := s.Story(cCtx, cGuildA, rec.ID); r.Kudos != 3 {
		t.Errorf("Kudos = %d, want 3", r.Kudos)
	}
	if r, _ := s.Story(cCtx, cGuildA, own.ID); r.Kudos != 1 {
		t.Errorf("own story Kudos = %d, want 1", r.Kudos)
	}
}

// cKudosCount checks KudosCount: what GiveKudos returned last, refusals
// changing nothing, and ErrNotFound for a story the guild does not have.
func cKudosCount(t *testing.T, s shelf.Store) {
	first := cAdd(t, s, cGuildA, Story("First"))
	rec := cAdd(t, s, cGuildA, Story("Counted"))
	other := cAdd(t, s, cGuildB, Story("Elsewhere")) // story IDs are per guild: the first's
	if other.ID != first.ID || rec.ID == other.ID {
		t.Fatalf("story IDs %s, %s and %s in the other guild: the cases below need per-guild numbering", first.ID, rec.ID, other.ID)
	}
	if n, err := s.KudosCount(cCtx, cGuildA, rec.ID); err != nil || n != 0 {
		t.Errorf("no kudos yet: %d, %v", n, err)
	}
	cKudos(t, s, cGuildA, rec.ID, cBob, cT0)
	last := cKudos(t, s, cGuildA, rec.ID, cCarol, cT0.Add(time.Hour))
	if _, err := s.GiveKudos(cCtx, cGuildA, rec.ID, cBob, cT0); !errors.Is(err, shelf.ErrAlreadyGiven) {
		t.Fatalf("second kudos: %v", err)
	}
	if n, err := s.KudosCount(cCtx, cGuildA, rec.ID); err != nil || n != 2 || n != last {
		t.Errorf("after two kudos and a refusal: %d, %v; want 2 (GiveKudos said %d)", n, err, last)
	}
	if n, err := s.KudosCount(cCtx, cGuildB, other.ID); err != nil || n != 0 {
		t.Errorf("the other guild's story: %d, %v; want 0", n, err)
	}
	for _, c := range []struct{ guild, story string }{{cGuildA, "99"}, {cGuildB, rec.ID}} {
		if n, err := s.KudosCount(cCtx, c.guild, c.story); !errors.Is(err, shelf.ErrNotFound) || n != 0 {
			t.Errorf("story %s in guild %s: %d, %v; want ErrNotFound", c.story, c.guild, n, err)
		}
	}
	if _, err := s.KudosCount(cCtx, cGuildA, "not-an-id"); err == nil {
		t.Error("malformed story ID: no error")
	}
	if err := s.RemoveStory(cCtx, cGuildA, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.KudosCount(cCtx, cGuildA, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("removed story: %v, want ErrNotFound", err)
	}
}

func cKudosList(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, Story("Listed"))
	cKudos(t, s, cGuildA, rec.ID, cAlice, cT0)
	cKudos(t, s, cGuildA, rec.ID, cCarol, cT0.Add(2*time.Hour))
	cKudos(t, s, cGuildA, rec.ID, cBob, cT0.Add(time.Hour))
	got, err := s.Kudos(cCtx, cGuildA, rec.ID)
	want := []shelf.Kudo{{UserID: cCarol, At: cT0.Add(2 * time.Hour)}, {UserID: cBob, At: cT0.Add(time.Hour)}, {UserID: cAlice, At: cT0}}
	if err != nil || len(got) != len(want) {
		t.Fatalf("Kudos = %v, %v; want %v", got, err, want)
	}
	for i := range want {
		if got[i].UserID != want[i].UserID || !got[i].At.Equal(want[i].At) {
			t.Errorf("Kudos[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := s.Kudos(cCtx, cGuildA, "42"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Kudos(missing) = %v", err)
	}
	empty := cAdd(t, s, cGuildA, Story("Unloved"))
	if got, err := s.Kudos(cCtx, cGuildA, empty.ID); err != nil || len(got) != 0 {
		t.Errorf("Kudos(none) = %v, %v", got, err)
	}
	// A zero time is now.
	before := time.Now().Add(-time.Second)
	cKudos(t, s, cGuildA, empty.ID, cBob, time.Time{})
	if got, _ := s.Kudos(cCtx, cGuildA, empty.ID); len(got) != 1 || got[0].At.Before(before) {
		t.Errorf("zero time: %v", got)
	}
}

func cTopKudos(t *testing.T, s shelf.Store) {
	old := cAdd(t, s, cGuildA, Story("Old Favourite"))
	fresh := cAdd(t, s, cGuildA, Story("Fresh"))
	cAdd(t, s, cGuildA, Story("Ignored"))
	week := cT0.AddDate(0, 0, -7)
	for i, u := range []string{cAlice, cBob, cCarol} {
		cKudos(t, s, cGuildA, old.ID, u, week.AddDate(0, -2, i))
	}
	for _, u := range []string{cAlice, cBob} {
		cKudos(t, s, cGuildA, fresh.ID, u, cT0)
	}
	name := func(ts []shelf.TopStory) []string {
		var out []string
		for _, x := range ts {
			out = append(out, fmt.Sprintf("%s:%d:%d", x.Story.Title, x.Count, x.Kudos))
		}
		return out
	}
	day := 24 * time.Hour
	tests := []struct {
		period shelf.Period
		now    time.Time
		limit  int
		want   []string
	}{
		{shelf.PeriodAll, cT0, 10, []string{"Old Favourite:3:3", "Fresh:2:2"}},
		{shelf.PeriodAll, cT0, 0, []string{"Old Favourite:3:3", "Fresh:2:2"}},
		{shelf.PeriodWeek, cT0, 10, []string{"Fresh:2:2"}},
		{shelf.PeriodWeek, cT0.Add(7 * day), 10, []string{"Fresh:2:2"}}, // at or after since
		{shelf.PeriodAll, cT0, 1, []string{"Old Favourite:3:3"}},
		{shelf.PeriodWeek, cT0.Add(7*day + time.Hour), 10, nil},
		{shelf.PeriodWeek, week.AddDate(0, -2, 1).Add(7 * day), 10, []string{"Old Favourite:2:3", "Fresh:2:2"}}, // equal counts: more kudos overall first
		{shelf.PeriodMonth, week.AddDate(0, -1, 1), 10, []string{"Old Favourite:2:3", "Fresh:2:2"}},
		{shelf.PeriodMonth, cT0, 10, []string{"Fresh:2:2"}},
		// now earlier than a previous call's: still exact (kudos after now count too).
		{shelf.PeriodWeek, week.AddDate(0, -2, 2).Add(7 * day), 10, []string{"Fresh:2:2", "Old Favourite:1:3"}},
		{shelf.PeriodMonth, week.AddDate(0, -1, 0).Add(-time.Hour), 10, []string{"Old Favourite:3:3", "Fresh:2:2"}},
	}
	for _, tt := range tests {
		got, err := s.TopKudos(cCtx, cGuildA, tt.period, tt.now, tt.limit)
		if err != nil || !reflect.DeepEqual(name(got), tt.want) {
			t.Errorf("TopKudos(%v, %v, %d) = %v, %v; want %v", tt.period, tt.now, tt.limit, name(got), err, tt.want)
		}
	}
	// Equal counts: more kudos overall first, then the newest story.
	a, err := s.AddStory(cCtx, cGuildB, Story("Older"), nil, cAlice, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.AddStory(cCtx, cGuildB, Story("Newer"), nil, cAlice, false, cT0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cKudos(t, s, cGuildB, a.ID, cBob, cT0)
	cKudos(t, s, cGuildB, b.ID, cBob, cT0)
	if got, _ := s.TopKudos(cCtx, cGuildB, shelf.PeriodAll, cT0, 10); !reflect.DeepEqual(name(got), []string{"Newer:1:1", "Older:1:1"}) {
		t.Errorf("tie: %v", name(got))
	}
}

func cEqualEntry(a, b shelf.ListEntry) bool {
	return a.StoryID == b.StoryID && a.Status == b.Status && a.Chapter == b.Chapter && a.Note == b.Note &&
		a.Added.Equal(b.Added) && a.Updated.Equal(b.Updated) && a.Title == b.Title &&
		reflect.DeepEqual(a.Authors, b.Authors) && a.ChaptersPosted == b.ChaptersPosted && a.ChaptersExpected == b.ChaptersExpected
}

func cReadingList(t *testing.T, s shelf.Store) {
	st := Story("Listed Story", "Ann")
	st.ChaptersExpected = 3
	rec := cAdd(t, s, cGuildA, st)
	other := cAdd(t, s, cGuildA, Story("Other"))
	t1 := cT0.Add(time.Hour)
	tests := []struct {
		name    string
		user    string
		in      shelf.ListEntry
		at      time.Time
		want    shelf.ListEntry
		readers int
		wantErr error
	}{
		{"add default status", cAlice, shelf.ListEntry{StoryID: rec.ID, Title: "ignored"}, cT0,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusToRead, Added: cT0, Updated: cT0,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 1, nil},
		{"update keeps added", cAlice, shelf.ListEntry{StoryID: rec.ID, Status: "Reading", Chapter: 2, Note: "good"}, t1,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusReading, Chapter: 2, Note: "good", Added: cT0, Updated: t1,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 1, nil},
		{"empty status keeps it", cAlice, shelf.ListEntry{StoryID: rec.ID, Chapter: 2, Note: "good"}, t1,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusReading, Chapter: 2, Note: "good", Added: cT0, Updated: t1,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 1, nil},
		{"second member", cBob, shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusFinished}, cT0,
			shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusFinished, Added: cT0, Updated: cT0,
				Title: "Listed Story", Authors: []string{"Ann"}, ChaptersPosted: 2, ChaptersExpected: 3}, 2, nil},
		{"bad status", cAlice, shelf.ListEntry{StoryID: rec.ID, Status: "devoured"}, cT0, shelf.ListEntry{}, 2, shelf.ErrInvalid},
		{"negative chapter", cAlice, shelf.ListEntry{StoryID: rec.ID, Chapter: -1}, cT0, shelf.ListEntry{}, 2, shelf.ErrInvalid},
		{"long note", cAlice, shelf.ListEntry{StoryID: rec.ID, Note: strings.Repeat("x", shelf.MaxNoteLength+1)}, cT0, shelf.ListEntry{}, 2, shelf.ErrInvalid},
		{"missing story", cAlice, shelf.ListEntry{StoryID: "77"}, cT0, shelf.ListEntry{}, 2, shelf.ErrNotFound},
		{"bad story ID", cAlice, shelf.ListEntry{StoryID: "x"}, cT0, shelf.ListEntry{}, 2, shelf.ErrInvalidID},
	}
	for _, tt := range tests {
		got, err := s.SetListEntry(cCtx, cGuildA, tt.user, tt.in, tt.at)
		if !errors.Is(err, tt.wantErr) || !cEqualEntry(got, tt.want) {
			t.Errorf("%s: SetListEntry = %+v, %v; want %+v, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
		if r, _ := s.Story(cCtx, cGuildA, rec.ID); r.Readers != tt.readers {
			t.Errorf("%s: Readers = %d, want %d", tt.name, r.Readers, tt.readers)
		}
	}
	if got, err := s.ListEntry(cCtx, cGuildA, cAlice, rec.ID); err != nil || got.Status != shelf.StatusReading || got.Title != "Listed Story" {
		t.Errorf("ListEntry = %+v, %v", got, err)
	}
	if _, err := s.ListEntry(cCtx, cGuildA, cCarol, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ListEntry(not listed) = %v", err)
	}
	if _, err := s.SetListEntry(cCtx, cGuildA, cAlice, shelf.ListEntry{StoryID: other.ID, Status: shelf.StatusDropped}, cT0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The whole list with story details, in story-ID order.
	list, err := s.MemberList(cCtx, cGuildA, cAlice)
	if err != nil || len(list) != 2 || list[0].StoryID != rec.ID || list[1].StoryID != other.ID ||
		list[1].Title != "Other" || list[1].Status != shelf.StatusDropped || list[0].Chapter != 2 {
		t.Errorf("MemberList = %+v, %v", list, err)
	}
	if l, err := s.MemberList(cCtx, cGuildA, cCarol); err != nil || l == nil || len(l) != 0 {
		t.Errorf("empty MemberList = %#v, %v", l, err)
	}
	if err := s.RemoveListEntry(cCtx, cGuildA, cAlice, rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveListEntry(cCtx, cGuildA, cAlice, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	if r, _ := s.Story(cCtx, cGuildA, rec.ID); r.Readers != 1 {
		t.Errorf("Readers after remove = %d, want 1", r.Readers)
	}
	if l, _ := s.MemberList(cCtx, cGuildA, cAlice); len(l) != 1 || l[0].StoryID != other.ID {
		t.Errorf("list after remove = %+v", l)
	}
	// Re-adding starts a new entry (a new Added).
	got, err := s.SetListEntry(cCtx, cGuildA, cAlice, shelf.ListEntry{StoryID: rec.ID}, t1)
	if err != nil || !got.Added.Equal(t1) || got.Status != shelf.StatusToRead {
		t.Errorf("re-add = %+v, %v", got, err)
	}
	// A note of exactly the limit is kept.
	note := strings.Repeat("n", shelf.MaxNoteLength)
	if got, err := s.SetListEntry(cCtx, cGuildA, cAlice, shelf.ListEntry{StoryID: rec.ID, Note: note}, t1); err != nil || got.Note != note {
		t.Errorf("note at the limit: %v", err)
	}
}

func cExportDelete(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, Story("Alpha"))
	b, err := s.AddStory(cCtx, cGuildA, Story("Beta"), nil, cBob, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{cAlice, cBob} {
		for _, id := range []string{a.ID, b.ID} {
			cKudos(t, s, cGuildA, id, u, cT0)
			if _, err := s.SetListEntry(cCtx, cGuildA, u, shelf.ListEntry{StoryID: id, Note: "note " + u}, cT0); err != nil {
				t.Fatal(err)
			}
		}
	}
	exp, err := s.ExportMember(cCtx, cGuildA, cBob)
	if err != nil {
		t.Fatal(err)
	}
	if exp.UserID != cBob || exp.GuildID != cGuildA || len(exp.ReadingList) != 2 || len(exp.KudosGiven) != 2 ||
		len(exp.StoriesAdded) != 1 || exp.StoriesAdded[0].Title != "Beta" || exp.KudosGiven[0].Title != "Alpha" ||
		exp.KudosGiven[0].StoryID != a.ID || !exp.KudosGiven[0].At.Equal(cT0) || exp.ReadingList[0].Note != "note "+cBob ||
		exp.ReadingList[0].StoryID != a.ID || exp.Other != nil {
		t.Errorf("export = %+v", exp)
	}
	if _, err := json.Marshal(exp); err != nil {
		t.Errorf("export does not marshal: %v", err)
	}
	// A member with nothing stored gets empty lists, not nulls.
	none, err := s.ExportMember(cCtx, cGuildA, cDave)
	if err != nil || none.ReadingList == nil || none.KudosGiven == nil || none.StoriesAdded == nil || none.Other != nil {
		t.Errorf("empty export = %#v, %v", none, err)
	}
	if err := s.DeleteMember(cCtx, cGuildA, cBob); err != nil {
		t.Fatal(err)
	}
	exp, _ = s.ExportMember(cCtx, cGuildA, cBob)
	if len(exp.ReadingList) != 0 || len(exp.KudosGiven) != 0 || len(exp.StoriesAdded) != 1 {
		t.Errorf("after delete: %+v", exp)
	}
	for _, id := range []string{a.ID, b.ID} {
		r, _ := s.Story(cCtx, cGuildA, id)
		k, _ := s.Kudos(cCtx, cGuildA, id)
		if r.Kudos != 1 || r.Readers != 1 || len(k) != 1 || k[0].UserID != cAlice {
			t.Errorf("story %s after delete: kudos %d readers %d records %v", id, r.Kudos, r.Readers, k)
		}
	}
	if top, _ := s.TopKudos(cCtx, cGuildA, shelf.PeriodWeek, cT0.Add(-time.Minute).Add(7*24*time.Hour), 5); len(top) != 2 || top[0].Count != 1 {
		t.Errorf("TopKudos after delete: %+v", top)
	}
	if n, err := s.GiveKudos(cCtx, cGuildA, a.ID, cBob, cT0); err != nil || n != 2 {
		t.Errorf("kudos after delete: %d, %v", n, err)
	}
	if err := s.DeleteMember(cCtx, cGuildB, cCarol); err != nil {
		t.Errorf("DeleteMember(empty): %v", err)
	}
}

func cSettings(t *testing.T, s shelf.Store) {
	want := shelf.Settings{AdultContent: shelf.AdultAgeRestrictedOnly, Timezone: "UTC"}
	if got, err := s.Settings(cCtx, cGuildA); err != nil || got != want {
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
		got, err := s.SetSettings(cCtx, cGuildA, tt.in)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("SetSettings(%+v) = %+v, %v; want %+v, %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err == nil {
			if read, _ := s.Settings(cCtx, cGuildA); read != tt.want {
				t.Errorf("Settings after set = %+v, want %+v", read, tt.want)
			}
		}
	}
	if _, err := s.SetSettings(cCtx, cGuildA, shelf.Settings{AdultContent: shelf.AdultOff}); err != nil {
		t.Fatal(err)
	}
	if read, _ := s.Settings(cCtx, cGuildA); read.AdultContent != shelf.AdultOff {
		t.Errorf("a refused SetSettings changed them: %+v", read)
	}
	if b, _ := s.Settings(cCtx, cGuildB); b != want {
		t.Errorf("guild B settings = %+v", b)
	}
}

func cRecs(t *testing.T, s shelf.Store) {
	a := Story("Alpha")
	a.Fandoms = []string{"Good Omens"}
	b := Story("Beta")
	b.Fandoms = []string{"Stranger Things"}
	ra, rb := cAdd(t, s, cGuildA, a), cAdd(t, s, cGuildA, b)
	if _, ok, err := s.RecThread(cCtx, cGuildA, ra.ID); ok || err != nil {
		t.Fatalf("thread before any rec: %v %v", ok, err)
	}
	th := shelf.RecThread{ChannelID: cChanA, ThreadID: "800", MessageID: "800"}
	if err := s.SetRecThread(cCtx, cGuildA, ra.ID, th); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.RecThread(cCtx, cGuildA, ra.ID); !ok || got != th {
		t.Errorf("thread = %+v %v", got, ok)
	}
	// One thread per story: setting it again replaces it.
	forum := shelf.RecThread{ChannelID: cChanB, ThreadID: "801", MessageID: "801", Forum: true}
	if err := s.SetRecThread(cCtx, cGuildA, ra.ID, forum); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.RecThread(cCtx, cGuildA, ra.ID); !ok || got != forum {
		t.Errorf("thread after replace = %+v %v", got, ok)
	}
	if _, ok, _ := s.RecThread(cCtx, cGuildB, ra.ID); ok {
		t.Error("another guild sees the thread")
	}
	if err := s.SetRecThread(cCtx, cGuildA, "99", th); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("thread of a missing story: %v", err)
	}
	req, err := s.AddRecRequest(cCtx, cGuildA, shelf.RecRequest{UserID: cCarol, Text: "slow burn?", ChannelID: cChanA, MessageID: "850", ThreadID: "850", At: cT0})
	if err != nil || req.ID != "1" {
		t.Fatalf("request: %+v, %v", req, err)
	}
	if got, err := s.RecRequestByThread(cCtx, cGuildA, "850"); err != nil || got.ID != req.ID || got.Text != "slow burn?" || !got.At.Equal(cT0) {
		t.Fatalf("request by thread: %+v %v", got, err)
	}
	if _, err := s.RecRequestByThread(cCtx, cGuildA, "851"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("not a request thread: %v", err)
	}
	if _, err := s.RecRequestByThread(cCtx, cGuildB, "850"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("another guild's request thread: %v", err)
	}
	var ids []string
	for i, r := range []shelf.Rec{
		{StoryID: ra.ID, UserID: cAlice, Why: "1"},
		{StoryID: rb.ID, UserID: cBob, Why: "2"},
		{StoryID: ra.ID, UserID: cBob, Why: "3", RequestID: req.ID},
	} {
		r.At = cT0.Add(time.Duration(i) * time.Minute)
		r.ChannelID, r.MessageID, r.ThreadID = cChanA, fmt.Sprint(900+i), "800"
		got, err := s.AddRec(cCtx, cGuildA, r)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != fmt.Sprint(i+1) || got.Why != r.Why || got.StoryTitle == "" || !got.At.Equal(r.At) {
			t.Errorf("AddRec = %+v", got)
		}
		ids = append(ids, got.ID)
	}
	if _, err := s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: "99", UserID: cBob, Why: "x"}); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("rec of a missing story: %v", err)
	}
	if _, err := s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: ra.ID, UserID: cBob, Why: "x", RequestID: "77"}); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("rec answering a missing request: %v", err)
	}
	whys := func(rs []shelf.Rec) string {
		out := ""
		for _, r := range rs {
			out += r.Why
		}
		return out
	}
	all, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{})
	if whys(all) != "321" || total != 3 || all[0].StoryTitle != "Alpha" || all[1].StoryTitle != "Beta" || all[0].MessageID != "902" {
		t.Errorf("all recs %q total %d: %+v", whys(all), total, all)
	}
	byBob, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{UserID: cBob})
	if whys(byBob) != "32" || total != 2 {
		t.Errorf("bob's recs %q total %d", whys(byBob), total)
	}
	omens, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{Fandom: "good omens"})
	if whys(omens) != "31" || total != 2 {
		t.Errorf("Good Omens recs %q", whys(omens))
	}
	bobOmens, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{UserID: cBob, Fandom: "OMENS"})
	if whys(bobOmens) != "3" || total != 1 {
		t.Errorf("bob's Good Omens recs %q", whys(bobOmens))
	}
	page2, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{Offset: 2, Limit: 2})
	if whys(page2) != "1" || total != 3 {
		t.Errorf("page 2 %q total %d", whys(page2), total)
	}
	if got, _ := s.RecRequestByThread(cCtx, cGuildA, "850"); !reflect.DeepEqual(got.Answers, []string{ids[2]}) {
		t.Errorf("request answers %v", got.Answers)
	}
	got, err := s.Recs(cCtx, cGuildA, []string{ids[2], "77", ids[0]})
	if err != nil || whys(got) != "31" || got[0].StoryTitle != "Alpha" {
		t.Errorf("Recs = %+v, %v", got, err)
	}
	if _, err := s.Recs(cCtx, cGuildA, []string{"x"}); !errors.Is(err, shelf.ErrInvalidID) {
		t.Errorf("Recs(bad ID) = %v", err)
	}
	if got, _ := s.Recs(cCtx, cGuildB, ids); len(got) != 0 {
		t.Errorf("guild B sees recs: %+v", got)
	}
	exp, _ := s.ExportMember(cCtx, cGuildA, cBob)
	if exp.Other == nil || exp.Other.Recs == nil || whys(exp.Other.Recs.Recs) != "23" || len(exp.Other.Recs.Requests) != 0 ||
		exp.Other.Recs.Recs[0].StoryTitle != "Beta" {
		t.Errorf("bob's export: %+v", exp.Other)
	}
	exp, _ = s.ExportMember(cCtx, cGuildA, cCarol)
	if exp.Other == nil || exp.Other.Recs == nil || len(exp.Other.Recs.Recs) != 0 || len(exp.Other.Recs.Requests) != 1 {
		t.Errorf("carol's export: %+v", exp.Other)
	}
	// Deleting a member keeps their recs: they are public posts.
	if err := s.DeleteMember(cCtx, cGuildA, cBob); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{}); total != 3 {
		t.Errorf("recs after member delete: %d", total)
	}
	// Removing a story removes its thread and recs.
	if err := s.RemoveStory(cCtx, cGuildA, ra.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.RecThread(cCtx, cGuildA, ra.ID); ok {
		t.Error("thread survived story removal")
	}
	if rest, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{}); whys(rest) != "2" || total != 1 {
		t.Errorf("after removal %q", whys(rest))
	}
	if rest, _, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{UserID: cAlice}); len(rest) != 0 {
		t.Errorf("alice's recs of the removed story remain: %+v", rest)
	}
	// New recs never reuse a removed rec's ID.
	if r, err := s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: rb.ID, UserID: cAlice, Why: "4"}); err != nil || r.ID != "4" {
		t.Errorf("rec after removal: %+v, %v", r, err)
	}
}

func cLeases(t *testing.T, s shelf.Store) {
	now := cT0
	ok := func(name, holder string, at time.Time, ttl time.Duration) bool {
		t.Helper()
		got, err := s.TryLease(cCtx, name, holder, at, ttl)
		if err != nil {
			t.Fatalf("TryLease(%s, %s): %v", name, holder, err)
		}
		return got
	}
	if !ok("clubs", "p1", now, time.Minute) {
		t.Error("free lease not taken")
	}
	if ok("clubs", "p2", now.Add(30*time.Second), time.Minute) {
		t.Error("held lease taken by another")
	}
	if !ok("clubs", "p1", now.Add(50*time.Second), time.Minute) {
		t.Error("holder cannot renew")
	}
	if ok("clubs", "p2", now.Add(100*time.Second), time.Minute) {
		t.Error("renewed lease taken before its new expiry")
	}
	if !ok("other", "p2", now, time.Minute) {
		t.Error("leases are independent by name")
	}
	if !ok("clubs", "p2", now.Add(111*time.Second), time.Minute) {
		t.Error("expired lease not taken over")
	}
	if ok("clubs", "p1", now.Add(112*time.Second), time.Minute) {
		t.Error("old holder took it back")
	}
	if err := s.ReleaseLease(cCtx, "clubs", "p1"); err != nil {
		t.Fatal(err)
	}
	if ok("clubs", "p1", now.Add(113*time.Second), time.Minute) {
		t.Error("a non-holder's release freed it")
	}
	if err := s.ReleaseLease(cCtx, "clubs", "p2"); err != nil {
		t.Fatal(err)
	}
	if !ok("clubs", "p1", now.Add(114*time.Second), time.Minute) {
		t.Error("released lease not free")
	}
	if err := s.ReleaseLease(cCtx, "nothing", "p1"); err != nil {
		t.Errorf("release of an unknown lease: %v", err)
	}
}

func cIsolation(t *testing.T, s shelf.Store) {
	stA := Story("Secret of A", "Writer A")
	stA.AO3ID = 1
	ra := cAdd(t, s, cGuildA, stA)
	rb := cAdd(t, s, cGuildB, &fic.Story{Title: "Public of B", Authors: []string{"Writer B"}})
	if ra.ID != rb.ID {
		t.Fatalf("IDs differ (%s, %s): the test wants the same IDs", ra.ID, rb.ID)
	}
	cKudos(t, s, cGuildA, ra.ID, cBob, cT0)
	if _, err := s.SetListEntry(cCtx, cGuildA, cBob, shelf.ListEntry{StoryID: ra.ID, Note: "A only"}, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRecThread(cCtx, cGuildA, ra.ID, shelf.RecThread{ChannelID: cChanA, ThreadID: "9", MessageID: "9"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: ra.ID, UserID: cBob, Why: "A"}); err != nil {
		t.Fatal(err)
	}
	clubA := cStartClub(t, s, cGuildA, cChanA, ra.ID, 1, 7, cT0)
	if _, err := s.SetSettings(cCtx, cGuildA, shelf.Settings{AdultContent: shelf.AdultOff}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Story(cCtx, cGuildB, rb.ID)
	if got.Story.Title != "Public of B" || got.Kudos != 0 || got.Readers != 0 {
		t.Errorf("guild B story = %+v", got)
	}
	if k, _ := s.Kudos(cCtx, cGuildB, rb.ID); len(k) != 0 {
		t.Errorf("guild B kudos = %v", k)
	}
	if l, _ := s.MemberList(cCtx, cGuildB, cBob); len(l) != 0 {
		t.Errorf("guild B list = %v", l)
	}
	if _, err := s.ListEntry(cCtx, cGuildB, cBob, rb.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B entry: %v", err)
	}
	if refs, _ := s.SearchStories(cCtx, cGuildB, "secret", 25); len(refs) != 0 {
		t.Errorf("guild B search = %v", refs)
	}
	if _, err := s.ResolveStory(cCtx, cGuildB, "Secret of A"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B resolves A's title: %v", err)
	}
	if _, err := s.StoryByAO3(cCtx, cGuildB, 1); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B AO3: %v", err)
	}
	if top, _ := s.TopKudos(cCtx, cGuildB, shelf.PeriodAll, cT0, 10); len(top) != 0 {
		t.Errorf("guild B top = %v", top)
	}
	if recs, total, _ := s.ListRecs(cCtx, cGuildB, shelf.RecQuery{}); len(recs) != 0 || total != 0 {
		t.Errorf("guild B recs = %v", recs)
	}
	if _, err := s.Club(cCtx, cGuildB, clubA.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B sees A's club: %v", err)
	}
	if _, err := s.ActiveClub(cCtx, cGuildB, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B sees A's active club: %v", err)
	}
	if _, err := s.JoinClub(cCtx, cGuildB, clubA.ID, cBob, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B joins A's club: %v", err)
	}
	if _, err := s.EndClub(cCtx, cGuildB, clubA.ID, cBob, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B ends A's club: %v", err)
	}
	if _, err := s.CheckpointPosting(cCtx, cGuildB, clubA.ID, 1, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("guild B announces A's checkpoint: %v", err)
	}
	if st, _ := s.Settings(cCtx, cGuildB); st.AdultContent != shelf.AdultAgeRestrictedOnly {
		t.Errorf("guild B settings = %+v", st)
	}
	exp, _ := s.ExportMember(cCtx, cGuildB, cAlice)
	if len(exp.ReadingList)+len(exp.KudosGiven) != 0 || len(exp.StoriesAdded) != 1 || exp.StoriesAdded[0].Title != "Public of B" || exp.Other != nil {
		t.Errorf("guild B export = %+v", exp)
	}
	// Deleting in B leaves A alone; removing B's story 1 leaves A's.
	if err := s.DeleteMember(cCtx, cGuildB, cBob); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveStory(cCtx, cGuildB, rb.ID); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Story(cCtx, cGuildA, ra.ID); err != nil || a.Kudos != 1 || a.Readers != 1 {
		t.Errorf("guild A after B's changes: %+v, %v", a, err)
	}
	if refs, _ := s.SearchStories(cCtx, cGuildA, "secret", 25); len(refs) != 1 {
		t.Errorf("guild A search = %v", refs)
	}
	if _, ok, _ := s.RecThread(cCtx, cGuildA, ra.ID); !ok {
		t.Error("guild A's rec thread went with B's story")
	}
	if c, err := s.ActiveClub(cCtx, cGuildA, cChanA); err != nil || c.ID != clubA.ID {
		t.Errorf("guild A's club ended with B's story: %v", err)
	}
}

func cInvalidIDs(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, Story("Valid"))
	for _, bad := range []string{"", "abc", "0", "-1", "+1", "1.5", "99999999999999999999999"} {
		checks := map[string]error{}
		_, checks["Story guild"] = s.Story(cCtx, bad, rec.ID)
		_, checks["Story id"] = s.Story(cCtx, cGuildA, bad)
		_, checks["UpdateStory"] = s.UpdateStory(cCtx, cGuildA, bad, Story("x"), nil, cT0)
		checks["RemoveStory"] = s.RemoveStory(cCtx, cGuildA, bad)
		_, _, checks["ListStories"] = s.ListStories(cCtx, bad, shelf.ListQuery{})
		_, checks["Chapter"] = s.Chapter(cCtx, cGuildA, bad, 1)
		_, checks["SearchStories"] = s.SearchStories(cCtx, bad, "x", 5)
		_, checks["ResolveStory"] = s.ResolveStory(cCtx, bad, "x")
		_, checks["GiveKudos story"] = s.GiveKudos(cCtx, cGuildA, bad, cBob, cT0)
		_, checks["GiveKudos user"] = s.GiveKudos(cCtx, cGuildA, rec.ID, bad, cT0)
		_, checks["Kudos"] = s.Kudos(cCtx, cGuildA, bad)
		_, checks["TopKudos"] = s.TopKudos(cCtx, bad, shelf.PeriodAll, cT0, 5)
		_, checks["SetListEntry user"] = s.SetListEntry(cCtx, cGuildA, bad, shelf.ListEntry{StoryID: rec.ID}, cT0)
		_, checks["ListEntry"] = s.ListEntry(cCtx, cGuildA, cBob, bad)
		checks["RemoveListEntry"] = s.RemoveListEntry(cCtx, cGuildA, bad, rec.ID)
		_, checks["MemberList"] = s.MemberList(cCtx, cGuildA, bad)
		_, checks["ExportMember"] = s.ExportMember(cCtx, cGuildA, bad)
		checks["DeleteMember"] = s.DeleteMember(cCtx, cGuildA, bad)
		_, _, checks["RecThread"] = s.RecThread(cCtx, cGuildA, bad)
		checks["SetRecThread"] = s.SetRecThread(cCtx, cGuildA, bad, shelf.RecThread{})
		_, checks["AddRec"] = s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: rec.ID, UserID: bad})
		_, checks["AddRecRequest"] = s.AddRecRequest(cCtx, cGuildA, shelf.RecRequest{UserID: cBob, ThreadID: bad})
		_, checks["RecRequestByThread"] = s.RecRequestByThread(cCtx, cGuildA, bad)
		_, checks["StartClub"] = s.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: bad, StoryID: rec.ID, HostID: cBob, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01"})
		_, checks["ActiveClub"] = s.ActiveClub(cCtx, cGuildA, bad)
		_, checks["Club"] = s.Club(cCtx, cGuildA, bad)
		_, checks["JoinClub"] = s.JoinClub(cCtx, cGuildA, bad, cBob, cT0)
		checks["LeaveClub"] = s.LeaveClub(cCtx, cGuildA, "1", bad)
		_, checks["ClubMembers"] = s.ClubMembers(cCtx, cGuildA, bad)
		_, checks["EndClub"] = s.EndClub(cCtx, cGuildA, bad, cBob, cT0)
		_, checks["CheckpointPosting"] = s.CheckpointPosting(cCtx, cGuildA, bad, 1, cT0)
		checks["CheckpointDone"] = s.CheckpointDone(cCtx, bad, "1", 1, "5")
		_, checks["Settings"] = s.Settings(cCtx, bad)
		_, checks["SetSettings"] = s.SetSettings(cCtx, bad, shelf.Settings{})
		for name, err := range checks {
			if !errors.Is(err, shelf.ErrInvalidID) {
				t.Errorf("%s(%q) = %v, want ErrInvalidID", name, bad, err)
			}
		}
	}
	if r, err := s.Story(cCtx, cGuildA, rec.ID); err != nil || r.Kudos != 0 {
		t.Errorf("bad calls changed the story: %+v, %v", r, err)
	}
}
