package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
)

// FailureMessage is what a member is told, ephemerally, when a handler
// fails (error, panic, nil answer, or an answer that cannot be delivered).
const FailureMessage = "Something went wrong. Please try again later."

// ShutdownMessage is what a member is told when an interaction arrives
// while the bot is shutting down.
const ShutdownMessage = "Ficshelf is restarting. Please try again in a minute."

// responder sends the answers to one interaction. sessionResponder
// implements it over discordgo; tests use a recording fake. Every call must
// return by ctx's deadline.
type responder interface {
	// Respond sends the interaction callback (the first answer).
	Respond(ctx context.Context, i *discordgo.Interaction, r *discordgo.InteractionResponse) error
	// EditOriginal edits the original answer (PATCH .../messages/@original).
	EditOriginal(ctx context.Context, i *discordgo.Interaction, e *discordgo.WebhookEdit) error
	// FollowUp sends a further message (POST /webhooks/{app}/{token}).
	FollowUp(ctx context.Context, i *discordgo.Interaction, p *discordgo.WebhookParams) error
	// DeleteOriginal deletes the original answer.
	DeleteOriginal(ctx context.Context, i *discordgo.Interaction) error
}

// answerer runs a handler for one interaction and makes sure the
// interaction is answered exactly as the package doc describes.
type answerer struct {
	r      responder
	log    *slog.Logger
	obs    Observer
	redact redactor

	deferAfter        time.Duration // answer directly before this, defer after
	autocompleteAfter time.Duration // autocomplete gets empty choices after this
	restTimeout       time.Duration // bound on each REST call
	lastResort        time.Duration // wait for a handler after its ctx is done
	pool              *workers      // runs handlers; nil: a goroutine each
	gate              *fairGate     // handler slots shared fairly between servers (fairshare.go); nil: none
}

// spawn runs f on a pooled goroutine (or a new one without a pool).
func (a *answerer) spawn(f func()) {
	if a.pool != nil {
		a.pool.Go(f)
		return
	}
	go f()
}

// result is what a handler produced.
type result struct {
	resp     *discordgo.InteractionResponse
	err      error
	panicked bool
}

// answer runs h for i and answers i. It returns once the last answer has
// been sent or has failed. ctx is the handler's context; cancelling it is
// the last resort: the handler is given lastResort more to return, then the
// member is told FailureMessage.
func (a *answerer) answer(ctx context.Context, h Handler, i *discordgo.Interaction) {
	start := time.Now()
	kind, name := Describe(i)
	log := slog.New(&interactionLog{h: a.log.Handler(), id: i.ID, kind: kind, name: name})
	done := make(chan result, 1)
	a.spawn(func() { done <- a.callInTurn(ctx, h, i, log) })

	wait := a.deferAfter
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		wait = a.autocompleteAfter
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()

	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		res = a.await(ctx, done)
	case <-timer.C:
		outcome, deferred := a.late(ctx, h, i, done, log)
		a.finish(log, kind, name, outcome, start, deferred)
		return
	}
	a.finish(log, kind, name, a.now(i, res, log), start, false)
}

func (a *answerer) finish(log *slog.Logger, kind, name, outcome string, start time.Time, deferred bool) {
	d := time.Since(start)
	log.Debug("interaction answered", "outcome", outcome, "duration", d, "deferred", deferred)
	a.obs.InteractionDone(kind, name, outcome, d, deferred)
}

// call runs the handler, turning a panic into a failed result.
func (a *answerer) call(ctx context.Context, h Handler, i *discordgo.Interaction, log *slog.Logger) (res result) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("handler panicked", "panic", a.redact.String(fmt.Sprint(p)), "stack", string(debug.Stack()))
			res = result{err: fmt.Errorf("handler panicked: %v", p), panicked: true}
		}
	}()
	resp, err := h.HandleInteraction(ctx, i)
	return result{resp: resp, err: err}
}

// await waits for the handler's result; once ctx is done it waits at most
// lastResort more.
func (a *answerer) await(ctx context.Context, done <-chan result) result {
	select {
	case res := <-done:
		return res
	case <-ctx.Done():
	}
	t := time.NewTimer(a.lastResort)
	defer t.Stop()
	select {
	case res := <-done:
		return res
	case <-t.C:
		return result{err: fmt.Errorf("handler did not return after its context ended: %w", context.Cause(ctx))}
	}
}

