package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// Message fetches one message of a channel (a poll's message carries its
// results).
func (b *Bot) Message(ctx context.Context, channelID, messageID string) (*discordgo.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	m, err := b.s.ChannelMessage(channelID, messageID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: message %s of channel %s: %w", messageID, channelID, err))
	}
	return m, nil
}

// ExpirePoll ends the poll on a message the bot sent, now.
func (b *Bot) ExpirePoll(ctx context.Context, channelID, messageID string) error {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	endpoint := discordgo.EndpointPollExpire(channelID, messageID)
	if _, err := b.s.RequestWithBucketID("POST", endpoint, nil, endpoint, discordgo.WithContext(ctx)); err != nil {
		return b.redact.Error(fmt.Errorf("bot: end poll on message %s of channel %s: %w", messageID, channelID, err))
	}
	return nil
}
