package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/shelf"
)

// Events clubs: the next checkpoint is a Discord scheduled event (external,
// located in the club's channel) that members can mark Interested. It is
// created when the checkpoint before it opens (the first when the club
// starts), started when its checkpoint opens and completed when the next
// one does, so a club holds at most two events; the club's end deletes
// them.

// eventLength is how long a checkpoint's event lasts.
const eventLength = 24 * time.Hour

// EventsDiscord is what club events need of Discord (package bot).
type EventsDiscord interface {
	CreateScheduledEvent(ctx context.Context, guildID string, p *discordgo.GuildScheduledEventParams) (*discordgo.GuildScheduledEvent, error)
	ScheduledEvents(ctx context.Context, guildID string) ([]*discordgo.GuildScheduledEvent, error)
	SetScheduledEventStatus(ctx context.Context, guildID, eventID string, status discordgo.GuildScheduledEventStatus) error
	DeleteScheduledEvent(ctx context.Context, guildID, eventID string) error
}

// EventWording is a checkpoint's event as members read it (package
// commands): name 1–100, description ≤ 1000, location ≤ 100 characters.
type EventWording interface {
	EventName(club shelf.Club, cp shelf.Checkpoint) string
	EventDescription(club shelf.Club, cp shelf.Checkpoint) string
	EventLocation(club shelf.Club, channelName string) string
}

// channelNamer looks a channel up (package bot), for the event's location.
type channelNamer interface {
	Channel(ctx context.Context, channelID string) (*discordgo.Channel, error)
}

// ClubEventer keeps an events club's scheduled events.
type ClubEventer struct {
	Store   shelf.ClubEvents
	Discord EventsDiscord
	Words   EventWording
	Log     *slog.Logger
}

func (e *ClubEventer) log() *slog.Logger {
	if e.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Log
}

// Ensure creates the event of the club's next checkpoint to open after
// now, unless it has one.
func (e *ClubEventer) Ensure(ctx context.Context, club shelf.Club, now time.Time) error {
	if !club.Events || !club.Active() {
		return nil
	}
	for _, cp := range club.Checkpoints {
		if cp.Opens.After(now) && cp.MessageID == "" {
			return e.create(ctx, club, cp)
		}
	}
	return nil
}

// Opened is checkpoint n's opening: the event before it is completed,
// its own started, and the next checkpoint's created. Status changes
// that Discord refuses (the event was ended or deleted by hand) are
// logged and passed over.
func (e *ClubEventer) Opened(ctx context.Context, club shelf.Club, n int, now time.Time) error {
	if !club.Events {
		return nil
	}
	if n >= 2 {
		if prev := club.Checkpoints[n-2]; prev.EventID != "" {
			e.status(ctx, club, prev.EventID, discordgo.GuildScheduledEventStatusCompleted)
		}
	}
	if cur := club.Checkpoints[n-1]; cur.EventID != "" {
		e.status(ctx, club, cur.EventID, discordgo.GuildScheduledEventStatusActive)
	}
	if n < len(club.Checkpoints) {
		if next := club.Checkpoints[n]; next.Opens.After(now) {
			return e.create(ctx, club, next)
		}
	}
	return nil
}

// Ended deletes the club's events.
func (e *ClubEventer) Ended(ctx context.Context, club shelf.Club) {
	for _, cp := range club.Checkpoints {
		if cp.EventID == "" {
			continue
		}
		if err := e.Discord.DeleteScheduledEvent(ctx, club.GuildID, cp.EventID); err != nil && !bot.Permanent(err) {
			e.log().Warn("delete a club's scheduled event", "guild", club.GuildID, "club", club.ID, "event", cp.EventID, "err", err)
			continue
		}
		if err := e.Store.SetCheckpointEvent(ctx, club.GuildID, club.ID, cp.Number, ""); err != nil {
			e.log().Warn("forget a club's scheduled event", "guild", club.GuildID, "club", club.ID, "err", err)
		}
	}
}

func (e *ClubEventer) status(ctx context.Context, club shelf.Club, id string, st discordgo.GuildScheduledEventStatus) {
	if err := e.Discord.SetScheduledEventStatus(ctx, club.GuildID, id, st); err != nil {
		e.log().Info("scheduled event status not changed", "guild", club.GuildID, "club", club.ID, "event", id, "status", st, "err", err)
	}
}

// create creates cp's event once: one an earlier attempt created (same
// name and start) is taken instead, and the event is recorded.
func (e *ClubEventer) create(ctx context.Context, club shelf.Club, cp shelf.Checkpoint) error {
	if cp.EventID != "" {
		return nil
	}
	name := e.Words.EventName(club, cp)
	evs, err := e.Discord.ScheduledEvents(ctx, club.GuildID)
	if err != nil {
		if !bot.Permanent(err) {
			return fmt.Errorf("look for an earlier scheduled event: %w", err)
		}
		e.log().Warn("cannot list scheduled events; creating the checkpoint's without looking", "guild", club.GuildID, "club", club.ID, "err", err)
	}
	var ev *discordgo.GuildScheduledEvent
	for _, x := range evs {
		if x.Name == name && x.ScheduledStartTime.Equal(cp.Opens) && x.EntityType == discordgo.GuildScheduledEventEntityTypeExternal {
			ev = x
		}
	}
	if ev == nil {
		start, end := cp.Opens.UTC(), cp.Opens.Add(eventLength).UTC()
		ev, err = e.Discord.CreateScheduledEvent(ctx, club.GuildID, &discordgo.GuildScheduledEventParams{
			Name:               name,
			Description:        e.Words.EventDescription(club, cp),
			ScheduledStartTime: &start,
			ScheduledEndTime:   &end,
			PrivacyLevel:       discordgo.GuildScheduledEventPrivacyLevelGuildOnly,
			EntityType:         discordgo.GuildScheduledEventEntityTypeExternal,
			EntityMetadata:     &discordgo.GuildScheduledEventEntityMetadata{Location: e.Words.EventLocation(club, e.channelName(ctx, club.ChannelID))},
		})
		if err != nil {
			if code, _ := bot.RESTCode(err); bot.Permanent(err) || code == 50035 {
				e.log().Warn("club checkpoint without a scheduled event", "guild", club.GuildID, "club", club.ID, "checkpoint", cp.Number, "err", err)
				return nil
			}
			return fmt.Errorf("create a scheduled event: %w", err)
		}
	}
	return e.Store.SetCheckpointEvent(ctx, club.GuildID, club.ID, cp.Number, ev.ID)
}

// channelName is the club channel's name, "" when unknown.
func (e *ClubEventer) channelName(ctx context.Context, id string) string {
	if cn, ok := e.Discord.(channelNamer); ok {
		if ch, err := cn.Channel(ctx, id); err == nil && ch != nil {
			return ch.Name
		}
	}
	return ""
}
