package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Run runs the conformance suite: every behaviour of shelf.Store that the
// commands and background jobs rely on, port by port, written from the
// BoltDB engine's behaviour (the reference). open must return a new, empty
// store each time it is called; it closes the store at cleanup.
func Run(t *testing.T, open func(t testing.TB) shelf.Store) {
	for _, tc := range conformanceTests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
	t.Run("Copier/DumpLoadRoundTrip", func(t *testing.T) { cCopy(t, open(t), open) })
	t.Run("Close", func(t *testing.T) { cClosed(t, open(t)) })
}

// RunTitleLookups runs the suite's cases that resolve titles
// (ResolveStory: Finder/Resolve, Scale/ResolveMissMatchesBruteForce,
// Isolation/Guilds, InvalidIDs) alone, for an engine that answers them by
// more than one path to run them again through another.
func RunTitleLookups(t *testing.T, open func(t testing.TB) shelf.Store) {
	for _, tc := range conformanceTests {
		if strings.Contains(tc.name, "Resolve") || tc.name == "Isolation/Guilds" || tc.name == "InvalidIDs" {
			t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
		}
	}
}

type cTest struct {
	name string
	fn   func(t *testing.T, s shelf.Store)
}

// conformanceTests is filled by the conformance_*.go files' init
// functions, each adding its ports' tests.
var conformanceTests []cTest

func cRegister(tests ...cTest) { conformanceTests = append(conformanceTests, tests...) }

// Fixtures, unexported with a c prefix so as not to clash with the shared
// fixture builders of this package.
const (
	cGuildA = "100000000000000001"
	cGuildB = "200000000000000002"
	cAlice  = "300000000000000003"
	cBob    = "300000000000000004"
	cCarol  = "300000000000000005"
	cDave   = "300000000000000006"
	cChanA  = "400000000000000007"
	cChanB  = "400000000000000008"
)

var (
	cT0  = time.Date(2026, 2, 1, 12, 0, 0, 123456789, time.UTC)
	cCtx = context.Background()
)

func cAdd(t testing.TB, s shelf.Store, guild string, st *fic.Story) shelf.StoryRecord {
	t.Helper()
	rec, err := s.AddStory(cCtx, guild, st, nil, cAlice, false, cT0)
	if err != nil {
		t.Fatalf("add %q: %v", st.Title, err)
	}
	return rec
}

func cKudos(t testing.TB, s shelf.Store, guild, story, user string, at time.Time) int {
	t.Helper()
	n, err := s.GiveKudos(cCtx, guild, story, user, at)
	if err != nil {
		t.Fatalf("kudos on %s by %s: %v", story, user, err)
	}
	return n
}

func cTitles(refs []shelf.StoryRef) []string {
	out := []string{}
	for _, r := range refs {
		out = append(out, r.Title)
	}
	return out
}

