package shelf

import "context"

// JobNotices is implemented by an engine that several processes of a
// deployment share (PostgreSQL): the process running a kind of job hears
// at once that another process queued one, rather than at its next poll.
// An engine only one process opens (BoltDB) needs none: the runner is
// woken in-process.
type JobNotices interface {
	// ListenJobs calls wake each time a job of kind (JobNoticeUploads) is
	// created, by any process, from when it listens until ctx ends: once
	// when it starts listening (for jobs created before), then at each
	// creation committed. It returns ctx's error when ctx ends, else the
	// error that stopped it (the caller falls back on polling and may
	// listen again). wake must not block.
	ListenJobs(ctx context.Context, kind string, wake func()) error
}

// The kinds of job JobNotices tells of.
const (
	// JobNoticeUploads: a queued upload (UploadJobs.CreateUploadJob).
	JobNoticeUploads = "upload_jobs"
)