// failure logs a result that cannot be sent as it is and returns its
// outcome, or "" when res holds a deliverable answer.
func (a *answerer) failure(res result, log *slog.Logger) string {
	switch {
	case res.panicked:
		return OutcomePanic // logged with its stack by call
	case res.err != nil:
		log.Error("handler failed", "err", a.redact.String(res.err.Error()))
		return OutcomeError
	case res.resp == nil:
		log.Error("handler returned no answer and no error")
		return OutcomeError
	}
	r := res.resp
	if (r.Type == discordgo.InteractionResponseChannelMessageWithSource || r.Type == discordgo.InteractionResponseUpdateMessage) && r.Data == nil {
		log.Error("handler returned a message answer without data", "type", int(r.Type))
		return OutcomeError
	}
	if r.Type == discordgo.InteractionResponseChannelMessageWithSource && emptyMessage(r.Data) {
		log.Error("handler returned an empty message")
		return OutcomeError
	}
	return ""
}

func emptyMessage(d *discordgo.InteractionResponseData) bool {
	return strings.TrimSpace(d.Content) == "" && len(d.Embeds) == 0 && len(d.Components) == 0 &&
		len(d.Files) == 0 && d.Poll == nil
}

// now sends the handler's answer as the interaction callback.
func (a *answerer) now(i *discordgo.Interaction, res result, log *slog.Logger) string {
	if outcome := a.failure(res, log); outcome != "" {
		if a.send(log, "callback", func(ctx context.Context) error { return a.r.Respond(ctx, i, failureResponse(i)) }) != nil {
			return OutcomeFailed
		}
		return outcome
	}
	resp := res.resp
	switch resp.Type {
	case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage:
		pieces := splitMessage(resp.Data.Content, resp.Data.Embeds, resp.Data.Components)
		d := *resp.Data
		d.Content, d.Embeds, d.Components = pieces[0].Content, pieces[0].Embeds, pieces[0].Components
		d.AllowedMentions = mentionsOr(d.AllowedMentions)
		first := &discordgo.InteractionResponse{Type: resp.Type, Data: &d}
		if a.send(log, "callback", func(ctx context.Context) error { return a.r.Respond(ctx, i, first) }) != nil {
			return OutcomeFailed
		}
		flags := d.Flags
		if resp.Type == discordgo.InteractionResponseUpdateMessage {
			flags = 0
			if i.Message != nil {
				flags = i.Message.Flags & discordgo.MessageFlagsEphemeral
			}
		}
		return a.followUps(i, pieces[1:], flags, d.AllowedMentions, log)
	case discordgo.InteractionApplicationCommandAutocompleteResult:
		d := discordgo.InteractionResponseData{}
		if resp.Data != nil {
			d.Choices = resp.Data.Choices
		}
		d.Choices = FitChoices(d.Choices)
		out := &discordgo.InteractionResponse{Type: resp.Type, Data: &d}
		if a.send(log, "callback", func(ctx context.Context) error { return a.r.Respond(ctx, i, out) }) != nil {
			return OutcomeFailed
		}
	case discordgo.InteractionResponseModal:
		out := resp
		if resp.Data != nil {
			out = &discordgo.InteractionResponse{Type: resp.Type, Data: fitModal(resp.Data)}
		}
		if a.send(log, "callback", func(ctx context.Context) error { return a.r.Respond(ctx, i, out) }) != nil {
			return OutcomeFailed
		}
	default:
		if resp.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource {
			log.Warn("handler answered with a bare deferral; nothing will follow it")
		}
		if a.send(log, "callback", func(ctx context.Context) error { return a.r.Respond(ctx, i, resp) }) != nil {
			return OutcomeFailed
		}
	}
	return OutcomeOK
}

// late acknowledges i because the handler is slow, then delivers its
// answer. It returns the outcome and whether i was deferred.
func (a *answerer) late(ctx context.Context, h Handler, i *discordgo.Interaction, done <-chan result, log *slog.Logger) (string, bool) {
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		// Autocomplete cannot be deferred: answer no choices now and drop
		// whatever the handler says later.
		empty := &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}},
		}
		log.Warn("autocomplete too slow; answered with no choices", "after", a.autocompleteAfter)
		if a.send(log, "callback", func(ctx context.Context) error { return a.r.Respond(ctx, i, empty) }) != nil {
			return OutcomeFailed, false
		}
		return OutcomeLate, false
	}
	ack := ackFor(i, a.hintEphemeral(h, i, log))
	if a.send(log, "deferral", func(ctx context.Context) error { return a.r.Respond(ctx, i, ack) }) != nil {
		// Nothing more can reach the member; let the handler finish.
		if a.failure(a.await(ctx, done), log) == "" {
			log.Warn("handler's answer dropped: its deferral failed")
		}
		return OutcomeFailed, true
	}
	return a.deliver(i, ack, a.await(ctx, done), log), true
}

