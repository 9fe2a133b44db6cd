package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// OpenDM opens (or finds) the direct-message channel with a user and
// returns its ID. Sending there fails with Discord's 50007 when the user
// does not take direct messages from the bot.
func (b *Bot) OpenDM(ctx context.Context, userID string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	ch, err := b.s.UserChannelCreate(userID, discordgo.WithContext(ctx))
	if err != nil {
		return "", b.redact.Error(fmt.Errorf("bot: open direct messages with %s: %w", userID, err))
	}
	return ch.ID, nil
}
