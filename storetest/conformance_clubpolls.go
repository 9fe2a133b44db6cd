package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"ClubPolls/Nominations", cNominations},
		cTest{"ClubPolls/NominationsLimitUnderConcurrency", cNominationRace},
		cTest{"ClubPolls/LifecycleAndDueIndex", cPollLifecycle},
		cTest{"ClubPolls/StartPollClubOnce", cPollStartClub},
		cTest{"ClubPolls/StartPollClubChannelTaken", cPollClubActive},
		cTest{"ClubPolls/StartPollClubRecordsWhyNot", cPollClubWhyNot},
		cTest{"ClubPolls/LastClub", cLastClub},
	)
}

// cNominate nominates and fails the test on an error.
func cNominate(t *testing.T, s shelf.Store, guild, ch, user, story string, at time.Time) {
	t.Helper()
	if _, _, err := s.Nominate(cCtx, guild, ch, user, story, at); err != nil {
		t.Fatalf("nominate %s by %s: %v", story, user, err)
	}
}

func cNomSummary(ns []shelf.Nomination) string {
	out := ""
	for _, n := range ns {
		out += fmt.Sprintf("%s:%s:%s ", n.UserID[len(n.UserID)-1:], n.StoryID, n.StoryTitle)
	}
	return out
}

func cNominations(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 3, 3))
	c := cAdd(t, s, cGuildA, WithChapters("Gamma", 3, 3))
	cNominate(t, s, cGuildA, cChanA, cAlice, a.ID, cT0)
	cNominate(t, s, cGuildA, cChanA, cBob, b.ID, cT0.Add(time.Minute))
	ns, err := s.Nominations(cCtx, cGuildA, cChanA)
	if err != nil || cNomSummary(ns) != "3:1:Alpha 4:2:Beta " || !ns[0].At.Equal(cT0) || ns[0].ChannelID != cChanA {
		t.Fatalf("nominations = %s %+v, %v", cNomSummary(ns), ns, err)
	}
	// A new nomination replaces the member's own, and goes last.
	prev, had, err := s.Nominate(cCtx, cGuildA, cChanA, cAlice, c.ID, cT0.Add(2*time.Minute))
	if err != nil || !had || prev.StoryID != a.ID || prev.StoryTitle != "Alpha" {
		t.Fatalf("replace = %+v %v %v", prev, had, err)
	}
	if ns, _ := s.Nominations(cCtx, cGuildA, cChanA); cNomSummary(ns) != "4:2:Beta 3:3:Gamma " {
		t.Fatalf("after replacing: %s", cNomSummary(ns))
	}
	// Another member's story: refused, naming them.
	prev, _, err = s.Nominate(cCtx, cGuildA, cChanA, cCarol, b.ID, cT0.Add(3*time.Minute))
	if !errors.Is(err, shelf.ErrAlreadyNominated) || prev.UserID != cBob {
		t.Fatalf("same story twice: %+v %v", prev, err)
	}
	if _, _, err := s.Nominate(cCtx, cGuildA, cChanA, cCarol, "999", cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("unknown story: %v", err)
	}
	if _, _, err := s.Nominate(cCtx, cGuildA, "x", cCarol, a.ID, cT0); !errors.Is(err, shelf.ErrInvalidID) {
		t.Fatalf("bad channel: %v", err)
	}
	// Channels and guilds are apart.
	if ns, _ := s.Nominations(cCtx, cGuildA, cChanB); len(ns) != 0 {
		t.Fatalf("other channel sees %s", cNomSummary(ns))
	}
	if ns, _ := s.Nominations(cCtx, cGuildB, cChanA); len(ns) != 0 {
		t.Fatalf("other guild sees %s", cNomSummary(ns))
	}
	// A removed story's nomination goes with it.
	if err := s.RemoveStory(cCtx, cGuildA, b.ID); err != nil {
		t.Fatal(err)
	}
	if ns, _ := s.Nominations(cCtx, cGuildA, cChanA); cNomSummary(ns) != "3:3:Gamma " {
		t.Fatalf("after removing Beta: %s", cNomSummary(ns))
	}
}

