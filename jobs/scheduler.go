package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Clock is the time source of the scheduler and the lease runner: RealClock
// in production, jobstest.FakeClock or jobstest.FuncClock in tests.
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
	return &Scheduler{Clock: clock, Source: src, Log: orDiscard(log)}
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
