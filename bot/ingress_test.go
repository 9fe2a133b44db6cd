package bot_test

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/discordtest"
)

// runBot starts b with testHandler and waits until it is ready.
func runBot(t *testing.T, b *bot.Bot) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, bot.HandlerFunc(testHandler)) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return")
		}
	})
	select {
	case <-b.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("not ready")
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestShardsIdentifyInRoundsAndAnswerTheirServers(t *testing.T) {
	const window = 400 * time.Millisecond
	srv := discordtest.New(t, discordtest.WithShards(3), discordtest.WithMaxConcurrency(1), discordtest.WithIdentifyWindow(window))
	var guilds []*discordgo.Guild
	var chans []*discordgo.Channel
	var members []*discordgo.Member
	for k := 0; k < 3; k++ {
		g := srv.GuildOnShard("Shard server", k, 3)
		guilds = append(guilds, g)
		chans = append(chans, srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false))
		members = append(members, srv.AddMember(g.ID, "reader", 0))
	}
	b, err := bot.New(bot.Config{Token: srv.Token, BaseURL: srv.URL, Commands: []*discordgo.ApplicationCommand{{Name: "fast", Description: "Fast"}},
		Logger: quietLogger(), IdentifyEvery: window})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	runBot(t, b)
	took := time.Since(start)
	if rej := srv.IdentifyRejections(); len(rej) != 0 {
		t.Errorf("identifies refused: %+v", rej)
	}
	// max_concurrency 1: three rounds, each one window after the last.
	if took < 2*window {
		t.Errorf("3 shards with max_concurrency 1 ready after %v, want at least %v", took, 2*window)
	}
	sessions := srv.ShardSessions()
	if len(sessions) != 3 {
		t.Fatalf("sessions: %+v", sessions)
	}
	for k := 1; k < 3; k++ {
		if gap := sessions[k].Identified.Sub(sessions[k-1].Identified); gap < window {
			t.Errorf("shard %d identified %v after shard %d", k, gap, k-1)
		}
	}
	states := b.ShardStates()
	if len(states) != 3 || !b.Connected() {
		t.Errorf("states %+v, connected %v", states, b.Connected())
	}
	for k := range 3 {
		if a := srv.Send(t, srv.Slash(t, chans[k].ID, members[k].User.ID, "fast")).Wait(t); a.Content() != "hi @everyone" {
			t.Errorf("server on shard %d: %q", k, a.Content())
		}
	}
	// Op 7 to every shard: each resumes its own session, none identifies.
	identifies := srv.Identifies()
	srv.Reconnect()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitResumed(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if srv.Identifies() != identifies {
		t.Errorf("identifies %d after reconnect, want %d (resumes only)", srv.Identifies(), identifies)
	}
	for k := range 3 {
		if a := srv.Send(t, srv.Slash(t, chans[k].ID, members[k].User.ID, "fast")).Wait(t); a.Content() != "hi @everyone" {
			t.Errorf("after resume, server on shard %d: %q", k, a.Content())
		}
	}
}

func TestShardRangeIgnoresOtherServers(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithShards(2), discordtest.WithMaxConcurrency(2))
	mine := srv.GuildOnShard("Mine", 0, 2)
	theirs := srv.GuildOnShard("Theirs", 1, 2)
	myChan := srv.AddChannel(mine.ID, "general", discordgo.ChannelTypeGuildText, false)
	theirChan := srv.AddChannel(theirs.ID, "general", discordgo.ChannelTypeGuildText, false)
	me := srv.AddMember(mine.ID, "me", 0)
	them := srv.AddMember(theirs.ID, "them", 0)
	b, err := bot.New(bot.Config{Token: srv.Token, BaseURL: srv.URL, Commands: []*discordgo.ApplicationCommand{{Name: "fast", Description: "Fast"}},
		Logger: quietLogger(), Shards: bot.ShardPlan{Count: 2, First: 0, Last: 0}})
	if err != nil {
		t.Fatal(err)
	}
	runBot(t, b)
	if s := srv.ShardSessions(); len(s) != 1 || s[0].Shard != 0 || s[0].Count != 2 {
		t.Fatalf("sessions %+v, want shard 0 of 2 only", s)
	}
	if a := srv.Send(t, srv.Slash(t, myChan.ID, me.User.ID, "fast")).Wait(t); a.Content() != "hi @everyone" {
		t.Errorf("own server: %q", a.Content())
	}
	// A server of shard 1 delivered to shard 0 anyway: not answered.
	p := srv.SendToShard(t, 0, srv.Slash(t, theirChan.ID, them.User.ID, "fast"))
	time.Sleep(500 * time.Millisecond)
	if a := p.Answer(); a != nil {
		t.Errorf("answered a server of another shard: %+v", a)
	}
}

