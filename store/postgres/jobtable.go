package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// jobTable is where one kind of persisted job (reading-list imports,
// series links) lives: a table of heads (guild, id, user_id, open, doc:
// the head as JSON; open while the job is to be run, the runner's index;
// told_at while PruneJobs may delete it, when its retention started
// (shelf's Prunable: done and told, cancelled, previewed), PruneJobs'
// index, named for the first of these)
// and a table of works (guild, job, n, doc), deleted with their head. The
// write of a job locks its head's row, so a step is applied once however
// many processes try it.
type jobTable[J persistedJob, W any] struct {
	what  string // "import", "series job": in errors and ID parsing
	heads string // the heads' table
	works string // the works' table
	seq   string // the guild_seq kind numbering the jobs
}

// persistedJob is a job's head: shelf.ImportJob, shelf.SeriesJob,
// shelf.UploadJob.
type persistedJob interface {
	Live() bool                  // to be run (open)
	Owner() string               // the member whose job it is
	Prunable() (time.Time, bool) // prunable (told_at), since then
}

// prunableSince is a job's told_at: when its retention started while it
// is prunable, else NULL.
func prunableSince(j persistedJob) *time.Time {
	if since, ok := j.Prunable(); ok {
		return &since
	}
	return nil
}

func (t jobTable[J, W]) load(ctx context.Context, q querier, gid, id int64, lock bool) (J, error) {
	var j J
	sql := `SELECT doc FROM ` + t.heads + ` WHERE guild = $1 AND id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var doc []byte
	if err := q.QueryRow(ctx, sql, gid, id).Scan(&doc); err != nil {
		return j, notFound(err, t.what+" %d", id)
	}
	if err := json.Unmarshal(doc, &j); err != nil {
		return j, fmt.Errorf("%s %d: %w", t.what, id, err)
	}
	return j, nil
}

// save writes a job's head, open as it says.
func (t jobTable[J, W]) save(ctx context.Context, tx pgx.Tx, gid, id int64, j J) error {
	doc, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE `+t.heads+` SET doc = $3, open = $4, told_at = $5 WHERE guild = $1 AND id = $2`, gid, id, doc, j.Live(), prunableSince(j))
	return err
}

// addWorks stores works as the job's works first, first+1, ….
func (t jobTable[J, W]) addWorks(ctx context.Context, tx pgx.Tx, gid, id int64, first int, works []W) error {
	if len(works) == 0 {
		return nil
	}
	docs := make([][]byte, len(works))
	ns := make([]int32, len(works))
	for i, w := range works {
		var err error
		if docs[i], err = json.Marshal(w); err != nil {
			return err
		}
		ns[i] = int32(first + i)
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+t.works+` (guild, job, n, doc)
		SELECT $1, $2, n, d FROM unnest($3::integer[], $4::bytea[]) AS w(n, d)`, gid, id, ns, docs)
	return err
}

func (t jobTable[J, W]) getWork(ctx context.Context, tx pgx.Tx, gid, id int64, n int) (W, error) {
	var w W
	var doc []byte
	if err := tx.QueryRow(ctx, `SELECT doc FROM `+t.works+` WHERE guild = $1 AND job = $2 AND n = $3`, gid, id, n).Scan(&doc); err != nil {
		return w, notFound(err, "work %d of %s %d", n, t.what, id)
	}
	err := json.Unmarshal(doc, &w)
	return w, err
}

func (t jobTable[J, W]) setWork(ctx context.Context, tx pgx.Tx, gid, id int64, n int, w W) error {
	doc, err := json.Marshal(w)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE `+t.works+` SET doc = $4 WHERE guild = $1 AND job = $2 AND n = $3`, gid, id, n, doc)
	return err
}

func (t jobTable[J, W]) dropWorks(ctx context.Context, tx pgx.Tx, gid, id int64) error {
	_, err := tx.Exec(ctx, `DELETE FROM `+t.works+` WHERE guild = $1 AND job = $2`, gid, id)
	return err
}

// create stores a new job of user in one transaction: fn, given the new
// job's ID, returns its head and works (numbered from 0).
func (t jobTable[J, W]) create(s *Store, ctx context.Context, op, guild, user string, fn func(tx pgx.Tx, gid, id int64) (J, []W, error)) (J, error) {
	var out, zero J
	gid, err := parseGuild(guild)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", op, err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", op, err)
	}
	err = s.tx(ctx, op, func(tx pgx.Tx) error {
		id, err := nextID(ctx, tx, gid, t.seq)
		if err != nil {
			return err
		}
		j, works, err := fn(tx, gid, id)
		if err != nil {
			return err
		}
		doc, err := json.Marshal(j)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO `+t.heads+` (guild, id, user_id, open, told_at, doc) VALUES ($1, $2, $3, $4, $5, $6)`,
			gid, id, uid, j.Live(), prunableSince(j), doc); err != nil {
			return err
		}
		out = j
		return t.addWorks(ctx, tx, gid, id, 0, works)
	})
	if err != nil {
		return zero, err
	}
	return out, nil
}

