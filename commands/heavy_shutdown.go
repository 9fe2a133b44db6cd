package commands

import (
	"context"
	"fmt"
	"sync"
)

// Heavy work waiting in memory (/mydata export, /readinglist stats: reads
// that are not persisted) at a shutdown: a restart would drop it while its
// member reads "Queued". These are reads, so the member expects one answer
// and loses nothing by asking again: at a graceful shutdown each one
// still waiting has its answer edited to say the bot restarted before it
// could start, and to run the command again. Work already running is
// given the shutdown's time to finish. After a crash nothing can be told
// (README says so). Queued /story add uploads are persisted jobs instead
// (story_upload_job.go).

// heavyLife is the Pools' in-memory heavy work: its shutdown signal and
// the goroutines waiting for or running it. Its zero value is ready.
type heavyLife struct {
	mu      sync.Mutex
	stop    chan struct{}
	stopped bool
	wg      sync.WaitGroup
}

// stopping is closed when Shutdown begins.
func (h *heavyLife) stopping() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stop == nil {
		h.stop = make(chan struct{})
	}
	return h.stop
}

// begin counts one piece of in-memory heavy work until its end (the
// returned function); false once Shutdown began: the caller must not
// start it.
func (h *heavyLife) begin() (end func(), ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return nil, false
	}
	h.wg.Add(1)
	return h.wg.Done, true
}

// Shutdown tells every member whose heavy work still waits in memory that
// the bot restarted before it could start it (editing their answer), lets
// the work already running finish, and returns when all have ended, or
// with ctx's error when ctx ends first. Call it once the bot takes no
// more interactions; heavy work arriving after it is answered at once
// with the same sentence.
func (p *Pools) Shutdown(ctx context.Context) error {
	h := &p.life
	h.stopping()
	h.mu.Lock()
	if !h.stopped {
		h.stopped = true
		close(h.stop)
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("heavy work at shutdown: %w", ctx.Err())
	}
}

// restartedText is what a member whose heavy work never started reads
// after a shutdown.
func restartedText(what string) string {
	return fmt.Sprintf("⚠️ I was restarted before I could %s: nothing was done. Please run the command again.", what)
}
