package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Nominations are rows of club_nominations, one per member and channel; a
// channel's nominations change under a transaction-scoped advisory lock of
// the channel, so "at most 10" and "one per story" hold across processes.
// A poll is a row of club_polls: its document plus open and ends, which
// the unique index (one open poll per channel) and the due index read.

// nominationLock is the advisory lock key space of a channel's
// nominations (the channel ID mixed with a constant).
const nominationLock int64 = 0x6e6f6d696e617465

func lockNominations(ctx context.Context, tx pgx.Tx, gid, ch int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, ch^gid^nominationLock)
	return err
}

func nominationsTx(ctx context.Context, tx pgx.Tx, gid, ch int64) ([]shelf.Nomination, error) {
	rows, err := tx.Query(ctx, `SELECT n.user_id, n.story, s.title, n.at FROM club_nominations n
		JOIN stories s ON s.guild = n.guild AND s.id = n.story
		WHERE n.guild = $1 AND n.channel = $2 ORDER BY n.at, n.user_id`, gid, ch)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shelf.Nomination
	for rows.Next() {
		var (
			uid, sid, at int64
			title        string
		)
		if err := rows.Scan(&uid, &sid, &title, &at); err != nil {
			return nil, err
		}
		out = append(out, shelf.Nomination{ChannelID: fmtID(ch), UserID: fmtID(uid), StoryID: fmtID(sid), StoryTitle: title, At: fromNanos(at)})
	}
	return out, rows.Err()
}

// Nominate makes story user's nomination in channel.
func (s *Store) Nominate(ctx context.Context, guild, channel, user, story string, at time.Time) (shelf.Nomination, bool, error) {
	var (
		prev shelf.Nomination
		had  bool
	)
	err := func() error {
		gid, err := parseGuild(guild)
		if err != nil {
			return err
		}
		ch, err := parseID("channel", channel)
		if err != nil {
			return err
		}
		uid, err := parseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseID("story", story)
		if err != nil {
			return err
		}
		return s.tx(ctx, "nominate", func(tx pgx.Tx) error {
			prev, had = shelf.Nomination{}, false
			if err := lockNominations(ctx, tx, gid, ch); err != nil {
				return err
			}
			var one int
			if err := tx.QueryRow(ctx, `SELECT 1 FROM stories WHERE guild = $1 AND id = $2 FOR KEY SHARE`, gid, sid).Scan(&one); err != nil {
				return notFound(err, "story %d", sid)
			}
			noms, err := nominationsTx(ctx, tx, gid, ch)
			if err != nil {
				return err
			}
			others := 0
			for _, n := range noms {
				switch {
				case n.UserID == fmtID(uid):
					prev, had = n, true
				case n.StoryID == fmtID(sid):
					prev = n
					return fmt.Errorf("story %d: %w", sid, shelf.ErrAlreadyNominated)
				default:
					others++
				}
			}
			if others >= shelf.MaxNominations {
				return fmt.Errorf("channel %d: %w", ch, shelf.ErrNominationsFull)
			}
			_, err = tx.Exec(ctx, `INSERT INTO club_nominations (guild, channel, user_id, story, at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (guild, channel, user_id) DO UPDATE SET story = excluded.story, at = excluded.at`, gid, ch, uid, sid, nanos(at))
			return err
		})
	}()
	if err != nil {
		return prev, false, fmt.Errorf("nominate: %w", err)
	}
	return prev, had, nil
}

