package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// giveKudosSQL records a kudos and moves the story's counter in one
// statement (one transaction): the insert is refused by the primary key
// when the member already gave one (a concurrent giver's insert is waited
// for), and the counter is updated under the story row's lock, so the
// count always equals the records, whichever process writes.
const giveKudosSQL = `
WITH s AS (SELECT mine AND added_by = $3 AS own FROM stories WHERE guild = $1 AND id = $2),
ins AS (
	INSERT INTO kudos (guild, story, user_id, at)
	SELECT $1, $2, $3, $4 FROM s WHERE NOT s.own
	ON CONFLICT DO NOTHING RETURNING 1)
UPDATE stories SET kudos = kudos + (SELECT count(*) FROM ins)
WHERE guild = $1 AND id = $2
RETURNING kudos, mine AND added_by = $3, (SELECT count(*) FROM ins)`

// GiveKudos records user's kudos on story and returns the story's count.
func (s *Store) GiveKudos(ctx context.Context, guild, story, user string, at time.Time) (int, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return 0, fmt.Errorf("give kudos: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return 0, fmt.Errorf("give kudos: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return 0, fmt.Errorf("give kudos: %w", err)
	}
	ts := nanos(at)
	var (
		count    int
		own      bool
		inserted int64
	)
	err = s.one(ctx, "give kudos", func(tx querier) error {
		err := tx.QueryRow(ctx, giveKudosSQL, gid, sid, uid, ts).Scan(&count, &own, &inserted)
		if errors.Is(err, pgx.ErrNoRows) || pgCode(err) == "23503" {
			return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	switch {
	case own:
		return count, fmt.Errorf("give kudos: %w", shelf.ErrOwnStory)
	case inserted == 0:
		return count, fmt.Errorf("give kudos: %w", shelf.ErrAlreadyGiven)
	}
	return count, nil
}

// Kudos lists who gave kudos to story, newest first (ties by user ID).
func (s *Store) Kudos(ctx context.Context, guild, story string) ([]shelf.Kudo, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("kudos: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return nil, fmt.Errorf("kudos: %w", err)
	}
	var out []shelf.Kudo
	err = s.read(ctx, "kudos", func(tx pgx.Tx) error {
		out = nil
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM stories WHERE guild = $1 AND id = $2`, gid, sid).Scan(&one); err != nil {
			return notFound(err, "story %d", sid)
		}
		rows, err := tx.Query(ctx, `SELECT user_id, at FROM kudos WHERE guild = $1 AND story = $2
			ORDER BY at DESC, user_id`, gid, sid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var u, at int64
			if err := rows.Scan(&u, &at); err != nil {
				return err
			}
			out = append(out, shelf.Kudo{UserID: fmtID(u), At: fromNanos(at)})
		}
		return rows.Err()
	})
	return out, err
}

// TopKudos returns the stories with the most kudos given at or after since.
func (s *Store) TopKudos(ctx context.Context, guild string, p shelf.Period, now time.Time, limit int) ([]shelf.TopStory, error) {
	since := p.Since(now)
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("top kudos: %w", err)
	}
	if limit <= 0 {
		limit = 10
	}
	var out []shelf.TopStory
	err = s.read(ctx, "top kudos", func(tx pgx.Tx) error {
		out = nil
		var rows pgx.Rows
		var err error
		if since.IsZero() || since.UnixNano() <= 0 {
			rows, err = tx.Query(ctx, `SELECT `+storyCols+`, s.kudos FROM `+storyFrom+` WHERE s.guild = $1 AND s.kudos > 0
				ORDER BY s.kudos DESC, s.added_at DESC, s.id DESC LIMIT $2`, gid, limit)
		} else {
			rows, err = tx.Query(ctx, `WITH p AS (SELECT story, count(*) AS n FROM kudos WHERE guild = $1 AND at >= $2 GROUP BY story)
				SELECT `+storyCols+`, p.n FROM p JOIN stories s ON s.guild = $1 AND s.id = p.story
				JOIN story_docs d ON d.guild = s.guild AND d.id = s.id
				ORDER BY p.n DESC, s.kudos DESC, s.added_at DESC, s.id DESC LIMIT $3`, gid, since.UnixNano(), limit)
		}
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, g, by, added int64
				meta, infos      []byte
				mine             bool
				kudos, readers   int
				n                int
			)
			if err := rows.Scan(&id, &g, &meta, &infos, &by, &added, &mine, &kudos, &readers, &n); err != nil {
				return err
			}
			rec, err := scanStory(fixedRow{id, g, meta, infos, by, added, mine, kudos, readers})
			if err != nil {
				return err
			}
			out = append(out, shelf.TopStory{StoryRecord: rec, Count: n})
		}
		return rows.Err()
	})
	return out, err
}

// fixedRow replays scanned values into scanStory.
type fixedRow []any

func (r fixedRow) Scan(dest ...any) error {
	for i, d := range dest {
		switch p := d.(type) {
		case *int64:
			*p = r[i].(int64)
		case *[]byte:
			*p = r[i].([]byte)
		case *bool:
			*p = r[i].(bool)
		case *int:
			*p = r[i].(int)
		default:
			return fmt.Errorf("fixedRow: unexpected %T", d)
		}
	}
	return nil
}
