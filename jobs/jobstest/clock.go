// Package jobstest holds clocks for tests of background work: FakeClock,
// which moves only when told, and FuncClock, which follows a now function
// (an app.Options.Now in end-to-end tests). Both implement jobs.Clock.
package jobstest

import (
	"sync"
	"time"
)

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
