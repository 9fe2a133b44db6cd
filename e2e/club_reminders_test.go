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

func reminders(e *Env, channelID string) []*discordtest.Message {
	return channelMsgs(e, channelID, "⏰")
}

// A day before a checkpoint opens, the members behind on the one before
// (and who have not turned reminders off) get one reminder mentioning
// only them, once, also across a restart. On both engines.
func TestClubRemindersOnce(t *testing.T) { forEachEngine(t, testClubRemindersOnce) }

func testClubRemindersOnce(t *testing.T, db Option) {
	clk := jobstest.NewFakeClock(clubT0)
	var story shelf.StoryRecord
	e := Start(t, db, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Slow Burn", fic.RatingTeen, nil, 3, 3)
	}))
	e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID), discordtest.String("starts", "2026-03-02")))
	e.Slash(e.General, e.Bob, "club", discordtest.Sub("join"))
	e.Slash(e.General, e.Mod, "club", discordtest.Sub("join"))
	e.Slash(e.General, e.Admin, "club", discordtest.Sub("join"))
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("reminders", discordtest.Bool("on", false))); !ans.Ephemeral() || !strings.Contains(ans.Content(), "Reminders off") {
		t.Errorf("reminders off: %q", ans.Content())
	}
	clk.Set(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	waitAnnouncements(t, e, e.General.ID, 1)
	e.Slash(e.General, e.Alice, "club", discordtest.Sub("progress", discordtest.Int("chapter", 1)))
	e.Slash(e.General, e.Admin, "club", discordtest.Sub("progress", discordtest.Int("chapter", 2)))
	clk.Set(time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC))
	settle()
	if rs := reminders(e, e.General.ID); len(rs) != 0 {
		t.Fatalf("reminder %q more than a day early", rs[0].Content)
	}
	clk.Set(time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC))
	deadline := time.Now().Add(10 * time.Second)
	for len(reminders(e, e.General.ID)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no reminder:\n%s", e.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	r := reminders(e, e.General.ID)[0]
	if am := r.AllowedMentions; am == nil || len(am.Parse) != 0 || strings.Join(am.Users, ",") != e.Bob.User.ID {
		t.Errorf("reminder pings %+v, want only bob", am)
	}
	if !strings.Contains(r.Content, "<@"+e.Bob.User.ID+">") || strings.Contains(r.Content, e.Mod.User.ID) || !strings.Contains(r.Content, "checkpoint 2 of 3") || !strings.Contains(r.Content, "chapter 1") {
		t.Errorf("reminder: %q", r.Content)
	}
	if !r.EnforceNonce || r.Nonce == "" {
		t.Error("reminder sent without an enforced nonce")
	}
	e.Restart()
	settle()
	if rs := reminders(e, e.General.ID); len(rs) != 1 {
		t.Fatalf("%d reminders after a restart", len(rs))
	}
}

// /mydata export shows a member's nominations and reminders choice, and
// /mydata delete removes them.
func TestMyDataHasClubNominationsAndReminders(t *testing.T) {
	var story shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Nominated", fic.RatingTeen, nil, 2, 2)
	}))
	e.Slash(e.General, e.Bob, "club", discordtest.Sub("nominate", discordtest.String("story", story.ID)))
	e.Slash(e.General, e.Bob, "club", discordtest.Sub("reminders", discordtest.Bool("on", false)))
	raw := func() string {
		a := e.Slash(e.General, e.Bob, "mydata", discordtest.Sub("export"))
		if len(a.Original.Files) != 1 {
			t.Fatalf("export files %v", a.Original.Files)
		}
		return string(a.Original.Files[0].Data)
	}
	if doc := raw(); !strings.Contains(doc, `"club_nominations"`) || !strings.Contains(doc, `"story_title": "Nominated"`) || !strings.Contains(doc, `"club_reminders_off": true`) {
		t.Fatalf("export lacks club data: %s", doc)
	}
	ask := e.Slash(e.General, e.Bob, "mydata", discordtest.Sub("delete"))
	if !strings.Contains(ask.Content(), "nominations") {
		t.Errorf("delete prompt: %q", ask.Content())
	}
	e.Click(e.Bob, ask.Original, "md-del:yes:"+e.Bob.User.ID)
	if doc := raw(); strings.Contains(doc, `"club_nominations"`) || strings.Contains(doc, `"club_reminders_off"`) {
		t.Fatalf("club data left after delete: %s", doc)
	}
}
