package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/jobs/jobstest"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/storetest"
)

// clubT0 is 10:00 UTC on the day before the test clubs start.
var clubT0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// announcements lists the checkpoint announcements in a channel.
func announcements(e *Env, channelID string) []*discordtest.Message {
	return channelMsgs(e, channelID, "is open:")
}

func waitAnnouncements(t *testing.T, e *Env, channelID string, n int) []*discordtest.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		as := announcements(e, channelID)
		if len(as) >= n {
			return as
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d announcements in %s after 10 s, want %d:\n%s", len(as), channelID, n, e.Logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settle gives the scheduler a moment to (wrongly) announce more.
func settle() { time.Sleep(150 * time.Millisecond) }

func TestClubEndToEnd(t *testing.T) { forEachEngine(t, testClubEndToEnd) }

func testClubEndToEnd(t *testing.T, db Option) {
	clk := jobstest.NewFakeClock(clubT0)
	var story shelf.StoryRecord
	e := Start(t, db, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Long Way Round", fic.RatingMature, nil, 5, 5)
	}))

	// Not in a thread.
	if ans := e.Slash(e.Thread, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID))); !strings.Contains(ans.Content(), "text channel") {
		t.Errorf("start in a thread: %q", ans.Content())
	}
	if ans := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID), discordtest.String("starts", "2026-02-01"))); !strings.Contains(ans.Content(), "already passed") {
		t.Errorf("start in the past: %q", ans.Content())
	}
	start := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID),
		discordtest.Int("chapters", 2), discordtest.Int("every", 3), discordtest.String("starts", "2026-03-02"), discordtest.String("name", "Slow Readers")))
	text := start.Original.EmbedText()
	if start.Ephemeral() || !strings.Contains(text, "Slow Readers") || !strings.Contains(text, "midnight, UTC") {
		t.Fatalf("start: %q", text)
	}
	mar2 := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Unix()
	mar5 := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC).Unix()
	mar8 := time.Date(2026, 3, 8, 0, 0, 0, 0, time.UTC).Unix()
	for _, want := range []string{
		fmt.Sprintf("**1.** Chapters 1–2 · <t:%d:D>", mar2),
		fmt.Sprintf("**2.** Chapters 3–4 · <t:%d:D>", mar5),
		fmt.Sprintf("**3.** Chapter 5 · <t:%d:D>", mar8),
	} {
		if !strings.Contains(text, want) {
			t.Errorf("schedule lacks %q:\n%s", want, text)
		}
	}
	join := start.Original.CustomIDs()
	if len(join) != 1 || !strings.HasPrefix(join[0], "club-join:") {
		t.Fatalf("join button: %v", join)
	}
	if ans := e.Slash(e.General, e.Bob, "club", discordtest.Sub("start", discordtest.String("story", story.ID))); !strings.Contains(ans.Content(), "already has a reading club") {
		t.Errorf("second club: %q", ans.Content())
	}

	// Join by button and by command; leave; join again.
	if ans := e.Click(e.Bob, start.Original, join[0]); !ans.Ephemeral() || !strings.Contains(ans.Content(), "Welcome") {
		t.Errorf("join button: %q", ans.Content())
	}
	if ans := e.Slash(e.General, e.Bob, "club", discordtest.Sub("join")); !strings.Contains(ans.Content(), "already in") {
		t.Errorf("join twice: %q", ans.Content())
	}
	e.Slash(e.General, e.Mod, "club", discordtest.Sub("join"))
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("leave")); !strings.Contains(ans.Content(), "You left") {
		t.Errorf("leave: %q", ans.Content())
	}
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("leave")); !strings.Contains(ans.Content(), "not in") {
		t.Errorf("leave twice: %q", ans.Content())
	}
	if ans := e.Slash(e.Lounge, e.Bob, "club", discordtest.Sub("status")); !strings.Contains(ans.Content(), "no reading club") {
		t.Errorf("status elsewhere: %q", ans.Content())
	}

	// Checkpoint 1 opens: announced once, pinging exactly the members, with a thread.
	clk.Set(time.Unix(mar2, 0))
	as := waitAnnouncements(t, e, e.General.ID, 1)
	a := as[0]
	if !strings.Contains(a.Content, "checkpoint 1 of 3") || !strings.Contains(a.Content, "Chapters 1–2") || strings.Contains(a.Content, "offline") {
		t.Errorf("announcement: %q", a.Content)
	}
	if am := a.AllowedMentions; am == nil || len(am.Parse) != 0 || strings.Join(am.Users, ",") != e.Alice.User.ID+","+e.Bob.User.ID {
		t.Errorf("announcement pings %+v; want exactly alice and bob", am)
	}
	if a.Nonce == "" || !a.EnforceNonce {
		t.Errorf("announcement sent without an enforced nonce: %q %v", a.Nonce, a.EnforceNonce)
	}
	waitThreads := func(n int) []discordtest.Thread {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(threadsOf(e, e.General.ID)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("threads %d, want %d", len(threadsOf(e, e.General.ID)), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return threadsOf(e, e.General.ID)
	}
	ths := waitThreads(1)
	if ths[0].StarterMessage != a.ID || ths[0].Channel.Name != "Slow Readers — Chapters 1–2" {
		t.Errorf("checkpoint thread: %+v", ths[0])
	}

	// Progress and status, also from inside the checkpoint thread.
	if ans := e.Slash(e.General, e.Bob, "club", discordtest.Sub("progress", discordtest.Int("chapter", 2))); !strings.Contains(ans.Content(), "caught up") {
		t.Errorf("progress: %q", ans.Content())
	}
	if ans := e.Slash(e.General, e.Mod, "club", discordtest.Sub("progress", discordtest.Int("chapter", 1))); !strings.Contains(ans.Content(), "Join") {
		t.Errorf("progress of a non-member: %q", ans.Content())
	}
	if ans := e.Slash(e.General, e.Bob, "club", discordtest.Sub("progress", discordtest.Int("chapter", 9))); !strings.Contains(ans.Content(), "chapters 1 to 5") {
		t.Errorf("progress past the end: %q", ans.Content())
	}
	cpThread := e.Srv.Channel(ths[0].Channel.ID)
	status := e.Slash(cpThread, e.Alice, "club", discordtest.Sub("status"))
	st := status.Original.EmbedText()
	for _, want := range []string{"Current checkpoint:** 1 of 3, Chapters 1–2", fmt.Sprintf("Next:** Chapters 3–4 on <t:%d:D>", mar5),
		"<@" + e.Bob.User.ID + "> `▰▰▰▰▱▱▱▱▱▱` 2/5 ✓", "<@" + e.Alice.User.ID + "> `▱▱▱▱▱▱▱▱▱▱` 0/5", "Caught up (1):** <@" + e.Bob.User.ID + ">"} {
		if !strings.Contains(st, want) {
			t.Errorf("status lacks %q:\n%s", want, st)
		}
	}

	// A restart does not announce checkpoint 1 again.
	e.Restart()
	settle()
	if n := len(announcements(e, e.General.ID)); n != 1 {
		t.Fatalf("announcements after restart: %d, want 1", n)
	}

	// Checkpoints 2 and 3 in order.
	clk.Set(time.Unix(mar5, 0).Add(time.Minute))
	waitAnnouncements(t, e, e.General.ID, 2)
	clk.Set(time.Unix(mar8, 0).Add(time.Minute))
	as = waitAnnouncements(t, e, e.General.ID, 3)
	for i, a := range as {
		if !strings.Contains(a.Content, fmt.Sprintf("checkpoint %d of 3", i+1)) {
			t.Errorf("announcement %d: %q", i, a.Content)
		}
	}
	waitThreads(3)
	// The thread is recorded just after Discord has it: ask until it shows.
	var sched string
	for try := 0; try < 50; try++ {
		sched = e.Slash(e.General, e.Bob, "club", discordtest.Sub("schedule")).Original.EmbedText()
		if strings.Count(sched, "✅ [discussion]") == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Count(sched, "✅ [discussion]") != 3 {
		t.Errorf("schedule after three checkpoints:\n%s", sched)
	}

	// End: not by a plain member; by the host; history stays.
	if ans := e.Slash(e.General, e.Bob, "club", discordtest.Sub("end")); !strings.Contains(ans.Content(), "Only the host") {
		t.Errorf("end by a member: %q", ans.Content())
	}
	if ans := e.Slash(e.General, e.Alice, "club", discordtest.Sub("end")); ans.Ephemeral() || !strings.Contains(ans.Content(), "has ended after 3 of 3") {
		t.Errorf("end by the host: %q", ans.Content())
	}
	if ans := e.Slash(e.General, e.Alice, "club", discordtest.Sub("status")); !strings.Contains(ans.Content(), "no reading club") {
		t.Errorf("status after end: %q", ans.Content())
	}

	// /mydata export carries the club progress.
	e.Stop()
	s, err := store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := s.ExportMember(context.Background(), e.Guild.ID, e.Bob.User.ID)
	s.Close()
	if err != nil || exp.Other == nil || len(exp.Other.Clubs) == 0 {
		t.Errorf("export: %+v %v", exp.Other, err)
	}
}

func TestClubWorkInProgressExtendsAndMissedCheckpoints(t *testing.T) {
	forEachEngine(t, testClubWorkInProgressExtendsAndMissedCheckpoints)
}

func testClubWorkInProgressExtendsAndMissedCheckpoints(t *testing.T, db Option) {
	clk := jobstest.NewFakeClock(clubT0)
	var story shelf.StoryRecord
	e := Start(t, db, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story = seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Still Writing", fic.RatingGeneral, nil, 3, 0)
	}))
	start := e.Slash(e.General, e.Alice, "club", discordtest.Sub("start", discordtest.String("story", story.ID), discordtest.Int("every", 1)))
	text := start.Original.EmbedText()
	if !strings.Contains(text, "still being posted") || !strings.Contains(text, "**3.** Chapter 3") || strings.Contains(text, "**4.**") {
		t.Fatalf("WIP schedule: %q", text)
	}
	// Starting today: checkpoint 1 opens at once, not late.
	as := waitAnnouncements(t, e, e.General.ID, 1)
	if strings.Contains(as[0].Content, "offline") {
		t.Errorf("first checkpoint of a club started today says late: %q", as[0].Content)
	}

	// The bot is down for three days: checkpoints 2 and 3 are announced
	// when it is back, once each, in order, saying they are late.
	e.Stop()
	clk.Advance(72 * time.Hour)
	// Meanwhile the author posted chapter 4 (imported while the bot ran
	// elsewhere): the club's schedule grows with it.
	s, err := store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	more := storetest.Parts("Still Writing", fic.RatingGeneral, 4, 0)
	more.Finish()
	if _, err := s.UpdateStory(context.Background(), e.Guild.ID, story.ID, more, nil, clk.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	e.Begin()
	waitAnnouncements(t, e, e.General.ID, 4)
	settle()
	as = announcements(e, e.General.ID)
	if len(as) != 4 {
		t.Fatalf("announcements: %d, want 4", len(as))
	}
	for i, a := range as[1:3] {
		if !strings.Contains(a.Content, fmt.Sprintf("checkpoint %d of 4", i+2)) || !strings.Contains(a.Content, "I was offline") {
			t.Errorf("missed checkpoint %d: %q", i+2, a.Content)
		}
	}
	if !strings.Contains(as[3].Content, "checkpoint 4 of 4") || !strings.Contains(as[3].Content, "Chapter 4") || strings.Contains(as[3].Content, "offline") {
		t.Errorf("new chapter's checkpoint: %q", as[3].Content)
	}
	e.Restart()
	settle()
	if n := len(announcements(e, e.General.ID)); n != 4 {
		t.Errorf("announcements after another restart: %d", n)
	}
}

// postAsBot posts a message in channelID through the test server's REST
// API with the bot's token, as the bot would have just before a crash.
func postAsBot(t *testing.T, e *Env, channelID string, body map[string]any) *discordgo.Message {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.Srv.URL+"/api/v10/channels/"+channelID+"/messages", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bot "+e.Srv.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m discordgo.Message
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		t.Fatalf("post as bot: %d %v", resp.StatusCode, err)
	}
	return &m
}

