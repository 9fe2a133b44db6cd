package bolt_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/store/bolt"
	"ficshelf/storetest"
)

// dumpAll returns every item of s as JSON lines, with their guilds.
func dumpAll(t *testing.T, s *bolt.Store) []string {
	t.Helper()
	var out []string
	err := s.Dump(ctx, func(guild string, it shelf.Item) error {
		b, err := json.Marshal(it)
		if err != nil {
			return err
		}
		out = append(out, guild+" "+string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyInto loads everything src dumps into dst in one transaction.
func copyInto(t *testing.T, src, dst *bolt.Store) {
	t.Helper()
	l, err := dst.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Rollback(ctx)
	if err := src.Dump(ctx, func(guild string, it shelf.Item) error { return l.Put(ctx, guild, it) }); err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// A copy of the schema-3 fixture (plus a removed story, so the sequence
// is ahead of the last ID) dumps the same items, counts the same records
// and answers every derived query (counters, autocomplete, the due index,
// request threads, active clubs) as the original does.
func TestCopyRoundTrip(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "v3.db"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "src.db")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	src := openTestPath(t, path)
	gone := add(t, src, guildA, storetest.Story("Gone Soon"))
	if err := src.RemoveStory(ctx, guildA, gone.ID); err != nil {
		t.Fatal(err)
	}
	dst := openTest(t)
	copyInto(t, src, dst)

	a, b := dumpAll(t, src), dumpAll(t, dst)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("dumps differ:\nsource %d items\n%q\ncopy %d items\n%q", len(a), a, len(b), b)
	}
	if len(a) < 30 {
		t.Errorf("the fixture dumped only %d items", len(a))
	}
	ca, err := src.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := dst.Counts(ctx)
	if err != nil || !reflect.DeepEqual(ca, cb) {
		t.Errorf("counts %v, copy's %v (%v)", ca, cb, err)
	}
	if got := ca[guildA]; got["stories"] != 3 || got["chapters"] != 7 || got["kudos"] != 3 || got["list_entries"] != 3 ||
		got["rec_threads"] != 1 || got["recs"] != 2 || got["rec_requests"] != 1 || got["clubs"] != 1 || got["club_members"] != 2 {
		t.Errorf("guild A counts %v", got)
	}
	for _, kind := range shelf.CountKinds {
		if _, ok := ca[guildB][kind]; !ok {
			t.Errorf("counts lack %s", kind)
		}
	}

	for _, id := range []string{"1", "2", "3"} {
		x, err1 := src.Story(ctx, guildA, id)
		y, err2 := dst.Story(ctx, guildA, id)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(x, y) {
			t.Errorf("story %s: %+v %v\ncopy: %+v %v", id, x, err1, y, err2)
		}
	}
	if refs, err := dst.SearchStories(ctx, guildA, "road", 5); err != nil || len(refs) != 1 || refs[0].ID != "3" {
		t.Errorf("copy's autocomplete: %+v %v", refs, err)
	}
	if rec, err := dst.StoryByAO3(ctx, guildA, 4242); err != nil || rec.ID != "1" {
		t.Errorf("copy's AO3 index: %v %v", rec.ID, err)
	}
	if _, total, err := dst.ListStories(ctx, guildA, shelf.ListQuery{Fandom: "good omens"}); err != nil || total != 1 {
		t.Errorf("copy's facets: %d %v", total, err)
	}
	if l, err := dst.MemberList(ctx, guildA, bob); err != nil || len(l) != 2 || l[0].Title != "The Lake House" {
		t.Errorf("copy's list: %+v %v", l, err)
	}
	if req, err := dst.RecRequestByThread(ctx, guildA, "820000000000000001"); err != nil || req.ID != "1" {
		t.Errorf("copy's request thread: %+v %v", req, err)
	}
	if recs, n, err := dst.ListRecs(ctx, guildA, shelf.RecQuery{UserID: bob}); err != nil || n != 1 || recs[0].StoryTitle != "The Lake House" {
		t.Errorf("copy's recs by member: %+v %d %v", recs, n, err)
	}
	if c, err := dst.ActiveClub(ctx, guildA, chanB); err != nil || c.ID != "1" {
		t.Errorf("copy's active club: %v %v", c.ID, err)
	}
	n1, ok1, _ := src.NextCheckpointDue(ctx)
	n2, ok2, err := dst.NextCheckpointDue(ctx)
	if err != nil || !ok1 || ok1 != ok2 || !n1.Equal(n2) {
		t.Errorf("next due %v %v, copy's %v %v (%v)", n1, ok1, n2, ok2, err)
	}
	if _, err := dst.GiveKudos(ctx, guildA, "1", bob, time.Time{}); !errors.Is(err, shelf.ErrAlreadyGiven) {
		t.Errorf("kudos again on the copy: %v", err)
	}
	if _, err := dst.GiveKudos(ctx, guildA, "2", bob, time.Time{}); !errors.Is(err, shelf.ErrOwnStory) {
		t.Errorf("own-story kudos on the copy: %v", err)
	}
	// IDs continue after the last one handed out, the removed story's too.
	if rec, err := dst.AddStory(ctx, guildA, &fic.Story{Title: "After"}, nil, alice, false, time.Time{}); err != nil || rec.ID != "5" {
		t.Errorf("new story on the copy: %v %v", rec.ID, err)
	}
	if r, err := dst.AddRec(ctx, guildA, shelf.Rec{StoryID: "1", UserID: carol, Why: "x"}); err != nil || r.ID != "3" {
		t.Errorf("new rec on the copy: %v %v", r.ID, err)
	}

	// A destination holding data is refused before anything is written.
	if _, err := dst.Load(ctx); !errors.Is(err, shelf.ErrNotEmpty) {
		t.Errorf("load into a used store: %v", err)
	}
	if _, err := src.Story(ctx, guildA, "1"); err != nil {
		t.Errorf("source after a refused load: %v", err)
	}
}

// A load that is rolled back leaves the store empty and writable.
func TestCopyRollback(t *testing.T) {
	src := openTest(t)
	add(t, src, guildA, storetest.Story("Only"))
	dst := openTest(t)
	l, err := dst.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Dump(ctx, func(g string, it shelf.Item) error { return l.Put(ctx, g, it) }); err != nil {
		t.Fatal(err)
	}
	if err := l.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if c, err := dst.Counts(ctx); err != nil || len(c) != 0 {
		t.Errorf("after rollback: %v %v", c, err)
	}
	if rec := add(t, dst, guildA, storetest.Story("Fresh")); rec.ID != "1" {
		t.Errorf("first story after rollback has ID %s", rec.ID)
	}
	// A record whose story is missing is refused.
	dst2 := openTest(t)
	l, err = dst2.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Rollback(ctx)
	if err := l.Put(ctx, guildA, shelf.Item{Kudo: &shelf.KudoItem{StoryID: "9", UserID: bob}}); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("kudos before its story: %v", err)
	}
}
