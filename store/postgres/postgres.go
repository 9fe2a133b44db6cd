// Package postgres is Ficshelf's PostgreSQL engine: a shelf.Store that any
// number of processes share. Every invariant of the contract is held by the
// database itself — unique constraints (one kudos per member per story, one
// active club per channel, one rec thread per story), counters updated in
// the same statement as their records under the story's story_counts row
// lock, and row locks on a club while its checkpoints change — so
// processes need no coordination of their own.
//
// IDs: stories, recs, requests and clubs are numbered per guild from a
// guild_seq row (guild, kind) incremented in the inserting transaction, so
// they stay small decimal numbers like BoltDB's, are never reused, and
// Load can keep them.
//
// Autocomplete: story_words holds each story's distinct title and author
// words (shelf.Tokens) with flags (in title, in author, title's first
// word), keyed (guild, word, story) with the flags included, so a typed
// prefix is an index-only range scan; the candidates are ranked in SQL in
// BoltDB's order, kudos being read only for those that can still make the
// page. ResolveStory finds exact and prefix titles through an index on the
// folded title; "did you mean" scores every title of a guild of up to
// 2,000 stories, and candidates drawn from indexes in a bigger one.
//
// Big servers (issue 17): /kudos top, /story list and title misses read
// indexes with LIMIT (kudos.go, stories.go); counters and the guild-wide
// counts and facets behind them are kept in the writing transaction, by
// the statements themselves or by triggers (migrate.go, step 7).
//
// Times are stored as Unix nanoseconds (bigint) so that they round-trip
// exactly as they do on BoltDB; documents that are only ever read whole
// (story metadata, recs, requests, clubs, settings) are stored as JSON.
// Schema changes are the ordered steps in migrate.go.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"ficshelf/shelf"
)

// Options tune Open.
type Options struct {
	// MaxConns bounds the pool; 0 means the URL's pool_max_conns, else
	// DefaultMaxConns.
	MaxConns int32
	// ConnectTimeout bounds Open's first connection and every later
	// connection attempt; 0 means 8 s, so that Open fails well within 10 s.
	ConnectTimeout time.Duration
	// NoWarm skips warming the pool at Open (warm.go): for short-lived
	// stores (tests, tools) whose first statements need not be fast.
	NoWarm bool
}

// DefaultMaxConns is the pool size when neither Options nor the URL
// (pool_max_conns) sets one: enough for the interactions a process has in
// flight at once (each holds a connection for one short transaction)
// without crowding a server that several processes share.
const DefaultMaxConns = 16

// Store is a shelf.Store on a PostgreSQL database.
type Store struct {
	sizes  sync.Map // guild ID -> guildSize, for SearchStories (searchpop.go)
	pool   *pgxpool.Pool
	db     dbConn // the pool; one connection while warming it (warm.go)
	closed atomic.Bool

	commits    atomic.Int64
	commitTime atomic.Int64 // ns
	// deadlocks counts the transactions PostgreSQL broke out of a
	// deadlock (40P01) and that were run again: each cost a
	// deadlock_timeout's stall (1 s by default).
	deadlocks atomic.Int64
}

var _ shelf.Store = (*Store)(nil)
var _ shelf.JobNotices = (*Store)(nil)

// dbConn is what the methods run their statements and transactions on:
// the pool, or one of its connections while warming it (warm.go).
type dbConn interface {
	querier
	Begin(ctx context.Context) (pgx.Tx, error)
	BeginTx(ctx context.Context, o pgx.TxOptions) (pgx.Tx, error)
}

// Open connects to the database at url (postgres:// or postgresql://),
// creates or migrates its schema under an advisory lock, and returns the
// store. It fails within opts.ConnectTimeout (8 s by default) when the
// server cannot be reached; its errors never contain the URL's password.
// A schema written by a newer Ficshelf fails with shelf.ErrSchemaTooNew.
func Open(ctx context.Context, dbURL string, opts Options) (*Store, error) {
	s, err := open(ctx, dbURL, opts)
	if err != nil {
		return nil, redact(err, dbURL)
	}
	return s, nil
}

func open(ctx context.Context, dbURL string, opts Options) (*Store, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout(opts))
	defer cancel()
	s, desc, err := connect(ctx, dbURL, opts)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", desc, err)
	}
	if !opts.NoWarm {
		warmPool(ctx, s.pool, s.pool.Config().MaxConns)
	}
	return s, nil
}

func connectTimeout(opts Options) time.Duration {
	if opts.ConnectTimeout <= 0 {
		return 8 * time.Second
	}
	return opts.ConnectTimeout
}

// connect opens the pool and checks that the server answers, without
// touching the schema.
func connect(ctx context.Context, dbURL string, opts Options) (*Store, string, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, "", fmt.Errorf("open postgres: bad URL: %w", shelf.ErrInvalid)
	}
	cfg.ConnConfig.ConnectTimeout = connectTimeout(opts)
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "ficshelf" // names our sessions in pg_stat_activity
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		// Every statement is prepared once per connection (pgx's cache)
		// and is a keyed lookup or range whose plan does not depend on the
		// values; planning autocomplete's query afresh each time (custom
		// plans) was a third of its cost.
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_generic_plan"
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !strings.Contains(dbURL, "pool_max_conns"):
		cfg.MaxConns = DefaultMaxConns
	}
	desc := describe(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, "", fmt.Errorf("open postgres %s: %w", desc, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, "", fmt.Errorf("open postgres %s: %w", desc, err)
	}
	return &Store{pool: pool, db: pool}, desc, nil
}

