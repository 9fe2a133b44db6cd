package loadtest

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"ficshelf/app"
	"ficshelf/config"
	"ficshelf/discordtest"
	"ficshelf/store/postgres/pgtest"
)

var flagInProcess = flag.Bool("inprocess", false, "run TestLoadInProcess (the bot inside the test process, for CPU profiles)")

// TestLoadInProcess is TestLoad with the bot running inside the test
// process (app.Run, the code main runs), so that go test's -cpuprofile
// sees the bot's CPU next to the harness's. It runs only with -inprocess:
//
//	go test ./loadtest -run TestLoadInProcess -count=1 -v -cpuprofile cpu.out -args -inprocess -n 4000 -c 64
//	go tool pprof -top -cum loadtest.test cpu.out
//
// With -db postgres the bot's store is a fresh PostgreSQL database.
func TestLoadInProcess(t *testing.T) {
	if !*flagInProcess {
		t.Skip("only with -inprocess")
	}
	srv := discordtest.New(t)
	db := filepath.Join(t.TempDir(), "ficshelf.db")
	if *flagDB == "postgres" {
		db = pgtest.URL(t)
	}
	w := NewWorld(t, srv, db, WorldConfig{Guilds: *flagGuilds, Members: *flagMembers, Stories: *flagStories})
	w.Watch = NewWatcher(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		done <- app.Run(ctx, config.Config{Token: srv.Token, BaseURL: w.Watch.URL, DBPath: db, AO3BaseURL: "http://127.0.0.1:1", LogLevel: slog.LevelWarn},
			app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Started: func() { close(started) }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app.Run: %v", err)
		}
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("bot stopped before it was ready: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("bot not ready after 30 s")
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := srv.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	mix := parseMix(t, *flagMix)
	res := Run(t, w, RunConfig{N: *flagN, Concurrency: *flagC, Mix: mix})
	t.Logf("\n%s", res.Report())
	if n := res.Count(func(s Sample) bool { return s.Late || s.Unanswered || s.Failed }); n > 0 {
		t.Errorf("%d interactions late, unanswered or failed", n)
	}
}
