// Package workpool runs heavy interactive work (file and link imports,
// exports, reading statistics) in bounded, fair worker pools, and keeps
// the per-member and per-server rate limits of the commands that start it.
//
// A Pool has a fixed number of slots for the whole process and lets each
// server (guild) hold at most PerGuild of them at once. Work waiting for a
// slot is queued per server, and free slots go to the servers in turn
// (round robin), so that one server's flood of uploads waits behind
// itself, never in front of another server's single one. A caller takes a
// Ticket (Enqueue), tells the member its place at once, waits for its
// slot (Ticket.Wait), does the work, and gives the slot back (Ticket.Done).
//
// Nothing here is persisted: a queued piece of work lives as long as the
// interaction that asked for it (its token lasts 15 minutes), so Enqueue
// refuses work whose estimated wait would outlive it.
package workpool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults for a Config's zero fields.
const (
	DefaultMaxQueue = 64               // tickets waiting per server
	DefaultMaxWait  = 10 * time.Minute // estimated wait refused past this
	// defaultGuess is the duration assumed for a piece of work before any
	// has finished.
	defaultGuess = 5 * time.Second
)

// Config sizes a Pool.
type Config struct {
	// Name labels the pool in metrics and logs ("import", "export").
	Name string
	// Workers is how many pieces of work run at once in the process (≥ 1).
	Workers int
	// PerGuild is how many of them one server may run at once (1 ≤
	// PerGuild ≤ Workers); 0 means Workers/2, at least 1.
	PerGuild int
	// MaxQueue is how many tickets one server may have waiting; 0 means
	// DefaultMaxQueue.
	MaxQueue int
	// MaxWait refuses a ticket whose estimated wait is longer; 0 means
	// DefaultMaxWait.
	MaxWait time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ErrBusy is returned (wrapped in a *BusyError) when a pool refuses work:
// the server's queue is full, or the wait would outlive the interaction.
var ErrBusy = errors.New("workpool: busy")

// BusyError says when a refused piece of work may be asked for again.
type BusyError struct {
	Pool       string
	RetryAfter time.Duration // the estimated time until the queue has room
	Reason     string        // "queue full" or "wait too long"
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("workpool %s: %s; retry after %s", e.Pool, e.Reason, e.RetryAfter.Round(time.Second))
}

func (e *BusyError) Unwrap() error { return ErrBusy }

// Pool is a bounded, per-server fair worker pool. Its methods are safe for
// concurrent use.
type Pool struct {
	cfg Config

	mu      sync.Mutex
	running int                    // slots in use
	guilds  map[string]*guildQueue // servers with work running or waiting
	ring    []string               // servers with work waiting, in turn order
	next    int                    // index in ring of the next server's turn
	waiting int                    // tickets queued, all servers
	avg     time.Duration          // moving average of a piece's run time

	stats Stats
}

type guildQueue struct {
	running int
	queue   []*Ticket
}

// Stats is a pool's counters for metrics.
type Stats struct {
	Running   int           // slots in use now
	Waiting   int           // tickets queued now
	Started   int64         // tickets given a slot, ever
	Refused   int64         // tickets refused (BusyError), ever
	WaitTotal time.Duration // summed wait of started tickets
	WaitMax   time.Duration // the longest wait of a started ticket
	Avg       time.Duration // moving average of a piece's run time
}

// New returns a pool sized by cfg.
func New(cfg Config) *Pool {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.PerGuild <= 0 {
		cfg.PerGuild = max(1, cfg.Workers/2)
	}
	cfg.PerGuild = min(cfg.PerGuild, cfg.Workers)
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Pool{cfg: cfg, guilds: map[string]*guildQueue{}, avg: defaultGuess}
}

// Name is the pool's name.
func (p *Pool) Name() string { return p.cfg.Name }

// Config returns the pool's configuration with defaults filled in.
func (p *Pool) Config() Config { return p.cfg }

// Ticket is one piece of work's place in a pool. Wait blocks until it has
// a slot; Done gives the slot back (or leaves the queue). Done must be
// called exactly once, whether or not Wait succeeded.
type Ticket struct {
	p        *Pool
	guild    string
	queued   time.Time
	started  time.Time
	ready    chan struct{} // closed when given a slot
	finished bool
}

// Enqueue takes a ticket for guild's work. When a slot is free for it the
// ticket holds it at once (Place is 0); otherwise it waits in the server's
// queue. A *BusyError (errors.Is ErrBusy) refuses it when the server's
// queue is full or its estimated wait is over MaxWait.
func (p *Pool) Enqueue(guild string) (*Ticket, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.guilds[guild]
	if g == nil {
		g = &guildQueue{}
	}
	t := &Ticket{p: p, guild: guild, queued: p.cfg.Now(), ready: make(chan struct{})}
	if len(g.queue) == 0 && g.running < p.cfg.PerGuild && p.running < p.cfg.Workers {
		p.guilds[guild] = g
		p.startLocked(g, t)
		return t, nil
	}
	if len(g.queue) >= p.cfg.MaxQueue {
		p.stats.Refused++
		return nil, &BusyError{Pool: p.cfg.Name, Reason: "queue full", RetryAfter: p.estimateLocked(g, 0)}
	}
	if est := p.estimateLocked(g, len(g.queue)); est > p.cfg.MaxWait {
		p.stats.Refused++
		return nil, &BusyError{Pool: p.cfg.Name, Reason: "wait too long", RetryAfter: est - p.cfg.MaxWait + p.avg}
	}
	p.guilds[guild] = g
	if len(g.queue) == 0 {
		p.ring = append(p.ring, guild)
	}
	g.queue = append(g.queue, t)
	p.waiting++
	return t, nil
}

// estimateLocked is the expected wait of a ticket at index i of g's queue:
// it starts after i+1 of its own server's pieces finish, at PerGuild at a
// time, and no sooner than the tickets ahead of it in the whole pool allow.
func (p *Pool) estimateLocked(g *guildQueue, i int) time.Duration {
	own := (i + p.cfg.PerGuild) / p.cfg.PerGuild
	all := (p.aheadLocked(g, i) + p.cfg.Workers) / p.cfg.Workers
	return time.Duration(max(own, all)) * p.avg
}

// aheadLocked counts the tickets that start before the one at index i of
// g's queue, as the round robin gives each server one turn per round: i
// of its own server's, i of each other server's, and in its own round
// those of the servers whose turn comes before its.
func (p *Pool) aheadLocked(g *guildQueue, i int) int {
	n := i
	before := true // walking the ring from the next turn, before g's
	for k := range len(p.ring) {
		o := p.guilds[p.ring[(p.next+k)%len(p.ring)]]
		if o == g {
			before = false
			continue
		}
		n += min(len(o.queue), i)
		if before && len(o.queue) > i {
			n++
		}
	}
	return n
}

// startLocked gives t a slot.
func (p *Pool) startLocked(g *guildQueue, t *Ticket) {
	g.running++
	p.running++
	t.started = p.cfg.Now()
	w := t.started.Sub(t.queued)
	p.stats.Started++
	p.stats.WaitTotal += w
	p.stats.WaitMax = max(p.stats.WaitMax, w)
	close(t.ready)
}

// dispatchLocked hands free slots to waiting tickets, one server per turn.
func (p *Pool) dispatchLocked() {
	for p.running < p.cfg.Workers && len(p.ring) > 0 {
		started := false
		for range len(p.ring) {
			if p.next >= len(p.ring) {
				p.next = 0
			}
			name := p.ring[p.next]
			g := p.guilds[name]
			if g.running >= p.cfg.PerGuild {
				p.next++
				continue
			}
			t := g.queue[0]
			g.queue[0] = nil
			g.queue = g.queue[1:]
			p.waiting--
			p.startLocked(g, t)
			started = true
			if len(g.queue) == 0 {
				p.ring = append(p.ring[:p.next], p.ring[p.next+1:]...)
			} else {
				p.next++
			}
			break
		}
		if !started {
			return // every waiting server is at its share
		}
	}
}

// Place is the ticket's place in line: 0 once it holds a slot, else 1 for
// the next to start, 2 for the one after, … (an estimate across servers,
// exact within one).
func (t *Ticket) Place() int {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.isStarted() {
		return 0
	}
	g := p.guilds[t.guild]
	for i, q := range g.queue {
		if q == t {
			return p.aheadLocked(g, i) + 1
		}
	}
	return 0
}

// Estimate is how long the ticket should still wait for its slot (0 once
// it holds one).
func (t *Ticket) Estimate() time.Duration {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.isStarted() {
		return 0
	}
	g := p.guilds[t.guild]
	for i, q := range g.queue {
		if q == t {
			return p.estimateLocked(g, i)
		}
	}
	return 0
}

func (t *Ticket) isStarted() bool {
	select {
	case <-t.ready:
		return true
	default:
		return false
	}
}

// Ready is closed once the ticket holds a slot.
func (t *Ticket) Ready() <-chan struct{} { return t.ready }

// Wait blocks until the ticket holds a slot, or ctx is done (then it
// returns ctx's error; the caller still calls Done).
func (t *Ticket) Wait(ctx context.Context) error {
	select {
	case <-t.ready:
		return nil
	case <-ctx.Done():
		select {
		case <-t.ready: // both ready: take the slot, the caller gives it back
			return nil
		default:
		}
		return ctx.Err()
	}
}

// Waited is how long the ticket waited for its slot (so far, when it has
// none yet).
func (t *Ticket) Waited() time.Duration {
	t.p.mu.Lock()
	defer t.p.mu.Unlock()
	if t.isStarted() {
		return t.started.Sub(t.queued)
	}
	return t.p.cfg.Now().Sub(t.queued)
}

// Done gives the ticket's slot back, or takes it out of the queue when it
// never got one. Calls after the first do nothing.
func (t *Ticket) Done() {
	p := t.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.finished {
		return
	}
	t.finished = true
	g := p.guilds[t.guild]
	if t.isStarted() {
		g.running--
		p.running--
		ran := p.cfg.Now().Sub(t.started)
		p.avg = (p.avg*7 + ran) / 8
	} else {
		for i, q := range g.queue {
			if q == t {
				g.queue = append(g.queue[:i], g.queue[i+1:]...)
				p.waiting--
				break
			}
		}
		if len(g.queue) == 0 {
			for i, name := range p.ring {
				if name == t.guild {
					p.ring = append(p.ring[:i], p.ring[i+1:]...)
					if p.next > i {
						p.next--
					}
					break
				}
			}
		}
	}
	if g.running == 0 && len(g.queue) == 0 {
		delete(p.guilds, t.guild)
	}
	p.dispatchLocked()
}

// Stats returns the pool's counters now.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Running, s.Waiting, s.Avg = p.running, p.waiting, p.avg
	return s
}
