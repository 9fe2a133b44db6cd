package bot

import (
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// editBuckets lends each interaction token its own rate-limit bucket for
// EditInteractionResponse, as Discord limits webhook routes per webhook ID
// and token. A discordgo bucket is held for the whole request, and once
// Discord says it is spent every request in it sleeps until it resets:
// with one bucket for every job's edits, one member's progress edit
// waiting on Discord, or told to slow down, held up every other member's.
//
// discordgo's limiter never frees a bucket, so a bucket per token would
// keep one for every interaction ever edited. The IDs are lent instead: a
// token keeps its ID while it has an edit in flight or its bucket owes a
// wait (its next edit then waits as Discord asked), then the ID goes back
// to a free list, owing nothing. There are at most as many IDs as tokens
// edited at once. The zero value is ready to use.
type editBuckets struct {
	mu   sync.Mutex
	lent map[string]*lentBucket // by token
	free []string
	n    int
}

// lentBucket is a bucket ID lent to a token, with its edits in flight.
type lentBucket struct {
	id    string
	edits int
}

// get returns token's bucket ID for one edit, lending it one if it has
// none; done must follow.
func (p *editBuckets) get(token string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if lb := p.lent[token]; lb != nil {
		lb.edits++
		return lb.id
	}
	if p.lent == nil {
		p.lent = map[string]*lentBucket{}
	}
	var id string
	if k := len(p.free); k > 0 {
		id, p.free = p.free[k-1], p.free[:k-1]
	} else {
		p.n++
		id = "webhooks/interaction-edit#" + strconv.Itoa(p.n)
	}
	p.lent[token] = &lentBucket{id: id, edits: 1}
	return id
}

// done ends one edit of token. After its last edit in flight the token's
// ID goes back to the free list as soon as its bucket owes no wait.
func (p *editBuckets) done(rl *discordgo.RateLimiter, token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if lb := p.lent[token]; lb != nil {
		lb.edits--
		p.giveBackLocked(rl, token, lb)
	}
}

func (p *editBuckets) giveBackLocked(rl *discordgo.RateLimiter, token string, lb *lentBucket) {
	if lb.edits > 0 || p.lent[token] != lb {
		return
	}
	b := rl.GetBucket(lb.id)
	if !b.TryLock() {
		// Held by a request that never released it: the ID is dropped.
		delete(p.lent, token)
		return
	}
	wait := rl.GetWaitTime(b, 1)
	b.Unlock()
	if wait > 0 {
		time.AfterFunc(wait, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.giveBackLocked(rl, token, lb)
		})
		return
	}
	delete(p.lent, token)
	p.free = append(p.free, lb.id)
}
