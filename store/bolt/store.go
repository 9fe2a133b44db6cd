// Package bolt is Ficshelf's embedded storage engine: one BoltDB
// (go.etcd.io/bbolt) file holding each server's library of stories and
// their chapters, kudos, reading lists, recommendations, reading clubs and
// settings. *Store implements shelf.Store, the contract both engines keep
// (package shelf); commands see it only through those ports. Backup, Path,
// Check and SchemaVersion are bolt-only extras (hot backups, crash tests).
//
// IDs go in and out as decimal strings (Discord snowflakes, story IDs),
// values as shelf's domain types, and no bbolt type appears in a signature.
// Every method checks its context and runs in one transaction; values are
// decoded inside it and raw byte slices never leave it. Every acknowledged
// write is fsynced before the method returns.
//
// # Bucket tree
//
// Update this drawing with every change to the layout (and add a migration
// when existing files need rewriting). Notation: "u64" is an 8-byte
// big-endian unsigned integer, "|" joins fixed-width key parts, so a prefix
// scan (Cursor.Seek + bytes.HasPrefix) lists e.g. one member's entries.
// Snowflakes (guild, user, channel IDs) are stored as u64; story IDs are u64
// taken from the guild's stories bucket sequence (shown to users in decimal).
//
//	meta/                                     (bucket)
//	  version            -> u64 schema version (len(migrations) after Open)
//	guilds/                                   (bucket)
//	  <guild u64>/                            (bucket; one per server: a server
//	                                            never reads another's bucket)
//	    settings         -> JSON Settings
//	    stories/         (sequence = last story ID)
//	      <story u64>    -> JSON storyDoc: fic.Story without chapter text,
//	                        adder, time, mine, chapter titles and words
//	    heads/
//	      <story u64>    -> binary head: title, authors, chapters posted/
//	                        expected, words, rating, adder, added time
//	                        (small: autocomplete, lists and joins read this)
//	    facets/
//	      <story u64>    -> binary facets: rating, words, added time, folded
//	                        title, fandoms and tags (what ListStories filters
//	                        and sorts on, without decoding documents)
//	    counts/
//	      <story u64>    -> binary counts: kudos u32 | readers u32 | owner u64
//	                        (owner = adder when "mine", else 0); kudos and
//	                        readers always equal the records below
//	    chapters/
//	      <story u64>|<chapter u32, 1-based> -> binary chapter: title, notes,
//	                        end notes, text, sentence index (opaque bytes)
//	    ao3/
//	      <AO3 work u64> -> <story u64>           (AO3 work unique per guild)
//	    story_sort/      (derived.go: ListStories' orders, /kudos top all)
//	      <sort byte>|<sort key>|^<story u64> -> (empty)
//	    facet_vals/
//	      <kind byte>|<folded fandom, tag or rating> -> u32 stories with it
//	    facet_post/
//	      <kind byte>|<folded value>|0x00|<story u64> -> (empty)
//	    lib/
//	      "stories"      -> u64 number of stories
//	    top_wm/          (/kudos top per period: week 1, month 2)
//	      <period byte>  -> i64 unix ns watermark W (absent: every kudos)
//	    top_cnt/
//	      <period byte>|<story u64> -> u32 kudos given at or after W
//	    top_rank/
//	      <period byte>|^count u32|^kudos u32|^added|^<story u64> -> (empty)
//	    kudos/
//	      <story u64>|<user u64> -> i64 unix nanoseconds given
//	    kudos_by_user/
//	      <user u64>|<story u64> -> i64 unix nanoseconds given
//	    kudos_by_time/
//	      <i64 unix ns>|<story u64>|<user u64> -> (empty)
//	    lists/
//	      <user u64>|<story u64> -> binary list entry: status, chapter, note,
//	                        added, updated
//	    readers/
//	      <story u64>|<user u64> -> (empty)   (reverse of lists/)
//	    list_finished/                        (stats.go: the reading log)
//	      <user u64>|<story u64> -> i64 unix ns the entry became finished
//	    progress/
//	      <user u64>|<i64 unix ns>|<story u64> -> (empty)   (a progress event)
//	    imports/         (sequence = last import ID)   (imports.go)
//	      <import u64>   -> JSON ImportJob head (state, cursor, counts)
//	    import_works/
//	      <import u64>|<work u64> -> JSON ImportWork
//	    rec_threads/                          (recs.go)
//	      <story u64>    -> JSON RecThread: the story's one discussion thread
//	    recs/            (sequence = last rec ID; newest = highest key)
//	      <rec u64>      -> JSON Rec: story, member, why, time, message, thread
//	    recs_by_user/
//	      <user u64>|<rec u64> -> (empty)
//	    recs_by_story/
//	      <story u64>|<rec u64> -> (empty)
//	    rec_requests/    (sequence = last request ID)
//	      <request u64>  -> JSON RecRequest (answers: rec IDs)
//	    rec_request_threads/
//	      <thread u64>   -> <request u64>
//	    clubs/           (sequence = last club ID)   (clubs.go)
//	      <club u64>     -> JSON Club with its checkpoints (schedule and what
//	                        was announced: message, thread); kept after it ends
//	    club_channels/
//	      <channel u64>  -> <club u64>   (the channel's active club only)
//	    club_stories/
//	      <story u64>|<club u64> -> (empty)   (active clubs reading a story)
//	    club_members/
//	      <club u64>|<user u64> -> binary member: joined, chapter read, updated
//	    club_by_member/
//	      <user u64>|<club u64> -> (empty)   (reverse of club_members/)
//	    subs/            (subs.go)
//	      <story u64>|<user u64> -> i64 unix ns subscribed
//	    subs_by_user/
//	      <user u64>|<story u64> -> (empty)   (reverse of subs/)
//	    dms_closed/
//	      <user u64>     -> (empty)   (direct messages refused: 50007)
//	    alerts/          (sequence = last alert ID)
//	      <alert u64>    -> JSON alert: story, work, kind, what changed,
//	                        recipients, delivered, first attempt, message
//	due/                                      (bucket; global: the checkpoint
//	                                            scheduler reads its first key)
//	  <opens u64 unix ns>|<guild u64>|<club u64>|<checkpoint u64> -> (empty)
//	                        (a checkpoint not yet announced; removed in the
//	                        transaction that records its thread)
//	leases/                                   (bucket; leases.go)
//	  <name>             -> u64 unix ns expiry | holder bytes
//	imports_running/                          (bucket; imports.go)
//	  <guild u64>|<import u64> -> (empty)     (running, or done and not told)
//	imports_told/                             (bucket; jobtable.go, prune.go)
//	  <since u64 unix ns>|<guild u64>|<import u64> -> (empty)
//	                        (prunable: done and told, since it finished;
//	                        cancelled, since then; previewed, since it
//	                        was created. PruneJobs deletes the oldest);
//	                        series_jobs_running/_told and
//	                        upload_jobs_running/_told alike
//	ao3_works/                                (bucket; global, subs.go)
//	  <AO3 work u64>     -> JSON work: next check, last check, AO3's last
//	                        copy of the work, state
//	ao3_due/                                  (bucket; works not gone)
//	  <next u64 unix ns>|<AO3 work u64> -> (empty)
//	alerts_pending/                           (bucket; alerts not posted)
//	  <created u64 unix ns>|<guild u64>|<alert u64> -> (empty)
//
// # Extending
//
// A new feature (recommendations in recs.go, clubs in clubs.go) adds its own
// sub-buckets under the guild bucket and draws them above. Inside its
// methods it uses s.view / s.update, which check the context, parse the
// guild ID and hand over a *guildTx; guildTx.bucket(name) returns the
// guild's sub-bucket (created on write, nil on read when absent), key(...)
// builds fixed-width keys and forEachPrefix / deletePrefix scan them. What
// must happen in other features' transactions is called explicitly where it
// happens, never registered: RemoveStory calls endClubsOfStory and
// removeStoryRecs, UpdateStory calls extendClubs, ExportMember calls
// exportMemberClubs and exportMemberRecs, DeleteMember calls
// deleteMemberClubs. A feature's records also go into Dump and Load
// (copy.go), its derived buckets rebuilt there from the records.
//
// Append to migrations (migrate.go) only when existing files must be
// rewritten; new buckets need no migration since they are created on write.
// A method that changes what autocomplete shows calls g.refresh(storyID).
//
// # Encoding
//
// Story metadata and settings are JSON: they are read rarely, evolve often
// (new AO3 fields) and JSON tolerates added fields. The hot, small records
// (counts, kudos, list entries, heads) and chapters use a small versioned
// binary encoding (codec.go): they are read in bulk (2,000 list entries, a
// 5,000-story index rebuild) where JSON decoding would dominate, and chapter
// text and its sentence index would otherwise be escaped and base64-inflated.
//
// # Caveats
//
// One process at a time: the file is locked while open (shelf.ErrLocked for a
// second one), so this engine cannot serve several shards. Autocomplete and
// typed-title resolution read an in-memory index derived from heads/ and
// counts/, built per guild on the guild's first use (tens of ms for 5,000
// stories) and refreshed after each commit; it is never written to the
// file. /story list and /kudos top read derived buckets (derived.go) kept
// in the writing transaction. Kudos and reading-list
// writes are group-committed (group.go): concurrent writes share one
// fsynced commit, each caller returning once its own is durable.
package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"ficshelf/shelf"
)

