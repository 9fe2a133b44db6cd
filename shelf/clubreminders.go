package shelf

import (
	"context"
	"time"
)

// ReminderLead is how long before a checkpoint opens its reminder is due.
const ReminderLead = 24 * time.Hour

// ClubReminders are the reminders a day before a club's checkpoint opens
// (checkpoints 2 and on: members who have not read up to the checkpoint
// before get one message), and each member's choice to have them.
// A checkpoint's reminder is due from its Opens minus ReminderLead until
// recorded (Checkpoint.ReminderID), while its checkpoint is not done.
type ClubReminders interface {
	// SetClubReminders turns a member's club reminders in guild on (the
	// default) or off.
	SetClubReminders(ctx context.Context, guild, user string, on bool) error
	// ClubRemindersOff returns the members of guild who turned reminders off.
	ClubRemindersOff(ctx context.Context, guild string) (map[string]bool, error)
	// NextReminderDue returns when the earliest reminder not yet recorded
	// is due; false when none is.
	NextReminderDue(ctx context.Context) (time.Time, bool, error)
	// DueReminders returns up to limit checkpoints whose reminder is due
	// at now and not recorded, in time order; At is the reminder's time.
	DueReminders(ctx context.Context, now time.Time, limit int) ([]DueCheckpoint, error)
	// ReminderPosting records that checkpoint n's reminder is about to be
	// posted and returns since when it has been (the first attempt's time
	// on a retry).
	ReminderPosting(ctx context.Context, guild, club string, n int, now time.Time) (time.Time, error)
	// ReminderDone records checkpoint n's reminder: its message, or why
	// none was sent ("-" and a reason). It is then no longer due.
	ReminderDone(ctx context.Context, guild, club string, n int, messageID string) error
}

// Reminded reports whether the checkpoint's reminder needs no more work:
// recorded, or never due (the first checkpoint, or one done).
func (c *Checkpoint) Reminded() bool {
	return c.Number < 2 || c.ReminderID != "" || c.Done() || c.MessageID != ""
}