func cIDs(rs []shelf.StoryRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func cSpans(cps []shelf.Checkpoint) string {
	out := ""
	for _, c := range cps {
		out += fmt.Sprintf("%d:%d-%d@%s ", c.Number, c.First, c.Last, c.Opens.Format("01-02T15"))
	}
	return out
}

func cStartClub(t testing.TB, s shelf.Store, guild, channel, storyID string, per, every int, now time.Time) shelf.Club {
	t.Helper()
	c, err := s.StartClub(cCtx, guild, shelf.ClubStart{ChannelID: channel, StoryID: storyID, HostID: cAlice,
		PerCheckpoint: per, EveryDays: every, Starts: "2026-03-01", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func init() {
	cRegister(
		cTest{"Stories/AddAndRead", cAddAndRead},
		cTest{"Stories/AddInvalid", cAddInvalid},
		cTest{"Stories/DuplicateAO3", cDuplicateAO3},
		cTest{"Stories/UpdateKeepsIdentityAndCounters", cUpdateStory},
		cTest{"Stories/RemoveRemovesEverything", cRemoveStory},
		cTest{"Stories/List", cListStories},
		cTest{"Chapters/ReadAndView", cChapters},
		cTest{"Finder/Resolve", cResolve},
		cTest{"Finder/Search", cSearch},
		cTest{"Finder/SearchCapsAt25", cSearchCap},
		cTest{"Finder/SearchFollowsUpdatesAndKudos", cSearchFollows},
	)
}

func cAddAndRead(t *testing.T, s shelf.Store) {
	st := &fic.Story{
		Title:   "  The Long Way Home ",
		Authors: []string{"Mara Quill"},
		Fandoms: []string{"Good Omens"},
		Tags:    []string{"Fluff"},
		AO3ID:   12345,
		Summary: "A summary.",
	}
	chapters := []shelf.NewChapter{
		{Chapter: fic.Chapter{Title: "Start", Text: "One two three.", Notes: "n1", EndNotes: "e1"}, Sentences: []byte{1, 2, 3}},
		{Chapter: fic.Chapter{Title: "End", Text: "Four five."}},
	}
	rec, err := s.AddStory(cCtx, cGuildA, st, chapters, cBob, true, cT0)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != "1" || rec.GuildID != cGuildA || rec.Story.Title != "The Long Way Home" || rec.AddedBy != cBob ||
		!rec.Mine || !rec.AddedAt.Equal(cT0) || rec.Kudos != 0 || rec.Readers != 0 {
		t.Errorf("record = %+v", rec)
	}
	if rec.Story.Rating != fic.RatingNotRated || rec.Story.ChaptersPosted != 2 || rec.Story.Words != 5 ||
		rec.Story.Chapters != nil || rec.Story.AO3ID != 12345 || rec.Story.Summary != "A summary." {
		t.Errorf("story = %+v", rec.Story)
	}
	if want := []shelf.ChapterInfo{{Title: "Start", Words: 3}, {Title: "End", Words: 2}}; !reflect.DeepEqual(rec.Chapters, want) {
		t.Errorf("chapters = %+v, want %+v", rec.Chapters, want)
	}
	if st.Title != "  The Long Way Home " {
		t.Error("AddStory modified its argument")
	}
	got, err := s.Story(cCtx, cGuildA, rec.ID)
	if err != nil || !reflect.DeepEqual(got.Story, rec.Story) || !reflect.DeepEqual(got.Chapters, rec.Chapters) ||
		!got.AddedAt.Equal(cT0) || got.AddedBy != cBob || !got.Mine {
		t.Errorf("Story = %+v, %v", got, err)
	}
	second := cAdd(t, s, cGuildA, Story("Second"))
	if second.ID != "2" {
		t.Errorf("second story ID %q, want 2", second.ID)
	}
	if other := cAdd(t, s, cGuildB, Story("Other")); other.ID != "1" {
		t.Errorf("guild B's first story ID %q, want 1 (IDs are per guild)", other.ID)
	}
	if _, err := s.Story(cCtx, cGuildA, "99"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Story(99) = %v, want ErrNotFound", err)
	}
	before := time.Now().Add(-time.Second)
	now, err := s.AddStory(cCtx, cGuildA, Story("Now"), nil, cAlice, false, time.Time{})
	if err != nil || now.AddedAt.Before(before) || now.AddedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("a zero time is now: %v, %v", now.AddedAt, err)
	}
	// Chapters from s.Chapters when none are given.
	if second.Story.ChaptersPosted != 2 || len(second.Chapters) != 2 || second.Story.Words != 8 {
		t.Errorf("story from its own chapters: %+v %+v", second.Story, second.Chapters)
	}
	// Given numbers are kept.
	meta, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "By link", ChaptersPosted: 7, ChaptersExpected: 10, Words: 5000}, nil, cAlice, false, cT0)
	if err != nil || meta.Story.ChaptersPosted != 7 || meta.Story.ChaptersExpected != 10 || meta.Story.Words != 5000 || len(meta.Chapters) != 0 {
		t.Errorf("metadata-only story: %+v, %v", meta, err)
	}
}

func cAddInvalid(t *testing.T, s shelf.Store) {
	for _, st := range []*fic.Story{nil, {Title: "   "}, {Title: "x", AO3ID: -1}} {
		if _, err := s.AddStory(cCtx, cGuildA, st, nil, cAlice, false, cT0); !errors.Is(err, shelf.ErrInvalid) {
			t.Errorf("AddStory(%+v) = %v, want ErrInvalid", st, err)
		}
	}
	for _, id := range []string{"", "abc", "0", "-1", "+5", "123456789012345678901"} {
		if _, err := s.AddStory(cCtx, cGuildA, Story("x"), nil, id, false, cT0); !errors.Is(err, shelf.ErrInvalidID) {
			t.Errorf("AddStory by %q = %v, want ErrInvalidID", id, err)
		}
		if _, err := s.AddStory(cCtx, id, Story("x"), nil, cAlice, false, cT0); !errors.Is(err, shelf.ErrInvalidID) {
			t.Errorf("AddStory in guild %q = %v, want ErrInvalidID", id, err)
		}
	}
	if _, total, _ := s.ListStories(cCtx, cGuildA, shelf.ListQuery{}); total != 0 {
		t.Errorf("refused stories were stored: %d", total)
	}
}

func cDuplicateAO3(t *testing.T, s shelf.Store) {
	first, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Work", AO3ID: 777}, nil, cAlice, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Work again", AO3ID: 777}, nil, cBob, false, cT0)
	var de *shelf.DuplicateError
	if !errors.Is(err, shelf.ErrDuplicate) || !errors.As(err, &de) || de.ExistingID != first.ID || de.AO3ID != 777 {
		t.Errorf("duplicate: %v", err)
	}
	if got, err := s.StoryByAO3(cCtx, cGuildA, 777); err != nil || got.ID != first.ID {
		t.Errorf("StoryByAO3 = %+v, %v", got, err)
	}
	for _, id := range []int64{0, -1, 778} {
		if _, err := s.StoryByAO3(cCtx, cGuildA, id); !errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("StoryByAO3(%d) = %v, want ErrNotFound", id, err)
		}
	}
	// Another guild may have the same work; stories without one never clash.
	if _, err := s.AddStory(cCtx, cGuildB, &fic.Story{Title: "Work", AO3ID: 777}, nil, cAlice, false, cT0); err != nil {
		t.Errorf("same work in guild B: %v", err)
	}
	if _, err := s.StoryByAO3(cCtx, cGuildB, 777); err != nil {
		t.Errorf("StoryByAO3 in B: %v", err)
	}
	cAdd(t, s, cGuildA, Story("No work 1"))
	cAdd(t, s, cGuildA, Story("No work 2"))
	// Concurrent adds of one work: exactly one succeeds, the others name it.
	var wg sync.WaitGroup
	results := make([]error, 8)
	ids := make([]string, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Raced", AO3ID: 999}, nil, cAlice, false, cT0)
			results[i], ids[i] = err, rec.ID
		}()
	}
	wg.Wait()
	winner, ok := "", 0
	for i, err := range results {
		if err == nil {
			ok++
			winner = ids[i]
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 8 concurrent adds of one work succeeded: %v", ok, results)
	}
	for _, err := range results {
		if err != nil && (!errors.As(err, &de) || de.ExistingID != winner) {
			t.Errorf("concurrent duplicate: %v, want DuplicateError naming %s", err, winner)
		}
	}
}

