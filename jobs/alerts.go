package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/shelf"
)

// AlertStore is what the alert sender reads and records.
type AlertStore interface {
	shelf.WorkChecks
	Settings(ctx context.Context, guild string) (shelf.Settings, error)
	Story(ctx context.Context, guild, id string) (shelf.StoryRecord, error)
	Subscribed(ctx context.Context, guild, user, story string) (bool, error)
	SetDMsClosed(ctx context.Context, guild, user string, closed bool) error
	DMsClosed(ctx context.Context, guild, user string) (bool, error)
}

// AlertDiscord is what the alert sender does on Discord (package bot
// implements it).
type AlertDiscord interface {
	SendMessageOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error)
	OwnMessages(ctx context.Context, channelID string, limit int) ([]*discordgo.Message, error)
}

// DMOpener opens a direct-message channel with a user (package bot
// implements it). Without it, alerts go only to updates channels.
type DMOpener interface {
	OpenDM(ctx context.Context, userID string) (channelID string, err error)
}

// AlertWording is what a member reads of an alert (package commands
// writes it). rec is the alert's story (its zero value when the story was
// removed since). Marker is the text that identifies the alert's message
// among the bot's own; both messages contain it.
type AlertWording interface {
	ChannelAlert(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord, channel string) *discordgo.MessageSend
	DirectAlert(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord) *discordgo.MessageSend
	Marker(al shelf.Alert) string
}

// alertBatch is how many pending alerts are read at a time.
const alertBatch = 50

// Alerts sends the alerts the update checker recorded (it is the
// UpdateChecker's AlertSender): each exactly once, in the guild's updates
// channel (mentioning only the story's subscribers) or, without one, by
// direct message to each subscriber. Each attempt is recorded first; the
// message goes out with a nonce derived from the alert (Discord returns
// the first post for a repeat); a retry after bot.NonceTrust first looks
// for an earlier post among the channel's latest messages. Run it under
// the update checker's lease.
type Alerts struct {
	store   AlertStore
	discord AlertDiscord
	words   AlertWording
	log     *slog.Logger
	// Now gives the time attempts are recorded at; nil means time.Now.
	Now func() time.Time
}

// NewAlerts returns the alert sender; a nil log discards.
func NewAlerts(st AlertStore, d AlertDiscord, w AlertWording, log *slog.Logger) *Alerts {
	return &Alerts{store: st, discord: d, words: w, log: orDiscard(log)}
}

