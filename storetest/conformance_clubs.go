package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"Clubs/LifecycleAndDueIndex", cClubLifecycle},
		cTest{"Clubs/StartErrors", cClubStartErrors},
		cTest{"Clubs/EndWhenStoryRemoved", cClubStoryRemoved},
		cTest{"Clubs/OneActivePerChannelUnderConcurrency", cClubRace},
		cTest{"Checkpoints/DueOrderAcrossGuildsSkipDrop", cDueOrder},
		cTest{"Checkpoints/PostingKeepsFirstAttempt", cCheckpointPosting},
		cTest{"Checkpoints/AnnouncedOnceUnderConcurrency", cCheckpointRace},
		cTest{"Checkpoints/ExtendOnUpdateNotBeforeNow", cCheckpointExtendLate},
	)
}

func cClubLifecycle(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, WithChapters("Slow Burn", 4, 0)) // a WIP: 4/?
	now := time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC)
	c := cStartClub(t, s, cGuildA, cChanA, rec.ID, 3, 7, now)
	if got, want := cSpans(c.Checkpoints), "1:1-3@03-01T00 2:4-4@03-08T00 "; got != want {
		t.Fatalf("WIP schedule %s, want %s", got, want)
	}
	if c.ID != "1" || c.Name != "Slow Burn" || c.StoryTitle != "Slow Burn" || c.Timezone != "UTC" || c.GuildID != cGuildA ||
		c.ChannelID != cChanA || c.StoryID != rec.ID || c.HostID != cAlice || !c.CreatedAt.Equal(now) || !c.Active() || c.Chapters() != 4 {
		t.Errorf("club = %+v", c)
	}
	active, err := s.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: cChanA, StoryID: rec.ID, HostID: cBob, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: now})
	if !errors.Is(err, shelf.ErrClubActive) || active.ID != c.ID {
		t.Errorf("second club in the channel: %+v, %v", active.ID, err)
	}
	if got, err := s.ActiveClub(cCtx, cGuildA, cChanA); err != nil || got.ID != c.ID {
		t.Errorf("ActiveClub = %+v, %v", got.ID, err)
	}
	if _, err := s.ActiveClub(cCtx, cGuildA, cChanB); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ActiveClub(empty channel) = %v", err)
	}
	members, _ := s.ClubMembers(cCtx, cGuildA, c.ID)
	if len(members) != 1 || members[0].UserID != cAlice || !members[0].JoinedAt.Equal(now) || members[0].Chapter != 0 {
		t.Errorf("host not joined: %+v", members)
	}
	at, ok, err := s.NextCheckpointDue(cCtx)
	if err != nil || !ok || !at.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("next due = %v %v %v", at, ok, err)
	}
	due, _ := s.DueCheckpoints(cCtx, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), 100)
	if len(due) != 2 || due[0].Number != 1 || due[1].Number != 2 || due[0].GuildID != cGuildA || due[0].ClubID != c.ID ||
		!due[1].At.Equal(time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("due = %+v", due)
	}
	if due, _ := s.DueCheckpoints(cCtx, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), 1); len(due) != 1 {
		t.Errorf("limit 1: %+v", due)
	}
	if due, _ := s.DueCheckpoints(cCtx, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), 10); len(due) != 0 {
		t.Errorf("nothing due yet: %+v", due)
	}
	// New chapters: the short last checkpoint (4–4) grows to 4–6, then a
	// new one follows on the grid.
	if _, err := s.UpdateStory(cCtx, cGuildA, rec.ID, WithChapters("Slow Burn", 8, 0), nil, now); err != nil {
		t.Fatal(err)
	}
	ext, err := s.Club(cCtx, cGuildA, c.ID)
	if err != nil {
		t.Fatalf("extend: %v", err)
	}
	if got, want := cSpans(ext.Checkpoints), "1:1-3@03-01T00 2:4-6@03-08T00 3:7-8@03-15T00 "; got != want {
		t.Errorf("extended %s, want %s", got, want)
	}
	if due, _ := s.DueCheckpoints(cCtx, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 10); len(due) != 3 {
		t.Errorf("the new checkpoint is not due: %+v", due)
	}
	// An update with no new chapters changes no schedule.
	if _, err := s.UpdateStory(cCtx, cGuildA, rec.ID, WithChapters("Slow Burn", 8, 0), nil, now); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Club(cCtx, cGuildA, c.ID); cSpans(again.Checkpoints) != cSpans(ext.Checkpoints) {
		t.Errorf("same chapters changed the schedule: %s", cSpans(again.Checkpoints))
	}
	// Announce checkpoint 1: posted (still due), then done (not due).
	if err := s.CheckpointPosted(cCtx, cGuildA, c.ID, 1, "900", false, now); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueCheckpoints(cCtx, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), 10); len(due) != 1 {
		t.Errorf("posted checkpoint must stay due until its thread is recorded: %+v", due)
	}
	if err := s.CheckpointPosted(cCtx, cGuildA, c.ID, 1, "901", true, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointDone(cCtx, cGuildA, c.ID, 1, "910"); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointDone(cCtx, cGuildA, c.ID, 1, "911"); err != nil {
		t.Errorf("done twice: %v", err)
	}
	if at, _, _ := s.NextCheckpointDue(cCtx); !at.Equal(time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("after checkpoint 1 next due = %v", at)
	}
	got, _ := s.Club(cCtx, cGuildA, c.ID)
	if cp := got.Checkpoints[0]; cp.MessageID != "900" || cp.ThreadID != "910" || !cp.Done() || cp.Late || !cp.AnnouncedAt.Equal(now) {
		t.Errorf("checkpoint 1 = %+v (announced once, first message and thread kept)", cp)
	}
	// Progress, join, leave.
	if j, err := s.JoinClub(cCtx, cGuildA, c.ID, cBob, now.Add(time.Minute)); err != nil || !j {
		t.Fatalf("join: %v %v", j, err)
	}
	if j, _ := s.JoinClub(cCtx, cGuildA, c.ID, cBob, now); j {
		t.Error("joined twice")
	}
	if _, err := s.JoinClub(cCtx, cGuildA, c.ID, cCarol, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClubProgress(cCtx, cGuildA, c.ID, cBob, 5, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetClubProgress(cCtx, cGuildA, c.ID, cBob, 99, now); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("chapter past the schedule: %v", err)
	}
	if err := s.SetClubProgress(cCtx, cGuildA, c.ID, cBob, -1, now); !errors.Is(err, shelf.ErrInvalid) {
		t.Errorf("negative chapter: %v", err)
	}
	if err := s.SetClubProgress(cCtx, cGuildA, c.ID, cDave, 1, now); !errors.Is(err, shelf.ErrNotMember) {
		t.Errorf("progress of a non-member: %v", err)
	}
	ms, _ := s.ClubMembers(cCtx, cGuildA, c.ID)
	if len(ms) != 3 || ms[0].UserID != cAlice || ms[1].UserID != cBob || ms[2].UserID != cCarol || ms[1].Chapter != 5 ||
		!ms[1].UpdatedAt.Equal(now.Add(2*time.Minute)) {
		t.Errorf("members in join order (ties by user ID): %+v", ms)
	}
	if err := s.LeaveClub(cCtx, cGuildA, c.ID, cCarol); err != nil {
		t.Fatal(err)
	}
	if err := s.LeaveClub(cCtx, cGuildA, c.ID, cCarol); !errors.Is(err, shelf.ErrNotMember) {
		t.Errorf("leave twice: %v", err)
	}
	exp, _ := s.ExportMember(cCtx, cGuildA, cBob)
	if exp.Other == nil || len(exp.Other.Clubs) != 1 || exp.Other.Clubs[0].ClubID != c.ID || exp.Other.Clubs[0].Chapter != 5 ||
		exp.Other.Clubs[0].Host || !exp.Other.Clubs[0].Active || exp.Other.Clubs[0].Story != "Slow Burn" {
		t.Errorf("export clubs: %+v", exp.Other)
	}
	if exp, _ := s.ExportMember(cCtx, cGuildA, cAlice); exp.Other == nil || len(exp.Other.Clubs) != 1 || !exp.Other.Clubs[0].Host {
		t.Errorf("host export: %+v", exp.Other)
	}
	if err := s.DeleteMember(cCtx, cGuildA, cBob); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.ClubMembers(cCtx, cGuildA, c.ID); len(ms) != 1 {
		t.Errorf("deleted member still in club: %+v", ms)
	}
	// End: no more due checkpoints, the channel is free, history stays.
	ended, err := s.EndClub(cCtx, cGuildA, c.ID, cAlice, now)
	if err != nil || ended.Active() || ended.EndedBy != cAlice || !ended.EndedAt.Equal(now) {
		t.Fatalf("end: %+v, %v", ended, err)
	}
	if _, err := s.EndClub(cCtx, cGuildA, c.ID, cAlice, now); !errors.Is(err, shelf.ErrClubEnded) {
		t.Errorf("end twice: %v", err)
	}
	if _, ok, _ := s.NextCheckpointDue(cCtx); ok {
		t.Error("an ended club still has due checkpoints")
	}
	if _, err := s.ActiveClub(cCtx, cGuildA, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("ended club still active: %v", err)
	}
	if old, err := s.Club(cCtx, cGuildA, c.ID); err != nil || old.Active() || old.Checkpoints[0].ThreadID == "" {
		t.Errorf("history lost: %+v %v", old, err)
	}
	if ms, _ := s.ClubMembers(cCtx, cGuildA, c.ID); len(ms) != 1 {
		t.Errorf("members of an ended club: %+v", ms)
	}
	if _, err := s.JoinClub(cCtx, cGuildA, c.ID, cBob, now); !errors.Is(err, shelf.ErrClubEnded) {
		t.Errorf("join ended club: %v", err)
	}
	if err := s.LeaveClub(cCtx, cGuildA, c.ID, cAlice); !errors.Is(err, shelf.ErrClubEnded) {
		t.Errorf("leave ended club: %v", err)
	}
	if err := s.SetClubProgress(cCtx, cGuildA, c.ID, cAlice, 1, now); !errors.Is(err, shelf.ErrClubEnded) {
		t.Errorf("progress in ended club: %v", err)
	}
	// The channel may start another; IDs go on.
	c2 := cStartClub(t, s, cGuildA, cChanA, rec.ID, 2, 7, now)
	if c2.ID != "2" || c2.Chapters() != 8 {
		t.Errorf("second club = %+v", c2)
	}
	if _, err := s.Club(cCtx, cGuildA, "77"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Club(missing) = %v", err)
	}
	if _, err := s.JoinClub(cCtx, cGuildA, "77", cBob, now); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("JoinClub(missing) = %v", err)
	}
}

