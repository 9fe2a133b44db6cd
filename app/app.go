// Package app wires Ficshelf together and serves until shutdown:
// configuration → store → commands → bot, plus the hot-backup socket and,
// when configured, the metrics server. main calls Run; so do the end-to-end
// tests, so they exercise exactly the program that ships.
package app

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"ficshelf/bot"
	"ficshelf/commands"
	"ficshelf/config"
	"ficshelf/fic"
	"ficshelf/hotbackup"
	"ficshelf/jobs"
	"ficshelf/metrics"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/workpool"
)

// Options are the parts of a run that tests replace. The zero value is
// production.
type Options struct {
	// Logger receives all logs; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock for commands and club checkpoints; nil means
	// time.Now.
	Now func() time.Time
	// Clock, when set, is the clock of background jobs (club checkpoints,
	// lease renewals); tests give a jobstest clock that follows Now. nil
	// means the system clock.
	Clock jobs.Clock
	// HTTPClient is used for AO3 look-ups; nil means a client with a
	// 20-second timeout.
	HTTPClient *http.Client
	// LockTimeout bounds the wait for a database held by another process;
	// 0 means store.DefaultLockTimeout.
	LockTimeout time.Duration
	// Started, when set, is called once the bot is connected and its
	// commands are registered.
	Started func()
	// IdentifyEvery, when positive, replaces bot.DefaultIdentifyEvery (5 s,
	// Discord's pace) as the least time between two identifies of one
	// rate-limit key, also between processes (and restarts) sharing a
	// PostgreSQL store; tests shorten it together with their server's
	// window.
	IdentifyEvery time.Duration
	// Wrap, when set, wraps the command router before the bot serves it;
	// tests use it to add handlers that are slow or fail on purpose. The
	// result's command definitions (bot.Definer) are what gets registered.
	Wrap func(*commands.Router) bot.Handler
}