func (a *Alerts) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// SendAlerts sends every pending alert. An alert that failed for a
// passing reason stays pending and SendAlerts returns an error after
// trying the others.
func (a *Alerts) SendAlerts(ctx context.Context) error {
	var firstErr error
	failed := map[string]bool{}
	for ctx.Err() == nil {
		pending, err := a.store.PendingAlerts(ctx, alertBatch)
		if err != nil {
			return fmt.Errorf("read pending alerts: %w", err)
		}
		progress := false
		for _, al := range pending {
			key := al.GuildID + "/" + al.ID
			if failed[key] {
				continue
			}
			// A send once begun finishes its step: the marks it records
			// are what make a retry safe.
			if err := a.send(context.WithoutCancel(ctx), al); err != nil {
				a.log.Warn("alert not sent yet; will retry", "guild", al.GuildID, "alert", al.ID, "err", err)
				failed[key] = true
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			progress = true
			if ctx.Err() != nil {
				break
			}
		}
		if !progress {
			break
		}
	}
	if firstErr != nil {
		return fmt.Errorf("%d alert(s) failed: %w", len(failed), firstErr)
	}
	return ctx.Err()
}

func (a *Alerts) send(ctx context.Context, al shelf.Alert) error {
	st, err := a.store.Settings(ctx, al.GuildID)
	if err != nil {
		return fmt.Errorf("read settings: %w", err)
	}
	rec, err := a.store.Story(ctx, al.GuildID, al.StoryID)
	switch {
	case errors.Is(err, shelf.ErrNotFound):
		rec = shelf.StoryRecord{} // removed since: the alert goes without its card
	case err != nil:
		return fmt.Errorf("read story: %w", err)
	}
	first, err := a.store.AlertAttempt(ctx, al.GuildID, al.ID, a.now())
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	if st.UpdatesChannelID != "" && !al.Posted {
		m := a.words.ChannelAlert(ctx, al, rec, st.UpdatesChannelID)
		msg, err := a.postOnce(ctx, st.UpdatesChannelID, alertNonce(al.GuildID, al.ID, ""), first, m, al)
		if err == nil {
			return a.store.AlertPosted(ctx, al.GuildID, al.ID, st.UpdatesChannelID, msg.ID)
		}
		if !bot.Permanent(err) && !bot.ChannelGone(err) {
			return fmt.Errorf("post alert: %w", err)
		}
		a.log.Warn("cannot post in the updates channel; sending the alert by direct message", "guild", al.GuildID, "channel", st.UpdatesChannelID, "err", err)
	}
	return a.sendDMs(ctx, al, rec, first)
}

// sendDMs sends the alert to each recipient not yet reached. A member
// whose direct messages are closed (50007) is flagged and not retried.
func (a *Alerts) sendDMs(ctx context.Context, al shelf.Alert, rec shelf.StoryRecord, first time.Time) error {
	opener, ok := a.discord.(DMOpener)
	if !ok {
		return errors.New("no way to open direct messages")
	}
	for _, user := range al.Recipients {
		if slices.Contains(al.Delivered, user) {
			continue
		}
		// A member who unsubscribed since is not told.
		if rec.ID != "" {
			if ok, err := a.store.Subscribed(ctx, al.GuildID, user, rec.ID); err != nil {
				return err
			} else if !ok {
				if err := a.store.AlertDelivered(ctx, al.GuildID, al.ID, user); err != nil {
					return err
				}
				continue
			}
		}
		ch, err := opener.OpenDM(ctx, user)
		if err == nil {
			_, err = a.postOnce(ctx, ch, alertNonce(al.GuildID, al.ID, user), first, a.words.DirectAlert(ctx, al, rec), al)
		}
		if code, _ := bot.RESTCode(err); code == discordgo.ErrCodeCannotSendMessagesToThisUser {
			a.log.Info("alert not delivered: the member's direct messages are closed", "guild", al.GuildID, "user", user)
			if err := a.store.SetDMsClosed(ctx, al.GuildID, user, true); err != nil {
				return err
			}
		} else if err != nil {
			if _, status := bot.RESTCode(err); bot.Permanent(err) || (status >= 400 && status < 500 && status != 429) {
				a.log.Warn("alert not delivered by direct message", "guild", al.GuildID, "user", user, "err", err)
			} else {
				return fmt.Errorf("direct message: %w", err)
			}
		} else if closed, _ := a.store.DMsClosed(ctx, al.GuildID, user); closed {
			if err := a.store.SetDMsClosed(ctx, al.GuildID, user, false); err != nil {
				return err
			}
		}
		if err := a.store.AlertDelivered(ctx, al.GuildID, al.ID, user); err != nil {
			return err
		}
	}
	return a.store.AlertPosted(ctx, al.GuildID, al.ID, "", "")
}

// postOnce posts m in channel exactly once: after bot.NonceTrust since the
// first attempt, it first looks for the post among the channel's latest
// messages.
func (a *Alerts) postOnce(ctx context.Context, channel, nonce string, first time.Time, m *discordgo.MessageSend, al shelf.Alert) (*discordgo.Message, error) {
	if a.now().Sub(first) >= bot.NonceTrust {
		marker := a.words.Marker(al)
		msg, err := findOwn(ctx, a.discord, channel, func(m *discordgo.Message) bool { return strings.Contains(m.Content, marker) })
		if err != nil {
			return nil, fmt.Errorf("look for an earlier alert: %w", err)
		}
		if msg != nil {
			a.log.Info("alert found posted by an earlier attempt", "guild", al.GuildID, "alert", al.ID, "message", msg.ID)
			return msg, nil
		}
	}
	return a.discord.SendMessageOnce(ctx, channel, nonce, m)
}

// alertNonce is deterministic per guild, alert and recipient ("" for the
// channel post), at most 25 characters.
func alertNonce(guild, alert, user string) string {
	long := fmt.Sprintf("%s/%s/%s", guild, alert, user)
	if user == "" {
		return shortNonce("al", long, idNum(guild), idNum(alert))
	}
	return shortNonce("al", long, idNum(guild), idNum(alert), idNum(user))
}
