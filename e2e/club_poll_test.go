package e2e

import (
	"strings"
	"testing"
	"time"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/jobs/jobstest"
	"ficshelf/shelf"
)

// pollMsgs and resultMsgs list a channel's club polls and poll results.
func pollMsgs(e *Env, channelID string) []*discordtest.Message {
	var out []*discordtest.Message
	for _, m := range channelMsgs(e, channelID, "opened the vote") {
		if m.Poll != nil {
			out = append(out, m)
		}
	}
	return out
}

func resultMsgs(e *Env, channelID string) []*discordtest.Message {
	return channelMsgs(e, channelID, "for this channel's next club is closed")
}

func waitResults(t *testing.T, e *Env, channelID string, n int) []*discordtest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rs := resultMsgs(e, channelID)
		if len(rs) >= n {
			return rs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d poll results in %s after 10 s, want %d:\n%s", len(rs), channelID, n, e.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Nominations → a real Discord poll → votes → the host's moderator ends it
// early → the result is posted once and the club starts on the winner,
// also after a restart; the nominations are spent.
func TestClubPollEndToEnd(t *testing.T) {
	clk := jobstest.NewFakeClock(clubT0)
	var alpha, beta, gamma shelf.StoryRecord
	e := Start(t, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		alpha = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Alpha and the Very Long Title That Will Not Fit in a Poll Answer, Part One", fic.RatingTeen, nil, 4, 4)
		beta = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Beta", fic.RatingTeen, nil, 4, 4)
		gamma = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Gamma", fic.RatingTeen, nil, 2, 2)
	}))
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("poll")); !strings.Contains(ans.Content(), "at least 2 nominations") {
		t.Errorf("poll without nominations: %q", ans.Content())
	}
	nom := e.Slash(e.General, e.Alice, "club", discordtest.Sub("nominate", discordtest.String("story", alpha.ID)))
	if nom.Ephemeral() || !strings.Contains(nom.Content(), "nominated **Alpha") || !strings.Contains(nom.Content(), "1 of 10") {
		t.Errorf("nominate: %q", nom.Content())
	}
	e.Slash(e.General, e.Bob, "club", discordtest.Sub("nominate", discordtest.String("story", gamma.ID)))
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("nominate", discordtest.String("story", gamma.ID))); !strings.Contains(ans.Content(), "already nominated here") {
		t.Errorf("same story twice: %q", ans.Content())
	}
	// Bob changes his mind: his nomination is replaced.
	if ans := e.Slash(e.General, e.Bob, "club", discordtest.Sub("nominate", discordtest.String("story", beta.ID))); !strings.Contains(ans.Content(), "instead of") || !strings.Contains(ans.Content(), "2 of 10") {
		t.Errorf("replace: %q", ans.Content())
	}
	e.Slash(e.General, e.Mod, "club", discordtest.Sub("nominate", discordtest.String("story", gamma.ID)))

	// Bob is neither a host nor a moderator.
	if ans := e.Slash(e.General, e.Bob, "club", discordtest.Sub("poll")); !strings.Contains(ans.Content(), "Manage Threads") {
		t.Errorf("poll by bob: %q", ans.Content())
	}
	ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("poll", discordtest.Int("hours", 48), discordtest.Int("chapters", 2), discordtest.Int("every", 3), discordtest.Bool("gated", true)))
	if !ans.Ephemeral() || !strings.Contains(ans.Content(), "Poll posted") {
		t.Fatalf("poll: %q", ans.Content())
	}
	polls := pollMsgs(e, e.General.ID)
	if len(polls) != 1 {
		t.Fatalf("%d polls posted", len(polls))
	}
	pm := polls[0]
	p := pm.Poll
	if p.AllowMultiselect || p.LayoutType != 1 || len(p.Answers) != 3 || p.Question.Text == "" {
		t.Fatalf("poll object: %+v", p)
	}
	if a := p.Answers[0].Media.Text; len([]rune(a)) > 55 || !strings.HasPrefix(a, "Alpha") || p.Answers[1].Media.Text != "Beta" || p.Answers[2].Media.Text != "Gamma" {
		t.Errorf("answers %q %q %q", a, p.Answers[1].Media.Text, p.Answers[2].Media.Text)
	}
	if !strings.Contains(pm.Raw, `"duration":48`) {
		t.Errorf("poll duration not 48 hours: %s", pm.Raw)
	}
	if am := pm.AllowedMentions; am == nil || len(am.Users) != 0 || len(am.Parse) != 0 {
		t.Errorf("the poll pings: %+v", am)
	}
	ids := pm.CustomIDs()
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "club-pollend:") {
		t.Fatalf("End poll button: %v", ids)
	}
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("poll")); !strings.Contains(ans.Content(), "already has a poll") {
		t.Errorf("second poll: %q", ans.Content())
	}
	// A nomination during the poll waits for the next one.
	if ans := e.Slash(e.General, e.Admin, "club", discordtest.Sub("nominate", discordtest.String("story", alpha.ID))); !strings.Contains(ans.Content(), "already nominated") {
		t.Errorf("nominate a polled story: %q", ans.Content())
	}

	// Votes: Beta 2, Alpha 1.
	for _, v := range []struct {
		who    string
		answer int
	}{{e.Alice.User.ID, 2}, {e.Bob.User.ID, 2}, {e.Mod.User.ID, 1}} {
		if err := e.Srv.Vote(pm.ID, v.who, v.answer); err != nil {
			t.Fatal(err)
		}
	}
	if ans := e.Click(e.Bob, pm, ids[0]); !strings.Contains(ans.Content(), "Only") {
		t.Errorf("bob ends the poll: %q", ans.Content())
	}
	if ended, _ := e.Srv.PollEnded(pm.ID); ended {
		t.Fatal("bob ended the poll")
	}
	clk.Advance(time.Hour)
	if ans := e.Click(e.Mod, pm, ids[0]); !ans.Ephemeral() || !strings.Contains(ans.Content(), "Poll ended") {
		t.Errorf("mod ends the poll: %q", ans.Content())
	}
	rs := waitResults(t, e, e.General.ID, 1)
	r := rs[0]
	if !strings.Contains(r.Content, "**Beta** wins") || !strings.Contains(r.Content, "Beta — 2 votes 🏆") || !strings.Contains(r.Content, "1 vote") ||
		!strings.Contains(r.Content, "ended early by <@"+e.Mod.User.ID+">") || !strings.Contains(r.Content, pm.ID) {
		t.Errorf("result: %q", r.Content)
	}
	if am := r.AllowedMentions; am == nil || len(am.Users) != 0 || len(am.Parse) != 0 {
		t.Errorf("the result pings: %+v", am)
	}
	if ids := r.CustomIDs(); len(ids) != 1 || !strings.HasPrefix(ids[0], "club-join:") {
		t.Errorf("result's Join button: %v", ids)
	}
	if ended, _ := e.Srv.PollEnded(pm.ID); !ended {
		t.Error("the poll still runs on Discord")
	}
	status := e.Slash(e.General, e.Alice, "club", discordtest.Sub("status"))
	if text := status.Original.EmbedText(); !strings.Contains(text, "Reading **Beta**") || !strings.Contains(text, "<@"+e.Mod.User.ID+">") {
		t.Errorf("status after the poll: %q", text)
	}
	if ans := e.Click(e.Mod, pm, ids[0]); !strings.Contains(ans.Content(), "already ended") {
		t.Errorf("end twice: %q", ans.Content())
	}
	settle()
	e.Restart()
	settle()
	if rs := resultMsgs(e, e.General.ID); len(rs) != 1 {
		t.Fatalf("%d results after a restart", len(rs))
	}
	// The polled nominations are spent.
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("poll")); !strings.Contains(ans.Content(), "this channel has 0") {
		t.Errorf("poll after the poll: %q", ans.Content())
	}
}

