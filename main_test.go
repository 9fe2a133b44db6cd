package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/config"
	"ficshelf/discordtest"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/store/bolt"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCommandsPrintsValidDefinitions(t *testing.T) {
	t.Chdir(t.TempDir())
	var out bytes.Buffer
	if err := run(context.Background(), []string{"commands"}, env(nil), &out, &out); err != nil {
		t.Fatal(err)
	}
	var defs []*discordgo.ApplicationCommand
	if err := json.Unmarshal(out.Bytes(), &defs); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(defs) == 0 {
		t.Fatal("no commands")
	}
	if err := discordtest.CheckCommands(defs); err != nil {
		t.Errorf("definitions break Discord's rules: %v", err)
	}
}

func TestBadConfigurationNamesTheKey(t *testing.T) {
	t.Chdir(t.TempDir())
	tests := []struct {
		env map[string]string
		key string
	}{
		{map[string]string{}, "DISCORD_TOKEN"},
		{map[string]string{"DISCORD_TOKEN": "t", "DISCORD_BASE_URL": "not a url"}, "DISCORD_BASE_URL"},
		{map[string]string{"DISCORD_TOKEN": "t", "FICSHELF_DB": "/nonexistent-dir/sub/ficshelf.db"}, "FICSHELF_DB"},
		{map[string]string{"DISCORD_TOKEN": "t", "LOG_LEVEL": "chatty"}, "LOG_LEVEL"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, nil, env(tt.env), &bytes.Buffer{}, &bytes.Buffer{})
		cancel()
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != tt.key || strings.Contains(err.Error(), "\n") {
			t.Errorf("env %v: got %v, want one line naming %s", tt.env, err, tt.key)
		}
	}
}

func TestDotEnvFillsUnsetKeys(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile(filepath.Join(dir, ".env"), []byte("DISCORD_TOKEN=from-file\nLOG_LEVEL=loud\n"), 0o600)
	lookup, err := envLookup(".env", env(map[string]string{"LOG_LEVEL": "debug"}))
	if err != nil {
		t.Fatal(err)
	}
	if lookup("DISCORD_TOKEN") != "from-file" || lookup("LOG_LEVEL") != "debug" {
		t.Errorf("token %q, level %q: the environment must win over .env", lookup("DISCORD_TOKEN"), lookup("LOG_LEVEL"))
	}
}

// startBot runs the program against a discordtest server until the test
// ends and returns its environment.
func startBot(t *testing.T, srv *discordtest.Server, db string) (map[string]string, <-chan error) {
	t.Helper()
	e := map[string]string{"DISCORD_TOKEN": srv.Token, "DISCORD_BASE_URL": srv.URL, "FICSHELF_DB": db, "LOG_LEVEL": "error"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env(e), &bytes.Buffer{}, &bytes.Buffer{}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("bot did not stop")
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if err := srv.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	return e, done
}

func TestBackupWhileRunningAndLockedDatabase(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	srv := discordtest.New(t)
	srv.AddGuild("g")
	db := filepath.Join(dir, "ficshelf.db")
	e, _ := startBot(t, srv, db)

	// A second instance on the same file is told so within a few seconds.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	err := run(ctx, nil, env(e), &bytes.Buffer{}, &bytes.Buffer{})
	cancel()
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "FICSHELF_DB" || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second instance: got %v", err)
	}
	if took := time.Since(start); took > 6*time.Second {
		t.Errorf("locked database reported after %v", took)
	}

	// A hot backup while the bot runs is a valid, openable database.
	dest := filepath.Join(dir, "copy.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", dest}, env(e), &out, &out); err != nil {
		t.Fatalf("backup: %v", err)
	}
	if !strings.Contains(out.String(), "wrote") {
		t.Errorf("backup said %q", out.String())
	}
	st, err := bolt.Open(dest, bolt.Options{})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer st.Close()
	if v, err := st.SchemaVersion(); err != nil || v != bolt.CurrentSchemaVersion() {
		t.Errorf("backup schema version %d, %v", v, err)
	}
}

