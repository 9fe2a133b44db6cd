package loadtest

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/discordtest"
	"ficshelf/store/postgres/pgtest"
)

// The load test's knobs. Defaults are the small configuration the normal
// suite runs; the full run is
//
//	go test ./loadtest -run TestLoad -v -count=1 -args -n 2000 -c 64 -full
var (
	flagN        = flag.Int("n", 200, "interactions to fire")
	flagC        = flag.Int("c", 16, "interactions in flight at once")
	flagStories  = flag.Int("stories", 1000, "stories in the seeded library (spread over -guilds servers)")
	flagGuilds   = flag.Int("guilds", 4, "servers (at least -shards)")
	flagMembers  = flag.Int("members", 100, "members per server")
	flagFull     = flag.Bool("full", false, "assert the latency and memory targets (-p99, -maxrss), not only that every interaction is answered in time")
	flagP99      = flag.Duration("p99", 50*time.Millisecond, "target p99 latency, dispatch to answer (asserted with -full)")
	flagMix      = flag.String("mix", "default", `interaction mix: "default" (kudos, autocomplete, excerpts, story info, reading-list updates), "full" (adds /story list, /kudos top, /readinglist show, /rec list, /help), "scale" (full, plus /story info with typed titles that match nothing: the unknown-title kind), "floor" (issue 18's: /kudos give, Kudos button, autocomplete, /help), or kinds with equal shares, comma-separated (e.g. "autocomplete" alone, to see one kind's cost)`)
	flagBotEnv   = flag.String("botenv", "", "extra environment for the bot process, comma-separated KEY=VALUE (e.g. GOGC=200)")
	flagMaxRSS   = flag.Int("maxrss", 100, "target peak memory of the bot process in MiB (asserted with -full)")
	flagDB       = flag.String("db", "bolt", `the bot's store: "bolt" (a BoltDB file) or "postgres" (a fresh database on the server named by FICSHELF_TEST_POSTGRES)`)
	flagDelivery = flag.String("delivery", "gateway", `how interactions reach the bot: "gateway" (INTERACTION_CREATE on its gateway session, answered by REST callback) or "http" (signed POSTs to INTERACTIONS_ADDR with DISCORD_SHARDS=off, answered in the response body)`)
	flagShards   = flag.Int("shards", 0, "gateway shards the bot runs in its one process (DISCORD_SHARDS=N), the servers spread over them; 0 = unsharded")
	flagBin      = flag.String("bin", "", "run this ficshelf binary instead of building the module (A/B runs of two commits in one series)")
	flagPGParams = flag.String("pgparams", "", "with -db postgres, URL parameters added to the bot's FICSHELF_DB, e.g. plan_cache_mode=force_generic_plan (pgx sends them as settings of each connection)")
	flagMaxConc  = flag.Int("maxconcurrency", 0, "session_start_limit.max_concurrency discordtest announces with -shards (0 = as many as -shards, so they all identify at once)")

	// The scale benchmark (issue 17): one big server next to the -guilds
	// others, and a database kept between runs.
	flagBigStories = flag.Int("bigstories", 0, "add one big server with this many (short) stories after the -guilds others (0 = none)")
	flagBigKudos   = flag.Int("bigkudos", 0, "with -bigstories: kudos at the big server, spread over the 7 days before the seeding")
	flagBigMembers = flag.Int("bigmembers", 1000, "with -bigstories: the big server's members")
	flagBigLists   = flag.Int("biglists", 10, "with -bigstories: reading-list entries per member of the big server")
	flagBigShare   = flag.Float64("bigshare", 0.5, "with -bigstories: share of the interactions aimed at the big server (the rest spread evenly over the others)")
	flagKeepDB     = flag.String("keepdb", "", "seed the database once into this directory and reuse it on later runs: a BoltDB file there, or with -db postgres a database named after the directory on FICSHELF_TEST_POSTGRES's server. Reused only when the parameters match (-stories, -guilds, -members, -big*, -shards, kept in DIR/manifest.json) and it is under 24 h old, else dropped and seeded again; runs add their own writes to it")
)