var _ shelf.Store = (*Store)(nil)

// DefaultLockTimeout is how long Open waits for another process to release
// the file before failing with shelf.ErrLocked.
const DefaultLockTimeout = 3 * time.Second

// Options tune Open. The zero value is the production default.
type Options struct {
	// LockTimeout bounds the wait for the file lock; 0 means DefaultLockTimeout.
	LockTimeout time.Duration

	// noFreelistSync is the former default, for benchmarks comparing the
	// two: the freelist is not written with each commit, and is rebuilt at
	// open by reading every page of the file.
	noFreelistSync bool
}

// Store is an open Ficshelf database. Its methods are safe for concurrent
// use. Close it when done.
type Store struct {
	db      *bbolt.DB
	path    string
	idx     *index
	closed  atomic.Bool
	commits atomic.Int64

	batchMu     sync.Mutex
	lastBatchTx *bbolt.Tx // the batch transaction already counted in commits

	group groupCommit // batched writes (kudos, reading lists)
	lane  writeLane   // small writes before a big story's next step (lane.go)

	ao3gap ao3Gap // the AO3 request gap (subs.go)

	warmMu sync.Mutex     // startWarm against Close
	warm   sync.WaitGroup // the big guilds' index builds after Open (warm.go)
}

var (
	bucketMeta   = []byte("meta")
	bucketGuilds = []byte("guilds")
	keyVersion   = []byte("version")
)

