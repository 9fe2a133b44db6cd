package bot

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The HTTP endpoint's limits.
const (
	// MaxInteractionBody is the largest request body the endpoint reads;
	// Discord's interactions are a few KiB, resolved attachments included.
	MaxInteractionBody = 1 << 20
	// MaxSignatureAge is how far X-Signature-Timestamp may be from now
	// before a (correctly signed) request is refused as a replay.
	MaxSignatureAge = 5 * time.Minute
	// httpAnswerWindow is how long the endpoint waits for the first
	// answer: Discord gives up at 3 s, and the answerer defers at
	// DeferAfter (at most 2.5 s), so this is only a backstop.
	httpAnswerWindow = 2900 * time.Millisecond
)

// httpIngress is the HTTP endpoint's server.
type httpIngress struct {
	srv  *http.Server
	addr net.Addr
	done chan struct{}
}

func (h *httpIngress) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.srv.Shutdown(ctx)
	<-h.done
}

// InteractionsAddr returns the address the HTTP endpoint listens on (with
// the port chosen when Config.InteractionsAddr asked for port 0), or nil.
func (b *Bot) InteractionsAddr() net.Addr {
	if h := b.httpSrv.Load(); h != nil {
		return h.addr
	}
	return nil
}

// listenHTTP starts the interactions endpoint on addr.
func (b *Bot) listenHTTP(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("bot: interactions endpoint: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/interactions", b.serveInteraction)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	h := &httpIngress{srv: srv, addr: ln.Addr(), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		_ = srv.Serve(ln) // http.ErrServerClosed after Shutdown
	}()
	b.httpSrv.Store(h)
	b.log.Info("interactions endpoint listening", "addr", ln.Addr().String(), "path", "/interactions")
	return nil
}

// verifyRequest checks a request's Ed25519 signature over timestamp + body
// against key, reading at most MaxInteractionBody. It returns the body, or
// the HTTP status to refuse the request with.
func verifyRequest(r *http.Request, key ed25519.PublicKey, now time.Time) ([]byte, int, string) {
	sigHex := r.Header.Get("X-Signature-Ed25519")
	ts := r.Header.Get("X-Signature-Timestamp")
	if sigHex == "" || ts == "" {
		return nil, http.StatusUnauthorized, "missing signature"
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, http.StatusUnauthorized, "invalid request signature"
	}
	if r.ContentLength > MaxInteractionBody {
		return nil, http.StatusRequestEntityTooLarge, "body too large"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxInteractionBody+1))
	if err != nil {
		return nil, http.StatusBadRequest, "unreadable body"
	}
	if len(body) > MaxInteractionBody {
		return nil, http.StatusRequestEntityTooLarge, "body too large"
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(key, msg, sig) {
		return nil, http.StatusUnauthorized, "invalid request signature"
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, http.StatusUnauthorized, "invalid timestamp"
	}
	if d := now.Sub(time.Unix(secs, 0)); d > MaxSignatureAge || d < -MaxSignatureAge {
		return nil, http.StatusUnauthorized, "timestamp too far from now"
	}
	return body, 0, ""
}

// serveInteraction is POST /interactions: the signature first (401 when
// missing or wrong, before the body is parsed), PONG for a PING, and
// every other interaction through the same dispatch as the gateway's,
// with its first answer written as the response body.
func (b *Bot) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, status, why := verifyRequest(r, b.cfg.PublicKey, time.Now())
	if status != 0 {
		b.log.Debug("interaction request refused", "status", status, "reason", why, "remote", r.RemoteAddr)
		http.Error(w, why, status)
		return
	}
	i, ch, err := decodeHTTPInteraction(body)
	if err != nil {
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	if i.Type == discordgo.InteractionPing {
		writeBody(w, []byte(`{"type":1}`))
		return
	}
	if ch != nil {
		if ch.GuildID == "" {
			ch.GuildID = i.GuildID
		}
		b.chans.put(ch)
	}

	hr := &httpResponder{rest: b.ans.r, first: make(chan httpFirst), gone: make(chan struct{})}
	b.pool.Go(func() { b.dispatch(i, hr) })
	timer := time.NewTimer(httpAnswerWindow)
	defer timer.Stop()
	select {
	case f := <-hr.first:
		err := writeBody(w, f.body)
		if fl, ok := w.(http.Flusher); ok && err == nil {
			fl.Flush() // on the wire before the answerer goes on to webhooks
		}
		f.result <- err
	case <-timer.C:
		close(hr.gone)
		b.log.Error("no first answer within the HTTP window", "interaction", i.ID, "window", httpAnswerWindow)
		http.Error(w, "no answer in time", http.StatusServiceUnavailable)
	case <-r.Context().Done():
		close(hr.gone)
	}
}

func writeBody(w http.ResponseWriter, body []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// httpFirst is a first answer handed to the HTTP handler to write.
type httpFirst struct {
	body   []byte
	result chan error
}

// errHTTPGone: the HTTP request ended before the first answer was ready.
var errHTTPGone = errors.New("bot: the interaction's HTTP request ended before its first answer")

// httpResponder answers an interaction that came by HTTP: the callback is
// the response body; edits, follow-ups and deletes go by REST (rest) as
// for gateway interactions. A callback with files is sent as a deferral
// followed by an edit carrying them, since the response body is JSON.
type httpResponder struct {
	rest  responder
	first chan httpFirst
	gone  chan struct{} // closed when the handler gave up waiting
}

// Respond implements responder.
func (h *httpResponder) Respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	if resp.Data != nil && len(resp.Data.Files) > 0 {
		return h.respondWithFiles(ctx, i, resp)
	}
	body, err := json.Marshal(callbackBody(resp))
	if err != nil {
		return fmt.Errorf("bot: encode callback: %w", err)
	}
	return h.write(ctx, body)
}