// Nominations lists a channel's nominations, oldest first.
func (s *Store) Nominations(ctx context.Context, guild, channel string) ([]shelf.Nomination, error) {
	var out []shelf.Nomination
	err := func() error {
		gid, err := parseGuild(guild)
		if err != nil {
			return err
		}
		ch, err := parseID("channel", channel)
		if err != nil {
			return err
		}
		return s.read(ctx, "nominations", func(tx pgx.Tx) error {
			out, err = nominationsTx(ctx, tx, gid, ch)
			return err
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("nominations: %w", err)
	}
	return out, nil
}

func scanPoll(row pgx.Row, pid int64) (*shelf.ClubPoll, error) {
	var doc []byte
	if err := row.Scan(&doc); err != nil {
		return nil, notFound(err, "club poll %d", pid)
	}
	var p shelf.ClubPoll
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, fmt.Errorf("club poll %d: %w", pid, err)
	}
	return &p, nil
}

func writePoll(ctx context.Context, tx pgx.Tx, gid, pid, ch int64, p *shelf.ClubPoll, insert bool) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.Exec(ctx, `INSERT INTO club_polls (guild, id, channel, open, ends, doc) VALUES ($1, $2, $3, $4, $5, $6)`,
			gid, pid, ch, !p.Done(), p.Ends.UnixNano(), doc)
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE club_polls SET open = $3, ends = $4, doc = $5 WHERE guild = $1 AND id = $2`,
		gid, pid, !p.Done(), p.Ends.UnixNano(), doc)
	return err
}

// CreateClubPoll stores a new poll, due at its end.
func (s *Store) CreateClubPoll(ctx context.Context, guild string, p shelf.ClubPoll) (shelf.ClubPoll, error) {
	var out shelf.ClubPoll
	err := func() error {
		gid, err := parseGuild(guild)
		if err != nil {
			return err
		}
		ch, err := parseID("channel", p.ChannelID)
		if err != nil {
			return err
		}
		if _, err := parseID("user", p.CreatedBy); err != nil {
			return err
		}
		return s.txRaced(ctx, "create club poll", func(tx pgx.Tx) error {
			open, err := scanPoll(tx.QueryRow(ctx, `SELECT doc FROM club_polls WHERE guild = $1 AND channel = $2 AND open`, gid, ch), 0)
			if err == nil {
				out = *open
				return fmt.Errorf("channel %d: %w", ch, shelf.ErrPollOpen)
			}
			if !errors.Is(err, shelf.ErrNotFound) {
				return err
			}
			pid, err := nextID(ctx, tx, gid, "club_polls")
			if err != nil {
				return err
			}
			np := p
			np.ID, np.GuildID, np.ChannelID = fmtID(pid), fmtID(gid), fmtID(ch)
			np.CreatedAt, np.Ends = np.CreatedAt.UTC(), np.Ends.UTC()
			if err := writePoll(ctx, tx, gid, pid, ch, &np, true); err != nil {
				return err
			}
			out = np
			return nil
		})
	}()
	if err != nil {
		return out, fmt.Errorf("create club poll: %w", err)
	}
	return out, nil
}

// ClubPoll returns a poll.
func (s *Store) ClubPoll(ctx context.Context, guild, id string) (shelf.ClubPoll, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("club poll: %w", err)
	}
	pid, err := parseID("poll", id)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("club poll: %w", err)
	}
	var out shelf.ClubPoll
	err = s.read(ctx, "club poll", func(tx pgx.Tx) error {
		p, err := scanPoll(tx.QueryRow(ctx, `SELECT doc FROM club_polls WHERE guild = $1 AND id = $2`, gid, pid), pid)
		if err == nil {
			out = *p
		}
		return err
	})
	return out, err
}

// OpenClubPoll returns the channel's poll not yet done.
func (s *Store) OpenClubPoll(ctx context.Context, guild, channel string) (shelf.ClubPoll, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("open club poll: %w", err)
	}
	ch, err := parseID("channel", channel)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("open club poll: %w", err)
	}
	var out shelf.ClubPoll
	err = s.read(ctx, "open club poll", func(tx pgx.Tx) error {
		p, err := scanPoll(tx.QueryRow(ctx, `SELECT doc FROM club_polls WHERE guild = $1 AND channel = $2 AND open`, gid, ch), 0)
		if err == nil {
			out = *p
		}
		return err
	})
	return out, err
}

// UpdateClubPoll changes a poll with fn under the row's lock.
func (s *Store) UpdateClubPoll(ctx context.Context, guild, id string, fn func(*shelf.ClubPoll) error) (shelf.ClubPoll, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("update club poll: %w", err)
	}
	pid, err := parseID("poll", id)
	if err != nil {
		return shelf.ClubPoll{}, fmt.Errorf("update club poll: %w", err)
	}
	var out shelf.ClubPoll
	err = s.tx(ctx, "update club poll", func(tx pgx.Tx) error {
		old, err := scanPoll(tx.QueryRow(ctx, `SELECT doc FROM club_polls WHERE guild = $1 AND id = $2 FOR UPDATE`, gid, pid), pid)
		if err != nil {
			return err
		}
		p := old.Clone()
		if err := fn(p); err != nil {
			return err
		}
		p.ID, p.GuildID, p.ChannelID = old.ID, old.GuildID, old.ChannelID
		p.Ends = p.Ends.UTC()
		ch, err := parseID("channel", p.ChannelID)
		if err != nil {
			return err
		}
		if err := writePoll(ctx, tx, gid, pid, ch, p, false); err != nil {
			return err
		}
		out = *p
		return nil
	})
	return out, err
}

// StartPollClub starts the club on a decided poll's winner, or records
// why it cannot, and clears the poll's nominations, in one transaction.
func (s *Store) StartPollClub(ctx context.Context, guild, id string, p shelf.ClubStart) (shelf.ClubPoll, error) {
	fail := func(err error) (shelf.ClubPoll, error) {
		return shelf.ClubPoll{}, fmt.Errorf("start poll club: %w", err)
	}
	gid, err := parseGuild(guild)
	if err != nil {
		return fail(err)
	}
	pid, err := parseID("poll", id)
	if err != nil {
		return fail(err)
	}
	a, err := parseClubStart(p)
	if err != nil {
		return fail(err)
	}
	var out shelf.ClubPoll
	err = s.txRaced(ctx, "start poll club", func(tx pgx.Tx) error {
		old, err := scanPoll(tx.QueryRow(ctx, `SELECT doc FROM club_polls WHERE guild = $1 AND id = $2 FOR UPDATE`, gid, pid), pid)
		if err != nil {
			return err
		}
		ch, err := parseID("channel", old.ChannelID)
		if err != nil {
			return err
		}
		a.p.ChannelID = old.ChannelID
		np, changed, err := shelf.SettlePoll(old, func() (shelf.Club, error) { return startClubTx(ctx, tx, gid, ch, a) })
		if err != nil {
			return err
		}
		if changed {
			if err := clearPolledNominations(ctx, tx, gid, ch, np); err != nil {
				return err
			}
			if err := writePoll(ctx, tx, gid, pid, ch, np, false); err != nil {
				return err
			}
		}
		out = *np
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}

// clearPolledNominations removes the nominations a poll was made of (a
// member who nominated again since keeps the new one), under the
// channel's nominations lock.
func clearPolledNominations(ctx context.Context, tx pgx.Tx, gid, ch int64, p *shelf.ClubPoll) error {
	if err := lockNominations(ctx, tx, gid, ch); err != nil {
		return err
	}
	for _, a := range p.Answers {
		uid, err := parseID("user", a.NominatedBy)
		if err != nil {
			return err
		}
		sid, err := parseID("story", a.StoryID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM club_nominations WHERE guild = $1 AND channel = $2 AND user_id = $3 AND story = $4 AND at = $5`,
			gid, ch, uid, sid, a.NominatedAt.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// NextClubPollDue returns the earliest end of a poll not done.
func (s *Store) NextClubPollDue(ctx context.Context) (time.Time, bool, error) {
	if s.closed.Load() {
		return time.Time{}, false, fmt.Errorf("next club poll due: %w", shelf.ErrClosed)
	}
	var at int64
	err := s.db.QueryRow(ctx, `SELECT ends FROM club_polls WHERE open ORDER BY ends, guild, id LIMIT 1`).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next club poll due: %w", s.mapErr(err))
	}
	return fromNanos(at), true, nil
}

