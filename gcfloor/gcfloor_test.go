package gcfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, c := range []struct {
		floor, live uint64
		want        int
	}{
		{64 * mib, 8 * mib, 700},   // goal 8 × 8 = 64 MiB
		{64 * mib, 16 * mib, 300},  // goal 16 × 4 = 64 MiB
		{64 * mib, 32 * mib, 100},  // half the floor: the default
		{64 * mib, 500 * mib, 100}, // far above: the default
		{64 * mib, 31 * mib, 106},  // just under half
		{64 * mib, 1024, 1600},     // tiny heap: the runtime's 4 MiB minimum × 16 = 64 MiB
		{64 * mib, 0, 1600},        // before the first collection
		{32 * mib, 2 * mib, 800},   // bounded by the minimum too
		{2 * mib, 0, 100},          // a floor under the runtime's minimum changes nothing
	} {
		if got := Percent(c.floor, c.live); got != c.want {
			t.Errorf("Percent(%d MiB, %d B) = %d, want %d", c.floor/mib, c.live, got, c.want)
		}
	}
}

// TestFloorFollowsTheLiveHeap checks that the floor raises GOGC while the
// live heap is small, goes back to 100 after a collection that finds a
// live heap of half the floor or more, and leaves GOGC at 100 once
// stopped.
func TestFloorFollowsTheLiveHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	const floor = 64 << 20
	f := Start(floor)
	defer f.Stop()
	runtime.GC()
	waitFor(t, func() bool { return f.GOGC() > 100 }, "GOGC above 100 with a small live heap")

	big := make([]byte, 48<<20) // live: more than half the floor
	for i := range big {
		big[i] = 1
	}
	runtime.GC()
	waitFor(t, func() bool { return f.GOGC() == 100 }, "GOGC 100 with 48 MiB live")
	runtime.KeepAlive(big)
	big = nil

	runtime.GC()
	waitFor(t, func() bool { return f.GOGC() > 100 }, "GOGC above 100 again once the big slice is garbage")

	f.Stop()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC after Stop = %d, want 100", got)
	}
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC after a collection after Stop = %d, want 100 (still adjusting)", got)
	}
}

// waitFor runs collections until cond holds (the finalizer that adjusts
// GOGC runs on its own goroutine after a collection), up to 5 s.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not reached: %s", what)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