func startThreadAsBot(t *testing.T, e *Env, channelID, messageID string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"name": "started before the crash", "auto_archive_duration": 10080})
	req, _ := http.NewRequest("POST", e.Srv.URL+"/api/v10/channels/"+channelID+"/messages/"+messageID+"/threads", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bot "+e.Srv.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("start thread as bot: %v %v", resp, err)
	}
	resp.Body.Close()
}

// nonceOf is the checkpoint nonce format (commands.checkpointNonce): "ck",
// then guild, club and checkpoint in base 36.
func nonceOf(guild, club string, n int) string {
	g, _ := strconv.ParseUint(guild, 10, 64)
	c, _ := strconv.ParseUint(club, 10, 64)
	return "ck" + strconv.FormatUint(g, 36) + "." + strconv.FormatUint(c, 36) + "." + strconv.Itoa(n)
}

func TestClubCrashBetweenPostingAndRecording(t *testing.T) {
	forEachEngine(t, testClubCrashBetweenPostingAndRecording)
}

func testClubCrashBetweenPostingAndRecording(t *testing.T, db Option) {
	clk := jobstest.NewFakeClock(clubT0)
	var club shelf.Club
	e := Start(t, db, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story := seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Crash Course", fic.RatingGeneral, nil, 2, 2)
		var err error
		club, err = st.StartClub(context.Background(), e.Guild.ID, shelf.ClubStart{ChannelID: e.General.ID, StoryID: story.ID, HostID: e.Alice.User.ID,
			PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-02", Timezone: "UTC", Now: clubT0})
		if err != nil {
			t.Fatal(err)
		}
	}))
	e.Stop()
	// Checkpoint 1: the bot posted the announcement and died before
	// recording it. Checkpoint 2: it posted, recorded the message and
	// started the thread, then died before recording the thread.
	m1 := postAsBot(t, e, e.General.ID, map[string]any{"content": "📖 checkpoint 1 of 2 is open: (posted before the crash)",
		"nonce": nonceOf(e.Guild.ID, club.ID, 1), "enforce_nonce": true, "allowed_mentions": map[string]any{"parse": []string{}}})
	m2 := postAsBot(t, e, e.General.ID, map[string]any{"content": "📖 checkpoint 2 of 2 is open: (posted before the crash)",
		"nonce": nonceOf(e.Guild.ID, club.ID, 2), "enforce_nonce": true, "allowed_mentions": map[string]any{"parse": []string{}}})
	startThreadAsBot(t, e, e.General.ID, m2.ID)
	s, err := store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CheckpointPosted(context.Background(), e.Guild.ID, club.ID, 2, m2.ID, false, clubT0); err != nil {
		t.Fatal(err)
	}
	s.Close()

	clk.Set(time.Date(2026, 3, 3, 0, 1, 0, 0, time.UTC))
	e.Begin()
	deadline := time.Now().Add(10 * time.Second)
	for len(threadsOf(e, e.General.ID)) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	settle()
	if as := announcements(e, e.General.ID); len(as) != 2 || as[0].ID != m1.ID || as[1].ID != m2.ID {
		t.Fatalf("announcements after the crash: %d (want the 2 posted before it)", len(as))
	}
	ths := threadsOf(e, e.General.ID)
	if len(ths) != 2 || ths[0].StarterMessage != m2.ID || ths[1].StarterMessage != m1.ID {
		t.Fatalf("threads: %+v", ths)
	}
	e.Stop()
	s, err = store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _ := s.Club(context.Background(), e.Guild.ID, club.ID)
	for i, cp := range got.Checkpoints {
		if cp.ThreadID == "" || cp.MessageID == "" {
			t.Errorf("checkpoint %d not recorded: %+v", i+1, cp)
		}
	}
	if _, ok, _ := s.NextCheckpointDue(context.Background()); ok {
		t.Error("checkpoints still due")
	}
}