// DueClubPolls returns up to limit polls due at or before now.
func (s *Store) DueClubPolls(ctx context.Context, now time.Time, limit int) ([]shelf.DueClubPoll, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("due club polls: %w", shelf.ErrClosed)
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT ends, guild, id FROM club_polls WHERE open AND ends <= $1
		ORDER BY ends, guild, id LIMIT $2`, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("due club polls: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.DueClubPoll
	for rows.Next() {
		var at, g, p int64
		if err := rows.Scan(&at, &g, &p); err != nil {
			return nil, fmt.Errorf("due club polls: %w", err)
		}
		out = append(out, shelf.DueClubPoll{GuildID: fmtID(g), PollID: fmtID(p), At: fromNanos(at)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due club polls: %w", s.mapErr(err))
	}
	return out, nil
}

// LastClub returns the channel's most recent club, active or ended.
func (s *Store) LastClub(ctx context.Context, guild, channel string) (shelf.Club, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("last club: %w", err)
	}
	ch, err := parseID("channel", channel)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("last club: %w", err)
	}
	var out shelf.Club
	err = s.read(ctx, "last club", func(tx pgx.Tx) error {
		var doc []byte
		if err := tx.QueryRow(ctx, `SELECT doc FROM clubs WHERE guild = $1 AND channel = $2 ORDER BY id DESC LIMIT 1`, gid, ch).Scan(&doc); err != nil {
			return notFound(err, "channel %d", ch)
		}
		return json.Unmarshal(doc, &out)
	})
	return out, err
}

// MemberNominations lists user's nominations in every channel.
func (s *Store) MemberNominations(ctx context.Context, guild, user string) ([]shelf.Nomination, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("member nominations: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return nil, fmt.Errorf("member nominations: %w", err)
	}
	var out []shelf.Nomination
	err = s.read(ctx, "member nominations", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT n.channel, n.story, s.title, n.at FROM club_nominations n
			JOIN stories s ON s.guild = n.guild AND s.id = n.story
			WHERE n.guild = $1 AND n.user_id = $2 ORDER BY n.at, n.channel`, gid, uid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				ch, sid, at int64
				title       string
			)
			if err := rows.Scan(&ch, &sid, &title, &at); err != nil {
				return err
			}
			out = append(out, shelf.Nomination{ChannelID: fmtID(ch), UserID: fmtID(uid), StoryID: fmtID(sid), StoryTitle: title, At: fromNanos(at)})
		}
		return rows.Err()
	})
	return out, err
}

