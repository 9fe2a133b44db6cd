package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// Job notices (shelf.JobNotices) by LISTEN/NOTIFY: the write that creates a
// job notifies its kind's channel in its own transaction, so PostgreSQL
// delivers the notice at its commit (never for a rollback); the process
// running that kind listens on a connection of its own, outside the pool.

// noticeChannel is the NOTIFY channel of a kind of job.
func noticeChannel(kind string) (string, error) {
	switch kind {
	case shelf.JobNoticeUploads:
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

// ListenJobs implements shelf.JobNotices on a connection of its own (the
// pool's settings), closed when it returns.
func (s *Store) ListenJobs(ctx context.Context, kind string, wake func()) error {
	const op = "listen for jobs"
	ch, err := noticeChannel(kind)
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
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{ch}.Sanitize()); err != nil {
		return fmt.Errorf("%s: %w", op, s.mapErr(err))
	}
	wake() // jobs created before the LISTEN took effect
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
