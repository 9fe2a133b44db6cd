package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// giveKudosSQL records a kudos and moves the story's counters in one
// statement (one transaction): the insert is refused by the primary key
// when the member already gave one (a concurrent giver's insert is waited
// for), and the counters are updated under the story_counts row's lock, so
// the counts always equal the records, whichever process writes. A kudos
// given before a period's mark (kudosMarks) is not counted in that
// period's column; one read with an older mark is counted and later
// expired (advanceMark), which TopKudos's read allows for.
const giveKudosSQL = `
WITH s AS (SELECT mine AND added_by = $3 AS own FROM stories WHERE guild = $1 AND id = $2),
mk AS (SELECT coalesce(max(mark) FILTER (WHERE period = 1), 0) AS w,
	coalesce(max(mark) FILTER (WHERE period = 2), 0) AS m FROM kudos_marks WHERE guild = $1),
ins AS (
	INSERT INTO kudos (guild, story, user_id, at, in_week, in_month)
	SELECT $1, $2, $3, $4, $4 >= mk.w, $4 >= mk.m FROM s, mk WHERE NOT s.own
	ON CONFLICT DO NOTHING RETURNING in_week, in_month)
UPDATE story_counts SET kudos = kudos + (SELECT count(*) FROM ins),
	week = week + (SELECT count(*) FROM ins WHERE in_week),
	month = month + (SELECT count(*) FROM ins WHERE in_month)
WHERE guild = $1 AND story = $2
RETURNING kudos, (SELECT own FROM s), (SELECT count(*) FROM ins)`

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

