package bot

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// Defaults for Config's zero values.
const (
	DefaultDeferAfter    = 2 * time.Second
	DefaultShutdownGrace = 20 * time.Second
	// DefaultIdentifyEvery is Discord's pace for identifies: one per
	// rate-limit key (shard_id % max_concurrency) per 5 seconds.
	DefaultIdentifyEvery = 5 * time.Second

	autocompleteAfter   = 2500 * time.Millisecond // Discord allows 3 s
	maxDeferAfter       = 2500 * time.Millisecond
	restTimeout         = 10 * time.Second // bound on one REST call
	lastResort          = 2 * time.Second  // a cancelled handler's time to return
	readyTimeout        = 30 * time.Second // from opening a shard to its READY
	registerTimeout     = 30 * time.Second // the bulk command overwrite
	interactionLifetime = 15 * time.Minute // how long an interaction token works
	defaultHTTPTimeout  = 20 * time.Second
	maxIdleConnsPerHost = 100 // idle REST connections kept to Discord
)

// Config configures a Bot. Token is required; everything else has a default.
type Config struct {
	// Token is the bot token, with or without the "Bot " prefix. It never
	// appears in a log line or an error returned by this package.
	Token string
	// GuildID, when set, registers the commands to that server only;
	// empty registers them globally.
	GuildID string
	// BaseURL replaces https://discord.com for every REST call (the
	// request's path is kept, after BaseURL's own path). Default
	// DefaultBaseURL. The gateway is whatever GET /api/v9/gateway on it
	// answers. Its host is also allowed by FetchAttachment.
	BaseURL string
	// Commands are registered with one bulk overwrite once the bot is
	// connected. When nil, the Handler's Definitions() are used if it is a
	// Definer; otherwise the registered commands are left alone. An empty
	// non-nil slice removes them all.
	Commands []*discordgo.ApplicationCommand
	// DeferAfter is how long a handler may take before the interaction is
	// acknowledged with a deferral (default 2 s, at most 2.5 s: Discord
	// allows 3 s for the first answer).
	DeferAfter time.Duration
	// Logger receives the bot's logs, and discordgo's own warnings and
	// errors. Default slog.Default().
	Logger *slog.Logger
	// ShutdownGrace bounds how long Run waits, after its context ends, for
	// in-flight interactions to be answered before cancelling their
	// contexts (default 20 s).
	ShutdownGrace time.Duration
	// Observer, when set, is told about interactions, REST failures,
	// shard states and reconnects (for metrics).
	Observer Observer

	// Shards says which gateway shards this process runs; the zero value
	// runs as many as Discord recommends (see shards.go).
	Shards ShardPlan
	// IdentifyEvery is the least time between two identifies of one
	// rate-limit key (default DefaultIdentifyEvery; tests shorten it
	// together with their server's window).
	IdentifyEvery time.Duration
	// IdentifyGate, when set, is asked before each identify so that
	// processes sharing a token take turns (shelf.Leases fits). Nil: this
	// process paces only itself.
	IdentifyGate Gate
	// Holder names this process to IdentifyGate.
	Holder string

	// InteractionsAddr, when set, is the address of the HTTP endpoint
	// that receives interactions (POST /interactions; see http.go).
	InteractionsAddr string
	// PublicKey is the application's public key, which every HTTP
	// interaction's signature is checked against. Required with
	// InteractionsAddr.
	PublicKey ed25519.PublicKey

	// HandlerSlots is how many handlers may run at once; beyond that
	// interactions wait for a slot, served round-robin between servers
	// (fairshare.go). 0: DefaultHandlerSlotsPerCPU per CPU, at least 8;
	// negative: no limit and no queue.
	HandlerSlots int
}

// Gate is a lease: TryLease makes holder the holder of name until now+ttl
// when nobody (else) holds it, and reports whether holder does.
// shelf.Leases implements it.
type Gate interface {
	TryLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
}

// Definer is optionally implemented by a Handler that knows its command
// definitions (commands.Router does). Run registers them when
// Config.Commands is nil, which lets a Handler be built after the Bot it
// uses for side effects.
type Definer interface {
	Definitions() []*discordgo.ApplicationCommand
}

