package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/store/postgres/pgtest"
)

// A process listening for upload jobs hears of one created through
// another process's store at its commit, and not of one refused.
func TestListenJobsHearsAnotherProcess(t *testing.T) {
	u := pgtest.URL(t)
	runner, other := pgtest.OpenURL(t, u), pgtest.OpenURL(t, u)
	woken := make(chan struct{}, 16)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runner.ListenJobs(lctx, shelf.JobNoticeUploads, func() { woken <- struct{}{} })
	}()
	wait := func(what string) {
		t.Helper()
		select {
		case <-woken:
		case <-time.After(10 * time.Second):
			t.Fatalf("no wake %s", what)
		}
	}
	wait("when listening starts")
	j := shelf.UploadJob{UserID: "300000000000000004", Token: "tok", TokenAt: time.Now(), WorkID: 5}
	if _, err := other.CreateUploadJob(ctx, "100000000000000001", j, 1); err != nil {
		t.Fatal(err)
	}
	wait("at another process's create")
	// A create refused (the line full) commits nothing, and tells nothing.
	if _, err := other.CreateUploadJob(ctx, "100000000000000001", j, 1); !errors.Is(err, shelf.ErrQueueFull) {
		t.Fatalf("second create in a line of 1: %v", err)
	}
	select {
	case <-woken:
		t.Fatal("woken by a refused create")
	case <-time.After(300 * time.Millisecond):
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("ListenJobs after cancel: %v", err)
	}
	if err := runner.ListenJobs(ctx, "nonsense", func() {}); !errors.Is(err, shelf.ErrInvalid) {
		t.Fatalf("an unknown kind: %v", err)
	}
}
