package bot_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/discordtest"
)

// One member's progress edits being rate-limited (Discord limits each
// interaction token's webhook route on its own) do not delay another
// member's: each token's edits have their own bucket.
func TestEditInteractionResponseBucketsPerToken(t *testing.T) {
	const retryAfter = 1500 * time.Millisecond
	srv := discordtest.New(t, discordtest.WithAnswerWindow(time.Minute))
	g := srv.AddGuild("Fic Club")
	ch := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	alice, bob := srv.AddMember(g.ID, "alice", 0), srv.AddMember(g.ID, "bob", 0)
	b, err := bot.New(bot.Config{Token: srv.Token, BaseURL: srv.URL, GuildID: g.ID, Logger: quietLogger(),
		Commands: []*discordgo.ApplicationCommand{{Name: "fast", Description: "Fast"}}})
	if err != nil {
		t.Fatal(err)
	}
	runBot(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := srv.WaitCommands(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	// Two members' interactions, answered: their tokens now edit.
	ia, ib := srv.Slash(t, ch.ID, alice.User.ID, "fast"), srv.Slash(t, ch.ID, bob.User.ID, "fast")
	pa, pb := srv.Send(t, ia), srv.Send(t, ib)
	pa.Wait(t)
	pb.Wait(t)
	edit := func(i *discordgo.Interaction, content string) error {
		return b.EditInteractionResponse(ctx, i.AppID, i.Token, &discordgo.WebhookEdit{Content: &content})
	}

	// Alice's edit is told to wait (429, her token's bucket spent).
	srv.FailNext(http.MethodPatch, "/webhooks/"+ia.AppID+"/"+ia.Token, http.StatusTooManyRequests, retryAfter, 1)
	aliceDone := make(chan error, 1)
	go func() { aliceDone <- edit(ia, "Alice: 50%") }()
	for refused := false; !refused; {
		for _, r := range srv.Requests() {
			refused = refused || r.Status == http.StatusTooManyRequests && strings.Contains(r.Path, ia.Token)
		}
		if ctx.Err() != nil {
			t.Fatal("Alice's edit was never refused")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Bob's edit goes at once, while Alice's waits out her limit.
	start := time.Now()
	if err := edit(ib, "Bob: 50%"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > retryAfter/3 {
		t.Errorf("Bob's edit took %v while Alice's token was rate-limited for %v: it waited for hers", took, retryAfter)
	}
	if err := <-aliceDone; err != nil {
		t.Fatalf("Alice's edit after her wait: %v", err)
	}
	if a, b := pa.Answer(), pb.Answer(); a.Content() != "Alice: 50%" || b.Content() != "Bob: 50%" {
		t.Errorf("originals after the edits: %q, %q", a.Content(), b.Content())
	}
}
