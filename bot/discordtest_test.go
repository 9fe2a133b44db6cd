package bot_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/discordtest"
)

// countingObserver counts reconnects; the rest is ignored.
type countingObserver struct{ reconnects atomic.Int32 }

func (*countingObserver) InteractionDone(string, string, string, time.Duration, bool) {}
func (*countingObserver) RESTError(string, int)                                       {}
func (o *countingObserver) Reconnect(int)                                             { o.reconnects.Add(1) }
func (*countingObserver) ShardState(int, string)                                      {}

func msg(content string, flags discordgo.MessageFlags) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: content, Flags: flags},
	}
}

// testHandler answers by command name or custom_id.
func testHandler(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	switch i.Type {
	case discordgo.InteractionApplicationCommandAutocomplete:
		var cs []*discordgo.ApplicationCommandOptionChoice
		for n := 0; n < 30; n++ {
			cs = append(cs, &discordgo.ApplicationCommandOptionChoice{Name: fmt.Sprint("Story ", n), Value: fmt.Sprint(n)})
		}
		return &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: cs}}, nil
	case discordgo.InteractionMessageComponent:
		time.Sleep(300 * time.Millisecond)
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
			Data: &discordgo.InteractionResponseData{Content: "updated", Components: []discordgo.MessageComponent{}}}, nil
	}
	switch i.ApplicationCommandData().Name {
	case "fast":
		return msg("hi @everyone", 0), nil
	case "slowpublic":
		time.Sleep(300 * time.Millisecond)
		return msg("public answer", 0), nil
	case "slowsecret":
		time.Sleep(300 * time.Millisecond)
		return msg("secret answer", discordgo.MessageFlagsEphemeral), nil
	case "long":
		return msg(strings.Repeat("All work and no play. ", 230), discordgo.MessageFlagsEphemeral), nil
	case "embeds":
		var es []*discordgo.MessageEmbed
		for n := 0; n < 12; n++ {
			es = append(es, &discordgo.MessageEmbed{Title: fmt.Sprint("Card ", n), Description: strings.Repeat("d", 5000)})
		}
		r := msg("", 0)
		r.Data.Embeds = es
		return r, nil
	case "button":
		r := msg("press it", 0)
		r.Data.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Press", Style: discordgo.PrimaryButton, CustomID: "btn:1"},
		}}}
		return r, nil
	case "file":
		r := msg("your list", discordgo.MessageFlagsEphemeral)
		r.Data.Files = []*discordgo.File{{Name: "list.json", ContentType: "application/json", Reader: strings.NewReader(`{"stories":[]}`)}}
		return r, nil
	case "boom":
		panic("kaboom")
	}
	return nil, fmt.Errorf("unknown command")
}

