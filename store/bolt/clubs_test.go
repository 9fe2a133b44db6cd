package bolt_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/store/bolt"
	"ficshelf/storetest"
)

const (
	chanA = "600000000000000006"
	chanB = "700000000000000007"
)

func spans(cps []shelf.Checkpoint) string {
	out := ""
	for _, c := range cps {
		out += fmt.Sprintf("%d:%d-%d@%s ", c.Number, c.First, c.Last, c.Opens.Format("01-02T15"))
	}
	return out
}

func TestPlanCheckpoints(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	for _, tc := range []struct {
		name                 string
		loc                  *time.Location
		per, every, chapters int
		want                 string
	}{
		{"one chapter per checkpoint", time.UTC, 1, 7, 3, "1:1-1@03-01T00 2:2-2@03-08T00 3:3-3@03-15T00 "},
		{"many per checkpoint, uneven", time.UTC, 3, 2, 7, "1:1-3@03-01T00 2:4-6@03-03T00 3:7-7@03-05T00 "},
		{"more per checkpoint than chapters", time.UTC, 10, 1, 4, "1:1-4@03-01T00 "},
		// Midnight in New York is 05:00 UTC until DST starts (02:00 on Mar 8), 04:00 after.
		{"server zone across DST", ny, 1, 7, 3, "1:1-1@03-01T05 2:2-2@03-08T05 3:3-3@03-15T04 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cps, err := shelf.PlanCheckpoints("2026-03-01", tc.loc, tc.per, tc.every, tc.chapters)
			if err != nil {
				t.Fatal(err)
			}
			if got := spans(cps); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	if _, err := shelf.PlanCheckpoints("2026-02-30", time.UTC, 1, 1, 1); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("bad date: %v", err)
	}
	if _, err := shelf.PlanCheckpoints("2026-03-01", time.UTC, 0, 1, 1); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("zero chapters per checkpoint: %v", err)
	}
}

func startClub(t *testing.T, s *bolt.Store, storyID string, per, every int, now time.Time) shelf.Club {
	t.Helper()
	c, err := s.StartClub(ctx, guildA, shelf.ClubStart{ChannelID: chanA, StoryID: storyID, HostID: alice,
		PerCheckpoint: per, EveryDays: every, Starts: "2026-03-01", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClubLifecycleAndDueIndex(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.WithChapters("Slow Burn", 4, 0)) // a WIP: 4/?
	now := time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC)
	c := startClub(t, s, rec.ID, 3, 7, now)
	if got, want := spans(c.Checkpoints), "1:1-3@03-01T00 2:4-4@03-08T00 "; got != want {
		t.Fatalf("WIP schedule %s, want %s", got, want)
	}
	if c.Name != "Slow Burn" || c.Timezone != "UTC" {
		t.Errorf("club = %+v", c)
	}
	if _, err := s.StartClub(ctx, guildA, shelf.ClubStart{ChannelID: chanA, StoryID: rec.ID, HostID: bob, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: now}); !errors.Is(err, shelf.ErrClubActive) {
		t.Errorf("second club in the channel: %v", err)
	}
	members, _ := s.ClubMembers(ctx, guildA, c.ID)
	if len(members) != 1 || members[0].UserID != alice {
		t.Errorf("host not joined: %+v", members)
	}

	at, ok, err := s.NextCheckpointDue(ctx)
	if err != nil || !ok || !at.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("next due = %v %v %v", at, ok, err)
	}
	due, _ := s.DueCheckpoints(ctx, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), 100)
	if len(due) != 2 || due[0].Number != 1 || due[1].Number != 2 {
		t.Fatalf("due = %+v", due)
	}

	// New chapters: the short last checkpoint (4–4) grows to 4–6, then a
	// new one follows on the grid.
	up := storetest.WithChapters("Slow Burn", 8, 0)
	if _, err := s.UpdateStory(ctx, guildA, rec.ID, up, nil, now); err != nil {
		t.Fatal(err)
	}
	ext, err := s.Club(ctx, guildA, c.ID)
	if err != nil {
		t.Fatalf("extend: %v", err)
	}
	if got, want := spans(ext.Checkpoints), "1:1-3@03-01T00 2:4-6@03-08T00 3:7-8@03-15T00 "; got != want {
		t.Errorf("extended %s, want %s", got, want)
	}

	// Announce checkpoint 1: posted (still due), then done (not due).
	if err := s.CheckpointPosted(ctx, guildA, c.ID, 1, "900", false, now); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueCheckpoints(ctx, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 10); len(due) != 1 {
		t.Errorf("posted checkpoint must stay due until its thread is recorded: %+v", due)
	}
	if err := s.CheckpointDone(ctx, guildA, c.ID, 1, "900"); err != nil {
		t.Fatal(err)
	}
	if at, _, _ := s.NextCheckpointDue(ctx); !at.Equal(time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after checkpoint 1 next due = %v", at)
	}
	got, _ := s.Club(ctx, guildA, c.ID)
	if cp := got.Checkpoints[0]; cp.MessageID != "900" || cp.ThreadID != "900" || !cp.Done() {
		t.Errorf("checkpoint 1 = %+v", cp)
	}

	// Progress, join, leave.
	if j, err := s.JoinClub(ctx, guildA, c.ID, bob, now); err != nil || !j {
		t.Fatalf("join: %v %v", j, err)
	}
	if j, _ := s.JoinClub(ctx, guildA, c.ID, bob, now); j {
		t.Error("joined twice")
	}
	if err := s.SetClubProgress(ctx, guildA, c.ID, bob, 5, now); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClubProgress(ctx, guildA, c.ID, bob, 99, now); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("chapter past the schedule: %v", err)
	}
	if err := s.SetClubProgress(ctx, guildA, c.ID, carol, 1, now); !errors.Is(err, shelf.ErrNotMember) {
		t.Errorf("progress of a non-member: %v", err)
	}
	exp, _ := s.ExportMember(ctx, guildA, bob)
	if exp.Other == nil || len(exp.Other.Clubs) != 1 {
		t.Errorf("export has no clubs: %+v", exp.Other)
	}
	if err := s.DeleteMember(ctx, guildA, bob); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.ClubMembers(ctx, guildA, c.ID); len(ms) != 1 {
		t.Errorf("deleted member still in club: %+v", ms)
	}

	// End: no more due checkpoints, the channel is free, history stays.
	if _, err := s.EndClub(ctx, guildA, c.ID, alice, now); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.NextCheckpointDue(ctx); ok {
		t.Error("an ended club still has due checkpoints")
	}
	if _, err := s.ActiveClub(ctx, guildA, chanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ended club still active: %v", err)
	}
	if old, err := s.Club(ctx, guildA, c.ID); err != nil || old.Active() || old.Checkpoints[0].ThreadID == "" {
		t.Errorf("history lost: %+v %v", old, err)
	}
	if _, err := s.JoinClub(ctx, guildA, c.ID, bob, now); !errors.Is(err, shelf.ErrClubEnded) {
		t.Errorf("join ended club: %v", err)
	}
}

