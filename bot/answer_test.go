package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeResponder records what would be sent, as JSON, in order.
type fakeResponder struct {
	mu      sync.Mutex
	calls   []string
	failAll error            // returned by every call when set
	fail    map[string]error // returned by calls of one kind
}

func (f *fakeResponder) record(kind string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, kind+" "+string(data))
	if err := f.fail[kind]; err != nil {
		return err
	}
	return f.failAll
}

func (f *fakeResponder) Respond(_ context.Context, _ *discordgo.Interaction, r *discordgo.InteractionResponse) error {
	return f.record("respond", callbackBody(r))
}

func (f *fakeResponder) EditOriginal(_ context.Context, _ *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	return f.record("edit", e)
}

func (f *fakeResponder) FollowUp(_ context.Context, _ *discordgo.Interaction, p *discordgo.WebhookParams) error {
	return f.record("followup", p)
}

func (f *fakeResponder) DeleteOriginal(_ context.Context, _ *discordgo.Interaction) error {
	return f.record("delete", struct{}{})
}

func (f *fakeResponder) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

const testDefer = 60 * time.Millisecond

func newTestAnswerer(r responder, log *slog.Logger, obs Observer) *answerer {
	if obs == nil {
		obs = nopObserver{}
	}
	return &answerer{
		r: r, log: log, obs: obs, redact: newRedactor("test-token"),
		deferAfter: testDefer, autocompleteAfter: 2 * testDefer,
		restTimeout: time.Second, lastResort: 2 * testDefer,
	}
}

func slashInteraction() *discordgo.Interaction {
	return &discordgo.Interaction{
		ID: "100", AppID: "7", Token: "itoken", Type: discordgo.InteractionApplicationCommand,
		Data: discordgo.ApplicationCommandInteractionData{Name: "story", CommandType: discordgo.ChatApplicationCommand},
	}
}

func componentInteraction() *discordgo.Interaction {
	return &discordgo.Interaction{
		ID: "101", AppID: "7", Token: "itoken", Type: discordgo.InteractionMessageComponent,
		Data:    discordgo.MessageComponentInteractionData{CustomID: "kudos:5"},
		Message: &discordgo.Message{ID: "55"},
	}
}

func message(content string, flags discordgo.MessageFlags) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: content, Flags: flags},
	}
}

// handler answers resp after delay.
func handler(delay time.Duration, resp *discordgo.InteractionResponse, err error) Handler {
	return HandlerFunc(func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		if delay > 0 {
			time.Sleep(delay)
		}
		return resp, err
	})
}

type hinted struct {
	Handler
	ephemeral bool
}

func (h hinted) DeferEphemeral(*discordgo.Interaction) bool { return h.ephemeral }

// want checks calls against prefixes, one per call.
func want(t *testing.T, got []string, prefixes ...string) {
	t.Helper()
	if len(got) != len(prefixes) {
		t.Fatalf("got %d calls, want %d:\n%s", len(got), len(prefixes), strings.Join(got, "\n"))
	}
	for k, p := range prefixes {
		if !strings.HasPrefix(got[k], p) && !strings.Contains(got[k], p) {
			t.Errorf("call %d = %.300s\nwant it to start with or contain %s", k, got[k], p)
		}
	}
}