func cNominationRace(t *testing.T, s shelf.Store) {
	var stories []string
	for i := range shelf.MaxNominations + 5 {
		stories = append(stories, cAdd(t, s, cGuildA, WithChapters(fmt.Sprintf("Story %d", i), 1, 1)).ID)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stories))
	for i, id := range stories {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.Nominate(cCtx, cGuildA, cChanA, fmt.Sprintf("5%017d", i+1), id, cT0.Add(time.Duration(i)*time.Second))
		}()
	}
	wg.Wait()
	ok, full := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, shelf.ErrNominationsFull):
			full++
		default:
			t.Fatalf("nominate: %v", err)
		}
	}
	ns, _ := s.Nominations(cCtx, cGuildA, cChanA)
	if ok != shelf.MaxNominations || full != 5 || len(ns) != shelf.MaxNominations {
		t.Fatalf("%d nominated, %d refused, %d stored; want %d, 5, %d", ok, full, len(ns), shelf.MaxNominations, shelf.MaxNominations)
	}
	// A member already nominating may still change theirs when full.
	if _, had, err := s.Nominate(cCtx, cGuildA, cChanA, ns[0].UserID, stories[len(stories)-1], cT0.Add(time.Hour)); err != nil && !errors.Is(err, shelf.ErrAlreadyNominated) || err == nil && !had {
		t.Fatalf("replace when full: %v", err)
	}
}

// cPoll makes a poll of the channel's nominations ending at ends.
func cPoll(t *testing.T, s shelf.Store, guild, ch string, ends time.Time) shelf.ClubPoll {
	t.Helper()
	ns, err := s.Nominations(cCtx, guild, ch)
	if err != nil {
		t.Fatal(err)
	}
	p := shelf.ClubPoll{ChannelID: ch, CreatedBy: cAlice, CreatedAt: cT0, Hours: 24, Ends: ends, Timezone: "UTC",
		Options: shelf.ClubPollOptions{PerCheckpoint: 1, EveryDays: 7, Gated: true}}
	for i, n := range ns {
		p.Answers = append(p.Answers, shelf.ClubPollAnswer{AnswerID: i + 1, StoryID: n.StoryID, StoryTitle: n.StoryTitle, Text: n.StoryTitle, NominatedBy: n.UserID, NominatedAt: n.At})
	}
	got, err := s.CreateClubPoll(cCtx, guild, p)
	if err != nil {
		t.Fatalf("create poll: %v", err)
	}
	return got
}

