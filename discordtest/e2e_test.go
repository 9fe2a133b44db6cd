package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// fixture is a server with one guild, a text channel, an NSFW channel, a
// forum, a thread under the NSFW channel, a moderator and a plain member.
type fixture struct {
	srv                       *Server
	guild                     *discordgo.Guild
	text, nsfw, forum, thread *discordgo.Channel
	mod, member               *discordgo.Member
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	// A generous answer window keeps tests steady on loaded machines; the
	// 3-second rule has its own test.
	srv := New(t, append([]Option{WithAnswerWindow(time.Minute)}, opts...)...)
	g := srv.AddGuild("Fic Club")
	f := &fixture{srv: srv, guild: g}
	f.text = srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	f.nsfw = srv.AddChannel(g.ID, "after-dark", discordgo.ChannelTypeGuildText, true)
	f.forum = srv.AddChannel(g.ID, "recs", discordgo.ChannelTypeGuildForum, false)
	f.thread = srv.AddThread(f.nsfw.ID, "spicy recs")
	f.mod = srv.AddMember(g.ID, "mod", discordgo.PermissionManageMessages|discordgo.PermissionManageGuild|discordgo.PermissionManageThreads)
	f.member = srv.AddMember(g.ID, "reader", 0)
	return f
}

// openBot connects a real discordgo session to srv and registers h.
func openBot(t *testing.T, srv *Server, h func(*discordgo.Session, *discordgo.InteractionCreate)) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = srv.HTTPClient()
	dg.LogLevel = -1
	if h != nil {
		dg.AddHandler(h)
	}
	if err := dg.Open(); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = dg.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return dg
}

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOpenReadyAndGuildCreate(t *testing.T) {
	f := newFixture(t)
	got := make(chan *discordgo.GuildCreate, 1)
	dg, err := discordgo.New("Bot " + f.srv.Token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = f.srv.HTTPClient()
	dg.LogLevel = -1
	dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { got <- g })
	if err := dg.Open(); err != nil {
		t.Fatal(err)
	}
	defer dg.Close()
	select {
	case g := <-got:
		if g.ID != f.guild.ID || len(g.Channels) != 3 || len(g.Threads) != 1 || len(g.Members) != 3 {
			t.Errorf("GUILD_CREATE = %s with %d channels, %d threads, %d members", g.ID, len(g.Channels), len(g.Threads), len(g.Members))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no GUILD_CREATE")
	}
	if dg.State.User == nil || dg.State.User.ID != f.srv.AppID {
		t.Errorf("state user = %+v", dg.State.User)
	}
	ch, err := dg.State.Channel(f.thread.ID)
	if err != nil || ch.ParentID != f.nsfw.ID {
		t.Errorf("thread in state: %v %+v", err, ch)
	}
	if n := f.srv.Identifies(); n != 1 {
		t.Errorf("identifies = %d", n)
	}
	u, err := dg.User("@me")
	if err != nil || u.ID != f.srv.AppID {
		t.Errorf("users/@me = %v, %v", u, err)
	}
	app, err := dg.Application("@me")
	if err != nil || app.ID != f.srv.AppID {
		t.Errorf("applications/@me = %v, %v", app, err)
	}
	chans, err := dg.GuildChannels(f.guild.ID)
	if err != nil || len(chans) != 3 {
		t.Errorf("guild channels = %d, %v", len(chans), err)
	}
	c, err := dg.Channel(f.nsfw.ID)
	if err != nil || !c.NSFW {
		t.Errorf("channel = %+v, %v", c, err)
	}
}

func TestBadTokenClosed4004(t *testing.T) {
	srv := New(t)
	dg, _ := discordgo.New("Bot wrong")
	dg.Client = srv.HTTPClient()
	dg.LogLevel = -1
	dg.ShouldReconnectOnError = false
	// /gateway itself needs the token, so fetch it with the right one first.
	good, _ := discordgo.New("Bot " + srv.Token)
	good.Client = srv.HTTPClient()
	gw, err := good.Gateway()
	if err != nil {
		t.Fatal(err)
	}
	_ = gw
	if err := dg.Open(); err == nil {
		dg.Close()
		t.Fatal("open with a bad token succeeded")
	}
	if srv.Identifies() != 0 {
		t.Error("bad token identified")
	}
}

func TestBulkOverwriteCommands(t *testing.T) {
	f := newFixture(t)
	dg := openBot(t, f.srv, nil)
	cmds := []*discordgo.ApplicationCommand{
		{Name: "story", Description: "Stories in the library", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "add", Description: "Add a story", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "The story file"},
				{Type: discordgo.ApplicationCommandOptionString, Name: "rating", Description: "Rating", Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: "Explicit", Value: "Explicit"}}},
			}},
		}},
		{Type: discordgo.MessageApplicationCommand, Name: "Save excerpt"},
	}
	got, err := dg.ApplicationCommandBulkOverwrite(f.srv.AppID, f.guild.ID, cmds)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID == "" {
		t.Fatalf("bulk overwrite returned %+v", got)
	}
	stored := f.srv.Commands(f.guild.ID)
	if len(stored) != 2 || stored[0].Name != "story" || stored[1].Name != "Save excerpt" {
		t.Errorf("Commands = %+v", stored)
	}
	if _, err := dg.ApplicationCommandBulkOverwrite(f.srv.AppID, "", cmds[:1]); err != nil {
		t.Fatal(err)
	}
	list, err := dg.ApplicationCommands(f.srv.AppID, "")
	if err != nil || len(list) != 1 {
		t.Errorf("global list = %d, %v", len(list), err)
	}
	// A re-registration keeps IDs.
	again, err := dg.ApplicationCommandBulkOverwrite(f.srv.AppID, f.guild.ID, cmds)
	if err != nil || again[0].ID != got[0].ID {
		t.Errorf("IDs changed: %v vs %v (%v)", again[0].ID, got[0].ID, err)
	}
}