func TestAnswerDecisions(t *testing.T) {
	slow := 3 * testDefer
	long := strings.Repeat("word ", 900) // three messages' worth
	update := &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: "updated"},
	}
	modalFromMessage := &discordgo.Interaction{
		ID: "102", AppID: "7", Token: "t", Type: discordgo.InteractionModalSubmit,
		Data: discordgo.ModalSubmitInteractionData{CustomID: "rec:1"}, Message: &discordgo.Message{ID: "9"},
	}
	for _, tc := range []struct {
		name    string
		i       *discordgo.Interaction
		h       Handler
		outcome string
		calls   []string
	}{
		{"fast answer is the callback", slashInteraction(), handler(0, message("hi", 0), nil), "command story ok deferred=false",
			[]string{`respond {"type":4,"data":{"tts":false,"content":"hi","components":null,"embeds":null,"allowed_mentions":{"parse":[]`}},
		{"fast long answer continues in follow-ups", slashInteraction(), handler(0, message(long, discordgo.MessageFlagsEphemeral), nil), "command story ok deferred=false",
			[]string{`respond {"type":4`, `followup {"content":"word`, `"flags":64}`}},
		{"slow public answer edits the public deferral", slashInteraction(), handler(slow, message("done", 0), nil), "command story ok deferred=true",
			[]string{`respond {"type":5}`, `edit {"content":"done","allowed_mentions":{"parse":[]`}},
		{"slow ephemeral answer edits the ephemeral deferral", slashInteraction(), hinted{handler(slow, message("secret", discordgo.MessageFlagsEphemeral), nil), true}, "command story ok deferred=true",
			[]string{`respond {"type":5,"data":{"tts":false,"content":"","components":null,"embeds":null,"flags":64}}`, `edit {"content":"secret"`}},
		{"slow ephemeral answer after public deferral: follow-up then delete", slashInteraction(), handler(slow, message("secret", discordgo.MessageFlagsEphemeral), nil), "command story ok deferred=true",
			[]string{`respond {"type":5}`, `delete`, `followup {"content":"secret"`}},
		{"slow public answer after ephemeral deferral: follow-up then delete", slashInteraction(), hinted{handler(slow, message("for all", 0), nil), true}, "command story ok deferred=true",
			[]string{`respond {"type":5,"data"`, `delete`, `followup {"content":"for all","components":null,"allowed_mentions":{"parse":[]`}},
		{"slow long answer: edit then follow-ups", slashInteraction(), handler(slow, message(long, 0), nil), "command story ok deferred=true",
			[]string{`respond {"type":5}`, `edit {"content":"word`, `followup {"content":"word`, `followup {"content":"word`}},
		{"slow component update edits the message", componentInteraction(), handler(slow, update, nil), "component kudos ok deferred=true",
			[]string{`respond {"type":6}`, `edit {"content":"updated"`}},
		{"slow component new message is a follow-up", componentInteraction(), handler(slow, message("thanks", discordgo.MessageFlagsEphemeral), nil), "component kudos ok deferred=true",
			[]string{`respond {"type":6}`, `followup {"content":"thanks"`}},
		{"slow modal from a message defers as an update", modalFromMessage, handler(slow, update, nil), "modal rec ok deferred=true",
			[]string{`respond {"type":6}`, `edit {"content":"updated"`}},
		{"fast error", slashInteraction(), handler(0, nil, errors.New("db closed")), "command story error deferred=false",
			[]string{`respond {"type":4,"data":{"tts":false,"content":"` + FailureMessage + `","components":null,"embeds":null,"allowed_mentions":{"parse":[],"replied_user":false},"flags":64}}`}},
		{"fast nil answer", slashInteraction(), handler(0, nil, nil), "command story error deferred=false",
			[]string{`respond {"type":4,"data":{"tts":false,"content":"` + FailureMessage}},
		{"fast empty message", slashInteraction(), handler(0, message("  ", 0), nil), "command story error deferred=false",
			[]string{`respond {"type":4,"data":{"tts":false,"content":"` + FailureMessage}},
		{"slow error after public deferral", slashInteraction(), handler(slow, nil, errors.New("boom")), "command story error deferred=true",
			[]string{`respond {"type":5}`, `delete`, `followup {"content":"` + FailureMessage + `"`}},
		{"slow error after ephemeral deferral", slashInteraction(), hinted{handler(slow, nil, errors.New("boom")), true}, "command story error deferred=true",
			[]string{`respond {"type":5,"data"`, `edit {"content":"` + FailureMessage + `"`}},
		{"slow error on a component: ephemeral follow-up, message kept", componentInteraction(), handler(slow, nil, errors.New("boom")), "component kudos error deferred=true",
			[]string{`respond {"type":6}`, `followup {"content":"` + FailureMessage + `"`}},
		{"slow modal answer cannot follow a deferral", slashInteraction(), handler(slow, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: &discordgo.InteractionResponseData{CustomID: "m", Title: "T"}}, nil), "command story error deferred=true",
			[]string{`respond {"type":5}`, `delete`, `followup {"content":"` + FailureMessage}},
		{"explicit mentions kept", slashInteraction(), handler(0, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Content: "<@1>", AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{"1"}}},
		}, nil), "command story ok deferred=false",
			[]string{`"allowed_mentions":{"parse":null,"users":["1"]`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fr := &fakeResponder{}
			obs := &recordingObserver{}
			a := newTestAnswerer(fr, discardLogger(), obs)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			a.answer(ctx, tc.h, tc.i)
			want(t, fr.got(), tc.calls...)
			if got := obs.done(); len(got) != 1 || got[0] != tc.outcome {
				t.Errorf("observer saw %q, want %q", got, tc.outcome)
			}
		})
	}
}

