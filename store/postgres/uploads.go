package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Queued uploads (shelf.UploadJobs) in upload_jobs: a head per job (doc:
// the job as JSON), open while it is to be run, waiting while it is in
// line (shelf.UploadJob.Waiting). A job's writes lock its row, so its step
// is done once however many processes try it; the story write that does
// the step carries the job in its context (shelf.WithUploadJob) and
// records it in its own transaction (markUpload).
var uploadJobs = jobTable[shelf.UploadJob, struct{}]{what: "upload", heads: "upload_jobs", seq: "upload"}

// saveUpload writes j's head with its open and waiting flags and told_at
// (prunableSince).
func saveUpload(ctx context.Context, tx pgx.Tx, gid, id int64, j shelf.UploadJob) error {
	doc, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE upload_jobs SET doc = $3, open = $4, waiting = $5, told_at = $6 WHERE guild = $1 AND id = $2`,
		gid, id, doc, j.Live(), j.Waiting(), prunableSince(j))
	return err
}

// CreateUploadJob implements shelf.UploadJobs.
func (s *Store) CreateUploadJob(ctx context.Context, guild string, j shelf.UploadJob, maxWaiting int) (shelf.UploadJob, error) {
	const op = "create upload job"
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.UploadJob{}, fmt.Errorf("%s: %w", op, err)
	}
	uid, err := parseID("user", j.UserID)
	if err != nil {
		return shelf.UploadJob{}, fmt.Errorf("%s: %w", op, err)
	}
	var out shelf.UploadJob
	err = s.tx(ctx, op, func(tx pgx.Tx) error {
		// The guild's sequence row stays locked to the commit: creates of
		// one guild count the line one at a time.
		id, err := nextID(ctx, tx, gid, uploadJobs.seq)
		if err != nil {
			return err
		}
		if maxWaiting > 0 {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM upload_jobs
				WHERE guild = $1 AND waiting AND (convert_from(doc, 'UTF8')::jsonb ? 'file') = $2`, gid, j.File != nil).Scan(&n); err != nil {
				return err
			}
			if n >= maxWaiting {
				return fmt.Errorf("%d uploads waiting: %w", n, shelf.ErrQueueFull)
			}
		}
		out = shelf.NewUpload(j, fmtID(gid), fmtID(id), time.Now())
		doc, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO upload_jobs (guild, id, user_id, open, waiting, doc) VALUES ($1, $2, $3, $4, $5, $6)`,
			gid, id, uid, out.Live(), out.Waiting(), doc); err != nil {
			return err
		}
		// The process running uploads (maybe another) hears of it at
		// the commit (notices.go).
		return notifyJobs(ctx, tx, shelf.JobNoticeUploads)
	})
	if err != nil {
		return shelf.UploadJob{}, err
	}
	return out, nil
}

// UploadJob implements shelf.UploadJobs.
func (s *Store) UploadJob(ctx context.Context, guild, id string) (shelf.UploadJob, error) {
	return uploadJobs.job(s, ctx, "upload job", guild, id)
}

// RunningUploadJobs implements shelf.UploadJobs.
func (s *Store) RunningUploadJobs(ctx context.Context) ([]shelf.ImportRef, error) {
	return uploadJobs.runningJobs(s, ctx, "running upload jobs")
}

// WaitingUploadJobs implements shelf.UploadJobs.
func (s *Store) WaitingUploadJobs(ctx context.Context, files bool) ([]shelf.ImportRef, error) {
	// The line is short (bounded per guild): its documents are read to
	// tell files from links.
	return s.jobRefs(ctx, "waiting upload jobs", `SELECT guild, id FROM upload_jobs
		WHERE waiting AND (convert_from(doc, 'UTF8')::jsonb ? 'file') = $1 ORDER BY guild, id`, files)
}

// StartUploadJob implements shelf.UploadJobs.
func (s *Store) StartUploadJob(ctx context.Context, guild, id string) (shelf.UploadJob, error) {
	return uploadJobs.write(s, ctx, "start upload job", guild, id, func(tx pgx.Tx, gid, jid int64, j shelf.UploadJob) (shelf.UploadJob, error) {
		if j.Started && j.State == shelf.ImportRunning {
			return j, nil
		}
		j, err := shelf.StartUpload(j)
		if err != nil {
			return j, err
		}
		return j, saveUpload(ctx, tx, gid, jid, j)
	})
}

// UploadStep implements shelf.UploadJobs.
func (s *Store) UploadStep(ctx context.Context, guild, id string, r shelf.UploadResult, at time.Time) (shelf.UploadJob, error) {
	if r.Outcome != shelf.UploadRefused {
		return shelf.UploadJob{}, fmt.Errorf("upload step: outcome %q without a story write: %w", r.Outcome, shelf.ErrInvalid)
	}
	return uploadJobs.write(s, ctx, "upload step", guild, id, func(tx pgx.Tx, gid, jid int64, j shelf.UploadJob) (shelf.UploadJob, error) {
		j, err := shelf.UploadStepDone(j, r)
		if err != nil {
			return j, err
		}
		return j, saveUpload(ctx, tx, gid, jid, j)
	})
}

// FinishUploadJob implements shelf.UploadJobs.
func (s *Store) FinishUploadJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.UploadJob, error) {
	return uploadJobs.write(s, ctx, "finish upload job", guild, id, func(tx pgx.Tx, gid, jid int64, j shelf.UploadJob) (shelf.UploadJob, error) {
		j, err := shelf.FinishUpload(j, notified, at)
		if err != nil {
			return j, err
		}
		return j, saveUpload(ctx, tx, gid, jid, j)
	})
}

// MemberUploadJobs implements shelf.UploadJobs.
func (s *Store) MemberUploadJobs(ctx context.Context, guild, user string) ([]shelf.UploadJob, error) {
	const op = "member upload jobs"
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("%s: %w", op, shelf.ErrClosed)
	}
	rows, err := s.pool.Query(ctx, `SELECT doc FROM upload_jobs WHERE guild = $1 AND user_id = $2 ORDER BY id`, gid, uid)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	defer rows.Close()
	out := []shelf.UploadJob{}
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		var j shelf.UploadJob
		if err := json.Unmarshal(doc, &j); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	return out, nil
}

// markUpload records, in tx (the story write's), the step of the upload
// job the write of ctx does, when it does one: its row locked, checked
// not done (shelf.ErrImportState otherwise, and the write rolls back),
// marked done with story sid.
func markUpload(ctx context.Context, tx pgx.Tx, gid, sid int64, outcome shelf.UploadOutcome) error {
	u, ok := shelf.UploadJobFrom(ctx, fmtID(gid))
	if !ok {
		return nil
	}
	jid, err := parseID("upload", u.ID)
	if err != nil {
		return err
	}
	j, err := uploadJobs.load(ctx, tx, gid, jid, true)
	if err != nil {
		return err
	}
	j, err = shelf.UploadStepDone(j, shelf.UploadResult{Outcome: outcome, StoryID: fmtID(sid), Message: u.Message})
	if err != nil {
		return err
	}
	return saveUpload(ctx, tx, gid, jid, j)
}
