package bot

import (
	"net/http"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Each token edits in its own bucket, one token's edits share theirs, and
// the IDs come back once a token has no edit in flight: many tokens edited
// one after another use one ID.
func TestEditBucketsPerTokenAndReused(t *testing.T) {
	rl := discordgo.NewRatelimiter()
	var p editBuckets
	a1, a2, b := p.get("tok-a"), p.get("tok-a"), p.get("tok-b")
	if a1 != a2 || a1 == b {
		t.Fatalf("buckets: tok-a %q and %q, tok-b %q; want tok-a's shared, tok-b's its own", a1, a2, b)
	}
	p.done(rl, "tok-a")
	if got := p.get("tok-c"); got == a1 {
		t.Fatalf("tok-c got tok-a's bucket %q while tok-a still edits", got)
	}
	p.done(rl, "tok-a")
	p.done(rl, "tok-b")
	p.done(rl, "tok-c")
	before := p.n
	for range 1000 {
		p.get("tok-x")
		p.done(rl, "tok-x")
		p.get("tok-y")
		p.done(rl, "tok-y")
	}
	if p.n != before || len(p.lent) != 0 {
		t.Errorf("2,000 edits of two tokens one after another made %d new IDs (%d still lent), want 0", p.n-before, len(p.lent))
	}
}

// A bucket Discord said is spent stays the token's until it resets (its
// next edit waits as asked) and nobody else's; then it is given back.
func TestEditBucketsKeepASpentBucketWithItsToken(t *testing.T) {
	rl := discordgo.NewRatelimiter()
	var p editBuckets
	id := p.get("tok-a")
	bk := rl.LockBucket(id)
	h := http.Header{}
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", "0.200")
	if err := bk.Release(h); err != nil {
		t.Fatal(err)
	}
	p.done(rl, "tok-a")
	if got := p.get("tok-b"); got == id {
		t.Fatal("a spent bucket was lent to another token")
	}
	p.done(rl, "tok-b")
	if got := p.get("tok-a"); got != id {
		t.Fatalf("tok-a's next edit got %q, want its spent bucket %q", got, id)
	}
	p.done(rl, "tok-a")
	time.Sleep(400 * time.Millisecond)
	p.mu.Lock()
	_, still := p.lent["tok-a"]
	free := len(p.free)
	p.mu.Unlock()
	if still || free != 2 {
		t.Errorf("after the reset: tok-a still lent %v, %d IDs free; want given back, 2 free", still, free)
	}
}
