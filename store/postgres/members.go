package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// ExportMember returns everything stored about user in guild, from one
// snapshot, in the orders BoltDB gives: list and kudos by story ID, recs
// and requests by ID, clubs by ID.
func (s *Store) ExportMember(ctx context.Context, guild, user string) (shelf.MemberExport, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.MemberExport{}, fmt.Errorf("export member: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return shelf.MemberExport{}, fmt.Errorf("export member: %w", err)
	}
	var out shelf.MemberExport
	err = s.read(ctx, "export member", func(tx pgx.Tx) error {
		out = shelf.MemberExport{GuildID: fmtID(gid), UserID: fmtID(uid), KudosGiven: []shelf.KudosGiven{}, StoriesAdded: []shelf.StoryRef{}}
		var err error
		if out.ReadingList, err = memberList(ctx, tx, gid, uid); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT k.story, coalesce(s.title, ''), k.at FROM kudos k
			LEFT JOIN stories s ON s.guild = k.guild AND s.id = k.story
			WHERE k.guild = $1 AND k.user_id = $2 ORDER BY k.story`, gid, uid)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sid, at int64
			var kg shelf.KudosGiven
			if err := rows.Scan(&sid, &kg.Title, &at); err != nil {
				rows.Close()
				return err
			}
			kg.StoryID, kg.At = fmtID(sid), fromNanos(at)
			out.KudosGiven = append(out.KudosGiven, kg)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT id, title, authors FROM stories WHERE guild = $1 AND added_by = $2 ORDER BY id`, gid, uid)
		if err != nil {
			return err
		}
		if out.StoriesAdded, err = scanRefs(rows); err != nil {
			return err
		}
		var other shelf.OtherData
		recs, err := queryRecs(ctx, tx, `SELECT r.doc, coalesce(s.title, '') FROM recs r
			LEFT JOIN stories s ON s.guild = r.guild AND s.id = r.story
			WHERE r.guild = $1 AND r.user_id = $2 ORDER BY r.id`, gid, uid)
		if err != nil {
			return err
		}
		reqs, err := queryRequests(ctx, tx, `SELECT doc FROM rec_requests WHERE guild = $1 AND user_id = $2 ORDER BY id`, gid, uid)
		if err != nil {
			return err
		}
		if len(recs) > 0 || len(reqs) > 0 {
			if recs == nil {
				recs = []shelf.Rec{}
			}
			if reqs == nil {
				reqs = []shelf.RecRequest{}
			}
			other.Recs = &shelf.RecsExport{Recs: recs, Requests: reqs}
		}
		rows, err = tx.Query(ctx, `SELECT c.doc, m.joined_at, m.chapter FROM club_members m
			JOIN clubs c ON c.guild = m.guild AND c.id = m.club
			WHERE m.guild = $1 AND m.user_id = $2 ORDER BY m.club`, gid, uid)
		if err != nil {
			return err
		}
		for rows.Next() {
			var doc []byte
			var joined int64
			var chapter int
			if err := rows.Scan(&doc, &joined, &chapter); err != nil {
				rows.Close()
				return err
			}
			var c shelf.Club
			if err := json.Unmarshal(doc, &c); err != nil {
				rows.Close()
				return err
			}
			other.Clubs = append(other.Clubs, shelf.ClubExport{ClubID: c.ID, Name: c.Name, Story: c.StoryTitle,
				Host: c.HostID == fmtID(uid), JoinedAt: fromNanos(joined), Chapter: chapter, Active: c.Active()})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if other.Recs != nil || other.Clubs != nil {
			out.Other = &other
		}
		return nil
	})
	if err != nil {
		return shelf.MemberExport{}, err
	}
	return out, nil
}

