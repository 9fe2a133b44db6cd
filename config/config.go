// Package config turns Ficshelf's configuration keys (SPEC.md §1) into a
// validated Config. It does not read the environment itself: main passes a
// lookup function, so tests and main share one code path.
package config

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for optional keys.
const (
	DefaultBaseURL = "https://discord.com"
	DefaultDB      = "ficshelf.db"
	DefaultAO3URL  = "https://archiveofourown.org"

	DefaultAO3CheckEvery = 6 * time.Hour    // AO3_CHECK_EVERY
	MinAO3CheckEvery     = 10 * time.Minute // AO3_CHECK_EVERY's floor on AO3 itself
	DefaultAO3RequestGap = 3 * time.Second  // AO3_REQUEST_GAP
)

// Config is the bot's validated configuration.
type Config struct {
	Token       string     // DISCORD_TOKEN, required; never log it
	GuildID     string     // DISCORD_GUILD_ID, "" = register globally
	BaseURL     string     // DISCORD_BASE_URL, origin for every REST call
	DBPath      string     // FICSHELF_DB
	AO3BaseURL  string     // AO3_BASE_URL
	LogLevel    slog.Level // LOG_LEVEL
	MetricsAddr string     // METRICS_ADDR, "" = off

	Shards           Shards // DISCORD_SHARDS (zero value: auto)
	InteractionsAddr string // INTERACTIONS_ADDR, "" = no HTTP endpoint
	PublicKey        string // DISCORD_PUBLIC_KEY, 64 hex characters (lower case); required with InteractionsAddr

	AO3CheckEvery time.Duration // AO3_CHECK_EVERY: how often a followed work is checked
	AO3RequestGap time.Duration // AO3_REQUEST_GAP: least time between two AO3 requests of the deployment

	// JobLeaseTTL is JOB_LEASE_TTL: how long the lease under which one
	// process of a shared (PostgreSQL) deployment runs each background job
	// (club checkpoints, reading-list imports, AO3 update checks)
	// lasts without renewal; 0 means the default (jobs.DefaultLeaseTTL,
	// one minute). It is renewed every third of that, and another process
	// takes over at most TTL + TTL/3 after the holder dies.
	JobLeaseTTL time.Duration
	// JobPoll is JOB_POLL: how often the process running persisted jobs
	// (reading-list imports and series links, queued uploads) looks for
	// jobs besides being woken; 0 means the default (jobs.DefaultJobPoll,
	// 5 s). On PostgreSQL a queued upload, a confirmed reading-list
	// import or a created series link wakes the process running that kind
	// at once (LISTEN/NOTIFY), whichever process it came through; the poll
	// is the fallback.
	JobPoll time.Duration

	// Heavy work (/story add with a file or a link, /mydata export,
	// /readinglist stats) runs in bounded pools; 0 means the default
	// (commands.DefaultPoolSizes: half the CPUs for imports, one of them
	// per server).
	ImportWorkers  int // IMPORT_WORKERS: file imports at once in this process
	ImportPerGuild int // IMPORT_WORKERS_PER_SERVER: of which one server may run
	ImportQueue    int // IMPORT_QUEUE_PER_SERVER: imports one server may have waiting

	// InteractionSlots is INTERACTION_SLOTS: how many interaction handlers
	// run at once before the rest wait, served round-robin between
	// servers (bot.Config.HandlerSlots): 0 the default for the store
	// (app.handlerSlots: the bot's default on PostgreSQL, none on BoltDB),
	// -1 ("off") no limit.
	InteractionSlots int
}

// maxInteractionSlots bounds INTERACTION_SLOTS.
const maxInteractionSlots = 100000

// Bounds of JOB_LEASE_TTL: renewals every TTL/3 must not crowd the
// database, and a takeover must stay within the couple of minutes the
// deployment promises.
const (
	MinJobLeaseTTL = 3 * time.Second
	MaxJobLeaseTTL = 90 * time.Second
)

// Bounds of JOB_POLL.
const (
	MinJobPoll = time.Second
	MaxJobPoll = 10 * time.Minute
)

// Shards is DISCORD_SHARDS: which gateway shards this process runs. The
// zero value is "auto": as many as Discord recommends, all in this process.
type Shards struct {
	// Off: no gateway connection at all (HTTP interactions only).
	Off bool
	// Count is the total number of shards N; 0 means auto.
	Count int
	// First and Last are the shards this process runs (inclusive), within
	// [0, Count). With Count 0 they are 0.
	First, Last int
}

// Auto reports whether the shard count comes from Discord's recommendation.
func (s Shards) Auto() bool { return !s.Off && s.Count == 0 }

