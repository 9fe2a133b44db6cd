// Package e2e holds Ficshelf's end-to-end tests: the real program
// (app.Run, exactly what main runs) against discordtest, a Discord-compatible
// server on loopback that checks every payload the bot sends.
package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/app"
	"ficshelf/bot"
	"ficshelf/commands"
	"ficshelf/config"
	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/jobs"
	"ficshelf/jobs/jobstest"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
)

// Env is one running bot against one discordtest server, with a seeded
// world: two servers (Guild, the main one, and Other, for isolation tests),
// channels of every kind, and members with and without permissions.
type Env struct {
	t   *testing.T
	Srv *discordtest.Server
	Cfg config.Config

	Guild      *discordgo.Guild
	General    *discordgo.Channel // text channel
	Lounge     *discordgo.Channel // second text channel
	NSFW       *discordgo.Channel // age-restricted text channel
	NSFWThread *discordgo.Channel // thread under NSFW: inherits age restriction
	Thread     *discordgo.Channel // thread under General
	Forum      *discordgo.Channel // forum channel

	Alice *discordgo.Member // ordinary member
	Bob   *discordgo.Member // ordinary member
	Mod   *discordgo.Member // Manage Messages + Manage Threads
	Admin *discordgo.Member // Manage Server (and the rest)

	Other        *discordgo.Guild
	OtherGeneral *discordgo.Channel
	OtherMember  *discordgo.Member

	opts    options
	logs    *logBuffer
	mu      sync.Mutex
	cancel  context.CancelFunc
	done    chan error
	running bool
}

type options struct {
	wrap    func(*commands.Router) bot.Handler
	ao3     string
	now     func() time.Time
	seed    func(t *testing.T, st shelf.Store, e *Env)
	srvOpts []discordtest.Option
	cfg     func(e *Env, c *config.Config)
	db      string
	// identifyEvery is app.Options.IdentifyEvery (0: Discord's 5 s).
	identifyEvery time.Duration
}

// WithDB runs the bot on db (FICSHELF_DB: a BoltDB file path or a
// PostgreSQL URL) instead of a fresh BoltDB file in a temporary directory.
// "" keeps the default.
func WithDB(db string) Option { return func(o *options) { o.db = db } }

// forEachEngine runs fn as two subtests, "bolt" (a fresh BoltDB file) and
// "postgres" (a fresh PostgreSQL database from pgtest, skipped with pgtest's
// message when FICSHELF_TEST_POSTGRES is unset). fn passes db to Start.
func forEachEngine(t *testing.T, fn func(t *testing.T, db Option)) {
	t.Helper()
	t.Run("bolt", func(t *testing.T) { fn(t, WithDB("")) })
	t.Run("postgres", func(t *testing.T) { fn(t, withPostgres(pgtest.URL(t))) })
}

// withPostgres runs the bot on the PostgreSQL database url. The identify
// gate in PostgreSQL paces identifies across restarts (5 s apart, as
// Discord does); the harness runs one unsharded bot, which discordtest does
// not pace, so a restart need not wait: identifies may come 50 ms apart.
func withPostgres(url string) Option {
	return func(o *options) {
		o.db = url
		o.identifyEvery = 50 * time.Millisecond
	}
}

// WithConfig changes the bot's configuration before it starts (shards,
// HTTP interactions, metrics); e.Srv is up and seeded when fn runs.
func WithConfig(fn func(e *Env, c *config.Config)) Option {
	return func(o *options) { o.cfg = fn }
}

// Option changes how Start sets up the environment.
type Option func(*options)

// WithAO3 points AO3_BASE_URL at a fake AO3 server.
func WithAO3(baseURL string) Option { return func(o *options) { o.ao3 = baseURL } }

// WithNow gives the bot a clock (commands and club checkpoints).
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithSeed runs fn on the database before the bot starts, to add stories
// and other state without going through commands (see SeedStory).
func WithSeed(fn func(t *testing.T, st shelf.Store, e *Env)) Option {
	return func(o *options) { o.seed = fn }
}

