package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// interactionState tracks one dispatched interaction and its answers.
type interactionState struct {
	i           *discordgo.Interaction
	fromMessage bool
	sentAt      time.Time
	answered    bool
	ans         Answer // Original/Followups filled on snapshot
	original    *Message
	followups   []*Message
	rejections  []int // Discord error codes the server answered callbacks with
	baseEdits   int   // edits of the original when the callback arrived
	viaHTTP     bool  // delivered by POST to the bot's endpoint
}

// Answer is what the bot did with an interaction, as of a moment.
type Answer struct {
	// Type is the callback type (4 message, 5 deferred, 6 deferred update,
	// 7 update, 8 autocomplete, 9 modal).
	Type discordgo.InteractionResponseType
	// Data is the callback's data as the bot sent it (nil when absent).
	Data *discordgo.InteractionResponseData
	// Raw is the callback's JSON payload.
	Raw string
	// Files are the files attached to the callback.
	Files []File
	// Original is the visible original response after every edit: the new
	// message for types 4/5, the component's message for 6/7; nil for 8/9.
	Original *Message
	// Followups are the follow-up messages, oldest first. After a type 5,
	// the first follow-up fills the "thinking…" message, so it is also Original.
	Followups []*Message
	// Edited reports whether the original was edited (PATCH @original, or a
	// first follow-up filling a deferral) after the callback.
	Edited bool
	// Rejected lists the Discord error codes the server answered callback
	// attempts with (10062 late/unknown, 40060 already acknowledged).
	Rejected []int
}

// Deferred reports whether the first answer was a deferral (type 5 or 6).
func (a *Answer) Deferred() bool {
	return a.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource || a.Type == discordgo.InteractionResponseDeferredMessageUpdate
}

// Ephemeral reports whether the original response is ephemeral.
func (a *Answer) Ephemeral() bool {
	if a.Original != nil {
		return a.Original.Ephemeral()
	}
	return a.Data != nil && a.Data.Flags&discordgo.MessageFlagsEphemeral != 0
}

// Content is the original response's visible content ("" when none).
func (a *Answer) Content() string {
	if a.Original == nil {
		return ""
	}
	return a.Original.Content
}

// Choices are the autocomplete choices of a type 8 answer.
func (a *Answer) Choices() []*discordgo.ApplicationCommandOptionChoice {
	if a.Data == nil {
		return nil
	}
	return a.Data.Choices
}

// Pending is an interaction the server dispatched; wait on it for the answer.
type Pending struct {
	s  *Server
	st *interactionState
}

// Interaction returns the interaction as dispatched.
func (p *Pending) Interaction() *discordgo.Interaction { return p.st.i }

// Answer returns a snapshot of the answer so far, or nil before any callback.
func (p *Pending) Answer() *Answer {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	return p.snapshotLocked()
}

func (p *Pending) snapshotLocked() *Answer {
	st := p.st
	if !st.answered {
		if len(st.rejections) > 0 {
			return &Answer{Rejected: append([]int(nil), st.rejections...)}
		}
		return nil
	}
	a := st.ans
	a.Files = append([]File(nil), a.Files...)
	a.Rejected = append([]int(nil), st.rejections...)
	if st.original != nil {
		a.Original = st.original.clone()
		a.Edited = st.original.Edits > st.baseEdits
	}
	for _, f := range st.followups {
		a.Followups = append(a.Followups, f.clone())
	}
	return &a
}

// settled: answered, and a deferral has been edited, followed up or deleted.
func settled(a *Answer) bool {
	if a == nil || a.Type == 0 {
		return false
	}
	if !a.Deferred() {
		return true
	}
	if len(a.Followups) > 0 {
		return true
	}
	return a.Edited || (a.Original != nil && a.Original.Deleted)
}

func answered(a *Answer) bool { return a != nil && a.Type != 0 }