func TestInvalidCommandRejected50035(t *testing.T) {
	f := newFixture(t, WithoutFailing())
	dg := openBot(t, f.srv, nil)
	_, err := dg.ApplicationCommandBulkOverwrite(f.srv.AppID, f.guild.ID, []*discordgo.ApplicationCommand{{Name: "Story", Description: "bad: uppercase"}})
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response.StatusCode != 400 || re.Message == nil || re.Message.Code != 50035 {
		t.Fatalf("err = %v, want 400/50035", err)
	}
	if !strings.Contains(string(re.ResponseBody), `"name"`) {
		t.Errorf("errors body lacks the field: %s", re.ResponseBody)
	}
	if v := f.srv.Violations(); len(v) != 1 || !strings.Contains(v[0].String(), "lowercase") {
		t.Errorf("violations = %v", v)
	}
	if f.srv.Commands(f.guild.ID) != nil {
		t.Error("invalid commands were stored")
	}
}

func respond(s *discordgo.Session, i *discordgo.Interaction, r *discordgo.InteractionResponse) {
	_ = s.InteractionRespond(i, r)
}

func TestInteractionRespond(t *testing.T) {
	f := newFixture(t)
	att := f.srv.AddAttachment("story.txt", "text/plain", []byte("Once upon a time."))
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		d := ic.ApplicationCommandData()
		sub := d.Options[0]
		a := d.Resolved.Attachments[sub.Options[0].Value.(string)]
		resp, err := http.Get(a.URL)
		if err == nil {
			resp.Body.Close()
		}
		respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
			Content: "Added **" + sub.Options[1].StringValue() + "** by " + ic.Member.User.Username,
			Flags:   discordgo.MessageFlagsEphemeral,
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: "Kudos", CustomID: "kudos/1", Style: discordgo.PrimaryButton},
			}}},
			Files: []*discordgo.File{{Name: "card.txt", ContentType: "text/plain", Reader: strings.NewReader("card")}},
		}})
	})
	p := f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "story", Sub("add", Attach("file", att), String("title", "Dawn"), Int("chapter", 3), Bool("mine", true))))
	a := p.Wait(t)
	if a.Type != discordgo.InteractionResponseChannelMessageWithSource || a.Content() != "Added **Dawn** by reader" || !a.Ephemeral() {
		t.Errorf("answer = %s", describe(a))
	}
	if len(a.Files) != 1 || a.Files[0].Name != "card.txt" || string(a.Files[0].Data) != "card" {
		t.Errorf("files = %+v", a.Files)
	}
	if ids := a.Original.CustomIDs(); len(ids) != 1 || ids[0] != "kudos/1" {
		t.Errorf("custom ids = %v", ids)
	}
	if n := f.srv.Downloads(att.ID); n != 1 {
		t.Errorf("downloads = %d", n)
	}
}