// selfCPU is the CPU time (user + system) this test process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestMain(m *testing.M) {
	flag.Parse()
	Prebuilt = *flagBin
	// discordtest's HTTP delivery uses the default transport, which keeps 2
	// idle connections per host: at concurrency 64 nearly every POST would
	// dial a new connection, and the HTTP mode would measure loopback
	// handshakes (Discord keeps its connections to an endpoint open).
	if tr, ok := http.DefaultTransport.(*http.Transport); ok {
		tr.MaxIdleConnsPerHost = 256
	}
	BareBaselinePrebuilt = *flagBaseBin
	code := m.Run()
	Cleanup()
	CleanupBare()
	os.Exit(code)
}

// LoadConfig is one load test's configuration.
type LoadConfig struct {
	N, Concurrency           int
	Stories, Guilds, Members int
	Mix                      string // "default" or "full"
	DB                       string // "bolt" or "postgres"
	Delivery                 string // "gateway" or "http"
	Shards, MaxConcurrency   int
	BotEnv                   []string
	PGParams                 string // appended to the bot\'s PostgreSQL URL
	// Baseline runs the bare discordgo bot (loadtest/internal/barebot)
	// instead of ficshelf: the floor of issue 18 (see baseline_test.go).
	Baseline  bool
	Full      bool // assert P99 and MaxRSS
	P99       time.Duration
	MaxRSSMiB int
	// The big server (WorldConfig.Big*) and the share of the load aimed
	// at it.
	BigStories, BigKudos, BigMembers, BigLists int
	BigShare                                   float64
	// KeepDB, when set, is the directory of a database kept between runs
	// (KeptWorld).
	KeepDB string
}

// World is the world cfg asks for.
func (c LoadConfig) World() WorldConfig {
	return WorldConfig{Guilds: c.Guilds, Members: c.Members, Stories: c.Stories, Shards: c.Shards,
		BigStories: c.BigStories, BigKudos: c.BigKudos, BigMembers: c.BigMembers, BigListEntries: c.BigLists}
}

func flagConfig() LoadConfig {
	c := LoadConfig{
		N: *flagN, Concurrency: *flagC, Stories: *flagStories, Guilds: *flagGuilds, Members: *flagMembers,
		Mix: *flagMix, DB: *flagDB, Delivery: *flagDelivery, Shards: *flagShards, MaxConcurrency: *flagMaxConc,
		Full: *flagFull, P99: *flagP99, MaxRSSMiB: *flagMaxRSS, PGParams: *flagPGParams, Baseline: *flagBaseline,
		BigStories: *flagBigStories, BigKudos: *flagBigKudos, BigMembers: *flagBigMembers, BigLists: *flagBigLists, BigShare: *flagBigShare,
		KeepDB: *flagKeepDB,
	}
	if *flagBotEnv != "" {
		c.BotEnv = strings.Split(*flagBotEnv, ",")
	}
	return c
}

// botName is "baseline" for the bare discordgo bot, else "ficshelf".
func botName(c LoadConfig) string {
	if c.Baseline {
		return "baseline"
	}
	return "ficshelf"
}

// Mode names what ran: engine, delivery, shards and mix.
func (c LoadConfig) Mode() string {
	shards := "unsharded"
	if c.Delivery == "http" {
		shards = "no gateway (DISCORD_SHARDS=off)"
	} else if c.Shards > 0 {
		shards = fmt.Sprintf("%d shards in one process (max_concurrency %d)", c.Shards, c.MaxConcurrency)
	}
	if c.Baseline {
		return fmt.Sprintf("baseline (bare discordgo bot) delivery=gateway mix=%s", c.Mix)
	}
	return fmt.Sprintf("db=%s delivery=%s shards=%s mix=%s", c.DB, c.Delivery, shards, c.Mix)
}

// TestLoad runs the real bot binary as a separate process on a seeded
// library and fires -n interactions at concurrency -c: kudos (button and
// /kudos give), story autocomplete, excerpts, /story info and reading-list
// updates, from many members in several servers. Every interaction must be
// answered within Discord's 3 s window (none late, none unanswered, none
// "Something went wrong"); with -full the p99 latency and the process's
// peak memory must meet their targets too. The figures are logged always.
//
// -db postgres runs the bot on a fresh PostgreSQL database,
// -delivery http delivers by signed POSTs, -shards N runs N gateway shards.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	runLoad(t, flagConfig())
}