// String renders s the way DISCORD_SHARDS spells it.
func (s Shards) String() string {
	switch {
	case s.Off:
		return "off"
	case s.Count == 0:
		return "auto"
	case s.First == 0 && s.Last == s.Count-1:
		return strconv.Itoa(s.Count)
	case s.First == s.Last:
		return fmt.Sprintf("%d/%d", s.First, s.Count)
	}
	return fmt.Sprintf("%d-%d/%d", s.First, s.Last, s.Count)
}

// maxShards bounds N: far beyond any bot (Discord's largest run a few
// thousand shards), small enough that a typo cannot ask for millions.
const maxShards = 100000

// ParseShards parses a DISCORD_SHARDS value: "auto" (or empty), "N",
// "A-B/N", "A/N" or "off".
func ParseShards(v string) (Shards, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	bad := func(why string) (Shards, error) {
		return Shards{}, fmt.Errorf("must be auto, off, N, A/N or A-B/N (%s), got %q", why, v)
	}
	switch v {
	case "", "auto":
		return Shards{}, nil
	case "off":
		return Shards{Off: true}, nil
	}
	num := func(s string) (int, bool) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxShards || strings.HasPrefix(s, "+") {
			return 0, false
		}
		return n, true
	}
	rng, total, slash := strings.Cut(v, "/")
	if !slash {
		n, ok := num(v)
		if !ok || n < 1 {
			return bad("N is a whole number of shards, at least 1")
		}
		return Shards{Count: n, First: 0, Last: n - 1}, nil
	}
	n, ok := num(total)
	if !ok || n < 1 {
		return bad("N is a whole number of shards, at least 1")
	}
	from, to, dash := strings.Cut(rng, "-")
	a, okA := num(from)
	b := a
	okB := true
	if dash {
		b, okB = num(to)
	}
	if !okA || !okB {
		return bad("A and B are shard numbers counted from 0")
	}
	if a > b {
		return bad("A is at most B")
	}
	if b >= n {
		return bad("shards are numbered 0 to N-1")
	}
	return Shards{Count: n, First: a, Last: b}, nil
}

// Error names the key whose value is wrong. Its message is one line, fit to
// print before exiting.
type Error struct {
	Key    string
	Reason string
}

func (e *Error) Error() string { return e.Key + ": " + e.Reason }