// hintEphemeral asks h's DeferHinter, if any, whether to defer ephemerally.
func (a *answerer) hintEphemeral(h Handler, i *discordgo.Interaction, log *slog.Logger) (eph bool) {
	dh, ok := h.(DeferHinter)
	if !ok {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			log.Error("DeferEphemeral panicked", "panic", a.redact.String(fmt.Sprint(p)), "stack", string(debug.Stack()))
			eph = true
		}
	}()
	return dh.DeferEphemeral(i)
}

// ackFor is the deferral for i: a deferred update (6) for a component, or
// for a modal submitted from a component's message (so that the answer may
// still update that message or add a follow-up); otherwise a deferred
// message (5), ephemeral when asked.
func ackFor(i *discordgo.Interaction, ephemeral bool) *discordgo.InteractionResponse {
	if i.Type == discordgo.InteractionMessageComponent || (i.Type == discordgo.InteractionModalSubmit && i.Message != nil) {
		return &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	}
	r := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if ephemeral {
		r.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
	}
	return r
}

// deliver sends a handler's answer after the deferral ack.
func (a *answerer) deliver(i *discordgo.Interaction, ack *discordgo.InteractionResponse, res result, log *slog.Logger) string {
	ackMessage := ack.Type == discordgo.InteractionResponseDeferredChannelMessageWithSource
	ackEphemeral := ackMessage && ack.Data != nil && ack.Data.Flags&discordgo.MessageFlagsEphemeral != 0

	outcome := a.failure(res, log)
	if outcome == "" {
		switch res.resp.Type {
		case discordgo.InteractionResponseChannelMessageWithSource, discordgo.InteractionResponseUpdateMessage:
		default:
			log.Error("handler's answer cannot follow a deferral", "type", int(res.resp.Type))
			outcome = OutcomeError
		}
	}
	if outcome != "" {
		fail := piece{Content: FailureMessage}
		var err error
		switch {
		case ackEphemeral:
			err = a.edit(i, fail, &discordgo.InteractionResponseData{}, log)
		case ackMessage:
			// Tell the member privately; if the public "thinking" message
			// cannot be removed, it says it instead (nothing secret).
			if err = a.deleteOriginal(i, log); err == nil {
				err = a.follow(i, fail, discordgo.MessageFlagsEphemeral, noMentions(), nil, log)
			} else {
				err = a.edit(i, fail, &discordgo.InteractionResponseData{}, log)
			}
		default:
			err = a.follow(i, fail, discordgo.MessageFlagsEphemeral, noMentions(), nil, log)
		}
		if err != nil {
			return OutcomeFailed
		}
		return outcome
	}

	resp := res.resp
	d := *resp.Data
	d.AllowedMentions = mentionsOr(d.AllowedMentions)
	pieces := splitMessage(d.Content, d.Embeds, d.Components)
	ephemeral := d.Flags&discordgo.MessageFlagsEphemeral != 0
	update := resp.Type == discordgo.InteractionResponseUpdateMessage

	var flags discordgo.MessageFlags
	switch {
	case ackMessage && (update || ephemeral == ackEphemeral):
		// The deferred "thinking" message becomes the answer. An update
		// answer after a message deferral can only land there too.
		if a.edit(i, pieces[0], &d, log) != nil {
			return OutcomeFailed
		}
		flags = d.Flags
		if ackEphemeral {
			flags |= discordgo.MessageFlagsEphemeral
		} else {
			flags &^= discordgo.MessageFlagsEphemeral
		}
		pieces = pieces[1:]
	case !ackMessage && update:
		// Deferred update: @original is the component's message.
		if a.edit(i, pieces[0], &d, log) != nil {
			return OutcomeFailed
		}
		if i.Message != nil {
			flags = i.Message.Flags & discordgo.MessageFlagsEphemeral
		}
		pieces = pieces[1:]
	default:
		// A new message whose visibility differs from the deferral (or
		// one after a deferred update): send it as follow-ups. A
		// "thinking" message is deleted first, because Discord makes the
		// first follow-up after a deferral fill it, keeping the
		// deferral's visibility.
		if ackMessage && a.deleteOriginal(i, log) != nil && ephemeral {
			return OutcomeFailed // a follow-up would show the private answer publicly
		}
		flags = d.Flags
		if a.follow(i, pieces[0], flags, d.AllowedMentions, &d, log) != nil {
			return OutcomeFailed
		}
		pieces = pieces[1:]
	}
	return a.followUps(i, pieces, flags, d.AllowedMentions, log)
}

// deleteOriginal deletes the deferred original answer.
func (a *answerer) deleteOriginal(i *discordgo.Interaction, log *slog.Logger) error {
	return a.send(log, "delete deferred answer", func(ctx context.Context) error { return a.r.DeleteOriginal(ctx, i) })
}

