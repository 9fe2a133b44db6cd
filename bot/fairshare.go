package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Fair share at the ingress (issue 19). One busy server — a big library
// browsed hard, hundreds of interactions in flight — must not take the
// CPU from the others: handlers run in a bounded number of slots, and
// when every slot is taken an interaction waits in its server's queue;
// slots freed go to the servers' queues in turn (round-robin), so a
// server with many interactions waiting waits behind itself, not in front
// of a quiet server's one. Below saturation nothing waits, and the cost is
// a mutex and a counter.
//
// Waiting never costs the 3 s acknowledgement: the answerer's deferral
// timer runs from receipt, whether the handler is waiting for a slot or
// running, so an interaction that waits too long is deferred (and an
// autocomplete answered with no choices, its handler then skipped).

// DefaultHandlerSlotsPerCPU is how many handlers may run at once per CPU
// (GOMAXPROCS) when Config.HandlerSlots is zero. Handlers spend part of
// their time waiting (a group commit's fsync, a PostgreSQL round trip),
// so a few per CPU keep the CPU busy without one server's backlog making
// the others' handlers share it many ways.
const DefaultHandlerSlotsPerCPU = 4

// minHandlerSlots is the least default number of slots.
const minHandlerSlots = 8

// IngressStats is a snapshot of the ingress's fair share, for metrics.
// None of it is per server: the number of servers is unbounded.
type IngressStats struct {
	Slots          int           // handlers that may run at once
	Running        int           // handlers running (holding a slot)
	Waiting        int           // interactions waiting for a slot (queue depth)
	ServersWaiting int           // servers with at least one waiting
	Queued         uint64        // interactions that had to wait, so far
	Skipped        uint64        // autocompletes given up while waiting (answered with no choices)
	WaitTotal      time.Duration // summed wait of those that waited and got a slot
	WaitMax        time.Duration // the longest such wait so far
}

// fairGate hands out handler slots, round-robin between servers' queues
// when all are taken. The zero value is not usable; see newFairGate.
type fairGate struct {
	mu      sync.Mutex
	slots   int
	running int
	waiting int
	queues  map[string]*serverQueue // servers with waiters
	ring    []*serverQueue          // the same servers, in turn order
	next    int                     // index in ring of the next server served

	queued, skipped   uint64
	waitSum, waitMaxD time.Duration
}

// serverQueue is one server's waiting interactions, oldest first.
type serverQueue struct {
	key     string
	waiters []*slotWaiter
}

type slotWaiter struct {
	ready   chan struct{} // closed when granted
	granted bool
	since   time.Time
}

// newFairGate returns a gate of n slots (n ≤ 0: the default for this
// machine).
func newFairGate(n int) *fairGate {
	if n <= 0 {
		n = max(minHandlerSlots, DefaultHandlerSlotsPerCPU*runtime.GOMAXPROCS(0))
	}
	return &fairGate{slots: n, queues: map[string]*serverQueue{}}
}

// acquire takes a slot for an interaction of server key, waiting in the
// server's queue when none is free; it returns how long it waited. On an
// error (ctx done while waiting) no slot is held.
func (g *fairGate) acquire(ctx context.Context, key string) (time.Duration, error) {
	g.mu.Lock()
	if g.waiting == 0 && g.running < g.slots {
		g.running++
		g.mu.Unlock()
		return 0, nil
	}
	q := g.queues[key]
	if q == nil {
		q = &serverQueue{key: key}
		g.queues[key] = q
		g.ring = append(g.ring, q)
	}
	w := &slotWaiter{ready: make(chan struct{}), since: time.Now()}
	q.waiters = append(q.waiters, w)
	g.waiting++
	g.queued++
	g.mu.Unlock()

	select {
	case <-w.ready:
		return time.Since(w.since), nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if w.granted {
		// Granted as ctx ended: give the slot on.
		g.mu.Unlock()
		g.release()
	} else {
		g.dropWaiter(q, w)
		g.mu.Unlock()
	}
	return 0, fmt.Errorf("waiting for a handler slot: %w", context.Cause(ctx))
}

// release gives back a slot: to the next server's oldest waiter, in turn,
// or to the pool.
func (g *fairGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.ring) == 0 {
		g.running--
		return
	}
	if g.next >= len(g.ring) {
		g.next = 0
	}
	q := g.ring[g.next]
	w := q.waiters[0]
	q.waiters[0] = nil
	q.waiters = q.waiters[1:]
	if len(q.waiters) == 0 {
		g.removeServer(g.next) // the next server is now at g.next
	} else {
		g.next++
	}
	g.waiting--
	d := time.Since(w.since)
	g.waitSum += d
	g.waitMaxD = max(g.waitMaxD, d)
	w.granted = true
	close(w.ready) // the slot passes to w: running is unchanged
}

// dropWaiter takes w, which gave up, out of q. g.mu is held.
func (g *fairGate) dropWaiter(q *serverQueue, w *slotWaiter) {
	for i, x := range q.waiters {
		if x == w {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			g.waiting--
			break
		}
	}
	if len(q.waiters) > 0 {
		return
	}
	for i, x := range g.ring {
		if x == q {
			g.removeServer(i)
			return
		}
	}
}

// removeServer takes ring[i], whose queue is empty, out of the turn
// order. g.mu is held.
func (g *fairGate) removeServer(i int) {
	delete(g.queues, g.ring[i].key)
	g.ring = append(g.ring[:i], g.ring[i+1:]...)
	if i < g.next {
		g.next--
	}
}

// stats returns a snapshot.
func (g *fairGate) stats() IngressStats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return IngressStats{
		Slots: g.slots, Running: g.running, Waiting: g.waiting, ServersWaiting: len(g.ring),
		Queued: g.queued, Skipped: g.skipped, WaitTotal: g.waitSum, WaitMax: g.waitMaxD,
	}
}

// serverKey is whose queue i waits in: its server, or for a direct
// message its user (each member's DMs are their own).
func serverKey(i *discordgo.Interaction) string {
	if i.GuildID != "" {
		return i.GuildID
	}
	if i.User != nil {
		return "dm:" + i.User.ID
	}
	if i.Member != nil && i.Member.User != nil {
		return "dm:" + i.Member.User.ID
	}
	return "dm:"
}

// errAutocompleteAnswered is the result of an autocomplete whose handler
// was skipped: it waited for a slot until it was answered with no
// choices, so nobody reads its answer.
var errAutocompleteAnswered = errors.New("bot: autocomplete answered with no choices while it waited for a handler slot")

// callInTurn is call (answer.go) once the interaction has a handler slot
// (without a gate, at once).
func (a *answerer) callInTurn(ctx context.Context, h Handler, i *discordgo.Interaction, log *slog.Logger) result {
	if a.gate == nil {
		return a.call(ctx, h, i, log)
	}
	waited, err := a.gate.acquire(ctx, serverKey(i))
	if err != nil {
		return result{err: err}
	}
	defer a.gate.release()
	if waited >= a.autocompleteAfter && i.Type == discordgo.InteractionApplicationCommandAutocomplete {
		a.gate.mu.Lock()
		a.gate.skipped++
		a.gate.mu.Unlock()
		return result{err: errAutocompleteAnswered}
	}
	return a.call(ctx, h, i, log)
}

// IngressStats reports the ingress's fair share: slots, queue depth and
// waits (see IngressStats).
func (b *Bot) IngressStats() IngressStats {
	if b.ans.gate == nil {
		return IngressStats{}
	}
	return b.ans.gate.stats()
}
