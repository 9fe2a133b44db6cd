package commands

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/shelf"
)

func TestPollAnswerTextsFitAndStayApart(t *testing.T) {
	long := strings.Repeat("A very long title ", 6)
	titles := []string{long + "one", long + "two", "Short", "short", "Unique"}
	var noms []shelf.Nomination
	for i := range titles {
		noms = append(noms, shelf.Nomination{StoryID: fmt.Sprint(i + 1)})
	}
	got := pollAnswerTexts(titles, noms)
	seen := map[string]bool{}
	for i, g := range got {
		if n := utf8.RuneCountInString(g); n < 1 || n > maxPollAnswer {
			t.Errorf("answer %d is %d characters: %q", i, n, g)
		}
		if seen[strings.ToLower(g)] {
			t.Errorf("answer %q twice", g)
		}
		seen[strings.ToLower(g)] = true
	}
	if got[4] != "Unique" || !strings.HasSuffix(got[0], "(#1)") || !strings.HasSuffix(got[3], "(#4)") {
		t.Errorf("answers %q", got)
	}
}

// A poll of ten nominations with the longest titles, and its results,
// keep every Discord limit.
func TestPollMessagesKeepDiscordLimits(t *testing.T) {
	p := shelf.ClubPoll{ID: "7", GuildID: tGuild, ChannelID: tChannel, MessageID: "900000000000000001", CreatedBy: tAlice, Hours: 768,
		Ends: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Options: shelf.ClubPollOptions{PerCheckpoint: 3, EveryDays: 7, Starts: "2026-03-02"}}
	var titles []string
	var noms []shelf.Nomination
	for i := range shelf.MaxNominations {
		titles = append(titles, strings.Repeat("*Wörds_", 60)+fmt.Sprint(i))
		noms = append(noms, shelf.Nomination{StoryID: fmt.Sprint(i + 1)})
	}
	texts := pollAnswerTexts(titles, noms)
	for i, title := range titles {
		p.Answers = append(p.Answers, shelf.ClubPollAnswer{AnswerID: i + 1, StoryID: fmt.Sprint(i + 1), StoryTitle: title, Text: texts[i],
			NominatedBy: fmt.Sprintf("3%017d", i), NominatedAt: p.Ends, Votes: i})
	}
	m := pollMessage(p)
	if err := discordtest.CheckMessage(m); err != nil {
		t.Fatalf("poll: %v", err)
	}
	if m.Poll.AllowMultiselect || m.Poll.Duration != 768 || len(m.Poll.Answers) != 10 || m.AllowedMentions == nil || len(m.AllowedMentions.Users) != 0 {
		t.Errorf("poll object %+v", m.Poll)
	}
	p.Decided, p.Winner = true, 10
	club := shelf.Club{ID: "3", Name: "Club", StoryTitle: p.Answers[9].StoryTitle, HostID: tAlice, PerCheckpoint: 1, EveryDays: 7, Timezone: "UTC",
		Checkpoints: []shelf.Checkpoint{{Number: 1, First: 1, Last: 1, Opens: p.Ends}}}
	for _, tc := range []struct {
		noClub       string
		club, active *shelf.Club
		want         string
	}{
		{"", &club, nil, "wins! The club starts now"},
		{shelf.NoClubActive, nil, &club, "is still running"},
		{shelf.NoClubNoVotes, nil, nil, "Nobody voted"},
		{shelf.NoClubStoryGone, nil, nil, "removed from the library"},
		{shelf.NoClubPollGone, nil, nil, "deleted"},
		{shelf.NoClubInvalid, nil, nil, "couldn't build its schedule"},
	} {
		q := p
		q.NoClub = tc.noClub
		if tc.noClub == shelf.NoClubNoVotes {
			q.Winner = 0
		}
		r := ClubPollWording{}.Result(q, tc.club, tc.active, p.Ends)
		if err := discordtest.CheckMessage(r); err != nil {
			t.Errorf("%s: %v", tc.noClub, err)
		}
		if !strings.Contains(r.Content, tc.want) || !(ClubPollWording{}).IsResult(discordMsg(r.Content), q) {
			t.Errorf("%s: %q", tc.noClub, r.Content)
		}
	}
}

func discordMsg(content string) *discordgo.Message { return &discordgo.Message{Content: content} }
