package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// WorkChecker fetches an AO3 work fresh: *fic.AO3Client.
type WorkChecker interface {
	CheckWork(ctx context.Context, stored *fic.Story) (fic.WorkUpdate, error)
}

// AlertSender sends the alerts recorded by checks: Alerts (alerts.go).
type AlertSender interface {
	SendAlerts(ctx context.Context) error
}

// UpdateChecker defaults.
const (
	// DefaultCheckEvery is AO3_CHECK_EVERY's default.
	DefaultCheckEvery = 6 * time.Hour
	// DefaultCheckPoll bounds how long a newly followed work waits for its
	// first check, and a pending alert for a retry.
	DefaultCheckPoll = time.Minute
	// checkBatch is how many due works one claim takes.
	checkBatch = 10
)

// UpdateChecker checks followed AO3 works for new chapters (SPEC §3
// /subscribe): every Poll it claims the works due (one per AO3 work,
// however many servers follow it), fetches each once, records the result
// (which updates every server's story, extends clubs and records alerts in
// one transaction) and has the alerts sent. Run it under a Leased so that
// one process of a deployment checks; AO3's pace is the AO3 client's Gate
// (AO3Gate).
type UpdateChecker struct {
	Store  shelf.WorkChecks
	AO3    WorkChecker
	Alerts AlertSender
	// Every is how often a work is checked (AO3_CHECK_EVERY); 0 means
	// DefaultCheckEvery.
	Every time.Duration
	// Poll is how often the schedule is looked at; 0 means the shorter of
	// Every and DefaultCheckPoll.
	Poll time.Duration
	// Retry is when a work whose check failed for a passing reason (AO3
	// busy or down) is tried again; 0 means the shorter of Every and 30
	// minutes.
	Retry time.Duration
	// Clock: nil means RealClock.
	Clock Clock
	Log   *slog.Logger
}

func (u *UpdateChecker) defaults() (Clock, *slog.Logger, time.Duration, time.Duration, time.Duration) {
	clock, log := u.Clock, u.Log
	if clock == nil {
		clock = RealClock{}
	}
	log = orDiscard(log)
	every := u.Every
	if every <= 0 {
		every = DefaultCheckEvery
	}
	poll := u.Poll
	if poll <= 0 {
		poll = min(every, DefaultCheckPoll)
	}
	retry := u.Retry
	if retry <= 0 {
		retry = min(every, 30*time.Minute)
	}
	return clock, log, every, poll, retry
}

// Run checks until ctx is done and returns ctx's error.
func (u *UpdateChecker) Run(ctx context.Context) error {
	clock, log, _, poll, _ := u.defaults()
	for {
		if err := u.RunOnce(ctx); err != nil && ctx.Err() == nil {
			log.Warn("AO3 update check incomplete; trying again", "err", err, "in", poll)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-clock.After(poll):
		}
	}
}

// RunOnce sends alerts left pending (by a crash or a failure), then checks
// every work due now, sending each work's alerts as soon as they are
// recorded.
func (u *UpdateChecker) RunOnce(ctx context.Context) error {
	clock, log, every, _, retry := u.defaults()
	var errs []error
	if u.Alerts != nil {
		if err := u.Alerts.SendAlerts(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	// A claim holds its works for hold: longer than a batch of checks at
	// AO3's pace takes, shorter than a check interval.
	hold := min(every, 10*time.Minute)
	for ctx.Err() == nil {
		works, err := u.Store.ClaimDueWorks(ctx, clock.Now(), hold, checkBatch)
		if err != nil {
			errs = append(errs, err)
			break
		}
		if len(works) == 0 {
			break
		}
		for _, w := range works {
			if ctx.Err() != nil {
				break
			}
			made, err := u.check(ctx, w, every, retry, log)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if made > 0 && u.Alerts != nil {
				if err := u.Alerts.SendAlerts(ctx); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// check fetches one work and records what AO3 showed.
func (u *UpdateChecker) check(ctx context.Context, w shelf.WatchedWork, every, retry time.Duration, log *slog.Logger) (int, error) {
	clock := u.Clock
	if clock == nil {
		clock = RealClock{}
	}
	stored := w.Last
	if stored == nil {
		stored = &fic.Story{AO3ID: w.WorkID}
	}
	upd, err := u.AO3.CheckWork(ctx, stored)
	now := clock.Now()
	c := shelf.WorkCheck{WorkID: w.WorkID, At: now, NextCheck: now.Add(every)}
	switch {
	case err == nil:
		c.Fetched = upd.Fetched
	case ctx.Err() != nil:
		return 0, ctx.Err() // the claim runs out and another check takes it
	case errors.Is(err, fic.ErrWorkDeleted):
		c.State = shelf.WorkDeleted
	case errors.Is(err, fic.ErrWorkRestricted):
		c.State = shelf.WorkRestricted
	case errors.Is(err, fic.ErrWorkHidden):
		c.State = shelf.WorkHidden
	case errors.Is(err, fic.ErrWorkUnrevealed):
		c.State = shelf.WorkUnrevealed
	default:
		log.Warn("AO3 work not checked; trying again later", "work", w.WorkID, "err", err, "in", retry)
		c.NextCheck = now.Add(retry)
	}
	made, rerr := u.Store.RecordWorkCheck(context.WithoutCancel(ctx), c)
	if rerr != nil {
		return 0, fmt.Errorf("record check of AO3 work %d: %w", w.WorkID, rerr)
	}
	if c.Fetched != nil || c.State != "" {
		log.Info("AO3 work checked", "work", w.WorkID, "state", c.State, "alerts", made)
	}
	return made, nil
}

// AO3Gate spaces every request to AO3 of the whole deployment by Gap,
// through the store (shelf.WorkChecks.TakeAO3Slot: a row several processes
// share on PostgreSQL), and holds them all when AO3 answers 429 or 503.
// Wire it to a client with
//
//	client.Gate, client.OnBusy = gate.Wait, gate.Hold
//
// It uses the system clock: slots are compared across processes.
type AO3Gate struct {
	Store shelf.WorkChecks
	Gap   time.Duration
	Log   *slog.Logger
}

// Wait takes the next slot and sleeps until it comes. Slots are handed
// out Gap plus a slack apart, and a process that wakes more than the slack
// after its slot (a busy machine, a paused process) takes a new one rather
// than send late: two requests of the deployment are never closer than Gap,
// however late either wakes.
func (g *AO3Gate) Wait(ctx context.Context) error {
	slack := min(gateSlack, g.Gap/10)
	for {
		slot, err := g.Store.TakeAO3Slot(ctx, time.Now(), g.Gap+slack)
		if err != nil {
			return fmt.Errorf("AO3 request gap: %w", err)
		}
		if d := time.Until(slot); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		if time.Since(slot) <= slack {
			return nil
		}
	}
}

// gateSlack is how late after its slot a request to AO3 may still go.
const gateSlack = 250 * time.Millisecond

// Hold lets no request to AO3 go for d from now, in any process.
func (g *AO3Gate) Hold(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.Store.HoldAO3(ctx, time.Now().Add(d)); err != nil && g.Log != nil {
		g.Log.Warn("could not hold AO3 requests for the deployment", "err", err, "for", d)
	}
}