func TestDeferredThenEditedAndFollowup(t *testing.T) {
	f := newFixture(t)
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		time.Sleep(50 * time.Millisecond)
		content := "Here is your passage."
		if _, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content}); err != nil {
			t.Errorf("edit: %v", err)
		}
		if _, err := s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "psst", Flags: discordgo.MessageFlagsEphemeral}); err != nil {
			t.Errorf("followup: %v", err)
		}
	})
	p := f.srv.Send(t, f.srv.Slash(t, f.thread.ID, f.mod.User.ID, "excerpt"))
	first := p.WaitCallback(t)
	if !first.Deferred() {
		t.Errorf("first answer not deferred: %s", describe(first))
	}
	a := p.WaitFor(t, func(a *Answer) bool { return len(a.Followups) == 1 })
	if a.Content() != "Here is your passage." || a.Original.Edits != 1 || a.Original.Deferred {
		t.Errorf("original = %+v", a.Original)
	}
	if !a.Followups[0].Ephemeral() || a.Followups[0].Content != "psst" {
		t.Errorf("followup = %+v", a.Followups[0])
	}
	if msgs := f.srv.Messages(f.thread.ID); len(msgs) != 2 {
		t.Errorf("thread has %d messages", len(msgs))
	}
}

func TestSecondAnswerAndLateAnswer(t *testing.T) {
	f := newFixture(t, WithAnswerWindow(time.Minute))
	errs := make(chan error, 4)
	release := make(chan struct{})
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		r := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "hi"}}
		if ic.ApplicationCommandData().Name == "late" {
			<-release
			errs <- s.InteractionRespond(ic.Interaction, r)
			return
		}
		errs <- s.InteractionRespond(ic.Interaction, r)
		errs <- s.InteractionRespond(ic.Interaction, r)
	})
	p := f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "twice"))
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if err := <-errs; !isCode(err, 40060) {
		t.Errorf("second answer: %v, want 40060", err)
	}
	if a := p.Answer(); len(a.Rejected) != 1 || a.Rejected[0] != 40060 {
		t.Errorf("rejected = %v", a.Rejected)
	}
	f.srv.SetAnswerWindow(50 * time.Millisecond)
	late := f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "late"))
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-errs; !isCode(err, 10062) {
		t.Errorf("late answer: %v, want 10062", err)
	}
	if a := late.Answer(); a == nil || len(a.Rejected) != 1 || a.Rejected[0] != 10062 || a.Type != 0 {
		t.Errorf("late answer recorded as %s", describe(a))
	}
}

func isCode(err error, code int) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == code
}

func TestInvalidAnswerRejected(t *testing.T) {
	f := newFixture(t, WithoutFailing())
	errs := make(chan error, 1)
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		errs <- s.InteractionRespond(ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: strings.Repeat("a", 2001)}})
	})
	p := f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "long"))
	if err := <-errs; !isCode(err, 50035) {
		t.Fatalf("err = %v", err)
	}
	if v := f.srv.Violations(); len(v) != 1 || v[0].Problems[0].Path != "data.content" {
		t.Errorf("violations = %v", v)
	}
	if p.Answer() != nil {
		t.Error("a rejected answer counted as answered")
	}
}

func TestButtonClickAndUpdate(t *testing.T) {
	f := newFixture(t)
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		switch ic.Type {
		case discordgo.InteractionApplicationCommand:
			respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
				Content: "page 1",
				Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
					discordgo.Button{Label: "Next", CustomID: "page/2", Style: discordgo.SecondaryButton},
				}}, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
					discordgo.SelectMenu{CustomID: "pick", Options: []discordgo.SelectMenuOption{{Label: "A", Value: "a"}, {Label: "B", Value: "b"}}},
				}}},
			}})
		case discordgo.InteractionMessageComponent:
			d := ic.MessageComponentData()
			text := "page 2 from " + ic.Message.Content
			if d.ComponentType == discordgo.SelectMenuComponent {
				text = "picked " + strings.Join(d.Values, ",")
			}
			respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage, Data: &discordgo.InteractionResponseData{Content: text}})
		}
	})
	a := f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "read")).Wait(t)
	b := f.srv.Click(t, f.member.User.ID, a.Original, "page/2").Wait(t)
	if b.Type != discordgo.InteractionResponseUpdateMessage || b.Content() != "page 2 from page 1" || b.Original.ID != a.Original.ID {
		t.Errorf("click answer = %s", describe(b))
	}
	c := f.srv.Choose(t, f.member.User.ID, b.Original, "pick", "b").Wait(t)
	if c.Content() != "picked b" {
		t.Errorf("select answer = %s", describe(c))
	}
}