// WaitCtx waits until match accepts a snapshot of the answer.
func (p *Pending) WaitCtx(ctx context.Context, match func(*Answer) bool) (*Answer, error) {
	got, err := waitSnap(p.s, ctx, p.snapshotLocked, func(a *Answer) bool { return a != nil && match(a) })
	if err != nil {
		return got, fmt.Errorf("discordtest: waiting for the answer to interaction %s: %w", p.st.i.ID, err)
	}
	return got, nil
}

func (p *Pending) wait(t testing.TB, what string, match func(*Answer) bool) *Answer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	a, err := p.WaitCtx(ctx, match)
	if err != nil {
		t.Fatalf("%s: %v (answer so far: %s)", what, err, describe(a))
	}
	return a
}

func describe(a *Answer) string {
	if a == nil {
		return "none"
	}
	b, _ := json.Marshal(struct {
		Type      discordgo.InteractionResponseType
		Raw       string
		Original  *Message
		Followups int
		Rejected  []int
	}{a.Type, a.Raw, a.Original, len(a.Followups), a.Rejected})
	return string(b)
}

// Wait waits (DefaultTimeout) for a settled answer: a callback, and after a
// deferral (type 5/6) also the first edit of @original, a follow-up or a
// deletion. It fails t on timeout; call it from the test goroutine.
func (p *Pending) Wait(t testing.TB) *Answer {
	t.Helper()
	return p.wait(t, "Wait", settled)
}

// WaitCallback waits only for the first callback (e.g. to see the deferral).
func (p *Pending) WaitCallback(t testing.TB) *Answer {
	t.Helper()
	return p.wait(t, "WaitCallback", answered)
}

// WaitFor waits until match accepts the answer (e.g. two follow-ups).
func (p *Pending) WaitFor(t testing.TB, match func(*Answer) bool) *Answer {
	t.Helper()
	return p.wait(t, "WaitFor", match)
}

// ---- building interactions ----

// Opt is a slash-command option value for Slash and Autocomplete.
type Opt struct {
	o    *discordgo.ApplicationCommandInteractionDataOption
	subs []Opt
	att  *discordgo.MessageAttachment
}

func opt(name string, t discordgo.ApplicationCommandOptionType, v any) Opt {
	return Opt{o: &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: t, Value: v}}
}

// Sub is a subcommand holding options.
func Sub(name string, opts ...Opt) Opt {
	o := opt(name, discordgo.ApplicationCommandOptionSubCommand, nil)
	o.subs = opts
	return o
}

// Group is a subcommand group holding subcommands.
func Group(name string, subs ...Opt) Opt {
	o := opt(name, discordgo.ApplicationCommandOptionSubCommandGroup, nil)
	o.subs = subs
	return o
}

// String is a string option.
func String(name, v string) Opt { return opt(name, discordgo.ApplicationCommandOptionString, v) }

// Int is an integer option.
func Int(name string, v int64) Opt { return opt(name, discordgo.ApplicationCommandOptionInteger, v) }

// Number is a number option.
func Number(name string, v float64) Opt {
	return opt(name, discordgo.ApplicationCommandOptionNumber, v)
}

// Bool is a boolean option.
func Bool(name string, v bool) Opt { return opt(name, discordgo.ApplicationCommandOptionBoolean, v) }

// UserOpt is a user option; the user (and member) go to data.resolved.
func UserOpt(name, userID string) Opt {
	return opt(name, discordgo.ApplicationCommandOptionUser, userID)
}

// ChannelOpt is a channel option; the channel goes to data.resolved.
func ChannelOpt(name, channelID string) Opt {
	return opt(name, discordgo.ApplicationCommandOptionChannel, channelID)
}

// Attach is an attachment option (from AddAttachment); the attachment goes
// to data.resolved.attachments.
func Attach(name string, a *discordgo.MessageAttachment) Opt {
	o := opt(name, discordgo.ApplicationCommandOptionAttachment, a.ID)
	o.att = a
	return o
}

// Focused marks o as the option being typed (autocomplete).
func Focused(o Opt) Opt {
	cp := *o.o
	cp.Focused = true
	o.o = &cp
	return o
}

