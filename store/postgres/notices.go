package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Job notices (shelf.JobNotices) by LISTEN/NOTIFY: the write that makes a
// job runnable (an upload queued, an import confirmed, a series link
// created) notifies its kind's channel in its own transaction, so
// PostgreSQL delivers the notice at its commit (never for a rollback); the
// process running that kind listens on a connection of its own, outside
// the pool.

// noticeChannel is the NOTIFY channel of a kind of job.
func noticeChannel(kind string) (string, error) {
	switch kind {
	case shelf.JobNoticeUploads, shelf.JobNoticeImports, shelf.JobNoticeSeries:
		return "ficshelf_" + kind, nil
	}
	return "", fmt.Errorf("job notices of %q: %w", kind, shelf.ErrInvalid)
}

// notifyJobs queues a notice of kind in tx, sent when tx commits.
func notifyJobs(ctx context.Context, tx pgx.Tx, kind string) error {
	ch, err := noticeChannel(kind)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `SELECT pg_notify($1, '')`, ch)
	return err
}

// noticeChannels are the NOTIFY channels of kinds, at least one.
func noticeChannels(kinds []string) ([]string, error) {
	if len(kinds) == 0 {
		return nil, fmt.Errorf("job notices of no kind: %w", shelf.ErrInvalid)
	}
	chs := make([]string, len(kinds))
	for i, kind := range kinds {
		ch, err := noticeChannel(kind)
		if err != nil {
			return nil, err
		}
		chs[i] = ch
	}
	return chs, nil
}

// ListenJobs implements shelf.JobNotices on a connection of its own (the
// pool's settings), listening on every kind's channel, closed when it
// returns.
func (s *Store) ListenJobs(ctx context.Context, kinds []string, wake func()) error {
	const op = "listen for jobs"
	chs, err := noticeChannels(kinds)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", op, shelf.ErrClosed)
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("%s: connect: %w", op, s.mapErr(err))
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	for _, ch := range chs {
		if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("%s: %w", op, s.mapErr(err))
		}
	}
	wake() // jobs made runnable before the LISTEN took effect
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return fmt.Errorf("%s: %w", op, s.mapErr(err))
		}
		wake()
	}
}
