package jobs

import (
	"context"
	"errors"
	"ficshelf/jobs/jobstest"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeSource is a DueSource over a sorted list of times, counting reads.
type fakeSource struct {
	mu     sync.Mutex
	due    []time.Time
	fired  []time.Time
	reads  int
	fail   int // FireDue fails this many times first
	onFire chan struct{}
}

func (f *fakeSource) NextDue(context.Context) (time.Time, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if len(f.due) == 0 {
		return time.Time{}, false, nil
	}
	return f.due[0], true, nil
}

func (f *fakeSource) FireDue(ctx context.Context, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return errors.New("flaky")
	}
	for len(f.due) > 0 && !f.due[0].After(now) {
		f.fired = append(f.fired, f.due[0])
		f.due = f.due[1:]
	}
	if f.onFire != nil {
		select {
		case f.onFire <- struct{}{}:
		default:
		}
	}
	return nil
}

func (f *fakeSource) add(t time.Time) {
	f.mu.Lock()
	f.due = append(f.due, t)
	sort.Slice(f.due, func(i, j int) bool { return f.due[i].Before(f.due[j]) })
	f.mu.Unlock()
}

func (f *fakeSource) snapshot() (fired []time.Time, reads int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.fired...), f.reads
}

// waitFor polls cond for up to 5 s of real time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func startScheduler(t *testing.T, s *Scheduler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	})
}

func TestSchedulerFiresInOrderWithOneReadPerWakeUp(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := jobstest.NewFakeClock(t0)
	src := &fakeSource{}
	for _, h := range []int{3, 1, 2} {
		src.add(t0.Add(time.Duration(h) * time.Hour))
	}
	s := NewScheduler(clock, src, nil)
	startScheduler(t, s)

	waitFor(t, "the scheduler to sleep", func() bool { return clock.Sleepers() == 1 })
	if _, reads := src.snapshot(); reads != 1 {
		t.Fatalf("reads before the first due time = %d, want 1", reads)
	}
	for h := 1; h <= 3; h++ {
		clock.Advance(time.Hour)
		waitFor(t, "a firing", func() bool { f, _ := src.snapshot(); return len(f) == h })
		waitFor(t, "the scheduler to sleep again", func() bool { return clock.Sleepers() >= 1 })
	}
	fired, reads := src.snapshot()
	for i, f := range fired {
		if want := t0.Add(time.Duration(i+1) * time.Hour); !f.Equal(want) {
			t.Errorf("fired[%d] = %v, want %v", i, f, want)
		}
	}
	// Per wake-up: one read that finds the due time (then FireDue), one
	// read after firing to find the next time. 1 + 3×2 = 7.
	if reads != 7 {
		t.Errorf("reads = %d, want 7 (one per wake-up)", reads)
	}
}

func TestSchedulerIdleCostIsOneReadPerWakeUp(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := jobstest.NewFakeClock(t0)
	src := &fakeSource{}
	s := NewScheduler(clock, src, nil)
	s.MaxSleep = time.Minute
	startScheduler(t, s)
	for i := 1; i <= 10; i++ {
		waitFor(t, "sleep", func() bool { return clock.Sleepers() == 1 })
		clock.Advance(time.Minute)
		waitFor(t, "wake-up", func() bool { _, r := src.snapshot(); return r == i+1 })
	}
	if _, reads := src.snapshot(); reads != 11 {
		t.Errorf("10 idle wake-ups cost %d reads, want 11", reads)
	}
}

func TestSchedulerWakesWhenToldAndRetriesFailures(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := jobstest.NewFakeClock(t0)
	src := &fakeSource{fail: 1}
	s := NewScheduler(clock, src, nil)
	s.RetryDelay = time.Second
	startScheduler(t, s)
	waitFor(t, "sleep", func() bool { return clock.Sleepers() == 1 })

	src.add(t0) // due now: a club was just started
	s.Wake()
	// The first FireDue fails; the retry comes after RetryDelay.
	waitFor(t, "retry sleep", func() bool { _, r := src.snapshot(); return r >= 2 && clock.Sleepers() >= 1 })
	if f, _ := src.snapshot(); len(f) != 0 {
		t.Fatalf("fired %v before the retry", f)
	}
	clock.Advance(time.Second)
	waitFor(t, "the retry to fire", func() bool { f, _ := src.snapshot(); return len(f) == 1 })
}
