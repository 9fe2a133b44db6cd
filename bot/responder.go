package bot

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// sessionResponder answers interactions through a discordgo session.
type sessionResponder struct {
	s       *discordgo.Session
	buckets *bucketPool // rate-limit bucket IDs for answers (see request)
}

// Respond sends the callback as discordgo's InteractionRespond does, but
// under a pooled rate-limit bucket ID (see request).
func (r sessionResponder) Respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	var files []*discordgo.File
	if resp.Data != nil {
		files = resp.Data.Files
	}
	return r.request(ctx, "POST", discordgo.EndpointInteractionResponse(i.ID, i.Token), callbackBody(resp), files)
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