// base builds an interaction in channelID by userID (a seeded member).
func (s *Server) base(t discordgo.InteractionType, channelID, userID string) (*discordgo.Interaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.channels[channelID]
	if ch == nil {
		return nil, fmt.Errorf("unknown channel %s", channelID)
	}
	g := s.guildLocked(ch.GuildID)
	if g == nil || g.members[userID] == nil {
		return nil, fmt.Errorf("user %s is not a member of the channel's guild", userID)
	}
	loc := discordgo.EnglishUS
	return &discordgo.Interaction{
		ID: s.newIDLocked(), AppID: s.AppID, Type: t, GuildID: ch.GuildID, ChannelID: channelID,
		Member: copyMember(g.members[userID]), Locale: discordgo.EnglishUS, GuildLocale: &loc,
		AppPermissions: s.appPermissionsLocked(), Token: "tok-" + randomID(), Version: 1,
	}, nil
}

func (s *Server) resolveOpts(opts []Opt, res *discordgo.ApplicationCommandInteractionDataResolved, guildID string) ([]*discordgo.ApplicationCommandInteractionDataOption, error) {
	var out []*discordgo.ApplicationCommandInteractionDataOption
	for _, o := range opts {
		cp := *o.o
		if len(o.subs) > 0 {
			subs, err := s.resolveOpts(o.subs, res, guildID)
			if err != nil {
				return nil, err
			}
			cp.Options = subs
		}
		switch cp.Type {
		case discordgo.ApplicationCommandOptionUser:
			id, _ := cp.Value.(string)
			u := s.users[id]
			if u == nil {
				return nil, fmt.Errorf("option %s: unknown user %s", cp.Name, id)
			}
			if res.Users == nil {
				res.Users, res.Members = map[string]*discordgo.User{}, map[string]*discordgo.Member{}
			}
			uc := *u
			res.Users[id] = &uc
			if g := s.guildLocked(guildID); g != nil && g.members[id] != nil {
				m := copyMember(g.members[id])
				m.User = nil // Discord omits user in resolved members
				res.Members[id] = m
			}
		case discordgo.ApplicationCommandOptionChannel:
			id, _ := cp.Value.(string)
			ch := s.channels[id]
			if ch == nil {
				return nil, fmt.Errorf("option %s: unknown channel %s", cp.Name, id)
			}
			if res.Channels == nil {
				res.Channels = map[string]*discordgo.Channel{}
			}
			cc := *ch
			res.Channels[id] = &cc
		case discordgo.ApplicationCommandOptionAttachment:
			if res.Attachments == nil {
				res.Attachments = map[string]*discordgo.MessageAttachment{}
			}
			ac := *o.att
			res.Attachments[ac.ID] = &ac
		}
		out = append(out, &cp)
	}
	return out, nil
}

func (s *Server) commandIDLocked(guildID, name string, typ discordgo.ApplicationCommandType) string {
	for _, scope := range []string{guildID, ""} {
		for _, c := range s.commands[scope] {
			if c.Name == name && c.Type == typ {
				return c.ID
			}
		}
	}
	return s.newIDLocked()
}