func cClubStartErrors(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, WithChapters("Three", 3, 3))
	empty := cAdd(t, s, cGuildA, &fic.Story{Title: "Empty"})
	start := func(p shelf.ClubStart) error {
		if p.ChannelID == "" {
			p.ChannelID = cChanA
		}
		if p.HostID == "" {
			p.HostID = cAlice
		}
		_, err := s.StartClub(cCtx, cGuildA, p)
		return err
	}
	tests := []struct {
		name string
		p    shelf.ClubStart
		want error
	}{
		{"missing story", shelf.ClubStart{StoryID: "99", PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01"}, shelf.ErrNotFound},
		{"no chapters", shelf.ClubStart{StoryID: empty.ID, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01"}, shelf.ErrInvalid},
		{"zero per checkpoint", shelf.ClubStart{StoryID: rec.ID, PerCheckpoint: 0, EveryDays: 1, Starts: "2026-03-01"}, shelf.ErrInvalid},
		{"zero days", shelf.ClubStart{StoryID: rec.ID, PerCheckpoint: 1, EveryDays: 0, Starts: "2026-03-01"}, shelf.ErrInvalid},
		{"bad date", shelf.ClubStart{StoryID: rec.ID, PerCheckpoint: 1, EveryDays: 1, Starts: "March 1st"}, shelf.ErrInvalid},
		{"bad zone", shelf.ClubStart{StoryID: rec.ID, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Timezone: "Mars/Olympus"}, shelf.ErrInvalid},
		{"bad host", shelf.ClubStart{StoryID: rec.ID, HostID: "x", PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01"}, shelf.ErrInvalidID},
	}
	for _, tt := range tests {
		if err := start(tt.p); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := s.ActiveClub(cCtx, cGuildA, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("a refused start left a club: %v", err)
	}
	// A named club in a time zone: checkpoints open at midnight there.
	c, err := s.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: cChanB, StoryID: rec.ID, HostID: cBob, Name: "Book Night",
		PerCheckpoint: 2, EveryDays: 3, Starts: "2026-03-01", Timezone: "Europe/Paris", Now: cT0})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Book Night" || c.Timezone != "Europe/Paris" || cSpans(c.Checkpoints) != "1:1-2@02-28T23 2:3-3@03-03T23 " {
		t.Errorf("zoned club = %+v %s", c, cSpans(c.Checkpoints))
	}
	// The schedule is bounded.
	long := cAdd(t, s, cGuildA, WithChapters("Long", shelf.MaxCheckpoints+5, 0))
	lc, err := s.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: "400000000000000099", StoryID: long.ID, HostID: cBob,
		PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: cT0})
	if err != nil || len(lc.Checkpoints) != shelf.MaxCheckpoints {
		t.Errorf("long schedule: %d checkpoints, %v", len(lc.Checkpoints), err)
	}
}

func cClubStoryRemoved(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, WithChapters("Gone", 2, 2))
	c := cStartClub(t, s, cGuildA, cChanA, rec.ID, 1, 1, cT0)
	if _, err := s.JoinClub(cCtx, cGuildA, c.ID, cBob, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveStory(cCtx, cGuildA, rec.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Club(cCtx, cGuildA, c.ID)
	if err != nil || got.Active() || got.EndedBy != "story removed" {
		t.Errorf("club after its story was removed: %+v, %v", got, err)
	}
	if ms, _ := s.ClubMembers(cCtx, cGuildA, c.ID); len(ms) != 2 {
		t.Errorf("members are history: %+v", ms)
	}
	if _, ok, _ := s.NextCheckpointDue(cCtx); ok {
		t.Error("checkpoints of the ended club still due")
	}
	other := cAdd(t, s, cGuildA, WithChapters("Next", 2, 2))
	cStartClub(t, s, cGuildA, cChanA, other.ID, 1, 1, cT0)
}

func cClubRace(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, WithChapters("Race", 3, 3))
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: cChanA, StoryID: rec.ID, HostID: cAlice,
				PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: cT0})
		}()
	}
	wg.Wait()
	started := 0
	for _, err := range errs {
		switch {
		case err == nil:
			started++
		case !errors.Is(err, shelf.ErrClubActive):
			t.Errorf("concurrent start: %v", err)
		}
	}
	if started != 1 {
		t.Errorf("%d of %d concurrent starts in one channel succeeded, want 1", started, n)
	}
	if due, _ := s.DueCheckpoints(cCtx, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), 100); len(due) != 3 {
		t.Errorf("due checkpoints = %d, want 3 (one club's)", len(due))
	}
}

