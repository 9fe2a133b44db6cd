package jobstest

import (
	"sync"
	"testing"
	"time"
)

func TestFuncClockFollowsItsFunction(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	c := FuncClock{NowFunc: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, Poll: time.Millisecond}
	ch := c.After(time.Hour)
	select {
	case <-ch:
		t.Fatal("fired before the clock moved")
	case <-time.After(20 * time.Millisecond):
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("did not fire after the clock moved")
	}
}