// describe names the server and database without credentials.
func describe(cfg *pgxpool.Config) string {
	return fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
}

// redactedError is an error whose text had a password removed. It keeps
// the sentinels the caller tests for (ErrSchemaTooNew, ErrInvalid) but not
// the original error, whose text may hold the password.
type redactedError struct {
	msg  string
	kind error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.kind }

// redact returns err with the URL's password (raw and decoded) removed
// from its text.
func redact(err error, dbURL string) error {
	msg := err.Error()
	var secrets []string
	if u, perr := url.Parse(dbURL); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			secrets = append(secrets, p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	if cfg, perr := pgconn.ParseConfig(dbURL); perr == nil && cfg.Password != "" {
		secrets = append(secrets, cfg.Password)
	}
	for _, p := range secrets {
		if p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	var kind error
	for _, k := range []error{shelf.ErrSchemaTooNew, shelf.ErrInvalid, context.DeadlineExceeded, context.Canceled} {
		if errors.Is(err, k) {
			kind = k
			break
		}
	}
	return &redactedError{msg: msg, kind: kind}
}

// Engine names the engine.
func (s *Store) Engine() string { return "postgres" }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return shelf.ErrClosed
	}
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping: %w", s.mapErr(err))
	}
	return nil
}

// Stats returns the write transactions committed since Open and the
// connections busy now.
func (s *Store) Stats() shelf.Stats {
	st := shelf.Stats{Commits: s.commits.Load(), CommitTime: time.Duration(s.commitTime.Load())}
	if !s.closed.Load() {
		st.OpenReadTxs = int(s.pool.Stat().AcquiredConns())
	}
	return st
}

// Close closes the pool; later calls fail with shelf.ErrClosed.
func (s *Store) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.pool.Close()
	}
	return nil
}

// mapErr turns a failure after Close into shelf.ErrClosed.
func (s *Store) mapErr(err error) error {
	if err != nil && s.closed.Load() && !errors.Is(err, shelf.ErrClosed) {
		return fmt.Errorf("%w (%v)", shelf.ErrClosed, err)
	}
	return err
}

// retryable reports a serialization failure or deadlock, after which the
// whole transaction can run again; it counts the deadlocks.
func (s *Store) retryable(err error) bool {
	switch pgCode(err) {
	case "40001":
		return true
	case "40P01":
		s.deadlocks.Add(1)
		return true
	}
	return false
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// tx runs fn in one read-committed write transaction, retrying it on a
// serialization failure or deadlock, and wraps any error with what.
func (s *Store) tx(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	return s.txOpts(ctx, what, pgx.TxOptions{}, fn)
}

// read runs fn in one read-only repeatable-read transaction: a consistent
// snapshot for methods that read more than one statement's worth.
func (s *Store) read(ctx context.Context, what string, fn func(pgx.Tx) error) error {
	return s.txOpts(ctx, what, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

func (s *Store) txOpts(ctx context.Context, what string, o pgx.TxOptions, fn func(pgx.Tx) error) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", what, shelf.ErrClosed)
	}
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		err = s.runTx(ctx, o, fn)
		if err == nil || !s.retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, s.mapErr(err))
	}
	return nil
}

// one runs fn, which issues a single statement, on the pool: PostgreSQL
// runs a lone statement as its own transaction, committed before the
// answer comes back, which saves BEGIN and COMMIT round trips and keeps
// row locks for less time (the kudos path). Retried like tx.
func (s *Store) one(ctx context.Context, what string, fn func(querier) error) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", what, shelf.ErrClosed)
	}
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		start := time.Now()
		if err = fn(s.db); err == nil {
			s.commits.Add(1)
			s.commitTime.Add(int64(time.Since(start)))
			return nil
		}
		if !s.retryable(err) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * time.Millisecond)
	}
	return fmt.Errorf("%s: %w", what, s.mapErr(err))
}

func (s *Store) runTx(ctx context.Context, o pgx.TxOptions, fn func(pgx.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, o)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	start := time.Now()
	if err = tx.Commit(ctx); err != nil {
		return err
	}
	if o.AccessMode != pgx.ReadOnly {
		s.commits.Add(1)
		s.commitTime.Add(int64(time.Since(start)))
	}
	return nil
}

// ---- shared helpers ----

func parseGuild(guild string) (int64, error) {
	v, err := shelf.ParseID("guild", guild)
	return int64(v), err
}

func parseID(kind, id string) (int64, error) {
	v, err := shelf.ParseID(kind, id)
	return int64(v), err
}

func fmtID(v int64) string { return shelf.FormatID(uint64(v)) }

// nanos stores a time; the zero time means now.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// nextID hands out guild's next ID of kind under the sequence row's lock,
// so IDs stay small per guild and never repeat.
func nextID(ctx context.Context, tx pgx.Tx, guild int64, kind string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO guild_seq (guild, kind, last) VALUES ($1, $2, 1)
		ON CONFLICT (guild, kind) DO UPDATE SET last = guild_seq.last + 1 RETURNING last`, guild, kind).Scan(&id)
	return id, err
}

// notFound maps pgx.ErrNoRows to a shelf.ErrNotFound naming what.
func notFound(err error, what string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf(what+": %w", append(args, shelf.ErrNotFound)...)
	}
	return err
}
