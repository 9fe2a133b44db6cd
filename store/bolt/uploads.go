package bolt

import (
	"context"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Queued uploads (shelf.UploadJobs), as reading-list imports are kept
// (jobtable.go), without works:
//
//	guilds/<guild u64>/
//	  upload_jobs/         (sequence = last upload job ID)
//	    <job u64> -> JSON UploadJob
//	upload_jobs_running/                        (bucket; global)
//	  <guild u64>|<job u64> -> (empty)          (a job running, or done
//	                                              with its member not told)
//
// The step of a job is done by the story write that carries it in its
// context (shelf.WithUploadJob): markUpload runs in the transaction that
// makes the story visible.
var uploadJobs = jobTable[shelf.UploadJob, struct{}]{what: "upload", heads: []byte("upload_jobs"), works: []byte("upload_job_works"), running: []byte("upload_jobs_running"), prunable: []byte("upload_jobs_told")}

// CreateUploadJob implements shelf.UploadJobs.
func (s *Store) CreateUploadJob(ctx context.Context, guild string, j shelf.UploadJob, maxWaiting int) (shelf.UploadJob, error) {
	return uploadJobs.create(s, ctx, "create upload job", guild, j.UserID, func(g *guildTx, id uint64) (shelf.UploadJob, []struct{}, error) {
		if maxWaiting > 0 {
			n, err := waitingUploads(g, j.File != nil)
			if err != nil {
				return j, nil, err
			}
			if n >= maxWaiting {
				return j, nil, fmt.Errorf("%d uploads waiting: %w", n, shelf.ErrQueueFull)
			}
		}
		return shelf.NewUpload(j, shelf.FormatID(g.guild), shelf.FormatID(id), time.Now()), nil, nil
	})
}

// waitingUploads counts the guild's jobs in line with a file (files) or a
// link alone, through the running index (so done jobs are not read).
func waitingUploads(g *guildTx, files bool) (int, error) {
	n := 0
	rb := g.tx.Bucket(uploadJobs.running)
	if rb == nil {
		return 0, nil
	}
	err := forEachPrefix(rb, u64(g.guild), func(k, _ []byte) error {
		if len(k) != 16 {
			return nil
		}
		j, err := uploadJobs.get(g, readU64(k, 1))
		if err != nil {
			return err
		}
		if j.Waiting() && (j.File != nil) == files {
			n++
		}
		return nil
	})
	return n, err
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []shelf.ImportRef
	err := s.db.View(func(tx *bbolt.Tx) error {
		out = nil
		var g *guildTx
		return forEachPrefix(tx.Bucket(uploadJobs.running), nil, func(k, _ []byte) error {
			if len(k) != 16 {
				return nil
			}
			if gid := readU64(k, 0); g == nil || g.guild != gid {
				g = newGuildTx(tx, gid)
			}
			j, err := uploadJobs.get(g, readU64(k, 1))
			if err != nil {
				return err
			}
			if j.Waiting() && (j.File != nil) == files {
				out = append(out, shelf.ImportRef{GuildID: j.GuildID, ID: j.ID})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("waiting upload jobs: %w", engineErr(err))
	}
	return out, nil
}

// StartUploadJob implements shelf.UploadJobs.
func (s *Store) StartUploadJob(ctx context.Context, guild, id string) (shelf.UploadJob, error) {
	return uploadJobs.write(s, ctx, "start upload job", guild, id, func(g *guildTx, jid uint64, j shelf.UploadJob) (shelf.UploadJob, error) {
		if j.Started && j.State == shelf.ImportRunning {
			return j, nil
		}
		j, err := shelf.StartUpload(j)
		if err != nil {
			return j, err
		}
		return j, uploadJobs.put(g, jid, j)
	})
}

// UploadStep implements shelf.UploadJobs.
func (s *Store) UploadStep(ctx context.Context, guild, id string, r shelf.UploadResult, at time.Time) (shelf.UploadJob, error) {
	if r.Outcome != shelf.UploadRefused {
		return shelf.UploadJob{}, fmt.Errorf("upload step: outcome %q without a story write: %w", r.Outcome, shelf.ErrInvalid)
	}
	return uploadJobs.write(s, ctx, "upload step", guild, id, func(g *guildTx, jid uint64, j shelf.UploadJob) (shelf.UploadJob, error) {
		j, err := shelf.UploadStepDone(j, r)
		if err != nil {
			return j, err
		}
		return j, uploadJobs.put(g, jid, j)
	})
}

// FinishUploadJob implements shelf.UploadJobs.
func (s *Store) FinishUploadJob(ctx context.Context, guild, id string, notified bool, at time.Time) (shelf.UploadJob, error) {
	return uploadJobs.finish(s, ctx, "finish upload job", guild, id, false, func(j shelf.UploadJob) (shelf.UploadJob, error) {
		return shelf.FinishUpload(j, notified, at)
	})
}

// MemberUploadJobs implements shelf.UploadJobs.
func (s *Store) MemberUploadJobs(ctx context.Context, guild, user string) ([]shelf.UploadJob, error) {
	var out []shelf.UploadJob
	err := func() error {
		if _, err := shelf.ParseID("user", user); err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			out = nil
			jobs, err := uploadJobs.memberJobs(g, user)
			if err != nil {
				return err
			}
			out = make([]shelf.UploadJob, 0, len(jobs))
			return forEachPrefix(g.bucket(uploadJobs.heads), nil, func(k, _ []byte) error {
				if j, ok := jobs[readU64(k, 0)]; ok {
					out = append(out, j)
				}
				return nil
			})
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("member upload jobs: %w", err)
	}
	return out, nil
}

// deleteMemberUploads removes every upload job of user (DeleteMember); the
// stories they added stay.
func deleteMemberUploads(g *guildTx, uid uint64) error { return uploadJobs.deleteMember(g, uid) }

// checkUpload fails with shelf.ErrImportState when the story write of
// ctx (guild's) is the step of an upload job done already; nil when it is
// to do, or the write is no job's step. It reads in its own transaction: a
// big story's chapters are not written for a job done meanwhile.
func (s *Store) checkUpload(ctx context.Context, guild string) error {
	u, ok := shelf.UploadJobFrom(ctx, guild)
	if !ok {
		return nil
	}
	return s.view(ctx, guild, func(g *guildTx) error {
		jid, err := shelf.ParseID("upload", u.ID)
		if err != nil {
			return err
		}
		j, err := uploadJobs.get(g, jid)
		if err != nil {
			return err
		}
		return shelf.CheckUploadStep(j)
	})
}

// markUpload records, in g (the transaction that makes story sid
// visible), the step of the upload job the write of ctx does, when it
// does one: shelf.ErrImportState when that step was done already.
func markUpload(ctx context.Context, g *guildTx, sid uint64, outcome shelf.UploadOutcome) error {
	u, ok := shelf.UploadJobFrom(ctx, shelf.FormatID(g.guild))
	if !ok {
		return nil
	}
	jid, err := shelf.ParseID("upload", u.ID)
	if err != nil {
		return err
	}
	j, err := uploadJobs.get(g, jid)
	if err != nil {
		return err
	}
	j, err = shelf.UploadStepDone(j, shelf.UploadResult{Outcome: outcome, StoryID: shelf.FormatID(sid), Message: u.Message})
	if err != nil {
		return err
	}
	return uploadJobs.put(g, jid, j)
}
