package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// sessionResponder answers interactions through a discordgo session.
type sessionResponder struct {
	s       *discordgo.Session
	buckets *bucketPool // rate-limit bucket IDs for answers (see request)
	// base, when set, is where the session's transport sends requests
	// for discord.com: callbacks are addressed there directly, so that
	// the transport need not clone each request to rewrite it.
	base *url.URL
}

// Respond sends the interaction callback. One without files is posted
// directly (postCallback); one with files goes as multipart through
// discordgo under a pooled rate-limit bucket ID (see request).
func (r sessionResponder) Respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	if resp.Data != nil && len(resp.Data.Files) > 0 {
		return r.request(ctx, "POST", discordgo.EndpointInteractionResponse(i.ID, i.Token), callbackBody(resp), resp.Data.Files)
	}
	return r.postCallback(ctx, rebase(r.base, discordgo.EndpointInteractionResponse(i.ID, i.Token)), callbackBody(resp))
}

// callbackBufs are encoding buffers for callbacks.
var callbackBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxCallbackTries bounds the attempts at one callback: a 502 is tried
// again up to this many times in all (as discordgo's MaxRestRetries does),
// a 429 after its retry_after for as long as ctx allows.
const maxCallbackTries = 4

// postCallback POSTs body as JSON to an interaction's callback endpoint
// through the session's http.Client (its transport, base URL and observer)
// with the session's token and user agent: what discordgo's
// RequestWithBucketID does, without its rate limiter. An interaction's
// callback route is its own (the token is in the path) and is answered
// once, and Discord exempts interaction endpoints from the global rate
// limit, so there is no bucket to wait for; a 429 is still honoured by
// waiting its retry_after and trying again. Skipping the limiter saves
// the bucket look-up and locks, the header parsing and a bucket per
// interaction (see request); the body is encoded once into a pooled
// buffer. A failed callback returns a *discordgo.RESTError as discordgo
// would, so RESTCode and restStatus read it the same way.
func (r sessionResponder) postCallback(ctx context.Context, url string, body any) error {
	buf := callbackBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			callbackBufs.Put(buf)
		}
	}()
	if err := json.NewEncoder(buf).Encode(body); err != nil {
		return fmt.Errorf("bot: encode interaction callback: %w", err)
	}
	for try := 1; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(buf.Bytes()))
		if err != nil {
			return fmt.Errorf("bot: interaction callback: %w", err)
		}
		req.Header.Set("Authorization", r.s.Token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", r.s.UserAgent)
		resp, err := r.s.Client.Do(req)
		if err != nil {
			return err
		}
		switch resp.StatusCode {
		case http.StatusOK, http.StatusCreated, http.StatusNoContent:
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			return nil
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if rerr != nil {
			return fmt.Errorf("bot: interaction callback: read response (status %d): %w", resp.StatusCode, rerr)
		}
		var wait time.Duration
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			var rl discordgo.TooManyRequests
			if json.Unmarshal(data, &rl) == nil && rl.RetryAfter > 0 {
				wait = rl.RetryAfter
			} else {
				wait = time.Second
			}
		case resp.StatusCode == http.StatusBadGateway && try < maxCallbackTries:
			wait = 0
		default:
			return newRESTError(req, resp, data)
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return newRESTError(req, resp, data)
			case <-t.C:
			}
		}
	}
}

// newRESTError is the error discordgo returns for a failed request.
func newRESTError(req *http.Request, resp *http.Response, body []byte) *discordgo.RESTError {
	re := &discordgo.RESTError{Request: req, Response: resp, ResponseBody: body}
	var msg discordgo.APIErrorMessage
	if json.Unmarshal(body, &msg) == nil && (msg.Code != 0 || msg.Message != "") {
		re.Message = &msg
	}
	return re
}

// EditOriginal edits the original answer (PATCH
// /webhooks/{app}/{token}/messages/@original), as discordgo's
// InteractionResponseEdit does but under a pooled bucket ID (see request).
func (r sessionResponder) EditOriginal(ctx context.Context, i *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	return r.request(ctx, "PATCH", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), e, e.Files)
}