// Open opens (creating if needed) the database at path and applies pending
// migrations (each in its own transaction). It reads no guild's records:
// each guild's autocomplete index is built when the guild first uses it,
// except that the guilds of more than warmMinStories stories have theirs
// built in the background right away (warm.go).
// It fails with shelf.ErrLocked when another process holds the file for longer than
// the lock timeout, and with shelf.ErrSchemaTooNew when the file's schema version
// is newer than this program knows.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	// Every commit is fsynced (NoSync false). The freelist is written with
	// each commit (NoFreelistSync false), so that opening reads only the
	// meta pages and the freelist, never the whole file: without it bbolt
	// rebuilds the freelist at open by walking every page (a 2 GiB file:
	// 28 s with a cold page cache, all of it resident afterwards). The
	// cost is a freelist page written per commit (BENCHMARKS.md, "Big
	// servers on BoltDB"). A file written without a freelist (before issue
	// 17) is walked once more at its first open, and has one from its first
	// commit on. The map freelist allocates in constant time.
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.LockTimeout, NoSync: false,
		NoFreelistSync: opts.noFreelistSync, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", path, shelf.ErrLocked)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, idx: newIndex()}
	if err := migrate(db, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := cleanPendingStories(db); err != nil { // bigwrite.go
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The autocomplete index is built per guild on first use (index.go),
	// the big guilds' in the background from now on (warm.go).
	s.startWarm()
	return s, nil
}

// Close releases the file. Methods called afterwards fail.
func (s *Store) Close() error {
	s.warmMu.Lock()
	s.closed.Store(true)
	s.warmMu.Unlock()
	s.warm.Wait() // it stops between guilds once closed
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// IsOpen reports whether Close has not been called yet (for health checks).
func (s *Store) IsOpen() bool { return !s.closed.Load() }

// usable is what a method that reads no transaction (the in-memory
// autocomplete index) checks first: the caller's context, and that the
// store is open.
func (s *Store) usable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return shelf.ErrClosed
	}
	return nil
}

