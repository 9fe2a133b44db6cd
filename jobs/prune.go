package jobs

import (
	"context"
	"log/slog"
	"time"

	"ficshelf/shelf"
)

// Pruner defaults.
const (
	// DefaultPruneEvery is how often jobs to prune are looked for.
	DefaultPruneEvery = time.Hour
	// DefaultPruneBatch is how many jobs one transaction deletes at most.
	DefaultPruneBatch = 200
	// DefaultPrunePause is the pause between two batches, so that a long
	// backlog does not hold the store's writer from members' writes.
	DefaultPrunePause = 100 * time.Millisecond
)

// Pruner deletes the persisted jobs (queued uploads, reading-list imports,
// series links) whose member was told they ended more than Keep ago, and
// the reading-list imports cancelled, or previewed and never confirmed,
// more than Keep ago (shelf.JobPruning): at its start, then every Every,
// in batches of at most Batch jobs (one transaction each) until none is
// due. Run it under a Leased so that one process of a deployment does it.
type Pruner struct {
	Store shelf.JobPruning
	// Keep is how long a told, cancelled or previewed job stays; 0 means
	// shelf.DefaultJobRetention.
	Keep time.Duration
	// Every, Batch and Pause: 0 means their Default.
	Every, Pause time.Duration
	Batch        int
	// Clock gives the time and the waits; nil means RealClock.
	Clock Clock
	// Log receives failures and what was pruned; nil discards.
	Log *slog.Logger
}

// Run prunes until ctx is done and returns ctx's error. A failed batch is
// logged and tried again at the next round.
func (p *Pruner) Run(ctx context.Context) error {
	clock := p.Clock
	if clock == nil {
		clock = RealClock{}
	}
	for {
		p.Prune(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-clock.After(orDefault(p.Every, DefaultPruneEvery)):
		}
	}
}

// Prune runs one round: batches until fewer than Batch were due, ctx is
// done, or a batch fails. It returns how many jobs it deleted.
func (p *Pruner) Prune(ctx context.Context) int {
	clock := p.Clock
	if clock == nil {
		clock = RealClock{}
	}
	log := orDiscard(p.Log)
	batch := orDefault(p.Batch, DefaultPruneBatch)
	before := clock.Now().Add(-orDefault(p.Keep, shelf.DefaultJobRetention))
	total := 0
	for ctx.Err() == nil {
		n, err := p.Store.PruneJobs(ctx, before, batch)
		total += n
		if err != nil {
			if ctx.Err() == nil {
				log.Error("prune jobs", "err", err, "pruned", total)
			}
			break
		}
		if n < batch {
			break
		}
		select {
		case <-ctx.Done():
		case <-clock.After(orDefault(p.Pause, DefaultPrunePause)):
		}
	}
	if total > 0 {
		log.Info("pruned jobs", "jobs", total, "before", before)
	}
	return total
}