func cPollLifecycle(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 3, 3))
	cNominate(t, s, cGuildA, cChanA, cAlice, a.ID, cT0)
	cNominate(t, s, cGuildA, cChanA, cBob, b.ID, cT0.Add(time.Minute))
	if _, ok, err := s.NextClubPollDue(cCtx); err != nil || ok {
		t.Fatalf("due before any poll: %v %v", ok, err)
	}
	ends := cT0.Add(24 * time.Hour)
	p := cPoll(t, s, cGuildA, cChanA, ends)
	if p.ID != "1" || p.GuildID != cGuildA || len(p.Answers) != 2 || !p.Ends.Equal(ends) || !p.Options.Gated || p.Done() {
		t.Fatalf("poll = %+v", p)
	}
	if open, err := s.CreateClubPoll(cCtx, cGuildA, shelf.ClubPoll{ChannelID: cChanA, CreatedBy: cBob, Ends: ends}); !errors.Is(err, shelf.ErrPollOpen) || open.ID != p.ID {
		t.Fatalf("second poll: %+v %v", open.ID, err)
	}
	if got, err := s.OpenClubPoll(cCtx, cGuildA, cChanA); err != nil || got.ID != p.ID {
		t.Fatalf("open poll = %+v %v", got.ID, err)
	}
	if _, err := s.OpenClubPoll(cCtx, cGuildB, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("open poll of another guild: %v", err)
	}
	if _, err := s.ClubPoll(cCtx, cGuildB, p.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("poll of another guild: %v", err)
	}
	if at, ok, err := s.NextClubPollDue(cCtx); err != nil || !ok || !at.Equal(ends) {
		t.Fatalf("next due = %v %v %v", at, ok, err)
	}
	if due, _ := s.DueClubPolls(cCtx, ends.Add(-time.Second), 10); len(due) != 0 {
		t.Fatalf("due early: %+v", due)
	}
	// Recorded posted, then ended early: due at once.
	early := cT0.Add(time.Hour)
	if _, err := s.UpdateClubPoll(cCtx, cGuildA, p.ID, func(p *shelf.ClubPoll) error {
		p.MessageID, p.Ends, p.EndedBy = "700000000000000001", early, cBob
		p.ChannelID = cChanB // ignored
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueClubPolls(cCtx, early, 10)
	if err != nil || len(due) != 1 || due[0].PollID != p.ID || due[0].GuildID != cGuildA || !due[0].At.Equal(early) {
		t.Fatalf("due after ending early = %+v %v", due, err)
	}
	got, _ := s.ClubPoll(cCtx, cGuildA, p.ID)
	if got.MessageID != "700000000000000001" || got.EndedBy != cBob || got.ChannelID != cChanA {
		t.Fatalf("after update: %+v", got)
	}
	// An error from fn changes nothing.
	boom := errors.New("boom")
	if _, err := s.UpdateClubPoll(cCtx, cGuildA, p.ID, func(p *shelf.ClubPoll) error { p.MessageID = ""; return boom }); !errors.Is(err, boom) {
		t.Fatalf("fn error = %v", err)
	}
	if got, _ := s.ClubPoll(cCtx, cGuildA, p.ID); got.MessageID == "" {
		t.Fatal("a failed update was stored")
	}
	// Done: no longer due, and the channel may poll again.
	if _, err := s.UpdateClubPoll(cCtx, cGuildA, p.ID, func(p *shelf.ClubPoll) error { p.ResultMessageID = "700000000000000002"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.NextClubPollDue(cCtx); ok {
		t.Fatal("a done poll is still due")
	}
	if _, err := s.OpenClubPoll(cCtx, cGuildA, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("done poll still open: %v", err)
	}
	if p2 := cPoll(t, s, cGuildA, cChanA, ends); p2.ID == p.ID {
		t.Fatal("new poll reused the ID")
	}
	if _, err := s.UpdateClubPoll(cCtx, cGuildA, "99", func(*shelf.ClubPoll) error { return nil }); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("update unknown poll: %v", err)
	}
}

func cPollStartClub(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 3, 3))
	c := cAdd(t, s, cGuildA, WithChapters("Gamma", 3, 3))
	cNominate(t, s, cGuildA, cChanA, cAlice, a.ID, cT0)
	cNominate(t, s, cGuildA, cChanA, cBob, b.ID, cT0.Add(time.Minute))
	p := cPoll(t, s, cGuildA, cChanA, cT0.Add(time.Hour))
	start := shelf.ClubStart{StoryID: b.ID, HostID: cAlice, PerCheckpoint: 1, EveryDays: 7, Starts: "2026-02-02", Timezone: "UTC", Gated: true, Events: true, Now: cT0.Add(time.Hour)}
	if _, err := s.StartPollClub(cCtx, cGuildA, p.ID, start); !errors.Is(err, shelf.ErrInvalid) {
		t.Fatalf("undecided poll started a club: %v", err)
	}
	// Carol nominates while the poll runs: hers stays for the next poll.
	cNominate(t, s, cGuildA, cChanA, cCarol, c.ID, cT0.Add(2*time.Minute))
	if _, err := s.UpdateClubPoll(cCtx, cGuildA, p.ID, func(p *shelf.ClubPoll) error {
		p.Decide(map[int]int{1: 2, 2: 3})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.StartPollClub(cCtx, cGuildA, p.ID, start)
	if err != nil || got.ClubID == "" || got.Winner != 2 || got.Answers[1].Votes != 3 || got.NoClub != "" {
		t.Fatalf("start poll club = %+v %v", got, err)
	}
	club, err := s.ActiveClub(cCtx, cGuildA, cChanA)
	if err != nil || club.ID != got.ClubID || club.StoryID != b.ID || !club.Gated || !club.Events || club.HostID != cAlice {
		t.Fatalf("club = %+v %v", club, err)
	}
	if ns, _ := s.Nominations(cCtx, cGuildA, cChanA); cNomSummary(ns) != "5:3:Gamma " {
		t.Fatalf("nominations after the poll: %s", cNomSummary(ns))
	}
	// Again: the same club, no second one.
	again, err := s.StartPollClub(cCtx, cGuildA, p.ID, start)
	if err != nil || again.ClubID != got.ClubID {
		t.Fatalf("again = %+v %v", again, err)
	}
}

func cPollClubActive(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 3, 3))
	cNominate(t, s, cGuildA, cChanA, cAlice, a.ID, cT0)
	cNominate(t, s, cGuildA, cChanA, cBob, b.ID, cT0.Add(time.Minute))
	p := cPoll(t, s, cGuildA, cChanA, cT0.Add(time.Hour))
	cStartClub(t, s, cGuildA, cChanA, a.ID, 1, 1, cT0)
	if _, err := s.UpdateClubPoll(cCtx, cGuildA, p.ID, func(p *shelf.ClubPoll) error { p.Decide(map[int]int{1: 1, 2: 1}); return nil }); err != nil {
		t.Fatal(err)
	}
	got, err := s.StartPollClub(cCtx, cGuildA, p.ID, shelf.ClubStart{StoryID: a.ID, HostID: cAlice, PerCheckpoint: 1, EveryDays: 7, Starts: "2026-02-02", Now: cT0})
	if err != nil || got.ClubID != "" || got.NoClub != shelf.NoClubActive || got.Winner != 1 {
		t.Fatalf("poll club in a taken channel = %+v %v", got, err)
	}
	if ns, _ := s.Nominations(cCtx, cGuildA, cChanA); len(ns) != 0 {
		t.Fatalf("nominations kept: %s", cNomSummary(ns))
	}
}