// Engine is "bolt".
func (s *Store) Engine() string { return "bolt" }

// Ping reports shelf.ErrClosed once the store is closed; an open file always
// serves.
func (s *Store) Ping(ctx context.Context) error { return s.usable(ctx) }

// Stats returns the store's current Stats.
func (s *Store) Stats() shelf.Stats {
	st := s.db.Stats()
	return shelf.Stats{
		Commits:     s.commits.Load(),
		CommitTime:  st.TxStats.GetRebalanceTime() + st.TxStats.GetSpillTime() + st.TxStats.GetWriteTime(),
		OpenReadTxs: st.OpenTxN,
	}
}

// countCommit counts tx in Stats once it commits; for batch transactions,
// whose functions each call it, only the first call of a tx counts.
func (s *Store) countCommit(tx *bbolt.Tx, batch bool) {
	if batch {
		s.batchMu.Lock()
		defer s.batchMu.Unlock()
		if s.lastBatchTx == tx {
			return
		}
		s.lastBatchTx = tx
	}
	tx.OnCommit(func() { s.commits.Add(1) })
}

// Path returns the database file's path as given to Open.
func (s *Store) Path() string { return s.path }

// Backup writes a consistent copy of the whole database to w while other
// goroutines keep reading and writing, and returns the bytes written. The
// copy is a valid database file that Open accepts.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// SchemaVersion returns the schema version recorded in the file.
func (s *Store) SchemaVersion() (int, error) {
	var v uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		var err error
		v, err = readVersion(tx)
		return err
	})
	return int(v), err
}

// ---- IDs and keys ----

// parseStoryID parses a story ID as shown to users.
func parseStoryID(s string) (uint64, error) { return shelf.ParseID("story", s) }

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// key joins u64 parts into a fixed-width composite key.
func key(parts ...uint64) []byte {
	b := make([]byte, 8*len(parts))
	for i, p := range parts {
		binary.BigEndian.PutUint64(b[8*i:], p)
	}
	return b
}

func readU64(b []byte, i int) uint64 { return binary.BigEndian.Uint64(b[8*i:]) }

// nanos stores a time; the zero time means now.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		t = time.Now()
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// ---- guild buckets: the extension point every feature file uses ----

// guildTx is one transaction seen from one guild's bucket. In a read
// transaction the guild bucket (and any sub-bucket) may be missing: bucket
// then returns nil and callers treat that as empty.
type guildTx struct {
	tx    *bbolt.Tx
	g     *bbolt.Bucket
	guild uint64
	// touched lists stories whose head changed: the autocomplete index
	// reloads them once the transaction has committed.
	touched []uint64
	cache   map[string]*bbolt.Bucket // sub-buckets opened so far
}

// refresh schedules story's autocomplete entry to be reloaded after commit.
func (g *guildTx) refresh(story uint64) { g.touched = append(g.touched, story) }

// bucket returns the named sub-bucket of the guild, creating it (and the
// guild bucket) in a write transaction; nil when missing in a read one.
func (g *guildTx) bucket(name []byte) *bbolt.Bucket {
	if b, ok := g.cache[string(name)]; ok {
		return b
	}
	b := g.openBucket(name)
	if b != nil {
		if g.cache == nil {
			g.cache = map[string]*bbolt.Bucket{}
		}
		g.cache[string(name)] = b
	}
	return b
}

func (g *guildTx) openBucket(name []byte) *bbolt.Bucket {
	if g.g == nil {
		if !g.tx.Writable() {
			return nil
		}
		gb, err := g.tx.Bucket(bucketGuilds).CreateBucketIfNotExists(u64(g.guild))
		if err != nil {
			panic(bucketError{fmt.Errorf("create guild bucket: %w", err)}) // recovered by update
		}
		g.g = gb
	}
	b := g.g.Bucket(name)
	if b == nil && g.tx.Writable() {
		var err error
		b, err = g.g.CreateBucket(name)
		if err != nil {
			panic(bucketError{fmt.Errorf("create bucket %s: %w", name, err)}) // recovered by update
		}
	}
	return b
}

// get returns the value at k in the guild's sub-bucket name, or nil.
func (g *guildTx) get(name, k []byte) []byte {
	b := g.bucket(name)
	if b == nil {
		return nil
	}
	return b.Get(k)
}