func TestClubEndsWhenItsStoryIsRemoved(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.WithChapters("Gone", 2, 2))
	c := startClub(t, s, rec.ID, 1, 1, t0)
	if err := s.RemoveStory(ctx, guildA, rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.NextCheckpointDue(ctx); ok {
		t.Error("removed story's club still due")
	}
	if got, _ := s.Club(ctx, guildA, c.ID); got.Active() {
		t.Error("club still active")
	}
}

func TestDueIndexOrdersGuildsAndSkips(t *testing.T) {
	s := openTest(t)
	a := add(t, s, guildA, storetest.WithChapters("A", 2, 2))
	b := add(t, s, guildB, storetest.WithChapters("B", 2, 2))
	ca := startClub(t, s, a.ID, 1, 1, t0)
	cb, err := s.StartClub(ctx, guildB, shelf.ClubStart{ChannelID: chanB, StoryID: b.ID, HostID: bob, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-02-28", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	due, _ := s.DueCheckpoints(ctx, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 10)
	var got []string
	for _, d := range due {
		got = append(got, fmt.Sprintf("%s/%s/%d", d.GuildID[:1], d.ClubID, d.Number))
	}
	if want := "[2/1/1 1/1/1 2/1/2 1/1/2]"; fmt.Sprint(got) != want {
		t.Errorf("due order %v, want %s", got, want)
	}
	if err := s.SkipCheckpoint(ctx, guildB, cb.ID, 1, "channel deleted"); err != nil {
		t.Fatal(err)
	}
	if err := s.DropDueCheckpoint(ctx, due[1]); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueCheckpoints(ctx, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 10); len(due) != 2 || due[0].ClubID != ca.ID {
		t.Errorf("after skip and drop: %+v", due)
	}
}

// BenchmarkNextCheckpointDue measures the scheduler's one read per
// wake-up with 1,000 clubs × 10 checkpoints due: the first key of the due
// index, not a scan.
func BenchmarkNextCheckpointDue(b *testing.B) {
	s := openTest(b)
	rec, err := s.AddStory(ctx, guildA, storetest.WithChapters("Bench", 10, 10), nil, alice, false, t0)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if _, err := s.StartClub(ctx, guildA, shelf.ClubStart{ChannelID: fmt.Sprint(1000 + i), StoryID: rec.ID, HostID: alice,
			PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: t0}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok, err := s.NextCheckpointDue(ctx); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// CheckpointPosting keeps the first attempt's time, across a restart, until
// the announcement is recorded.
func TestCheckpointPostingKeepsTheFirstAttempt(t *testing.T) {
	path := t.TempDir() + "/ficshelf.db"
	s := openTestPath(t, path)
	rec := add(t, s, guildA, storetest.WithChapters("Posting", 2, 2))
	now := time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC)
	c := startClub(t, s, rec.ID, 1, 1, now)
	first := now.Add(time.Hour)
	if got, err := s.CheckpointPosting(ctx, guildA, c.ID, 1, first); err != nil || !got.Equal(first) {
		t.Fatalf("first attempt: %v, %v; want %v", got, err, first)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestPath(t, path)
	if got, err := s.CheckpointPosting(ctx, guildA, c.ID, 1, first.Add(time.Hour)); err != nil || !got.Equal(first) {
		t.Fatalf("retry after a restart: %v, %v; want the first attempt %v", got, err, first)
	}
	if err := s.CheckpointPosted(ctx, guildA, c.ID, 1, "800000000000000008", false, first); err != nil {
		t.Fatal(err)
	}
	club, err := s.Club(ctx, guildA, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cp := club.Checkpoints[0]; cp.MessageID != "800000000000000008" || !cp.PostingSince.Equal(first) {
		t.Errorf("checkpoint 1 = %+v", cp)
	}
	if _, err := s.CheckpointPosting(ctx, guildA, c.ID, 9, first); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("checkpoint 9 of 2: %v, want ErrNotFound", err)
	}
}