func cUpdateStory(t *testing.T, s shelf.Store) {
	rec, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Draft", AO3ID: 10, Authors: []string{"Ann"},
		Chapters: []fic.Chapter{{Title: "1", Text: "Old text."}}}, nil, cBob, true, cT0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Other", AO3ID: 20}, nil, cAlice, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	cKudos(t, s, cGuildA, rec.ID, cAlice, cT0)
	if _, err := s.SetListEntry(cCtx, cGuildA, cCarol, shelf.ListEntry{StoryID: rec.ID}, cT0); err != nil {
		t.Fatal(err)
	}
	up := &fic.Story{Title: "Final", AO3ID: 11, Authors: []string{"Ann"}, Chapters: []fic.Chapter{
		{Title: "1", Text: "New text here."}, {Title: "2", Text: "More."}}}
	got, err := s.UpdateStory(cCtx, cGuildA, rec.ID, up, nil, cT0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != rec.ID || got.AddedBy != cBob || !got.Mine || !got.AddedAt.Equal(cT0) || got.Kudos != 1 || got.Readers != 1 ||
		got.Story.Title != "Final" || got.Story.ChaptersPosted != 2 || len(got.Chapters) != 2 {
		t.Errorf("updated = %+v", got)
	}
	if c, err := s.Chapter(cCtx, cGuildA, rec.ID, 1); err != nil || c.Text != "New text here." {
		t.Errorf("chapter 1 after update: %+v, %v", c, err)
	}
	if _, err := s.StoryByAO3(cCtx, cGuildA, 10); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("old AO3 ID still maps: %v", err)
	}
	if g, err := s.StoryByAO3(cCtx, cGuildA, 11); err != nil || g.ID != rec.ID {
		t.Errorf("new AO3 ID: %+v, %v", g, err)
	}
	if refs, _ := s.SearchStories(cCtx, cGuildA, "draft", 25); len(refs) != 0 {
		t.Errorf("search finds the old title: %v", cTitles(refs))
	}
	if refs, _ := s.SearchStories(cCtx, cGuildA, "final", 25); len(refs) != 1 || refs[0].ID != rec.ID {
		t.Errorf("search misses the new title: %v", cTitles(refs))
	}
	if r, err := s.ResolveStory(cCtx, cGuildA, "final"); err != nil || r.ID != rec.ID {
		t.Errorf("resolve new title: %v", err)
	}
	_, err = s.UpdateStory(cCtx, cGuildA, rec.ID, &fic.Story{Title: "Clash", AO3ID: 20}, nil, cT0)
	var de *shelf.DuplicateError
	if !errors.As(err, &de) || de.ExistingID != other.ID {
		t.Errorf("update to another story's work: %v", err)
	}
	if g, _ := s.Story(cCtx, cGuildA, rec.ID); g.Story.Title != "Final" {
		t.Errorf("a refused update changed the story: %q", g.Story.Title)
	}
	// Keeping its own AO3 ID is fine.
	if _, err := s.UpdateStory(cCtx, cGuildA, rec.ID, &fic.Story{Title: "Final", AO3ID: 11}, nil, cT0); err != nil {
		t.Errorf("update keeping its AO3 ID: %v", err)
	}
	if _, err := s.UpdateStory(cCtx, cGuildA, "99", Story("x"), nil, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("update missing story: %v", err)
	}
	if _, err := s.UpdateStory(cCtx, cGuildB, rec.ID, Story("x"), nil, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("update from another guild: %v", err)
	}
	if _, err := s.UpdateStory(cCtx, cGuildA, rec.ID, &fic.Story{Title: " "}, nil, cT0); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("update with no title: %v", err)
	}
}