func TestAnswerPanic(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	fr := &fakeResponder{}
	obs := &recordingObserver{}
	a := newTestAnswerer(fr, log, obs)
	h := HandlerFunc(func(context.Context, *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		var m map[string]int
		m["x"]++ // nil map write panics
		return nil, nil
	})
	a.answer(context.Background(), h, slashInteraction())
	want(t, fr.got(), `respond {"type":4,"data":{"tts":false,"content":"`+FailureMessage)
	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "handler panicked") ||
		!strings.Contains(out, "assignment to entry in nil map") || !strings.Contains(out, "answer_test.go") {
		t.Errorf("panic log lacks level, message or stack:\n%s", out)
	}
	if got := obs.done(); len(got) != 1 || got[0] != "command story panic deferred=false" {
		t.Errorf("observer saw %q", got)
	}

	// A slow panic, after a deferral, is answered too.
	fr2 := &fakeResponder{}
	a2 := newTestAnswerer(fr2, discardLogger(), nil)
	a2.answer(context.Background(), HandlerFunc(func(context.Context, *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		time.Sleep(3 * testDefer)
		panic("late")
	}), slashInteraction())
	want(t, fr2.got(), `respond {"type":5}`, `delete`, `followup {"content":"`+FailureMessage)
}

func TestAnswerErrorIsLoggedWithDetail(t *testing.T) {
	var logs syncBuffer
	a := newTestAnswerer(&fakeResponder{}, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	a.answer(context.Background(), handler(0, nil, fmt.Errorf("load story 42: %w", errors.New("bucket missing"))), slashInteraction())
	if out := logs.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "bucket missing") || !strings.Contains(out, "name=story") {
		t.Errorf("log lacks the error's detail:\n%s", out)
	}
}

func TestAutocomplete(t *testing.T) {
	ac := &discordgo.Interaction{
		ID: "103", AppID: "7", Token: "t", Type: discordgo.InteractionApplicationCommandAutocomplete,
		Data: discordgo.ApplicationCommandInteractionData{Name: "excerpt"},
	}
	var choices []*discordgo.ApplicationCommandOptionChoice
	for i := 0; i < 40; i++ {
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: fmt.Sprint("Story ", i), Value: fmt.Sprint(i)})
	}
	result := &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	}

	fr := &fakeResponder{}
	newTestAnswerer(fr, discardLogger(), nil).answer(context.Background(), handler(0, result, nil), ac)
	got := fr.got()
	want(t, got, `respond {"type":8`)
	if n := strings.Count(got[0], `"name":"Story`); n != MaxChoices {
		t.Errorf("sent %d choices, want %d", n, MaxChoices)
	}

	// Slower than the autocomplete limit (but faster than a deferral would
	// be for a command): empty choices, no deferral.
	fr = &fakeResponder{}
	obs := &recordingObserver{}
	a := newTestAnswerer(fr, discardLogger(), obs)
	start := time.Now()
	a.answer(context.Background(), handler(10*testDefer, result, nil), ac)
	if d := time.Since(start); d > 6*testDefer {
		t.Errorf("late autocomplete took %v to answer", d)
	}
	want(t, fr.got(), `respond {"type":8,"data":{"choices":[]}}`)
	if o := obs.done(); len(o) != 1 || o[0] != "autocomplete excerpt late deferred=false" {
		t.Errorf("observer saw %q", o)
	}

	// An autocomplete handler's error gives empty choices, not a message.
	fr = &fakeResponder{}
	newTestAnswerer(fr, discardLogger(), nil).answer(context.Background(), handler(0, nil, errors.New("x")), ac)
	want(t, fr.got(), `respond {"type":8`)
}

