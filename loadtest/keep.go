package loadtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/discordtest"
	"ficshelf/store"
)

// keepVersion changes whenever what a seeded world holds changes, so that
// a database seeded by an older generator is seeded again.
const keepVersion = 3

// KeepMaxAge is how old a kept database may be before it is seeded again:
// the big server's kudos lie in the seven days before the seeding, and a
// day later a seventh of them has left "this week".
const KeepMaxAge = 24 * time.Hour

// keepManifest describes a kept database: the parameters it was seeded
// with and the world's stories (their IDs and titles, which the load's
// interactions name), so that a later run with the same parameters can
// reuse it without reading the database.
type keepManifest struct {
	Version  int           `json:"version"`
	Engine   string        `json:"engine"` // "bolt" or "postgres"
	Config   WorldConfig   `json:"config"`
	SeededAt time.Time     `json:"seeded_at"`
	SeedTime time.Duration `json:"seed_time_ns"`
	// Database is the BoltDB file's name in the directory, or the
	// PostgreSQL database's name.
	Database                        string    `json:"database"`
	GuildIDs                        []string  `json:"guild_ids"`
	Stories                         [][]Story `json:"stories"` // per server, in GuildIDs' order
	Chapters, Bytes, Kudos, ListsIn int
}

const manifestName = "manifest.json"

// KeptWorld is NewWorld for a database kept in dir between runs
// (-keepdb): the first run seeds it (a BoltDB file in dir, or for engine
// "postgres" a database named after dir on the server FICSHELF_TEST_POSTGRES
// names) and writes a manifest of the parameters next to it; a later run
// reuses it when the manifest's parameters (cfg, the engine, the
// generator's version) are the same and it is younger than KeepMaxAge, and
// otherwise drops it and seeds again. The manifest is written only once
// the seeding has committed, so an interrupted seeding is never reused.
//
// A reused database keeps what earlier runs wrote into it (their kudos
// and reading-list entries): a few thousand records on top of the seeded
// library.
func KeptWorld(t testing.TB, srv *discordtest.Server, dir, engine string, cfg WorldConfig) *World {
	t.Helper()
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("-keepdb %s: %v", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		t.Fatalf("-keepdb: %v", err)
	}
	db, name, err := keptDB(abs, engine)
	if err != nil {
		t.Fatalf("-keepdb: %v", err)
	}
	w := newServers(srv, db, cfg)
	m, why := readManifest(abs, engine, cfg, name, time.Now())
	if m != nil {
		if err := w.reuse(m); err != nil {
			t.Fatalf("-keepdb %s: %v", abs, err)
		}
		t.Logf("-keepdb: reusing the database in %s (%s), seeded %v ago", abs, redact(db), time.Since(m.SeededAt).Round(time.Second))
		w.cards()
		return w
	}
	t.Logf("-keepdb: seeding %s: %s", redact(db), why)
	// Forget the old manifest before touching the database, so that a
	// seeding interrupted from here on is never taken for a finished one.
	if err := os.Remove(filepath.Join(abs, manifestName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("-keepdb: %v", err)
	}
	if err := resetDB(db, name); err != nil {
		t.Fatalf("-keepdb: %v", err)
	}
	start := time.Now()
	w.SeededAt = start
	if err := w.seed(context.Background(), cfg); err != nil {
		t.Fatalf("seed %s: %v", redact(db), err)
	}
	w.SeedTime = time.Since(start)
	m = &keepManifest{Version: keepVersion, Engine: engine, Config: cfg, SeededAt: w.SeededAt, SeedTime: w.SeedTime, Database: name,
		Chapters: w.Chapters, Bytes: w.Bytes, Kudos: w.Kudos, ListsIn: w.ListEntries}
	for _, g := range w.Guilds {
		m.GuildIDs = append(m.GuildIDs, g.Guild.ID)
		m.Stories = append(m.Stories, g.Stories)
	}
	if err := writeManifest(abs, m); err != nil {
		t.Fatalf("-keepdb: %v", err)
	}
	w.cards()
	return w
}

// keptDB names the kept database of dir: the file dir/ficshelf.db, or
// the database ficshelf_keep_<hash of dir> on FICSHELF_TEST_POSTGRES's
// server.
func keptDB(dir, engine string) (db, name string, err error) {
	switch engine {
	case "bolt":
		return filepath.Join(dir, "ficshelf.db"), "ficshelf.db", nil
	case "postgres":
		server := os.Getenv("FICSHELF_TEST_POSTGRES")
		if server == "" {
			return "", "", errors.New("-db postgres needs FICSHELF_TEST_POSTGRES (the server to keep the database on)")
		}
		h := sha256.Sum256([]byte(dir))
		name = "ficshelf_keep_" + hex.EncodeToString(h[:6])
		u, err := url.Parse(server)
		if err != nil {
			return "", "", fmt.Errorf("FICSHELF_TEST_POSTGRES is not a URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), name, nil
	}
	return "", "", fmt.Errorf("engine %q: want bolt or postgres", engine)
}

// readManifest returns dir's manifest when it matches (nil and the reason
// otherwise).
func readManifest(dir, engine string, cfg WorldConfig, name string, now time.Time) (*keepManifest, string) {
	cfg.defaults()
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, "no database kept there yet"
	}
	if err != nil {
		return nil, err.Error()
	}
	var m keepManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Sprintf("unreadable manifest (%v)", err)
	}
	switch {
	case m.Version != keepVersion:
		return nil, fmt.Sprintf("seeded by generator version %d, this is %d", m.Version, keepVersion)
	case m.Engine != engine || m.Database != name:
		return nil, fmt.Sprintf("kept for -db %s, this run is -db %s", m.Engine, engine)
	case !reflect.DeepEqual(m.Config, cfg):
		return nil, fmt.Sprintf("seeded with other parameters (%+v; this run: %+v)", m.Config, cfg)
	case now.Sub(m.SeededAt) > KeepMaxAge:
		return nil, fmt.Sprintf("seeded %v ago (more than %v)", now.Sub(m.SeededAt).Round(time.Minute), KeepMaxAge)
	}
	if engine == "bolt" {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return nil, fmt.Sprintf("database file gone (%v)", err)
		}
	} else if ok, err := pgDatabaseExists(name); !ok {
		return nil, fmt.Sprintf("database %s gone (%v)", name, err)
	}
	return &m, ""
}

