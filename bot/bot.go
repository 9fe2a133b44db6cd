package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
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

	autocompleteAfter   = 2500 * time.Millisecond // Discord allows 3 s
	maxDeferAfter       = 2500 * time.Millisecond
	restTimeout         = 10 * time.Second // bound on one REST call
	lastResort          = 2 * time.Second  // a cancelled handler's time to return
	readyTimeout        = 30 * time.Second // from the gateway's READY to the application ID
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
	// Commands are registered with one bulk overwrite once the gateway is
	// ready. When nil, the Handler's Definitions() are used if it is a
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
	// Observer, when set, is told about interactions, REST failures and
	// reconnects (for metrics).
	Observer Observer
}

// Definer is optionally implemented by a Handler that knows its command
// definitions (commands.Router does). Run registers them when
// Config.Commands is nil, which lets a Handler be built after the Bot it
// uses for side effects.
type Definer interface {
	Definitions() []*discordgo.ApplicationCommand
}

// Bot is a connection to Discord: the gateway session that receives
// interactions, and the REST API that answers them and does the side
// effects commands ask for. Create one with New; start it with Run.
type Bot struct {
	s       *discordgo.Session
	log     *slog.Logger
	obs     Observer
	redact  redactor
	base    *url.URL
	guildID string
	cmds    []*discordgo.ApplicationCommand
	grace   time.Duration
	fetch   *http.Client // attachment downloads
	ans     *answerer

	connected atomic.Bool
	started   atomic.Bool
	ready     chan struct{}
	inflight  tracker

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

	// Keep enough idle connections for a burst of concurrent answers:
	// http.DefaultTransport keeps 2 per host, so under load most REST
	// calls would dial (and in production TLS-handshake) anew.
	dt := http.DefaultTransport.(*http.Transport).Clone()
	dt.MaxIdleConnsPerHost = maxIdleConnsPerHost
	var next http.RoundTripper = dt
	client := &http.Client{Timeout: defaultHTTPTimeout, Transport: &rewriteTransport{base: base, next: next, obs: obs}}

	s, err := discordgo.New(red.secrets[0]) // "Bot <token>"
	if err != nil {
		return nil, red.Error(fmt.Errorf("bot: discordgo session: %w", err))
	}
	s.Client = client
	s.Identify.Intents = discordgo.IntentsGuilds
	s.LogLevel = discordgo.LogWarning
	s.SyncEvents = false // each event, so each interaction, in its own goroutine
	s.ShouldReconnectOnError = true
	s.Dialer = &websocket.Dialer{Proxy: http.ProxyFromEnvironment, HandshakeTimeout: 15 * time.Second}
	routeDiscordgoLogs(log, red)

	b := &Bot{
		s:       s,
		log:     log,
		obs:     obs,
		redact:  red,
		base:    base,
		guildID: cfg.GuildID,
		cmds:    cfg.Commands,
		grace:   cfg.ShutdownGrace,
		ready:   make(chan struct{}),
		fetch:   newFetchClient(next, base),
	}
	b.ans = &answerer{
		r:                 sessionResponder{s: s, buckets: &bucketPool{}},
		log:               log,
		obs:               obs,
		redact:            red,
		deferAfter:        cfg.DeferAfter,
		autocompleteAfter: autocompleteAfter,
		restTimeout:       restTimeout,
		lastResort:        lastResort,
	}
	return b, nil
}

// Session is the underlying discordgo session, for what this package does
// not wrap. Its Client sends REST calls to the configured base URL.
func (b *Bot) Session() *discordgo.Session { return b.s }

// Connected reports whether the gateway connection is up (for /healthz).
func (b *Bot) Connected() bool { return b.connected.Load() }

// Ready is closed once Run has connected and registered the commands.
func (b *Bot) Ready() <-chan struct{} { return b.ready }

