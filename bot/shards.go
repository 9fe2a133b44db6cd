package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
)

// ShardPlan says which gateway shards a process runs (DISCORD_SHARDS). The
// zero value is auto: as many shards as GET /api/v10/gateway/bot
// recommends, all in this process.
type ShardPlan struct {
	// Off: no gateway connection at all (interactions come by HTTP).
	Off bool
	// Count is the total number of shards; 0 means Discord's
	// recommendation.
	Count int
	// First and Last are this process's shards (inclusive), within
	// [0, Count). Ignored when Count is 0.
	First, Last int
}

func (p ShardPlan) check() error {
	if p.Off || p.Count == 0 {
		return nil
	}
	if p.Count < 0 || p.First < 0 || p.First > p.Last || p.Last >= p.Count {
		return fmt.Errorf("bot: shards %d-%d of %d: want 0 <= first <= last < count", p.First, p.Last, p.Count)
	}
	return nil
}

// String spells p as DISCORD_SHARDS does.
func (p ShardPlan) String() string {
	switch {
	case p.Off:
		return "off"
	case p.Count == 0:
		return "auto"
	}
	return fmt.Sprintf("%d-%d/%d", p.First, p.Last, p.Count)
}

// ShardOf returns the shard that receives the events of guildID when the
// bot runs count shards: (guild_id >> 22) % count. Direct messages (an
// empty or malformed ID) go to shard 0.
func ShardOf(guildID string, count int) int {
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil || count <= 1 {
		return 0
	}
	return int((id >> 22) % uint64(count))
}

// shardSet is the shards a process runs: first..last of count. The zero
// value (count 0) owns every guild: a process without gateway shards.
type shardSet struct{ first, last, count int }

func (o shardSet) owns(guildID string) bool {
	if o.count == 0 {
		return true
	}
	k := ShardOf(guildID, o.count)
	return k >= o.first && k <= o.last
}

// Shard states, as /healthz reports them.
const (
	ShardWaiting      = "waiting"      // not opened yet (waiting for its identify turn)
	ShardConnecting   = "connecting"   // identifying
	ShardReady        = "ready"        // READY or RESUMED received
	ShardDisconnected = "disconnected" // lost; discordgo is reconnecting
	ShardClosed       = "closed"       // closed by shutdown
)

// ShardState is one shard's state.
type ShardState struct {
	ID    int    `json:"id"`
	State string `json:"state"`
}

// shard is one gateway session.
type shard struct {
	id, count int
	key       int // rate-limit key: id % max_concurrency
	s         *discordgo.Session
	tap       *interactionTap // decodes the session's interactions (see interactionTap)
	state     atomic.Value    // string
	ever      atomic.Bool     // connected at least once
	opened    atomic.Bool
}

func (sh *shard) get() string {
	if v, ok := sh.state.Load().(string); ok {
		return v
	}
	return ShardWaiting
}

// ShardStates returns the state of each shard this process runs (empty
// with shards off, and before Run has planned them).
func (b *Bot) ShardStates() []ShardState {
	b.shardsMu.Lock()
	defer b.shardsMu.Unlock()
	out := make([]ShardState, 0, len(b.shards))
	for _, sh := range b.shards {
		out = append(out, ShardState{ID: sh.id, State: sh.get()})
	}
	return out
}

// Connected reports whether every gateway shard of this process is ready
// (false before they are planned, and with shards off).
func (b *Bot) Connected() bool {
	b.shardsMu.Lock()
	defer b.shardsMu.Unlock()
	if len(b.shards) == 0 {
		return false
	}
	for _, sh := range b.shards {
		if sh.get() != ShardReady {
			return false
		}
	}
	return true
}

func (b *Bot) setState(sh *shard, st string) {
	sh.state.Store(st)
	b.obs.ShardState(sh.id, st)
}

// gatewayBot is GET /api/v10/gateway/bot.
type gatewayBot struct {
	URL               string `json:"url"`
	Shards            int    `json:"shards"`
	SessionStartLimit struct {
		Total          int `json:"total"`
		Remaining      int `json:"remaining"`
		ResetAfter     int `json:"reset_after"` // ms
		MaxConcurrency int `json:"max_concurrency"`
	} `json:"session_start_limit"`
}