// DeleteMemberClubData removes user's nominations and reminders choice.
func (s *Store) DeleteMemberClubData(ctx context.Context, guild, user string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("delete member club data: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("delete member club data: %w", err)
	}
	return s.tx(ctx, "delete member club data", func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM club_nominations WHERE guild = $1 AND user_id = $2`, gid, uid); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM club_reminders_off WHERE guild = $1 AND user_id = $2`, gid, uid)
		return err
	})
}

// dumpClubChoices emits the guild's nominations and reminder opt-outs
// (Dump; polls are not copied). g holds the guild ID.
func dumpClubChoices(ctx context.Context, tx pgx.Tx, g []any, emit func(shelf.Item) error) error {
	err := each(ctx, tx, `SELECT n.channel, n.user_id, n.story, s.title, n.at FROM club_nominations n
		JOIN stories s ON s.guild = n.guild AND s.id = n.story
		WHERE n.guild = $1 ORDER BY n.channel, n.at, n.user_id`, g, func(r pgx.Rows) error {
		var ch, uid, sid, at int64
		var title string
		if err := r.Scan(&ch, &uid, &sid, &title, &at); err != nil {
			return err
		}
		return emit(shelf.Item{Nomination: &shelf.Nomination{ChannelID: fmtID(ch), UserID: fmtID(uid), StoryID: fmtID(sid), StoryTitle: title, At: fromNanos(at)}})
	})
	if err != nil {
		return err
	}
	return each(ctx, tx, `SELECT user_id FROM club_reminders_off WHERE guild = $1 ORDER BY user_id`, g, func(r pgx.Rows) error {
		var uid int64
		if err := r.Scan(&uid); err != nil {
			return err
		}
		u := fmtID(uid)
		return emit(shelf.Item{ClubRemindersOff: &u})
	})
}

// loadClubChoice writes a nomination or a reminder opt-out (Load).
func loadClubChoice(ctx context.Context, tx pgx.Tx, gid int64, it shelf.Item) error {
	if it.ClubRemindersOff != nil {
		uid, err := parseID("user", *it.ClubRemindersOff)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO club_reminders_off (guild, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, gid, uid)
		return err
	}
	n := it.Nomination
	ch, err := parseID("channel", n.ChannelID)
	if err != nil {
		return err
	}
	uid, err := parseID("user", n.UserID)
	if err != nil {
		return err
	}
	sid, err := parseID("story", n.StoryID)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO club_nominations (guild, channel, user_id, story, at) VALUES ($1, $2, $3, $4, $5)`,
		gid, ch, uid, sid, n.At.UnixNano())
	return err
}
