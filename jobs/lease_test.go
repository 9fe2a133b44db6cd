package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ficshelf/jobs/jobstest"
)

// memLeases is an in-memory shelf.Leases, shared by the "processes" of a
// test. fail makes every call fail while set.
type memLeases struct {
	mu     sync.Mutex
	holder map[string]string
	until  map[string]time.Time
	fail   atomic.Bool
}

func newMemLeases() *memLeases {
	return &memLeases{holder: map[string]string{}, until: map[string]time.Time{}}
}

func (m *memLeases) TryLease(_ context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	if m.fail.Load() {
		return false, errors.New("database unreachable")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := m.holder[name]; ok && h != holder && now.Before(m.until[name]) {
		return false, nil
	}
	m.holder[name], m.until[name] = holder, now.Add(ttl)
	return true, nil
}

func (m *memLeases) ReleaseLease(_ context.Context, name, holder string) error {
	if m.fail.Load() {
		return errors.New("database unreachable")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.holder[name] == holder {
		delete(m.holder, name)
		delete(m.until, name)
	}
	return nil
}

func (m *memLeases) heldBy(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.holder[name]
}

// worker is a Work that records whether it is running.
type worker struct {
	running atomic.Int32
	starts  atomic.Int32
}

func (w *worker) work(ctx context.Context) error {
	w.starts.Add(1)
	w.running.Add(1)
	defer w.running.Add(-1)
	<-ctx.Done()
	return ctx.Err()
}

type proc struct {
	w      *worker
	cancel context.CancelFunc
	done   chan error
}

func startLeased(t *testing.T, leases *memLeases, clock Clock, holder string) *proc {
	t.Helper()
	p := &proc{w: &worker{}, done: make(chan error, 1)}
	l := &Leased{Leases: leases, Name: "jobs/test", Holder: holder, TTL: time.Minute, Clock: clock, Work: p.w.work}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() { p.done <- l.Run(ctx) }()
	t.Cleanup(func() { p.stop(t) })
	return p
}

func (p *proc) stop(t *testing.T) {
	p.cancel()
	select {
	case err := <-p.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
		p.done <- context.Canceled // later stops return at once
	case <-time.After(5 * time.Second):
		t.Error("Run did not return after cancel")
	}
}

func TestLeasedRunsInOneProcessAndHandsOverOnStop(t *testing.T) {
	clock := jobstest.NewFakeClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	leases := newMemLeases()
	a := startLeased(t, leases, clock, "a")
	waitFor(t, "a to work", func() bool { return a.w.running.Load() == 1 })
	b := startLeased(t, leases, clock, "b")
	waitFor(t, "b to wait", func() bool { return clock.Sleepers() >= 2 })
	for range 5 { // renewals and retries: a keeps it, b never works
		clock.Advance(20 * time.Second)
		time.Sleep(5 * time.Millisecond)
		waitFor(t, "both asleep", func() bool { return clock.Sleepers() >= 2 })
	}
	if b.w.starts.Load() != 0 || a.w.running.Load() != 1 || leases.heldBy("jobs/test") != "a" {
		t.Fatalf("b started %d times, a running %d, holder %q", b.w.starts.Load(), a.w.running.Load(), leases.heldBy("jobs/test"))
	}
	a.stop(t) // clean stop: released at once
	if a.w.running.Load() != 0 || leases.heldBy("jobs/test") != "" {
		t.Fatalf("after stop: a running %d, holder %q", a.w.running.Load(), leases.heldBy("jobs/test"))
	}
	clock.Advance(20 * time.Second)
	waitFor(t, "b to take over", func() bool { return b.w.running.Load() == 1 })
}

func TestLeasedTakenOverWhenTheHolderDies(t *testing.T) {
	clock := jobstest.NewFakeClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	leases := newMemLeases()
	// A process that took the lease and died: nobody renews it.
	if ok, _ := leases.TryLease(context.Background(), "jobs/test", "dead", clock.Now(), time.Minute); !ok {
		t.Fatal("seed lease")
	}
	b := startLeased(t, leases, clock, "b")
	waited := time.Duration(0)
	for b.w.running.Load() == 0 {
		waitFor(t, "b asleep", func() bool { return clock.Sleepers() >= 1 || b.w.running.Load() == 1 })
		if b.w.running.Load() == 1 {
			break
		}
		clock.Advance(20 * time.Second)
		waited += 20 * time.Second
		time.Sleep(2 * time.Millisecond)
		if waited > 3*time.Minute {
			t.Fatal("b did not take over within 3 minutes")
		}
	}
	if waited > 2*time.Minute {
		t.Errorf("took over after %v, want within 2 minutes", waited)
	}
}

func TestLeasedStopsWorkWhenTheLeaseIsLost(t *testing.T) {
	clock := jobstest.NewFakeClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	leases := newMemLeases()
	a := startLeased(t, leases, clock, "a")
	waitFor(t, "a to work", func() bool { return a.w.running.Load() == 1 })

	// Another holder steals it (a's lease ran out while it was paused).
	leases.mu.Lock()
	leases.holder["jobs/test"], leases.until["jobs/test"] = "thief", clock.Now().Add(time.Hour)
	leases.mu.Unlock()
	waitFor(t, "a asleep", func() bool { return clock.Sleepers() >= 1 })
	clock.Advance(20 * time.Second) // the next renewal finds out
	waitFor(t, "a to stop working", func() bool { return a.w.running.Load() == 0 })

	// The store becomes unreachable: a cannot renew, so it stops too.
	leases.mu.Lock()
	delete(leases.holder, "jobs/test")
	leases.mu.Unlock()
	for a.w.running.Load() == 0 {
		waitFor(t, "a asleep", func() bool { return clock.Sleepers() >= 1 })
		clock.Advance(20 * time.Second)
		time.Sleep(2 * time.Millisecond)
	}
	leases.fail.Store(true)
	waitFor(t, "a asleep", func() bool { return clock.Sleepers() >= 1 })
	clock.Advance(20 * time.Second)
	waitFor(t, "a to stop when it cannot renew", func() bool { return a.w.running.Load() == 0 })
}

func TestLeasedWithoutLeasesJustRuns(t *testing.T) {
	w := &worker{}
	l := &Leased{Name: "jobs/test", Work: w.work}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	waitFor(t, "work", func() bool { return w.running.Load() == 1 })
	cancel()
	<-done
	if w.running.Load() != 0 {
		t.Error("work still running after Run returned")
	}
}