func (h *httpResponder) write(ctx context.Context, body []byte) error {
	res := make(chan error, 1)
	select {
	case h.first <- httpFirst{body: body, result: res}:
	case <-h.gone:
		return errHTTPGone
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// respondWithFiles acknowledges with a deferral of the same kind and
// visibility, then edits the answer with its files in.
func (h *httpResponder) respondWithFiles(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	ack := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	if resp.Type == discordgo.InteractionResponseChannelMessageWithSource {
		ack.Type = discordgo.InteractionResponseDeferredChannelMessageWithSource
		if resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0 {
			ack.Data = &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral}
		}
	}
	body, err := json.Marshal(ack)
	if err != nil {
		return err
	}
	if err := h.write(ctx, body); err != nil {
		return err
	}
	d := resp.Data
	content := d.Content
	e := &discordgo.WebhookEdit{Content: &content, AllowedMentions: d.AllowedMentions, Files: d.Files, Attachments: d.Attachments}
	if d.Embeds != nil {
		embeds := d.Embeds
		e.Embeds = &embeds
	}
	if d.Components != nil {
		cs := d.Components
		e.Components = &cs
	}
	return h.EditOriginal(ctx, i, e)
}

// EditOriginal implements responder.
func (h *httpResponder) EditOriginal(ctx context.Context, i *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	files, err := replayable(e.Files)
	if err != nil {
		return err
	}
	return webhookRetry(ctx, func() error {
		c := *e
		c.Files = files()
		return h.rest.EditOriginal(ctx, i, &c)
	})
}

// FollowUp implements responder.
func (h *httpResponder) FollowUp(ctx context.Context, i *discordgo.Interaction, p *discordgo.WebhookParams) error {
	files, err := replayable(p.Files)
	if err != nil {
		return err
	}
	return webhookRetry(ctx, func() error {
		c := *p
		c.Files = files()
		return h.rest.FollowUp(ctx, i, &c)
	})
}

// replayable reads files once so that each attempt can send them again.
func replayable(files []*discordgo.File) (func() []*discordgo.File, error) {
	if len(files) == 0 {
		return func() []*discordgo.File { return files }, nil
	}
	data := make([][]byte, len(files))
	for k, f := range files {
		b, err := io.ReadAll(f.Reader)
		if err != nil {
			return nil, fmt.Errorf("bot: read file %s: %w", f.Name, err)
		}
		data[k] = b
	}
	return func() []*discordgo.File {
		out := make([]*discordgo.File, len(files))
		for k, f := range files {
			c := *f
			c.Reader = bytes.NewReader(data[k])
			out[k] = &c
		}
		return out
	}, nil
}

// DeleteOriginal implements responder.
func (h *httpResponder) DeleteOriginal(ctx context.Context, i *discordgo.Interaction) error {
	return webhookRetry(ctx, func() error { return h.rest.DeleteOriginal(ctx, i) })
}

// webhookRetry runs call again, a few times over about a second, while
// Discord says the interaction's webhook (10015) or its original message
// (10008) is unknown. The first
// answer of an HTTP interaction is the response body: a follow-up sent the
// moment it is written can reach Discord before Discord has read that
// response, and would find no answered interaction to follow.
func webhookRetry(ctx context.Context, call func() error) error {
	delay := 50 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := call()
		_, code := restStatus(err)
		if (code != discordgo.ErrCodeUnknownWebhook && code != discordgo.ErrCodeUnknownMessage) || attempt == 5 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay *= 2
	}
}

// interactionFields is discordgo.Interaction without its methods, so that
// encoding/json decodes its fields directly.
type interactionFields discordgo.Interaction

// wireInteraction is an interaction as an HTTP request carries it: the
// interaction's fields, its data still raw, and the channel object.
type wireInteraction struct {
	interactionFields
	Data    json.RawMessage    `json:"data"`
	Channel *discordgo.Channel `json:"channel"`
}

// decodeHTTPInteraction decodes an HTTP interaction's body in one pass:
// the interaction (as discordgo.Interaction's UnmarshalJSON would decode
// it, data by the interaction's type) and the channel object it carries
// (nil when absent). Decoding with discordgo and then again for the
// channel read the whole body three times more.
func decodeHTTPInteraction(body []byte) (*discordgo.Interaction, *discordgo.Channel, error) {
	var w wireInteraction
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, nil, fmt.Errorf("bot: decode interaction: %w", err)
	}
	i := discordgo.Interaction(w.interactionFields)
	if err := decodeInteractionData(&i, w.Data); err != nil {
		return nil, nil, err
	}
	return &i, w.Channel, nil
}

// decodeInteractionData decodes an interaction's raw data into i.Data by
// the interaction's type, as discordgo.Interaction's UnmarshalJSON does.
func decodeInteractionData(i *discordgo.Interaction, raw json.RawMessage) error {
	var err error
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		var d discordgo.ApplicationCommandInteractionData
		err = decodeData(raw, &d)
		i.Data = d
	case discordgo.InteractionMessageComponent:
		var d discordgo.MessageComponentInteractionData
		err = decodeData(raw, &d)
		i.Data = d
	case discordgo.InteractionModalSubmit:
		var d discordgo.ModalSubmitInteractionData
		err = decodeData(raw, &d)
		i.Data = d
	}
	if err != nil {
		return fmt.Errorf("bot: decode interaction data: %w", err)
	}
	return nil
}

// decodeData decodes an interaction's data as discordgo does (absent
// data is an error there too).
func decodeData(raw json.RawMessage, v any) error {
	return json.Unmarshal(raw, v)
}