func cRemoveStory(t *testing.T, s shelf.Store) {
	rec, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Doomed", AO3ID: 5, Chapters: []fic.Chapter{{Text: "a"}, {Text: "b"}}}, nil, cAlice, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	keep := cAdd(t, s, cGuildA, Story("Keeper"))
	cKudos(t, s, cGuildA, rec.ID, cBob, cT0)
	cKudos(t, s, cGuildA, keep.ID, cBob, cT0)
	if _, err := s.SetListEntry(cCtx, cGuildA, cBob, shelf.ListEntry{StoryID: rec.ID}, cT0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetListEntry(cCtx, cGuildA, cBob, shelf.ListEntry{StoryID: keep.ID}, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRecThread(cCtx, cGuildA, rec.ID, shelf.RecThread{ChannelID: cChanA, ThreadID: "500", MessageID: "500"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: rec.ID, UserID: cBob, Why: "great", At: cT0, ChannelID: cChanA, MessageID: "501", ThreadID: "500"})
	if err != nil {
		t.Fatal(err)
	}
	club := cStartClub(t, s, cGuildA, cChanA, rec.ID, 1, 7, cT0)

	if err := s.RemoveStory(cCtx, cGuildA, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Story(cCtx, cGuildA, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("story still there: %v", err)
	}
	if _, err := s.Chapter(cCtx, cGuildA, rec.ID, 1); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("chapter still there: %v", err)
	}
	if _, err := s.StoryByAO3(cCtx, cGuildA, 5); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("AO3 index still there: %v", err)
	}
	if _, err := s.Kudos(cCtx, cGuildA, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("kudos of a removed story: %v", err)
	}
	if _, err := s.ListEntry(cCtx, cGuildA, cBob, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("list entry still there: %v", err)
	}
	if l, _ := s.MemberList(cCtx, cGuildA, cBob); len(l) != 1 || l[0].StoryID != keep.ID {
		t.Errorf("member list = %+v", l)
	}
	if _, ok, err := s.RecThread(cCtx, cGuildA, rec.ID); ok || err != nil {
		t.Errorf("rec thread still there: %v %v", ok, err)
	}
	if got, _ := s.Recs(cCtx, cGuildA, []string{r.ID}); len(got) != 0 {
		t.Errorf("recs still there: %+v", got)
	}
	if got, total, _ := s.ListRecs(cCtx, cGuildA, shelf.RecQuery{}); len(got) != 0 || total != 0 {
		t.Errorf("ListRecs after removal: %+v %d", got, total)
	}
	if refs, _ := s.SearchStories(cCtx, cGuildA, "doomed", 25); len(refs) != 0 {
		t.Errorf("search still finds it: %v", cTitles(refs))
	}
	if refs, _ := s.SearchStories(cCtx, cGuildA, "", 25); len(refs) != 1 {
		t.Errorf("empty search: %v", cTitles(refs))
	}
	if c, err := s.Club(cCtx, cGuildA, club.ID); err != nil || c.Active() {
		t.Errorf("club reading it did not end: %+v %v", c, err)
	}
	if _, err := s.ActiveClub(cCtx, cGuildA, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("channel still has an active club: %v", err)
	}
	if _, ok, _ := s.NextCheckpointDue(cCtx); ok {
		t.Error("the ended club's checkpoints are still due")
	}
	exp, err := s.ExportMember(cCtx, cGuildA, cBob)
	if err != nil || len(exp.KudosGiven) != 1 || exp.KudosGiven[0].StoryID != keep.ID || len(exp.ReadingList) != 1 {
		t.Errorf("export after removal: %+v %v", exp, err)
	}
	if err := s.RemoveStory(cCtx, cGuildA, rec.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	// IDs are not reused.
	if next := cAdd(t, s, cGuildA, Story("Next")); next.ID != "3" {
		t.Errorf("ID after a removal = %s, want 3", next.ID)
	}
	if _, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Same work", AO3ID: 5}, nil, cAlice, false, cT0); err != nil {
		t.Errorf("re-adding the removed work: %v", err)
	}
}

func cListStories(t *testing.T, s shelf.Store) {
	mk := func(title, fandom string, rating fic.Rating, tags []string, words int, at time.Time) shelf.StoryRecord {
		st := &fic.Story{Title: title, Fandoms: []string{fandom}, Rating: rating, Tags: tags, Words: words}
		rec, err := s.AddStory(cCtx, cGuildA, st, nil, cAlice, false, at)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	a := mk("Apple", "Harry Potter - J. K. Rowling", fic.RatingGeneral, []string{"Fluff"}, 100, cT0)
	b := mk("banana", "Good Omens", fic.RatingExplicit, []string{"Angst", "Slow Burn"}, 300, cT0.Add(time.Hour))
	c := mk("Cherry", "Harry Potter", fic.RatingTeen, []string{"fluff and angst"}, 200, cT0.Add(2*time.Hour))
	rel, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Édith", Relationships: []string{"Aziraphale/Crowley"},
		Characters: []string{"Anathema"}, Categories: []string{"M/M"}, Words: 200}, nil, cAlice, false, cT0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cKudos(t, s, cGuildA, a.ID, cBob, cT0)
	cKudos(t, s, cGuildA, a.ID, cCarol, cT0)
	cKudos(t, s, cGuildA, b.ID, cBob, cT0)
	tests := []struct {
		name      string
		q         shelf.ListQuery
		want      []string
		wantTotal int
	}{
		{"newest default", shelf.ListQuery{}, []string{c.ID, b.ID, a.ID, rel.ID}, 4},
		{"newest", shelf.ListQuery{Sort: shelf.SortNewest}, []string{c.ID, b.ID, a.ID, rel.ID}, 4},
		{"kudos then newest", shelf.ListQuery{Sort: shelf.SortKudos}, []string{a.ID, b.ID, c.ID, rel.ID}, 4},
		{"title folded", shelf.ListQuery{Sort: shelf.SortTitle}, []string{a.ID, b.ID, c.ID, rel.ID}, 4},
		{"words then newest", shelf.ListQuery{Sort: shelf.SortWords}, []string{b.ID, c.ID, rel.ID, a.ID}, 4},
		{"fandom substring any case", shelf.ListQuery{Fandom: "harry POTTER"}, []string{c.ID, a.ID}, 2},
		{"rating", shelf.ListQuery{Rating: "explicit"}, []string{b.ID}, 1},
		{"rating not rated", shelf.ListQuery{Rating: "Not Rated"}, []string{rel.ID}, 1},
		{"tag", shelf.ListQuery{Tag: "FLUFF"}, []string{c.ID, a.ID}, 2},
		{"tag matches relationships", shelf.ListQuery{Tag: "crowley"}, []string{rel.ID}, 1},
		{"tag matches characters", shelf.ListQuery{Tag: "anathema"}, []string{rel.ID}, 1},
		{"tag matches categories", shelf.ListQuery{Tag: "m/m"}, []string{rel.ID}, 1},
		{"tag and fandom", shelf.ListQuery{Tag: "angst", Fandom: "good"}, []string{b.ID}, 1},
		{"page 2", shelf.ListQuery{Offset: 1, Limit: 1}, []string{b.ID}, 4},
		{"past the end", shelf.ListQuery{Offset: 10}, nil, 4},
		{"negative offset", shelf.ListQuery{Offset: -5, Limit: 2}, []string{c.ID, b.ID}, 4},
		{"no match", shelf.ListQuery{Fandom: "Star Trek"}, nil, 0},
	}
	for _, tt := range tests {
		got, total, err := s.ListStories(cCtx, cGuildA, tt.q)
		if err != nil || !reflect.DeepEqual(cIDs(got), tt.want) || total != tt.wantTotal {
			t.Errorf("%s: got %v (total %d, %v), want %v (total %d)", tt.name, cIDs(got), total, err, tt.want, tt.wantTotal)
		}
	}
	got, _, _ := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Sort: shelf.SortKudos, Limit: 1})
	if len(got) != 1 || got[0].Kudos != 2 || got[0].Story.Title != "Apple" {
		t.Errorf("records carry their counters: %+v", got)
	}
	if got, total, err := s.ListStories(cCtx, cGuildB, shelf.ListQuery{}); len(got) != 0 || total != 0 || err != nil {
		t.Errorf("empty guild: %v %d %v", got, total, err)
	}
	if _, _, err := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Rating: "very spicy"}); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("bad rating: %v", err)
	}
	if _, _, err := s.ListStories(cCtx, cGuildA, shelf.ListQuery{Sort: "random"}); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("bad sort: %v", err)
	}
	// Limits: 0 means 10, at most 100.
	for i := 0; i < 110; i++ {
		cAdd(t, s, cGuildB, &fic.Story{Title: fmt.Sprintf("Filler %d", i)})
	}
	if got, total, _ := s.ListStories(cCtx, cGuildB, shelf.ListQuery{}); len(got) != 10 || total != 110 {
		t.Errorf("default limit: %d of %d", len(got), total)
	}
	if got, _, _ := s.ListStories(cCtx, cGuildB, shelf.ListQuery{Limit: 500}); len(got) != 100 {
		t.Errorf("limit 500: %d", len(got))
	}
}