func TestModalAutocompleteMessageCommand(t *testing.T) {
	f := newFixture(t)
	target := f.srv.AddMessage(f.text.ID, f.member.User.ID, "What a line.")
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		switch ic.Type {
		case discordgo.InteractionApplicationCommandAutocomplete:
			var typed string
			for _, o := range ic.ApplicationCommandData().Options {
				if o.Focused {
					typed = o.StringValue()
				}
			}
			respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{
				Choices: []*discordgo.ApplicationCommandOptionChoice{{Name: typed + " Dawn", Value: "1"}},
			}})
		case discordgo.InteractionApplicationCommand:
			d := ic.ApplicationCommandData()
			msg := d.Resolved.Messages[d.TargetID]
			respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{
				CustomID: "note/" + msg.ID, Title: "Save excerpt",
				Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
					discordgo.TextInput{CustomID: "text", Label: "Excerpt", Style: discordgo.TextInputParagraph, Value: msg.Content},
				}}},
			}})
		case discordgo.InteractionModalSubmit:
			d := ic.ModalSubmitData()
			v := d.Components[0].(*discordgo.ActionsRow).Components[0].(*discordgo.TextInput).Value
			respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "saved: " + v}})
		}
	})
	ac := f.srv.Send(t, f.srv.Autocomplete(t, f.text.ID, f.member.User.ID, "excerpt", Focused(String("story", "Da")))).Wait(t)
	if ch := ac.Choices(); len(ch) != 1 || ch[0].Name != "Da Dawn" {
		t.Errorf("choices = %+v", ch)
	}
	mc := f.srv.Send(t, f.srv.MessageCommand(t, f.text.ID, f.member.User.ID, "Save excerpt", target.ID))
	modal := mc.Wait(t)
	if modal.Type != discordgo.InteractionResponseModal || modal.Data.Title != "Save excerpt" {
		t.Fatalf("modal = %s", describe(modal))
	}
	done := f.srv.Submit(t, f.member.User.ID, mc, nil).Wait(t)
	if done.Content() != "saved: What a line." {
		t.Errorf("submit answer = %s", describe(done))
	}
}

func TestReconnectResumeInvalidateDrop(t *testing.T) {
	f := newFixture(t)
	var got atomic.Int32
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		got.Add(1)
		respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "ok"}})
	})
	ctx := ctx5(t)

	f.srv.Reconnect() // op 7 → close → resume
	if err := f.srv.WaitResumed(ctx, 1); err != nil {
		t.Fatal(err)
	}
	f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "ping")).Wait(t)

	f.srv.InvalidateSession() // op 9 → identify again
	if err := f.srv.WaitIdentified(ctx, 2); err != nil {
		t.Fatal(err)
	}
	f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "ping")).Wait(t)

	f.srv.DropConnections() // abrupt → reconnect → resume
	if err := f.srv.WaitResumed(ctx, 2); err != nil {
		t.Fatal(err)
	}
	f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "ping")).Wait(t)
	if got.Load() != 3 {
		t.Errorf("handled %d interactions", got.Load())
	}
	st := f.srv.GatewayStats()
	if st.Identifies != 2 || st.Resumes != 2 {
		t.Errorf("stats = %+v", st)
	}
}

