package e2e

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/config"
	"ficshelf/discordtest"
	"ficshelf/fic/ao3test"
)

// subscribeEnv starts the bot against a fake AO3 holding one work in
// progress (3 chapters so far), checked every 200 ms, and adds the work
// to the library by link. It returns the work's ID and the card's answer.
func subscribeEnv(t *testing.T, db Option) (*Env, *ao3test.Server, int64, *discordtest.Answer) {
	t.Helper()
	ao3 := ao3test.New(t)
	w := ao3.AddWork(ao3test.Work{Title: "Tidewater Letters", Authors: []string{"saltmarsh"}, Rating: "General Audiences",
		Warnings: []string{"No Archive Warnings Apply"}, Fandoms: []string{"Original Work"}, Summary: "Letters across a flooded coast.",
		Posted: 3, Words: 9000})
	e := Start(t, db, WithAO3(ao3.URL), WithConfig(func(_ *Env, c *config.Config) {
		c.AO3CheckEvery = 200 * time.Millisecond
		c.AO3RequestGap = 20 * time.Millisecond
	}))
	a := e.Slash(e.General, e.Mod, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/"+subItoa(w.ID))))
	wantCard(t, "add by link", a, "Tidewater Letters")
	return e, ao3, w.ID, a
}

func subItoa(v int64) string { return strconv.FormatInt(v, 10) }

// subWaitUntil polls cond every 50 ms for up to 10 s.
func subWaitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func subAlertsIn(e *Env, channelID string) []*discordtest.Message {
	var out []*discordtest.Message
	for _, m := range e.Srv.Messages(channelID) {
		if strings.Contains(m.Content, "updated on AO3") {
			out = append(out, m)
		}
	}
	return out
}

// TestSubscribeAlertInUpdatesChannel: a subscribed work in progress gains
// a chapter on AO3; the updates channel gets one post mentioning only its
// subscribers, the card is updated, and later checks post nothing more.
func TestSubscribeAlertInUpdatesChannel(t *testing.T) {
	forEachEngine(t, testSubscribeAlertInUpdatesChannel)
}

func testSubscribeAlertInUpdatesChannel(t *testing.T, db Option) {
	e, ao3, id, card := subscribeEnv(t, db)
	set := e.Slash(e.General, e.Admin, "settings", discordtest.Sub("updates-channel", discordtest.ChannelOpt("channel", e.Lounge.ID)))
	if !strings.Contains(set.Content(), e.Lounge.ID) {
		t.Fatalf("updates channel: %q", set.Content())
	}
	a := e.Slash(e.General, e.Alice, "subscribe", discordtest.Sub("add", discordtest.String("story", "Tidewater Letters")))
	if !a.Ephemeral() || !strings.Contains(a.Content(), "Subscribed to **Tidewater Letters**") {
		t.Fatalf("subscribe: %q", a.Content())
	}
	// Bob follows it from the card's button; pressed again, it offers to
	// unsubscribe.
	subID := ""
	for _, cid := range card.Original.CustomIDs() {
		if strings.HasPrefix(cid, "sub:") {
			subID = cid
		}
	}
	if subID == "" {
		t.Fatalf("card of an AO3 work has no Subscribe button: %v", card.Original.CustomIDs())
	}
	if b := e.Click(e.Bob, card.Original, subID); !b.Ephemeral() || !strings.Contains(b.Content(), "Subscribed") {
		t.Fatalf("button: %q", b.Content())
	}
	if b := e.Click(e.Bob, card.Original, subID); !b.Ephemeral() || !strings.Contains(b.Content(), "already subscribed") ||
		b.Data == nil || len(b.Data.Components) == 0 {
		t.Fatalf("button again: %q", b.Content())
	}
	// A club reads it in #general, one chapter a week.
	club := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", "Tidewater Letters")))
	if club.Ephemeral() {
		t.Fatalf("club start: %q", club.Content())
	}
	// Wait for the first check, then AO3 posts chapter 4.
	subWaitUntil(t, "the work is checked", func() bool {
		return strings.Contains(e.Slash(e.General, e.Alice, "subscribe", discordtest.Sub("list")).Content(), "last checked")
	})
	ao3.AddChapter(id, 2500)
	alert := e.Srv.WaitMessage(t, e.Lounge.ID, func(m *discordtest.Message) bool { return strings.Contains(m.Content, "updated on AO3") })
	if !strings.Contains(alert.Content, "1 new chapter (4/?)") || !strings.Contains(alert.Content, "/story add") {
		t.Errorf("alert %q", alert.Content)
	}
	want := []string{e.Alice.User.ID, e.Bob.User.ID}
	slices.Sort(want)
	if alert.AllowedMentions == nil || !slices.Equal(alert.AllowedMentions.Users, want) || len(alert.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed mentions %+v, want only the subscribers %v", alert.AllowedMentions, want)
	}
	if strings.Contains(alert.Content, e.Mod.User.ID) {
		t.Errorf("the alert mentions the adder, who did not subscribe: %q", alert.Content)
	}
	if len(alert.Embeds) == 0 || field(alert, "Chapters") != "4/?" {
		t.Errorf("alert card %+v", alert.Embeds)
	}
	// Several more checks: nothing new, nothing posted; nobody got a DM.
	checks := ao3.Count("/works/" + subItoa(id))
	subWaitUntil(t, "two more checks", func() bool { return ao3.Count("/works/"+subItoa(id)) >= checks+2 })
	if n := len(subAlertsIn(e, e.Lounge.ID)); n != 1 {
		t.Errorf("%d alerts in the updates channel, want 1", n)
	}
	if n := len(e.Srv.DMs(e.Alice.User.ID)); n != 0 {
		t.Errorf("%d DMs with an updates channel set", n)
	}
	info := e.Slash(e.General, e.Alice, "story", storySub("info", discordtest.String("story", "Tidewater Letters")))
	if info.Original == nil || field(info.Original, "Chapters") != "4/?" {
		t.Errorf("card after the check: %q", field(info.Original, "Chapters"))
	}
	// The club's schedule grew to the new chapter.
	sched := e.Slash(e.General, e.Alice, "club", discordtest.Sub("schedule"))
	if sched.Original == nil || len(sched.Original.Embeds) == 0 || !strings.Contains(sched.Original.Embeds[0].Description, "**4.**") {
		t.Errorf("club schedule after the new chapter: %+v", sched.Original)
	}
	// Exactly once also across a restart.
	e.Restart()
	checks = ao3.Count("/works/" + subItoa(id))
	subWaitUntil(t, "checks after the restart", func() bool { return ao3.Count("/works/"+subItoa(id)) >= checks+2 })
	if n := len(subAlertsIn(e, e.Lounge.ID)); n != 1 {
		t.Errorf("%d alerts after a restart, want 1", n)
	}
}

// TestSubscribeAlertByDirectMessage: without an updates channel each
// subscriber gets a direct message; a member whose direct messages are
// closed is not retried and /subscribe list tells them.
func TestSubscribeAlertByDirectMessage(t *testing.T) {
	forEachEngine(t, testSubscribeAlertByDirectMessage)
}

func testSubscribeAlertByDirectMessage(t *testing.T, db Option) {
	e, ao3, id, _ := subscribeEnv(t, db)
	for _, m := range []*discordgo.Member{e.Alice, e.Bob} {
		if a := e.Slash(e.General, m, "subscribe", discordtest.Sub("add", discordtest.String("story", "Tidewater Letters"))); !strings.Contains(a.Content(), "by direct message") {
			t.Fatalf("subscribe: %q", a.Content())
		}
	}
	e.Srv.SetDMsClosed(e.Bob.User.ID, true)
	subWaitUntil(t, "the work is checked", func() bool {
		return strings.Contains(e.Slash(e.General, e.Alice, "subscribe", discordtest.Sub("list")).Content(), "last checked")
	})
	ao3.AddChapter(id, 1800)
	dm := e.Srv.WaitDM(t, e.Alice.User.ID, func(m *discordtest.Message) bool { return strings.Contains(m.Content, "updated on AO3") })
	if !strings.Contains(dm.Content, "1 new chapter (4/?)") {
		t.Errorf("DM %q", dm.Content)
	}
	subWaitUntil(t, "Bob's list says alerts could not reach him", func() bool {
		return strings.Contains(e.Slash(e.General, e.Bob, "subscribe", discordtest.Sub("list")).Content(), "could not reach you by direct message")
	})
	checks := ao3.Count("/works/" + subItoa(id))
	subWaitUntil(t, "two more checks", func() bool { return ao3.Count("/works/"+subItoa(id)) >= checks+2 })
	if n := e.Srv.DMRefusals(e.Bob.User.ID); n != 1 {
		t.Errorf("%d refused DMs to Bob, want 1 (not retried)", n)
	}
	if n := len(e.Srv.DMs(e.Alice.User.ID)); n != 1 {
		t.Errorf("%d DMs to Alice, want 1", n)
	}
	for _, ch := range []string{e.General.ID, e.Lounge.ID} {
		if n := len(subAlertsIn(e, ch)); n != 0 {
			t.Errorf("%d alerts posted in a channel without an updates channel set", n)
		}
	}
	if list := e.Slash(e.General, e.Alice, "subscribe", discordtest.Sub("list")).Content(); !strings.Contains(list, "chapters 4/?") || strings.Contains(list, "could not reach") {
		t.Errorf("Alice's list %q", list)
	}
}