// TestClubThousandCheckpointsInOneMinute: 1,000 clubs (one per channel)
// whose first checkpoints open in the same minute are all announced, each
// once, within 60 s of that minute (run with -v for the figure).
func TestClubThousandCheckpointsInOneMinute(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 clubs: skipped in -short")
	}
	const clubs = 1000
	clk := jobstest.NewFakeClock(clubT0)
	var channels []*discordgo.Channel
	e := Start(t, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story := seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Everyone Reads", fic.RatingGeneral, nil, 3, 3)
		for i := range clubs {
			ch := e.Srv.AddChannel(e.Guild.ID, fmt.Sprintf("club-%d", i), discordgo.ChannelTypeGuildText, false)
			channels = append(channels, ch)
			if _, err := st.StartClub(context.Background(), e.Guild.ID, shelf.ClubStart{ChannelID: ch.ID, StoryID: story.ID, HostID: e.Alice.User.ID,
				PerCheckpoint: 1, EveryDays: 7, Starts: "2026-03-02", Timezone: "UTC", Now: clubT0}); err != nil {
				t.Fatal(err)
			}
		}
	}))
	due := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	begin := time.Now()
	clk.Set(due.Add(30 * time.Second)) // within the minute
	deadline := begin.Add(90 * time.Second)
	for len(e.Srv.Threads()) < clubs {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d threads after 90 s", len(e.Srv.Threads()), clubs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(begin)
	settle()
	for _, ch := range channels {
		if n := len(announcements(e, ch.ID)); n != 1 {
			t.Fatalf("channel %s has %d announcements", ch.Name, n)
		}
	}
	if n := len(e.Srv.Threads()); n != clubs {
		t.Errorf("threads: %d", n)
	}
	t.Logf("1,000 checkpoints announced with threads in %v (limit 60 s)", took.Round(time.Millisecond))
	if took > 60*time.Second {
		t.Errorf("took %v, over 60 s", took)
	}
}

