package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Clock is the time source of the checkpoint scheduler: real in production,
// a FakeClock in tests.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// RealClock is the system clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// After implements Clock.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// FuncClock adapts a now function (app.Options.Now in tests) to a Clock:
// After polls now every Poll (default 10 ms of real time) and fires once
// now has moved d past the call, or after MaxWait of real time at most
// (default one minute), so a clock that someone else moves wakes its
// sleeper promptly and no poller outlives a minute.
type FuncClock struct {
	NowFunc func() time.Time
	Poll    time.Duration
	MaxWait time.Duration
}

// Now implements Clock.
func (c FuncClock) Now() time.Time { return c.NowFunc() }

// After implements Clock.
func (c FuncClock) After(d time.Duration) <-chan time.Time {
	poll, max := c.Poll, c.MaxWait
	if poll <= 0 {
		poll = 10 * time.Millisecond
	}
	if max <= 0 {
		max = time.Minute
	}
	ch := make(chan time.Time, 1)
	deadline := c.NowFunc().Add(d)
	go func() {
		t := time.NewTicker(poll)
		defer t.Stop()
		giveUp := time.After(max)
		for {
			if now := c.NowFunc(); !now.Before(deadline) {
				ch <- now
				return
			}
			select {
			case <-t.C:
			case <-giveUp:
				ch <- c.NowFunc()
				return
			}
		}
	}()
	return ch
}

// FakeClock is a Clock for tests that moves only when told (Advance, Set).
// Safe for concurrent use.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewFakeClock returns a FakeClock showing t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now implements Clock.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After implements Clock: the channel fires when the clock is moved to or
// past now+d (at once when d <= 0).
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	at := c.now.Add(d)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: at, ch: ch})
	return ch
}

// Advance moves the clock forward by d, firing the waiters now due.
func (c *FakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the clock to t (forward or back), firing the waiters now due.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.ch <- t
			continue
		}
		kept = append(kept, w)
	}
	c.waiters = kept
}

// Sleepers returns how many After channels are still waiting, so a test
// can wait until the scheduler is asleep before moving the clock.
func (c *FakeClock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// DueSource is what the scheduler runs: a store of things due at given
// times (club checkpoints).
type DueSource interface {
	// NextDue returns the earliest due time, and false when nothing is
	// scheduled. The scheduler calls it once per wake-up: it should be
	// one cheap read (the first key of an index), not a scan.
	NextDue(ctx context.Context) (time.Time, bool, error)
	// FireDue handles everything due at or before now, in order. It
	// should check ctx between items and stop when it is done. An error
	// makes the scheduler retry after RetryDelay.
	FireDue(ctx context.Context, now time.Time) error
}

// Scheduler defaults.
const (
	// DefaultMaxSleep bounds one sleep, so a wall-clock jump (a suspended
	// host, a corrected clock) delays a checkpoint by at most this much.
	DefaultMaxSleep = 5 * time.Minute
	// DefaultRetryDelay is the pause after FireDue or NextDue failed.
	DefaultRetryDelay = 30 * time.Second
)

// Scheduler sleeps until the next due time of its source, fires what is
// due, and sleeps again. It wakes early when Wake is called (something was
// scheduled or changed). Each wake-up costs one NextDue call.
type Scheduler struct {
	Clock      Clock
	Source     DueSource
	Log        *slog.Logger
	MaxSleep   time.Duration // 0: DefaultMaxSleep
	RetryDelay time.Duration // 0: DefaultRetryDelay

	wake chan struct{}
	once sync.Once
}

// NewScheduler returns a scheduler of src on clock, logging to log (nil:
// discard).
func NewScheduler(clock Clock, src DueSource, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{Clock: clock, Source: src, Log: log}
}

func (s *Scheduler) wakeChan() chan struct{} {
	s.once.Do(func() { s.wake = make(chan struct{}, 1) })
	return s.wake
}

// Wake makes a sleeping scheduler look at its source again; it never
// blocks, and several calls before the scheduler wakes count as one. Safe
// to call before Run and from any goroutine.
func (s *Scheduler) Wake() {
	select {
	case s.wakeChan() <- struct{}{}:
	default:
	}
}

// Run schedules until ctx is done; it returns ctx's error.
func (s *Scheduler) Run(ctx context.Context) error {
	maxSleep, retry := s.MaxSleep, s.RetryDelay
	if maxSleep <= 0 {
		maxSleep = DefaultMaxSleep
	}
	if retry <= 0 {
		retry = DefaultRetryDelay
	}
	wake := s.wakeChan()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		sleep := maxSleep
		next, ok, err := s.Source.NextDue(ctx)
		now := s.Clock.Now()
		switch {
		case err != nil:
			s.Log.Error("scheduler: read next due time", "err", err)
			sleep = retry
		case ok && !next.After(now):
			if err := s.Source.FireDue(ctx, now); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.Log.Error("scheduler: fire due checkpoints", "err", err)
				sleep = retry
				break
			}
			continue
		case ok:
			sleep = min(next.Sub(now), maxSleep)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.Clock.After(sleep):
		case <-wake:
		}
	}
}
