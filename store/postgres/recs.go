package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// RecThread returns story's rec discussion thread.
func (s *Store) RecThread(ctx context.Context, guild, story string) (shelf.RecThread, bool, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.RecThread{}, false, fmt.Errorf("rec thread: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return shelf.RecThread{}, false, fmt.Errorf("rec thread: %w", err)
	}
	if s.closed.Load() {
		return shelf.RecThread{}, false, fmt.Errorf("rec thread: %w", shelf.ErrClosed)
	}
	var doc []byte
	err = s.db.QueryRow(ctx, `SELECT doc FROM rec_threads WHERE guild = $1 AND story = $2`, gid, sid).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return shelf.RecThread{}, false, nil
	}
	if err != nil {
		return shelf.RecThread{}, false, fmt.Errorf("rec thread: %w", s.mapErr(err))
	}
	var t shelf.RecThread
	if err := json.Unmarshal(doc, &t); err != nil {
		return shelf.RecThread{}, false, fmt.Errorf("rec thread: %w", err)
	}
	return t, true, nil
}

// SetRecThread records story's discussion thread (one row per story: the
// primary key).
func (s *Store) SetRecThread(ctx context.Context, guild, story string, t shelf.RecThread) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("set rec thread: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return fmt.Errorf("set rec thread: %w", err)
	}
	doc, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("set rec thread: %w", err)
	}
	return s.tx(ctx, "set rec thread", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO rec_threads (guild, story, doc)
			SELECT guild, id, $3 FROM stories WHERE guild = $1 AND id = $2
			ON CONFLICT (guild, story) DO UPDATE SET doc = excluded.doc`, gid, sid, doc)
		if pgCode(err) == "23503" || (err == nil && tag.RowsAffected() == 0) {
			return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
		}
		return err
	})
}

// AddRec stores a rec with a new ID, and adds it to its request's answers.
func (s *Store) AddRec(ctx context.Context, guild string, r shelf.Rec) (shelf.Rec, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Rec{}, fmt.Errorf("add rec: %w", err)
	}
	sid, err := parseID("story", r.StoryID)
	if err != nil {
		return shelf.Rec{}, fmt.Errorf("add rec: %w", err)
	}
	uid, err := parseID("user", r.UserID)
	if err != nil {
		return shelf.Rec{}, fmt.Errorf("add rec: %w", err)
	}
	var reqID int64
	if r.RequestID != "" {
		if reqID, err = parseID("request", r.RequestID); err != nil {
			return shelf.Rec{}, fmt.Errorf("add rec: %w", err)
		}
	}
	r.At = r.At.UTC()
	in := r
	err = s.tx(ctx, "add rec", func(tx pgx.Tx) error {
		r = in
		var title string
		if err := tx.QueryRow(ctx, `SELECT title FROM stories WHERE guild = $1 AND id = $2 FOR KEY SHARE`, gid, sid).Scan(&title); err != nil {
			return notFound(err, "story %d", sid)
		}
		id, err := nextID(ctx, tx, gid, "recs")
		if err != nil {
			return err
		}
		r.ID, r.StoryTitle = fmtID(id), ""
		if reqID != 0 {
			var doc []byte
			if err := tx.QueryRow(ctx, `SELECT doc FROM rec_requests WHERE guild = $1 AND id = $2 FOR UPDATE`, gid, reqID).Scan(&doc); err != nil {
				return notFound(err, "request %d", reqID)
			}
			var req shelf.RecRequest
			if err := json.Unmarshal(doc, &req); err != nil {
				return err
			}
			req.Answers = append(req.Answers, r.ID)
			if doc, err = json.Marshal(req); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE rec_requests SET doc = $3 WHERE guild = $1 AND id = $2`, gid, reqID, doc); err != nil {
				return err
			}
		}
		doc, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recs (guild, id, story, user_id, doc) VALUES ($1, $2, $3, $4, $5)`,
			gid, id, sid, uid, doc); err != nil {
			return err
		}
		r.StoryTitle = title
		return nil
	})
	if err != nil {
		return shelf.Rec{}, err
	}
	return r, nil
}

func queryRecs(ctx context.Context, q querier, sql string, args ...any) ([]shelf.Rec, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shelf.Rec
	for rows.Next() {
		var doc []byte
		var title string
		if err := rows.Scan(&doc, &title); err != nil {
			return nil, err
		}
		var r shelf.Rec
		if err := json.Unmarshal(doc, &r); err != nil {
			return nil, err
		}
		r.StoryTitle = title
		out = append(out, r)
	}
	return out, rows.Err()
}

func queryRequests(ctx context.Context, q querier, sql string, args ...any) ([]shelf.RecRequest, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []shelf.RecRequest
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var r shelf.RecRequest
		if err := json.Unmarshal(doc, &r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ListRecs returns one page of recs, newest first, and how many match.
func (s *Store) ListRecs(ctx context.Context, guild string, q shelf.RecQuery) ([]shelf.Rec, int, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, 0, fmt.Errorf("list recs: %w", err)
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	q.Limit = min(q.Limit, 100)
	q.Offset = max(q.Offset, 0)
	var uid int64
	if q.UserID != "" {
		if uid, err = parseID("user", q.UserID); err != nil {
			return nil, 0, fmt.Errorf("list recs: %w", err)
		}
	}
	fandom := shelf.FoldString(q.Fandom)
	var (
		out   []shelf.Rec
		total int
	)
	err = s.read(ctx, "list recs", func(tx pgx.Tx) error {
		const where = `r.guild = $1 AND ($2::bigint = 0 OR r.user_id = $2::bigint)
			AND ($3 = '' OR EXISTS (SELECT 1 FROM unnest(s.fandoms_fold) f WHERE strpos(f, $3) > 0))`
		const from = ` FROM recs r JOIN stories s ON s.guild = r.guild AND s.id = r.story WHERE `
		if err := tx.QueryRow(ctx, `SELECT count(*)`+from+where, gid, uid, fandom).Scan(&total); err != nil {
			return err
		}
		var err error
		out, err = queryRecs(ctx, tx, `SELECT r.doc, s.title`+from+where+` ORDER BY r.id DESC LIMIT $4 OFFSET $5`,
			gid, uid, fandom, q.Limit, q.Offset)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// AddRecRequest stores a request with a new ID.
func (s *Store) AddRecRequest(ctx context.Context, guild string, r shelf.RecRequest) (shelf.RecRequest, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("add rec request: %w", err)
	}
	uid, err := parseID("user", r.UserID)
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("add rec request: %w", err)
	}
	th, err := parseID("thread", r.ThreadID)
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("add rec request: %w", err)
	}
	r.At = r.At.UTC()
	in := r
	err = s.tx(ctx, "add rec request", func(tx pgx.Tx) error {
		r = in
		id, err := nextID(ctx, tx, gid, "rec_requests")
		if err != nil {
			return err
		}
		r.ID = fmtID(id)
		doc, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO rec_requests (guild, id, user_id, thread, doc) VALUES ($1, $2, $3, $4, $5)`,
			gid, id, uid, th, doc)
		return err
	})
	if err != nil {
		return shelf.RecRequest{}, err
	}
	return r, nil
}