// Run connects to the gateway, registers the commands with one bulk
// overwrite (to Config.GuildID, or globally) once READY gives the
// application ID, and hands every interaction to h until ctx is done. Then
// it shuts down: interactions arriving from then on are answered with
// ShutdownMessage, in-flight ones are given Config.ShutdownGrace to be
// answered (after which their contexts are cancelled), and the gateway is
// closed. Run returns nil after a shutdown asked for by ctx, or an error
// (token redacted) if connecting or registering fails. Run may be called
// once per Bot.
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

	appIDs := make(chan string, 1)
	var everConnected atomic.Bool
	for _, remove := range []func(){
		b.s.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) {
			b.connected.Store(true)
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
		}),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Connect) {
			b.connected.Store(true)
			if everConnected.Swap(true) {
				b.log.Info("gateway reconnected")
				b.obs.Reconnect()
			}
		}),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { b.connected.Store(true) }),
		b.s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Disconnect) {
			b.connected.Store(false)
			b.log.Warn("gateway disconnected")
		}),
		b.s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) {
			if ic.Interaction != nil {
				b.dispatch(ic.Interaction)
			}
		}),
	} {
		defer remove()
	}

	if err := b.open(ctx); err != nil {
		return err
	}
	if ctx.Err() != nil {
		b.shutdown(hcancel)
		return nil
	}

	var appID string
	select {
	case appID = <-appIDs:
	case <-ctx.Done():
		b.shutdown(hcancel)
		return nil
	case <-time.After(readyTimeout):
		b.shutdown(hcancel)
		return errors.New("bot: no READY from the gateway")
	}
	if appID == "" {
		b.shutdown(hcancel)
		return errors.New("bot: READY carried no application ID")
	}
	if err := b.register(ctx, appID); err != nil {
		b.shutdown(hcancel)
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	close(b.ready)
	b.log.Info("bot ready", "application", appID)

	<-ctx.Done()
	b.shutdown(hcancel)
	return nil
}

// open opens the gateway, giving up (and closing it later) when ctx ends
// first.
func (b *Bot) open(ctx context.Context) error {
	opened := make(chan error, 1)
	go func() { opened <- b.s.Open() }()
	select {
	case err := <-opened:
		if err != nil {
			return b.redact.Error(fmt.Errorf("bot: connect to the Discord gateway: %w", err))
		}
		b.connected.Store(true)
		b.log.Info("gateway connected")
		return nil
	case <-ctx.Done():
		select {
		case err := <-opened:
			if err == nil {
				b.connected.Store(true)
				return nil // Run's shutdown closes it
			}
		case <-time.After(5 * time.Second):
			go func() {
				if <-opened == nil {
					_ = b.s.Close()
				}
			}()
		}
		return nil
	}
}

// register overwrites the application's commands with Config.Commands.
func (b *Bot) register(ctx context.Context, appID string) error {
	if b.cmds == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	got, err := b.s.ApplicationCommandBulkOverwrite(appID, b.guildID, b.cmds, discordgo.WithContext(rctx))
	if err != nil {
		scope := "global"
		if b.guildID != "" {
			scope = "guild " + b.guildID
		}
		return b.redact.Error(fmt.Errorf("bot: register %d commands (%s): %w", len(b.cmds), scope, err))
	}
	b.log.Info("commands registered", "count", len(got), "guild", b.guildID)
	return nil
}

// shutdown stops taking interactions, waits for in-flight ones, and closes
// the gateway.
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
	if err := b.s.Close(); err != nil {
		b.log.Warn("closing the gateway", "err", b.redact.String(err.Error()))
	}
	b.connected.Store(false)
	b.log.Info("gateway closed")
}

var errShuttingDown = errors.New("bot: shutting down")

// dispatch answers one interaction: through the handler normally, with
// ShutdownMessage once shutdown has begun. Pings are ignored (they come
// only to HTTP endpoints).
func (b *Bot) dispatch(i *discordgo.Interaction) {
	if i.Type == discordgo.InteractionPing {
		return
	}
	b.mu.Lock()
	h, hctx, draining := b.handler, b.hctx, b.draining
	b.inflight.add()
	b.mu.Unlock()
	defer b.inflight.done()

	if draining || h == nil {
		start := time.Now()
		kind, name := Describe(i)
		log := b.log.With("interaction", i.ID, "kind", kind, "name", name)
		outcome := OutcomeShutdown
		if b.ans.send(log, "callback", func(ctx context.Context) error {
			return b.ans.r.Respond(ctx, i, textResponse(i, ShutdownMessage))
		}) != nil {
			outcome = OutcomeFailed
		}
		b.obs.InteractionDone(kind, name, outcome, time.Since(start), false)
		return
	}
	ctx, cancel := context.WithDeadline(hctx, time.Now().Add(interactionLifetime))
	defer cancel()
	b.ans.answer(ctx, h, i)
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

// sessionResponder answers interactions through a discordgo session.
type sessionResponder struct {
	s       *discordgo.Session
	buckets *bucketPool // rate-limit bucket IDs for answers (see request)
}

// Respond sends the callback as discordgo's InteractionRespond does, but
// under a pooled rate-limit bucket ID (see request).
func (r sessionResponder) Respond(ctx context.Context, i *discordgo.Interaction, resp *discordgo.InteractionResponse) error {
	var files []*discordgo.File
	if resp.Data != nil {
		files = resp.Data.Files
	}
	return r.request(ctx, "POST", discordgo.EndpointInteractionResponse(i.ID, i.Token), callbackBody(resp), files)
}

// EditOriginal edits the original answer (PATCH
// /webhooks/{app}/{token}/messages/@original), as discordgo's
// InteractionResponseEdit does but under a pooled bucket ID (see request).
func (r sessionResponder) EditOriginal(ctx context.Context, i *discordgo.Interaction, e *discordgo.WebhookEdit) error {
	return r.request(ctx, "PATCH", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), e, e.Files)
}

