package shelf

import "context"

// JobNotices is implemented by an engine that several processes of a
// deployment share (PostgreSQL): the process running a kind of job hears
// at once that another process made one runnable, rather than at its next
// poll. An engine only one process opens (BoltDB) needs none: the runner
// is woken in-process.
type JobNotices interface {
	// ListenJobs calls wake each time a job of one of kinds (the
	// JobNotice kinds below; at least one) becomes runnable, through any
	// process, from when it listens until ctx ends: once when it starts
	// listening (for jobs made runnable before), then at each such write
	// committed (never for one rolled back or refused). All kinds are
	// heard on one connection. It returns ctx's error when ctx ends, else
	// the error that stopped it (the caller falls back on polling and may
	// listen again); ErrInvalid for no kinds or an unknown one. wake must
	// not block.
	ListenJobs(ctx context.Context, kinds []string, wake func()) error
}

// The kinds of job JobNotices tells of, each told by the write that makes
// such a job runnable.
const (
	// JobNoticeUploads: a queued upload (UploadJobs.CreateUploadJob).
	JobNoticeUploads = "upload_jobs"
	// JobNoticeImports: a reading-list import confirmed, its preview
	// started (Imports.StartImportJob); a preview is not runnable.
	JobNoticeImports = "import_jobs"
	// JobNoticeSeries: a series link created, running from the start
	// (SeriesJobs.CreateSeriesJob). Its further pages are added by the
	// runner itself (AddSeriesPage) and tell nothing.
	JobNoticeSeries = "series_jobs"
)
