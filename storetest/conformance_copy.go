package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"Concurrency/Kudos64", cKudos64},
		cTest{"Concurrency/ListEntries64", cLists64},
	)
}

type cDumped struct {
	guild string
	it    shelf.Item
}

func cKind(it shelf.Item) int {
	v := reflect.ValueOf(it)
	for i := 0; i < v.NumField(); i++ {
		if !v.Field(i).IsNil() {
			return i
		}
	}
	return -1
}

func cDump(t *testing.T, s shelf.Store) []cDumped {
	t.Helper()
	var out []cDumped
	err := s.Dump(cCtx, func(guild string, it shelf.Item) error {
		n := 0
		v := reflect.ValueOf(it)
		for i := 0; i < v.NumField(); i++ {
			if !v.Field(i).IsNil() {
				n++
			}
		}
		if n != 1 {
			t.Errorf("dump item with %d fields set: %+v", n, it)
		}
		out = append(out, cDumped{guild, it})
		return nil
	})
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	return out
}

// cFill gives s a bit of everything in two guilds, and returns the counts
// it should report.
func cFill(t *testing.T, s shelf.Store) map[string]map[string]int {
	if _, err := s.SetSettings(cCtx, cGuildA, shelf.Settings{RecsChannelID: cChanB, AdultContent: shelf.AdultSpoilered, Timezone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	st := Story("Copied", "Ann")
	st.Fandoms, st.Tags, st.AO3ID, st.Summary, st.ChaptersExpected = []string{"Good Omens"}, []string{"Fluff"}, 42, "Sum.", 5
	st.Published = time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	a, err := s.AddStory(cCtx, cGuildA, st, []shelf.NewChapter{
		{Chapter: fic.Chapter{Title: "One", Text: "Text one.", Notes: "n", EndNotes: "e"}, Sentences: []byte{9, 8, 7}},
		{Chapter: fic.Chapter{Title: "Two", Text: "Text two."}},
	}, cBob, true, cT0)
	if err != nil {
		t.Fatal(err)
	}
	gone := cAdd(t, s, cGuildA, Story("Removed"))
	b := cAdd(t, s, cGuildA, &fic.Story{Title: "Link only", ChaptersPosted: 3, Words: 900, AO3ID: 43})
	if err := s.RemoveStory(cCtx, cGuildA, gone.ID); err != nil {
		t.Fatal(err)
	}
	cKudos(t, s, cGuildA, a.ID, cAlice, cT0.Add(time.Minute))
	cKudos(t, s, cGuildA, a.ID, cCarol, cT0.Add(2*time.Minute))
	cKudos(t, s, cGuildA, b.ID, cCarol, cT0)
	for _, e := range []struct {
		user string
		e    shelf.ListEntry
	}{
		{cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusReading, Chapter: 1, Note: "so good"}},
		{cCarol, shelf.ListEntry{StoryID: a.ID}},
		{cCarol, shelf.ListEntry{StoryID: b.ID, Status: shelf.StatusFinished}},
	} {
		if _, err := s.SetListEntry(cCtx, cGuildA, e.user, e.e, cT0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetRecThread(cCtx, cGuildA, a.ID, shelf.RecThread{ChannelID: cChanA, ThreadID: "81", MessageID: "80"}); err != nil {
		t.Fatal(err)
	}
	req, err := s.AddRecRequest(cCtx, cGuildA, shelf.RecRequest{UserID: cCarol, Text: "angst?", At: cT0, ChannelID: cChanA, MessageID: "90", ThreadID: "91"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: a.ID, UserID: cAlice, Why: "because", At: cT0, ChannelID: "81", MessageID: "82", ThreadID: "81", RequestID: req.ID}); err != nil {
		t.Fatal(err)
	}
	c := cStartClub(t, s, cGuildA, cChanA, a.ID, 1, 7, cT0)
	if _, err := s.JoinClub(cCtx, cGuildA, c.ID, cCarol, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClubProgress(cCtx, cGuildA, c.ID, cCarol, 2, cT0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckpointPosting(cCtx, cGuildA, c.ID, 1, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointPosted(cCtx, cGuildA, c.ID, 1, "95", true, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointDone(cCtx, cGuildA, c.ID, 1, "96"); err != nil {
		t.Fatal(err)
	}
	ended := cStartClub(t, s, cGuildA, cChanB, b.ID, 1, 1, cT0)
	if _, err := s.EndClub(cCtx, cGuildA, ended.ID, cAlice, cT0); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{cAlice, cCarol} {
		if _, _, err := s.Subscribe(cCtx, cGuildA, u, b.ID, cT0); err != nil {
			t.Fatal(err)
		}
	}
	// A nomination and a member who turned club reminders off.
	if _, _, err := s.Nominate(cCtx, cGuildA, cChanA, cCarol, b.ID, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClubReminders(cCtx, cGuildA, cDave, false); err != nil {
		t.Fatal(err)
	}
	// Guild B: one story with a kudos.
	bb := cAdd(t, s, cGuildB, Story("B's"))
	cKudos(t, s, cGuildB, bb.ID, cBob, cT0)
	return map[string]map[string]int{
		cGuildA: {"stories": 2, "chapters": 2, "kudos": 3, "list_entries": 3, "rec_threads": 1, "recs": 1, "rec_requests": 1, "clubs": 2, "club_members": 3, "subscriptions": 2},
		cGuildB: {"stories": 1, "chapters": 2, "kudos": 1, "list_entries": 0, "rec_threads": 0, "recs": 0, "rec_requests": 0, "clubs": 0, "club_members": 0},
	}
}

// cNonZero drops zero counts, so that engines may report absent kinds
// either as 0 or not at all.
func cNonZero(m map[string]map[string]int) map[string]map[string]int {
	out := map[string]map[string]int{}
	for g, kinds := range m {
		for k, n := range kinds {
			if n != 0 {
				if out[g] == nil {
					out[g] = map[string]int{}
				}
				out[g][k] = n
			}
		}
	}
	return out
}

func cCopy(t *testing.T, src shelf.Store, open func(t testing.TB) shelf.Store) {
	want := cFill(t, src)
	counts, err := src.Counts(cCtx)
	if err != nil || !reflect.DeepEqual(cNonZero(counts), cNonZero(want)) {
		t.Errorf("Counts = %v, %v; want %v", counts, err, want)
	}
	for g, kinds := range counts {
		for k := range kinds {
			if !cContains(shelf.CountKinds, k) {
				t.Errorf("Counts[%s] has unknown kind %q", g, k)
			}
		}
	}
	dump := cDump(t, src)
	// Guild by guild in ascending guild ID; within a guild in Item order.
	if !sort.SliceIsSorted(dump, func(i, j int) bool {
		if dump[i].guild != dump[j].guild {
			return len(dump[i].guild) < len(dump[j].guild) || (len(dump[i].guild) == len(dump[j].guild) && dump[i].guild < dump[j].guild)
		}
		return cKind(dump[i].it) < cKind(dump[j].it)
	}) {
		t.Error("dump is not in guild, then Item order")
	}
	var storyIDs []string
	for _, d := range dump {
		if d.it.Story != nil && d.guild == cGuildA {
			storyIDs = append(storyIDs, d.it.Story.ID)
		}
	}
	if fmt.Sprint(storyIDs) != "[1 3]" {
		t.Errorf("dumped story IDs %v, want [1 3]", storyIDs)
	}

	// Dump stops at emit's first error and returns it.
	stop := errors.New("stop here")
	calls := 0
	if err := src.Dump(cCtx, func(string, shelf.Item) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Dump after emit failed: %v after %d calls", err, calls)
	}

	dst := open(t)
	ld, err := dst.Load(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dump {
		if err := ld.Put(cCtx, d.guild, d.it); err != nil {
			t.Fatalf("put %+v: %v", d.it, err)
		}
	}
	if err := ld.Commit(cCtx); err != nil {
		t.Fatal(err)
	}
	if err := ld.Rollback(cCtx); err != nil {
		t.Errorf("rollback after commit: %v", err)
	}
	if got := cDump(t, dst); !cSameDump(got, dump) {
		for i := range min(len(got), len(dump)) {
			if !cSameItem(got[i], dump[i]) {
				t.Errorf("first difference at %d: got %s %+v, want %s %+v", i, got[i].guild, cItemString(got[i].it), dump[i].guild, cItemString(dump[i].it))
				break
			}
		}
		t.Errorf("copy differs: %d items, want %d", len(got), len(dump))
	}
	if c2, err := dst.Counts(cCtx); err != nil || !reflect.DeepEqual(cNonZero(c2), cNonZero(want)) {
		t.Errorf("copy Counts = %v, %v; want %v", c2, err, want)
	}
	// The copy behaves like the original: counters, IDs (none reused),
	// indexes, the due index and the active club.
	a, err := dst.Story(cCtx, cGuildA, "1")
	if err != nil || a.Kudos != 2 || a.Readers != 2 || !a.Mine || a.AddedBy != cBob || !a.AddedAt.Equal(cT0) {
		t.Errorf("copied story = %+v, %v", a, err)
	}
	if _, err := dst.GiveKudos(cCtx, cGuildA, "1", cAlice, cT0); !errors.Is(err, shelf.ErrAlreadyGiven) {
		t.Errorf("copied kudos not enforced: %v", err)
	}
	if _, err := dst.GiveKudos(cCtx, cGuildA, "1", cBob, cT0); !errors.Is(err, shelf.ErrOwnStory) {
		t.Errorf("copied mine not enforced: %v", err)
	}
	if next := cAdd(t, dst, cGuildA, Story("After copy")); next.ID != "4" {
		t.Errorf("story ID after copy = %s, want 4 (3 was used, 2 removed)", next.ID)
	}
	if r, err := dst.StoryByAO3(cCtx, cGuildA, 43); err != nil || r.ID != "3" {
		t.Errorf("AO3 index after copy: %+v, %v", r.ID, err)
	}
	if refs, _ := dst.SearchStories(cCtx, cGuildA, "copied", 25); len(refs) != 1 || refs[0].ID != "1" {
		t.Errorf("search after copy: %v", refs)
	}
	if r, err := dst.ResolveStory(cCtx, cGuildA, "link"); err != nil || r.ID != "3" {
		t.Errorf("resolve after copy: %v", err)
	}
	if c, err := dst.ActiveClub(cCtx, cGuildA, cChanA); err != nil || c.ID != "1" || c.Checkpoints[0].ThreadID != "96" {
		t.Errorf("active club after copy: %+v, %v", c, err)
	}
	if _, err := dst.ActiveClub(cCtx, cGuildA, cChanB); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ended club active after copy: %v", err)
	}
	if due, _ := dst.DueCheckpoints(cCtx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 10); len(due) != 1 || due[0].Number != 2 || due[0].ClubID != "1" {
		t.Errorf("due after copy: %+v", due)
	}
	if c, err := dst.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: cChanB, StoryID: "3", HostID: cAlice, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: cT0}); err != nil || c.ID != "3" {
		t.Errorf("club ID after copy: %+v, %v", c.ID, err)
	}
	if r, err := dst.AddRec(cCtx, cGuildA, shelf.Rec{StoryID: "1", UserID: cCarol, Why: "x"}); err != nil || r.ID != "2" {
		t.Errorf("rec ID after copy: %+v, %v", r.ID, err)
	}
	if req, err := dst.RecRequestByThread(cCtx, cGuildA, "91"); err != nil || len(req.Answers) != 1 {
		t.Errorf("request after copy: %+v, %v", req, err)
	}
	if st, _ := dst.Settings(cCtx, cGuildA); st.Timezone != "Europe/Paris" || st.RecsChannelID != cChanB {
		t.Errorf("settings after copy: %+v", st)
	}
	if ch, err := dst.Chapter(cCtx, cGuildA, "1", 1); err != nil || ch.Notes != "n" || !reflect.DeepEqual(ch.Sentences, []byte{9, 8, 7}) {
		t.Errorf("chapter after copy: %+v, %v", ch, err)
	}
	// A store that holds data refuses a load.
	ld, err = src.Load(cCtx)
	if err == nil {
		err = ld.Put(cCtx, dump[0].guild, dump[0].it)
		if err == nil {
			err = ld.Commit(cCtx)
		} else {
			_ = ld.Rollback(cCtx)
		}
	}
	if !errors.Is(err, shelf.ErrNotEmpty) {
		t.Errorf("load into a store with data: %v, want ErrNotEmpty", err)
	}
	// A rolled-back load leaves the store empty.
	empty := open(t)
	ld, err = empty.Load(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dump[:5] {
		if err := ld.Put(cCtx, d.guild, d.it); err != nil {
			t.Fatal(err)
		}
	}
	if err := ld.Rollback(cCtx); err != nil {
		t.Fatal(err)
	}
	if c, _ := empty.Counts(cCtx); len(cNonZero(c)) != 0 {
		t.Errorf("rolled-back load left %v", c)
	}
	if got := cDump(t, empty); len(got) != 0 {
		t.Errorf("rolled-back load left %d items", len(got))
	}
}

func cItemString(it shelf.Item) string {
	v := reflect.ValueOf(it)
	for i := 0; i < v.NumField(); i++ {
		if !v.Field(i).IsNil() {
			return fmt.Sprintf("%s %+v", v.Type().Field(i).Name, v.Field(i).Elem().Interface())
		}
	}
	return "empty"
}

func cContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cUser returns the i-th of many test members' IDs.
func cUser(i int) string { return fmt.Sprint(500000000000000000 + i) }

func cKudos64(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, Story("Popular"))
	const n = 64
	var wg sync.WaitGroup
	counts := make([]int, n)
	errs := make([]error, n)
	again := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i], errs[i] = s.GiveKudos(cCtx, cGuildA, rec.ID, cUser(i), cT0.Add(time.Duration(i)*time.Millisecond))
			_, again[i] = s.GiveKudos(cCtx, cGuildA, rec.ID, cUser(i), cT0)
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("kudos %d: %v", i, errs[i])
		}
		if !errors.Is(again[i], shelf.ErrAlreadyGiven) {
			t.Errorf("second kudos %d: %v", i, again[i])
		}
		seen[counts[i]] = true
	}
	for c := 1; c <= n; c++ {
		if !seen[c] {
			t.Errorf("no giver saw count %d: counts are not exact under concurrency (%v)", c, counts)
			break
		}
	}
	r, err := s.Story(cCtx, cGuildA, rec.ID)
	k, _ := s.Kudos(cCtx, cGuildA, rec.ID)
	if err != nil || r.Kudos != n || len(k) != n {
		t.Errorf("after %d concurrent kudos: count %d, records %d, %v", n, r.Kudos, len(k), err)
	}
	if top, _ := s.TopKudos(cCtx, cGuildA, shelf.PeriodAll, cT0, 1); len(top) != 1 || top[0].Count != n {
		t.Errorf("TopKudos = %+v", top)
	}
}

func cLists64(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, Story("Listed by many"))
	const n = 64
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Twice each, concurrently: one entry per member.
			var inner sync.WaitGroup
			for j := range 2 {
				inner.Add(1)
				go func() {
					defer inner.Done()
					_, errs[2*i+j] = s.SetListEntry(cCtx, cGuildA, cUser(i), shelf.ListEntry{StoryID: rec.ID, Chapter: j}, cT0)
				}()
			}
			inner.Wait()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
	}
	if r, _ := s.Story(cCtx, cGuildA, rec.ID); r.Readers != n {
		t.Errorf("Readers = %d, want %d", r.Readers, n)
	}
	for i := 0; i < n; i += 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.RemoveListEntry(cCtx, cGuildA, cUser(i), rec.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if r, _ := s.Story(cCtx, cGuildA, rec.ID); r.Readers != n/2 {
		t.Errorf("Readers after removals = %d, want %d", r.Readers, n/2)
	}
}

// cClosed checks that a closed store refuses work with ErrClosed.
func cClosed(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, Story("Before close"))
	if err := s.Ping(cCtx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if s.Engine() == "" {
		t.Error("Engine() is empty")
	}
	if st := s.Stats(); st.Commits <= 0 {
		t.Errorf("Stats after a write: %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Story(cCtx, cGuildA, rec.ID); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("Story after Close: %v", err)
	}
	if _, err := s.GiveKudos(cCtx, cGuildA, rec.ID, cBob, cT0); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("GiveKudos after Close: %v", err)
	}
	if _, err := s.SearchStories(cCtx, cGuildA, "before", 5); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("SearchStories after Close: %v", err)
	}
	if _, _, err := s.NextCheckpointDue(cCtx); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("NextCheckpointDue after Close: %v", err)
	}
	if err := s.Ping(cCtx); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// RunTwoStores runs the tests that need two stores opened separately on
// one database (two processes' worth): open2 returns both, each closed at
// cleanup. Engines that allow one process per database (BoltDB) skip it.
func RunTwoStores(t *testing.T, open2 func(t testing.TB) (a, b shelf.Store)) {
	t.Run("TwoStores/KudosAndListsExact", func(t *testing.T) {
		a, b := open2(t)
		rec := cAdd(t, a, cGuildA, Story("Shared"))
		other := cAdd(t, b, cGuildA, Story("Shared too"))
		if other.ID != "2" {
			t.Errorf("IDs are shared across stores: second story is %s", other.ID)
		}
		const n = 48 // users 0..31 write through a, 16..47 through b: 16 overlap
		var wg sync.WaitGroup
		var mu sync.Mutex
		given, already := 0, 0
		run := func(s shelf.Store, from, to int) {
			for i := from; i < to; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := s.GiveKudos(cCtx, cGuildA, rec.ID, cUser(i), cT0)
					_, lerr := s.SetListEntry(cCtx, cGuildA, cUser(i), shelf.ListEntry{StoryID: rec.ID}, cT0)
					_, k2 := s.GiveKudos(cCtx, cGuildA, other.ID, cUser(i), cT0)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						given++
					case errors.Is(err, shelf.ErrAlreadyGiven):
						already++
					default:
						t.Errorf("kudos: %v", err)
					}
					if lerr != nil {
						t.Errorf("list entry: %v", lerr)
					}
					if k2 != nil && !errors.Is(k2, shelf.ErrAlreadyGiven) {
						t.Errorf("kudos on the second story: %v", k2)
					}
				}()
			}
		}
		run(a, 0, 32)
		run(b, 16, 48)
		wg.Wait()
		if given != n || already != 16 {
			t.Errorf("kudos given %d, refused %d; want %d and 16", given, already, n)
		}
		for _, s := range []shelf.Store{a, b} {
			r, _ := s.Story(cCtx, cGuildA, rec.ID)
			k, _ := s.Kudos(cCtx, cGuildA, rec.ID)
			r2, _ := s.Story(cCtx, cGuildA, other.ID)
			if r.Kudos != n || len(k) != n || r.Readers != n || r2.Kudos != n {
				t.Errorf("counts: kudos %d (records %d), readers %d, second story %d; want %d", r.Kudos, len(k), r.Readers, r2.Kudos, n)
			}
			if refs, _ := s.SearchStories(cCtx, cGuildA, "", 1); len(refs) != 1 || refs[0].ID != other.ID {
				t.Errorf("autocomplete from each store sees the kudos: %v", refs)
			}
		}
	})
	t.Run("TwoStores/OneClubAndAnnounceOnce", func(t *testing.T) {
		a, b := open2(t)
		rec := cAdd(t, a, cGuildA, WithChapters("Shared club", 2, 2))
		var wg sync.WaitGroup
		var mu sync.Mutex
		started := 0
		for i := range 16 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: cChanA, StoryID: rec.ID, HostID: cAlice,
					PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: cT0})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					started++
				} else if !errors.Is(err, shelf.ErrClubActive) {
					t.Errorf("start: %v", err)
				}
			}()
		}
		wg.Wait()
		if started != 1 {
			t.Fatalf("%d clubs started in one channel from two stores", started)
		}
		c, err := b.ActiveClub(cCtx, cGuildA, cChanA)
		if err != nil {
			t.Fatal(err)
		}
		sinces := make([]time.Time, 16)
		for i := range 16 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if sinces[i], err = s.CheckpointPosting(cCtx, cGuildA, c.ID, 1, cT0.Add(time.Duration(i+1)*time.Second)); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i := range sinces {
			if !sinces[i].Equal(sinces[0]) {
				t.Errorf("two first attempts recorded: %v and %v", sinces[0], sinces[i])
			}
		}
		if err := a.CheckpointDone(cCtx, cGuildA, c.ID, 1, "70"); err != nil {
			t.Fatal(err)
		}
		if due, _ := b.DueCheckpoints(cCtx, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 10); len(due) != 0 {
			t.Errorf("done in one store, still due in the other: %+v", due)
		}
	})
}

