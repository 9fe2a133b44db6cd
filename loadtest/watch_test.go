package loadtest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
)

// The Watcher settles an interaction when the member can read its answer:
// the callback itself, or after a deferral the edit of the original or
// the follow-up — not the deletion of the "thinking" message that comes
// before a follow-up of the other visibility. A real discordgo session
// answers each way, with pauses between the steps, and the arrival must
// be the time of the request that carried the answer.
func TestWatcherSettlesOnTheAnswerAMemberSees(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithAnswerWindow(time.Minute))
	g := srv.AddGuild("Watch")
	ch := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	m := srv.AddMember(g.ID, "reader", 0)
	w := NewWatcher(t, srv)

	const pause = 150 * time.Millisecond
	dg, err := discordgo.New("Bot " + srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = srv.HTTPClient()
	dg.LogLevel = -1
	deferral := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	dg.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		i := ic.Interaction
		var err error
		switch i.ApplicationCommandData().Name {
		case "now":
			err = s.InteractionRespond(i, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "at once"}})
		case "edit":
			if err = s.InteractionRespond(i, deferral); err == nil {
				time.Sleep(pause)
				content := "edited in"
				_, err = s.InteractionResponseEdit(i, &discordgo.WebhookEdit{Content: &content})
			}
		case "follow":
			if err = s.InteractionRespond(i, deferral); err == nil {
				if err = s.InteractionResponseDelete(i); err == nil {
					time.Sleep(pause)
					_, err = s.FollowupMessageCreate(i, true, &discordgo.WebhookParams{Content: "privately", Flags: discordgo.MessageFlagsEphemeral})
				}
			}
		}
		if err != nil {
			t.Errorf("answer /%s: %v", i.ApplicationCommandData().Name, err)
		}
	})
	if err := dg.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dg.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		command, method, says string
		path                  func(i *discordgo.Interaction) string // of the request that carries the answer
	}{
		{"now", http.MethodPost, "at once", func(i *discordgo.Interaction) string { return "/interactions/" + i.ID + "/" + i.Token + "/callback" }},
		{"edit", http.MethodPatch, "edited in", func(i *discordgo.Interaction) string { return "/" + i.Token + "/messages/@original" }},
		{"follow", http.MethodPost, "privately", func(i *discordgo.Interaction) string { return "/webhooks/" + i.AppID + "/" + i.Token }},
	} {
		t.Run(tc.command, func(t *testing.T) {
			i := srv.Slash(t, ch.ID, m.User.ID, tc.command)
			arrived := w.Expect(i.ID, i.Token)
			defer w.Forget(i.ID, i.Token)
			p := srv.Send(t, i)
			var got Arrival
			select {
			case got = <-arrived:
			case <-ctx.Done():
				t.Fatal("no arrival")
			}
			// Its arrival was told; check it against the request that
			// carried the answer, once that has been handled.
			atArrival := p.Answer()
			if _, err := p.WaitCtx(ctx, func(a *discordtest.Answer) bool { return strings.Contains(answerText(a), tc.says) }); err != nil {
				t.Fatalf("/%s never answered %q: %v", tc.command, tc.says, err)
			}
			var want time.Time
			for _, r := range srv.Requests() {
				if r.Method == tc.method && strings.HasSuffix(r.Path, tc.path(i)) {
					want = r.At
				}
			}
			if want.IsZero() {
				t.Fatalf("no %s request answered /%s in %v", tc.method, tc.command, srv.Requests())
			}
			if !got.At.Equal(want) || got.Late {
				t.Errorf("/%s counted as arrived at %v (late %v): %v before the request that carried its answer was handled (%v)",
					tc.command, got.At.Format("15:04:05.000"), got.Late, want.Sub(got.At), want.Format("15:04:05.000"))
			}
			if !settled(atArrival) || !strings.Contains(answerText(atArrival), tc.says) {
				t.Errorf("/%s at its arrival: settled %v, says %q; want %q", tc.command, settled(atArrival), answerText(atArrival), tc.says)
			}
		})
	}
}

// A deferral whose "thinking" message was deleted, with no follow-up yet,
// is not an answer the member has read.
func TestSettledNotOnADeletedDeferral(t *testing.T) {
	deleted := &discordtest.Answer{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Original: &discordtest.Message{Deleted: true}}
	if settled(deleted) {
		t.Error("a deleted deferral counts as settled")
	}
	deleted.Followups = []*discordtest.Message{{}}
	if !settled(deleted) {
		t.Error("a deferral followed up does not count as settled")
	}
}
