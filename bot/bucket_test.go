package bot

import (
	"testing"

	"github.com/bwmarrin/discordgo"
)

// Callbacks reuse a small set of rate-limit buckets instead of one per
// interaction (discordgo never frees a bucket).
func TestBucketPoolReusesIDs(t *testing.T) {
	rl := discordgo.NewRatelimiter()
	var p bucketPool
	for range 1000 {
		a, b := p.get(), p.get() // two in flight at once
		if a == b {
			t.Fatalf("two requests in flight share bucket %q", a)
		}
		p.release(rl, a)
		p.release(rl, b)
	}
	if p.n != 2 {
		t.Errorf("1,000 rounds of 2 concurrent callbacks made %d bucket IDs, want 2", p.n)
	}
}

// A bucket still locked (a request that never released it) is not handed
// out again.
func TestBucketPoolDropsLockedBucket(t *testing.T) {
	rl := discordgo.NewRatelimiter()
	var p bucketPool
	id := p.get()
	rl.GetBucket(id).Lock()
	p.release(rl, id)
	if got := p.get(); got == id {
		t.Errorf("locked bucket %q handed out again", id)
	}
}
