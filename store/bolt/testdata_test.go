package bolt_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/store/bolt"
)

// testdata/v3.db was written by the store package as it was before the
// engine moved to store/bolt (schema version 3), by a throwaway program
// that was not kept: it opened a new file with store.Open and called, with
// the IDs and times below (t0 = 2026-01-02 03:04:05 UTC):
//
//	guild A: AddStory "The Lake House" (alice, t0, AO3 4242, Teen, 2 of 3
//	         chapters with sentence indexes), "Café Nights" (bob's own,
//	         t0+1h, Mature, 1 chapter), "Long Road" (carol, t0+2h, 4
//	         chapters, WIP); kudos from bob (t0+3h) and carol (t0+4h) on
//	         the Lake House, alice (t0+5h) on Café Nights; list entries bob:
//	         Lake House reading ch. 1 "so good" (t0+7h), Long Road to-read
//	         (t0+8h); carol: Lake House finished ch. 2 (t0+9h); a rec thread
//	         on the Lake House, a request by carol (t0+11h), recs by bob
//	         (t0+12h) and alice answering the request (t0+13h); a club "Road
//	         Club" on Long Road in chanB hosted by carol (2 chapters a
//	         week from 2026-01-05, Europe/Paris), bob joined (t0+1h) and
//	         read 2 chapters; checkpoint 1 posted and its thread opened;
//	         settings: recs channel chanA, spoilered, Europe/Paris.
//	guild B: AddStory "Other Server Story" (alice, t0), kudos from bob
//	         (t0+6h), alice's list entry on-hold (t0+10h); settings: off.
//
// The test opens a copy and checks that every record reads back as
// written, through the current code's migrations and decoders.
func TestOpensSchema3FileWrittenBeforeTheMove(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "v3.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v3.db")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openTestPath(t, path)
	if v, err := s.SchemaVersion(); err != nil || v != bolt.CurrentSchemaVersion() {
		t.Fatalf("schema version %d, %v; want %d", v, err, bolt.CurrentSchemaVersion())
	}
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	const (
		cat  = "810000000000000001" // the rec thread
		reqT = "820000000000000001" // the request's thread
	)

	// Stories, chapters and counters.
	lake, err := s.Story(ctx, guildA, "1")
	if err != nil {
		t.Fatal(err)
	}
	if lake.Story.Title != "The Lake House" || lake.AddedBy != alice || !lake.AddedAt.Equal(t0) || lake.Mine ||
		lake.Kudos != 2 || lake.Readers != 2 || lake.Story.AO3ID != 4242 || lake.Story.Rating != fic.RatingTeen ||
		lake.Story.ChaptersPosted != 2 || lake.Story.ChaptersExpected != 3 ||
		!reflect.DeepEqual(lake.Story.Relationships, []string{"Aziraphale/Crowley"}) || lake.Story.Summary != "They rent a lake house." {
		t.Errorf("lake house = %+v", lake)
	}
	if want := []shelf.ChapterInfo{{Title: "Arrival", Words: 7}, {Title: "Storm", Words: 4}}; !reflect.DeepEqual(lake.Chapters, want) {
		t.Errorf("lake chapters = %+v, want %+v", lake.Chapters, want)
	}
	ch, err := s.Chapter(ctx, guildA, "1", 1)
	if err != nil || ch.Text != "The water was still. Crowley hated it." || ch.Notes != "hi" || !reflect.DeepEqual(ch.Sentences, []byte{0, 20, 40}) {
		t.Errorf("chapter 1 = %+v, %v", ch, err)
	}
	ch, err = s.Chapter(ctx, guildA, "1", 2)
	if err != nil || ch.Title != "Storm" || ch.EndNotes != "bye" || !reflect.DeepEqual(ch.Sentences, []byte{0, 21}) {
		t.Errorf("chapter 2 = %+v, %v", ch, err)
	}
	if byAO3, err := s.StoryByAO3(ctx, guildA, 4242); err != nil || byAO3.ID != "1" {
		t.Errorf("by AO3: %v %v", byAO3.ID, err)
	}
	cafe, err := s.Story(ctx, guildA, "2")
	if err != nil || cafe.Story.Title != "Café Nights" || !cafe.Mine || cafe.AddedBy != bob || cafe.Kudos != 1 || cafe.Readers != 0 || !cafe.AddedAt.Equal(at(1)) {
		t.Errorf("café = %+v, %v", cafe, err)
	}
	road, err := s.Story(ctx, guildA, "3")
	if err != nil || road.Story.Title != "Long Road" || len(road.Chapters) != 4 || road.Readers != 1 || road.Kudos != 0 {
		t.Errorf("long road = %+v, %v", road, err)
	}
	if _, err := s.GiveKudos(ctx, guildA, "2", bob, time.Time{}); err == nil {
		t.Error("the author of a story of their own gave it kudos")
	}
	other, err := s.Story(ctx, guildB, "1")
	if err != nil || other.Story.Title != "Other Server Story" || other.Kudos != 1 || other.Readers != 1 {
		t.Errorf("guild B's story = %+v, %v", other, err)
	}
	if _, err := s.Story(ctx, guildB, "2"); err == nil {
		t.Error("guild B sees guild A's story 2")
	}

	// Facets and the autocomplete index, rebuilt from the file.
	page, total, err := s.ListStories(ctx, guildA, shelf.ListQuery{Sort: shelf.SortKudos})
	if err != nil || total != 3 || len(page) != 3 || page[0].ID != "1" || page[1].ID != "2" {
		t.Errorf("list by kudos: %d %v", total, err)
	}
	if _, total, _ := s.ListStories(ctx, guildA, shelf.ListQuery{Tag: "crowley"}); total != 1 {
		t.Errorf("tag filter matched %d", total)
	}
	// Per-period kudos counters, derived by migration 4.
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{at(24), "1:2 2:1"},
		{t0.Add(7*24*time.Hour + 3*time.Hour + 30*time.Minute), "1:1 2:1"},
		{t0.Add(7*24*time.Hour + 4*time.Hour + 30*time.Minute), "2:1"},
		{at(24), "1:2 2:1"},
	} {
		top, err := s.TopKudos(ctx, guildA, shelf.PeriodWeek, tt.now, 0)
		var got []string
		for _, ts := range top {
			got = append(got, ts.ID+":"+strconv.Itoa(ts.Count))
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("week's top at %v = %v, %v; want %s", tt.now, got, err, tt.want)
		}
	}
	if refs, err := s.SearchStories(ctx, guildA, "lake", 5); err != nil || len(refs) != 1 || refs[0].ID != "1" {
		t.Errorf("search: %+v %v", refs, err)
	}
	if rec, err := s.ResolveStory(ctx, guildA, "cafe nights"); err != nil || rec.ID != "2" {
		t.Errorf("resolve: %v %v", rec.ID, err)
	}

	// Kudos.
	kudos, err := s.Kudos(ctx, guildA, "1")
	if want := []shelf.Kudo{{UserID: carol, At: at(4)}, {UserID: bob, At: at(3)}}; err != nil || !reflect.DeepEqual(kudos, want) {
		t.Errorf("kudos = %+v, %v", kudos, err)
	}
	top, err := s.TopKudos(ctx, guildA, shelf.PeriodAll, t0, 5)
	if err != nil || len(top) != 2 || top[0].ID != "1" || top[0].Count != 2 || top[1].ID != "2" {
		t.Errorf("top = %+v, %v", top, err)
	}

	// Reading lists.
	e, err := s.ListEntry(ctx, guildA, bob, "1")
	if err != nil || e.Status != shelf.StatusReading || e.Chapter != 1 || e.Note != "so good" || !e.Updated.Equal(at(7)) || e.Title != "The Lake House" {
		t.Errorf("bob's entry = %+v, %v", e, err)
	}
	list, err := s.MemberList(ctx, guildA, bob)
	if err != nil || len(list) != 2 || list[1].StoryID != "3" || list[1].Status != shelf.StatusToRead {
		t.Errorf("bob's list = %+v, %v", list, err)
	}
	if e, err := s.ListEntry(ctx, guildA, carol, "1"); err != nil || e.Status != shelf.StatusFinished || e.Chapter != 2 {
		t.Errorf("carol's entry = %+v, %v", e, err)
	}
	if e, err := s.ListEntry(ctx, guildB, alice, "1"); err != nil || e.Status != shelf.StatusOnHold {
		t.Errorf("guild B entry = %+v, %v", e, err)
	}

	// Recs, the thread and the request.
	th, ok, err := s.RecThread(ctx, guildA, "1")
	if err != nil || !ok || th != (shelf.RecThread{ChannelID: chanA, ThreadID: cat, MessageID: cat}) {
		t.Errorf("rec thread = %+v %v %v", th, ok, err)
	}
	recs, n, err := s.ListRecs(ctx, guildA, shelf.RecQuery{})
	if err != nil || n != 2 || len(recs) != 2 || recs[0].UserID != alice || recs[0].RequestID != "1" || recs[0].StoryTitle != "The Lake House" ||
		recs[1].Why != "The pining!" || !recs[1].At.Equal(at(12)) || recs[1].ThreadID != cat {
		t.Errorf("recs = %+v, %d, %v", recs, n, err)
	}
	req, err := s.RecRequestByThread(ctx, guildA, reqT)
	if err != nil || req.ID != "1" || req.UserID != carol || req.Text != "slow burn please" || !reflect.DeepEqual(req.Answers, []string{"2"}) {
		t.Errorf("request = %+v, %v", req, err)
	}

	// The club, its members and checkpoints.
	club, err := s.ActiveClub(ctx, guildA, chanB)
	if err != nil {
		t.Fatal(err)
	}
	if club.ID != "1" || club.Name != "Road Club" || club.HostID != carol || club.StoryID != "3" || club.Timezone != "Europe/Paris" ||
		club.PerCheckpoint != 2 || club.EveryDays != 7 || len(club.Checkpoints) != 2 {
		t.Fatalf("club = %+v", club)
	}
	cp1, cp2 := club.Checkpoints[0], club.Checkpoints[1]
	if !cp1.Done() || cp1.MessageID != "840000000000000001" || cp1.ThreadID != "850000000000000001" || cp1.First != 1 || cp1.Last != 2 || cp1.PostingSince.IsZero() {
		t.Errorf("checkpoint 1 = %+v", cp1)
	}
	wantOpens := time.Date(2026, 1, 11, 23, 0, 0, 0, time.UTC) // 2026-01-12 00:00 in Paris
	if cp2.Done() || cp2.First != 3 || cp2.Last != 4 || !cp2.Opens.Equal(wantOpens) {
		t.Errorf("checkpoint 2 = %+v", cp2)
	}
	members, err := s.ClubMembers(ctx, guildA, club.ID)
	if err != nil || len(members) != 2 || members[0].UserID != carol || members[1].UserID != bob || members[1].Chapter != 2 {
		t.Errorf("members = %+v, %v", members, err)
	}
	next, ok, err := s.NextCheckpointDue(ctx)
	if err != nil || !ok || !next.Equal(wantOpens) {
		t.Errorf("next due = %v %v %v", next, ok, err)
	}
	due, err := s.DueCheckpoints(ctx, wantOpens, 10)
	if err != nil || len(due) != 1 || due[0].ClubID != "1" || due[0].Number != 2 || due[0].GuildID != guildA {
		t.Errorf("due = %+v, %v", due, err)
	}

	// Settings.
	if st, err := s.Settings(ctx, guildA); err != nil || st != (shelf.Settings{RecsChannelID: chanA, AdultContent: shelf.AdultSpoilered, Timezone: "Europe/Paris"}) {
		t.Errorf("guild A settings = %+v, %v", st, err)
	}
	if st, err := s.Settings(ctx, guildB); err != nil || st != (shelf.Settings{AdultContent: shelf.AdultOff, Timezone: "UTC"}) {
		t.Errorf("guild B settings = %+v, %v", st, err)
	}

	// /mydata export: the same JSON shape as before the move.
	exp, err := s.ExportMember(ctx, guildA, bob)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(exp)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		StoriesAdded []shelf.StoryRef `json:"stories_added"`
		Other        struct {
			Recs struct {
				Recs     []json.RawMessage `json:"recs"`
				Requests []json.RawMessage `json:"requests"`
			} `json:"recs"`
			Clubs []struct {
				ClubID  string `json:"club_id"`
				Chapter int    `json:"chapter_read"`
				Active  bool   `json:"active"`
			} `json:"clubs"`
		} `json:"other"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.StoriesAdded) != 1 || doc.StoriesAdded[0].ID != "2" || len(doc.Other.Recs.Recs) != 1 || len(doc.Other.Recs.Requests) != 0 ||
		len(doc.Other.Clubs) != 1 || doc.Other.Clubs[0].ClubID != "1" || doc.Other.Clubs[0].Chapter != 2 || !doc.Other.Clubs[0].Active {
		t.Errorf("bob's export: %s", raw)
	}
	exp, err = s.ExportMember(ctx, guildB, bob)
	if raw, _ := json.Marshal(exp); err != nil || strings.Contains(string(raw), `"other"`) {
		t.Errorf("an export with no recs or clubs has other: %s (%v)", raw, err)
	}

	// And the file takes writes.
	if n, err := s.GiveKudos(ctx, guildA, "3", alice, time.Time{}); err != nil || n != 1 {
		t.Errorf("new kudos: %d %v", n, err)
	}
	if r, err := s.AddStory(ctx, guildA, &fic.Story{Title: "Fourth"}, nil, alice, false, time.Time{}); err != nil || r.ID != "4" {
		t.Errorf("new story: %v %v", r.ID, err)
	}
}