// cPollClubWhyNot: a winner removed from the library, or options that no
// longer make a schedule, settle the poll with the reason instead of
// failing it; a poll's club records the zone it was given, "" as UTC.
func cPollClubWhyNot(t *testing.T, s shelf.Store) {
	decided := func(ch string) shelf.ClubPoll {
		t.Helper()
		a := cAdd(t, s, cGuildA, WithChapters("Alpha "+ch, 3, 3))
		cNominate(t, s, cGuildA, ch, cAlice, a.ID, cT0)
		p := cPoll(t, s, cGuildA, ch, cT0.Add(time.Hour))
		p, err := s.UpdateClubPoll(cCtx, cGuildA, p.ID, func(p *shelf.ClubPoll) error { p.Decide(map[int]int{1: 1}); return nil })
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	start := func(p shelf.ClubPoll) shelf.ClubStart {
		return shelf.ClubStart{StoryID: p.Answers[0].StoryID, HostID: cAlice, PerCheckpoint: 1, EveryDays: 7, Starts: "2026-02-02", Now: cT0}
	}

	gone := decided(cChanA)
	if err := s.RemoveStory(cCtx, cGuildA, gone.Answers[0].StoryID); err != nil {
		t.Fatal(err)
	}
	got, err := s.StartPollClub(cCtx, cGuildA, gone.ID, start(gone))
	if err != nil || got.ClubID != "" || got.NoClub != shelf.NoClubStoryGone || !got.Settled() {
		t.Fatalf("poll whose winner is gone = %+v %v", got, err)
	}

	invalid := decided(cChanB)
	bad := start(invalid)
	bad.PerCheckpoint = 0
	got, err = s.StartPollClub(cCtx, cGuildA, invalid.ID, bad)
	if err != nil || got.ClubID != "" || got.NoClub != shelf.NoClubInvalid {
		t.Fatalf("poll with options that make no schedule = %+v %v", got, err)
	}
	if _, err := s.ActiveClub(cCtx, cGuildA, cChanB); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("a club started on invalid options: %v", err)
	}
	// Settled: a second call with good options changes nothing.
	if again, err := s.StartPollClub(cCtx, cGuildA, invalid.ID, start(invalid)); err != nil || again.NoClub != shelf.NoClubInvalid || again.ClubID != "" {
		t.Fatalf("settled poll started again = %+v %v", again, err)
	}

	const chanC = "400000000000000009"
	ok := decided(chanC)
	got, err = s.StartPollClub(cCtx, cGuildA, ok.ID, start(ok))
	if err != nil || got.ClubID == "" {
		t.Fatalf("start poll club = %+v %v", got, err)
	}
	club, err := s.Club(cCtx, cGuildA, got.ClubID)
	if err != nil || club.Timezone != "UTC" || club.ChannelID != chanC {
		t.Fatalf("poll's club = %+v %v, want zone UTC in channel %s", club, err, chanC)
	}
}