// FollowUp sends a follow-up message (POST /webhooks/{app}/{token}?wait=true),
// as discordgo's FollowupMessageCreate does but under a pooled bucket ID.
func (r sessionResponder) FollowUp(ctx context.Context, i *discordgo.Interaction, p *discordgo.WebhookParams) error {
	return r.request(ctx, "POST", discordgo.EndpointWebhookToken(i.AppID, i.Token)+"?wait=true", p, p.Files)
}

// DeleteOriginal deletes the original answer, under a pooled bucket ID.
func (r sessionResponder) DeleteOriginal(ctx context.Context, i *discordgo.Interaction) error {
	return r.request(ctx, "DELETE", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), nil, nil)
}

// request sends one answer to an interaction (see package-level request).
//
// Every request goes under a rate-limit bucket ID from r.buckets, not the
// bucket discordgo would pick. For callbacks, follow-ups and deletes
// discordgo keys the bucket by the URL, interaction token included, and its
// rate limiter keeps every bucket it ever created: a few hundred bytes more
// for every interaction, for as long as the bot runs. For JSON edits of the
// original answer it uses one bucket shared by every webhook, and a bucket
// holds its lock for the whole request: every deferred answer's edit waited
// for the one before it to come back from Discord. A bucket serializes its
// requests, so each answer in flight holds its own ID; there are at most as
// many IDs as answers ever in flight at once.
func (r sessionResponder) request(ctx context.Context, method, endpoint string, body any, files []*discordgo.File) error {
	id := r.buckets.get()
	defer r.buckets.release(r.s.Ratelimiter, id)
	_, err := request(ctx, r.s, method, endpoint, id, body, files)
	return err
}

// bucketPool hands out rate-limit bucket IDs, each to one request at a
// time, and takes them back once their bucket would not delay the next
// request.
type bucketPool struct {
	mu   sync.Mutex
	free []string
	n    int
}

func (p *bucketPool) get() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free); k > 0 {
		id := p.free[k-1]
		p.free = p.free[:k-1]
		return id
	}
	p.n++
	return "interactions/callback#" + strconv.Itoa(p.n)
}

// release returns id when its bucket is unlocked and owes no wait (a
// bucket Discord said was exhausted comes back when it resets); an ID
// whose bucket is still locked is dropped.
func (p *bucketPool) release(rl *discordgo.RateLimiter, id string) {
	b := rl.GetBucket(id)
	if !b.TryLock() {
		return
	}
	wait := rl.GetWaitTime(b, 1)
	b.Unlock()
	put := func() {
		p.mu.Lock()
		p.free = append(p.free, id)
		p.mu.Unlock()
	}
	if wait > 0 {
		time.AfterFunc(wait, put)
		return
	}
	put()
}

// autocompleteBody is an autocomplete callback as Discord wants it:
// discordgo's omits an empty choices list, which Discord refuses.
type autocompleteBody struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data struct {
		Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
	} `json:"data"`
}

// callbackBody is what is marshalled for an interaction callback.
func callbackBody(r *discordgo.InteractionResponse) any {
	if r.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
		return r
	}
	var b autocompleteBody
	b.Type = r.Type
	b.Data.Choices = []*discordgo.ApplicationCommandOptionChoice{}
	if r.Data != nil && r.Data.Choices != nil {
		b.Data.Choices = r.Data.Choices
	}
	return b
}

// rebase addresses a discordgo endpoint (https://discord.com/…) to base
// as rewriteTransport would; without base, or for another address, it
// returns endpoint unchanged.
func rebase(base *url.URL, endpoint string) string {
	const origin = "https://" + discordHost
	rest, ok := strings.CutPrefix(endpoint, origin)
	if base == nil || !ok || (rest != "" && rest[0] != '/') {
		return endpoint
	}
	return base.Scheme + "://" + base.Host + base.Path + rest
}