// TestPostgresSmallLoad is the normal suite's small load test on the
// PostgreSQL engine (skipped without FICSHELF_TEST_POSTGRES), so that CI
// runs the load test's PostgreSQL mode: 200 interactions at concurrency
// 16 over 300 stories, every one answered in time.
func TestPostgresSmallLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	pgtest.ServerURL(t)
	runLoad(t, LoadConfig{N: 200, Concurrency: 16, Stories: 300, Guilds: 4, Members: 100, Mix: "full", DB: "postgres", Delivery: "gateway"})
}

// runLoad seeds a world, starts the bot as cfg says, fires the load and
// judges it. It returns the run's figures.
func runLoad(t *testing.T, cfg LoadConfig) Figures {
	bin := Binary(t)
	if cfg.Baseline {
		bin = BareBinary(t)
		cfg.Delivery, cfg.Shards = "gateway", 0
	}
	switch cfg.DB {
	case "bolt", "postgres":
	default:
		t.Fatalf("-db %q: want bolt or postgres", cfg.DB)
	}
	switch cfg.Delivery {
	case "gateway", "http":
	default:
		t.Fatalf("-delivery %q: want gateway or http", cfg.Delivery)
	}
	if cfg.Delivery == "http" {
		cfg.Shards = 0
	}
	if cfg.Shards > 0 && cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = cfg.Shards
	}
	if cfg.Shards > cfg.Guilds {
		cfg.Guilds = cfg.Shards
	}
	var opts []discordtest.Option
	if cfg.Shards > 0 {
		opts = append(opts, discordtest.WithShards(cfg.Shards), discordtest.WithMaxConcurrency(cfg.MaxConcurrency))
	}
	srv := discordtest.New(t, opts...)
	t.Logf("mode: %s", cfg.Mode())
	var w *World
	if cfg.KeepDB != "" {
		w = KeptWorld(t, srv, cfg.KeepDB, cfg.DB, cfg.World())
	} else {
		db := filepath.Join(t.TempDir(), "ficshelf.db")
		if cfg.DB == "postgres" {
			db = pgtest.URL(t)
		}
		w = NewWorld(t, srv, db, cfg.World())
	}
	db := w.DB
	w.BigShare = cfg.BigShare
	seeded := "seeded"
	if w.Reused {
		seeded = "reused (-keepdb), seeded"
	}
	t.Logf("%s %d stories in %d servers × %d members, and %d at the big server (%d chapters, %.1f MiB of text in all), in %v; database %s",
		seeded, cfg.Stories, cfg.Guilds, cfg.Members, cfg.World().bigStories(), w.Chapters, float64(w.Bytes)/(1<<20), w.SeedTime.Round(time.Millisecond), dbSize(t, db))
	if w.Big != nil {
		t.Logf("big server %s: %d stories, %d members, %d kudos in the week before %s, %d reading-list entries; %.0f %% of the load",
			w.Big.Guild.ID, len(w.Big.Stories), len(w.Big.Members), w.Kudos, w.SeededAt.UTC().Format(time.RFC3339), w.ListEntries, 100*cfg.BigShare)
	}

	if isURL(db) && !w.Reused {
		// The world was imported seconds ago: without this the load would
		// run on a database with no planner statistics and an empty
		// visibility map, and autovacuum would start on it mid-run. A
		// deployment's database is as autovacuum leaves it a minute after
		// an import.
		start := time.Now()
		if err := pgExec(db, "VACUUM (ANALYZE)"); err != nil {
			t.Fatalf("vacuum the seeded database: %v", err)
		}
		t.Logf("VACUUM (ANALYZE) of the seeded database: %v", time.Since(start).Round(time.Millisecond))
	}
	w.Watch = NewWatcher(t, srv)
	metricsAddr := FreeAddr(t)
	env := append([]string{"METRICS_ADDR=" + metricsAddr}, cfg.BotEnv...)
	popts := ProcessOptions{BaseURL: w.Watch.URL, Env: env, Shards: cfg.Shards}
	if cfg.Delivery == "http" {
		popts.HTTPAddr = FreeAddr(t)
	}
	xacts0 := pgXacts(t, db)
	botDB := db
	if cfg.PGParams != "" && isURL(db) {
		// pgx passes unknown URL parameters to the server as run-time
		// settings of every connection (e.g. plan_cache_mode).
		sep := "?"
		if strings.Contains(db, "?") {
			sep = "&"
		}
		botDB += sep + cfg.PGParams
		t.Logf("the bot's connections: %s", cfg.PGParams)
	}
	p := Start(t, bin, botDB, srv, popts)
	t.Logf("bot ready %v after start", p.Ready.Sub(p.Started).Round(time.Millisecond))
	startRSS, _ := p.RSS()
	var m0 Metrics
	if !cfg.Baseline {
		var err error
		if m0, err = Scrape(metricsAddr); err != nil {
			t.Fatalf("scrape /metrics: %v", err)
		}
	}
	botCPU0 := ProcCPU(t, p.Pid())
	cpu0 := selfCPU()
	mix := parseMix(t, cfg.Mix)
	res := Run(t, w, RunConfig{N: cfg.N, Concurrency: cfg.Concurrency, Mix: mix})
	harnessCPU := selfCPU() - cpu0
	// The bot's CPU from /proc, the same way for ficshelf and the
	// baseline (which has no /metrics).
	botCPU := (ProcCPU(t, p.Pid()) - botCPU0).Seconds()
	var commits float64
	if cfg.Baseline {
		t.Logf("during the load: CPU: bot %.2f s (%.0f µs per interaction), test harness (generator, discordtest) %.2f s; %d cores",
			botCPU, 1e6*botCPU/float64(res.N), harnessCPU.Seconds(), runtime.NumCPU())
	} else if m, err := Scrape(metricsAddr); err != nil {
		t.Errorf("scrape /metrics: %v", err)
	} else {
		var secs float64
		commits, secs = m.Value("ficshelf_store_commits_total")-m0.Value("ficshelf_store_commits_total"), m.Value("ficshelf_store_commit_seconds_total")-m0.Value("ficshelf_store_commit_seconds_total")
		t.Logf("during the load: store %.0f commits (%.0f/s), %.1f ms each on average; CPU: bot %.2f s (%.0f µs per interaction), test harness (generator, discordtest) %.2f s; %d cores",
			commits, commits/res.Elapsed.Seconds(), 1000*secs/max(commits, 1), botCPU, 1e6*botCPU/float64(res.N), harnessCPU.Seconds(), runtime.NumCPU())
	}
	pgCPUPer := "n/a" // BoltDB
	if isURL(db) {
		pgCPU := pgBackendCPU(t, db)
		pgCPUPer = fmt.Sprintf("%.0f", 1e6*pgCPU/float64(res.N))
		t.Logf("PostgreSQL backends of the bot's connections: %.2f s of CPU (%.0f µs per interaction; their start-up included); bot + backends %.0f µs per interaction",
			pgCPU, 1e6*pgCPU/float64(res.N), 1e6*(botCPU+pgCPU)/float64(res.N))
	}
	peak, err := p.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}
	// A backend's counters reach pg_stat_database when it exits at the
	// latest: read them once the bot's connections are closed.
	xactsPerSec := "n/a" // BoltDB
	if xacts0 >= 0 {
		if x := pgXacts(t, db); x >= 0 {
			xacts := x - xacts0
			xactsPerSec = fmt.Sprintf("%.0f", xacts/res.Elapsed.Seconds())
			t.Logf("PostgreSQL tables (pg_stat_user_tables, seeding included): %s", pgTableStats(db))
			t.Logf("PostgreSQL transactions committed (pg_stat_database.xact_commit, the bot's start-up included): %.0f, %.0f/s of load, %.1f per interaction",
				xacts, xacts/res.Elapsed.Seconds(), xacts/float64(res.N))
		}
	}

	t.Logf("machine: %d CPUs (GOMAXPROCS %d), %s/%s, %s; load average %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAvg())
	t.Logf("mode: %s\n%s", cfg.Mode(), res.Report())
	t.Logf("connections opened by the bot (REST and gateway): %d (for %d interactions)", w.Watch.Conns(), res.N)
	t.Logf("bot process memory: %.1f MiB resident when ready, peak (VmHWM) %.1f MiB", float64(startRSS)/(1<<20), float64(peak)/(1<<20))
	warm := steadyP99(res)
	t.Logf("p99 without the first 10 %% of interactions dispatched (the bot's pool and caches warm): %v", ms(warm))
	fig := Figures{CPU: time.Duration(1e9 * botCPU / float64(res.N)), P50: res.Percentile("", 50), P99: res.Percentile("", 99), PeakRSS: peak}
	bot := botName(cfg)
	fmt.Fprintf(os.Stderr, "LOAD bot=%s db=%s delivery=%s shards=%d mix=%s n=%d c=%d stories=%d throughput=%.0f/s p50=%v p90=%v p99=%v max=%v p99_warm=%v deferred=%d late=%d unanswered=%d failed=%d peak_rss_mib=%.1f bot_cpu_us=%.0f harness_cpu_us=%.0f pg_cpu_us=%s commits_per_s=%.0f xacts_per_s=%s loadavg=%q\n",
		bot, cfg.DB, cfg.Delivery, cfg.Shards, cfg.Mix, res.N, res.Concurrency, cfg.Stories, res.Throughput(), ms(res.Percentile("", 50)), ms(res.Percentile("", 90)), ms(res.Percentile("", 99)), ms(res.Percentile("", 100)), ms(warm),
		res.Count(func(s Sample) bool { return s.Deferred }), res.Count(func(s Sample) bool { return s.Late }),
		res.Count(func(s Sample) bool { return s.Unanswered || s.NotDelivered }), res.Count(func(s Sample) bool { return s.Failed }), float64(peak)/(1<<20),
		1e6*botCPU/float64(res.N), 1e6*harnessCPU.Seconds()/float64(res.N), pgCPUPer, commits/res.Elapsed.Seconds(), xactsPerSec, loadAvg())

	p99 := func(k Kind, big bool) time.Duration { return ms(res.ClassPercentile(res.Class(k, big), 99)) }
	fmt.Fprintf(os.Stderr, "SCALE db=%s mix=%s n=%d c=%d guilds=%d stories=%d bigstories=%d bigkudos=%d bigshare=%.2f throughput=%.0f/s big_kudos_top_p99=%v big_story_list_p99=%v big_unknown_title_p99=%v big_p99=%v others_p99=%v others_kudos_top_p99=%v others_story_list_p99=%v others_unknown_title_p99=%v bot_cpu_us=%.0f loadavg=%q\n",
		cfg.DB, cfg.Mix, res.N, res.Concurrency, cfg.Guilds, cfg.Stories, cfg.BigStories, cfg.BigKudos, cfg.BigShare, res.Throughput(),
		p99(KudosTop, true), p99(StoryList, true), p99(UnknownTitle, true), p99("", true),
		p99("", false), p99(KudosTop, false), p99(StoryList, false), p99(UnknownTitle, false), 1e6*botCPU/float64(res.N), loadAvg())

	for _, s := range res.Samples {
		switch {
		case s.Late:
			t.Errorf("%s answered late (10062) after %v", s.Kind, s.Latency)
		case s.Unanswered || s.NotDelivered:
			t.Errorf("%s unanswered: %s", s.Kind, s.Err)
		case s.Failed && !cfg.Baseline: // the bare bot's fixed answer is not what the kind expects
			t.Errorf("%s answered %q", s.Kind, answerText(s.Answer))
		}
	}
	if !cfg.Full {
		return fig
	}
	if p99 := res.Percentile("", 99); p99 > cfg.P99 {
		t.Errorf("p99 latency %v; target < %v", p99, cfg.P99)
	}
	if d := res.Count(func(s Sample) bool { return s.Deferred }); d > 0 {
		t.Errorf("%d interactions deferred; none of the load mix should take 2 s", d)
	}
	if limit := int64(cfg.MaxRSSMiB) << 20; peak > limit {
		t.Errorf("peak memory %.1f MiB; target < %d MiB", float64(peak)/(1<<20), cfg.MaxRSSMiB)
	}
	return fig
}

