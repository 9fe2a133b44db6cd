package fic

import (
	"context"
	"sync"
	"time"
)

// Spacing keeps requests to AO3 at least Gap apart within this process, in
// arrival order, and holds them all while AO3 asked to wait. Wire it to a
// client with
//
//	sp := fic.NewSpacing(gap)
//	client.Gate, client.OnBusy = sp.Wait, sp.Hold
//
// It is AO3_REQUEST_GAP for one process (the embedded store); several
// processes sharing PostgreSQL need a gate backed by the database, wired
// the same way.
type Spacing struct {
	gap  time.Duration
	turn chan struct{} // held by the one caller waiting for its turn
	mu   sync.Mutex
	last time.Time // when the last request was let through
	hold time.Time // no request before this (AO3 asked to wait)
}

// NewSpacing returns a Spacing of gap.
func NewSpacing(gap time.Duration) *Spacing {
	return &Spacing{gap: gap, turn: make(chan struct{}, 1)}
}

// Wait blocks until the caller may send its request: at least the gap
// after the last one let through, and not while AO3 asked to wait. Callers
// go one at a time. It gives up (and returns the context's error) when ctx
// ends first.
func (s *Spacing) Wait(ctx context.Context) error {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.turn }()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.mu.Lock()
		now := time.Now()
		at := s.last.Add(s.gap)
		if s.hold.After(at) {
			at = s.hold
		}
		if !at.After(now) {
			s.last = now
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		t := time.NewTimer(at.Sub(now))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// Hold lets no request go for d from now (AO3's Retry-After), whoever
// asked, including a caller already waiting for its turn.
func (s *Spacing) Hold(d time.Duration) {
	s.mu.Lock()
	if until := time.Now().Add(d); until.After(s.hold) {
		s.hold = until
	}
	s.mu.Unlock()
}
