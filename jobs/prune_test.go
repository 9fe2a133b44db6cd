package jobs

import (
	"context"
	"errors"
	"testing"
	"time"
)

// pruneStore has due told jobs; it records each call's cutoff and limit.
type pruneStore struct {
	due     int
	failAt  int // the call (1-based) that fails; 0: none
	calls   int
	cutoffs []time.Time
	limits  []int
}

func (s *pruneStore) PruneJobs(_ context.Context, before time.Time, limit int) (int, error) {
	s.calls++
	s.cutoffs, s.limits = append(s.cutoffs, before), append(s.limits, limit)
	if s.calls == s.failAt {
		return 0, errors.New("store down")
	}
	n := min(limit, s.due)
	s.due -= n
	return n, nil
}

// nowClock is a fixed now whose waits end at once.
type nowClock struct{ now time.Time }

func (c nowClock) Now() time.Time { return c.now }
func (c nowClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func TestPrunerBatchesUntilNoneDue(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	st := &pruneStore{due: 7}
	p := &Pruner{Store: st, Keep: 48 * time.Hour, Batch: 3, Clock: nowClock{now}}
	if n := p.Prune(context.Background()); n != 7 {
		t.Fatalf("pruned %d, want 7", n)
	}
	if st.calls != 3 {
		t.Fatalf("%d batches, want 3 (3, 3, 1)", st.calls)
	}
	for i, c := range st.cutoffs {
		if !c.Equal(now.Add(-48*time.Hour)) || st.limits[i] != 3 {
			t.Errorf("batch %d: cutoff %v limit %d", i, c, st.limits[i])
		}
	}
	// Nothing due: one look.
	st.calls = 0
	if n := p.Prune(context.Background()); n != 0 || st.calls != 1 {
		t.Fatalf("nothing due: pruned %d in %d calls", n, st.calls)
	}
}

func TestPrunerStopsAtAFailure(t *testing.T) {
	st := &pruneStore{due: 10, failAt: 2}
	p := &Pruner{Store: st, Batch: 4, Clock: nowClock{time.Now()}}
	if n := p.Prune(context.Background()); n != 4 || st.calls != 2 {
		t.Fatalf("pruned %d in %d calls, want 4 in 2 (the second failed)", n, st.calls)
	}
	// The default retention: a week.
	if got := time.Since(st.cutoffs[0]); got < 7*24*time.Hour-time.Minute || got > 7*24*time.Hour+time.Minute {
		t.Fatalf("default cutoff %v ago, want a week", got)
	}
}