// Run serves the bot described by cfg until ctx is done, then shuts down in
// reverse order of start: the bot finishes in-flight interactions and
// closes the gateway, then the backup socket and the database close.
func Run(ctx context.Context, cfg config.Config, opts Options) error {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}

	st, err := store.Open(ctx, cfg.DBPath, store.Options{LockTimeout: opts.LockTimeout})
	if errors.Is(err, shelf.ErrLocked) {
		return &config.Error{Key: "FICSHELF_DB", Reason: fmt.Sprintf("%s is in use by another running Ficshelf (stop it first, or use another file)", cfg.DBPath)}
	}
	if err != nil {
		return &config.Error{Key: "FICSHELF_DB", Reason: err.Error()}
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()

	// Hot backups over a socket beside the file: only a BoltDB file has
	// one (and only the process holding it can copy it).
	if b, ok := st.(fileBackupper); ok {
		backups, err := hotbackup.Listen(hotbackup.SocketPath(b.Path()), b.Backup, log)
		if err != nil {
			log.Warn("hot backups unavailable while running", "err", err)
		} else {
			defer backups.Close()
		}
	}

	ao3, err := fic.NewAO3Client(cfg.AO3BaseURL, opts.HTTPClient, fic.DefaultUserAgent)
	if err != nil {
		return &config.Error{Key: "AO3_BASE_URL", Reason: err.Error()}
	}
	// AO3_REQUEST_GAP for the whole deployment: every request to AO3 (link
	// look-ups and update checks) takes a slot from the store.
	if cfg.AO3RequestGap > 0 {
		gate := &jobs.AO3Gate{Store: st, Gap: cfg.AO3RequestGap, Log: log}
		ao3.Gate, ao3.OnBusy = gate.Wait, gate.Hold
	}

	m := metrics.New(func() metrics.StoreStats { return metrics.StoreStats(st.Stats()) })
	holder := jobs.NewHolder()
	bcfg, err := botConfig(cfg)
	if err != nil {
		return err
	}
	bcfg.Logger, bcfg.Observer, bcfg.Holder = log, m, holder
	bcfg.IdentifyEvery = opts.IdentifyEvery // 0: bot.DefaultIdentifyEvery
	if l := leasesOf(st); l != nil {
		bcfg.IdentifyGate = l // processes sharing the token take turns to identify
	}
	b, err := bot.New(bcfg)
	if err != nil {
		return fmt.Errorf("start bot: %w", err)
	}
	// Handler slots shared in turn between servers (bot/fairshare.go).
	if err := m.Register(&metrics.IngressCollector{Stats: func() metrics.IngressStats {
		s := b.IngressStats()
		return metrics.IngressStats{Slots: s.Slots, Running: s.Running, Waiting: s.Waiting, ServersWaiting: s.ServersWaiting,
			Queued: s.Queued, Skipped: s.Skipped, WaitTotal: s.WaitTotal, WaitMax: s.WaitMax}
	}}); err != nil {
		return fmt.Errorf("register ingress metrics: %w", err)
	}
	clock := opts.Clock
	if clock == nil {
		clock = jobs.RealClock{}
	}
	// Heavy work (imports, exports, statistics) in bounded pools, fair
	// between servers; their queues are reported at /metrics.
	pools := commands.NewPools(commands.PoolSizes{ImportWorkers: cfg.ImportWorkers, ImportPerGuild: cfg.ImportPerGuild, ImportQueue: cfg.ImportQueue})
	if err := m.Register(&workpool.Collector{Pools: []*workpool.Pool{pools.Import, pools.Link, pools.Export}}); err != nil {
		return fmt.Errorf("register pool metrics: %w", err)
	}
	deps := commands.Deps{
		Discord: b,
		Store:   st,
		AO3:     ao3,
		Log:     log,
		Now:     opts.Now,
		Pools:   pools,
	}
	// One scheduler (under one lease) runs the background work of clubs:
	// checkpoint announcements (with their scheduled events), the ends of
	// club polls, and reminders before checkpoints.
	events := &jobs.ClubEventer{Store: st, Discord: b, Words: commands.CheckpointWording{}, Log: log}
	polls := jobs.NewPolls(st, b, commands.ClubPollWording{}, log)
	polls.Events = events
	checkpoints := jobs.NewCheckpoints(st, b, commands.CheckpointWording{}, log)
	checkpoints.Events = events
	reminders := jobs.NewReminders(st, b, commands.CheckpointWording{}, log)
	scheduler := jobs.NewScheduler(clock, jobs.Sources{checkpoints, polls, reminders}, log)
	polls.Changed = scheduler.Wake
	deps.ClubsChanged = scheduler.Wake
	// Reading-list imports and series links: persisted jobs, run by one
	// bounded pool shared fairly between servers.
	importer := jobs.NewJobRunner("imports", b, log)
	importer.Now, importer.Observer, importer.Poll = opts.Now, m, cfg.JobPoll
	commands.AddImportJobs(importer, deps, 0)
	deps.ImportsChanged = importer.Wake
	// Queued uploads (/story add that waits its turn): persisted jobs, run
	// by one process of the deployment (files and links each under a
	// lease), each in a slot of that process's import (or link) pool
	// shared with the handlers' imports.
	fileUploads := jobs.NewJobRunner("uploads", b, log)
	fileUploads.Now, fileUploads.Observer, fileUploads.Poll = opts.Now, m, cfg.JobPoll
	fileUploads.Max = pools.Import.Config().Workers
	linkUploads := jobs.NewJobRunner("links", b, log)
	linkUploads.Now, linkUploads.Observer, linkUploads.Poll = opts.Now, m, cfg.JobPoll
	linkUploads.Max = pools.Link.Config().Workers
	commands.AddUploadJobs(fileUploads, linkUploads, deps)
	deps.Uploads = wakeAll{fileUploads, linkUploads}
	if leasesOf(st) != nil {
		// Wake reaches only this process's scheduler; a club started or
		// extended through another process of the deployment is seen by
		// the lease holder when it next looks, so it looks this often.
		scheduler.MaxSleep = sharedSchedulerLook
	}
	router := commands.New(deps)

	if cfg.MetricsAddr != "" {
		stop, err := metrics.Serve(cfg.MetricsAddr, m.Handler(health(cfg, b, func() bool { return pingStore(ctx, st) })))
		if err != nil {
			return &config.Error{Key: "METRICS_ADDR", Reason: err.Error()}
		}
		defer stop()
		log.Info("metrics listening", "addr", cfg.MetricsAddr)
	}

	// Club checkpoints: the scheduler starts once the bot is ready (and
	// Started is called then) and stops before the database closes, also
	// when the bot fails to start.
	schedCtx, stopScheduler := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		select {
		case <-b.Ready():
			if opts.Started != nil {
				opts.Started()
			}
			checkpoints := &jobs.Leased{
				Leases: leasesOf(st),
				Name:   "jobs/checkpoints",
				TTL:    cfg.JobLeaseTTL, // 0: jobs.DefaultLeaseTTL
				Holder: holder,
				Clock:  clock,
				Log:    log,
				Work:   scheduler.Run,
			}
			checkpoints.Run(schedCtx)
		case <-schedCtx.Done():
		}
	}()
	// Reading-list imports: one process of a deployment runs them (under
	// their lease), from when the bot is ready until the database closes.
	importsDone := make(chan struct{})
	go func() {
		defer close(importsDone)
		select {
		case <-b.Ready():
			// With several processes (PostgreSQL), an import confirmed
			// or a series link created through another one wakes this
			// runner at once, not at its next poll.
			work := woken(st, importNotices, importer.Wake, log, importer.Run)
			imports := &jobs.Leased{Leases: leasesOf(st), Name: "jobs/imports", TTL: cfg.JobLeaseTTL, Holder: holder, Clock: clock, Log: log, Work: work}
			imports.Run(schedCtx)
		case <-schedCtx.Done():
		}
	}()
	defer func() {
		stopScheduler()
		<-schedDone
		<-importsDone
	}()
	// Queued uploads, files and links: each under its lease, from when the
	// bot is ready. At shutdown they take no new job; those running get up
	// to the bot's shutdown grace once the bot has stopped, then are
	// cancelled (and resumed at the next start).
	uploadsCtx, stopUploads := context.WithCancel(context.WithoutCancel(ctx))
	uploadsDone := make(chan struct{})
	go func() {
		defer close(uploadsDone)
		select {
		case <-b.Ready():
			var wg sync.WaitGroup
			for name, r := range map[string]*jobs.JobRunner{"jobs/uploads": fileUploads, "jobs/links": linkUploads} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// With several processes (PostgreSQL), an upload
					// queued through another one wakes this runner at
					// once, not at its next poll.
					work := woken(st, uploadNotices, r.Wake, log, func(lctx context.Context) error {
						return r.RunDrain(lctx, ctx.Done())
					})
					l := &jobs.Leased{Leases: leasesOf(st), Name: name, TTL: cfg.JobLeaseTTL, Holder: holder, Clock: clock, Log: log, Work: work}
					l.Run(uploadsCtx)
				}()
			}
			wg.Wait()
		case <-uploadsCtx.Done(): // the bot never became ready
		}
	}()
	defer func() {
		grace := bcfg.ShutdownGrace
		if grace <= 0 {
			grace = bot.DefaultShutdownGrace
		}
		deadline := time.Now().Add(grace)
		for fileUploads.Running()+linkUploads.Running() > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		stopUploads()
		<-uploadsDone
	}()
	// Finished jobs (queued uploads, reading-list imports, series links)
	// pruned a week after their member was told, by one process (under
	// its lease), from when the bot is ready until the database closes.
	pruneDone := make(chan struct{})
	go func() {
		defer close(pruneDone)
		select {
		case <-b.Ready():
			pruner := &jobs.Pruner{Store: st, Clock: clock, Log: log}
			l := &jobs.Leased{Leases: leasesOf(st), Name: "jobs/prune", TTL: cfg.JobLeaseTTL, Holder: holder, Clock: clock, Log: log, Work: pruner.Run}
			l.Run(schedCtx)
		case <-schedCtx.Done():
		}
	}()
	defer func() {
		stopScheduler()
		<-pruneDone
	}()
	// AO3 update checks (/subscribe), under their own lease; off when
	// AO3CheckEvery is 0 (a Config not from config.Load).
	checkDone := make(chan struct{})
	go func() {
		defer close(checkDone)
		if cfg.AO3CheckEvery <= 0 {
			return
		}
		select {
		case <-b.Ready():
			alerts := jobs.NewAlerts(st, b, commands.NewAlertWording(deps), log)
			alerts.Now = opts.Now // nil: time.Now
			checker := &jobs.UpdateChecker{Store: st, AO3: ao3, Alerts: alerts,
				Every: cfg.AO3CheckEvery, Clock: clock, Log: log}
			updates := &jobs.Leased{
				Leases: leasesOf(st),
				Name:   "jobs/ao3-updates",
				TTL:    cfg.JobLeaseTTL,
				Holder: holder,
				Clock:  clock,
				Log:    log,
				Work:   checker.Run,
			}
			updates.Run(schedCtx)
		case <-schedCtx.Done():
		}
	}()
	defer func() {
		stopScheduler()
		<-checkDone
	}()
	// Once the bot takes no more interactions: exports and statistics
	// still waiting in memory are told the bot restarted before it could
	// start them (run the command again); those running get the shutdown
	// grace to finish.
	defer func() {
		grace := bcfg.ShutdownGrace
		if grace <= 0 {
			grace = bot.DefaultShutdownGrace
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
		defer cancel()
		if err := pools.Shutdown(sctx); err != nil {
			log.Warn("shutdown: heavy work still running", "err", err)
		}
	}()
	var handler bot.Handler = router
	if opts.Wrap != nil {
		handler = opts.Wrap(router)
	}
	log.Info("starting", "engine", st.Engine(), "db", dbForLog(cfg.DBPath), "guild", cfg.GuildID, "base_url", cfg.BaseURL,
		"shards", cfg.Shards.String(), "interactions_addr", cfg.InteractionsAddr)
	if err := b.Run(ctx, handler); err != nil {
		return err // the bot's errors already say "bot: …"
	}
	log.Info("stopped")
	return nil
}