func (b *Bot) gatewayBot(ctx context.Context) (*gatewayBot, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	body, err := b.s.RequestWithBucketID("GET", "https://"+discordHost+"/api/v10/gateway/bot", nil, "gateway/bot", discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: GET /gateway/bot: %w", err))
	}
	var gb gatewayBot
	if err := discordgo.Unmarshal(body, &gb); err != nil {
		return nil, fmt.Errorf("bot: GET /gateway/bot: %w", err)
	}
	return &gb, nil
}

// ErrSessionStartLimit is returned by Run when Discord's
// session_start_limit leaves too few identifies to start this process's
// shards.
var ErrSessionStartLimit = errors.New("bot: session_start_limit too low to start the shards")

// openShards plans this process's shards from Config.Shards and
// GET /gateway/bot, and opens them in identify rounds: shards whose
// rate-limit keys (shard_id % max_concurrency) differ identify together,
// and each key identifies at most once per IdentifyEvery. It returns the
// application ID from the first READY.
func (b *Bot) openShards(ctx context.Context) (string, error) {
	gb, err := b.gatewayBot(ctx)
	if err != nil {
		return "", err
	}
	plan := b.cfg.Shards
	count, first, last := plan.Count, plan.First, plan.Last
	if count == 0 {
		count = max(1, gb.Shards)
		first, last = 0, count-1
	}
	n := last - first + 1
	limit := gb.SessionStartLimit
	// A server that gives no session_start_limit (a proxy, a test
	// server) is not held to one.
	if limit.Total > 0 && limit.Remaining < n {
		b.log.Error("not starting: Discord's session_start_limit is too low for the shards to identify; wait for it to reset or run fewer shards",
			"remaining", limit.Remaining, "total", limit.Total, "shards_to_start", n,
			"resets_in", (time.Duration(limit.ResetAfter) * time.Millisecond).String())
		return "", fmt.Errorf("%w: %d identifies left of %d, %d shards to start, resets in %v",
			ErrSessionStartLimit, limit.Remaining, limit.Total, n, time.Duration(limit.ResetAfter)*time.Millisecond)
	}
	conc := max(1, limit.MaxConcurrency)

	b.shardsMu.Lock()
	b.owned = shardSet{first: first, last: last, count: count}
	for id := first; id <= last; id++ {
		s, err := newSession(b.redact.secrets[0], b.s.Client)
		if err != nil {
			b.shardsMu.Unlock()
			return "", b.redact.Error(fmt.Errorf("bot: discordgo session: %w", err))
		}
		s.ShardID, s.ShardCount = id, count
		tap := newInteractionTap()
		s.Dialer = tap.dialer()
		sh := &shard{id: id, count: count, key: id % conc, s: s, tap: tap}
		sh.state.Store(ShardWaiting)
		b.shards = append(b.shards, sh)
	}
	shards := append([]*shard(nil), b.shards...)
	b.shardsMu.Unlock()
	b.log.Info("starting gateway shards", "first", first, "last", last, "count", count,
		"max_concurrency", conc, "identifies_left", limit.Remaining)

	appIDs := make(chan string, len(shards))
	for _, sh := range shards {
		b.setState(sh, ShardWaiting)
		b.watch(sh, appIDs)
	}

	// Rounds: shard ids round*conc … round*conc+conc-1 have distinct keys.
	var appID string
	for start := 0; start < len(shards); {
		round := (shards[start].id) / conc
		end := start
		for end < len(shards) && shards[end].id/conc == round {
			end++
		}
		if err := b.identifyRound(ctx, shards[start:end], appIDs, &appID); err != nil || ctx.Err() != nil {
			return "", err
		}
		start = end
		if start < len(shards) {
			// The window counts from when Discord received the round's
			// identifies, which only READY proves: timed from before the
			// round, a next identify that travels faster than the last
			// one could arrive inside the window and be refused.
			select {
			case <-ctx.Done():
				return "", nil
			case <-time.After(b.cfg.IdentifyEvery):
			}
		}
	}
	return appID, nil
}

// identifyRound opens shards (of distinct rate-limit keys) together and
// waits for each one's READY.
func (b *Bot) identifyRound(ctx context.Context, shards []*shard, appIDs <-chan string, appID *string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(shards))
	for k, sh := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.awaitGate(ctx, sh); err != nil {
				errs[k] = err
				return
			}
			b.setState(sh, ShardConnecting)
			errs[k] = b.open(ctx, sh)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// discordgo's Open returns after READY; its handler has run or is
	// about to: collect one application ID per shard.
	timeout := time.NewTimer(readyTimeout)
	defer timeout.Stop()
	for range shards {
		select {
		case id := <-appIDs:
			if *appID == "" {
				*appID = id
			}
		case <-ctx.Done():
			return nil
		case <-timeout.C:
			return errors.New("bot: no READY from the gateway")
		}
	}
	return nil
}

