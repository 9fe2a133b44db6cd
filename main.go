// Command ficshelf is a Discord bot for fanfiction communities.
//
//	ficshelf               run the bot until SIGINT/SIGTERM
//	ficshelf backup FILE   write a consistent copy of the database as a BoltDB file, also while the bot runs
//	ficshelf copy FROM TO  copy every server's data from one store to an empty one (a file or a PostgreSQL URL each)
//	ficshelf commands      print the command definitions as JSON
//
// Configuration comes from the environment and a .env file in the working
// directory (the environment wins); see .env.example.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/joho/godotenv"

	"ficshelf/app"
	"ficshelf/commands"
	"ficshelf/config"
	"ficshelf/gcfloor"
	"ficshelf/hotbackup"
	"ficshelf/shelf"
	"ficshelf/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ficshelf:", err)
		os.Exit(1)
	}
}

// gcFloor is the heap the garbage collector lets the bot reach before it
// runs (see gcfloor), unless GOGC or GOMEMLIMIT is set in the environment:
// then the Go runtime's own settings apply.
const gcFloor = 32 << 20

const usage = `usage:
  ficshelf               run the bot
  ficshelf backup FILE   write a consistent copy of the database to FILE (a BoltDB file)
  ficshelf copy FROM TO  copy every server's data from one store to an empty one;
                         FROM and TO are each a BoltDB file path or a postgres:// URL
  ficshelf commands      print the command definitions as JSON`

// run is the whole program: args are the arguments after the program name,
// getenv reads the environment (a .env file in the working directory fills
// in unset keys).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	lookup, err := envLookup(".env", getenv)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 0:
		cfg, err := config.Load(lookup)
		if err != nil {
			return err
		}
		log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
		if getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "" {
			defer gcfloor.Start(gcFloor).Stop()
		}
		if addr := getenv(pprofEnv); addr != "" {
			if _, err := servePprof(ctx, addr, log); err != nil {
				return err
			}
		}
		return app.Run(ctx, cfg, app.Options{Logger: log})
	case args[0] == "commands" && len(args) == 1:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(commands.New(commands.Deps{}).Definitions())
	case args[0] == "backup" && len(args) == 2:
		return backup(ctx, config.DBPath(lookup), args[1], stdout)
	case args[0] == "copy" && len(args) == 3:
		return copyStores(ctx, args[1], args[2], stdout)
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return errors.New(usage)
}

// envLookup returns a lookup that reads the environment first and the
// dotenv file second. A missing file is fine; an unreadable one is not.
func envLookup(path string, getenv func(string) string) (func(string) string, error) {
	file, err := godotenv.Read(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return file[key]
	}, nil
}

// backup writes a consistent copy of the database at dbPath to dest. When a
// bot is running it holds the database, so it is asked over the backup
// socket; otherwise the database is opened and copied directly.
func backup(ctx context.Context, dbPath, dest string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if store.IsPostgres(dbPath) {
		return backupPostgres(ctx, dbPath, dest, stdout)
	}
	n, err := hotbackup.Fetch(ctx, hotbackup.SocketPath(dbPath), dest)
	if errors.Is(err, hotbackup.ErrNoServer) {
		if _, statErr := os.Stat(dbPath); statErr != nil {
			return &config.Error{Key: "FICSHELF_DB", Reason: fmt.Sprintf("no database at %s", dbPath)}
		}
		st, openErr := store.Open(ctx, dbPath, store.Options{LockTimeout: 2 * time.Second})
		if errors.Is(openErr, shelf.ErrLocked) {
			return fmt.Errorf("backup: %s is held by a running Ficshelf that does not answer on %s", dbPath, hotbackup.SocketPath(dbPath))
		}
		if openErr != nil {
			return fmt.Errorf("backup: %w", openErr)
		}
		defer st.Close()
		file, ok := st.(interface {
			Backup(w io.Writer) (int64, error)
		})
		if !ok {
			return fmt.Errorf("backup: the %s store has no file to copy", st.Engine())
		}
		n, err = hotbackup.WriteFile(dest, file.Backup)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %d bytes to %s\n", n, dest)
	return nil
}

// backupPostgres writes the PostgreSQL database at dbURL, as one snapshot,
// into a new BoltDB file at dest (written beside it, then renamed, so dest
// is never a half-written file). The bot may keep running.
func backupPostgres(ctx context.Context, dbURL, dest string, stdout io.Writer) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; name a new file", dest)
	}
	src, err := store.Open(ctx, dbURL, store.Options{})
	if err != nil {
		return &config.Error{Key: "FICSHELF_DB", Reason: err.Error()}
	}
	defer src.Close()
	tmp := dest + ".partial"
	os.Remove(tmp)
	dst, err := store.Open(ctx, tmp, store.Options{})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	rep, err := store.Copy(ctx, src, dst)
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dest)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %s\n", dest, summary(rep))
	return nil
}

// copyStores is "ficshelf copy FROM TO": every server's data from one store
// into an empty one, checked by counts at the end. Stop the bots on FROM
// first when it is a BoltDB file (it is locked while one runs).
func copyStores(ctx context.Context, from, to string, stdout io.Writer) error {
	src, err := store.Open(ctx, from, store.Options{LockTimeout: 2 * time.Second})
	if errors.Is(err, shelf.ErrLocked) {
		return fmt.Errorf("copy: %s is in use by a running Ficshelf; stop it first", from)
	}
	if err != nil {
		return fmt.Errorf("copy: open FROM: %w", err)
	}
	defer src.Close()
	if !store.IsPostgres(to) {
		if _, err := os.Stat(to); err == nil {
			// An existing file is opened and must be empty; say which.
			fmt.Fprintf(stdout, "copying into the existing file %s (it must hold no data)\n", to)
		}
	}
	dst, err := store.Open(ctx, to, store.Options{LockTimeout: 2 * time.Second})
	if errors.Is(err, shelf.ErrLocked) {
		return fmt.Errorf("copy: %s is in use by a running Ficshelf; stop it first", to)
	}
	if err != nil {
		return fmt.Errorf("copy: open TO: %w", err)
	}
	rep, err := store.Copy(ctx, src, dst)
	if cerr := dst.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("copy: close TO: %w", cerr)
	}
	if errors.Is(err, shelf.ErrNotEmpty) {
		return fmt.Errorf("copy: TO already holds data; copy only into an empty database (%w)", shelf.ErrNotEmpty)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %s; both stores hold the same counts\n", summary(rep))
	return nil
}

// summary says what a copy moved, e.g. "2 servers: 120 stories, 430
// chapters, …".
func summary(rep store.CopyReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d servers:", rep.Guilds())
	for i, k := range shelf.CountKinds {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %d %s", rep.Total(k), strings.ReplaceAll(k, "_", " "))
	}
	return b.String()
}