func TestClubEndsWhenItsChannelIsDeleted(t *testing.T) {
	clk := jobstest.NewFakeClock(clubT0)
	var club shelf.Club
	e := Start(t, WithNow(clk.Now), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		story := seedFic(t, st, e.Guild.ID, e.Alice.User.ID, "Nowhere", fic.RatingGeneral, nil, 3, 3)
		var err error
		club, err = st.StartClub(context.Background(), e.Guild.ID, shelf.ClubStart{ChannelID: e.Lounge.ID, StoryID: story.ID, HostID: e.Alice.User.ID,
			PerCheckpoint: 1, EveryDays: 1, Starts: "2026-03-02", Timezone: "UTC", Now: clubT0})
		if err != nil {
			t.Fatal(err)
		}
	}))
	e.Srv.DeleteChannel(e.Lounge.ID)
	clk.Set(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(e.Logs(), "club ended: its channel is gone") {
		if time.Now().After(deadline) {
			t.Fatal("the club did not end")
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.Stop()
	s, err := store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.Club(context.Background(), e.Guild.ID, club.ID); got.Active() {
		t.Error("club still active")
	}
	if _, ok, _ := s.NextCheckpointDue(context.Background()); ok {
		t.Error("checkpoints of a deleted channel still due")
	}
}