// Bot is Ficshelf's connection to Discord: one way out and several ways in.
//
//   - Out: the answerer (answer.go, responder.go, fit.go) sends a handler's
//     answer to its interaction (callback, deferral, edit, follow-ups,
//     within Discord's limits), and the REST calls of discord.go do the
//     side effects commands ask for.
//   - In: gateway shards (shards.go) and the signed HTTP endpoint
//     (http.go) deliver interactions; both hand them to the same Handler.
//   - Command registration (register.go) runs once the bot knows its
//     application ID.
//
// Create one with New; start it with Run.
type Bot struct {
	s       *discordgo.Session // REST only; never opened
	cfg     Config
	log     *slog.Logger
	obs     Observer
	redact  redactor
	base    *url.URL
	guildID string
	cmds    []*discordgo.ApplicationCommand
	grace   time.Duration
	fetch   *http.Client // attachment downloads
	edits   editBuckets  // EditInteractionResponse's per-token buckets
	ans     *answerer
	pool    *workers        // goroutines for interactions and their handlers
	chans   channelCache    // from HTTP payloads and REST look-ups
	gwChans gatewayChannels // from the gateway shards' events

	appID    atomic.Pointer[string]
	started  atomic.Bool
	ready    chan struct{}
	inflight tracker

	shardsMu sync.Mutex
	shards   []*shard
	owned    shardSet // which guilds' events this process answers

	httpSrv atomic.Pointer[httpIngress]

	mu       sync.Mutex
	handler  Handler         // set by Run
	hctx     context.Context // parent of every handler's context
	draining bool
}

// New checks cfg and prepares a Bot; it does not connect. It routes
// discordgo's package-wide logger to cfg.Logger (warnings and errors only):
// discordgo has one logger for the whole process, so with several Bots the
// last one created receives discordgo's lines.
func New(cfg Config) (*Bot, error) {
	red := newRedactor(cfg.Token)
	if len(red.secrets) == 0 {
		return nil, errors.New("bot: Config.Token is empty")
	}
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	obs := cfg.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	if cfg.DeferAfter <= 0 {
		cfg.DeferAfter = DefaultDeferAfter
	}
	if cfg.DeferAfter > maxDeferAfter {
		return nil, fmt.Errorf("bot: DeferAfter %v leaves no time to defer within Discord's 3 s (at most %v)", cfg.DeferAfter, maxDeferAfter)
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = DefaultShutdownGrace
	}
	if cfg.IdentifyEvery <= 0 {
		cfg.IdentifyEvery = DefaultIdentifyEvery
	}
	if err := cfg.Shards.check(); err != nil {
		return nil, err
	}
	if cfg.InteractionsAddr != "" && len(cfg.PublicKey) != ed25519.PublicKeySize {
		return nil, errors.New("bot: InteractionsAddr needs a PublicKey of 32 bytes")
	}
	if cfg.Shards.Off && cfg.InteractionsAddr == "" {
		return nil, errors.New("bot: with shards off, InteractionsAddr must be set")
	}

	// Keep enough idle connections for a burst of concurrent answers:
	// http.DefaultTransport keeps 2 per host, so under load most REST
	// calls would dial (and in production TLS-handshake) anew.
	dt := http.DefaultTransport.(*http.Transport).Clone()
	dt.MaxIdleConnsPerHost = maxIdleConnsPerHost
	var next http.RoundTripper = dt
	client := &http.Client{Timeout: defaultHTTPTimeout, Transport: &rewriteTransport{base: base, next: next, obs: obs}}

	s, err := newSession(red.secrets[0], client) // "Bot <token>"
	if err != nil {
		return nil, red.Error(fmt.Errorf("bot: discordgo session: %w", err))
	}
	routeDiscordgoLogs(log, red)

	b := &Bot{
		s:       s,
		cfg:     cfg,
		log:     log,
		obs:     obs,
		redact:  red,
		base:    base,
		guildID: cfg.GuildID,
		cmds:    cfg.Commands,
		grace:   cfg.ShutdownGrace,
		ready:   make(chan struct{}),
		fetch:   newFetchClient(next, base),
		pool:    newWorkers(),
	}
	b.chans.init()
	b.gwChans.init()
	b.ans = &answerer{
		r:                 sessionResponder{s: s, buckets: &bucketPool{}, base: base},
		log:               log,
		obs:               obs,
		redact:            red,
		deferAfter:        cfg.DeferAfter,
		autocompleteAfter: autocompleteAfter,
		restTimeout:       restTimeout,
		lastResort:        lastResort,
		pool:              b.pool,
	}
	if cfg.HandlerSlots >= 0 {
		b.ans.gate = newFairGate(cfg.HandlerSlots)
	}
	return b, nil
}

