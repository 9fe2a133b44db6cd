// Package config turns Ficshelf's configuration keys (SPEC.md §1) into a
// validated Config. It does not read the environment itself: main passes a
// lookup function, so tests and main share one code path.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Defaults for optional keys.
const (
	DefaultBaseURL = "https://discord.com"
	DefaultDB      = "ficshelf.db"
	DefaultAO3URL  = "https://archiveofourown.org"
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
		Token:       get("DISCORD_TOKEN", ""),
		GuildID:     get("DISCORD_GUILD_ID", ""),
		BaseURL:     strings.TrimRight(get("DISCORD_BASE_URL", DefaultBaseURL), "/"),
		DBPath:      get("FICSHELF_DB", DefaultDB),
		AO3BaseURL:  strings.TrimRight(get("AO3_BASE_URL", DefaultAO3URL), "/"),
		MetricsAddr: get("METRICS_ADDR", ""),
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
	return c, nil
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
