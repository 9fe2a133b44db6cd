package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Club reminders: members who turned them off are rows of
// club_reminders_off; a reminder's state lives on its checkpoint in the
// club's document, and which are due is read from club_due (a checkpoint
// not done is due for its reminder from its opening minus
// shelf.ReminderLead until the reminder is recorded).

// reminderScan bounds the due rows NextReminderDue looks through.
const reminderScan = 5000

// SetClubReminders turns a member's club reminders on or off.
func (s *Store) SetClubReminders(ctx context.Context, guild, user string, on bool) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("set club reminders: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("set club reminders: %w", err)
	}
	return s.tx(ctx, "set club reminders", func(tx pgx.Tx) error {
		if on {
			_, err := tx.Exec(ctx, `DELETE FROM club_reminders_off WHERE guild = $1 AND user_id = $2`, gid, uid)
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO club_reminders_off (guild, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, gid, uid)
		return err
	})
}

// ClubRemindersOff returns the guild's members who turned reminders off.
func (s *Store) ClubRemindersOff(ctx context.Context, guild string) (map[string]bool, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("club reminders off: %w", err)
	}
	out := map[string]bool{}
	err = s.read(ctx, "club reminders off", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT user_id FROM club_reminders_off WHERE guild = $1`, gid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u int64
			if err := rows.Scan(&u); err != nil {
				return err
			}
			out[fmtID(u)] = true
		}
		return rows.Err()
	})
	return out, err
}

// scanReminders calls fn with each due checkpoint whose reminder is not
// recorded, in time order, until fn returns false.
func (s *Store) scanReminders(ctx context.Context, what string, fn func(d shelf.DueCheckpoint) bool) error {
	return s.read(ctx, what, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT d.opens, d.guild, d.club, d.n, c.doc FROM club_due d
			JOIN clubs c ON c.guild = d.guild AND c.id = d.club
			WHERE d.n >= 2 AND c.active ORDER BY d.opens, d.guild, d.club, d.n LIMIT $1`, reminderScan)
		if err != nil {
			return err
		}
		defer rows.Close()
		clubs := map[[2]int64]*shelf.Club{}
		for rows.Next() {
			var (
				opens, g, c int64
				n           int
				doc         []byte
			)
			if err := rows.Scan(&opens, &g, &c, &n, &doc); err != nil {
				return err
			}
			club := clubs[[2]int64{g, c}]
			if club == nil {
				club = &shelf.Club{}
				if err := json.Unmarshal(doc, club); err != nil {
					return err
				}
				clubs[[2]int64{g, c}] = club
			}
			if n > len(club.Checkpoints) || club.Checkpoints[n-1].Reminded() {
				continue
			}
			if !fn(shelf.DueCheckpoint{GuildID: fmtID(g), ClubID: fmtID(c), Number: n, At: fromNanos(opens).Add(-shelf.ReminderLead)}) {
				return nil
			}
		}
		return rows.Err()
	})
}

// NextReminderDue returns when the earliest unrecorded reminder is due.
func (s *Store) NextReminderDue(ctx context.Context) (time.Time, bool, error) {
	var (
		at time.Time
		ok bool
	)
	err := s.scanReminders(ctx, "next reminder due", func(d shelf.DueCheckpoint) bool { at, ok = d.At, true; return false })
	return at, ok, err
}

// DueReminders returns up to limit reminders due at now.
func (s *Store) DueReminders(ctx context.Context, now time.Time, limit int) ([]shelf.DueCheckpoint, error) {
	var out []shelf.DueCheckpoint
	err := s.scanReminders(ctx, "due reminders", func(d shelf.DueCheckpoint) bool {
		if d.At.After(now) || len(out) >= limit {
			return false
		}
		out = append(out, d)
		return true
	})
	return out, err
}

// ReminderPosting records the first attempt to post checkpoint n's reminder.
func (s *Store) ReminderPosting(ctx context.Context, guild, club string, n int, now time.Time) (time.Time, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return time.Time{}, fmt.Errorf("reminder posting: %w", err)
	}
	var since time.Time
	err = s.tx(ctx, "reminder posting", func(tx pgx.Tx) error {
		cid, c, cp, err := checkpoint(ctx, tx, gid, club, n)
		if err != nil {
			return err
		}
		if !cp.ReminderSince.IsZero() || cp.ReminderID != "" {
			since = cp.ReminderSince
			return nil
		}
		cp.ReminderSince = now.UTC()
		since = cp.ReminderSince
		return putClub(ctx, tx, gid, cid, c)
	})
	return since, err
}

// ReminderDone records checkpoint n's reminder.
func (s *Store) ReminderDone(ctx context.Context, guild, club string, n int, messageID string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("reminder done: %w", err)
	}
	return s.tx(ctx, "reminder done", func(tx pgx.Tx) error {
		cid, c, cp, err := checkpoint(ctx, tx, gid, club, n)
		if err != nil {
			return err
		}
		if cp.ReminderID != "" {
			return nil
		}
		cp.ReminderID = shelf.Truncate(messageID, 200)
		return putClub(ctx, tx, gid, cid, c)
	})
}