func TestAgainstDiscordtest(t *testing.T) {
	srv := discordtest.New(t)
	g := srv.AddGuild("Fic Club")
	general := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	forum := srv.AddChannel(g.ID, "recs", discordgo.ChannelTypeGuildForum, false)
	reader := srv.AddMember(g.ID, "reader", 0)

	var cmds []*discordgo.ApplicationCommand
	for _, n := range []string{"fast", "slowpublic", "slowsecret", "long", "embeds", "button", "boom"} {
		c := &discordgo.ApplicationCommand{Name: n, Description: "Test command " + n}
		if n == "fast" {
			c.Options = []*discordgo.ApplicationCommandOption{{Type: discordgo.ApplicationCommandOptionString, Name: "story", Description: "A story", Autocomplete: true}}
		}
		cmds = append(cmds, c)
	}
	obs := &countingObserver{}
	b, err := bot.New(bot.Config{
		Token: srv.Token, BaseURL: srv.URL, GuildID: g.ID, Commands: cmds,
		DeferAfter: 150 * time.Millisecond, ShutdownGrace: 2 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Observer: obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	runBot(t, b)
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if _, err := srv.WaitCommands(wctx, g.ID); err != nil {
		t.Fatal(err)
	}

	slash := func(name string) *discordtest.Answer {
		return srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, name)).Wait(t)
	}

	if a := slash("fast"); a.Type != discordgo.InteractionResponseChannelMessageWithSource || a.Content() != "hi @everyone" ||
		a.Original.AllowedMentions == nil || len(a.Original.AllowedMentions.Parse) != 0 {
		t.Errorf("fast: type %d, content %q, mentions %+v", a.Type, a.Content(), a.Original.AllowedMentions)
	}
	if a := slash("slowpublic"); !a.Deferred() || a.Original.Content != "public answer" || a.Original.Ephemeral() {
		t.Errorf("slowpublic: deferred %v, original %q", a.Deferred(), a.Original.Content)
	}
	p := srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, "slowsecret"))
	a := p.WaitFor(t, func(a *discordtest.Answer) bool {
		return len(a.Followups) == 1 && a.Original != nil && a.Original.Deleted
	})
	if !a.Followups[0].Ephemeral() || a.Followups[0].Content != "secret answer" {
		t.Errorf("slowsecret: follow-up %+v", a.Followups[0])
	}
	p = srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, "long"))
	a = p.WaitFor(t, func(a *discordtest.Answer) bool { return len(a.Followups) == 2 })
	if !a.Ephemeral() || !a.Followups[1].Ephemeral() {
		t.Errorf("long: parts not all ephemeral")
	}
	p = srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, "embeds"))
	a = p.WaitFor(t, func(a *discordtest.Answer) bool { return len(a.Followups) >= 1 })
	if a.Data == nil || len(a.Data.Embeds) == 0 {
		t.Errorf("embeds: first answer has no embeds")
	}
	if a := slash("boom"); a.Content() != bot.FailureMessage || !a.Ephemeral() {
		t.Errorf("boom: %q ephemeral=%v", a.Content(), a.Ephemeral())
	}
	ac := srv.Send(t, srv.Autocomplete(t, general.ID, reader.User.ID, "fast", discordtest.Focused(discordtest.String("story", "St")))).WaitCallback(t)
	if n := len(ac.Choices()); n != 25 {
		t.Errorf("autocomplete: %d choices", n)
	}

	btn := slash("button")
	up := srv.Click(t, reader.User.ID, btn.Original, "btn:1").Wait(t)
	if up.Type != discordgo.InteractionResponseDeferredMessageUpdate || up.Original.Content != "updated" {
		t.Errorf("button: type %d, message %q", up.Type, up.Original.Content)
	}
	// Every one of those nine interactions was decoded by the shard's tap,
	// not by discordgo (see interactionTap).
	if n := bot.InteractionsTapped(b); n != 9 {
		t.Errorf("%d interactions decoded by the gateway tap, want 9", n)
	}

	// Side effects.
	long := strings.Repeat("Checkpoint reached. ", 150)
	if _, err := b.SendMessage(context.Background(), general.ID, &discordgo.MessageSend{Content: long}); err != nil {
		t.Fatal(err)
	}
	srv.WaitMessage(t, general.ID, func(m *discordtest.Message) bool {
		return strings.HasSuffix(m.Content, "reached.") && len(m.Content) < 1500
	})
	if _, err := b.SendMessageOnce(context.Background(), general.ID, "nonce-1", &discordgo.MessageSend{Content: "once"}); err != nil {
		t.Fatal(err)
	}
	th, err := b.StartForumPost(context.Background(), forum.ID, strings.Repeat("Long title ", 15), &discordgo.MessageSend{Content: long})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.StartThread(context.Background(), general.ID, btn.Original.ID, "Discussion"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateThread(context.Background(), general.ID, ""); err != nil {
		t.Fatal(err)
	}
	if ch, err := b.Channel(context.Background(), th.ID); err != nil || ch.ID != th.ID {
		t.Errorf("Channel(thread): %v, %v", ch, err)
	}
	srv.AddMessage(general.ID, reader.User.ID, "a member's message, newest of all")
	own, err := b.OwnMessages(context.Background(), general.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(own) == 0 || own[0].Content != "once" {
		t.Errorf("OwnMessages: newest first should be the bot's last post, got %d messages", len(own))
	}
	for _, m := range own {
		if m.Author == nil || m.Author.ID != srv.BotUser.ID {
			t.Errorf("OwnMessages returned a message by %v: %q", m.Author, m.Content)
		}
	}
	att := srv.AddAttachment("dawn.txt", "text/plain", []byte("It was dawn."))
	if data, err := b.FetchAttachment(context.Background(), att.URL, 1<<20); err != nil || string(data) != "It was dawn." {
		t.Errorf("FetchAttachment: %q, %v", data, err)
	}

	// The gateway reconnects and resumes when told to.
	srv.Reconnect()
	if err := srv.WaitResumed(wctx, 1); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); obs.reconnects.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if obs.reconnects.Load() == 0 || !b.Connected() {
		t.Errorf("after reconnect: observer saw %d, connected %v", obs.reconnects.Load(), b.Connected())
	}
	// The resumed connection is tapped too.
	if a := slash("fast"); a.Content() != "hi @everyone" {
		t.Errorf("fast after the resume: %q", a.Content())
	}
	if n := bot.InteractionsTapped(b); n != 10 {
		t.Errorf("%d interactions decoded by the gateway tap after the resume, want 10", n)
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("payload violations: %v", v)
	}
}