// steadyP99 is the p99 latency of the answered interactions other than the
// first tenth dispatched: the run once the bot has warmed up (on
// PostgreSQL the first burst also waits for the pool to open its
// connections and prepare its statements).
func steadyP99(r *Result) time.Duration {
	as := r.Answered()
	slices.SortFunc(as, func(a, b Sample) int { return cmp.Compare(a.Start, b.Start) })
	var ls []time.Duration
	for _, s := range as[len(as)/10:] {
		ls = append(ls, s.Latency)
	}
	return percentile(ls, 99)
}

// parseMix reads -mix: "default", "full", or comma-separated kinds.
func parseMix(t testing.TB, m string) []Weighted {
	switch m {
	case "", "default":
		return DefaultMix
	case "full":
		return FullMix
	case "floor":
		return FloorMix
	case "scale":
		return ScaleMix
	}
	known := map[Kind]bool{}
	for _, w := range ScaleMix {
		known[w.Kind] = true
	}
	var out []Weighted
	for _, k := range strings.Split(m, ",") {
		if !known[Kind(k)] {
			t.Fatalf("-mix: unknown kind %q (kinds: those of the full mix, e.g. %s)", k, Autocomplete)
		}
		out = append(out, Weighted{Kind(k), 1})
	}
	return out
}

