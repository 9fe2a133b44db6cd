package bolt

import "sync"

// writeLane orders bbolt's single writer between small writes (a kudos, a
// reading-list entry, any write a member waits for) and the chapter steps
// of a big story (bigwrite.go), so that a small write waits for at most
// one step, never for a big story's next one (issue 19):
//
//   - a small write says it is waiting (smallIn) before it asks for the
//     write lock or joins a group commit, and that it is done (smallOut)
//     once its commit returned;
//   - a step starts (stepTurn) only when no small write is waiting, or
//     once every small write that was waiting when the step asked has
//     finished — so a steady stream of small writes cannot hold a big
//     story back for ever either: a step waits for one round of them.
//
// bbolt's lock alone does not do this: its mutex lets the goroutine that
// just unlocked it (the import, still running) take it again before a
// waiting kudos wakes, and a 1 ms pause between steps only made that
// likely, not certain (on a loaded machine the woken goroutine may not
// run within 1 ms).
type writeLane struct {
	mu      sync.Mutex
	turn    *sync.Cond
	waiting int    // small writes between smallIn and smallOut
	done    uint64 // small writes finished so far
}

// smallIn marks a small write as waiting for (or holding) the writer.
func (l *writeLane) smallIn() {
	l.mu.Lock()
	l.waiting++
	l.mu.Unlock()
}

// smallOut marks a small write as finished (committed or failed).
func (l *writeLane) smallOut() {
	l.mu.Lock()
	l.waiting--
	l.done++
	if l.turn != nil {
		l.turn.Broadcast()
	}
	l.mu.Unlock()
}

// stepTurn returns when a big story's next step may ask for the write
// lock: at once when no small write waits, else once the small writes
// waiting now have all finished (or none waits any more).
func (l *writeLane) stepTurn() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting == 0 {
		return
	}
	if l.turn == nil {
		l.turn = sync.NewCond(&l.mu)
	}
	until := l.done + uint64(l.waiting)
	for l.waiting > 0 && l.done < until {
		l.turn.Wait()
	}
}
