package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// entryState is a list entry's status and chapter, before and after a write.
type entryState struct {
	status  shelf.Status
	chapter int
}

// logListChange keeps the reading log (shelf.ReadingLog) for an entry just
// written in tx: its finishing time (list_entries.finished_at) and, when
// logProgress and the entry changed, a progress event. Without
// logProgress (an import) a newly finished entry gets no finishing time.
func logListChange(ctx context.Context, tx pgx.Tx, gid, uid, sid int64, prev *entryState, now entryState, ts int64, logProgress bool) error {
	wasFinished := prev != nil && prev.status == shelf.StatusFinished
	if _, err := tx.Exec(ctx, `UPDATE list_entries SET finished_at = CASE
			WHEN status <> 'finished' THEN 0
			WHEN $4 OR NOT $5 THEN finished_at
			ELSE $6 END
		WHERE guild = $1 AND user_id = $2 AND story = $3`, gid, uid, sid, wasFinished, logProgress, ts); err != nil {
		return err
	}
	if !logProgress {
		return nil
	}
	changed := prev == nil && (now.status != shelf.StatusToRead || now.chapter > 0) ||
		prev != nil && (prev.status != now.status || prev.chapter != now.chapter)
	if !changed {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO progress_events (guild, user_id, at, story) VALUES ($1, $2, $3, $4)`, gid, uid, ts, sid)
	return err
}

// ReadingActivity implements shelf.ReadingLog.
func (s *Store) ReadingActivity(ctx context.Context, guild, user string, from, to time.Time) (shelf.ReadingActivity, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ReadingActivity{}, fmt.Errorf("reading activity: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return shelf.ReadingActivity{}, fmt.Errorf("reading activity: %w", err)
	}
	lo, hi := from.UnixNano(), to.UnixNano()
	var out shelf.ReadingActivity
	err = s.read(ctx, "reading activity", func(tx pgx.Tx) error {
		out = shelf.ReadingActivity{}
		rows, err := tx.Query(ctx, `SELECT story, finished_at FROM list_entries
			WHERE guild = $1 AND user_id = $2 AND status = 'finished' AND finished_at <> 0 AND finished_at >= $3 AND finished_at < $4
			ORDER BY finished_at, story`, gid, uid, lo, hi)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sid, at int64
			if err := rows.Scan(&sid, &at); err != nil {
				rows.Close()
				return err
			}
			out.Finished = append(out.Finished, shelf.FinishedEntry{StoryID: fmtID(sid), At: fromNanos(at)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		times := func(q string) ([]time.Time, error) {
			rows, err := tx.Query(ctx, q, gid, uid, lo, hi)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var ts []time.Time
			for rows.Next() {
				var at int64
				if err := rows.Scan(&at); err != nil {
					return nil, err
				}
				ts = append(ts, fromNanos(at))
			}
			return ts, rows.Err()
		}
		if out.Progress, err = times(`SELECT at FROM progress_events WHERE guild = $1 AND user_id = $2 AND at >= $3 AND at < $4 ORDER BY at`); err != nil {
			return err
		}
		out.Kudos, err = times(`SELECT at FROM kudos WHERE guild = $1 AND user_id = $2 AND at >= $3 AND at < $4 ORDER BY at`)
		return err
	})
	if err != nil {
		return shelf.ReadingActivity{}, err
	}
	return out, nil
}