// DeleteMember removes user's reading list, kudos and club memberships in
// guild, moving the stories' counters in the same transaction.
func (s *Store) DeleteMember(ctx context.Context, guild, user string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("delete member: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("delete member: %w", err)
	}
	return s.tx(ctx, "delete member", func(tx pgx.Tx) error {
		// The guild's kudos-mark lock before any row: a mark advance
		// locks the kudos rows this deletes before their stories'
		// counters, the opposite order (markLockKey).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(`+markLockKey+`)`, gid); err != nil {
			return err
		}
		// Lock the stories in ID order first so that two deletions (or a
		// deletion and kudos) never wait on each other in a cycle.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM stories WHERE guild = $1 AND id IN (
				SELECT story FROM list_entries WHERE guild = $1 AND user_id = $2
				UNION SELECT story FROM kudos WHERE guild = $1 AND user_id = $2)
			ORDER BY id FOR NO KEY UPDATE`, gid, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `WITH d AS (DELETE FROM list_entries WHERE guild = $1 AND user_id = $2 RETURNING story)
			UPDATE story_counts SET readers = greatest(readers - 1, 0) WHERE guild = $1 AND story IN (SELECT story FROM d)`, gid, uid); err != nil {
			return err
		}
		// A member gives at most one kudos per story, so each story's
		// counters lose at most one: the all-time count, and each period's
		// when the kudos was still counted in it.
		if _, err := tx.Exec(ctx, `WITH d AS (DELETE FROM kudos WHERE guild = $1 AND user_id = $2 RETURNING story, in_week, in_month)
			UPDATE story_counts c SET kudos = greatest(c.kudos - 1, 0),
				week = greatest(c.week - d.in_week::int, 0), month = greatest(c.month - d.in_month::int, 0)
			FROM d WHERE c.guild = $1 AND c.story = d.story`, gid, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM progress_events WHERE guild = $1 AND user_id = $2`, gid, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM import_jobs WHERE guild = $1 AND user_id = $2`, gid, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM series_jobs WHERE guild = $1 AND user_id = $2`, gid, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM upload_jobs WHERE guild = $1 AND user_id = $2`, gid, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM subscriptions WHERE guild = $1 AND user_id = $2`, gid, uid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM dms_closed WHERE guild = $1 AND user_id = $2`, gid, uid); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM club_members WHERE guild = $1 AND user_id = $2`, gid, uid)
		return err
	})
}

// settings and leases

// Settings returns the guild's settings, defaults when it set none.
func (s *Store) Settings(ctx context.Context, guild string) (shelf.Settings, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("settings: %w", err)
	}
	if s.closed.Load() {
		return shelf.Settings{}, fmt.Errorf("settings: %w", shelf.ErrClosed)
	}
	var st shelf.Settings
	var doc []byte
	err = s.db.QueryRow(ctx, `SELECT doc FROM settings WHERE guild = $1`, gid).Scan(&doc)
	switch {
	case err == pgx.ErrNoRows:
	case err != nil:
		return shelf.Settings{}, fmt.Errorf("settings: %w", s.mapErr(err))
	default:
		if err := json.Unmarshal(doc, &st); err != nil {
			return shelf.Settings{}, fmt.Errorf("settings: %w", err)
		}
	}
	return st.WithDefaults(), nil
}

// SetSettings checks and stores the guild's settings.
func (s *Store) SetSettings(ctx context.Context, guild string, st shelf.Settings) (shelf.Settings, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("set settings: %w", err)
	}
	st, err = st.Normalize()
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("set settings: %w", err)
	}
	doc, err := json.Marshal(st)
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("set settings: %w", err)
	}
	err = s.tx(ctx, "set settings", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (guild, doc) VALUES ($1, $2)
			ON CONFLICT (guild) DO UPDATE SET doc = excluded.doc`, gid, doc)
		return err
	})
	if err != nil {
		return shelf.Settings{}, err
	}
	return st, nil
}

// TryLease takes or renews lease name for holder until now+ttl, unless
// another holder's time has not run out; one conditional upsert.
func (s *Store) TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" {
		return false, fmt.Errorf("try lease: empty name or holder: %w", shelf.ErrInvalid)
	}
	var got bool
	err := s.tx(ctx, "try lease", func(tx pgx.Tx) error {
		var h string
		err := tx.QueryRow(ctx, `INSERT INTO leases (name, holder, expires) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
			WHERE leases.holder = excluded.holder OR leases.expires <= $4
			RETURNING holder`, name, holder, now.Add(ttl).UnixNano(), now.UnixNano()).Scan(&h)
		if err == pgx.ErrNoRows {
			got = false
			return nil
		}
		got = err == nil
		return err
	})
	return got, err
}

// ReleaseLease gives up name if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	return s.tx(ctx, "release lease", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
		return err
	})
}