func TestSessionStartLimitTooLow(t *testing.T) {
	srv := discordtest.New(t, discordtest.WithShards(4), discordtest.WithMaxConcurrency(4), discordtest.WithSessionStartLimit(1000, 3))
	var logs strings.Builder
	b, err := bot.New(bot.Config{Token: srv.Token, BaseURL: srv.URL, Logger: slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = b.Run(ctx, bot.HandlerFunc(testHandler))
	if !errors.Is(err, bot.ErrSessionStartLimit) {
		t.Fatalf("Run = %v, want ErrSessionStartLimit", err)
	}
	if !strings.Contains(logs.String(), "session_start_limit") || srv.Identifies() != 0 {
		t.Errorf("identifies %d; log:\n%s", srv.Identifies(), logs.String())
	}
}

func TestHTTPInteractions(t *testing.T) {
	srv := discordtest.New(t)
	g := srv.AddGuild("Fic Club")
	general := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	reader := srv.AddMember(g.ID, "reader", 0)
	key, _ := hex.DecodeString(srv.PublicKey())
	var cmds []*discordgo.ApplicationCommand
	for _, n := range []string{"fast", "slowpublic", "slowsecret", "long", "button", "boom", "file"} {
		cmds = append(cmds, &discordgo.ApplicationCommand{Name: n, Description: "Test command " + n})
	}
	b, err := bot.New(bot.Config{Token: srv.Token, BaseURL: srv.URL, GuildID: g.ID, Commands: cmds, Logger: quietLogger(),
		DeferAfter: 150 * time.Millisecond, Shards: bot.ShardPlan{Off: true}, InteractionsAddr: "127.0.0.1:0", PublicKey: key})
	if err != nil {
		t.Fatal(err)
	}
	runBot(t, b)
	if srv.GatewayStats().Connects != 0 {
		t.Errorf("shards off, yet %d gateway connections", srv.GatewayStats().Connects)
	}
	srv.SetInteractionsEndpoint("http://" + b.InteractionsAddr().String() + "/interactions")
	ctx := context.Background()

	if r, err := srv.Ping(ctx); err != nil || r.Status != 200 || strings.TrimSpace(string(r.Body)) != `{"type":1}` {
		t.Errorf("PING: %+v %v", r, err)
	}
	slash := func(name string) *discordtest.Answer {
		return srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, name)).Wait(t)
	}
	if a := slash("fast"); a.Type != discordgo.InteractionResponseChannelMessageWithSource || a.Content() != "hi @everyone" || a.Deferred() {
		t.Errorf("fast: %+v", a)
	}
	p := srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, "slowsecret"))
	a := p.WaitFor(t, func(a *discordtest.Answer) bool {
		return len(a.Followups) == 1 && a.Original != nil && a.Original.Deleted
	})
	if !a.Deferred() || !a.Followups[0].Ephemeral() || a.Followups[0].Content != "secret answer" {
		t.Errorf("slowsecret: type %d, follow-up %+v", a.Type, a.Followups[0])
	}
	if a := slash("slowpublic"); !a.Deferred() || a.Content() != "public answer" {
		t.Errorf("slowpublic: type %d content %q", a.Type, a.Content())
	}
	p = srv.Send(t, srv.Slash(t, general.ID, reader.User.ID, "long"))
	if a := p.WaitFor(t, func(a *discordtest.Answer) bool { return len(a.Followups) == 2 }); !a.Ephemeral() || !a.Followups[1].Ephemeral() {
		t.Errorf("long: parts not all ephemeral")
	}
	btn := slash("button")
	if a := srv.Click(t, reader.User.ID, btn.Original, "btn:1").Wait(t); a.Original == nil || a.Original.Content != "updated" {
		t.Errorf("button: %+v", a)
	}
	// A JSON response body cannot carry files: deferral, then the edit.
	if a := slash("file"); !a.Deferred() || !a.Ephemeral() || a.Content() != "your list" || len(a.Original.Files) != 1 {
		t.Errorf("file: type %d, content %q, files %d", a.Type, a.Content(), len(a.Original.Files))
	}
	if a := slash("boom"); a.Content() != bot.FailureMessage || !a.Ephemeral() {
		t.Errorf("boom: %q", a.Content())
	}

	// Refused before anything else: unsigned, forged, stale, too big.
	body := []byte(`{"type":2,"id":"1","application_id":"` + srv.AppID + `","token":"x","data":{"name":"fast"}}`)
	for name, tamper := range map[string]func(h http.Header){
		"unsigned":      func(h http.Header) { h.Del("X-Signature-Ed25519"); h.Del("X-Signature-Timestamp") },
		"no timestamp":  func(h http.Header) { h.Del("X-Signature-Timestamp") },
		"forged":        func(h http.Header) { h.Set("X-Signature-Ed25519", strings.Repeat("ab", 64)) },
		"not hex":       func(h http.Header) { h.Set("X-Signature-Ed25519", "zz") },
		"other time":    func(h http.Header) { h.Set("X-Signature-Timestamp", "1700000000") },
		"stale, signed": nil, // replaced below
	} {
		if tamper == nil {
			continue
		}
		r, err := srv.PostInteraction(ctx, body, tamper)
		if err != nil || r.Status != http.StatusUnauthorized {
			t.Errorf("%s: %d %v", name, r.Status, err)
		}
	}
	stale := "1700000000"
	r, err := srv.PostInteraction(ctx, body, func(h http.Header) {
		h.Set("X-Signature-Timestamp", stale)
		h.Set("X-Signature-Ed25519", srv.Sign(stale, body))
	})
	if err != nil || r.Status != http.StatusUnauthorized {
		t.Errorf("stale but signed: %d %v", r.Status, err)
	}
	big := []byte(`{"type":1,"pad":"` + strings.Repeat("x", bot.MaxInteractionBody) + `"}`)
	if r, err := srv.PostInteraction(ctx, big, nil); err != nil || r.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d %v", r.Status, err)
	}
	for _, req := range srv.Requests() {
		if strings.Contains(req.Path, "/callback") {
			t.Errorf("an HTTP interaction was answered by REST callback: %+v", req)
		}
	}
}

// syncWriter serializes writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
