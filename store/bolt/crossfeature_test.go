package bolt_test

import (
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/storetest"
)

// The calls that replaced the init-registered hooks: RemoveStory takes
// the story's recs and rec thread and ends its clubs, UpdateStory extends
// them, ExportMember carries recs and clubs under Other, DeleteMember
// removes club memberships but keeps recs (public posts).
func TestCrossFeatureCalls(t *testing.T) {
	s := openTest(t)
	a := add(t, s, guildA, storetest.WithChapters("Alpha", 2, 0))
	b := add(t, s, guildA, storetest.WithChapters("Beta", 1, 0))
	c := add(t, s, guildA, storetest.Story("Gamma"))
	if err := s.SetRecThread(ctx, guildA, a.ID, shelf.RecThread{ChannelID: chanA, ThreadID: "801", MessageID: "801"}); err != nil {
		t.Fatal(err)
	}
	for _, sid := range []string{a.ID, b.ID, c.ID} {
		if _, err := s.AddRec(ctx, guildA, shelf.Rec{StoryID: sid, UserID: bob, Why: "read it", At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	club, err := s.StartClub(ctx, guildA, shelf.ClubStart{ChannelID: chanA, StoryID: b.ID, HostID: alice, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.JoinClub(ctx, guildA, club.ID, bob, t0); err != nil {
		t.Fatal(err)
	}

	// UpdateStory: the club's schedule grows with the new chapter.
	if _, err := s.UpdateStory(ctx, guildA, b.ID, storetest.WithChapters("Beta", 2, 0), nil, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Club(ctx, guildA, club.ID); err != nil || c.Chapters() != 2 {
		t.Errorf("club after the update covers %d chapters (%v)", c.Chapters(), err)
	}

	exp, err := s.ExportMember(ctx, guildA, bob)
	if err != nil || exp.Other == nil || exp.Other.Recs == nil || len(exp.Other.Recs.Recs) != 3 || len(exp.Other.Clubs) != 1 {
		t.Fatalf("export = %+v, %v", exp.Other, err)
	}

	// RemoveStory: a's rec and thread go; b's club ends when b goes.
	if err := s.RemoveStory(ctx, guildA, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.RecThread(ctx, guildA, a.ID); ok {
		t.Error("the removed story's rec thread stayed")
	}
	if recs, n, _ := s.ListRecs(ctx, guildA, shelf.RecQuery{}); n != 2 || recs[0].StoryID != c.ID || recs[1].StoryID != b.ID {
		t.Errorf("recs after removing a: %+v", recs)
	}
	if err := s.RemoveStory(ctx, guildA, b.ID); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Club(ctx, guildA, club.ID); err != nil || c.Active() {
		t.Errorf("club of a removed story: active %v (%v)", c.Active(), err)
	}

	// DeleteMember: club membership goes, nothing else of the club; the
	// rec on c stays (a public post).
	if err := s.DeleteMember(ctx, guildA, bob); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.ClubMembers(ctx, guildA, club.ID); len(ms) != 1 || ms[0].UserID != alice {
		t.Errorf("members after bob deleted his data: %+v", ms)
	}
	exp, err = s.ExportMember(ctx, guildA, bob)
	if err != nil || exp.Other == nil || len(exp.Other.Clubs) != 0 || exp.Other.Recs == nil || len(exp.Other.Recs.Recs) != 1 {
		t.Errorf("export after delete: %+v, %v", exp.Other, err)
	}
}