func cChapters(t *testing.T, s shelf.Store) {
	chapters := []shelf.NewChapter{
		{Chapter: fic.Chapter{Title: "Start", Text: "One two three.", Notes: "before", EndNotes: "after"}, Sentences: []byte{0, 1, 2, 255}},
		{Chapter: fic.Chapter{Title: "End", Text: "Four five."}},
	}
	rec, err := s.AddStory(cCtx, cGuildA, &fic.Story{Title: "Chaptered"}, chapters, cAlice, false, cT0)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Chapter(cCtx, cGuildA, rec.ID, 1)
	if err != nil || c.StoryID != rec.ID || c.Number != 1 || c.Title != "Start" || c.Text != "One two three." ||
		c.Notes != "before" || c.EndNotes != "after" || !reflect.DeepEqual(c.Sentences, []byte{0, 1, 2, 255}) {
		t.Errorf("chapter 1 = %+v, %v", c, err)
	}
	c2, err := s.Chapter(cCtx, cGuildA, rec.ID, 2)
	if err != nil || c2.Text != "Four five." || len(c2.Sentences) != 0 {
		t.Errorf("chapter 2 = %+v, %v", c2, err)
	}
	for _, n := range []int{0, -1, 3, 1 << 40} {
		if _, err := s.Chapter(cCtx, cGuildA, rec.ID, n); !errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("chapter %d: %v", n, err)
		}
	}
	if _, err := s.Chapter(cCtx, cGuildA, "99", 1); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("chapter of a missing story: %v", err)
	}
	if _, err := s.Chapter(cCtx, cGuildB, rec.ID, 1); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("chapter from another guild: %v", err)
	}
	var viewed shelf.ChapterRecord
	err = s.ViewChapter(cCtx, cGuildA, rec.ID, 1, func(r shelf.ChapterRecord) error {
		viewed = shelf.ChapterRecord{StoryID: r.StoryID, Number: r.Number, Chapter: fic.Chapter{
			Title: strings.Clone(r.Title), Text: strings.Clone(r.Text), Notes: strings.Clone(r.Notes), EndNotes: strings.Clone(r.EndNotes)},
			Sentences: slices.Clone(r.Sentences)}
		return nil
	})
	if err != nil || !reflect.DeepEqual(viewed, c) {
		t.Errorf("ViewChapter = %+v, %v; want %+v", viewed, err, c)
	}
	sentinel := errors.New("stop")
	if err := s.ViewChapter(cCtx, cGuildA, rec.ID, 1, func(shelf.ChapterRecord) error { return sentinel }); !errors.Is(err, sentinel) {
		t.Errorf("ViewChapter does not return fn's error: %v", err)
	}
	if err := s.ViewChapter(cCtx, cGuildA, rec.ID, 9, func(shelf.ChapterRecord) error { return nil }); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ViewChapter(9): %v", err)
	}
}