// A bot that cannot start (Discord refuses its token) makes the program
// exit with the reason, also with the metrics server running: nothing is
// left waiting for a shutdown signal that never comes.
func TestStartFailureExitsWithMetricsOn(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	srv := discordtest.New(t)
	srv.AddGuild("g")
	e := map[string]string{"DISCORD_TOKEN": "not-the-token", "DISCORD_BASE_URL": srv.URL,
		"FICSHELF_DB": filepath.Join(dir, "ficshelf.db"), "LOG_LEVEL": "error", "METRICS_ADDR": "127.0.0.1:0"}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env(e), &bytes.Buffer{}, &bytes.Buffer{}) }()
	select {
	case err := <-done:
		if err == nil || ctx.Err() != nil {
			t.Errorf("run = %v (context: %v), want the start-up failure", err, ctx.Err())
		}
	case <-ctx.Done():
		t.Fatal("run still waiting after the bot failed to start")
	}
}

func TestBackupWithoutRunningBot(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	db := filepath.Join(dir, "ficshelf.db")
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	dest := filepath.Join(dir, "copy.db")
	if err := run(context.Background(), []string{"backup", dest}, env(map[string]string{"FICSHELF_DB": db}), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dest); err != nil || fi.Size() == 0 {
		t.Errorf("backup file: %v %v", fi, err)
	}
	err = run(context.Background(), []string{"backup", dest}, env(map[string]string{"FICSHELF_DB": filepath.Join(dir, "missing.db")}), &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "FICSHELF_DB") {
		t.Errorf("backup of a missing database: %v", err)
	}
}

func TestUsage(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := run(context.Background(), []string{"frobnicate"}, env(nil), &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Errorf("unknown subcommand: %v", err)
	}
}

// ficshelf copy moves a database from BoltDB to PostgreSQL and back with
// nothing lost or changed, refuses a destination that holds data, and
// ficshelf backup on PostgreSQL writes a BoltDB file of the same data.
func TestCopyAndBackupThroughPostgres(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ctx := context.Background()
	from := filepath.Join(dir, "from.db")
	src, err := store.Open(ctx, from, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Fill(t, src)
	src.Close()
	pgURL := pgtest.URL(t)

	var out bytes.Buffer
	if err := run(ctx, []string{"copy", from, pgURL}, env(nil), &out, &bytes.Buffer{}); err != nil {
		t.Fatalf("copy to postgres: %v", err)
	}
	if !strings.Contains(out.String(), "2 servers: 3 stories, 4 chapters, 4 kudos") {
		t.Errorf("copy said %q", out.String())
	}
	back := filepath.Join(dir, "back.db")
	if err := run(ctx, []string{"copy", pgURL, back}, env(nil), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatalf("copy back: %v", err)
	}
	if err := run(ctx, []string{"copy", from, pgURL}, env(nil), &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, shelf.ErrNotEmpty) {
		t.Errorf("copy into a database with data: %v", err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := run(ctx, []string{"backup", backup}, env(map[string]string{"FICSHELF_DB": pgURL}), &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatalf("backup of postgres: %v", err)
	}
	if err := run(ctx, []string{"backup", backup}, env(map[string]string{"FICSHELF_DB": pgURL}), &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("backup over an existing file succeeded")
	}
	a := storetest.OpenPath(t, from)
	for _, p := range []string{back, backup} {
		storetest.SameData(t, a, storetest.OpenPath(t, p))
	}
	pg := pgtest.OpenURL(t, pgURL)
	storetest.SameData(t, a, pg)
}

// A PostgreSQL that does not answer stops the bot within 10 s with one
// line naming FICSHELF_DB, and the password is never printed.
func TestUnreachablePostgresNamesTheKey(t *testing.T) {
	t.Chdir(t.TempDir())
	// A listener that accepts and never answers: the slowest failure.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	for _, dsn := range []string{
		"postgres://ficshelf:hunter2@" + l.Addr().String() + "/fics",
		"postgresql://ficshelf:hunter2@127.0.0.1:1/fics",
	} {
		var stderr bytes.Buffer
		start := time.Now()
		err := run(context.Background(), nil, env(map[string]string{"DISCORD_TOKEN": "x", "FICSHELF_DB": dsn}), &bytes.Buffer{}, &stderr)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: gave up after %v", dsn, d)
		}
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != "FICSHELF_DB" {
			t.Errorf("%s: %v, want a configuration error naming FICSHELF_DB", dsn, err)
		}
		if strings.Contains(fmt.Sprint(err)+stderr.String(), "hunter2") {
			t.Errorf("the password was shown: %v\n%s", err, stderr.String())
		}
	}
}