func cLastClub(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	if _, err := s.LastClub(cCtx, cGuildA, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("last club of a new channel: %v", err)
	}
	first := cStartClub(t, s, cGuildA, cChanA, a.ID, 1, 1, cT0)
	cStartClub(t, s, cGuildA, cChanB, a.ID, 1, 1, cT0)
	if got, err := s.LastClub(cCtx, cGuildA, cChanA); err != nil || got.ID != first.ID {
		t.Fatalf("last club (active) = %+v %v", got.ID, err)
	}
	if _, err := s.EndClub(cCtx, cGuildA, first.ID, cAlice, cT0); err != nil {
		t.Fatal(err)
	}
	got, err := s.LastClub(cCtx, cGuildA, cChanA)
	if err != nil || got.ID != first.ID || got.Active() || got.HostID != cAlice {
		t.Fatalf("last club (ended) = %+v %v", got, err)
	}
	second, err := s.StartClub(cCtx, cGuildA, shelf.ClubStart{ChannelID: cChanA, StoryID: a.ID, HostID: cBob, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: cT0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EndClub(cCtx, cGuildA, second.ID, cBob, cT0); err != nil {
		t.Fatal(err)
	}
	if got, err := s.LastClub(cCtx, cGuildA, cChanA); err != nil || got.ID != second.ID || got.HostID != cBob {
		t.Fatalf("last of two ended clubs = %+v %v", got.ID, err)
	}
	if _, err := s.LastClub(cCtx, cGuildB, cChanA); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("last club of another guild: %v", err)
	}
}

func init() { cRegister(cTest{"ClubEvents/SetCheckpointEvent", cCheckpointEvent}) }

func cCheckpointEvent(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	c := cStartClub(t, s, cGuildA, cChanA, a.ID, 1, 1, cT0)
	if err := s.SetCheckpointEvent(cCtx, cGuildA, c.ID, 2, "800000000000000001"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Club(cCtx, cGuildA, c.ID)
	if got.Checkpoints[1].EventID != "800000000000000001" || got.Checkpoints[0].EventID != "" {
		t.Fatalf("events %+v", got.Checkpoints)
	}
	if due, _ := s.DueCheckpoints(cCtx, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), 10); len(due) != 3 {
		t.Fatalf("recording an event changed the due index: %+v", due)
	}
	if err := s.SetCheckpointEvent(cCtx, cGuildA, c.ID, 4, "1"); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("checkpoint 4 of 3: %v", err)
	}
	if err := s.SetCheckpointEvent(cCtx, cGuildB, c.ID, 1, "1"); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("another guild's club: %v", err)
	}
	if err := s.SetCheckpointEvent(cCtx, cGuildA, c.ID, 2, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Club(cCtx, cGuildA, c.ID); got.Checkpoints[1].EventID != "" {
		t.Fatal("event not cleared")
	}
}