func cResolve(t *testing.T, s shelf.Store) {
	dune := cAdd(t, s, cGuildA, Story("Dune"))
	duneMessiah := cAdd(t, s, cGuildA, Story("Dune Messiah"))
	cAdd(t, s, cGuildA, Story("Children of Dune"))
	n1984 := cAdd(t, s, cGuildA, Story("1984"))
	cafe := cAdd(t, s, cGuildA, Story("Café Society"))
	twin1 := cAdd(t, s, cGuildA, Story("Twin"))
	twin2 := cAdd(t, s, cGuildA, Story("twin"))
	cAdd(t, s, cGuildA, Story("Station Eleven"))
	cAdd(t, s, cGuildA, Story("Station Twelve"))
	tests := []struct {
		in      string
		wantID  string
		wantErr error
		suggest []string // the suggestions expected, in order
	}{
		{dune.ID, dune.ID, nil, nil},
		{"dune", dune.ID, nil, nil}, // exact beats prefix of "Dune Messiah"
		{"  DUNE messiah ", duneMessiah.ID, nil, nil},
		{"dune m", duneMessiah.ID, nil, nil},
		{"cafe society", cafe.ID, nil, nil},
		{"caf", cafe.ID, nil, nil},
		{"1984", n1984.ID, nil, nil}, // not a story ID here: read as a title
		{"twin", "", shelf.ErrAmbiguous, []string{"Twin", "twin"}},
		{"station", "", shelf.ErrAmbiguous, []string{"Station Eleven", "Station Twelve"}},
		{"dnue", "", shelf.ErrNotFound, nil},
		{"children dune", "", shelf.ErrNotFound, nil},
		{"", "", shelf.ErrNotFound, nil},
		{"999", "", shelf.ErrNotFound, nil},
	}
	for _, tt := range tests {
		got, err := s.ResolveStory(cCtx, cGuildA, tt.in)
		if !errors.Is(err, tt.wantErr) || got.ID != tt.wantID {
			t.Errorf("ResolveStory(%q) = %q, %v; want %q, %v", tt.in, got.ID, err, tt.wantID, tt.wantErr)
			continue
		}
		if got.ID != "" && (got.Story.Title == "" || got.GuildID != cGuildA) {
			t.Errorf("ResolveStory(%q) record = %+v", tt.in, got)
		}
		var re *shelf.ResolveError
		if err != nil && !errors.As(err, &re) {
			t.Errorf("ResolveStory(%q): %T is not *ResolveError", tt.in, err)
			continue
		}
		if tt.suggest != nil && !reflect.DeepEqual(cTitles(re.Suggestions), tt.suggest) {
			t.Errorf("ResolveStory(%q) suggestions %v, want %v", tt.in, cTitles(re.Suggestions), tt.suggest)
		}
		if re != nil && (re.Ambiguous != errors.Is(err, shelf.ErrAmbiguous) || len(re.Suggestions) > 5) {
			t.Errorf("ResolveStory(%q) = %+v", tt.in, re)
		}
	}
	// Ambiguous exact titles list both (by ID); did-you-mean lists the
	// five closest, containing the input first, ties by lower ID.
	_, err := s.ResolveStory(cCtx, cGuildA, "TWIN")
	var re *shelf.ResolveError
	if !errors.As(err, &re) || len(re.Suggestions) != 2 || re.Suggestions[0].ID != twin1.ID || re.Suggestions[1].ID != twin2.ID {
		t.Errorf("TWIN: %v", err)
	}
	_, err = s.ResolveStory(cCtx, cGuildA, "dnue")
	if !errors.As(err, &re) || len(re.Suggestions) != 5 || re.Suggestions[0].Title != "Dune" {
		t.Errorf("dnue suggestions: %v %+v", err, re)
	}
	_, err = s.ResolveStory(cCtx, cGuildA, "of dune")
	if !errors.As(err, &re) || len(re.Suggestions) == 0 || re.Suggestions[0].Title != "Children of Dune" {
		t.Errorf("a title containing the input comes first: %+v", re)
	}
	// Shortest prefix match first when ambiguous.
	cAdd(t, s, cGuildA, Story("Station"+" Eleven and a Half"))
	_, err = s.ResolveStory(cCtx, cGuildA, "stat")
	if !errors.As(err, &re) || !reflect.DeepEqual(cTitles(re.Suggestions), []string{"Station Eleven", "Station Twelve", "Station Eleven and a Half"}) {
		t.Errorf("prefix suggestions by length: %+v", re)
	}
	// Guild B's story 1 is not guild A's; an empty guild has no suggestions.
	if _, err := s.ResolveStory(cCtx, cGuildB, dune.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("resolve in guild B: %v", err)
	}
	if _, err := s.ResolveStory(cCtx, cGuildB, "dune"); !errors.As(err, &re) || len(re.Suggestions) != 0 {
		t.Errorf("resolve in empty guild: %v", err)
	}
}