func (s *Server) command(t testing.TB, it discordgo.InteractionType, channelID, userID, name string, opts []Opt) *discordgo.Interaction {
	t.Helper()
	i, err := s.base(it, channelID, userID)
	if err != nil {
		t.Fatalf("discordtest: /%s: %v", name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &discordgo.ApplicationCommandInteractionDataResolved{}
	options, err := s.resolveOpts(opts, res, i.GuildID)
	if err != nil {
		t.Fatalf("discordtest: /%s: %v", name, err)
	}
	d := discordgo.ApplicationCommandInteractionData{ID: s.commandIDLocked(i.GuildID, name, discordgo.ChatApplicationCommand), Name: name, CommandType: discordgo.ChatApplicationCommand, Options: options}
	if res.Users != nil || res.Channels != nil || res.Attachments != nil {
		d.Resolved = res
	}
	i.Data = d
	return i
}

// Slash builds a slash-command interaction (type 2) in channelID by userID.
func (s *Server) Slash(t testing.TB, channelID, userID, command string, opts ...Opt) *discordgo.Interaction {
	t.Helper()
	return s.command(t, discordgo.InteractionApplicationCommand, channelID, userID, command, opts)
}

// Autocomplete builds an autocomplete interaction (type 4); mark the typed
// option with Focused.
func (s *Server) Autocomplete(t testing.TB, channelID, userID, command string, opts ...Opt) *discordgo.Interaction {
	t.Helper()
	return s.command(t, discordgo.InteractionApplicationCommandAutocomplete, channelID, userID, command, opts)
}

// MessageCommand builds a message-command interaction targeting messageID
// (which must be recorded: AddMessage or sent by the bot).
func (s *Server) MessageCommand(t testing.TB, channelID, userID, command, messageID string) *discordgo.Interaction {
	t.Helper()
	i, err := s.base(discordgo.InteractionApplicationCommand, channelID, userID)
	if err != nil {
		t.Fatalf("discordtest: message command %q: %v", command, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.msgByID[messageID]
	if m == nil {
		t.Fatalf("discordtest: message command %q: unknown message %s", command, messageID)
	}
	i.Data = discordgo.ApplicationCommandInteractionData{
		ID: s.commandIDLocked(i.GuildID, command, discordgo.MessageApplicationCommand), Name: command,
		CommandType: discordgo.MessageApplicationCommand, TargetID: messageID,
		Resolved: &discordgo.ApplicationCommandInteractionDataResolved{Messages: map[string]*discordgo.Message{messageID: wire(m)}},
	}
	return i
}

// UserCommand builds a user-command interaction targeting targetUserID.
func (s *Server) UserCommand(t testing.TB, channelID, userID, command, targetUserID string) *discordgo.Interaction {
	t.Helper()
	i, err := s.base(discordgo.InteractionApplicationCommand, channelID, userID)
	if err != nil {
		t.Fatalf("discordtest: user command %q: %v", command, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := &discordgo.ApplicationCommandInteractionDataResolved{}
	if _, err := s.resolveOpts([]Opt{UserOpt("target", targetUserID)}, res, i.GuildID); err != nil {
		t.Fatalf("discordtest: user command %q: %v", command, err)
	}
	i.Data = discordgo.ApplicationCommandInteractionData{
		ID: s.commandIDLocked(i.GuildID, command, discordgo.UserApplicationCommand), Name: command,
		CommandType: discordgo.UserApplicationCommand, TargetID: targetUserID, Resolved: res,
	}
	return i
}

// Component builds a component interaction (type 3) on msg: a button click
// when values is empty and the component is a button, else a select with
// values. customID must be on msg.
func (s *Server) Component(t testing.TB, userID string, msg *Message, customID string, values ...string) *discordgo.Interaction {
	t.Helper()
	if fresh := s.Message(msg.ID); fresh != nil {
		msg = fresh
	}
	c := msg.Component(customID)
	if c == nil {
		t.Fatalf("discordtest: message %s has no component %q (has %q)", msg.ID, customID, msg.CustomIDs())
	}
	if b, ok := c.(*discordgo.Button); ok && b.Disabled {
		t.Fatalf("discordtest: button %q is disabled", customID)
	}
	if sm, ok := c.(*discordgo.SelectMenu); ok && sm.Disabled {
		t.Fatalf("discordtest: select %q is disabled", customID)
	}
	i, err := s.base(discordgo.InteractionMessageComponent, msg.ChannelID, userID)
	if err != nil {
		t.Fatalf("discordtest: component %q: %v", customID, err)
	}
	if values == nil && c.Type() != discordgo.ButtonComponent {
		values = []string{}
	}
	i.Data = discordgo.MessageComponentInteractionData{CustomID: customID, ComponentType: c.Type(), Values: values}
	s.mu.Lock()
	i.Message = wire(msg)
	s.mu.Unlock()
	return i
}

// ModalSubmit builds a modal-submit interaction (type 5) for modal customID
// with text-input values (custom_id → value, sent in sorted order). msg is
// the message whose component opened the modal, or nil.
func (s *Server) ModalSubmit(t testing.TB, channelID, userID, customID string, values map[string]string, msg *Message) *discordgo.Interaction {
	t.Helper()
	i, err := s.base(discordgo.InteractionModalSubmit, channelID, userID)
	if err != nil {
		t.Fatalf("discordtest: modal %q: %v", customID, err)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rows []discordgo.MessageComponent
	for _, k := range keys {
		rows = append(rows, &discordgo.ActionsRow{Components: []discordgo.MessageComponent{&discordgo.TextInput{CustomID: k, Value: values[k]}}})
	}
	i.Data = discordgo.ModalSubmitInteractionData{CustomID: customID, Components: rows}
	if msg != nil {
		s.mu.Lock()
		i.Message = wire(msg)
		s.mu.Unlock()
	}
	return i
}

// Send dispatches i as INTERACTION_CREATE to the connected bot (waiting up
// to DefaultTimeout for a ready session) and returns a handle on its answer.
func (s *Server) Send(t testing.TB, i *discordgo.Interaction) *Pending {
	t.Helper()
	return s.send(t, i, nil)
}

// Prepared is an interaction already encoded as its gateway event, for a
// load generator that builds its work before timing it: SendPrepared then
// costs only the bookkeeping and the socket write.
type Prepared struct {
	i       *discordgo.Interaction
	payload json.RawMessage
}

// Prepare encodes i as Send would, with its channel as it is now (the
// channel is embedded in the event, so changes to it before SendPrepared
// are not seen).
func (s *Server) Prepare(t testing.TB, i *discordgo.Interaction) *Prepared {
	t.Helper()
	payload, err := interactionJSON(i, s.channelCopy(i.ChannelID))
	if err != nil {
		t.Fatalf("discordtest: Prepare: %v", err)
	}
	return &Prepared{i: i, payload: payload}
}

// SendPrepared is Send for an interaction encoded by Prepare.
func (s *Server) SendPrepared(t testing.TB, p *Prepared) *Pending {
	t.Helper()
	return s.send(t, p.i, p.payload)
}

func (s *Server) channelCopy(id string) *discordgo.Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channels[id]; c != nil {
		cc := *c
		return &cc
	}
	return nil
}

// send dispatches i, encoding it first unless payload is given.
func (s *Server) send(t testing.TB, i *discordgo.Interaction, payload json.RawMessage) *Pending {
	t.Helper()
	if payload == nil {
		var err error
		if payload, err = interactionJSON(i, s.channelCopy(i.ChannelID)); err != nil {
			t.Fatalf("discordtest: Send: %v", err)
		}
	}
	if s.httpEndpoint() != "" {
		return s.deliverHTTP(t, i, payload)
	}
	if !s.gw.readyFor(i.GuildID) {
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		defer cancel()
		g := &s.gw
		if err := g.waitFor(ctx, func() bool { return sessionUp(g.sessionForLocked(i.GuildID)) }); err != nil {
			t.Fatalf("discordtest: Send: no ready session for shard of guild %s: %v", i.GuildID, err)
		}
	}
	st := s.track(i)
	if !s.gw.dispatch(i.GuildID, "INTERACTION_CREATE", payload) {
		t.Fatalf("discordtest: Send: no gateway session")
	}
	return &Pending{s: s, st: st}
}

// track records i as dispatched now.
func (s *Server) track(i *discordgo.Interaction) *interactionState {
	st := &interactionState{i: i, fromMessage: i.Message != nil, sentAt: time.Now()}
	s.mu.Lock()
	s.inter[i.ID] = st
	s.interTok[i.Token] = st
	s.mu.Unlock()
	return st
}

// Click sends a component interaction for the button customID on msg by
// userID: the helper for "Next", "Confirm", pagination buttons.
func (s *Server) Click(t testing.TB, userID string, msg *Message, customID string) *Pending {
	t.Helper()
	return s.Send(t, s.Component(t, userID, msg, customID))
}

// Choose sends a select-menu interaction choosing values on msg.
func (s *Server) Choose(t testing.TB, userID string, msg *Message, customID string, values ...string) *Pending {
	t.Helper()
	if values == nil {
		values = []string{}
	}
	return s.Send(t, s.Component(t, userID, msg, customID, values...))
}

// Submit fills in and submits the modal the bot opened in answer to from
// (a type 9 callback), as userID, with values by text-input custom_id;
// inputs not in values send their pre-filled value.
func (s *Server) Submit(t testing.TB, userID string, from *Pending, values map[string]string) *Pending {
	t.Helper()
	modal := from.Answer()
	if modal == nil || modal.Type != discordgo.InteractionResponseModal || modal.Data == nil {
		t.Fatalf("discordtest: Submit: answer is not a modal: %s", describe(modal))
	}
	all := map[string]string{}
	walkComponents(modal.Data.Components, func(c discordgo.MessageComponent) {
		if ti, ok := c.(*discordgo.TextInput); ok {
			all[ti.CustomID] = ti.Value
		}
	})
	for k, v := range values {
		if _, ok := all[k]; !ok {
			t.Fatalf("discordtest: Submit: modal has no text input %q", k)
		}
		all[k] = v
	}
	orig := from.Interaction()
	var msg *Message
	if orig.Message != nil {
		msg = s.Message(orig.Message.ID)
	}
	return s.Send(t, s.ModalSubmit(t, orig.ChannelID, userID, modal.Data.CustomID, all, msg))
}

// ---- callbacks and webhooks ----

// decodeResponseData decodes a callback's data; comps are its components
// already decoded by parseMsg (decoding them is most of the cost), shared
// with the recorded message.
func decodeResponseData(raw json.RawMessage, comps []discordgo.MessageComponent) (*discordgo.InteractionResponseData, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var aux struct {
		*discordgo.InteractionResponseData
		Components json.RawMessage `json:"components"` // in comps
	}
	aux.InteractionResponseData = &discordgo.InteractionResponseData{}
	if err := json.Unmarshal(raw, &aux); err != nil {
		return nil, fmt.Errorf("decode response data: %w", err)
	}
	aux.InteractionResponseData.Components = comps
	return aux.InteractionResponseData, nil
}

func (s *Server) delay() {
	s.mu.Lock()
	d := s.cbDelay
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	select {
	case <-time.After(d):
	case <-s.closed:
	}
}

func (s *Server) callback(w http.ResponseWriter, r *http.Request, path, id, token string) {
	arrived := time.Now()
	s.delay()
	b, err := readBody(r)
	if err != nil {
		writeError(w, 400, 50109, "The request body contains invalid JSON.")
		return
	}
	s.mu.Lock()
	st := s.inter[id]
	if st == nil || st.i.Token != token || st.viaHTTP {
		// An interaction delivered by HTTP is answered in the response:
		// a REST callback for it is unknown to Discord.
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
		return
	}
	s.mu.Unlock()
	s.acceptCallback(w, r, path, st, b, arrived)
}

// acceptCallback checks and records the first answer to st, arrived at
// arrived: a REST callback, or an HTTP interaction's response body.
func (s *Server) acceptCallback(w http.ResponseWriter, r *http.Request, path string, st *interactionState, b body, arrived time.Time) {
	s.mu.Lock()
	switch {
	case arrived.Sub(st.sentAt) > s.window:
		st.rejections = append(st.rejections, 10062)
		s.notifyLocked()
		s.mu.Unlock()
		writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
		return
	case st.answered:
		st.rejections = append(st.rejections, 40060)
		s.notifyLocked()
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
		return
	}
	it, fromMsg := st.i.Type, st.fromMessage
	s.mu.Unlock()

	if ps := ValidateResponseJSON(b.JSON, it, fromMsg, len(b.Files) > 0); len(ps) > 0 {
		s.reject(w, r, path, b.JSON, ps)
		return
	}
	var resp struct {
		Type discordgo.InteractionResponseType `json:"type"`
		Data json.RawMessage                   `json:"data"`
	}
	_ = json.Unmarshal(b.JSON, &resp)
	var p msgPayload
	var comps []discordgo.MessageComponent
	var data *discordgo.InteractionResponseData
	var err error
	if len(resp.Data) > 0 && string(resp.Data) != "null" {
		p, comps, err = parseMsg(resp.Data)
	}
	if err == nil {
		data, err = decodeResponseData(resp.Data, comps)
	}
	if err != nil {
		s.reject(w, r, path, b.JSON, Problems{{Path: "data", Code: "MODEL_TYPE_CONVERT", Message: err.Error()}})
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if st.answered { // lost a race with a concurrent callback
		st.rejections = append(st.rejections, 40060)
		s.notifyLocked()
		writeError(w, http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
		return
	}
	st.answered = true
	st.ans = Answer{Type: resp.Type, Data: data, Raw: string(b.JSON), Files: b.Files}
	newMsg := func() *Message {
		return &Message{Message: discordgo.Message{ID: s.newIDLocked(), ChannelID: st.i.ChannelID, GuildID: st.i.GuildID, Author: s.BotUser, Timestamp: time.Now().UTC(), Type: discordgo.MessageTypeChatInputCommand}, Source: SourceOriginal, InteractionID: st.i.ID}
	}
	switch resp.Type {
	case discordgo.InteractionResponseChannelMessageWithSource:
		m := newMsg()
		s.applyLocked(m, p, comps, b.Files, resp.Data, true)
		st.original = m
		s.storeMessageLocked(m)
	case discordgo.InteractionResponseDeferredChannelMessageWithSource:
		m := newMsg()
		m.Deferred = true
		m.Flags = p.Flags & discordgo.MessageFlagsEphemeral
		m.Flags |= 1 << 7 // LOADING
		m.Raw = string(resp.Data)
		st.original = m
		s.storeMessageLocked(m)
	case discordgo.InteractionResponseDeferredMessageUpdate, discordgo.InteractionResponseUpdateMessage:
		m := s.componentMessageLocked(st)
		st.baseEdits = m.Edits
		if resp.Type == discordgo.InteractionResponseUpdateMessage {
			s.applyLocked(m, p, comps, b.Files, resp.Data, false)
			st.baseEdits = m.Edits
		}
		st.original = m
	}
	s.notifyLocked()
	if sw, ok := w.(*statusWriter); ok {
		sw.cbType = resp.Type
	}
	w.WriteHeader(http.StatusNoContent)
}

// componentMessageLocked returns the recorded message a component sits on,
// recording it if the test built it by hand.
func (s *Server) componentMessageLocked(st *interactionState) *Message {
	src := st.i.Message
	if m := s.msgByID[src.ID]; m != nil {
		return m
	}
	m := &Message{Message: *src, Source: SourceSeed}
	if m.ChannelID == "" {
		m.ChannelID = st.i.ChannelID
	}
	s.storeMessageLocked(m)
	return m
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request, path, app, token string, rest []string) {
	s.delay()
	s.mu.Lock()
	st := s.interTok[token]
	ok := app == s.AppID && st != nil
	var ans, expired bool
	if ok {
		ans = st.answered
		expired = time.Since(st.sentAt) > s.tokLife
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, 10015, "Unknown Webhook")
		return
	}
	if expired {
		writeError(w, http.StatusUnauthorized, 50027, "Invalid Webhook Token")
		return
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodPost:
		if !ans {
			writeError(w, http.StatusNotFound, 10015, "Unknown Webhook")
			return
		}
		s.followup(w, r, path, st)
	case len(rest) == 2 && rest[0] == "messages":
		s.webhookMessage(w, r, path, st, rest[1])
	default:
		writeError(w, http.StatusNotFound, 0, "404: Not Found")
	}
}

func (s *Server) followup(w http.ResponseWriter, r *http.Request, path string, st *interactionState) {
	b, err := readBody(r)
	if err != nil {
		writeError(w, 400, 50109, "The request body contains invalid JSON.")
		return
	}
	ps := ValidateNewMessageJSON(b.JSON, len(b.Files) > 0)
	if m, _ := decodeObj(b.JSON); m != nil {
		c := &checker{}
		c.responseFlags(intField(m, "flags"))
		for i := range c.ps {
			c.ps[i].Path = "flags"
		}
		ps = append(ps, c.ps...)
	}
	if len(ps) > 0 {
		s.reject(w, r, path, b.JSON, ps)
		return
	}
	p, comps, err := parseMsg(b.JSON)
	if err != nil {
		s.reject(w, r, path, b.JSON, Problems{{Code: "MODEL_TYPE_CONVERT", Message: err.Error()}})
		return
	}
	s.mu.Lock()
	var m *Message
	if o := st.original; o != nil && o.Deferred && st.ans.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource && !o.Deleted {
		// The first follow-up after a deferral fills the "thinking…" message
		// and keeps its ephemerality.
		eph := o.Flags & discordgo.MessageFlagsEphemeral
		s.applyLocked(o, p, comps, b.Files, b.JSON, false)
		o.Flags = eph | (p.Flags &^ discordgo.MessageFlagsEphemeral)
		m = o
	} else {
		m = &Message{Message: discordgo.Message{ID: s.newIDLocked(), ChannelID: st.i.ChannelID, GuildID: st.i.GuildID, Author: s.BotUser, Timestamp: time.Now().UTC()}, Source: SourceFollowup, InteractionID: st.i.ID}
		s.applyLocked(m, p, comps, b.Files, b.JSON, true)
		s.storeMessageLocked(m)
	}
	st.followups = append(st.followups, m)
	s.notifyLocked()
	out := wire(m)
	s.mu.Unlock()
	if r.URL.Query().Get("wait") == "true" {
		writeJSON(w, 200, out)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) webhookMessage(w http.ResponseWriter, r *http.Request, path string, st *interactionState, id string) {
	s.mu.Lock()
	var m *Message
	kind := "followup"
	if id == "@original" {
		m, kind = st.original, "original"
	} else {
		if st.original != nil && st.original.ID == id {
			m = st.original
		}
		for _, f := range st.followups {
			if f.ID == id {
				m = f
			}
		}
	}
	if m != nil && m.Deleted {
		m = nil
	}
	s.mu.Unlock()
	if m == nil {
		writeError(w, http.StatusNotFound, 10008, "Unknown Message")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		out := wire(m)
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case http.MethodPatch:
		b, p, comps, ok := s.readMessage(w, r, path, checkEdit)
		if !ok {
			return
		}
		s.mu.Lock()
		eph := m.Flags & discordgo.MessageFlagsEphemeral
		s.applyLocked(m, p, comps, b.Files, b.JSON, false)
		m.Flags = eph | (m.Flags &^ (discordgo.MessageFlagsEphemeral | 1<<7))
		s.notifyLocked()
		out := wire(m)
		s.mu.Unlock()
		writeJSON(w, 200, out)
	case http.MethodDelete:
		s.mu.Lock()
		m.Deleted = true
		s.deletions = append(s.deletions, Deletion{Kind: kind, ChannelID: m.ChannelID, MessageID: m.ID, At: time.Now()})
		s.notifyLocked()
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, 0, "405: Method Not Allowed")
	}
}

// interactionJSON renders i as Discord sends it, with the channel object
// and modal-submit components (which discordgo does not marshal).
func interactionJSON(i *discordgo.Interaction, ch *discordgo.Channel) (json.RawMessage, error) {
	raw, err := json.Marshal(struct {
		*discordgo.Interaction
		Channel *discordgo.Channel `json:"channel,omitempty"`
	}{i, ch})
	if err != nil {
		return nil, fmt.Errorf("marshal interaction: %w", err)
	}
	if raw, err = withMessageComponents(raw, i); err != nil {
		return nil, err
	}
	md, ok := i.Data.(discordgo.ModalSubmitInteractionData)
	if !ok {
		return raw, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("remarshal interaction: %w", err)
	}
	data, err := json.Marshal(struct {
		CustomID   string                       `json:"custom_id"`
		Components []discordgo.MessageComponent `json:"components"`
	}{md.CustomID, md.Components})
	if err != nil {
		return nil, fmt.Errorf("marshal modal data: %w", err)
	}
	m["data"] = data
	return json.Marshal(m)
}