// RunCopy checks a copy between two engines the way the conformance suite
// checks one within an engine: src gets a bit of every kind of record, is
// dumped and loaded into stores from dst, and the copy must dump the same
// items, report the same counts and behave like the original.
func RunCopy(t *testing.T, src, dst func(t testing.TB) shelf.Store) {
	cCopy(t, src(t), dst)
}

// Fill gives s a bit of every kind of record in two guilds and returns the
// counts (per guild and shelf.CountKinds kind) it should then report.
func Fill(t *testing.T, s shelf.Store) map[string]map[string]int { return cFill(t, s) }

// SameData fails t unless a and b dump the same items in the same order.
func SameData(t *testing.T, a, b shelf.Store) {
	t.Helper()
	da, db := cDump(t, a), cDump(t, b)
	if cSameDump(da, db) {
		return
	}
	for i := range min(len(da), len(db)) {
		if !cSameItem(da[i], db[i]) {
			t.Errorf("first difference at item %d: %s %s, and %s %s", i, da[i].guild, cItemString(da[i].it), db[i].guild, cItemString(db[i].it))
			break
		}
	}
	t.Errorf("stores differ: %d items and %d", len(da), len(db))
}

// cSameDump compares dumps item by item with cSameItem.
func cSameDump(a, b []cDumped) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !cSameItem(a[i], b[i]) {
			return false
		}
	}
	return true
}

// cSameItem compares two dumped items by value, an empty slice, map or
// string being the same as none: engines may return either, and nothing a
// member sees tells them apart.
func cSameItem(a, b cDumped) bool {
	return a.guild == b.guild && reflect.DeepEqual(cNorm(a.it), cNorm(b.it))
}

// cNorm is v as JSON values with empty arrays, objects and strings, and
// nulls, left out.
func cNorm(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return err.Error()
	}
	var strip func(any) any
	strip = func(x any) any {
		switch x := x.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, v := range x {
				if v = strip(v); v != nil {
					out[k] = v
				}
			}
			if len(out) == 0 {
				return nil
			}
			return out
		case []any:
			if len(x) == 0 {
				return nil
			}
			for i := range x {
				x[i] = strip(x[i])
			}
			return x
		case string:
			if x == "" {
				return nil
			}
		}
		return x
	}
	return strip(x)
}