func cSearch(t *testing.T, s shelf.Store) {
	AddSearchLibrary(t, s, cGuildA, cAlice, []string{cAlice, cBob, cCarol}, cT0)
	tests := []struct {
		q    string
		want []string
	}{
		// Every word matched first; then title start; then whole words; then title over author; then kudos.
		{"rose", []string{"Roses Are Red", "The Rose Garden", "Winter", "A Garden of Roses"}},
		{"roses", []string{"Roses Are Red", "A Garden of Roses"}},
		{"garden rose", []string{"The Rose Garden", "A Garden of Roses", "Winter", "Roses Are Red"}},
		{"ROS GAR", []string{"A Garden of Roses", "The Rose Garden", "Roses Are Red", "Winter"}},
		{"pokemon", []string{"Pokémon Journey"}},
		{"bronte", []string{"Pokémon Journey"}},
		{"dont", []string{"Don’t Look Back"}},
		{"don't lo", []string{"Don’t Look Back"}},
		{"quill", []string{"The Rose Garden"}},
		{"zzz", []string{}},
		{"%", []string{"Roses Are Red", "A Garden of Roses", "Winter", "Don’t Look Back", "Pokémon Journey", "The Rose Garden"}},
		// Empty: most kudos, then newest.
		{"", []string{"Roses Are Red", "A Garden of Roses", "Winter", "Don’t Look Back", "Pokémon Journey", "The Rose Garden"}},
		{"  ", []string{"Roses Are Red", "A Garden of Roses", "Winter", "Don’t Look Back", "Pokémon Journey", "The Rose Garden"}},
	}
	for _, tt := range tests {
		got, err := s.SearchStories(cCtx, cGuildA, tt.q, 25)
		if err != nil || !reflect.DeepEqual(cTitles(got), tt.want) {
			t.Errorf("SearchStories(%q) = %q, %v; want %q", tt.q, cTitles(got), err, tt.want)
		}
	}
	got, _ := s.SearchStories(cCtx, cGuildA, "quill", 25)
	if len(got) != 1 || got[0].ID != "1" || !reflect.DeepEqual(got[0].Authors, []string{"Mara Quill"}) {
		t.Errorf("refs carry ID and authors: %+v", got)
	}
	if got, _ := s.SearchStories(cCtx, cGuildA, "", 2); len(got) != 2 {
		t.Errorf("limit 2: %d results", len(got))
	}
	if got, _ := s.SearchStories(cCtx, cGuildB, "rose", 25); len(got) != 0 {
		t.Errorf("guild B sees %v", cTitles(got))
	}
	if got, err := s.SearchStories(cCtx, cGuildB, "", 25); err != nil || got == nil || len(got) != 0 {
		t.Errorf("empty guild: %#v, %v", got, err)
	}
	// Only the first MaxQueryWords words count.
	long := strings.Repeat("zzz ", shelf.MaxQueryWords) + "rose"
	if got, _ := s.SearchStories(cCtx, cGuildA, long, 25); len(got) != 0 {
		t.Errorf("word %d counted: %v", shelf.MaxQueryWords+1, cTitles(got))
	}
}