// Load reads every key through lookup (which returns "" for an unset key)
// and validates it. The first invalid key is returned as an *Error.
func Load(lookup func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(lookup(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		InteractionsAddr: get("INTERACTIONS_ADDR", ""),
		Token:            get("DISCORD_TOKEN", ""),
		GuildID:          get("DISCORD_GUILD_ID", ""),
		BaseURL:          strings.TrimRight(get("DISCORD_BASE_URL", DefaultBaseURL), "/"),
		DBPath:           get("FICSHELF_DB", DefaultDB),
		AO3BaseURL:       strings.TrimRight(get("AO3_BASE_URL", DefaultAO3URL), "/"),
		MetricsAddr:      get("METRICS_ADDR", ""),
	}
	if c.Token == "" {
		return c, &Error{"DISCORD_TOKEN", "is required (the bot token from the Discord developer portal)"}
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		return c, &Error{"DISCORD_TOKEN", "contains white space; paste the token alone, without \"Bot \""}
	}
	if c.GuildID != "" {
		if _, err := strconv.ParseUint(c.GuildID, 10, 64); err != nil {
			return c, &Error{"DISCORD_GUILD_ID", "must be a server ID (digits only) or empty"}
		}
	}
	if err := checkOrigin(c.BaseURL); err != nil {
		return c, &Error{"DISCORD_BASE_URL", err.Error()}
	}
	if err := checkOrigin(c.AO3BaseURL); err != nil {
		return c, &Error{"AO3_BASE_URL", err.Error()}
	}
	level, err := parseLevel(get("LOG_LEVEL", "info"))
	if err != nil {
		return c, &Error{"LOG_LEVEL", err.Error()}
	}
	c.LogLevel = level
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return c, &Error{"METRICS_ADDR", "must be host:port, e.g. 127.0.0.1:9090, or empty"}
		}
	}
	shards, err := ParseShards(get("DISCORD_SHARDS", "auto"))
	if err != nil {
		return c, &Error{"DISCORD_SHARDS", err.Error()}
	}
	c.Shards = shards
	if c.InteractionsAddr != "" {
		if _, _, err := net.SplitHostPort(c.InteractionsAddr); err != nil {
			return c, &Error{"INTERACTIONS_ADDR", "must be host:port or :port, e.g. :8080, or empty"}
		}
	}
	key := strings.ToLower(get("DISCORD_PUBLIC_KEY", ""))
	switch {
	case key == "" && c.InteractionsAddr != "":
		return c, &Error{"DISCORD_PUBLIC_KEY", "is required with INTERACTIONS_ADDR (the application's public key from the developer portal, General Information)"}
	case key != "":
		if b, err := hex.DecodeString(key); err != nil || len(b) != 32 {
			return c, &Error{"DISCORD_PUBLIC_KEY", fmt.Sprintf("must be 64 hexadecimal characters (the application's public key), got %d characters", len(key))}
		}
		c.PublicKey = key
	}
	every, err := time.ParseDuration(get("AO3_CHECK_EVERY", DefaultAO3CheckEvery.String()))
	if err != nil || every <= 0 {
		return c, &Error{"AO3_CHECK_EVERY", fmt.Sprintf("must be a positive duration such as 6h or 30m, got %q", get("AO3_CHECK_EVERY", ""))}
	}
	if every < MinAO3CheckEvery && isAO3(c.AO3BaseURL) {
		return c, &Error{"AO3_CHECK_EVERY", fmt.Sprintf("must be at least %s while AO3_BASE_URL is AO3 itself, got %s", "10m", every)}
	}
	c.AO3CheckEvery = every
	gap, err := time.ParseDuration(get("AO3_REQUEST_GAP", DefaultAO3RequestGap.String()))
	if err != nil || gap < 0 {
		return c, &Error{"AO3_REQUEST_GAP", fmt.Sprintf("must be a duration such as 3s or 500ms, got %q", get("AO3_REQUEST_GAP", ""))}
	}
	c.AO3RequestGap = gap
	if v := get("JOB_LEASE_TTL", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < MinJobLeaseTTL || d > MaxJobLeaseTTL {
			return c, &Error{"JOB_LEASE_TTL", fmt.Sprintf("must be a duration from %v to %v, e.g. 1m, got %q", MinJobLeaseTTL, MaxJobLeaseTTL, v)}
		}
		c.JobLeaseTTL = d
	}
	if v := get("JOB_POLL", ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < MinJobPoll || d > MaxJobPoll {
			return c, &Error{"JOB_POLL", fmt.Sprintf("must be a duration from %v to %v, e.g. 5s, got %q", MinJobPoll, MaxJobPoll, v)}
		}
		c.JobPoll = d
	}
	for _, k := range []struct {
		key string
		dst *int
		max int
	}{{"IMPORT_WORKERS", &c.ImportWorkers, 256}, {"IMPORT_WORKERS_PER_SERVER", &c.ImportPerGuild, 256}, {"IMPORT_QUEUE_PER_SERVER", &c.ImportQueue, 10000}} {
		v := get(k.key, "")
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > k.max {
			return c, &Error{k.key, fmt.Sprintf("must be a whole number from 1 to %d, or empty for the default, got %q", k.max, v)}
		}
		*k.dst = n
	}
	switch v := get("INTERACTION_SLOTS", ""); v {
	case "":
	case "off":
		c.InteractionSlots = -1
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxInteractionSlots {
			return c, &Error{"INTERACTION_SLOTS", fmt.Sprintf("must be a whole number from 1 to %d, \"off\", or empty for the default, got %q", maxInteractionSlots, v)}
		}
		c.InteractionSlots = n
	}
	if c.ImportWorkers > 0 && c.ImportPerGuild > c.ImportWorkers {
		return c, &Error{"IMPORT_WORKERS_PER_SERVER", fmt.Sprintf("must not be more than IMPORT_WORKERS (%d), got %d", c.ImportWorkers, c.ImportPerGuild)}
	}
	if c.Shards.Off && c.InteractionsAddr == "" {
		return c, &Error{"DISCORD_SHARDS", "is off, so INTERACTIONS_ADDR must be set: with neither a gateway nor an HTTP endpoint no interaction can arrive"}
	}
	return c, nil
}

// isAO3 reports whether origin is AO3 itself (not a test server).
func isAO3(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	switch strings.TrimSuffix(strings.ToLower(u.Hostname()), ".") {
	case "archiveofourown.org", "www.archiveofourown.org", "ao3.org", "www.ao3.org":
		return true
	}
	return false
}

func checkOrigin(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("must be an http(s) URL such as https://example.com, got %q", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("must be a plain origin with no credentials, query or fragment, got %q", raw)
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("must be debug, info, warn or error, got %q", s)
}

// DBPath returns FICSHELF_DB (or its default) alone, for subcommands such as
// backup that need no token.
func DBPath(lookup func(string) string) string {
	if v := strings.TrimSpace(lookup("FICSHELF_DB")); v != "" {
		return v
	}
	return DefaultDB
}
