// Command ficshelf is a Discord bot for fanfiction communities.
//
//	ficshelf               run the bot until SIGINT/SIGTERM
//	ficshelf backup FILE   write a consistent copy of the database, also while the bot runs
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
	"syscall"
	"time"

	"github.com/joho/godotenv"

	"ficshelf/app"
	"ficshelf/commands"
	"ficshelf/config"
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

const usage = `usage:
  ficshelf               run the bot
  ficshelf backup FILE   write a consistent copy of the database to FILE
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
		return app.Run(ctx, cfg, app.Options{Logger: log})
	case args[0] == "commands" && len(args) == 1:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(commands.New(commands.Deps{}).Definitions())
	case args[0] == "backup" && len(args) == 2:
		return backup(ctx, config.DBPath(lookup), args[1], stdout)
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
	if store.IsPostgres(dbPath) {
		// MERGE: a PostgreSQL store is backed up into a BoltDB file from
		// one snapshot (shelf.Copier), by store/postgres.
		return &config.Error{Key: "FICSHELF_DB", Reason: "backup of a PostgreSQL database is not available in this build"}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
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