func cDueOrder(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("A", 2, 2))
	b := cAdd(t, s, cGuildB, WithChapters("B", 2, 2))
	ca := cStartClub(t, s, cGuildA, cChanA, a.ID, 1, 1, cT0)
	cb, err := s.StartClub(cCtx, cGuildB, shelf.ClubStart{ChannelID: cChanB, StoryID: b.ID, HostID: cBob, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-02-28", Now: cT0})
	if err != nil {
		t.Fatal(err)
	}
	// A second club in guild A, same dates as the first: ties by guild, club, number.
	a2 := cAdd(t, s, cGuildA, WithChapters("A2", 1, 1))
	ca2 := cStartClub(t, s, cGuildA, "400000000000000009", a2.ID, 1, 1, cT0)
	due, _ := s.DueCheckpoints(cCtx, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 10)
	var got []string
	for _, d := range due {
		got = append(got, fmt.Sprintf("%s/%s/%d", d.GuildID[:1], d.ClubID, d.Number))
	}
	if want := "[2/1/1 1/1/1 1/2/1 2/1/2 1/1/2]"; fmt.Sprint(got) != want {
		t.Errorf("due order %v, want %s", got, want)
	}
	if err := s.SkipCheckpoint(cCtx, cGuildB, cb.ID, 1, "channel deleted"); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Club(cCtx, cGuildB, cb.ID); c.Checkpoints[0].Skipped != "channel deleted" || !c.Checkpoints[0].Done() {
		t.Errorf("skipped checkpoint = %+v", c.Checkpoints[0])
	}
	if err := s.SkipCheckpoint(cCtx, cGuildB, cb.ID, 2, ""); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Club(cCtx, cGuildB, cb.ID); c.Checkpoints[1].Skipped != "skipped" {
		t.Errorf("skip without a reason = %+v", c.Checkpoints[1])
	}
	if err := s.DropDueCheckpoint(cCtx, due[1]); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueCheckpoints(cCtx, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 10)
	if len(due) != 2 || due[0].ClubID != ca2.ID || due[1].ClubID != ca.ID || due[1].Number != 2 {
		t.Errorf("after skip and drop: %+v", due)
	}
	// A dropped entry is only the due index: the checkpoint is not done.
	if c, _ := s.Club(cCtx, cGuildA, ca.ID); c.Checkpoints[0].Done() {
		t.Errorf("drop marked the checkpoint done: %+v", c.Checkpoints[0])
	}
	if err := s.DropDueCheckpoint(cCtx, due[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.DropDueCheckpoint(cCtx, due[0]); err != nil {
		t.Errorf("drop twice: %v", err)
	}
	if err := s.SkipCheckpoint(cCtx, cGuildA, ca.ID, 9, "x"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("skip checkpoint 9 of 2: %v", err)
	}
}

func cCheckpointPosting(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, WithChapters("Posting", 2, 2))
	now := time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC)
	c := cStartClub(t, s, cGuildA, cChanA, rec.ID, 1, 1, now)
	first := now.Add(time.Hour)
	if got, err := s.CheckpointPosting(cCtx, cGuildA, c.ID, 1, first); err != nil || !got.Equal(first) {
		t.Fatalf("first attempt: %v, %v; want %v", got, err, first)
	}
	if got, err := s.CheckpointPosting(cCtx, cGuildA, c.ID, 1, first.Add(time.Hour)); err != nil || !got.Equal(first) {
		t.Fatalf("retry: %v, %v; want the first attempt %v", got, err, first)
	}
	if err := s.CheckpointPosted(cCtx, cGuildA, c.ID, 1, "800000000000000008", true, first); err != nil {
		t.Fatal(err)
	}
	club, err := s.Club(cCtx, cGuildA, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cp := club.Checkpoints[0]; cp.MessageID != "800000000000000008" || !cp.PostingSince.Equal(first) || !cp.Late || cp.Done() {
		t.Errorf("checkpoint 1 = %+v", cp)
	}
	// Posted without a recorded attempt: nothing is recorded after it.
	if err := s.CheckpointPosted(cCtx, cGuildA, c.ID, 2, "800000000000000009", false, first); err != nil {
		t.Fatal(err)
	}
	if got, err := s.CheckpointPosting(cCtx, cGuildA, c.ID, 2, first); err != nil || !got.IsZero() {
		t.Errorf("posting after posted: %v, %v; want zero", got, err)
	}
	if _, err := s.CheckpointPosting(cCtx, cGuildA, c.ID, 9, first); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("checkpoint 9 of 2: %v, want ErrNotFound", err)
	}
	if _, err := s.CheckpointPosting(cCtx, cGuildA, c.ID, 0, first); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("checkpoint 0: %v, want ErrNotFound", err)
	}
	if _, err := s.CheckpointPosting(cCtx, cGuildA, "77", 1, first); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("missing club: %v, want ErrNotFound", err)
	}
	if err := s.CheckpointDone(cCtx, cGuildA, "77", 1, "5"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("done of a missing club: %v, want ErrNotFound", err)
	}
}