// isURL reports whether db is a PostgreSQL URL rather than a file path.
func isURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// dbSize describes the database's size: the BoltDB file's, or
// pg_database_size.
func dbSize(t testing.TB, db string) string {
	if !isURL(db) {
		fi, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%.1f MiB (BoltDB file)", float64(fi.Size())/(1<<20))
	}
	var n int64
	if err := pgQuery(db, "SELECT pg_database_size(current_database())", &n); err != nil {
		return "? (" + err.Error() + ")"
	}
	return fmt.Sprintf("%.1f MiB (pg_database_size)", float64(n)/(1<<20))
}

// pgXacts is the database's committed transactions so far
// (pg_stat_database.xact_commit), -1 for a BoltDB file.
func pgXacts(t testing.TB, db string) float64 {
	if !isURL(db) {
		return -1
	}
	var n int64
	if err := pgQuery(db, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", &n); err != nil {
		t.Logf("pg_stat_database: %v", err)
		return -1
	}
	return float64(n)
}

// pgBackendCPU is the CPU time (user + system, from /proc) of the
// server processes serving the database's other connections: the bot's
// pool, on a database of its own.
func pgBackendCPU(t testing.TB, db string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Logf("backend CPU: %v", err)
		return -1
	}
	defer c.Close(context.Background())
	rows, err := c.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		t.Logf("backend CPU: %v", err)
		return -1
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Logf("backend CPU: %v", err)
		return -1
	}
	total := 0.0
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // a server on another machine, or gone
		}
		// Fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th, in clock ticks (100 per second).
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseFloat(f[11], 64)
		st, _ := strconv.ParseFloat(f[12], 64)
		total += (u + st) / 100
	}
	return total
}

