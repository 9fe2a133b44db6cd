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

// Reading-list imports (shelf.Imports): import_jobs holds each job's head
// as JSON (open while it is running or its member is not told yet; the
// runner's index), import_works its works. ImportStep locks the head's row,
// so a step is applied once however many processes try it.

// LibraryKeys implements shelf.Imports.
func (s *Store) LibraryKeys(ctx context.Context, guild string) ([]shelf.LibraryKey, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("library keys: %w", err)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("library keys: %w", shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, `SELECT id, ao3_id, title, authors FROM stories WHERE guild = $1 ORDER BY id`, gid)
	if err != nil {
		return nil, fmt.Errorf("library keys: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.LibraryKey
	for rows.Next() {
		var k shelf.LibraryKey
		var id int64
		if err := rows.Scan(&id, &k.AO3ID, &k.Title, &k.Authors); err != nil {
			return nil, fmt.Errorf("library keys: %w", err)
		}
		if len(k.Authors) == 0 {
			k.Authors = nil
		}
		k.StoryID = fmtID(id)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("library keys: %w", s.mapErr(err))
	}
	return out, nil
}

func loadImport(ctx context.Context, q querier, gid, id int64, lock bool) (shelf.ImportJob, error) {
	sql := `SELECT doc FROM import_jobs WHERE guild = $1 AND id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var doc []byte
	if err := q.QueryRow(ctx, sql, gid, id).Scan(&doc); err != nil {
		return shelf.ImportJob{}, notFound(err, "import %d", id)
	}
	var j shelf.ImportJob
	if err := json.Unmarshal(doc, &j); err != nil {
		return shelf.ImportJob{}, fmt.Errorf("import %d: %w", id, err)
	}
	return j, nil
}

func saveImport(ctx context.Context, tx pgx.Tx, gid, id int64, j shelf.ImportJob) error {
	doc, err := json.Marshal(j)
	if err != nil {
		return err
	}
	open := j.State == shelf.ImportRunning || j.State == shelf.ImportDone && !j.Notified
	_, err = tx.Exec(ctx, `UPDATE import_jobs SET doc = $3, open = $4 WHERE guild = $1 AND id = $2`, gid, id, doc, open)
	return err
}

// CreateImportJob implements shelf.Imports.
func (s *Store) CreateImportJob(ctx context.Context, guild string, j shelf.ImportJob) (shelf.ImportJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("create import job: %w", err)
	}
	uid, err := parseID("user", j.UserID)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("create import job: %w", err)
	}
	works := j.Works
	docs := make([][]byte, len(works))
	for i, w := range works {
		if docs[i], err = json.Marshal(w); err != nil {
			return shelf.ImportJob{}, fmt.Errorf("create import job: %w", err)
		}
	}
	var out shelf.ImportJob
	err = s.tx(ctx, "create import job", func(tx pgx.Tx) error {
		if err := cancelPreviews(ctx, tx, gid, uid); err != nil {
			return err
		}
		id, err := nextID(ctx, tx, gid, "import")
		if err != nil {
			return err
		}
		h := j
		h.ID, h.GuildID, h.State, h.Total, h.Cursor, h.Works = fmtID(id), fmtID(gid), shelf.ImportPreview, len(works), 0, nil
		doc, err := json.Marshal(h)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO import_jobs (guild, id, user_id, open, doc) VALUES ($1, $2, $3, false, $4)`, gid, id, uid, doc); err != nil {
			return err
		}
		ns := make([]int32, len(docs))
		for i := range ns {
			ns[i] = int32(i)
		}
		if len(docs) > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO import_works (guild, job, n, doc)
				SELECT $1, $2, n, d FROM unnest($3::integer[], $4::bytea[]) AS w(n, d)`, gid, id, ns, docs); err != nil {
				return err
			}
		}
		out = h
		return nil
	})
	if err != nil {
		return shelf.ImportJob{}, err
	}
	return out, nil
}

// ImportJob implements shelf.Imports.
func (s *Store) ImportJob(ctx context.Context, guild, id string) (shelf.ImportJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("import job: %w", err)
	}
	iid, err := parseID("import", id)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("import job: %w", err)
	}
	if s.closed.Load() {
		return shelf.ImportJob{}, fmt.Errorf("import job: %w", shelf.ErrClosed)
	}
	j, err := loadImport(ctx, s.pool, gid, iid, false)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("import job: %w", s.mapErr(err))
	}
	return j, nil
}

// ImportWorks implements shelf.Imports.
func (s *Store) ImportWorks(ctx context.Context, guild, id string, from, limit int) ([]shelf.ImportWork, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("import works: %w", err)
	}
	iid, err := parseID("import", id)
	if err != nil {
		return nil, fmt.Errorf("import works: %w", err)
	}
	if from < 0 || limit < 0 {
		return nil, fmt.Errorf("import works %d+%d: %w", from, limit, shelf.ErrInvalid)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("import works: %w", shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, `SELECT doc FROM import_works WHERE guild = $1 AND job = $2 AND n >= $3 ORDER BY n LIMIT $4`, gid, iid, from, limit)
	if err != nil {
		return nil, fmt.Errorf("import works: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.ImportWork
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("import works: %w", err)
		}
		var w shelf.ImportWork
		if err := json.Unmarshal(doc, &w); err != nil {
			return nil, fmt.Errorf("import works: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("import works: %w", s.mapErr(err))
	}
	return out, nil
}

// StartImportJob implements shelf.Imports.
func (s *Store) StartImportJob(ctx context.Context, guild, id, user, appID, token string, tokenAt time.Time) (shelf.ImportJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("start import job: %w", err)
	}
	iid, err := parseID("import", id)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("start import job: %w", err)
	}
	var out shelf.ImportJob
	err = s.tx(ctx, "start import job", func(tx pgx.Tx) error {
		j, err := loadImport(ctx, tx, gid, iid, true)
		if err != nil {
			return err
		}
		out = j
		if j.UserID != user {
			return fmt.Errorf("import %d of another member: %w", iid, shelf.ErrNotFound)
		}
		if j.State != shelf.ImportPreview {
			return fmt.Errorf("import %d is %s: %w", iid, j.State, shelf.ErrImportState)
		}
		j.State, j.AppID, j.Token, j.TokenAt = shelf.ImportRunning, appID, token, tokenAt.UTC()
		out = j
		return saveImport(ctx, tx, gid, iid, j)
	})
	return out, err
}

// CancelImportJob implements shelf.Imports.
func (s *Store) CancelImportJob(ctx context.Context, guild, id, user string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("cancel import job: %w", err)
	}
	iid, err := parseID("import", id)
	if err != nil {
		return fmt.Errorf("cancel import job: %w", err)
	}
	return s.tx(ctx, "cancel import job", func(tx pgx.Tx) error {
		j, err := loadImport(ctx, tx, gid, iid, true)
		if err != nil {
			return err
		}
		if j.UserID != user {
			return fmt.Errorf("import %d of another member: %w", iid, shelf.ErrNotFound)
		}
		if j.State == shelf.ImportCancelled {
			return nil
		}
		if j.State != shelf.ImportPreview {
			return fmt.Errorf("import %d is %s: %w", iid, j.State, shelf.ErrImportState)
		}
		j.State = shelf.ImportCancelled
		if _, err := tx.Exec(ctx, `DELETE FROM import_works WHERE guild = $1 AND job = $2`, gid, iid); err != nil {
			return err
		}
		return saveImport(ctx, tx, gid, iid, j)
	})
}

// RunningImportJobs implements shelf.Imports.
func (s *Store) RunningImportJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("running import jobs: %w", shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, `SELECT guild, id FROM import_jobs WHERE open ORDER BY guild, id`)
	if err != nil {
		return nil, fmt.Errorf("running import jobs: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.ImportRef
	for rows.Next() {
		var gid, id int64
		if err := rows.Scan(&gid, &id); err != nil {
			return nil, fmt.Errorf("running import jobs: %w", err)
		}
		out = append(out, shelf.ImportRef{GuildID: fmtID(gid), ID: fmtID(id)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("running import jobs: %w", s.mapErr(err))
	}
	return out, nil
}

// ImportStep implements shelf.Imports.
func (s *Store) ImportStep(ctx context.Context, guild, id string, step int, r shelf.ImportStepResult, at time.Time) (shelf.ImportJob, error) {
	fail := func(err error) (shelf.ImportJob, error) { return shelf.ImportJob{}, fmt.Errorf("import step: %w", err) }
	gid, err := parseGuild(guild)
	if err != nil {
		return fail(err)
	}
	iid, err := parseID("import", id)
	if err != nil {
		return fail(err)
	}
	var sid int64
	var st shelf.Status
	keep := false
	if e := r.Entry; e != nil {
		if st, err = shelf.ParseStatus(string(e.Status)); err != nil {
			return fail(err)
		}
		keep = e.Status == ""
		if e.Chapter < 0 || e.Chapter > 1<<30 {
			return fail(fmt.Errorf("chapter %d: %w", e.Chapter, shelf.ErrInvalid))
		}
		if len(e.Note) > shelf.MaxNoteLength {
			return fail(fmt.Errorf("note longer than %d bytes: %w", shelf.MaxNoteLength, shelf.ErrInvalid))
		}
		if sid, err = parseID("story", e.StoryID); err != nil {
			return fail(err)
		}
	}
	ts := nanos(at)
	var out shelf.ImportJob
	err = s.tx(ctx, "import step", func(tx pgx.Tx) error {
		j, err := loadImport(ctx, tx, gid, iid, true)
		if err != nil {
			return err
		}
		out = j
		if j.State != shelf.ImportRunning || j.Cursor != step || step >= j.Total {
			return fmt.Errorf("import %d step %d (cursor %d, %s): %w", iid, step, j.Cursor, j.State, shelf.ErrImportState)
		}
		if e := r.Entry; e != nil {
			uid, err := parseID("user", j.UserID)
			if err != nil {
				return err
			}
			if _, err := setEntry(ctx, tx, gid, uid, sid, st, e.Chapter, e.Note, ts, keep, false); err != nil {
				return err
			}
		}
		j = shelf.CountImportStep(j, r)
		out = j
		return saveImport(ctx, tx, gid, iid, j)
	})
	if err != nil {
		if errors.Is(err, shelf.ErrImportState) {
			return out, err
		}
		return shelf.ImportJob{}, err
	}
	return out, nil
}

// FinishImportJob implements shelf.Imports.
func (s *Store) FinishImportJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.ImportJob, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("finish import job: %w", err)
	}
	iid, err := parseID("import", id)
	if err != nil {
		return shelf.ImportJob{}, fmt.Errorf("finish import job: %w", err)
	}
	var out shelf.ImportJob
	err = s.tx(ctx, "finish import job", func(tx pgx.Tx) error {
		j, err := loadImport(ctx, tx, gid, iid, true)
		if err != nil {
			return err
		}
		out = j
		if j.State != shelf.ImportRunning && j.State != shelf.ImportDone || j.Cursor < j.Total {
			return fmt.Errorf("import %d (cursor %d of %d, %s): %w", iid, j.Cursor, j.Total, j.State, shelf.ErrImportState)
		}
		j = shelf.FinishImport(j, notified, at)
		out = j
		if _, err := tx.Exec(ctx, `DELETE FROM import_works WHERE guild = $1 AND job = $2`, gid, iid); err != nil {
			return err
		}
		return saveImport(ctx, tx, gid, iid, j)
	})
	return out, err
}

// cancelPreviews cancels the member's jobs still in preview
// (CreateImportJob). Jobs not open are previews, cancelled or done and
// told; only previews change.
func cancelPreviews(ctx context.Context, tx pgx.Tx, gid, uid int64) error {
	rows, err := tx.Query(ctx, `SELECT id, doc FROM import_jobs WHERE guild = $1 AND user_id = $2 AND NOT open FOR UPDATE`, gid, uid)
	if err != nil {
		return err
	}
	var previews []int64
	jobs := map[int64]shelf.ImportJob{}
	for rows.Next() {
		var id int64
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			rows.Close()
			return err
		}
		var j shelf.ImportJob
		if err := json.Unmarshal(doc, &j); err != nil {
			rows.Close()
			return fmt.Errorf("import %d: %w", id, err)
		}
		if j.State == shelf.ImportPreview {
			previews = append(previews, id)
			jobs[id] = j
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range previews {
		j := jobs[id]
		j.State = shelf.ImportCancelled
		if _, err := tx.Exec(ctx, `DELETE FROM import_works WHERE guild = $1 AND job = $2`, gid, id); err != nil {
			return err
		}
		if err := saveImport(ctx, tx, gid, id, j); err != nil {
			return err
		}
	}
	return nil
}