func TestAnswerCallbackFailureDoesNotPanic(t *testing.T) {
	var logs syncBuffer
	fr := &fakeResponder{failAll: &discordgo.RESTError{
		Response:     &http.Response{Status: "404 Not Found", StatusCode: http.StatusNotFound},
		ResponseBody: []byte(`{"code":10062,"message":"Unknown interaction"}`),
		Message:      &discordgo.APIErrorMessage{Code: discordgo.ErrCodeUnknownInteraction, Message: "Unknown interaction"},
	}}
	obs := &recordingObserver{}
	a := newTestAnswerer(fr, slog.New(slog.NewTextHandler(&logs, nil)), obs)
	a.answer(context.Background(), handler(0, message("hi", 0), nil), slashInteraction())
	a.answer(context.Background(), handler(3*testDefer, message("hi", 0), nil), slashInteraction())
	if got := obs.done(); len(got) != 2 || got[0] != "command story failed deferred=false" || got[1] != "command story failed deferred=true" {
		t.Errorf("observer saw %q", got)
	}
	if out := logs.String(); !strings.Contains(out, "code=10062") {
		t.Errorf("log lacks the Discord error code:\n%s", out)
	}
	// After a failed deferral, nothing more is attempted.
	want(t, fr.got(), `respond {"type":4`, `respond {"type":5}`)
}

func TestPrivateAnswerNeverLandsInAPublicDeferral(t *testing.T) {
	// If the public "thinking" message cannot be deleted, a follow-up
	// would fill it publicly: the private answer is withheld instead.
	fr := &fakeResponder{fail: map[string]error{"delete": errors.New("HTTP 500")}}
	newTestAnswerer(fr, discardLogger(), nil).answer(context.Background(),
		handler(3*testDefer, message("your private list", discordgo.MessageFlagsEphemeral), nil), slashInteraction())
	want(t, fr.got(), `respond {"type":5}`, `delete`)

	// A failure notice is not secret: it goes into the deferral instead.
	fr = &fakeResponder{fail: map[string]error{"delete": errors.New("HTTP 500")}}
	newTestAnswerer(fr, discardLogger(), nil).answer(context.Background(),
		handler(3*testDefer, nil, errors.New("boom")), slashInteraction())
	want(t, fr.got(), `respond {"type":5}`, `delete`, `edit {"content":"`+FailureMessage)
}

func TestAnswerLastResort(t *testing.T) {
	fr := &fakeResponder{}
	a := newTestAnswerer(fr, discardLogger(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	stuck := make(chan struct{})
	defer close(stuck)
	h := HandlerFunc(func(context.Context, *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		<-stuck // ignores its context
		return message("never", 0), nil
	})
	time.AfterFunc(3*testDefer, cancel)
	start := time.Now()
	a.answer(ctx, h, slashInteraction())
	if d := time.Since(start); d > 10*testDefer {
		t.Errorf("answer returned after %v", d)
	}
	want(t, fr.got(), `respond {"type":5}`, `delete`, `followup {"content":"`+FailureMessage)
}

func TestHandlerContextHasDeadline(t *testing.T) {
	fr := &fakeResponder{}
	a := newTestAnswerer(fr, discardLogger(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var had bool
	a.answer(ctx, HandlerFunc(func(ctx context.Context, _ *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		_, had = ctx.Deadline()
		return message("ok", 0), nil
	}), slashInteraction())
	if !had {
		t.Errorf("handler context has no deadline")
	}
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		i          *discordgo.Interaction
		kind, name string
	}{
		{slashInteraction(), "command", "story"},
		{componentInteraction(), "component", "kudos"},
		{&discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, Data: discordgo.ApplicationCommandInteractionData{Name: "Excerpt this", CommandType: discordgo.MessageApplicationCommand}}, "message_command", "Excerpt this"},
		{&discordgo.Interaction{Type: discordgo.InteractionModalSubmit, Data: discordgo.ModalSubmitInteractionData{CustomID: "/rec/new"}}, "modal", "rec"},
		{&discordgo.Interaction{Type: discordgo.InteractionMessageComponent}, "component", ""},
	} {
		kind, name := Describe(tc.i)
		if kind != tc.kind || name != tc.name {
			t.Errorf("Describe = %q %q, want %q %q", kind, name, tc.kind, tc.name)
		}
	}
	if got := RouteOfCustomID(strings.Repeat("x", 50) + ":1"); len(got) != 32 {
		t.Errorf("route of a long custom_id has %d bytes", len(got))
	}
}