// pgTableStats summarizes each table's scans: sequential scans and the
// rows they read, index scans, rows inserted and updated.
func pgTableStats(db string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, db)
	if err != nil {
		return err.Error()
	}
	defer c.Close(context.Background())
	rows, err := c.Query(ctx, `SELECT relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), n_tup_ins, n_tup_upd
		FROM pg_stat_user_tables ORDER BY seq_tup_read + coalesce(idx_scan, 0) DESC`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var name string
		var seq, seqRead, idx, ins, upd int64
		if err := rows.Scan(&name, &seq, &seqRead, &idx, &ins, &upd); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "\n  %-22s seq_scan %6d (rows %9d)  idx_scan %7d  ins %6d  upd %6d", name, seq, seqRead, idx, ins, upd)
	}
	return b.String()
}

func pgExec(db, q string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgx.Connect(ctx, db)
	if err != nil {
		u, _ := url.Parse(db)
		return fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, q)
	return err
}

func pgQuery(db, q string, dest ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, db)
	if err != nil {
		u, _ := url.Parse(db)
		return fmt.Errorf("connect to %s: %w", u.Redacted(), err)
	}
	defer c.Close(context.Background())
	return c.QueryRow(ctx, q).Scan(dest...)
}

// loadAvg is /proc/loadavg's first three fields.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
