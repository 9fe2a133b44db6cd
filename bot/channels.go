package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Channel facts (age restriction, a thread's parent) come from, in order:
// the gateway's cache of a shard of this process; the channel object an
// HTTP interaction carried (fresh with every interaction); one REST look-up,
// kept for channelTTL. A process with no gateway (DISCORD_SHARDS=off)
// thus asks Discord at most once a minute for a thread's parent.
const (
	channelTTL      = time.Minute
	channelCacheMax = 10000 // entries; the cache is emptied past this
)

type cachedChannel struct {
	c  *discordgo.Channel
	at time.Time
}

// channelCache holds channels from HTTP payloads and REST look-ups.
type channelCache struct {
	mu sync.Mutex
	m  map[string]cachedChannel
}

func (c *channelCache) init() { c.m = map[string]cachedChannel{} }

func (c *channelCache) put(ch *discordgo.Channel) {
	if ch == nil || ch.ID == "" {
		return
	}
	cp := *ch
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= channelCacheMax {
		c.m = map[string]cachedChannel{}
	}
	c.m[ch.ID] = cachedChannel{c: &cp, at: time.Now()}
}

func (c *channelCache) get(id string) *discordgo.Channel {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Since(e.at) > channelTTL {
		return nil
	}
	cp := *e.c
	return &cp
}

// stateChannel looks id up in the gateway caches of this process's shards.
func (b *Bot) stateChannel(id string) *discordgo.Channel {
	b.shardsMu.Lock()
	shards := append([]*shard(nil), b.shards...)
	b.shardsMu.Unlock()
	for _, sh := range shards {
		st := sh.s.State
		if c, err := st.Channel(id); err == nil {
			st.RLock()
			cp := *c
			st.RUnlock()
			return &cp
		}
	}
	return nil
}

// Channel returns a channel (or thread): from a shard's gateway cache, an
// HTTP interaction's payload, or the REST API (cached for a minute). The
// result is a copy the caller may keep.
func (b *Bot) Channel(ctx context.Context, channelID string) (*discordgo.Channel, error) {
	if c := b.stateChannel(channelID); c != nil {
		return c, nil
	}
	if c := b.chans.get(channelID); c != nil {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	c, err := b.s.Channel(channelID, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: channel %s: %w", channelID, err))
	}
	b.chans.put(c)
	return c, nil
}
