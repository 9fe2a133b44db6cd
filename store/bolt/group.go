package bolt

import (
	"errors"
	"fmt"
	"sync"

	bbolt "go.etcd.io/bbolt"
)

// groupCommit shares fsynced commits between concurrent writers: a write
// that finds no commit in progress starts one at once; writes that arrive
// while a commit is in progress all join the next one, which starts as
// soon as that commit ends. Batches thus grow with commit latency and
// never queue behind each other.
//
// bbolt's db.Batch, used before, closes a batch every MaxBatchDelay (1 ms)
// whatever the disk does, so with commits taking 2–5 ms under load small
// batches queued for the write lock and a write waited for several
// commits (load test, c=64: writes' p50 28 ms against reads' 10 ms).
type groupCommit struct {
	mu    sync.Mutex
	queue []*groupCall
	busy  bool // a goroutine is committing the queue
}

type groupCall struct {
	fn  func(*bbolt.Tx) error
	err chan error
}

// errTrySolo tells a caller its function failed inside a shared
// transaction (which was rolled back for everyone): it runs it again in a
// transaction of its own, so that its error is its own.
var errTrySolo = errors.New("store: batched function failed; run it alone")

// batch runs fn in a read-write transaction shared with other concurrent
// batched writes and returns once that transaction is committed and
// fsynced, or failed. fn may run more than once (when another function in
// its group fails, the group is retried without that one), so it must
// only depend on the transaction it is given.
func (s *Store) batch(fn func(*bbolt.Tx) error) error {
	s.lane.smallIn()
	defer s.lane.smallOut()
	c := &groupCall{fn: fn, err: make(chan error, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, c)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if lead {
		// This caller's write is in the first group; once it is committed,
		// anything queued meanwhile is committed by another goroutine so
		// that this caller is not kept committing for others.
		s.commitGroup(s.takeQueue())
		if s.takeQueueIfAny() {
			go s.drainGroups()
		}
	}
	err := <-c.err
	if errors.Is(err, errTrySolo) {
		err = s.db.Update(fn)
	}
	return err
}

// takeQueue empties the queue and returns what was in it.
func (s *Store) takeQueue() []*groupCall {
	g := &s.group
	g.mu.Lock()
	calls := g.queue
	g.queue = nil
	g.mu.Unlock()
	return calls
}

// takeQueueIfAny reports whether writes are queued; when none are it
// marks the committer idle (under the same lock, so a write queued later
// starts its own commit).
func (s *Store) takeQueueIfAny() bool {
	g := &s.group
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.queue) > 0 {
		return true
	}
	g.busy = false
	return false
}

// drainGroups commits queued groups until the queue is empty.
func (s *Store) drainGroups() {
	for {
		s.commitGroup(s.takeQueue())
		if !s.takeQueueIfAny() {
			return
		}
	}
}

// commitGroup runs calls in one transaction and tells each the outcome. A
// function that fails is taken out and told to run alone, and the others
// are retried.
func (s *Store) commitGroup(calls []*groupCall) {
	for len(calls) > 0 {
		failed := -1
		err := s.db.Update(func(tx *bbolt.Tx) error {
			for i, c := range calls {
				if err := callSafely(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			calls[failed].err <- errTrySolo
			calls = append(calls[:failed:failed], calls[failed+1:]...)
			continue
		}
		for _, c := range calls {
			c.err <- err
		}
		return
	}
}

// callSafely runs fn, turning a panic into an error (the caller's solo
// run then panics in the caller's own goroutine).
func callSafely(fn func(*bbolt.Tx) error, tx *bbolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: batched function panicked: %v", p)
		}
	}()
	return fn(tx)
}
