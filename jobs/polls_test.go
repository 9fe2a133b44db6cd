package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/commands"
	"ficshelf/discordtest/fakes"
	"ficshelf/jobs"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// pollDiscord is fakes.Discord plus a poll message whose results it serves.
type pollDiscord struct {
	fakes.Discord
	pmu       sync.Mutex
	results   *discordgo.PollResults
	gone      bool
	expires   int
	expireErr error
	sendFails []error
}

func (f *pollDiscord) Message(_ context.Context, ch, id string) (*discordgo.Message, error) {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	if f.gone {
		return nil, &discordgo.RESTError{Response: &http.Response{StatusCode: 404}, Message: &discordgo.APIErrorMessage{Code: discordgo.ErrCodeUnknownMessage}}
	}
	if f.results == nil {
		return &discordgo.Message{ID: id, ChannelID: ch, Poll: &discordgo.Poll{}}, nil
	}
	r := *f.results
	return &discordgo.Message{ID: id, ChannelID: ch, Poll: &discordgo.Poll{Results: &r}}, nil
}

// voterCounting is a pollDiscord whose messages carry no results: the
// job counts each answer's voters instead.
type voterCounting struct {
	pollDiscord
	voters map[int]int
}

func (f *voterCounting) PollVoterCount(_ context.Context, _, _ string, answer int) (int, error) {
	return f.voters[answer], nil
}

func (f *pollDiscord) ExpirePoll(context.Context, string, string) error {
	f.pmu.Lock()
	defer f.pmu.Unlock()
	f.expires++
	if f.expireErr != nil {
		return f.expireErr
	}
	if f.results != nil {
		f.results.Finalized = true
	}
	return nil
}

func (f *pollDiscord) SendMessageOnce(ctx context.Context, ch, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	f.pmu.Lock()
	if len(f.sendFails) > 0 {
		err := f.sendFails[0]
		f.sendFails = f.sendFails[1:]
		f.pmu.Unlock()
		return nil, err
	}
	f.pmu.Unlock()
	return f.Discord.SendMessageOnce(ctx, ch, nonce, m)
}