// A poll whose time passes while the bot is down ends when it is back:
// the counts read from Discord, the result posted once, the club started
// on the earliest nomination of a tie; and the host of the channel's last
// club may poll.
func TestClubPollEndsAcrossRestart(t *testing.T) {
	clk := jobstest.NewFakeClock(clubT0)
	var one, two shelf.StoryRecord
	e := Start(t, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		one = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Same Title", fic.RatingTeen, nil, 3, 3)
		two = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Same Title", fic.RatingTeen, nil, 2, 2)
		// Alice hosted the channel's last club.
		c, err := st.StartClub(t.Context(), e.Guild.ID, shelf.ClubStart{ChannelID: e.General.ID, StoryID: one.ID, HostID: e.Alice.User.ID, PerCheckpoint: 1, EveryDays: 7, Starts: "2026-03-05", Now: clubT0})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.EndClub(t.Context(), e.Guild.ID, c.ID, e.Alice.User.ID, clubT0); err != nil {
			t.Fatal(err)
		}
	}))
	e.Slash(e.General, e.Bob, "club", discordtest.Sub("nominate", discordtest.String("story", two.ID)))
	clk.Advance(time.Minute)
	e.Slash(e.General, e.Alice, "club", discordtest.Sub("nominate", discordtest.String("story", one.ID)))
	if ans := e.Slash(e.General, e.Alice, "club", discordtest.Sub("poll", discordtest.Int("hours", 1))); !strings.Contains(ans.Content(), "Poll posted") {
		t.Fatalf("poll by the last host: %q", ans.Content())
	}
	pm := pollMsgs(e, e.General.ID)[0]
	a, b := pm.Poll.Answers[0].Media.Text, pm.Poll.Answers[1].Media.Text
	if a == b || !strings.HasPrefix(a, "Same Title") || !strings.HasPrefix(b, "Same Title") {
		t.Errorf("answers not told apart: %q %q", a, b)
	}
	e.Srv.Vote(pm.ID, e.Mod.User.ID, 1)
	e.Srv.Vote(pm.ID, e.Admin.User.ID, 2)
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(3 * time.Hour)
	e.Begin()
	rs := waitResults(t, e, e.General.ID, 1)
	// A tie: Bob nominated first, so his story (two) wins.
	if !strings.Contains(rs[0].Content, "wins! The club starts now, hosted by <@"+e.Alice.User.ID+">") || !strings.Contains(rs[0].Content, "1 vote 🏆") {
		t.Errorf("result: %q", rs[0].Content)
	}
	if ended, calls := e.Srv.PollEnded(pm.ID); !ended || calls != 1 {
		t.Errorf("poll ended %v after %d expire calls", ended, calls)
	}
	e.Restart()
	settle()
	if rs := resultMsgs(e, e.General.ID); len(rs) != 1 {
		t.Fatalf("%d results after restarts", len(rs))
	}
	status := e.Slash(e.General, e.Bob, "club", discordtest.Sub("schedule"))
	if text := status.Original.EmbedText(); !strings.Contains(text, "Chapter 2") || strings.Contains(text, "Chapter 3") {
		t.Errorf("the club is not on Bob's nomination (2 chapters): %q", text)
	}
}

