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

// PollVoterCount counts the voters of one answer of the poll on a message
// the bot sent, page by page (Discord lists at most 100 a call).
func (b *Bot) PollVoterCount(ctx context.Context, channelID, messageID string, answerID int) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*restTimeout)
	defer cancel()
	n, after := 0, ""
	for {
		endpoint := discordgo.EndpointPollAnswerVoters(channelID, messageID, answerID) + "?limit=100"
		if after != "" {
			endpoint += "&after=" + after
		}
		body, err := b.s.RequestWithBucketID("GET", endpoint, nil, discordgo.EndpointPoll(channelID, messageID)+"/answers", discordgo.WithContext(ctx))
		if err != nil {
			return n, b.redact.Error(fmt.Errorf("bot: voters of answer %d of the poll on message %s: %w", answerID, messageID, err))
		}
		var page struct {
			Users []*discordgo.User `json:"users"`
		}
		if err := discordgo.Unmarshal(body, &page); err != nil {
			return n, fmt.Errorf("bot: decode poll voters: %w", err)
		}
		n += len(page.Users)
		if len(page.Users) < 100 {
			return n, nil
		}
		after = page.Users[len(page.Users)-1].ID
	}
}
