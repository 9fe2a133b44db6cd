package workpool

import (
	"sync"
	"time"
)

// Rate is a token bucket: Burst uses at once, then one more every Every.
// The zero Rate (or a negative Burst) allows everything.
type Rate struct {
	Burst int
	Every time.Duration
}

func (r Rate) unlimited() bool { return r.Burst <= 0 || r.Every <= 0 }

// Limits are the rates of one expensive command family, per member and per
// server. The limits are kept in this process's memory: with several
// processes on one PostgreSQL database each process keeps its own (see the
// README).
type Limits struct {
	Member Rate // per member of a server (guild, user)
	Guild  Rate // per server

	Now func() time.Time // nil: time.Now

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Allow takes one use for user in guild, from both the member's and the
// server's bucket, or none when either is empty: then ok is false and
// retry is when a use will be free again (and which limit it was: "member"
// or "server").
func (l *Limits) Allow(guild, user string) (ok bool, retry time.Time, which string) {
	if l == nil {
		return true, time.Time{}, ""
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	l.sweepLocked(now)
	mk, gk := "m\x00"+guild+"\x00"+user, "g\x00"+guild
	if at, full := l.peekLocked(mk, l.Member, now); !full {
		return false, at, "member"
	}
	if at, full := l.peekLocked(gk, l.Guild, now); !full {
		return false, at, "server"
	}
	l.takeLocked(mk, l.Member, now)
	l.takeLocked(gk, l.Guild, now)
	return true, time.Time{}, ""
}

// peekLocked reports whether key's bucket has a use left, and when not,
// when it will.
func (l *Limits) peekLocked(key string, r Rate, now time.Time) (time.Time, bool) {
	if r.unlimited() {
		return time.Time{}, true
	}
	b := l.fillLocked(key, r, now)
	if b.tokens >= 1 {
		return time.Time{}, true
	}
	wait := time.Duration((1 - b.tokens) * float64(r.Every))
	return now.Add(wait), false
}

func (l *Limits) takeLocked(key string, r Rate, now time.Time) {
	if r.unlimited() {
		return
	}
	l.fillLocked(key, r, now).tokens--
}

// fillLocked returns key's bucket refilled up to now.
func (l *Limits) fillLocked(key string, r Rate, now time.Time) *bucket {
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(r.Burst), at: now}
		l.buckets[key] = b
		return b
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(r.Burst), b.tokens+float64(d)/float64(r.Every))
		b.at = now
	}
	return b
}

// sweepLocked drops, once a minute, the buckets that are full again (they
// hold nothing a fresh bucket would not), so the map does not grow with
// every member who ever asked.
func (l *Limits) sweepLocked(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	longest := max(time.Duration(l.Member.Burst)*l.Member.Every, time.Duration(l.Guild.Burst)*l.Guild.Every)
	for k, b := range l.buckets {
		if now.Sub(b.at) >= longest {
			delete(l.buckets, k)
		}
	}
}

// Len is how many buckets are kept (for tests).
func (l *Limits) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