func TestMissedDispatchReplayedOnResume(t *testing.T) {
	f := newFixture(t)
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: "late but fine"}})
	})
	f.srv.DropConnections()
	// Dispatch while the bot is away: it is logged and replayed on RESUME.
	i := f.srv.Slash(t, f.text.ID, f.member.User.ID, "ping")
	st := &interactionState{i: i, sentAt: time.Now()}
	f.srv.mu.Lock()
	f.srv.inter[i.ID], f.srv.interTok[i.Token] = st, st
	f.srv.mu.Unlock()
	if !f.srv.Dispatch("INTERACTION_CREATE", i) {
		t.Fatal("no session to dispatch to")
	}
	p := &Pending{s: f.srv, st: st}
	if a := p.Wait(t); a.Content() != "late but fine" {
		t.Errorf("answer = %s", describe(a))
	}
	if f.srv.Resumes() != 1 {
		t.Errorf("resumes = %d", f.srv.Resumes())
	}
}

func TestChannelMessagesNonceThreadsDelete(t *testing.T) {
	f := newFixture(t)
	dg := openBot(t, f.srv, nil)
	send := func() *discordgo.Message {
		// discordgo 0.29's MessageSend has no nonce: send the body by hand.
		body := map[string]any{"content": "Checkpoint 3 is open!", "nonce": "club-7-cp-3", "enforce_nonce": true, "allowed_mentions": map[string]any{"parse": []string{}}}
		ep := discordgo.EndpointChannelMessages(f.text.ID)
		raw, err := dg.RequestWithBucketID("POST", ep, body, ep)
		if err != nil {
			t.Fatal(err)
		}
		var m discordgo.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	a, b := send(), send()
	if a.ID != b.ID || len(f.srv.Messages(f.text.ID)) != 1 {
		t.Errorf("nonce dedup failed: %s %s, %d messages", a.ID, b.ID, len(f.srv.Messages(f.text.ID)))
	}
	got := f.srv.WaitMessage(t, f.text.ID, func(m *Message) bool { return strings.Contains(m.Content, "Checkpoint") })
	if got.Nonce != "club-7-cp-3" || got.AllowedMentions == nil {
		t.Errorf("recorded = %+v", got)
	}
	th, err := dg.MessageThreadStartComplex(f.text.ID, a.ID, &discordgo.ThreadStart{Name: "Checkpoint 3", AutoArchiveDuration: 1440})
	if err != nil {
		t.Fatal(err)
	}
	if th.ID != a.ID || th.ParentID != f.text.ID {
		t.Errorf("thread = %+v", th)
	}
	post, err := dg.ForumThreadStartComplex(f.forum.ID, &discordgo.ThreadStart{Name: "Rec: Dawn"}, &discordgo.MessageSend{Content: "A rec"})
	if err != nil {
		t.Fatal(err)
	}
	if ts := f.srv.Threads(); len(ts) != 2 || ts[1].ParentID != f.forum.ID || ts[1].StarterMessage != post.ID {
		t.Errorf("threads = %+v", ts)
	}
	if _, err := dg.ChannelMessageSend(th.ID, "in thread"); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.ChannelDelete(th.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.ChannelMessageSend(th.ID, "gone"); !isCode(err, 10003) {
		t.Errorf("send to deleted thread: %v", err)
	}
	if _, err := dg.ChannelMessageEdit(f.text.ID, a.ID, "edited"); err != nil {
		t.Fatal(err)
	}
	if err := dg.ChannelMessageDelete(f.text.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if d := f.srv.Deletions(); len(d) != 2 || d[0].Kind != "channel" || d[1].Kind != "message" {
		t.Errorf("deletions = %+v", d)
	}
}

func TestFaultInjection(t *testing.T) {
	f := newFixture(t)
	dg := openBot(t, f.srv, nil)
	f.srv.FailNext("POST", "/channels/", http.StatusTooManyRequests, 100*time.Millisecond, 1)
	f.srv.FailNext("POST", "/channels/", http.StatusBadGateway, 0, 1)
	start := time.Now()
	if _, err := dg.ChannelMessageSend(f.text.ID, "after retries"); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 100*time.Millisecond {
		t.Error("429 retry_after not honoured")
	}
	var statuses []int
	for _, r := range f.srv.Requests() {
		if r.Method == "POST" {
			statuses = append(statuses, r.Status)
		}
	}
	if len(statuses) != 3 || statuses[0] != 429 || statuses[1] != 502 || statuses[2] != 200 {
		t.Errorf("statuses = %v", statuses)
	}
	resp, err := http.Get(f.srv.URL + "/api/v10/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown route = %d", resp.StatusCode)
	}
}

func TestConcurrentInteractions(t *testing.T) {
	f := newFixture(t)
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		go respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{Content: ic.ID}})
	})
	var ps []*Pending
	for range 30 {
		ps = append(ps, f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "ping")))
	}
	for _, p := range ps {
		if a := p.Wait(t); a.Content() != p.Interaction().ID {
			t.Errorf("answer %q for %s", a.Content(), p.Interaction().ID)
		}
	}
}

