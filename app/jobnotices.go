package app

import (
	"context"
	"log/slog"

	"ficshelf/jobs"
	"ficshelf/shelf"
)

// The job notices each leased runner listens for (shelf.JobNotices): the
// imports runner runs reading-list imports and series links; the file and
// the link uploads runners each hear every queued upload.
var (
	importNotices = []string{shelf.JobNoticeImports, shelf.JobNoticeSeries}
	uploadNotices = []string{shelf.JobNoticeUploads}
)

// woken returns a runner's work (run under its lease) that, on a store
// several processes share (PostgreSQL: leasesOf is set, and it tells of
// jobs), also listens for notices of kinds while it runs and calls wake at
// each, so that a job made runnable through another process starts at
// once, not at the runner's next poll (which stays the fallback). The
// listening stops before the returned work returns. On any other store
// work is returned as is: its runners are woken in-process.
func woken(st any, kinds []string, wake func(), log *slog.Logger, work func(context.Context) error) func(context.Context) error {
	n, ok := st.(shelf.JobNotices)
	if !ok || leasesOf(st) == nil {
		return work
	}
	return func(ctx context.Context) error {
		lctx, cancel := context.WithCancel(ctx)
		listening := make(chan struct{})
		go func() {
			defer close(listening)
			jobs.ListenJobs(lctx, n, kinds, wake, 0, log)
		}()
		defer func() { cancel(); <-listening }()
		return work(ctx)
	}
}