// KudosCount returns story's all-time kudos count: one statement on the
// pool reading its story_counts row alone.
func (s *Store) KudosCount(ctx context.Context, guild, story string) (int, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return 0, fmt.Errorf("kudos count: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return 0, fmt.Errorf("kudos count: %w", err)
	}
	var n int
	err = s.one(ctx, "kudos count", func(q querier) error {
		err := q.QueryRow(ctx, `SELECT kudos FROM story_counts WHERE guild = $1 AND story = $2`, gid, sid).Scan(&n)
		return notFound(err, "story %d", sid)
	})
	return n, err
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

// Per-period kudos counts. story_counts.week (month) is the number of the
// story's kudos whose in_week (in_month) flag is set, in every committed
// state: each statement that sets, clears or deletes a flagged kudos moves
// the column in the same statement. kudos_marks holds, per guild and
// period, the latest since ever advanced to: kudos given before it are
// inserted unflagged, and advanceMark clears the flags of the older ones.
// So within one snapshot, for any since, a story's exact count is its
// column, minus its flagged kudos given before since (stragglers whose
// giver read an older mark, or an advance not yet made), plus its
// unflagged kudos given at or after since (only below the mark: a since
// earlier than a previous call's). topPeriodSQL computes exactly that
// from the two small sets and the column's index, in one statement.

// markSlack is how far behind since a period's mark may fall before
// TopKudos advances it: the kudos of that span are counted by the read's
// correction instead, so that a read does not write on every call.
const markSlack = time.Minute

// periodColumns names a period's counter column, kudos flag and mark row.
func periodColumns(p shelf.Period) (col, flag string, key int16) {
	if p == shelf.PeriodWeek {
		return "week", "in_week", 1
	}
	return "month", "in_month", 2
}

// topPeriodSQL is the exact top of a period ($1 guild, $2 since, $3 limit,
// $4 period key): the counter column's index read with LIMIT, widened by
// the stories of the correction set x (count(x) more rows, so that at
// least limit stories outside x are seen), then re-ranked. x's counters
// are read one primary-key probe per story (the LATERAL ... LIMIT 1, which
// the planner cannot turn into a join): the generic plan, which guesses
// x at 200 rows, otherwise hash-joined x to every counter row of the
// guild, 8–10 ms at 20,000 stories.
func topPeriodSQL(col, flag string, _ int16) string {
	return `
WITH m AS (SELECT coalesce((SELECT mark FROM kudos_marks WHERE guild = $1 AND period = $4), 0) AS mark),
x AS (
	SELECT story, sum(n)::int AS n FROM (
		SELECT k.story, 1 AS n FROM kudos k, m WHERE k.guild = $1 AND k.at >= $2 AND k.at < m.mark AND NOT k.` + flag + `
		UNION ALL
		SELECT k.story, -1 FROM kudos k WHERE k.guild = $1 AND k.` + flag + ` AND k.at < $2) y
	GROUP BY story),
c AS (
	(SELECT story, ` + col + ` AS n, kudos, added_at FROM story_counts WHERE guild = $1 AND ` + col + ` > 0
		ORDER BY ` + col + ` DESC, kudos DESC, added_at DESC, story DESC LIMIT $3 + (SELECT count(*) FROM x))
	UNION
	SELECT sc.story, sc.` + col + `, sc.kudos, sc.added_at FROM x CROSS JOIN LATERAL (
		SELECT story, ` + col + `, kudos, added_at FROM story_counts WHERE guild = $1 AND story = x.story LIMIT 1) sc),
r AS (
	SELECT c.story, c.n + coalesce(x.n, 0) AS n, c.kudos, c.added_at FROM c LEFT JOIN x ON x.story = c.story
	WHERE c.n + coalesce(x.n, 0) > 0
	ORDER BY 2 DESC, c.kudos DESC, c.added_at DESC, c.story DESC LIMIT $3)
SELECT ` + storyCols + `, r.n FROM r JOIN (` + storyFrom + `) ON s.guild = $1 AND s.id = r.story
ORDER BY r.n DESC, r.kudos DESC, r.added_at DESC, r.story DESC`
}

var (
	topWeekSQL  = topPeriodSQL(periodColumns(shelf.PeriodWeek))
	topMonthSQL = topPeriodSQL(periodColumns(shelf.PeriodMonth))
)

// topAllSQL reads the all-time top from story_counts' index.
const topAllSQL = `SELECT ` + storyCols + `, sc.kudos FROM ` + storyFrom + ` WHERE sc.guild = $1 AND sc.kudos > 0
	ORDER BY sc.kudos DESC, sc.added_at DESC, sc.story DESC LIMIT $2`

// markLockKey is the key ($1: the guild) of a guild's kudos-mark lock, a
// transaction-scoped advisory lock taken before any row lock by the
// transactions that change the kudos flags and counters of many stories
// at once: a mark advance tries it and skips when it is held (the read is
// exact without the advance); a member's deletion (DeleteMember) waits
// for it. Neither then ever holds a row the other waits for while waiting
// for one the other holds: an advance locks kudos rows then story_counts
// rows, a deletion story_counts rows then kudos rows, which deadlocked
// (PostgreSQL broke it after deadlock_timeout, a 1 s stall) before both
// took this lock first.
const markLockKey = `hashtextextended('ficshelf kudos mark ' || $1::bigint, 0)`

// advanceMark moves period p's mark of guild up to since and clears the
// flags of the kudos given before it, moving their stories' counters in
// the same statement. A clear waits for, then skips, a row another
// advance cleared (the flag is re-checked on the newest row version), so
// two processes never decrement twice; the guild's mark lock (markLockKey,
// both periods) keeps two advances, or an advance and a member's
// deletion, from locking the same rows in different orders.
func (s *Store) advanceMark(ctx context.Context, gid int64, p shelf.Period, since int64) error {
	col, flag, key := periodColumns(p)
	return s.tx(ctx, "advance kudos mark", func(tx pgx.Tx) error {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(`+markLockKey+`)`,
			gid).Scan(&got); err != nil || !got {
			return err
		}
		var mark int64
		if err := tx.QueryRow(ctx, `INSERT INTO kudos_marks (guild, period, mark) VALUES ($1, $2, $3)
			ON CONFLICT (guild, period) DO UPDATE SET mark = greatest(kudos_marks.mark, excluded.mark) RETURNING mark`,
			gid, key, since).Scan(&mark); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `WITH e AS (UPDATE kudos SET `+flag+` = false WHERE guild = $1 AND `+flag+` AND at < $2 RETURNING story),
			c AS (SELECT story, count(*)::int AS n FROM e GROUP BY story)
			UPDATE story_counts sc SET `+col+` = sc.`+col+` - c.n FROM c WHERE sc.guild = $1 AND sc.story = c.story`, gid, mark)
		return err
	})
}

// TopKudos returns the stories with the most kudos in period p ending at
// now (p.Since(now) onwards; every kudos for PeriodAll), most first, ties
// by all-time kudos, then newest story. Each answer reads an index with
// LIMIT and decodes only the stories shown; it is exact for any now,
// also one earlier than a previous call's (see topPeriodSQL).
func (s *Store) TopKudos(ctx context.Context, guild string, p shelf.Period, now time.Time, limit int) ([]shelf.TopStory, error) {
	since := p.Since(now)
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("top kudos: %w", err)
	}
	if limit <= 0 {
		limit = 10
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("top kudos: %w", shelf.ErrClosed)
	}
	var rows pgx.Rows
	if p == shelf.PeriodAll || since.IsZero() || since.UnixNano() <= 0 {
		rows, err = s.db.Query(ctx, topAllSQL, gid, limit)
	} else {
		_, _, key := periodColumns(p)
		var mark int64
		err = s.db.QueryRow(ctx, `SELECT mark FROM kudos_marks WHERE guild = $1 AND period = $2`, gid, key).Scan(&mark)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("top kudos: %w", s.mapErr(err))
		}
		if since.UnixNano()-mark > int64(markSlack) {
			if err := s.advanceMark(ctx, gid, p, since.UnixNano()); err != nil {
				return nil, fmt.Errorf("top kudos: %w", err)
			}
		}
		sql := topWeekSQL
		if p == shelf.PeriodMonth {
			sql = topMonthSQL
		}
		rows, err = s.db.Query(ctx, sql, gid, since.UnixNano(), limit, key)
	}
	if err != nil {
		return nil, fmt.Errorf("top kudos: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.TopStory
	for rows.Next() {
		var n int
		rec, err := scanStory(withExtra{rows, &n})
		if err != nil {
			return nil, fmt.Errorf("top kudos: %w", err)
		}
		out = append(out, shelf.TopStory{StoryRecord: rec, Count: n})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("top kudos: %w", s.mapErr(err))
	}
	return out, nil
}
