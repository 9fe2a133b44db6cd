package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Reading-list imports (shelf.Imports): a jobTable (jobtable.go) of
// import_jobs and import_works.

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

// importJobs is where import jobs are kept.
var importJobs = jobTable[shelf.ImportJob, shelf.ImportWork]{what: "import", heads: "import_jobs", works: "import_works", seq: "import"}

// CreateImportJob implements shelf.Imports.
func (s *Store) CreateImportJob(ctx context.Context, guild string, j shelf.ImportJob) (shelf.ImportJob, error) {
	return importJobs.create(s, ctx, "create import job", guild, j.UserID, func(tx pgx.Tx, gid, id int64) (shelf.ImportJob, []shelf.ImportWork, error) {
		uid, _ := parseID("user", j.UserID) // parsed by create
		h := shelf.NewImport(j, fmtID(gid), fmtID(id), time.Now())
		if err := cancelPreviews(ctx, tx, gid, uid, h.Created); err != nil {
			return j, nil, err
		}
		return h, j.Works, nil
	})
}

// ImportJob implements shelf.Imports.
func (s *Store) ImportJob(ctx context.Context, guild, id string) (shelf.ImportJob, error) {
	return importJobs.job(s, ctx, "import job", guild, id)
}

// ImportWorks implements shelf.Imports.
func (s *Store) ImportWorks(ctx context.Context, guild, id string, from, limit int) ([]shelf.ImportWork, error) {
	return importJobs.pageWorks(s, ctx, "import works", guild, id, from, limit)
}

// StartImportJob implements shelf.Imports.
func (s *Store) StartImportJob(ctx context.Context, guild, id, user, appID, token string, tokenAt time.Time) (shelf.ImportJob, error) {
	return importJobs.write(s, ctx, "start import job", guild, id, func(tx pgx.Tx, gid, iid int64, j shelf.ImportJob) (shelf.ImportJob, error) {
		j, err := shelf.StartImport(j, user, appID, token, tokenAt)
		if err != nil {
			return j, err
		}
		if err := importJobs.save(ctx, tx, gid, iid, j); err != nil {
			return j, err
		}
		// The process running imports (maybe another) hears of it at
		// the commit (notices.go).
		return j, notifyJobs(ctx, tx, shelf.JobNoticeImports)
	})
}

// CancelImportJob implements shelf.Imports.
func (s *Store) CancelImportJob(ctx context.Context, guild, id, user string, at time.Time) error {
	_, err := importJobs.write(s, ctx, "cancel import job", guild, id, func(tx pgx.Tx, gid, iid int64, j shelf.ImportJob) (shelf.ImportJob, error) {
		j, changed, err := shelf.CancelImport(j, user, at)
		if !changed {
			return j, err
		}
		if err := importJobs.dropWorks(ctx, tx, gid, iid); err != nil {
			return j, err
		}
		return j, importJobs.save(ctx, tx, gid, iid, j)
	})
	return err
}

// RunningImportJobs implements shelf.Imports.
func (s *Store) RunningImportJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	return importJobs.runningJobs(s, ctx, "running import jobs")
}

// ImportStep implements shelf.Imports.
func (s *Store) ImportStep(ctx context.Context, guild, id string, step int, r shelf.ImportStepResult, at time.Time) (shelf.ImportJob, error) {
	fail := func(err error) (shelf.ImportJob, error) { return shelf.ImportJob{}, fmt.Errorf("import step: %w", err) }
	var sid int64
	var st shelf.Status
	var err error
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
	return importJobs.write(s, ctx, "import step", guild, id, func(tx pgx.Tx, gid, iid int64, j shelf.ImportJob) (shelf.ImportJob, error) {
		if err := shelf.CheckJobStep("import "+j.ID, j.State, j.Cursor, j.Total, step); err != nil {
			return j, err
		}
		if e := r.Entry; e != nil {
			uid, err := parseID("user", j.UserID)
			if err != nil {
				return j, err
			}
			if _, err := setEntry(ctx, tx, gid, uid, sid, st, e.Chapter, e.Note, ts, keep, false); err != nil {
				return j, err
			}
		}
		j = shelf.CountImportStep(j, r)
		return j, importJobs.save(ctx, tx, gid, iid, j)
	})
}

// FinishImportJob implements shelf.Imports.
func (s *Store) FinishImportJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.ImportJob, error) {
	return importJobs.finish(s, ctx, "finish import job", guild, id, true, func(j shelf.ImportJob) (shelf.ImportJob, error) { // its works are dropped
		return shelf.FinishImport(j, notified, at)
	})
}

// cancelPreviews cancels the member's jobs still in preview at at
// (CreateImportJob). Jobs not open are previews, cancelled or done and
// told; only previews change.
func cancelPreviews(ctx context.Context, tx pgx.Tx, gid, uid int64, at time.Time) error {
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
		j, _, err := shelf.CancelImport(jobs[id], jobs[id].UserID, at)
		if err != nil {
			return err
		}
		if err := importJobs.dropWorks(ctx, tx, gid, id); err != nil {
			return err
		}
		if err := importJobs.save(ctx, tx, gid, id, j); err != nil {
			return err
		}
	}
	return nil
}
