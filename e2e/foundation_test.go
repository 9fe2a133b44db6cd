package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/commands"
	"ficshelf/discordtest"
)

func TestConnectsRegistersAndAnswersHelp(t *testing.T) {
	e := Start(t)
	cmds := e.Srv.Commands("")
	if len(cmds) == 0 {
		t.Fatal("no commands registered globally")
	}
	want, _ := json.Marshal(commands.New(commands.Deps{}).Definitions())
	var wantDefs []*discordgo.ApplicationCommand
	json.Unmarshal(want, &wantDefs)
	if len(cmds) != len(wantDefs) {
		t.Errorf("registered %d commands, ficshelf commands prints %d", len(cmds), len(wantDefs))
	}
	start := time.Now()
	ans := e.Slash(e.General, e.Alice, "help")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("/help took %v", took)
	}
	if ans.Deferred() || !ans.Ephemeral() {
		t.Errorf("/help: deferred=%v ephemeral=%v; want an immediate ephemeral answer", ans.Deferred(), ans.Ephemeral())
	}
	if text := ans.Original.EmbedText(); !strings.Contains(text, "/help") {
		t.Errorf("/help text = %q", text)
	}
}

func TestSurvivesReconnectInvalidSessionAndDrops(t *testing.T) {
	e := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	e.Srv.Reconnect() // op 7: discordgo reconnects and resumes
	if err := e.Srv.WaitResumed(ctx, 1); err != nil {
		t.Fatalf("after op 7: %v", err)
	}
	if ans := e.Slash(e.General, e.Alice, "help"); !ans.Ephemeral() {
		t.Error("no answer after op 7")
	}

	identifies := e.Srv.Identifies()
	e.Srv.InvalidateSession() // op 9: identify again
	if err := e.Srv.WaitIdentified(ctx, identifies+1); err != nil {
		t.Fatalf("after op 9: %v", err)
	}
	if err := e.Srv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if ans := e.Slash(e.General, e.Bob, "help"); !ans.Ephemeral() {
		t.Error("no answer after op 9")
	}

	resumes := e.Srv.Resumes()
	e.Srv.DropConnections() // abrupt drop: reconnect and resume
	if err := e.Srv.WaitResumed(ctx, resumes+1); err != nil {
		t.Fatalf("after a dropped connection: %v", err)
	}
	if err := e.Srv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if ans := e.Slash(e.General, e.Alice, "help"); !ans.Ephemeral() {
		t.Error("no answer after a dropped connection")
	}
}

func TestRestartKeepsServing(t *testing.T) {
	e := Start(t)
	e.Restart()
	if ans := e.Slash(e.General, e.Alice, "help"); !ans.Ephemeral() {
		t.Error("no answer after a restart")
	}
}

func TestValidatorRejectsInvalidPayload(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithoutFailing())
	g := srv.AddGuild("g")
	ch := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	m := srv.AddMember(g.ID, "m", 0)
	// A handler that answers with a 2,001-character title, bypassing the
	// bot's fitting by sending through the raw session.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := bot.New(bot.Config{Token: srv.Token, BaseURL: srv.URL, Commands: []*discordgo.ApplicationCommand{{Name: "bad", Description: "sends an invalid payload"}}})
	if err != nil {
		t.Fatal(err)
	}
	sent := make(chan error, 1)
	h := bot.HandlerFunc(func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		sent <- b.Session().InteractionRespond(i, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{{Title: strings.Repeat("x", 300)}}},
		})
		return commands.Ephemeral("done"), nil
	})
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, h) }()
	defer func() { cancel(); <-done }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := srv.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	srv.Send(t, srv.Slash(t, ch.ID, m.User.ID, "bad"))
	select {
	case err := <-sent:
		if err == nil || !strings.Contains(err.Error(), "50035") {
			t.Errorf("invalid payload answered %v; want 400 / 50035", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("handler never ran")
	}
	if len(srv.Violations()) == 0 {
		t.Error("the validator recorded no violation")
	}
}