// newSession makes a discordgo session sending REST calls through client.
func newSession(token string, client *http.Client) (*discordgo.Session, error) {
	s, err := discordgo.New(token)
	if err != nil {
		return nil, err
	}
	s.Client = client
	// GUILDS is the one intent Ficshelf needs: it brings the servers'
	// channels and threads (GUILD_CREATE, CHANNEL_*, THREAD_*), whose age
	// restriction and parents commands read, and interactions come
	// whatever the intents. Nothing reads members, messages, presences,
	// reactions or voice; GUILD_MEMBERS would be privileged besides.
	s.Identify.Intents = discordgo.IntentsGuilds
	// discordgo's state cache keeps every GUILD_CREATE whole (members,
	// roles, emojis, presences…) whatever its Track flags say; the shards
	// keep the channels Ficshelf reads themselves (gatewayChannels).
	s.StateEnabled = false
	s.LogLevel = discordgo.LogWarning
	// Handlers run in the session's reading goroutine, in event order (the
	// channel cache relies on it); the interaction handler starts its own
	// goroutine.
	s.SyncEvents = true
	s.ShouldReconnectOnError = true
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	return s, nil
}

// Session is the discordgo session the bot makes REST calls with, for
// what this package does not wrap. Its Client sends REST calls to the
// configured base URL. It is never connected to the gateway: each shard
// has a session of its own.
func (b *Bot) Session() *discordgo.Session { return b.s }

// Ready is closed once Run has connected its shards (and opened its HTTP
// endpoint) and registered the commands.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// ApplicationID is the application's ID once Run has learned it ("" before).
func (b *Bot) ApplicationID() string {
	if p := b.appID.Load(); p != nil {
		return *p
	}
	return ""
}

// Run starts every way in — the HTTP endpoint when InteractionsAddr is
// set, then the gateway shards unless Shards.Off — registers the commands
// with one bulk overwrite (to Config.GuildID, or globally) once the
// application ID is known, and hands every interaction to h until ctx is
// done. Then it shuts down: interactions arriving from then on are
// answered with ShutdownMessage, in-flight ones are given
// Config.ShutdownGrace to be answered (after which their contexts are
// cancelled), and the shards and the endpoint are closed. Run returns nil
// after a shutdown asked for by ctx, or an error (token redacted) if
// starting fails. Run may be called once per Bot.
func (b *Bot) Run(ctx context.Context, h Handler) error {
	if h == nil {
		return errors.New("bot: Run: nil Handler")
	}
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("bot: Run called twice")
	}
	if d, ok := h.(Definer); ok && b.cmds == nil {
		b.cmds = d.Definitions()
		if b.cmds == nil {
			b.cmds = []*discordgo.ApplicationCommand{}
		}
	}
	hctx, hcancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer hcancel(nil)
	b.mu.Lock()
	b.handler, b.hctx = h, hctx
	b.mu.Unlock()
	defer b.shutdown(hcancel)

	if b.cfg.InteractionsAddr != "" {
		if err := b.listenHTTP(b.cfg.InteractionsAddr); err != nil {
			return err
		}
	}
	var appID string
	var err error
	if b.cfg.Shards.Off {
		appID, err = b.applicationID(ctx)
	} else {
		appID, err = b.openShards(ctx)
	}
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return err
	}
	if appID == "" {
		return errors.New("bot: Discord gave no application ID")
	}
	b.appID.Store(&appID)
	if err := b.register(ctx, appID); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	close(b.ready)
	b.log.Info("bot ready", "application", appID, "shards", b.cfg.Shards.String(), "http", b.cfg.InteractionsAddr)

	<-ctx.Done()
	return nil
}