// awaitGate waits for this shard's identify turn in IdentifyGate (shared by
// processes using the same token), when there is one.
func (b *Bot) awaitGate(ctx context.Context, sh *shard) error {
	g := b.cfg.IdentifyGate
	if g == nil {
		return nil
	}
	// One lease per rate-limit key, lasting IdentifyEvery: processes
	// starting together identify each key's shards 5 s apart.
	name := "identify/" + strconv.Itoa(sh.key)
	holder := b.cfg.Holder + "/shard-" + strconv.Itoa(sh.id)
	for {
		ok, err := g.TryLease(ctx, name, holder, time.Now(), b.cfg.IdentifyEvery)
		if err != nil {
			b.log.Warn("identify gate unavailable; identifying on this process's own pace", "shard", sh.id, "err", err)
			return nil
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// watch adds the handlers that keep sh's state and deliver its
// interactions.
func (b *Bot) watch(sh *shard, appIDs chan<- string) {
	s := sh.s
	s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
		b.setState(sh, ShardReady)
		id := ""
		if r.Application != nil {
			id = r.Application.ID
		}
		if id == "" && r.User != nil {
			id = r.User.ID // a bot's user ID is its application ID
		}
		select {
		case appIDs <- id:
		default:
		}
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) {
		b.setState(sh, ShardReady)
		if sh.ever.Swap(true) {
			b.log.Info("gateway reconnected", "shard", sh.id)
			b.obs.Reconnect(sh.id)
		}
	})
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { b.setState(sh, ShardReady) })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
		if sh.get() == ShardClosed {
			return
		}
		b.setState(sh, ShardDisconnected)
		b.log.Warn("gateway disconnected", "shard", sh.id)
	})
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
		if ic.Interaction == nil {
			return
		}
		if i := sh.tap.take(ic.ID); i != nil {
			ic = &discordgo.InteractionCreate{Interaction: i}
		} else if ic.Type == 0 {
			// A stub whose interaction the tap no longer holds (cannot
			// happen while the tap keeps them for 15 minutes).
			b.log.Warn("interaction stub without its interaction", "shard", sh.id, "interaction", ic.ID)
			return
		}
		if !b.owned.owns(ic.GuildID) {
			// Not this process's server: another process answers it.
			b.log.Debug("interaction for a server of another shard ignored", "shard", sh.id, "guild", ic.GuildID, "interaction", ic.ID)
			return
		}
		i := ic.Interaction
		b.pool.Go(func() { b.dispatch(i, nil) })
	})
	b.trackChannels(s)
}

// open opens sh's gateway session, giving up (and closing it later) when
// ctx ends first.
func (b *Bot) open(ctx context.Context, sh *shard) error {
	opened := make(chan error, 1)
	go func() { opened <- sh.s.Open() }()
	select {
	case err := <-opened:
		if err != nil {
			return b.redact.Error(fmt.Errorf("bot: connect shard %d of %d to the Discord gateway: %w", sh.id, sh.count, err))
		}
		sh.opened.Store(true)
		b.log.Info("gateway connected", "shard", sh.id, "of", sh.count)
		return nil
	case <-ctx.Done():
		select {
		case err := <-opened:
			if err == nil {
				sh.opened.Store(true) // shutdown closes it
			}
		case <-time.After(5 * time.Second):
			go func() {
				if <-opened == nil {
					_ = sh.s.Close()
				}
			}()
		}
		return nil
	}
}

// closeShards closes every opened shard.
func (b *Bot) closeShards() {
	b.shardsMu.Lock()
	shards := append([]*shard(nil), b.shards...)
	b.shardsMu.Unlock()
	for _, sh := range shards {
		prev := sh.get()
		b.setState(sh, ShardClosed)
		if !sh.opened.Load() && prev != ShardReady {
			continue
		}
		if err := sh.s.Close(); err != nil {
			b.log.Warn("closing the gateway", "shard", sh.id, "err", b.redact.String(err.Error()))
		}
	}
	if len(shards) > 0 {
		b.log.Info("gateway closed", "shards", len(shards))
	}
}