// FollowUp sends a follow-up message (POST /webhooks/{app}/{token}?wait=true),
// as discordgo's FollowupMessageCreate does but under a pooled bucket ID.
func (r sessionResponder) FollowUp(ctx context.Context, i *discordgo.Interaction, p *discordgo.WebhookParams) error {
	return r.request(ctx, "POST", discordgo.EndpointWebhookToken(i.AppID, i.Token)+"?wait=true", p, p.Files)
}

// DeleteOriginal deletes the original answer, under a pooled bucket ID.
func (r sessionResponder) DeleteOriginal(ctx context.Context, i *discordgo.Interaction) error {
	return r.request(ctx, "DELETE", discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original"), nil, nil)
}

// request sends one answer to an interaction (see package-level request).
//
// Every request goes under a rate-limit bucket ID from r.buckets, not the
// bucket discordgo would pick. For callbacks, follow-ups and deletes
// discordgo keys the bucket by the URL, interaction token included, and its
// rate limiter keeps every bucket it ever created: a few hundred bytes more
// for every interaction, for as long as the bot runs. For JSON edits of the
// original answer it uses one bucket shared by every webhook, and a bucket
// holds its lock for the whole request: every deferred answer's edit waited
// for the one before it to come back from Discord. A bucket serializes its
// requests, so each answer in flight holds its own ID; there are at most as
// many IDs as answers ever in flight at once.
func (r sessionResponder) request(ctx context.Context, method, endpoint string, body any, files []*discordgo.File) error {
	id := r.buckets.get()
	defer r.buckets.release(r.s.Ratelimiter, id)
	_, err := request(ctx, r.s, method, endpoint, id, body, files)
	return err
}

// bucketPool hands out rate-limit bucket IDs, each to one request at a
// time, and takes them back once their bucket would not delay the next
// request.
type bucketPool struct {
	mu   sync.Mutex
	free []string
	n    int
}

func (p *bucketPool) get() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free); k > 0 {
		id := p.free[k-1]
		p.free = p.free[:k-1]
		return id
	}
	p.n++
	return "interactions/callback#" + strconv.Itoa(p.n)
}

// release returns id when its bucket is unlocked and owes no wait (a
// bucket Discord said was exhausted comes back when it resets); an ID
// whose bucket is still locked is dropped.
func (p *bucketPool) release(rl *discordgo.RateLimiter, id string) {
	b := rl.GetBucket(id)
	if !b.TryLock() {
		return
	}
	wait := rl.GetWaitTime(b, 1)
	b.Unlock()
	put := func() {
		p.mu.Lock()
		p.free = append(p.free, id)
		p.mu.Unlock()
	}
	if wait > 0 {
		time.AfterFunc(wait, put)
		return
	}
	put()
}

// autocompleteBody is an autocomplete callback as Discord wants it:
// discordgo's omits an empty choices list, which Discord refuses.
type autocompleteBody struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data struct {
		Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
	} `json:"data"`
}

// callbackBody is what is marshalled for an interaction callback.
func callbackBody(r *discordgo.InteractionResponse) any {
	if r.Type != discordgo.InteractionApplicationCommandAutocompleteResult {
		return r
	}
	var b autocompleteBody
	b.Type = r.Type
	b.Data.Choices = []*discordgo.ApplicationCommandOptionChoice{}
	if r.Data != nil && r.Data.Choices != nil {
		b.Data.Choices = r.Data.Choices
	}
	return b
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
