// Package gcfloor lets the Go heap grow to a floor before the garbage
// collector runs, and collects as the runtime's default (GOGC=100) does
// above it.
//
// With GOGC=100 the collector runs whenever the heap doubles its live
// size. Ficshelf's live heap is small (about 10 MiB) and every interaction
// allocates tens of kilobytes, so at a few thousand interactions a second
// the collector ran many times a second: 10–18 % of the bot's CPU. A floor
// sets the heap goal to at least the floor, i.e. GOGC of floor/live − 1,
// recomputed after every collection from the live heap it measured; once
// the live heap is half the floor or more, GOGC is 100 again, so a burst
// of big imports is collected exactly as without the floor. The cost is
// memory: up to the floor in garbage while the heap is small.
package gcfloor

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// liveMetric is the heap the last collection found live (Go ≥ 1.21).
const liveMetric = "/gc/heap/live:bytes"

// runtimeHeapMinimum is the Go runtime's least heap goal at GOGC=100
// (4 MiB); it scales with GOGC, so at GOGC=p the goal is at least
// runtimeHeapMinimum·p/100 whatever the live heap.
const runtimeHeapMinimum = 4 << 20

// Percent is the GOGC that puts the heap goal at floor for a live heap of
// live bytes (0 before the first collection): never below 100 (the
// runtime's default), nor so high that the runtime's scaled heap minimum
// would put the goal above the floor.
func Percent(floor, live uint64) int {
	limit := max(floor*100/runtimeHeapMinimum, 100)
	if live == 0 {
		return int(limit)
	}
	if live*2 >= floor {
		return 100
	}
	p := floor*100/live - 100
	return int(min(p, limit))
}

// Floor keeps the collector's goal at or above its floor until Stop.
type Floor struct {
	floor   uint64
	mu      sync.Mutex
	stopped bool
	sample  []metrics.Sample
	set     func(int) int // debug.SetGCPercent; tests replace it
	last    int           // the GOGC last set
}

// Start sets the collector's goal to at least floor bytes of heap and
// keeps it there, adjusting after each collection, until Stop.
func Start(floor uint64) *Floor {
	f := &Floor{floor: floor, sample: []metrics.Sample{{Name: liveMetric}}, set: debug.SetGCPercent, last: 100}
	f.adjust()
	f.arm()
	return f
}

// Stop puts GOGC back to 100 and stops adjusting it.
func (f *Floor) Stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped = true
	f.set(100)
}

// GOGC is the percentage the floor set last.
func (f *Floor) GOGC() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// arm allocates an object that becomes garbage at once and whose
// finalizer runs after the next collection has swept it: the finalizer
// adjusts GOGC to the live heap that collection measured and arms again.
func (f *Floor) arm() {
	sentinel := new([32]byte) // not a tiny allocation, whose finalizer may never run
	runtime.SetFinalizer(sentinel, func(*[32]byte) {
		if f.adjust() {
			f.arm()
		}
	})
}

// adjust sets GOGC from the live heap; false once stopped.
func (f *Floor) adjust() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return false
	}
	metrics.Read(f.sample)
	var live uint64
	if f.sample[0].Value.Kind() == metrics.KindUint64 {
		live = f.sample[0].Value.Uint64()
	}
	if p := Percent(f.floor, live); p != f.last {
		f.set(p)
		f.last = p
	}
	return true
}
