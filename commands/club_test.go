package commands

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/discordtest/fakes"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

const (
	tGuild   = "100000000000000001"
	tChannel = "600000000000000006"
	tAlice   = "300000000000000003"
)

func TestAnnouncementPingsOnlyMembers(t *testing.T) {
	club := shelf.Club{ID: "1", Name: "*Club*", StoryTitle: "T", Checkpoints: []shelf.Checkpoint{{Number: 1, First: 1, Last: 2}, {Number: 2, First: 3, Last: 3}}}
	var members []shelf.ClubMember
	for i := range 120 {
		members = append(members, shelf.ClubMember{UserID: fmt.Sprintf("1%017d", i)})
	}
	m := announcement(club, club.Checkpoints[0], members, true)
	if n := len(m.AllowedMentions.Users); n < 60 || n > maxPings || len(m.AllowedMentions.Parse) != 0 {
		t.Errorf("pings %d users, parse %v", len(m.AllowedMentions.Users), m.AllowedMentions.Parse)
	}
	if !strings.Contains(m.Content, "more") || !strings.Contains(m.Content, "I was offline") || !strings.Contains(m.Content, `\*Club\*`) {
		t.Errorf("content: %q", m.Content)
	}
	if n := len([]rune(m.Content)); n > 2000 {
		t.Errorf("announcement is %d characters", n)
	}
	if err := discordtest.CheckMessage(m); err != nil {
		t.Errorf("invalid announcement: %v", err)
	}
}

func TestClubBarAndSpans(t *testing.T) {
	for _, tc := range []struct {
		read, total int
		want        string
	}{{0, 5, "▱▱▱▱▱▱▱▱▱▱"}, {2, 5, "▰▰▰▰▱▱▱▱▱▱"}, {5, 5, "▰▰▰▰▰▰▰▰▰▰"}, {1, 0, "▰▰▰▰▰▰▰▰▰▰"}} {
		if got := clubBar(tc.read, tc.total); got != tc.want {
			t.Errorf("clubBar(%d, %d) = %s, want %s", tc.read, tc.total, got, tc.want)
		}
	}
	if got := chapterSpan(shelf.Checkpoint{First: 3, Last: 3}); got != "Chapter 3" {
		t.Error(got)
	}
	if got := chapterSpan(shelf.Checkpoint{First: 3, Last: 5}); got != "Chapters 3–5" {
		t.Error(got)
	}
}

// clubRouter is a router with only the club family over st, at now, in
// ordinary text channels.
func clubRouter(st shelf.Store, now time.Time) *Router {
	c := newCmds(Deps{Store: st, Discord: &fakes.Discord{}, Now: func() time.Time { return now }})
	r := NewRouter(nil)
	c.registerClub(r)
	return r
}

