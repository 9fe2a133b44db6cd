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

// Club reminders: a day before checkpoint n (n ≥ 2) opens, the members
// who have not read up to checkpoint n-1's last chapter (and have not
// turned reminders off) get one message in the club's channel mentioning
// them, once: the first attempt is recorded, the message goes out with a
// nonce, and a retry past the nonce's window looks for it first.

// ReminderStore is what the reminder job reads and records.
type ReminderStore interface {
	shelf.ClubReminders
	Club(ctx context.Context, guild, id string) (shelf.Club, error)
	ClubMembers(ctx context.Context, guild, club string) ([]shelf.ClubMember, error)
}

// ReminderWording is what members read (package commands).
type ReminderWording interface {
	// Reminder is the reminder of checkpoint cp for users (who have not
	// read up to chapter upTo); it mentions and pings only them.
	Reminder(club shelf.Club, cp shelf.Checkpoint, upTo int, users []string) *discordgo.MessageSend
	// IsReminder reports whether m (one of the bot's own) is cp's reminder.
	IsReminder(m *discordgo.Message, club shelf.Club, n int) bool
}

// Reminders sends club reminders: the DueSource of reminders.
type Reminders struct {
	store   ReminderStore
	discord CheckpointDiscord
	words   ReminderWording
	log     *slog.Logger
}

// NewReminders returns the reminder job; a nil log discards.
func NewReminders(st ReminderStore, d CheckpointDiscord, w ReminderWording, log *slog.Logger) *Reminders {
	return &Reminders{store: st, discord: d, words: w, log: orDiscard(log)}
}

// NextDue implements DueSource.
func (k *Reminders) NextDue(ctx context.Context) (time.Time, bool, error) {
	return k.store.NextReminderDue(ctx)
}

// FireDue implements DueSource.
func (k *Reminders) FireDue(ctx context.Context, now time.Time) error {
	due, err := k.store.DueReminders(ctx, now, dueBatch)
	if err != nil {
		return err
	}
	return fireEach(ctx, due, func(ctx context.Context, d shelf.DueCheckpoint) error {
		return k.remind(ctx, d, now)
	}, func(d shelf.DueCheckpoint, err error) error {
		k.log.Warn("club reminder not sent yet; will retry", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "err", err)
		return err
	}, goOn)
}

// ReminderNonce is a reminder's nonce (at most 25 characters).
func ReminderNonce(guild, club string, n int) string {
	return shortNonce("rm", fmt.Sprintf("rm/%s/%s/%d", guild, club, n), idNum(guild), idNum(club), uint64(n))
}

func (k *Reminders) remind(ctx context.Context, d shelf.DueCheckpoint, now time.Time) error {
	club, err := k.store.Club(ctx, d.GuildID, d.ClubID)
	if err != nil {
		return err
	}
	if d.Number < 2 || d.Number > len(club.Checkpoints) {
		return k.store.ReminderDone(ctx, d.GuildID, d.ClubID, d.Number, "-none")
	}
	cp, prev := club.Checkpoints[d.Number-1], club.Checkpoints[d.Number-2]
	if !cp.Opens.After(now) {
		return k.store.ReminderDone(ctx, d.GuildID, d.ClubID, d.Number, "-opened before the reminder")
	}
	members, err := k.store.ClubMembers(ctx, d.GuildID, d.ClubID)
	if err != nil {
		return err
	}
	off, err := k.store.ClubRemindersOff(ctx, d.GuildID)
	if err != nil {
		return err
	}
	var behind []string
	for _, m := range members {
		if m.Chapter < prev.Last && !off[m.UserID] {
			behind = append(behind, m.UserID)
		}
	}
	if len(behind) == 0 {
		return k.store.ReminderDone(ctx, d.GuildID, d.ClubID, d.Number, "-everyone caught up")
	}
	first, err := k.store.ReminderPosting(ctx, d.GuildID, d.ClubID, d.Number, now)
	if err != nil {
		return err
	}
	var sent *discordgo.Message
	if now.Sub(first) >= bot.NonceTrust {
		if sent, err = findOwn(ctx, k.discord, club.ChannelID, func(m *discordgo.Message) bool { return k.words.IsReminder(m, club, d.Number) }); err != nil {
			return fmt.Errorf("look for an earlier reminder: %w", err)
		}
	}
	if sent == nil {
		sent, err = k.discord.SendMessageOnce(ctx, club.ChannelID, ReminderNonce(d.GuildID, d.ClubID, d.Number), k.words.Reminder(club, cp, prev.Last, behind))
		if err != nil {
			if bot.Permanent(err) {
				k.log.Warn("club reminder skipped: cannot post in its channel", "guild", d.GuildID, "club", d.ClubID, "checkpoint", d.Number, "err", err)
				return k.store.ReminderDone(ctx, d.GuildID, d.ClubID, d.Number, "-could not post: "+err.Error())
			}
			return fmt.Errorf("post reminder: %w", err)
		}
	}
	return k.store.ReminderDone(ctx, d.GuildID, d.ClubID, d.Number, sent.ID)
}
