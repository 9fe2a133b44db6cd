package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"ficshelf/shelf"
)

// DefaultLeaseTTL is how long a lease lasts without renewal. The holder
// renews it every third of that; when the holder dies, another process
// takes over at most TTL + TTL/3 later (80 s), within the couple of
// minutes the deployment promises.
const DefaultLeaseTTL = time.Minute

// releaseTimeout bounds the ReleaseLease call made when a runner stops.
const releaseTimeout = 5 * time.Second

// Leased runs Work only while this process holds the lease Name, so that
// however many processes run the same Leased, one does the work at a time.
//
// Run tries to take the lease every TTL/3. Once it holds it, Work runs
// with a context that is cancelled as soon as a renewal (every TTL/3)
// fails or says another holder has it, so work stops well before the
// lease could run out under it (after two missed renewals at the latest
// another process may take over, and by then Work has been told to
// stop). When Run's context ends, Work is cancelled, waited for, and the
// lease released, so a process shut down cleanly hands over at once.
//
// Work must return promptly once its context is done, and should leave
// what it did so that another holder can finish it (each item marked done
// as it is done). A Work that returns while its context is live is run
// again after TTL/3, still under the lease.
type Leased struct {
	// Leases is where the lease lives (the store: shelf.Leases). Nil runs
	// Work without a lease, for a store that only this process can open.
	Leases shelf.Leases
	// Name names the lease, e.g. "jobs/checkpoints".
	Name string
	// Holder names this process; unique per process (see NewHolder).
	Holder string
	// TTL is the lease's lifetime; 0 means DefaultLeaseTTL.
	TTL time.Duration
	// Clock times renewals and gives TryLease its now; nil: RealClock.
	Clock Clock
	// Log receives lease changes; nil: discard.
	Log *slog.Logger
	// Work is the job.
	Work func(ctx context.Context) error
}

// Run runs l until ctx is done and returns ctx's error.
func (l *Leased) Run(ctx context.Context) error {
	clock := l.Clock
	if clock == nil {
		clock = RealClock{}
	}
	log := l.Log
	log = orDiscard(log).With("lease", l.Name, "holder", l.Holder)
	ttl := l.TTL
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	every := ttl / 3
	if l.Leases == nil {
		for {
			if err := l.Work(ctx); err != nil && ctx.Err() == nil {
				log.Error("job failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-clock.After(every):
			}
		}
	}
	for {
		held, err := l.Leases.TryLease(ctx, l.Name, l.Holder, clock.Now(), ttl)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			log.Warn("could not take the lease; trying again", "err", err, "in", every)
		case held:
			log.Info("lease taken; running the job")
			l.hold(ctx, clock, log, ttl, every)
			if ctx.Err() != nil {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
				if err := l.Leases.ReleaseLease(rctx, l.Name, l.Holder); err != nil {
					log.Warn("could not release the lease; it runs out by itself", "err", err, "ttl", ttl)
				} else {
					log.Info("lease released")
				}
				cancel()
				return ctx.Err()
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-clock.After(every):
		}
	}
}

// hold runs Work while the lease is held, renewing it every "every". It
// returns when ctx is done or the lease is lost, after Work has returned.
func (l *Leased) hold(ctx context.Context, clock Clock, log *slog.Logger, ttl, every time.Duration) {
	wctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			err := l.Work(wctx)
			if wctx.Err() != nil {
				return
			}
			if err != nil {
				log.Error("job failed; running it again", "err", err, "in", every)
			}
			select {
			case <-wctx.Done():
				return
			case <-clock.After(every):
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			stop(ctx.Err())
			<-done
			return
		case <-done: // Work ends only once wctx is done
			return
		case <-clock.After(every):
		}
		held, err := l.Leases.TryLease(ctx, l.Name, l.Holder, clock.Now(), ttl)
		if ctx.Err() != nil {
			continue // the select above stops the work
		}
		if err != nil || !held {
			if err == nil {
				err = errLeaseLost
			}
			log.Warn("lease lost; stopping the job", "err", err)
			stop(err)
			<-done
			return
		}
	}
}

var errLeaseLost = errors.New("jobs: another process holds the lease")

// NewHolder returns a name for this process as a lease holder: host, pid
// and a random part, so that a restarted process is a new holder.
func NewHolder() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