// RecRequestByThread returns the request whose thread is thread (the
// latest, should two name the same thread).
func (s *Store) RecRequestByThread(ctx context.Context, guild, thread string) (shelf.RecRequest, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("rec request: %w", err)
	}
	th, err := parseID("thread", thread)
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("rec request: %w", err)
	}
	if s.closed.Load() {
		return shelf.RecRequest{}, fmt.Errorf("rec request: %w", shelf.ErrClosed)
	}
	reqs, err := queryRequests(ctx, s.db, `SELECT doc FROM rec_requests WHERE guild = $1 AND thread = $2
		ORDER BY id DESC LIMIT 1`, gid, th)
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("rec request: %w", s.mapErr(err))
	}
	if len(reqs) == 0 {
		return shelf.RecRequest{}, fmt.Errorf("rec request: thread %d: %w", th, shelf.ErrNotFound)
	}
	return reqs[0], nil
}

// Recs returns the recs with these IDs that exist, in the order given.
func (s *Store) Recs(ctx context.Context, guild string, ids []string) ([]shelf.Rec, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("recs: %w", err)
	}
	nums := make([]int64, len(ids))
	for i, id := range ids {
		if nums[i], err = parseID("rec", id); err != nil {
			return nil, fmt.Errorf("recs: %w", err)
		}
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("recs: %w", shelf.ErrClosed)
	}
	out, err := queryRecs(ctx, s.db, `SELECT r.doc, coalesce(s.title, '')
		FROM unnest($2::bigint[]) WITH ORDINALITY AS x(id, ord)
		JOIN recs r ON r.guild = $1 AND r.id = x.id
		LEFT JOIN stories s ON s.guild = r.guild AND s.id = r.story
		ORDER BY x.ord`, gid, nums)
	if err != nil {
		return nil, fmt.Errorf("recs: %w", s.mapErr(err))
	}
	return out, nil
}
