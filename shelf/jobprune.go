package shelf

import (
	"context"
	"time"
)

// Finished persisted jobs (queued uploads, reading-list imports, series
// links) are kept a while after their member was told how they ended, for
// /mydata export and for support, then pruned. What let the bot reach
// the member (the interaction token, a queued file's Discord address) is
// of no use once they were told, so the write that records them told
// clears it (FinishUpload, FinishImport, FinishSeries).

// DefaultJobRetention is how long a job stays stored once its member was
// told it ended.
const DefaultJobRetention = 7 * 24 * time.Hour

// JobPruning removes finished jobs.
type JobPruning interface {
	// PruneJobs deletes, with their works, up to limit persisted jobs of
	// every guild (queued uploads, reading-list imports, series links)
	// that are done, their member told (Told), and finished before
	// before, and returns how many it deleted: fewer than limit when no
	// more are due. A job running, waiting, done with its member not told
	// yet, previewed or cancelled is never deleted. limit must be
	// positive.
	PruneJobs(ctx context.Context, before time.Time, limit int) (int, error)
}

// toldJob reports whether a job in state, notified, is done with its
// member told: the jobs PruneJobs may delete.
func toldJob(state ImportState, notified bool) bool { return state == ImportDone && notified }

// Told reports whether j is done with its member told, and when it
// finished (what PruneJobs goes by).
func (j UploadJob) Told() (time.Time, bool) { return j.Finished, toldJob(j.State, j.Notified) }

// Told reports whether j is done with its member told, and when it
// finished (what PruneJobs goes by).
func (j ImportJob) Told() (time.Time, bool) { return j.Finished, toldJob(j.State, j.Notified) }

// Told reports whether j is done with its member told, and when it
// finished (what PruneJobs goes by).
func (j SeriesJob) Told() (time.Time, bool) { return j.Finished, toldJob(j.State, j.Notified) }
