package discordtest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// restSession is a discordgo session that only talks REST to srv.
func restSession(t *testing.T, srv *Server) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = srv.HTTPClient()
	dg.LogLevel = -1
	dg.MaxRestRetries = 0
	return dg
}

func TestDirectMessages(t *testing.T) {
	srv := New(t)
	g := srv.AddGuild("Fic Club")
	ana := srv.AddMember(g.ID, "ana", 0)
	dg := restSession(t, srv)

	ch, err := dg.UserChannelCreate(ana.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Type != discordgo.ChannelTypeDM || len(ch.Recipients) != 1 || ch.Recipients[0].ID != ana.User.ID || ch.GuildID != "" {
		t.Fatalf("channel %+v", ch)
	}
	again, err := dg.UserChannelCreate(ana.User.ID)
	if err != nil || again.ID != ch.ID {
		t.Fatalf("second open: %v %+v, want the same channel %s", err, again, ch.ID)
	}
	if got := srv.DMChannel(ana.User.ID); got == nil || got.ID != ch.ID {
		t.Fatalf("DMChannel %+v", got)
	}

	sent, err := dg.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{
		Content:         "<@" + ana.User.ID + "> Tidewater has a new chapter (5/12).",
		AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{ana.User.ID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.WaitDM(t, ana.User.ID, func(m *Message) bool { return strings.Contains(m.Content, "Tidewater") })
	if m.ID != sent.ID || m.ChannelID != ch.ID || m.GuildID != "" || m.Source != SourceChannel ||
		m.AllowedMentions == nil || len(m.AllowedMentions.Users) != 1 {
		t.Errorf("recorded %+v", m)
	}
	if dms := srv.DMs(ana.User.ID); len(dms) != 1 || dms[0].ID != sent.ID {
		t.Errorf("DMs %+v", dms)
	}
	if got, err := dg.ChannelMessages(ch.ID, 10, "", "", ""); err != nil || len(got) != 1 {
		t.Errorf("GET messages %v %d", err, len(got))
	}

	// The same limits as channel messages.
	srv.SetFailOnViolation(false) // the violation below is the point
	_, err = dg.ChannelMessageSend(ch.ID, strings.Repeat("x", 2001))
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusBadRequest {
		t.Errorf("over-long DM: %v", err)
	}
	if v := srv.Violations(); len(v) != 1 {
		t.Errorf("violations %v", v)
	}
}

func TestDirectMessagesClosed(t *testing.T) {
	srv := New(t)
	g := srv.AddGuild("Fic Club")
	bo := srv.AddMember(g.ID, "bo", 0)
	dg := restSession(t, srv)
	srv.SetDMsClosed(bo.User.ID, true)

	// Opening the channel works; sending is refused with 50007.
	ch, err := dg.UserChannelCreate(bo.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dg.ChannelMessageSend(ch.ID, "New chapter!")
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response.StatusCode != http.StatusForbidden || re.Message == nil ||
		re.Message.Code != discordgo.ErrCodeCannotSendMessagesToThisUser || re.Message.Message != "Cannot send messages to this user" {
		t.Fatalf("err %v", err)
	}
	if n := srv.DMRefusals(bo.User.ID); n != 1 {
		t.Errorf("refusals %d", n)
	}
	if dms := srv.DMs(bo.User.ID); len(dms) != 0 {
		t.Errorf("a refused DM was recorded: %+v", dms)
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("a closed DM is Discord's answer, not the bot's fault: %v", v)
	}

	srv.SetDMsClosed(bo.User.ID, false)
	if _, err := dg.ChannelMessageSend(ch.ID, "New chapter!"); err != nil {
		t.Fatalf("reopened: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := srv.WaitDMCtx(ctx, bo.User.ID, nil); err != nil {
		t.Fatal(err)
	}
}

func TestDirectMessagesNoSharedServerOrUnknownUser(t *testing.T) {
	srv := New(t)
	g := srv.AddGuild("A")
	cy := srv.AddMember(g.ID, "cy", 0)
	dg := restSession(t, srv)

	// A user the bot shares no server with cannot be messaged either.
	srv.mu.Lock()
	delete(srv.guildLocked(g.ID).members, cy.User.ID)
	srv.mu.Unlock()
	ch, err := dg.UserChannelCreate(cy.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	var re *discordgo.RESTError
	if _, err := dg.ChannelMessageSend(ch.ID, "hi"); !errors.As(err, &re) || re.Message == nil || re.Message.Code != 50007 {
		t.Errorf("no shared server: %v", err)
	}

	if _, err := dg.UserChannelCreate("123456"); !errors.As(err, &re) || re.Response.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown user: %v", err)
	}
	srv.SetFailOnViolation(false)
	if _, err := dg.UserChannelCreate("not-a-snowflake"); err == nil {
		t.Error("a malformed recipient_id was accepted")
	}
	if srv.DMChannel("123456") != nil || srv.DMs("123456") != nil {
		t.Error("no channel for an unknown user")
	}
}