func cSearchCap(t *testing.T, s shelf.Store) {
	for i := 0; i < 40; i++ {
		cAdd(t, s, cGuildA, &fic.Story{Title: fmt.Sprintf("Story %d", i)})
	}
	for _, limit := range []int{0, 25, 100, -1} {
		got, err := s.SearchStories(cCtx, cGuildA, "story", limit)
		if err != nil || len(got) != 25 {
			t.Errorf("limit %d: %d results, %v", limit, len(got), err)
		}
	}
	// Ties (same kudos, same time) go to the highest ID.
	got, _ := s.SearchStories(cCtx, cGuildA, "story", 3)
	if want := []string{"Story 39", "Story 38", "Story 37"}; !reflect.DeepEqual(cTitles(got), want) {
		t.Errorf("ties: %v, want %v", cTitles(got), want)
	}
}

func cSearchFollows(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, &fic.Story{Title: "Alpha Wolf"})
	b := cAdd(t, s, cGuildA, &fic.Story{Title: "Alpha Centauri"})
	got, _ := s.SearchStories(cCtx, cGuildA, "alpha", 25)
	if len(got) != 2 || got[0].ID != b.ID {
		t.Errorf("same kudos and time: higher ID first: %v", cTitles(got))
	}
	cKudos(t, s, cGuildA, a.ID, cBob, cT0)
	got, _ = s.SearchStories(cCtx, cGuildA, "alpha", 25)
	if len(got) != 2 || got[0].ID != a.ID {
		t.Errorf("kudos must move it up at once: %v", cTitles(got))
	}
	if err := s.DeleteMember(cCtx, cGuildA, cBob); err != nil {
		t.Fatal(err)
	}
	got, _ = s.SearchStories(cCtx, cGuildA, "alpha", 25)
	if len(got) != 2 || got[0].ID != b.ID {
		t.Errorf("a deleted member's kudos must stop counting: %v", cTitles(got))
	}
	if _, err := s.UpdateStory(cCtx, cGuildA, a.ID, &fic.Story{Title: "Omega Wolf", Authors: []string{"Alphonse"}}, nil, cT0); err != nil {
		t.Fatal(err)
	}
	got, _ = s.SearchStories(cCtx, cGuildA, "alph", 25)
	if want := []string{"Alpha Centauri", "Omega Wolf"}; !reflect.DeepEqual(cTitles(got), want) {
		t.Errorf("after update: %v, want %v (title over author)", cTitles(got), want)
	}
}
