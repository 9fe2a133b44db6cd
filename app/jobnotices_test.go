package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"ficshelf/shelf"
)

// noticeStore is a store telling of jobs: its ListenJobs records the kinds
// it listens for, wakes once and waits for ctx.
type noticeStore struct {
	engine    string
	listening chan []string
	stopped   chan struct{}
}

func (s *noticeStore) Engine() string { return s.engine }

func (s *noticeStore) TryLease(context.Context, string, string, time.Time, time.Duration) (bool, error) {
	return true, nil
}

func (s *noticeStore) ReleaseLease(context.Context, string, string) error { return nil }

func (s *noticeStore) ListenJobs(ctx context.Context, kinds []string, wake func()) error {
	s.listening <- kinds
	wake()
	<-ctx.Done()
	s.stopped <- struct{}{}
	return ctx.Err()
}

var _ interface {
	shelf.Leases
	shelf.JobNotices
} = (*noticeStore)(nil)

// On a shared store the imports runner's work listens for imports and
// series links while it runs, wakes the runner at a notice, and stops
// listening before it returns; on BoltDB it is the work itself.
func TestWokenListensWhileTheWorkRuns(t *testing.T) {
	st := &noticeStore{engine: "postgres", listening: make(chan []string, 1), stopped: make(chan struct{}, 1)}
	woke := make(chan struct{}, 1)
	workDone := make(chan struct{})
	work := woken(st, importNotices, func() { woke <- struct{}{} }, nil, func(ctx context.Context) error {
		select {
		case kinds := <-st.listening:
			if want := []string{shelf.JobNoticeImports, shelf.JobNoticeSeries}; !slices.Equal(kinds, want) {
				t.Errorf("listened for %q, want %q", kinds, want)
			}
		case <-time.After(10 * time.Second):
			t.Error("the work ran without listening")
		}
		select {
		case <-woke:
		case <-time.After(10 * time.Second):
			t.Error("a notice did not wake the runner")
		}
		<-workDone
		return nil
	})
	returned := make(chan error, 1)
	go func() { returned <- work(context.Background()) }()
	close(workDone)
	if err := <-returned; err != nil {
		t.Fatal(err)
	}
	select {
	case <-st.stopped:
	default:
		t.Fatal("still listening once the work returned")
	}

	bolt := &noticeStore{engine: "bolt", listening: make(chan []string, 1), stopped: make(chan struct{}, 1)}
	ran := false
	woken(bolt, importNotices, func() {}, nil, func(context.Context) error { ran = true; return nil })(context.Background())
	if !ran || len(bolt.listening) != 0 {
		t.Fatalf("BoltDB: ran %v, listened %d times", ran, len(bolt.listening))
	}
}
