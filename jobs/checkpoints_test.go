package jobs_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/commands"
	"ficshelf/discordtest/fakes"
	"ficshelf/jobs"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

const (
	tGuild   = "100000000000000001"
	tChannel = "600000000000000006"
	tAlice   = "300000000000000003"
)

// twoCheckpointClub starts a club over a two-chapter story in tChannel, one
// chapter a day from t0 (returned).
func twoCheckpointClub(t *testing.T) (shelf.Store, shelf.Club, time.Time) {
	t.Helper()
	st := storetest.Open(t)
	rec := storetest.Add(t, st, tGuild, tAlice, storetest.WithChapters("Two Days", 2, 0))
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	club, err := st.StartClub(context.Background(), tGuild, shelf.ClubStart{ChannelID: tChannel, StoryID: rec.ID, HostID: tAlice, PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-01", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	return st, club, t0
}

func TestFireDueRetriesTheThreadWithoutPostingTwice(t *testing.T) {
	st, club, t0 := twoCheckpointClub(t)
	// The first thread attempt fails like a Discord outage; then, as
	// after a crash, the thread turns out to exist already (160004).
	d := &fakes.Discord{ThreadFails: []error{&discordgo.RESTError{Response: &http.Response{StatusCode: 502}}}}
	k := jobs.NewCheckpoints(st, d, commands.CheckpointWording{}, nil)
	now := t0.Add(36 * time.Hour) // both checkpoints due
	if err := k.FireDue(context.Background(), now); err == nil {
		t.Fatal("FireDue hid a failed thread")
	}
	got, _ := st.Club(context.Background(), tGuild, club.ID)
	if cp := got.Checkpoints[0]; cp.MessageID == "" || cp.ThreadID != "" {
		t.Fatalf("after the failure checkpoint 1 = %+v; want posted, no thread", cp)
	}
	if got.Checkpoints[1].MessageID != "" {
		t.Fatal("checkpoint 2 was announced before checkpoint 1 was done")
	}
	d.AddThread(got.Checkpoints[0].MessageID) // the thread did get created
	if err := k.FireDue(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	got, _ = st.Club(context.Background(), tGuild, club.ID)
	for i, cp := range got.Checkpoints {
		if cp.ThreadID == "" || cp.ThreadID != cp.MessageID {
			t.Errorf("checkpoint %d = %+v", i+1, cp)
		}
	}
	if len(d.Sends) != 2 {
		t.Errorf("sent %d announcements for 2 checkpoints: %v", len(d.Sends), d.Sends)
	}
	if !got.Checkpoints[1].Late || got.Checkpoints[0].Late == false {
		// Both opened well before now (the club was created at t0).
		t.Errorf("late flags: %v %v", got.Checkpoints[0].Late, got.Checkpoints[1].Late)
	}
	if _, ok, _ := st.NextCheckpointDue(context.Background()); ok {
		t.Error("still due")
	}
}

// A crash between posting an announcement and recording it, then minutes
// away (Discord no longer dedups the nonce): the retry finds the earlier
// post and does not post again. A first attempt that never reached Discord
// is posted once.
func TestFireDueFindsAnAnnouncementPostedBeforeACrash(t *testing.T) {
	st, club, t0 := twoCheckpointClub(t)
	d := &fakes.Discord{}
	k := jobs.NewCheckpoints(st, d, commands.CheckpointWording{}, nil)

	// Checkpoint 1: what fire does up to the crash — attempt recorded,
	// announcement posted, its ID never recorded.
	if _, err := st.CheckpointPosting(context.Background(), tGuild, club.ID, 1, t0); err != nil {
		t.Fatal(err)
	}
	cp1 := club.Checkpoints[0]
	posted, err := d.SendMessageOnce(context.Background(), tChannel, jobs.CheckpointNonce(tGuild, club.ID, 1), commands.CheckpointWording{}.Announcement(club, cp1, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	// Checkpoint 2: the crash came before its post reached Discord.
	t1 := t0.Add(24 * time.Hour)
	if _, err := st.CheckpointPosting(context.Background(), tGuild, club.ID, 2, t1); err != nil {
		t.Fatal(err)
	}
	d.ForgetNonces()

	if err := k.FireDue(context.Background(), t1.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := st.Club(context.Background(), tGuild, club.ID)
	if err != nil {
		t.Fatal(err)
	}
	if cp := got.Checkpoints[0]; cp.MessageID != posted.ID || cp.ThreadID != posted.ID {
		t.Errorf("checkpoint 1 = %+v; want the announcement posted before the crash (%s) and its thread", cp, posted.ID)
	}
	if cp := got.Checkpoints[1]; cp.MessageID == "" || cp.MessageID == posted.ID || cp.ThreadID != cp.MessageID {
		t.Errorf("checkpoint 2 = %+v; want posted now with its thread", cp)
	}
	if len(d.Sends) != 2 {
		t.Errorf("%d announcements posted for 2 checkpoints: %v", len(d.Sends), d.Sends)
	}
}

func TestCheckpointNonceFits(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range []struct {
		guild, club string
		n           int
	}{
		{"18446744073709551615", "1", 1},
		{"18446744073709551615", "99999999", 999},
		{"100000000000000001", "1", 2},
		{"100000000000000001", "2", 1},
	} {
		n := jobs.CheckpointNonce(tc.guild, tc.club, tc.n)
		if len(n) == 0 || len(n) > 25 {
			t.Errorf("nonce %q for %+v is %d characters", n, tc, len(n))
		}
		if seen[n] {
			t.Errorf("nonce %q repeated", n)
		}
		seen[n] = true
		if n != jobs.CheckpointNonce(tc.guild, tc.club, tc.n) {
			t.Error("nonce not deterministic")
		}
	}
}