func cCheckpointRace(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, WithChapters("Race", 2, 2))
	c := cStartClub(t, s, cGuildA, cChanA, rec.ID, 1, 1, cT0)
	const n = 16
	var wg sync.WaitGroup
	sinces := make([]time.Time, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := cT0.Add(time.Duration(i+1) * time.Second)
			if sinces[i], errs[i] = s.CheckpointPosting(cCtx, cGuildA, c.ID, 1, at); errs[i] != nil {
				return
			}
			errs[i] = s.CheckpointPosted(cCtx, cGuildA, c.ID, 1, fmt.Sprint(700+i), false, at)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if !sinces[i].Equal(sinces[0]) {
			t.Errorf("racers saw different first attempts: %v and %v", sinces[0], sinces[i])
		}
	}
	got, _ := s.Club(cCtx, cGuildA, c.ID)
	cp := got.Checkpoints[0]
	if cp.MessageID == "" || !cp.PostingSince.Equal(sinces[0]) {
		t.Errorf("checkpoint = %+v", cp)
	}
	// Exactly one message recorded, and it is the winner's (first posted).
	if !cp.AnnouncedAt.After(cT0) {
		t.Errorf("announced at %v", cp.AnnouncedAt)
	}
}

func cCheckpointExtendLate(t *testing.T, s shelf.Store) {
	rec := cAdd(t, s, cGuildA, WithChapters("WIP", 2, 0))
	start := time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC)
	c := cStartClub(t, s, cGuildA, cChanA, rec.ID, 1, 1, start)
	for n := 1; n <= 2; n++ {
		if err := s.CheckpointDone(cCtx, cGuildA, c.ID, n, fmt.Sprint(600+n)); err != nil {
			t.Fatal(err)
		}
	}
	// Chapter 3 arrives long after the grid's date for checkpoint 3: it
	// opens at the update, not in the past.
	later := time.Date(2026, 4, 1, 15, 30, 0, 0, time.UTC)
	if _, err := s.UpdateStory(cCtx, cGuildA, rec.ID, WithChapters("WIP", 3, 0), nil, later); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Club(cCtx, cGuildA, c.ID)
	if len(got.Checkpoints) != 3 || !got.Checkpoints[2].Opens.Equal(later) || got.Checkpoints[2].First != 3 {
		t.Errorf("late checkpoint = %s", cSpans(got.Checkpoints))
	}
	if at, ok, _ := s.NextCheckpointDue(cCtx); !ok || !at.Equal(later) {
		t.Errorf("next due = %v %v, want %v", at, ok, later)
	}
	// A story's ChaptersPosted counts even without stored text.
	meta := WithChapters("WIP", 3, 0)
	meta.Chapters = nil
	meta.ChaptersPosted = 4
	if _, err := s.UpdateStory(cCtx, cGuildA, rec.ID, meta, nil, later); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Club(cCtx, cGuildA, c.ID); got.Chapters() != 4 {
		t.Errorf("chapters posted by link not scheduled: %s", cSpans(got.Checkpoints))
	}
	// An ended club is not extended.
	if _, err := s.EndClub(cCtx, cGuildA, c.ID, cAlice, later); err != nil {
		t.Fatal(err)
	}
	meta.ChaptersPosted = 6
	if _, err := s.UpdateStory(cCtx, cGuildA, rec.ID, meta, nil, later); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Club(cCtx, cGuildA, c.ID); got.Chapters() != 4 {
		t.Errorf("ended club extended: %s", cSpans(got.Checkpoints))
	}
}