// WithWrap wraps the command router (see app.Options.Wrap).
func WithWrap(wrap func(*commands.Router) bot.Handler) Option {
	return func(o *options) { o.wrap = wrap }
}

// WithServerOptions passes options to discordtest.New.
func WithServerOptions(so ...discordtest.Option) Option {
	return func(o *options) { o.srvOpts = append(o.srvOpts, so...) }
}

// Start seeds a discordtest server, starts the bot against it on a fresh
// database and waits until it is connected with its commands registered.
// Everything stops at the end of the test.
func Start(t *testing.T, opts ...Option) *Env {
	t.Helper()
	e := &Env{t: t, logs: &logBuffer{}}
	for _, o := range opts {
		o(&e.opts)
	}
	e.Srv = discordtest.New(t, e.opts.srvOpts...)
	e.Guild = e.Srv.AddGuild("Fic Club")
	e.General = e.Srv.AddChannel(e.Guild.ID, "general", discordgo.ChannelTypeGuildText, false)
	e.Lounge = e.Srv.AddChannel(e.Guild.ID, "lounge", discordgo.ChannelTypeGuildText, false)
	e.NSFW = e.Srv.AddChannel(e.Guild.ID, "after-dark", discordgo.ChannelTypeGuildText, true)
	e.NSFWThread = e.Srv.AddThread(e.NSFW.ID, "late-night-talk")
	e.Thread = e.Srv.AddThread(e.General.ID, "chatter")
	e.Forum = e.Srv.AddChannel(e.Guild.ID, "recs-forum", discordgo.ChannelTypeGuildForum, false)
	e.Alice = e.Srv.AddMember(e.Guild.ID, "alice", 0)
	e.Bob = e.Srv.AddMember(e.Guild.ID, "bob", 0)
	e.Mod = e.Srv.AddMember(e.Guild.ID, "mod", discordgo.PermissionManageMessages|discordgo.PermissionManageThreads)
	e.Admin = e.Srv.AddMember(e.Guild.ID, "admin", discordgo.PermissionManageGuild|discordgo.PermissionManageMessages|discordgo.PermissionManageThreads)
	e.Other = e.Srv.AddGuild("Elsewhere")
	e.OtherGeneral = e.Srv.AddChannel(e.Other.ID, "general", discordgo.ChannelTypeGuildText, false)
	e.OtherMember = e.Srv.AddMember(e.Other.ID, "stranger", 0)

	ao3 := e.opts.ao3
	if ao3 == "" {
		ao3 = "http://127.0.0.1:1" // nothing listens: link look-ups fail fast
	}
	e.Cfg = config.Config{
		Token:      e.Srv.Token,
		BaseURL:    e.Srv.URL,
		DBPath:     filepath.Join(t.TempDir(), "ficshelf.db"),
		AO3BaseURL: ao3,
		LogLevel:   slog.LevelDebug,
	}
	if e.opts.db != "" {
		e.Cfg.DBPath = e.opts.db
	}
	if e.opts.cfg != nil {
		e.opts.cfg(e, &e.Cfg)
	}
	if e.opts.seed != nil {
		st, err := store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
		if err != nil {
			t.Fatalf("open store to seed: %v", err)
		}
		e.opts.seed(t, st, e)
		if err := st.Close(); err != nil {
			t.Fatalf("close seeded store: %v", err)
		}
	}
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			t.Logf("bot log (last 16 KiB):\n%s", e.logs.tail(16<<10))
		}
	})
	e.Begin()
	return e
}