// A club on a story longer than a club's schedule keeps says so where it
// starts, in /club status, /club schedule and /club progress, and tells
// the host how to schedule the whole story.
func TestClubOnAVeryLongStorySaysWhatItKept(t *testing.T) {
	st := storetest.Open(t)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	r := clubRouter(st, now)
	long := addWork(t, st, "The Endless Saga", 1200, 0, tAlice, false)
	text := func(resp *discordgo.InteractionResponse) string {
		var b strings.Builder
		b.WriteString(resp.Data.Content)
		for _, e := range resp.Data.Embeds {
			b.WriteString("\n" + e.Description)
		}
		return b.String()
	}
	// A schedule of 1,000 checkpoints is more than one message holds: the
	// bot spreads it over follow-ups, so the answer is not checked here.
	raw := func(i *discordgo.Interaction) *discordgo.InteractionResponse {
		t.Helper()
		resp, err := r.HandleInteraction(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	start := text(raw(slash(tAlice, "club", "start", strOpt("story", long.ID))))
	for _, want := range []string{
		"A club keeps at most 1,000 checkpoints, so this schedule covers chapters 1–1,000 of the story's 1,200.",
		"start it again with `chapters:2` or more",
	} {
		if !strings.Contains(start, want) {
			t.Errorf("start lacks %q:\n%s", want, start)
		}
	}
	if strings.Contains(start, "new checkpoints are added") {
		t.Errorf("a full schedule promises to grow:\n%s", start)
	}
	club, err := st.ActiveClub(context.Background(), testGuild, plainChannel)
	if err != nil {
		t.Fatal(err)
	}
	if len(club.Checkpoints) != shelf.MaxCheckpoints || club.Chapters() != 1000 {
		t.Fatalf("club has %d checkpoints to chapter %d", len(club.Checkpoints), club.Chapters())
	}
	if got := text(handle(t, r, slash(tAlice, "club", "status"))); !strings.Contains(got, "covers chapters 1–1,000 of the story's 1,200") {
		t.Errorf("status:\n%s", got)
	}
	if got := text(raw(slash(tAlice, "club", "schedule"))); !strings.Contains(got, "covers chapters 1–1,000 of the story's 1,200") {
		t.Errorf("schedule:\n%s", got[:min(len(got), 600)])
	}
	if got := text(handle(t, r, slash(tAlice, "club", "progress", intOpt("chapter", 1100)))); !strings.Contains(got, "covers chapters 1 to 1,000: a club keeps at most 1,000 checkpoints") {
		t.Errorf("progress past the schedule: %s", got)
	}

	// A story the schedule covers says nothing of the kind.
	short := addWork(t, st, "Short Tale", 3, 3, tAlice, false)
	other := slash(tAlice, "club", "start", strOpt("story", short.ID))
	other.ChannelID = "800000000000000009"
	if got := text(handle(t, r, other)); strings.Contains(got, "at most") {
		t.Errorf("a short club says it was cut:\n%s", got)
	}
}

func TestWholeStoryHint(t *testing.T) {
	full := shelf.Club{Checkpoints: make([]shelf.Checkpoint, shelf.MaxCheckpoints)}
	full.Checkpoints[len(full.Checkpoints)-1].Last = 1000
	if got := wholeStoryHint(full, 2500); !strings.Contains(got, "`chapters:3`") {
		t.Errorf("hint for 2,500 chapters: %q", got)
	}
	if got := wholeStoryHint(full, 200_000); !strings.Contains(got, "won't fit") {
		t.Errorf("hint for 200,000 chapters: %q", got)
	}
	if got := wholeStoryHint(full, 1000); got != "" {
		t.Errorf("hint for a schedule covering the story: %q", got)
	}
}

func TestMentionListCountsWhomItLeavesOut(t *testing.T) {
	var ms []string
	for i := range 100 {
		ms = append(ms, fmt.Sprintf("<@1%017d>", i))
	}
	got := mentionList(ms, maxCaughtUpText)
	if len(got) > maxCaughtUpText {
		t.Errorf("%d characters, over %d", len(got), maxCaughtUpText)
	}
	shown := strings.Count(got, "<@")
	if shown == 0 || strings.Count(got, "<@") != strings.Count(got, ">") || !strings.HasSuffix(got, fmt.Sprintf(" and %d more", 100-shown)) {
		t.Errorf("mentionList: %q", got)
	}
	if got := mentionList(ms[:3], maxCaughtUpText); got != strings.Join(ms[:3], " ") {
		t.Errorf("a short list: %q", got)
	}
}

// Every checkpoint has its line in the schedule, however long the lines
// (done checkpoints link their threads): no embed is cut by Discord.
func TestScheduleEmbedsKeepEveryLine(t *testing.T) {
	club := shelf.Club{ID: "1", GuildID: tGuild, Name: "Long Haul", StoryTitle: "Saga", HostID: tAlice, PerCheckpoint: 1, EveryDays: 1, Timezone: "UTC"}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 300; i++ {
		club.Checkpoints = append(club.Checkpoints, shelf.Checkpoint{Number: i, First: i, Last: i, Opens: t0.AddDate(0, 0, i), ThreadID: fmt.Sprintf("9%017d", i)})
	}
	embeds := scheduleEmbeds(club, true, 300, t0.AddDate(2, 0, 0), "")
	all := ""
	for i, e := range embeds {
		if n := textLen(e.Description); n > maxScheduleText+200 {
			t.Errorf("embed %d: %d characters", i, n)
		}
		all += e.Description + "\n"
	}
	for i := 1; i <= 300; i++ {
		if !strings.Contains(all, fmt.Sprintf("**%d.** Chapter %d ·", i, i)) {
			t.Errorf("checkpoint %d has no line", i)
		}
	}
}
