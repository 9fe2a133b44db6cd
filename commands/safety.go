package commands

import (
	"context"
	"fmt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// adultPlacement says how a story may be shown in a channel.
type adultPlacement int

const (
	showPlainly   adultPlacement = iota // not adult, or an age-restricted channel allows it
	showSpoilered                       // adult, shown behind spoiler bars (server chose "spoilered")
	showNothing                         // adult, not shown here
)

// placement decides how a story of rating r may be shown in the request's
// channel: Mature, Explicit and Not Rated stories only in age-restricted
// channels (a thread inherits its parent's setting), unless the server's
// adult-content setting says otherwise ("spoilered": anywhere behind
// spoiler bars; "off": never).
func (c *cmds) placement(ctx context.Context, req *Request, r fic.Rating) (adultPlacement, error) {
	if !r.Adult() {
		return showPlainly, nil
	}
	settings, err := c.settings.Settings(ctx, req.GuildID)
	if err != nil {
		return showNothing, fmt.Errorf("read settings: %w", err)
	}
	if settings.AdultContent == shelf.AdultOff {
		return showNothing, nil
	}
	nsfw, err := c.ageRestricted(ctx, req.ChannelID)
	if err != nil {
		return showNothing, err
	}
	switch {
	case nsfw:
		return showPlainly, nil
	case settings.AdultContent == shelf.AdultSpoilered:
		return showSpoilered, nil
	}
	return showNothing, nil
}

// adultRefusal is the sentence for a member whose adult-rated story cannot
// be shown in this channel.
func (c *cmds) adultRefusal(ctx context.Context, req *Request, r fic.Rating) error {
	settings, err := c.settings.Settings(ctx, req.GuildID)
	if err == nil && settings.AdultContent == shelf.AdultOff {
		return Errorf("This story is rated %s, and this server has turned off excerpts of Mature, Explicit and Not Rated stories.", r)
	}
	return Errorf("This story is rated %s, so I only post it in age-restricted channels. Try again in one of those.", r)
}

// ageRestricted reports whether a channel is age-restricted (NSFW). A
// thread has no setting of its own: its parent channel's applies.
func (c *cmds) ageRestricted(ctx context.Context, channelID string) (bool, error) {
	ch, err := c.discord.Channel(ctx, channelID)
	if err != nil {
		return false, fmt.Errorf("look up channel %s: %w", channelID, err)
	}
	if ch.IsThread() && ch.ParentID != "" {
		parent, err := c.discord.Channel(ctx, ch.ParentID)
		if err != nil {
			return false, fmt.Errorf("look up parent channel %s: %w", ch.ParentID, err)
		}
		return parent.NSFW, nil
	}
	return ch.NSFW, nil
}
