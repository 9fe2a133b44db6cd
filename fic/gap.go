package fic

import (
	"context"
	"sync"
	"time"
)

// SpacedGate returns a Gate for AO3Client that lets requests through at
// least gap apart within this process, in arrival order; a waiting request
// gives up when its context ends. It is AO3_REQUEST_GAP for one process
// (the embedded store); several processes sharing PostgreSQL need a gate
// backed by the database instead.
func SpacedGate(gap time.Duration) func(ctx context.Context) error {
	var mu sync.Mutex
	var next time.Time // the earliest time the next request may go
	return func(ctx context.Context) error {
		mu.Lock()
		now := time.Now()
		at := next
		if at.Before(now) {
			at = now
		}
		next = at.Add(gap)
		mu.Unlock()
		wait := time.Until(at)
		if wait <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
