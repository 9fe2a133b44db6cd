package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// CreatePrivateThread opens a private thread (type 12) in channelID named
// ThreadName(name), which members cannot invite others to, archived after
// a week of inactivity. Members see it once added (AddThreadMember), and
// so does anyone with Manage Threads.
func (b *Bot) CreatePrivateThread(ctx context.Context, channelID, name string) (*discordgo.Channel, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	ch, err := b.s.ThreadStartComplex(channelID, &discordgo.ThreadStart{
		Name:                ThreadName(name),
		AutoArchiveDuration: threadArchive,
		Type:                discordgo.ChannelTypeGuildPrivateThread,
		Invitable:           false,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: create private thread in channel %s: %w", channelID, err))
	}
	return ch, nil
}

// AddThreadMember adds a member of the guild to a thread (adding one
// already in it changes nothing).
func (b *Bot) AddThreadMember(ctx context.Context, threadID, userID string) error {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	if err := b.s.ThreadMemberAdd(threadID, userID, discordgo.WithContext(ctx)); err != nil {
		return b.redact.Error(fmt.Errorf("bot: add member %s to thread %s: %w", userID, threadID, err))
	}
	return nil
}

// ActiveThreads lists a guild's threads that are not archived.
func (b *Bot) ActiveThreads(ctx context.Context, guildID string) ([]*discordgo.Channel, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	l, err := b.s.GuildThreadsActive(guildID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: active threads of guild %s: %w", guildID, err))
	}
	return l.Threads, nil
}
