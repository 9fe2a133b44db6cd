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