// The host ends the poll early; posting the result fails (Discord is
// down) and the bot restarts before it retries: the result is posted
// once, and one club starts. On both engines.
func TestClubPollResultOnceAcrossRestart(t *testing.T) {
	forEachEngine(t, testClubPollResultOnceAcrossRestart)
}

func testClubPollResultOnceAcrossRestart(t *testing.T, db Option) {
	clk := jobstest.NewFakeClock(clubT0)
	var a, b, c shelf.StoryRecord
	e := Start(t, db, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		a = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "First", fic.RatingTeen, nil, 2, 2)
		b = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Second", fic.RatingTeen, nil, 2, 2)
		c = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Host's old read", fic.RatingTeen, nil, 1, 1)
	}))
	// Alice hosts a club, then ends it: she may poll for the next.
	e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", c.ID), discordtest.String("starts", "2026-03-20")))
	e.Slash(e.General, e.Alice, "club", discordtest.Sub("end"))
	e.Slash(e.General, e.Bob, "club", discordtest.Sub("nominate", discordtest.String("story", a.ID)))
	e.Slash(e.General, e.Mod, "club", discordtest.Sub("nominate", discordtest.String("story", b.ID)))
	if ans := e.Slash(e.General, e.Alice, "club", discordtest.Sub("poll", discordtest.String("starts", "2026-03-05"))); !strings.Contains(ans.Content(), "Poll posted") {
		t.Fatalf("poll by the host: %q", ans.Content())
	}
	pm := pollMsgs(e, e.General.ID)[0]
	e.Srv.Vote(pm.ID, e.Bob.User.ID, 2)
	e.Srv.Vote(pm.ID, e.Mod.User.ID, 2)
	// Two failures: the first attempt and the retry the club's start wakes.
	e.Srv.FailNext("POST", "/channels/"+e.General.ID+"/messages", 500, 0, 2)
	if ans := e.Click(e.Alice, pm, pm.CustomIDs()[0]); !strings.Contains(ans.Content(), "Poll ended") {
		t.Fatalf("host ends the poll: %q", ans.Content())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		failed := 0
		for _, r := range e.Srv.Requests() {
			if r.Method == "POST" && r.Path == "/channels/"+e.General.ID+"/messages" && r.Status == 500 {
				failed++
			}
		}
		if failed == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the result was never attempted:\n%s", e.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(resultMsgs(e, e.General.ID)) != 0 {
		t.Fatalf("a result was posted through the failure: %q", resultMsgs(e, e.General.ID)[0].Content)
	}
	e.Restart()
	rs := waitResults(t, e, e.General.ID, 1)
	if !strings.Contains(rs[0].Content, "**Second** wins") || !strings.Contains(rs[0].Content, "ended early by <@"+e.Alice.User.ID+">") {
		t.Errorf("result: %q", rs[0].Content)
	}
	e.Restart()
	settle()
	if rs := resultMsgs(e, e.General.ID); len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	status := e.Slash(e.General, e.Bob, "club", discordtest.Sub("status"))
	if text := status.Original.EmbedText(); !strings.Contains(text, "Reading **Second**") {
		t.Errorf("status: %q", text)
	}
}