// bucketError carries a bucket-creation failure out of guildTx.bucket, which
// cannot return one without burdening every caller; update recovers it.
type bucketError struct{ err error }

func recoverBucketError(err *error) {
	if r := recover(); r != nil {
		be, ok := r.(bucketError)
		if !ok {
			panic(r)
		}
		*err = be.err
	}
}

func newGuildTx(tx *bbolt.Tx, guild uint64) *guildTx {
	g := &guildTx{tx: tx, guild: guild}
	if gs := tx.Bucket(bucketGuilds); gs != nil {
		g.g = gs.Bucket(u64(guild))
	}
	return g
}

// view runs fn in a read transaction on guild's data.
func (s *Store) view(ctx context.Context, guild string, fn func(g *guildTx) error) error {
	gid, err := shelf.ParseID("guild", guild)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return engineErr(s.db.View(func(tx *bbolt.Tx) error { return fn(newGuildTx(tx, gid)) }))
}

// engineErr maps bbolt's errors that callers may test for to ours.
func engineErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", shelf.ErrClosed, err)
	}
	return err
}

// update runs fn in a write transaction on guild's data, then reloads the
// autocomplete entries fn touched once the commit is durable.
func (s *Store) update(ctx context.Context, guild string, fn func(g *guildTx) error) error {
	return s.write(ctx, guild, writeSolo, fn)
}

// updateBatch is update through group commit (group.go): concurrent callers share one
// fsynced commit, each returning once its own change is durable. fn may run
// twice (it is re-run alone when its group fails), so it must
// decide only from what is in the transaction and reset its results.
func (s *Store) updateBatch(ctx context.Context, guild string, fn func(g *guildTx) error) error {
	return s.write(ctx, guild, writeBatch, fn)
}

// updateStep is update for one chapter step of a big story
// (bigwrite.go): it waits for its turn in the write lane (lane.go) after
// the small writes already waiting, and does not count as one itself.
func (s *Store) updateStep(ctx context.Context, guild string, fn func(g *guildTx) error) error {
	return s.write(ctx, guild, writeStep, fn)
}

// writeMode is how write commits: alone, in a group commit, or as a big
// story's step.
type writeMode int

const (
	writeSolo writeMode = iota
	writeBatch
	writeStep
)

// write is update, updateBatch or updateStep, by mode.
func (s *Store) write(ctx context.Context, guild string, mode writeMode, fn func(g *guildTx) error) error {
	gid, err := shelf.ParseID("guild", guild)
	if err != nil {
		return err
	}
	batch := mode == writeBatch
	commit := s.db.Update
	switch mode {
	case writeBatch:
		commit = s.batch // in the lane as a small write itself
	case writeSolo:
		s.lane.smallIn()
		defer s.lane.smallOut()
	case writeStep:
		s.lane.stepTurn()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var g *guildTx
	err = commit(func(tx *bbolt.Tx) (err error) {
		defer recoverBucketError(&err)
		// The caller may have given up while this waited for the write
		// lock (or its group): then nothing is written.
		if err := ctx.Err(); err != nil {
			return err
		}
		s.countCommit(tx, batch)
		g = newGuildTx(tx, gid)
		return fn(g)
	})
	if err != nil {
		return engineErr(err)
	}
	if len(g.touched) > 0 {
		s.idx.reload(s.db, gid, g.touched)
	}
	return nil
}

// forEachPrefix calls fn for each key in b starting with prefix, in key
// order. k and v are valid only during the call.
func forEachPrefix(b *bbolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// deletePrefix deletes every key in b starting with prefix and returns the
// keys deleted (copied).
func deletePrefix(b *bbolt.Bucket, prefix []byte) ([][]byte, error) {
	if b == nil {
		return nil, nil
	}
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func hasPrefix(k, p []byte) bool { return len(k) >= len(p) && string(k[:len(p)]) == string(p) }

// Check runs bbolt's consistency check (every page reachable once, no
// page both free and in use, keys in order) over one read transaction and
// returns what it found, joined; nil for a sound file. A bolt-only extra
// for crash and fault tests.
func (s *Store) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	err := s.db.View(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check: %w", engineErr(err))
	}
	return errors.Join(errs...)
}
