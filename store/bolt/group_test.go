package bolt

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// Concurrent batched writes share commits, a failing one fails alone, and
// every successful one is in the file afterwards.
func TestGroupCommitSharesCommitsAndIsolatesFailures(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "g.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bucket := []byte("grouptest")
	boom := errors.New("boom")
	before := s.commits.Load()
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.batch(func(tx *bbolt.Tx) error {
				s.countCommit(tx, true)
				if i%50 == 7 {
					return boom
				}
				b, err := tx.CreateBucketIfNotExists(bucket)
				if err != nil {
					return err
				}
				return b.Put(fmt.Appendf(nil, "%03d", i), []byte{1})
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if want := i%50 == 7; want != errors.Is(err, boom) {
			t.Errorf("write %d: err %v", i, err)
		}
	}
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		for i := range n {
			if got := b.Get(fmt.Appendf(nil, "%03d", i)) != nil; got != (i%50 != 7) {
				t.Errorf("write %d stored: %v", i, got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := s.commits.Load() - before; c >= n {
		t.Errorf("%d concurrent writes took %d commits; want them shared", n, c)
	}
	// The last committer marks itself idle just after telling its callers.
	deadline := time.Now().Add(time.Second)
	for {
		s.group.mu.Lock()
		busy, queued := s.group.busy, len(s.group.queue)
		s.group.mu.Unlock()
		if !busy && queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("committer left busy=%v with %d queued", busy, queued)
		}
		time.Sleep(time.Millisecond)
	}
}

// A batched function that panics panics in its caller, not in another
// writer's goroutine, and the others still commit.
func TestGroupCommitPanicStaysWithItsCaller(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "g.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	defer func() {
		if p := recover(); p == nil {
			t.Error("no panic")
		}
	}()
	_ = s.batch(func(*bbolt.Tx) error { panic("bad") })
}