// polledChannel makes a poll of two nominations in tChannel (Bob's story
// nominated first), posted as message pollMsg, ending at t0.
func polledChannel(t *testing.T) (shelf.Store, shelf.ClubPoll, time.Time) {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	a := storetest.Add(t, st, tGuild, tAlice, storetest.WithChapters("Alpha", 2, 2))
	b := storetest.Add(t, st, tGuild, tAlice, storetest.WithChapters("Beta", 3, 3))
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const bob = "300000000000000004"
	if _, _, err := st.Nominate(ctx, tGuild, tChannel, bob, b.ID, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Nominate(ctx, tGuild, tChannel, tAlice, a.ID, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	p, err := st.CreateClubPoll(ctx, tGuild, shelf.ClubPoll{ChannelID: tChannel, CreatedBy: tAlice, CreatedAt: t0.Add(-24 * time.Hour), Hours: 24, Ends: t0, Timezone: "UTC",
		MessageID: "800000000000000001", Options: shelf.ClubPollOptions{PerCheckpoint: 1, EveryDays: 7},
		Answers: []shelf.ClubPollAnswer{
			{AnswerID: 1, StoryID: b.ID, StoryTitle: "Beta", Text: "Beta", NominatedBy: bob, NominatedAt: t0.Add(-time.Hour)},
			{AnswerID: 2, StoryID: a.ID, StoryTitle: "Alpha", Text: "Alpha", NominatedBy: tAlice, NominatedAt: t0.Add(-time.Minute)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return st, p, t0
}

func TestPollEndsOnceThroughFailures(t *testing.T) {
	st, p, t0 := polledChannel(t)
	ctx := context.Background()
	// A tie: the earliest nomination (Beta) wins. Posting the result fails once.
	d := &pollDiscord{results: &discordgo.PollResults{Finalized: true, AnswerCounts: []*discordgo.PollAnswerCount{{ID: 1, Count: 2}, {ID: 2, Count: 2}}},
		sendFails: []error{&discordgo.RESTError{Response: &http.Response{StatusCode: 502}}}}
	k := jobs.NewPolls(st, d, commands.ClubPollWording{}, nil)
	if at, ok, _ := k.NextDue(ctx); !ok || !at.Equal(t0) {
		t.Fatalf("next due %v %v", at, ok)
	}
	if err := k.FireDue(ctx, t0); err == nil {
		t.Fatal("FireDue hid a failed post")
	}
	got, _ := st.ClubPoll(ctx, tGuild, p.ID)
	if !got.Decided || got.Winner != 1 || got.ClubID == "" || got.Done() || got.ResultPostingSince.IsZero() {
		t.Fatalf("after the failed post: %+v", got)
	}
	if ns, _ := st.Nominations(ctx, tGuild, tChannel); len(ns) != 0 {
		t.Fatalf("nominations kept: %+v", ns)
	}
	for range 2 {
		if err := k.FireDue(ctx, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ = st.ClubPoll(ctx, tGuild, p.ID)
	if !got.Done() || len(d.Sends) != 1 {
		t.Fatalf("poll %+v after %d sends", got, len(d.Sends))
	}
	club, err := st.ActiveClub(ctx, tGuild, tChannel)
	if err != nil || club.ID != got.ClubID || club.StoryTitle != "Beta" || club.HostID != tAlice || club.Starts != "2026-03-01" {
		t.Fatalf("club %+v %v", club, err)
	}
	if _, ok, _ := k.NextDue(ctx); ok {
		t.Fatal("a done poll is still due")
	}
}

func TestPollWaitsForFinalResults(t *testing.T) {
	st, p, t0 := polledChannel(t)
	ctx := context.Background()
	d := &pollDiscord{results: &discordgo.PollResults{AnswerCounts: []*discordgo.PollAnswerCount{{ID: 2, Count: 1}}}, expireErr: errors.New("outage")}
	k := jobs.NewPolls(st, d, commands.ClubPollWording{}, nil)
	if err := k.FireDue(ctx, t0.Add(time.Second)); err == nil {
		t.Fatal("decided on results not final")
	}
	if got, _ := st.ClubPoll(ctx, tGuild, p.ID); got.Decided || d.expires != 1 {
		t.Fatalf("decided %v after %d expire calls", got.Decided, d.expires)
	}
	// Past the grace, the counts as they are decide.
	if err := k.FireDue(ctx, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.ClubPoll(ctx, tGuild, p.ID); got.Winner != 2 || !got.Done() {
		t.Fatalf("poll %+v", got)
	}
}

func TestPollWhoseMessageWasDeleted(t *testing.T) {
	st, p, t0 := polledChannel(t)
	ctx := context.Background()
	d := &pollDiscord{gone: true}
	k := jobs.NewPolls(st, d, commands.ClubPollWording{}, nil)
	if err := k.FireDue(ctx, t0); err != nil {
		t.Fatal(err)
	}
	got, _ := st.ClubPoll(ctx, tGuild, p.ID)
	if got.NoClub != shelf.NoClubPollGone || got.ClubID != "" || !got.Done() {
		t.Fatalf("poll %+v", got)
	}
	if _, err := st.ActiveClub(ctx, tGuild, tChannel); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("a club started: %v", err)
	}
}

// fakeSource is a DueSource with one due time.
type fakeSource struct {
	at    time.Time
	ok    bool
	fired int
	err   error
}

func (f *fakeSource) NextDue(context.Context) (time.Time, bool, error) { return f.at, f.ok, nil }
func (f *fakeSource) FireDue(context.Context, time.Time) error         { f.fired++; return f.err }

func TestSourcesFireWhatIsDue(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	a, b, c := &fakeSource{at: t0.Add(time.Hour), ok: true}, &fakeSource{at: t0, ok: true, err: errors.New("boom")}, &fakeSource{}
	ss := jobs.Sources{a, b, c}
	if at, ok, err := ss.NextDue(context.Background()); err != nil || !ok || !at.Equal(t0) {
		t.Fatalf("next due %v %v %v", at, ok, err)
	}
	if err := ss.FireDue(context.Background(), t0); err == nil || a.fired != 0 || b.fired != 1 || c.fired != 0 {
		t.Fatalf("fired %d %d %d, err %v", a.fired, b.fired, c.fired, err)
	}
	if err := ss.FireDue(context.Background(), t0.Add(time.Hour)); err == nil || a.fired != 1 || b.fired != 2 {
		t.Fatalf("fired %d %d, err %v", a.fired, b.fired, err)
	}
}

func TestPollCountedByVotersWithoutResults(t *testing.T) {
	st, p, t0 := polledChannel(t)
	ctx := context.Background()
	d := &voterCounting{voters: map[int]int{1: 1, 2: 3}}
	k := jobs.NewPolls(st, d, commands.ClubPollWording{}, nil)
	if err := k.FireDue(ctx, t0); err != nil {
		t.Fatal(err)
	}
	got, _ := st.ClubPoll(ctx, tGuild, p.ID)
	if got.Winner != 2 || got.Answers[1].Votes != 3 || !got.Done() || d.expires != 1 {
		t.Fatalf("poll %+v after %d expire calls", got, d.expires)
	}
}
