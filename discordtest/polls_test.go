package discordtest

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func TestValidatePoll(t *testing.T) {
	ok := `{"poll":{"question":{"text":"What next?"},"answers":[{"poll_media":{"text":"A"}},{"poll_media":{"text":"B"}}],"duration":24,"allow_multiselect":false,"layout_type":1}}`
	if ps := ValidateNewMessageJSON([]byte(ok), false); len(ps) != 0 {
		t.Fatalf("a good poll: %v", ps)
	}
	long := strings.Repeat("x", 56)
	for name, body := range map[string]string{
		"question too long": `{"poll":{"question":{"text":"` + strings.Repeat("q", 301) + `"},"answers":[{"poll_media":{"text":"A"}}]}}`,
		"no question":       `{"poll":{"answers":[{"poll_media":{"text":"A"}}]}}`,
		"answer too long":   `{"poll":{"question":{"text":"Q"},"answers":[{"poll_media":{"text":"` + long + `"}}]}}`,
		"no answers":        `{"poll":{"question":{"text":"Q"},"answers":[]}}`,
		"eleven answers":    `{"poll":{"question":{"text":"Q"},"answers":[` + strings.Repeat(`{"poll_media":{"text":"A"}},`, 10) + `{"poll_media":{"text":"Z"}}]}}`,
		"same answers":      `{"poll":{"question":{"text":"Q"},"answers":[{"poll_media":{"text":"A"}},{"poll_media":{"text":"A"}}]}}`,
		"duration 769":      `{"poll":{"question":{"text":"Q"},"answers":[{"poll_media":{"text":"A"}}],"duration":769}}`,
		"duration 0":        `{"poll":{"question":{"text":"Q"},"answers":[{"poll_media":{"text":"A"}}],"duration":0}}`,
		"layout 2":          `{"poll":{"question":{"text":"Q"},"answers":[{"poll_media":{"text":"A"}}],"layout_type":2}}`,
	} {
		if ps := ValidateNewMessageJSON([]byte(body), false); len(ps) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPollVotesResultsAndExpire(t *testing.T) {
	srv := New(t)
	g := srv.AddGuild("Fic Club")
	ch := srv.AddChannel(g.ID, "club", discordgo.ChannelTypeGuildText, false)
	ana := srv.AddMember(g.ID, "ana", 0)
	ben := srv.AddMember(g.ID, "ben", 0)
	dg := restSession(t, srv)
	msg, err := dg.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{Poll: &discordgo.Poll{
		Question: discordgo.PollMedia{Text: "Next?"}, Duration: 1, LayoutType: discordgo.PollLayoutTypeDefault,
		Answers: []discordgo.PollAnswer{{Media: &discordgo.PollMedia{Text: "A"}}, {Media: &discordgo.PollMedia{Text: "B"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Poll == nil || len(msg.Poll.Answers) != 2 || msg.Poll.Answers[1].AnswerID != 2 || msg.Poll.Expiry == nil {
		t.Fatalf("poll as sent back: %+v", msg.Poll)
	}
	if err := srv.Vote(msg.ID, ana.User.ID, 1, 2); err == nil {
		t.Fatal("two answers on a one-vote poll")
	}
	if err := srv.Vote(msg.ID, ana.User.ID, 3); err == nil {
		t.Fatal("a vote for no answer")
	}
	for _, v := range []struct {
		user string
		a    int
	}{{ana.User.ID, 1}, {ben.User.ID, 1}, {ben.User.ID, 2}} { // ben changes his mind
		if err := srv.Vote(msg.ID, v.user, v.a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := dg.ChannelMessage(ch.ID, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r := got.Poll.Results; r == nil || r.Finalized || len(r.AnswerCounts) != 2 || r.AnswerCounts[0].Count != 1 || r.AnswerCounts[1].Count != 1 {
		t.Fatalf("results while open: %+v", got.Poll.Results)
	}
	voters, err := dg.PollAnswerVoters(ch.ID, msg.ID, 2)
	if err != nil || len(voters) != 1 || voters[0].ID != ben.User.ID {
		t.Fatalf("voters of answer 2 = %v, %v", voters, err)
	}
	if _, err := dg.PollExpire(ch.ID, msg.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.PollExpire(ch.ID, msg.ID); err == nil {
		t.Fatal("expired twice")
	}
	if ended, calls := srv.PollEnded(msg.ID); !ended || calls != 2 {
		t.Fatalf("ended %v after %d calls", ended, calls)
	}
	got, _ = dg.ChannelMessage(ch.ID, msg.ID)
	if r := got.Poll.Results; r == nil || !r.Finalized {
		t.Fatalf("results after expire: %+v", r)
	}
	if err := srv.Vote(msg.ID, ana.User.ID, 2); err == nil {
		t.Fatal("voted on an ended poll")
	}
	plain, _ := dg.ChannelMessageSend(ch.ID, "no poll")
	if _, err := dg.PollExpire(ch.ID, plain.ID); err == nil {
		t.Fatal("expired a message without a poll")
	}
}