func TestSeedAfterReadyReachesState(t *testing.T) {
	f := newFixture(t)
	dg := openBot(t, f.srv, nil)
	ch := f.srv.AddChannel(f.guild.ID, "late", discordgo.ChannelTypeGuildText, true)
	g2 := f.srv.AddGuild("Second")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, err1 := dg.State.Channel(ch.ID)
		_, err2 := dg.State.Guild(g2.ID)
		if err1 == nil && err2 == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("channel or guild seeded after READY never reached discordgo's state")
}

func TestDeferredUpdateOnEditedMessage(t *testing.T) {
	f := newFixture(t)
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		if ic.Type == discordgo.InteractionApplicationCommand {
			respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: &discordgo.InteractionResponseData{
				Content: "v1", Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{Label: "Next", CustomID: "next", Style: discordgo.PrimaryButton}}}}}})
			c := "v2"
			_, _ = s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &c})
			return
		}
		respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
		time.Sleep(30 * time.Millisecond)
		c := "v3"
		_, _ = s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &c})
	})
	p := f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "read"))
	a := p.WaitFor(t, func(a *Answer) bool { return a.Edited })
	if a.Content() != "v2" {
		t.Fatalf("answer = %s", describe(a))
	}
	b := f.srv.Click(t, f.member.User.ID, a.Original, "next").Wait(t)
	if b.Type != discordgo.InteractionResponseDeferredMessageUpdate || !b.Edited || b.Content() != "v3" {
		t.Errorf("deferred update = %s", describe(b))
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := New(t)
	conn, _, err := websocket.DefaultDialer.Dial(srv.wsURL()+"?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, _, err := conn.ReadMessage(); err != nil { // HELLO
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + srv.Token}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := conn.ReadMessage(); err != nil { // READY
		t.Fatal(err)
	}
	srv.Close()
	_, _, err = conn.ReadMessage()
	if err == nil {
		t.Error("socket still open after Close")
	}
	conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestWaitNewMessageAndReentrantPredicate(t *testing.T) {
	f := newFixture(t)
	dg := openBot(t, f.srv, nil)
	if _, err := dg.ChannelMessageSend(f.text.ID, "old"); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		_, _ = dg.ChannelMessageSend(f.text.ID, "new")
	}()
	m := f.srv.WaitNewMessage(t, f.text.ID, func(m *Message) bool {
		return f.srv.Channel(m.ChannelID) != nil // calling the server inside a predicate must not deadlock
	})
	if m.Content != "new" {
		t.Errorf("got %q", m.Content)
	}
}

func TestHeartbeatsAcked(t *testing.T) {
	f := newFixture(t, WithHeartbeatInterval(50*time.Millisecond))
	openBot(t, f.srv, nil)
	deadline := time.Now().Add(5 * time.Second)
	for f.srv.GatewayStats().Heartbeats < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	st := f.srv.GatewayStats()
	if st.Heartbeats < 3 || !st.Connected || st.Identifies != 1 || st.Resumes != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestTokenExpires(t *testing.T) {
	f := newFixture(t, WithTokenLifetime(100*time.Millisecond))
	errs := make(chan error, 1)
	openBot(t, f.srv, func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		respond(s, ic.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource})
		time.Sleep(200 * time.Millisecond)
		c := "too late"
		_, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &c})
		errs <- err
	})
	p := f.srv.Send(t, f.srv.Slash(t, f.text.ID, f.member.User.ID, "slow"))
	if err := <-errs; !isCode(err, 50027) {
		t.Errorf("edit after expiry: %v", err)
	}
	if a := p.Answer(); a.Edited || !a.Original.Deferred {
		t.Errorf("answer = %s", describe(a))
	}
}