// edit makes p (with d's files and attachments) the original answer.
func (a *answerer) edit(i *discordgo.Interaction, p piece, d *discordgo.InteractionResponseData, log *slog.Logger) error {
	content := p.Content
	e := &discordgo.WebhookEdit{
		Content:         &content,
		AllowedMentions: mentionsOr(d.AllowedMentions),
		Files:           d.Files,
		Attachments:     d.Attachments,
	}
	if p.Embeds != nil {
		embeds := p.Embeds
		e.Embeds = &embeds
	}
	if p.Components != nil {
		cs := p.Components
		e.Components = &cs
	}
	return a.send(log, "edit original", func(ctx context.Context) error { return a.r.EditOriginal(ctx, i, e) })
}

// follow sends p as a follow-up message; d, when not nil, gives files.
func (a *answerer) follow(i *discordgo.Interaction, p piece, flags discordgo.MessageFlags, m *discordgo.MessageAllowedMentions, d *discordgo.InteractionResponseData, log *slog.Logger) error {
	w := &discordgo.WebhookParams{
		Content:         p.Content,
		Embeds:          p.Embeds,
		Components:      p.Components,
		AllowedMentions: mentionsOr(m),
		Flags:           flags,
	}
	if d != nil {
		w.Files = d.Files
	}
	return a.send(log, "follow-up", func(ctx context.Context) error { return a.r.FollowUp(ctx, i, w) })
}

// followUps sends the pieces that did not fit in the first message.
func (a *answerer) followUps(i *discordgo.Interaction, pieces []piece, flags discordgo.MessageFlags, m *discordgo.MessageAllowedMentions, log *slog.Logger) string {
	for _, p := range pieces {
		if a.follow(i, p, flags, m, nil, log) != nil {
			return OutcomeFailed
		}
	}
	return OutcomeOK
}

// send runs one REST call bounded by restTimeout and logs its failure.
func (a *answerer) send(log *slog.Logger, what string, call func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), a.restTimeout)
	defer cancel()
	err := call(ctx)
	if err != nil {
		status, code := restStatus(err)
		log.Error("could not answer interaction", "step", what, "status", status, "code", code, "err", a.redact.String(err.Error()))
	}
	return err
}

// failureResponse is the ephemeral "Something went wrong" callback, or no
// choices for an autocomplete.
func failureResponse(i *discordgo.Interaction) *discordgo.InteractionResponse {
	return textResponse(i, FailureMessage)
}

func textResponse(i *discordgo.Interaction, text string) *discordgo.InteractionResponse {
	if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		return &discordgo.InteractionResponse{
			Type: discordgo.InteractionApplicationCommandAutocompleteResult,
			Data: &discordgo.InteractionResponseData{Choices: []*discordgo.ApplicationCommandOptionChoice{}},
		}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{
			Content:         text,
			Flags:           discordgo.MessageFlagsEphemeral,
			AllowedMentions: noMentions(),
		},
	}
}

// restStatus extracts the HTTP status and Discord error code of a REST
// failure (0, 0 when err is not one).
func restStatus(err error) (status, code int) {
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		if re.Message != nil {
			code = re.Message.Code
		}
	}
	return status, code
}

// Describe returns the kind and name of an interaction as reported to the
// Observer and in logs: kind is "command", "message_command",
// "user_command", "autocomplete", "component", "modal" or "ping"; name is
// the command's name, or RouteOfCustomID of a component's or modal's
// custom_id.
func Describe(i *discordgo.Interaction) (kind, name string) {
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			return "autocomplete", d.Name
		}
		switch d.CommandType {
		case discordgo.MessageApplicationCommand:
			return "message_command", d.Name
		case discordgo.UserApplicationCommand:
			return "user_command", d.Name
		}
		return "command", d.Name
	case discordgo.MessageComponentInteractionData:
		return "component", RouteOfCustomID(d.CustomID)
	case discordgo.ModalSubmitInteractionData:
		return "modal", RouteOfCustomID(d.CustomID)
	}
	switch i.Type {
	case discordgo.InteractionPing:
		return "ping", ""
	case discordgo.InteractionMessageComponent:
		return "component", ""
	case discordgo.InteractionModalSubmit:
		return "modal", ""
	case discordgo.InteractionApplicationCommandAutocomplete:
		return "autocomplete", ""
	}
	return "command", ""
}

// RouteOfCustomID returns the first segment of a custom_id, the part that
// names its handler: "kudos" for "/kudos/123", "kudos:123" or "kudos|123".
// It is at most 32 bytes, so it is safe as a metrics label.
func RouteOfCustomID(id string) string {
	id = strings.TrimPrefix(id, "/")
	if j := strings.IndexAny(id, "/:|"); j >= 0 {
		id = id[:j]
	}
	if len(id) > 32 {
		id = truncBytes(id, 32)
	}
	return id
}
