package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// Channel facts (age restriction, a thread's parent) come from, in order:
// the channels the gateway shards of this process keep (gatewayChannels); the channel object an
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

// gatewayChannels is what the gateway shards of this process keep of
// Discord's state: the channels and threads of their servers, each trimmed
// to what Ficshelf reads (ID, server, name, type, age restriction, parent,
// thread metadata). discordgo's own state cache is off (see newSession):
// it keeps every GUILD_CREATE whole — members, roles, emojis, presences,
// voice states — which Ficshelf never reads.
//
// It is fed by the shards' event handlers, which run in each session's
// reading goroutine in event order (SyncEvents), so an update never
// overtakes the create before it. Servers of different shards are
// disjoint, so one cache serves them all.
type gatewayChannels struct {
	mu      sync.RWMutex
	m       map[string]*discordgo.Channel // by channel ID
	byGuild map[string][]string           // channel IDs of each server
}

func (g *gatewayChannels) init() {
	g.m = map[string]*discordgo.Channel{}
	g.byGuild = map[string][]string{}
}

// trimChannel is the part of c the cache keeps.
func trimChannel(c *discordgo.Channel, guildID string) *discordgo.Channel {
	t := &discordgo.Channel{ID: c.ID, GuildID: c.GuildID, Name: c.Name, Type: c.Type, NSFW: c.NSFW, ParentID: c.ParentID, OwnerID: c.OwnerID}
	if t.GuildID == "" {
		t.GuildID = guildID
	}
	if c.ThreadMetadata != nil {
		md := *c.ThreadMetadata
		t.ThreadMetadata = &md
	}
	return t
}

// setGuild replaces everything known of a server's channels with chans
// (its GUILD_CREATE: channels and active threads).
func (g *gatewayChannels) setGuild(guildID string, chans ...[]*discordgo.Channel) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, id := range g.byGuild[guildID] {
		delete(g.m, id)
	}
	var ids []string
	for _, cs := range chans {
		for _, c := range cs {
			if c == nil || c.ID == "" {
				continue
			}
			g.m[c.ID] = trimChannel(c, guildID)
			ids = append(ids, c.ID)
		}
	}
	if ids == nil {
		delete(g.byGuild, guildID)
		return
	}
	g.byGuild[guildID] = ids
}

// dropGuild forgets a server's channels (it left, or is unavailable until
// its next GUILD_CREATE).
func (g *gatewayChannels) dropGuild(guildID string) { g.setGuild(guildID) }

// put adds or replaces one channel or thread.
func (g *gatewayChannels) put(c *discordgo.Channel) {
	if c == nil || c.ID == "" {
		return
	}
	t := trimChannel(c, "")
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, known := g.m[c.ID]; !known && t.GuildID != "" {
		g.byGuild[t.GuildID] = append(g.byGuild[t.GuildID], c.ID)
	}
	g.m[c.ID] = t
}

// remove forgets one channel or thread.
func (g *gatewayChannels) remove(c *discordgo.Channel) {
	if c == nil || c.ID == "" {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	old, ok := g.m[c.ID]
	if !ok {
		return
	}
	delete(g.m, c.ID)
	ids := g.byGuild[old.GuildID]
	for k, id := range ids {
		if id == c.ID {
			ids[k] = ids[len(ids)-1]
			ids = ids[:len(ids)-1]
			break
		}
	}
	if len(ids) == 0 {
		delete(g.byGuild, old.GuildID)
	} else {
		g.byGuild[old.GuildID] = ids
	}
}

// get returns a copy of channel id, or nil.
func (g *gatewayChannels) get(id string) *discordgo.Channel {
	g.mu.RLock()
	defer g.mu.RUnlock()
	c, ok := g.m[id]
	if !ok {
		return nil
	}
	cp := *c
	if c.ThreadMetadata != nil {
		md := *c.ThreadMetadata
		cp.ThreadMetadata = &md
	}
	return &cp
}

// len is how many channels and threads are cached.
func (g *gatewayChannels) len() int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.m)
}

// trackChannels adds the handlers that keep b.gwChans from s's events.
func (b *Bot) trackChannels(s *discordgo.Session) {
	g := &b.gwChans
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildCreate) {
		if e.Guild != nil {
			g.setGuild(e.ID, e.Channels, e.Threads)
		}
	})
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.GuildDelete) {
		if e.Guild != nil {
			g.dropGuild(e.ID)
		}
	})
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.ChannelCreate) { g.put(e.Channel) })
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.ChannelUpdate) { g.put(e.Channel) })
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.ChannelDelete) { g.remove(e.Channel) })
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.ThreadCreate) { g.put(e.Channel) })
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.ThreadUpdate) { g.put(e.Channel) })
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.ThreadDelete) { g.remove(e.Channel) })
	s.AddHandler(func(_ *discordgo.Session, e *discordgo.ThreadListSync) {
		for _, t := range e.Threads {
			if t != nil && t.GuildID == "" {
				t.GuildID = e.GuildID
			}
			g.put(t)
		}
	})
}

// Channel returns a channel (or thread): from a shard's gateway cache, an
// HTTP interaction's payload, or the REST API (cached for a minute). The
// result is a copy the caller may keep.
func (b *Bot) Channel(ctx context.Context, channelID string) (*discordgo.Channel, error) {
	if c := b.gwChans.get(channelID); c != nil {
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