// sharedSchedulerLook is how often the checkpoint scheduler of a process
// sharing its store with others (PostgreSQL) reads the next due time even
// when nothing woke it: a club started through another process has its
// first checkpoint announced within this (one indexed read each time).
const sharedSchedulerLook = 5 * time.Second

// leasesOf returns the store's leases when its engine is shared by
// several processes (PostgreSQL), so that one process runs each job and
// processes take turns to identify. A store only one process can open
// (the BoltDB file) has no need of them: its jobs run unleased.
func leasesOf(st any) shelf.Leases {
	if e, ok := st.(interface{ Engine() string }); ok && e.Engine() == "bolt" {
		return nil
	}
	if l, ok := st.(shelf.Leases); ok {
		return l
	}
	return nil
}

// botConfig maps the configuration keys that concern Discord to a
// bot.Config (logger, observer and holder are set by Run).
func botConfig(cfg config.Config) (bot.Config, error) {
	bc := bot.Config{
		Token:            cfg.Token,
		GuildID:          cfg.GuildID,
		BaseURL:          cfg.BaseURL,
		Shards:           bot.ShardPlan{Off: cfg.Shards.Off, Count: cfg.Shards.Count, First: cfg.Shards.First, Last: cfg.Shards.Last},
		InteractionsAddr: cfg.InteractionsAddr,
		HandlerSlots:     handlerSlots(cfg),
	}
	if cfg.PublicKey != "" {
		key, err := hex.DecodeString(cfg.PublicKey)
		if err != nil || len(key) != ed25519.PublicKeySize {
			return bc, &config.Error{Key: "DISCORD_PUBLIC_KEY", Reason: "must be 64 hexadecimal characters"}
		}
		bc.PublicKey = key
	}
	return bc, nil
}

