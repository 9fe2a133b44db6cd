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

// In a gated club each checkpoint's thread is private: the host is in it,
// a member who has not reported progress is not, and one is added the
// moment their progress reaches it (by /club progress or "I've read it").
func TestGatedClubThreads(t *testing.T) {
	clk := jobstest.NewFakeClock(clubT0)
	var story shelf.StoryRecord
	e := Start(t, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Spoiler Country", fic.RatingTeen, nil, 3, 3)
	}))
	e.Srv.SetAppPermissions(discordgo.PermissionViewChannel | discordgo.PermissionSendMessages | discordgo.PermissionCreatePublicThreads | discordgo.PermissionManageThreads)
	ans := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID), discordtest.Bool("gated", true)))
	if !strings.Contains(ans.Content(), "I lack Create Private Threads and Send Messages in Threads") {
		t.Errorf("gated without the permissions: %q", ans.Content())
	}
	e.Srv.SetAppPermissions(0)
	start := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID), discordtest.String("starts", "2026-03-02"), discordtest.Bool("gated", true)))
	if start.Ephemeral() {
		t.Fatalf("start: %q", start.Content())
	}
	e.Slash(e.General, e.Bob, "club", discordtest.Sub("join"))
	e.Slash(e.General, e.Mod, "club", discordtest.Sub("join"))

	clk.Set(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	a := waitAnnouncements(t, e, e.General.ID, 1)[0]
	var th discordtest.Thread
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ths := threadsOf(e, e.General.ID); len(ths) == 1 && len(e.Srv.ThreadMembers(ths[0].Channel.ID)) > 0 {
			th = ths[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no private thread with members:\n%s", e.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if th.Channel.Type != discordgo.ChannelTypeGuildPrivateThread || th.StarterMessage != "" {
		t.Fatalf("checkpoint thread %+v is not a private thread of its own", th.Channel)
	}
	if got := e.Srv.ThreadMembers(th.Channel.ID); strings.Join(got, ",") != e.Alice.User.ID {
		t.Fatalf("thread members %v, want only the host", got)
	}
	opening := e.Srv.Messages(th.Channel.ID)
	if len(opening) != 1 || !strings.Contains(opening[0].Content, "Spoilers up to chapter 1") {
		t.Fatalf("thread opening: %+v", opening)
	}
	read := ""
	for _, id := range a.CustomIDs() {
		if strings.HasPrefix(id, "club-read:") {
			read = id
		}
	}
	if read == "" {
		t.Fatalf("no I've read it button: %v", a.CustomIDs())
	}
	if ans := e.Click(e.Bob, a, read); !ans.Ephemeral() || !strings.Contains(ans.Content(), "Noted: you've read up to chapter 1") {
		t.Errorf("I've read it: %q", ans.Content())
	}
	// Bob is added by the button, or by the announcer if he pressed it
	// while the thread was being recorded.
	waitMember(t, e, th.Channel.ID, e.Bob.User.ID)
	if got := e.Srv.ThreadMembers(th.Channel.ID); contains(got, e.Mod.User.ID) {
		t.Fatalf("after bob's button: %v", got)
	}
	settle()
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("progress", discordtest.Int("chapter", 2))); !strings.Contains(ans.Content(), "<#"+th.Channel.ID+">") {
		t.Errorf("progress: %q", ans.Content())
	}
	if got := e.Srv.ThreadMembers(th.Channel.ID); !contains(got, e.Mod.User.ID) {
		t.Fatalf("after mod's progress: %v", got)
	}
	// A restart does not open the thread again.
	e.Restart()
	settle()
	if ths := threadsOf(e, e.General.ID); len(ths) != 1 {
		t.Fatalf("%d threads after a restart", len(ths))
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func waitMember(t *testing.T, e *Env, threadID, userID string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !contains(e.Srv.ThreadMembers(threadID), userID) {
		if time.Now().After(deadline) {
			t.Fatalf("%s not added to thread %s: %v\n%s", userID, threadID, e.Srv.ThreadMembers(threadID), e.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