// Begin starts the bot (again) on the same database and waits for it to
// be ready.
func (e *Env) Begin() {
	e.t.Helper()
	e.mu.Lock()
	if e.running {
		e.mu.Unlock()
		e.t.Fatal("e2e: bot already running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan error, 1)
	e.cancel, e.done, e.running = cancel, done, true
	e.mu.Unlock()

	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var clock jobs.Clock // nil: the system clock
	if e.opts.now != nil {
		clock = jobstest.FuncClock{NowFunc: e.opts.now}
	}
	go func() {
		done <- app.Run(ctx, e.Cfg, app.Options{
			Logger:        log,
			Now:           e.opts.now,
			Clock:         clock,
			Wrap:          e.opts.wrap,
			IdentifyEvery: e.opts.identifyEvery,
			Started:       func() { close(started) },
		})
	}()
	select {
	case <-started:
	case err := <-done:
		e.mu.Lock()
		e.running = false
		e.mu.Unlock()
		e.t.Fatalf("bot stopped before it was ready: %v", err)
	case <-time.After(20 * time.Second):
		e.t.Fatal("bot not ready after 20 s")
	}
	if e.Cfg.Shards.Off {
		return // HTTP interactions only: no gateway session to wait for
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	if err := e.Srv.WaitReady(ctx2); err != nil {
		e.t.Fatal(err)
	}
}

// Stop shuts the bot down as SIGTERM would and waits for it; it returns
// app.Run's error. Stopping a stopped bot does nothing.
func (e *Env) Stop() error {
	e.mu.Lock()
	if !e.running {
		e.mu.Unlock()
		return nil
	}
	e.running = false
	cancel, done := e.cancel, e.done
	e.mu.Unlock()
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(40 * time.Second):
		e.t.Error("bot did not stop within 40 s")
		return nil
	}
}

// Restart stops the bot and starts it again on the same database.
func (e *Env) Restart() {
	e.t.Helper()
	if err := e.Stop(); err != nil {
		e.t.Fatalf("stop: %v", err)
	}
	e.Begin()
}

// Slash sends a slash command by who in ch and waits for the bot's answer
// (including the edit after a deferral).
func (e *Env) Slash(ch *discordgo.Channel, who *discordgo.Member, command string, opts ...discordtest.Opt) *discordtest.Answer {
	e.t.Helper()
	return e.Srv.Send(e.t, e.Srv.Slash(e.t, ch.ID, who.User.ID, command, opts...)).Wait(e.t)
}

// Click presses the component customID on msg as who and waits for the
// answer.
func (e *Env) Click(who *discordgo.Member, msg *discordtest.Message, customID string) *discordtest.Answer {
	e.t.Helper()
	return e.Srv.Click(e.t, who.User.ID, msg, customID).Wait(e.t)
}

// Autocomplete sends an autocomplete for command with opts (one of them
// marked discordtest.Focused) and returns the choices.
func (e *Env) Autocomplete(ch *discordgo.Channel, who *discordgo.Member, command string, opts ...discordtest.Opt) []*discordgo.ApplicationCommandOptionChoice {
	e.t.Helper()
	return e.Srv.Send(e.t, e.Srv.Autocomplete(e.t, ch.ID, who.User.ID, command, opts...)).Wait(e.t).Choices()
}

// Logs returns everything the bot logged so far.
func (e *Env) Logs() string { return e.logs.String() }

// SeedStory imports a file the way /story add does (fic.Import, then
// commands.IndexChapters) and stores it in guild as added by
// addedBy. Use it from WithSeed.
func SeedStory(t *testing.T, st shelf.Store, guildID, addedBy, filename, content string, mine bool) shelf.StoryRecord {
	t.Helper()
	s, err := fic.Import(filename, []byte(content))
	if err != nil {
		t.Fatalf("seed %s: %v", filename, err)
	}
	chapters, err := commands.IndexChapters(s)
	if err != nil {
		t.Fatalf("seed %s: %v", filename, err)
	}
	rec, err := st.AddStory(context.Background(), guildID, s, chapters, addedBy, mine, time.Now())
	if err != nil {
		t.Fatalf("seed %s: %v", filename, err)
	}
	return rec
}

// logBuffer collects the bot's log lines for failure reports; safe for
// concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) tail(n int) string {
	s := l.String()
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}