// health is what /healthz checks for this process: its gateway shards
// (none with DISCORD_SHARDS=off), its HTTP endpoint (when it has one) and
// the database.
func health(cfg config.Config, b *bot.Bot, dbOpen func() bool) metrics.Health {
	h := metrics.Health{DatabaseOpen: dbOpen}
	if !cfg.Shards.Off {
		h.GatewayConnected = b.Connected
		h.Shards = func() []metrics.ShardState {
			var out []metrics.ShardState
			for _, s := range b.ShardStates() {
				out = append(out, metrics.ShardState{ID: s.ID, State: s.State})
			}
			return out
		}
	}
	if cfg.InteractionsAddr != "" {
		h.Interactions = func() bool { return b.InteractionsAddr() != nil }
	}
	return h
}

// fileBackupper is what the BoltDB engine adds to shelf.Store for hot
// backups: a consistent copy of its file, and the file's path.
type fileBackupper interface {
	Backup(w io.Writer) (int64, error)
	Path() string
}

// pingStore reports whether st serves, waiting at most two seconds.
func pingStore(ctx context.Context, st shelf.Store) bool {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	return st.Ping(ctx) == nil
}

// handlerSlots is bot.Config.HandlerSlots for cfg: INTERACTION_SLOTS when
// set, else by store. On PostgreSQL the bot's default: handlers wait there
// for the database's pool of connections, and the fair gate makes a busy
// server's backlog wait behind the other servers' interactions (a quiet
// server's p50 174 → 14 ms beside a big server browsed hard; BENCHMARKS.md,
// "Fair share, part 2"). On BoltDB none: a handler there takes
// microseconds of CPU and then waits for a group commit, so a bounded
// number of handlers only bounds how many writes share each fsync — at
// concurrency 64 on the load test's floor mix the gate cost 1.4–1.6× the
// CPU per interaction and half the throughput, with no measurable gain for
// quiet servers ("The floor, part 3").
func handlerSlots(cfg config.Config) int {
	switch {
	case cfg.InteractionSlots != 0:
		return cfg.InteractionSlots
	case store.IsPostgres(cfg.DBPath):
		return 0
	default:
		return -1
	}
}

// dbForLog is FICSHELF_DB as logs may show it: a URL without its password.
func dbForLog(dsn string) string {
	if !store.IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	return u.Redacted()
}

// wakeAll wakes every runner it holds (commands.Deps.Uploads).
type wakeAll []*jobs.JobRunner

func (w wakeAll) Wake() {
	for _, r := range w {
		r.Wake()
	}
}
