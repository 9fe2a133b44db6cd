package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/jobs/jobstest"
	"ficshelf/shelf"
)

// uncompleted counts a guild's scheduled and active events.
func uncompleted(evs []discordgo.GuildScheduledEvent) int {
	n := 0
	for _, ev := range evs {
		if ev.Status == discordgo.GuildScheduledEventStatusScheduled || ev.Status == discordgo.GuildScheduledEventStatusActive {
			n++
		}
	}
	return n
}

func waitEvents(t *testing.T, e *Env, n int) []discordgo.GuildScheduledEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs := e.Srv.ScheduledEvents(e.Guild.ID)
		if len(evs) == n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d scheduled events after 10 s, want %d: %+v\n%s", len(evs), n, evs, e.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// An events club shows its next checkpoint as a server event, created when
// the one before opens, never holding more than two, all gone with the
// club; without Manage Events it says so. On both engines.
func TestClubEvents(t *testing.T) { forEachEngine(t, testClubEvents) }

func testClubEvents(t *testing.T, db Option) {
	clk := jobstest.NewFakeClock(clubT0)
	var story shelf.StoryRecord
	e := Start(t, db, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Calendar Girls", fic.RatingTeen, nil, 3, 3)
	}))
	e.Srv.SetAppPermissions(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionCreatePublicThreads)
	if ans := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID), discordtest.Bool("events", true))); !strings.Contains(ans.Content(), "Manage Events") {
		t.Errorf("events without Manage Events: %q", ans.Content())
	}
	e.Srv.SetAppPermissions(0)
	start := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID), discordtest.Int("every", 1), discordtest.String("starts", "2026-03-02"), discordtest.Bool("events", true)))
	if !strings.Contains(start.Original.EmbedText(), "server event") {
		t.Errorf("start: %q", start.Original.EmbedText())
	}
	evs := waitEvents(t, e, 1)
	ev := evs[0]
	mar2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if !strings.Contains(ev.Name, "Chapter 1") || ev.EntityType != discordgo.GuildScheduledEventEntityTypeExternal || ev.PrivacyLevel != 2 ||
		ev.EntityMetadata.Location != "#general" || !ev.ScheduledStartTime.Equal(mar2) || ev.ScheduledEndTime == nil || !ev.ScheduledEndTime.After(mar2) {
		t.Fatalf("first event %+v", ev)
	}
	clk.Set(mar2)
	waitAnnouncements(t, e, e.General.ID, 1)
	evs = waitEvents(t, e, 2)
	if evs[0].Status != discordgo.GuildScheduledEventStatusActive || !strings.Contains(evs[1].Name, "Chapter 2") || uncompleted(evs) != 2 {
		t.Fatalf("after checkpoint 1 opened: %+v", evs)
	}
	clk.Set(mar2.Add(24 * time.Hour))
	waitAnnouncements(t, e, e.General.ID, 2)
	evs = waitEvents(t, e, 3)
	if evs[0].Status != discordgo.GuildScheduledEventStatusCompleted || uncompleted(evs) != 2 {
		t.Fatalf("after checkpoint 2 opened: %+v", evs)
	}
	e.Restart()
	settle()
	if evs := e.Srv.ScheduledEvents(e.Guild.ID); len(evs) != 3 {
		t.Fatalf("%d events after a restart", len(evs))
	}
	e.Slash(e.General, e.Alice, "club", discordtest.Sub("end"))
	waitEvents(t, e, 0)
}
