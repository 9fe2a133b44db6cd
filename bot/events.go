package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// CreateScheduledEvent creates a guild scheduled event.
func (b *Bot) CreateScheduledEvent(ctx context.Context, guildID string, p *discordgo.GuildScheduledEventParams) (*discordgo.GuildScheduledEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	ev, err := b.s.GuildScheduledEventCreate(guildID, p, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: create scheduled event in guild %s: %w", guildID, err))
	}
	return ev, nil
}

// ScheduledEvents lists a guild's scheduled events.
func (b *Bot) ScheduledEvents(ctx context.Context, guildID string) ([]*discordgo.GuildScheduledEvent, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	evs, err := b.s.GuildScheduledEvents(guildID, false, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: scheduled events of guild %s: %w", guildID, err))
	}
	return evs, nil
}

// SetScheduledEventStatus moves a scheduled event on: active (2),
// completed (3) or canceled (4).
func (b *Bot) SetScheduledEventStatus(ctx context.Context, guildID, eventID string, status discordgo.GuildScheduledEventStatus) error {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	if _, err := b.s.GuildScheduledEventEdit(guildID, eventID, &discordgo.GuildScheduledEventParams{Status: status}, discordgo.WithContext(ctx)); err != nil {
		return b.redact.Error(fmt.Errorf("bot: set status of scheduled event %s: %w", eventID, err))
	}
	return nil
}

// DeleteScheduledEvent deletes a guild scheduled event.
func (b *Bot) DeleteScheduledEvent(ctx context.Context, guildID, eventID string) error {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	if err := b.s.GuildScheduledEventDelete(guildID, eventID, discordgo.WithContext(ctx)); err != nil {
		return b.redact.Error(fmt.Errorf("bot: delete scheduled event %s: %w", eventID, err))
	}
	return nil
}
