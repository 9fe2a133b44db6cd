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
//
// Reading-list imports that never ran are pruned too, with their works:
// a cancelled one (by its Cancel button, or replaced by the member's
// newer preview) the retention after it was cancelled, and a preview
// nobody confirmed the retention after it was created (its buttons then
// answer that it expired).

// DefaultJobRetention is how long a job stays stored once its member was
// told it ended, once it was cancelled, or once it was previewed without
// being confirmed.
const DefaultJobRetention = 7 * 24 * time.Hour

// JobPruning removes finished and abandoned jobs.
type JobPruning interface {
	// PruneJobs deletes, with their works, up to limit persisted jobs of
	// every guild (queued uploads, reading-list imports, series links)
	// whose retention started before before (Prunable): done with their
	// member told and finished before before; reading-list imports
	// cancelled before before; reading-list imports still previewed,
	// created before before. It returns how many it deleted: fewer than
	// limit when no more are due. A job running, waiting, or done with
	// its member not told yet is never deleted. limit must be positive.
	PruneJobs(ctx context.Context, before time.Time, limit int) (int, error)
}

// toldJob reports whether a job in state, notified, is done with its
// member told.
func toldJob(state ImportState, notified bool) bool { return state == ImportDone && notified }

// Told reports whether j is done with its member told, and when it
// finished.
func (j UploadJob) Told() (time.Time, bool) { return j.Finished, toldJob(j.State, j.Notified) }

// Told reports whether j is done with its member told, and when it
// finished.
func (j ImportJob) Told() (time.Time, bool) { return j.Finished, toldJob(j.State, j.Notified) }

// Told reports whether j is done with its member told, and when it
// finished.
func (j SeriesJob) Told() (time.Time, bool) { return j.Finished, toldJob(j.State, j.Notified) }

// Prunable reports whether PruneJobs may delete j once its retention has
// passed, and since when the retention runs: an upload is prunable once
// done with its member told, since it finished (it has no other end).
func (j UploadJob) Prunable() (since time.Time, ok bool) { return j.Told() }

// Prunable reports whether PruneJobs may delete j once its retention has
// passed, and since when the retention runs: a series link is prunable
// once done with its member told, since it finished (it has no other
// end).
func (j SeriesJob) Prunable() (since time.Time, ok bool) { return j.Told() }

// Prunable reports whether PruneJobs may delete j once its retention has
// passed, and since when the retention runs: done with its member told,
// since it finished; cancelled, since it was cancelled (Finished; its
// creation for a job cancelled before cancellations were timed); still
// previewed, since it was created. Running jobs, and jobs done with their
// member not told, are not prunable.
func (j ImportJob) Prunable() (since time.Time, ok bool) {
	switch {
	case j.State == ImportPreview:
		return j.Created, true
	case j.State == ImportCancelled && j.Finished.IsZero():
		return j.Created, true
	case j.State == ImportCancelled:
		return j.Finished, true
	}
	return j.Told()
}
