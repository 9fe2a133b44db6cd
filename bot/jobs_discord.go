package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// EditInteractionResponse edits the original answer of an interaction
// from its application ID and token, after its handler returned (a long
// job's progress), for as long as Discord accepts the token (15 minutes).
// The content is cut to 2000 characters and the embeds to what fits one
// message; nobody is pinged unless AllowedMentions says so. Each token's
// edits have their own rate-limit bucket, as Discord's: one member's edits
// (slow, or told to wait) never delay another's.
func (b *Bot) EditInteractionResponse(ctx context.Context, appID, token string, e *discordgo.WebhookEdit) error {
	if e == nil || appID == "" || token == "" {
		return errors.New("bot: EditInteractionResponse: nil edit or no token")
	}
	c := *e
	if c.Content != nil {
		s := Truncate(*c.Content, MaxContent)
		c.Content = &s
	}
	if c.Embeds != nil {
		fitted := []*discordgo.MessageEmbed{}
		if groups := GroupEmbeds(*c.Embeds); len(groups) > 0 {
			fitted = groups[0]
		}
		c.Embeds = &fitted
	}
	if c.Components != nil {
		cs := FitComponents(*c.Components)
		c.Components = &cs
	}
	c.AllowedMentions = mentionsOr(c.AllowedMentions)
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	endpoint := discordgo.EndpointWebhookMessage(appID, token, "@original")
	// A bucket of the token's own (editbuckets.go): one member's edits
	// never wait for another's.
	bucket := b.edits.get(token)
	defer b.edits.done(b.s.Ratelimiter, token)
	if _, err := request(ctx, b.s, "PATCH", endpoint, bucket, &c, c.Files); err != nil {
		return b.redact.Error(fmt.Errorf("bot: edit interaction answer: %w", err))
	}
	return nil
}

// DirectMessage sends m to user in a direct message (opening the channel
// first), fitted as SendMessage fits messages. A member whose DMs are
// closed gets Discord's 50007 error.
func (b *Bot) DirectMessage(ctx context.Context, userID string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	rctx, cancel := context.WithTimeout(ctx, restTimeout)
	ch, err := b.s.UserChannelCreate(userID, discordgo.WithContext(rctx))
	cancel()
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: open DM with %s: %w", userID, err))
	}
	return b.SendMessage(ctx, ch.ID, m)
}
