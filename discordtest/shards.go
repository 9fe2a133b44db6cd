package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// DefaultIdentifyWindow is Discord's pace for identifies: one per
// rate-limit key (shard_id % max_concurrency) per 5 seconds.
const DefaultIdentifyWindow = 5 * time.Second

// ShardOf is the shard that receives guildID's events among count:
// (guild_id >> 22) % count. DMs (no guild) go to shard 0.
func ShardOf(guildID string, count int) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil || count <= 1 {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

// WithShards sets the shard count GET /gateway/bot recommends (default 1).
func WithShards(n int) Option { return func(s *Server) { s.gw.recommended = n } }

// WithMaxConcurrency sets session_start_limit.max_concurrency (default 1):
// shards whose IDs differ modulo it may identify at the same time.
func WithMaxConcurrency(n int) Option { return func(s *Server) { s.gw.maxConcurrency = n } }

// WithSessionStartLimit sets session_start_limit's total and remaining
// identifies (default 1000 and 1000). Each identify uses one.
func WithSessionStartLimit(total, remaining int) Option {
	return func(s *Server) { s.gw.startTotal, s.gw.startRemaining = total, remaining }
}

// WithIdentifyWindow sets how long a rate-limit key must wait between two
// identifies, and enforces it on every identify. Without it the server
// enforces DefaultIdentifyWindow on sharded identifies only (those that
// carry "shard" with a count above 1), so that tests which restart an
// unsharded bot at once are not slowed. 0 turns the check off.
func WithIdentifyWindow(d time.Duration) Option {
	return func(s *Server) { s.gw.window, s.gw.windowAll = d, true }
}

// IdentifyRejection is an IDENTIFY the server refused because its
// rate-limit key had identified less than the window before.
type IdentifyRejection struct {
	Shard, Count int
	Key          int           // shard % max_concurrency
	After        time.Duration // since that key's previous identify
	At           time.Time
}

// refuseIdentify applies the session start limit and the identify window:
// a refused identify gets op 9 INVALID_SESSION and its socket closed, as
// Discord does, and is recorded. It reports whether it refused.
func (g *gateway) refuseIdentify(c *gwConn, shard, count int) bool {
	g.mu.Lock()
	now := time.Now()
	key := shard % max(1, g.maxConcurrency)
	window := g.window
	if !g.windowAll && window == 0 {
		window = DefaultIdentifyWindow
	}
	enforce := window > 0 && (g.windowAll || count > 1)
	if last, ok := g.lastIdentify[key]; enforce && ok && now.Sub(last) < window {
		g.rejected = append(g.rejected, IdentifyRejection{Shard: shard, Count: count, Key: key, After: now.Sub(last), At: now})
		g.notifyLocked()
		g.mu.Unlock()
		g.invalidAndClose(c)
		return true
	}
	if g.startRemaining <= 0 {
		g.mu.Unlock()
		g.invalidAndClose(c)
		return true
	}
	g.lastIdentify[key] = now
	g.startRemaining--
	g.mu.Unlock()
	return false
}

func (g *gateway) invalidAndClose(c *gwConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = c.write(frame{Op: 9, D: json.RawMessage("false")})
	_ = c.ws.Close()
}

// gatewayBot is GET /gateway/bot.
func (s *Server) gatewayBot() map[string]any {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	return map[string]any{
		"url":    s.wsURL(),
		"shards": g.recommended,
		"session_start_limit": map[string]any{
			"total": g.startTotal, "remaining": g.startRemaining, "reset_after": 14400000, "max_concurrency": g.maxConcurrency,
		},
	}
}

// IdentifyRejections returns the identifies refused for coming too soon.
func (s *Server) IdentifyRejections() []IdentifyRejection {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]IdentifyRejection(nil), g.rejected...)
}

// ShardSession is one shard's current gateway session.
type ShardSession struct {
	Shard, Count int
	Connected    bool // see GatewayStats.Connected
	Identified   time.Time
}

// ShardSessions returns each shard's current session, by shard ID.
func (s *Server) ShardSessions() []ShardSession {
	g := &s.gw
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []ShardSession
	for _, sess := range g.current {
		out = append(out, ShardSession{Shard: sess.shard, Count: sess.shardCount, Connected: sessionUp(sess), Identified: sess.identified})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Shard < out[j].Shard })
	return out
}

// WaitShards waits until each of shards (IDs) has a connected session.
func (s *Server) WaitShards(ctx context.Context, shards ...int) error {
	g := &s.gw
	err := g.waitFor(ctx, func() bool {
		for _, k := range shards {
			if !sessionUp(g.current[k]) {
				return false
			}
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("discordtest: waiting for shards %v: %w", shards, err)
	}
	return nil
}

// GuildOnShard adds a guild named name whose events go to shard of count,
// picking its snowflake so that (id >> 22) % count == shard.
func (s *Server) GuildOnShard(name string, shard, count int) *discordgo.Guild {
	s.mu.Lock()
	for ShardOf(strconv.FormatInt(s.snow+1, 10), count) != shard {
		s.snow += 1 << 22
	}
	s.mu.Unlock()
	return s.AddGuild(name)
}

// SendToShard dispatches i to shard's session whatever guild it is for, as
// a misrouting Discord would, to test that a bot ignores servers outside
// its shards. It returns a handle on the answer, which should not come.
func (s *Server) SendToShard(t testing.TB, shard int, i *discordgo.Interaction) *Pending {
	t.Helper()
	payload, err := interactionJSON(i, s.channelCopy(i.ChannelID))
	if err != nil {
		t.Fatalf("discordtest: SendToShard: %v", err)
	}
	st := s.track(i)
	if !s.gw.dispatchTo(shard, "INTERACTION_CREATE", payload) {
		t.Fatalf("discordtest: SendToShard: no session for shard %d", shard)
	}
	return &Pending{s: s, st: st}
}
