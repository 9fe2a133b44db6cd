package jobs

import (
	"context"
	"log/slog"
	"time"

	"ficshelf/shelf"
)

// DefaultNoticeRetry is the pause before listening again for job notices
// after the listening connection failed (the poll goes on meanwhile).
const DefaultNoticeRetry = 5 * time.Second

// ListenJobs wakes a runner (wake) each time n tells of a job of one of
// kinds (heard on one connection), until ctx ends, listening again after a
// pause (retry; 0 means DefaultNoticeRetry) when the listening fails. The
// runner's poll stays the fallback for any notice missed meanwhile. A nil
// n returns at once.
func ListenJobs(ctx context.Context, n shelf.JobNotices, kinds []string, wake func(), retry time.Duration, log *slog.Logger) {
	if n == nil {
		return
	}
	log = orDiscard(log)
	for ctx.Err() == nil {
		err := n.ListenJobs(ctx, kinds, wake)
		if ctx.Err() != nil {
			return
		}
		log.Warn("job notices: listening stopped; polling meanwhile", "kinds", kinds, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(orDefault(retry, DefaultNoticeRetry)):
		}
	}
}