// shutdown stops taking interactions, waits for in-flight ones, and closes
// the shards and the HTTP endpoint.
func (b *Bot) shutdown(hcancel context.CancelCauseFunc) {
	b.mu.Lock()
	b.draining = true
	b.mu.Unlock()

	gctx, cancel := context.WithTimeout(context.Background(), b.grace)
	if err := b.inflight.wait(gctx); err != nil {
		b.log.Warn("in-flight interactions outlasted the shutdown grace; cancelling them", "grace", b.grace)
		hcancel(errShuttingDown)
		// They now answer FailureMessage: give them the time that takes.
		c2, cancel2 := context.WithTimeout(context.Background(), lastResort+2*restTimeout)
		if b.inflight.wait(c2) != nil {
			b.log.Error("interactions still unanswered at shutdown")
		}
		cancel2()
	}
	cancel()
	b.closeShards()
	if h := b.httpSrv.Load(); h != nil {
		h.close()
		b.log.Info("interactions endpoint closed")
	}
}

var errShuttingDown = errors.New("bot: shutting down")

// dispatch answers one interaction through r: through the handler
// normally, with ShutdownMessage once shutdown has begun. Pings are
// ignored (the HTTP endpoint answers them itself).
func (b *Bot) dispatch(i *discordgo.Interaction, r responder) {
	if i.Type == discordgo.InteractionPing {
		return
	}
	b.mu.Lock()
	h, hctx, draining := b.handler, b.hctx, b.draining
	b.inflight.add()
	b.mu.Unlock()
	defer b.inflight.done()

	ans := *b.ans
	if r != nil {
		ans.r = r
	}
	if draining || h == nil {
		start := time.Now()
		kind, name := Describe(i)
		log := b.log.With("interaction", i.ID, "kind", kind, "name", name)
		outcome := OutcomeShutdown
		if ans.send(log, "callback", func(ctx context.Context) error {
			return ans.r.Respond(ctx, i, textResponse(i, ShutdownMessage))
		}) != nil {
			outcome = OutcomeFailed
		}
		b.obs.InteractionDone(kind, name, outcome, time.Since(start), false)
		return
	}
	ctx, cancel := context.WithDeadline(hctx, time.Now().Add(interactionLifetime))
	defer cancel()
	ans.answer(ctx, h, i)
}

// tracker counts in-flight interactions; wait returns when none are left.
type tracker struct {
	mu   sync.Mutex
	n    int
	idle chan struct{} // closed when n drops to 0; nil when nobody waits
}

func (t *tracker) add() {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
}

func (t *tracker) done() {
	t.mu.Lock()
	t.n--
	if t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
	t.mu.Unlock()
}

func (t *tracker) wait(ctx context.Context) error {
	t.mu.Lock()
	if t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dgSink is where discordgo's package-wide Logger sends its lines: the
// logger of the Bot created last. discordgo offers only a package variable,
// so this is the one piece of package state, set by New.
var (
	dgSink     atomic.Pointer[dgLog]
	dgSinkOnce sync.Once
)

type dgLog struct {
	log    *slog.Logger
	redact redactor
}

func routeDiscordgoLogs(log *slog.Logger, red redactor) {
	dgSink.Store(&dgLog{log: log, redact: red})
	dgSinkOnce.Do(func() {
		discordgo.Logger = func(msgL, _ int, format string, a ...any) {
			sink := dgSink.Load()
			if sink == nil {
				return
			}
			level := slog.LevelDebug
			switch msgL {
			case discordgo.LogError:
				level = slog.LevelError
			case discordgo.LogWarning:
				level = slog.LevelWarn
			}
			if !sink.log.Enabled(context.Background(), level) {
				return
			}
			sink.log.Log(context.Background(), level, sink.redact.String(fmt.Sprintf(format, a...)), "source", "discordgo")
		}
	})
}