// ids parses a job's guild and ID; op names the call in the error.
func (t jobTable[J, W]) ids(op, guild, id string) (gid, jid int64, err error) {
	if gid, err = parseGuild(guild); err == nil {
		jid, err = parseID(t.what, id)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", op, err)
	}
	return gid, jid, nil
}

// job reads job id's head; its zero value with the error.
func (t jobTable[J, W]) job(s *Store, ctx context.Context, op, guild, id string) (J, error) {
	var zero J
	gid, jid, err := t.ids(op, guild, id)
	if err != nil {
		return zero, err
	}
	if s.closed.Load() {
		return zero, fmt.Errorf("%s: %w", op, shelf.ErrClosed)
	}
	j, err := t.load(ctx, s.pool, gid, jid, false)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	return j, nil
}

// write changes job id of guild in one transaction, its head's row
// locked: fn gets the head and returns it changed, and its own error. The
// head fn returns is returned also with its error (the head as it stands,
// for shelf.ErrImportState).
func (t jobTable[J, W]) write(s *Store, ctx context.Context, op, guild, id string, fn func(tx pgx.Tx, gid, id int64, j J) (J, error)) (J, error) {
	var out J
	gid, jid, err := t.ids(op, guild, id)
	if err != nil {
		return out, err
	}
	err = s.tx(ctx, op, func(tx pgx.Tx) error {
		j, err := t.load(ctx, tx, gid, jid, true)
		if err != nil {
			return err
		}
		out, err = fn(tx, gid, jid, j)
		return err
	})
	return out, err
}

// finish marks job id done with rule (shelf.FinishImport,
// shelf.FinishSeries); dropWorks deletes its works then.
func (t jobTable[J, W]) finish(s *Store, ctx context.Context, op, guild, id string, dropWorks bool, rule func(J) (J, error)) (J, error) {
	return t.write(s, ctx, op, guild, id, func(tx pgx.Tx, gid, jid int64, j J) (J, error) {
		j, err := rule(j)
		if err != nil {
			return j, err
		}
		if dropWorks {
			if err := t.dropWorks(ctx, tx, gid, jid); err != nil {
				return j, err
			}
		}
		return j, t.save(ctx, tx, gid, jid, j)
	})
}

// pageWorks reads works [from, from+limit) of job id of guild.
func (t jobTable[J, W]) pageWorks(s *Store, ctx context.Context, op, guild, id string, from, limit int) ([]W, error) {
	gid, jid, err := t.ids(op, guild, id)
	if err != nil {
		return nil, err
	}
	if from < 0 || limit < 0 {
		return nil, fmt.Errorf("%s: works %d+%d: %w", op, from, limit, shelf.ErrInvalid)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("%s: %w", op, shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, `SELECT doc FROM `+t.works+` WHERE guild = $1 AND job = $2 AND n >= $3 ORDER BY n LIMIT $4`, gid, jid, from, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	defer rows.Close()
	var out []W
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		var w W
		if err := json.Unmarshal(doc, &w); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	return out, nil
}

// runningJobs lists the open jobs of every guild.
func (t jobTable[J, W]) runningJobs(s *Store, ctx context.Context, op string) ([]shelf.ImportRef, error) {
	return s.jobRefs(ctx, op, `SELECT guild, id FROM `+t.heads+` WHERE open ORDER BY guild, id`)
}

// jobRefs runs query, which selects (guild, id) pairs of jobs, and
// returns them in its order.
func (s *Store) jobRefs(ctx context.Context, op, query string, args ...any) ([]shelf.ImportRef, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("%s: %w", op, shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.ImportRef
	for rows.Next() {
		var gid, id int64
		if err := rows.Scan(&gid, &id); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, shelf.ImportRef{GuildID: fmtID(gid), ID: fmtID(id)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	return out, nil
}
