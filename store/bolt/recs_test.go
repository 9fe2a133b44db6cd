package bolt_test

import (
	"errors"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestRecsThreadsListAndRequests(t *testing.T) {
	s := openTest(t)
	a := storetest.Story("Alpha")
	a.Fandoms = []string{"Good Omens"}
	b := storetest.Story("Beta")
	b.Fandoms = []string{"Stranger Things"}
	ra, rb := add(t, s, guildA, a), add(t, s, guildA, b)

	if _, ok, err := s.RecThread(ctx, guildA, ra.ID); ok || err != nil {
		t.Fatalf("thread before any rec: %v %v", ok, err)
	}
	th := shelf.RecThread{ChannelID: chanA, ThreadID: "800", MessageID: "800"}
	if err := s.SetRecThread(ctx, guildA, ra.ID, th); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.RecThread(ctx, guildA, ra.ID); !ok || got != th {
		t.Errorf("thread = %+v %v", got, ok)
	}
	if _, ok, _ := s.RecThread(ctx, guildB, ra.ID); ok {
		t.Error("another guild sees the thread")
	}

	req, err := s.AddRecRequest(ctx, guildA, shelf.RecRequest{UserID: carol, Text: "slow burn?", ChannelID: chanA, MessageID: "850", ThreadID: "850", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.RecRequestByThread(ctx, guildA, "850"); err != nil || got.ID != req.ID {
		t.Fatalf("request by thread: %+v %v", got, err)
	}
	if _, err := s.RecRequestByThread(ctx, guildA, "851"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("not a request thread: %v", err)
	}

	for i, r := range []shelf.Rec{
		{StoryID: ra.ID, UserID: alice, Why: "1"},
		{StoryID: rb.ID, UserID: bob, Why: "2"},
		{StoryID: ra.ID, UserID: bob, Why: "3", RequestID: req.ID},
	} {
		r.At = t0.Add(time.Duration(i) * time.Minute)
		if _, err := s.AddRec(ctx, guildA, r); err != nil {
			t.Fatal(err)
		}
	}
	whys := func(rs []shelf.Rec) string {
		out := ""
		for _, r := range rs {
			out += r.Why
		}
		return out
	}
	all, total, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{})
	if whys(all) != "321" || total != 3 || all[0].StoryTitle != "Alpha" {
		t.Errorf("all recs %q total %d", whys(all), total)
	}
	byBob, total, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{UserID: bob})
	if whys(byBob) != "32" || total != 2 {
		t.Errorf("bob's recs %q total %d", whys(byBob), total)
	}
	omens, _, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{Fandom: "good omens"})
	if whys(omens) != "31" {
		t.Errorf("Good Omens recs %q", whys(omens))
	}
	page2, total, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{Offset: 2, Limit: 2})
	if whys(page2) != "1" || total != 3 {
		t.Errorf("page 2 %q total %d", whys(page2), total)
	}
	if got, _ := s.RecRequestByThread(ctx, guildA, "850"); len(got.Answers) != 1 {
		t.Errorf("request answers %v", got.Answers)
	}
	exp, _ := s.ExportMember(ctx, guildA, bob)
	if exp.Other == nil || exp.Other.Recs == nil {
		t.Error("export has no recs")
	}
	// Deleting a member keeps their recs: they are public posts.
	if err := s.DeleteMember(ctx, guildA, bob); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{}); total != 3 {
		t.Errorf("recs after member delete: %d", total)
	}
	// Removing a story removes its thread and recs.
	if err := s.RemoveStory(ctx, guildA, ra.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.RecThread(ctx, guildA, ra.ID); ok {
		t.Error("thread survived story removal")
	}
	if rest, total, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{}); whys(rest) != "2" || total != 1 {
		t.Errorf("after removal %q", whys(rest))
	}
	if rest, _, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{UserID: alice}); len(rest) != 0 {
		t.Errorf("alice's recs of the removed story remain: %+v", rest)
	}
}
