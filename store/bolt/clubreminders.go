package bolt

import (
	"context"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Club reminders. A member's choice is a key of club_reminders_off/ under
// the guild (present = off). A reminder's state lives on its checkpoint in
// the club's record; which are due is read from the checkpoints' due/
// index: a checkpoint not done is due for its reminder from its opening
// minus shelf.ReminderLead until the reminder is recorded.

var bClubRemindersOff = []byte("club_reminders_off")

// reminderScan bounds the due entries NextReminderDue looks through.
const reminderScan = 5000

// SetClubReminders turns a member's club reminders on or off.
func (s *Store) SetClubReminders(ctx context.Context, guild, user string, on bool) error {
	uid, err := shelf.ParseID("user", user)
	if err != nil {
		return fmt.Errorf("set club reminders: %w", err)
	}
	err = s.update(ctx, guild, func(g *guildTx) error {
		if on {
			return g.bucket(bClubRemindersOff).Delete(u64(uid))
		}
		return g.bucket(bClubRemindersOff).Put(u64(uid), nil)
	})
	if err != nil {
		return fmt.Errorf("set club reminders: %w", err)
	}
	return nil
}

// ClubRemindersOff returns the guild's members who turned reminders off.
func (s *Store) ClubRemindersOff(ctx context.Context, guild string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.view(ctx, guild, func(g *guildTx) error {
		return forEachPrefix(g.bucket(bClubRemindersOff), nil, func(k, _ []byte) error {
			out[shelf.FormatID(readU64(k, 0))] = true
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("club reminders off: %w", err)
	}
	return out, nil
}

// scanReminders calls fn with each due entry's checkpoint whose reminder
// is not recorded, in time order, until fn returns false.
func (s *Store) scanReminders(ctx context.Context, fn func(d shelf.DueCheckpoint) bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDue)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		seen := 0
		for k, _ := c.First(); len(k) == 32 && seen < reminderScan; k, _ = c.Next() {
			seen++
			d := shelf.DueCheckpoint{GuildID: shelf.FormatID(readU64(k, 1)), ClubID: shelf.FormatID(readU64(k, 2)), Number: int(readU64(k, 3)),
				At: time.Unix(0, int64(readU64(k, 0))).UTC().Add(-shelf.ReminderLead)}
			if d.Number < 2 {
				continue
			}
			club, err := getClub(newGuildTx(tx, readU64(k, 1)), readU64(k, 2))
			if err != nil || d.Number > len(club.Checkpoints) {
				continue // the announcer drops such entries
			}
			if cp := club.Checkpoints[d.Number-1]; cp.Reminded() || !club.Active() {
				continue
			}
			if !fn(d) {
				return nil
			}
		}
		return nil
	})
}

// NextReminderDue returns when the earliest unrecorded reminder is due.
func (s *Store) NextReminderDue(ctx context.Context) (time.Time, bool, error) {
	var (
		at time.Time
		ok bool
	)
	err := s.scanReminders(ctx, func(d shelf.DueCheckpoint) bool { at, ok = d.At, true; return false })
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next reminder due: %w", engineErr(err))
	}
	return at, ok, nil
}

// DueReminders returns up to limit reminders due at now.
func (s *Store) DueReminders(ctx context.Context, now time.Time, limit int) ([]shelf.DueCheckpoint, error) {
	var out []shelf.DueCheckpoint
	err := s.scanReminders(ctx, func(d shelf.DueCheckpoint) bool {
		if d.At.After(now) || len(out) >= limit {
			return false
		}
		out = append(out, d)
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("due reminders: %w", engineErr(err))
	}
	return out, nil
}

// ReminderPosting records the first attempt to post checkpoint n's reminder.
func (s *Store) ReminderPosting(ctx context.Context, guild, club string, n int, now time.Time) (time.Time, error) {
	var since time.Time
	err := s.update(ctx, guild, func(g *guildTx) error {
		cid, c, cp, err := checkpointTx(g, club, n)
		if err != nil {
			return err
		}
		if !cp.ReminderSince.IsZero() || cp.ReminderID != "" {
			since = cp.ReminderSince
			return nil
		}
		cp.ReminderSince = now.UTC()
		since = cp.ReminderSince
		return putClub(g, cid, c)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("reminder posting: %w", err)
	}
	return since, nil
}

// ReminderDone records checkpoint n's reminder.
func (s *Store) ReminderDone(ctx context.Context, guild, club string, n int, messageID string) error {
	err := s.update(ctx, guild, func(g *guildTx) error {
		cid, c, cp, err := checkpointTx(g, club, n)
		if err != nil {
			return err
		}
		if cp.ReminderID != "" {
			return nil
		}
		cp.ReminderID = shelf.Truncate(messageID, 200)
		return putClub(g, cid, c)
	})
	if err != nil {
		return fmt.Errorf("reminder done: %w", err)
	}
	return nil
}