// reuse takes the world's library from m, after checking that the
// servers have the IDs the database was seeded with.
func (w *World) reuse(m *keepManifest) error {
	if len(m.GuildIDs) != len(w.Guilds) || len(m.Stories) != len(w.Guilds) {
		return fmt.Errorf("manifest has %d servers, the world %d", len(m.GuildIDs), len(w.Guilds))
	}
	for i, g := range w.Guilds {
		if g.Guild.ID != m.GuildIDs[i] {
			return fmt.Errorf("server %d has ID %s, the kept database %s (discordtest's IDs changed: delete the directory)", i, g.Guild.ID, m.GuildIDs[i])
		}
		g.Stories = m.Stories[i]
	}
	w.Reused, w.SeededAt, w.SeedTime = true, m.SeededAt, m.SeedTime
	w.Chapters, w.Bytes, w.Kudos, w.ListEntries = m.Chapters, m.Bytes, m.Kudos, m.ListsIn
	return nil
}

func writeManifest(dir string, m *keepManifest) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, manifestName+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, manifestName))
}

// resetDB removes the kept BoltDB file, or drops and creates the kept
// PostgreSQL database, so that the seeding starts empty.
func resetDB(db, name string) error {
	if !store.IsPostgres(db) {
		if err := os.Remove(db); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, os.Getenv("FICSHELF_TEST_POSTGRES"))
	if err != nil {
		return fmt.Errorf("connect to FICSHELF_TEST_POSTGRES: %w", err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// pgDatabaseExists reports whether FICSHELF_TEST_POSTGRES's server has
// a database called name.
func pgDatabaseExists(name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, os.Getenv("FICSHELF_TEST_POSTGRES"))
	if err != nil {
		return false, fmt.Errorf("connect to FICSHELF_TEST_POSTGRES: %w", err)
	}
	defer admin.Close(context.Background())
	var ok bool
	err = admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok)
	return ok, err
}

// redact is db without a password.
func redact(db string) string {
	if !store.IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
