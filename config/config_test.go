package config

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func lookup(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(lookup(map[string]string{"DISCORD_TOKEN": "abc.def"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Token: "abc.def", BaseURL: DefaultBaseURL, DBPath: DefaultDB, AO3BaseURL: DefaultAO3URL, LogLevel: slog.LevelInfo}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
}

func TestLoadValues(t *testing.T) {
	c, err := Load(lookup(map[string]string{
		"DISCORD_TOKEN":    "tok",
		"DISCORD_GUILD_ID": "123456789012345678",
		"DISCORD_BASE_URL": "http://127.0.0.1:8080/",
		"FICSHELF_DB":      "/tmp/x.db",
		"AO3_BASE_URL":     "http://127.0.0.1:9000",
		"LOG_LEVEL":        "DEBUG",
		"METRICS_ADDR":     "127.0.0.1:9090",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "http://127.0.0.1:8080" || c.GuildID != "123456789012345678" || c.LogLevel != slog.LevelDebug || c.MetricsAddr != "127.0.0.1:9090" || c.DBPath != "/tmp/x.db" {
		t.Errorf("got %+v", c)
	}
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	base := map[string]string{"DISCORD_TOKEN": "secret-token-value"}
	tests := []struct {
		key, value string
	}{
		{"DISCORD_TOKEN", ""},
		{"DISCORD_TOKEN", "Bot secret"},
		{"DISCORD_GUILD_ID", "my-server"},
		{"DISCORD_BASE_URL", "discord.com"},
		{"DISCORD_BASE_URL", "ftp://discord.com"},
		{"DISCORD_BASE_URL", "https://user:pw@discord.com"},
		{"AO3_BASE_URL", "::not a url"},
		{"LOG_LEVEL", "loud"},
		{"METRICS_ADDR", "9090"},
	}
	for _, tt := range tests {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		env[tt.key] = tt.value
		_, err := Load(lookup(env))
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != tt.key {
			t.Errorf("%s=%q: got %v, want an error naming %s", tt.key, tt.value, err, tt.key)
			continue
		}
		if strings.Contains(err.Error(), "secret") && tt.key != "DISCORD_TOKEN" {
			t.Errorf("%s=%q: error %q echoes the token", tt.key, tt.value, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", tt.key, err)
		}
	}
}

func TestTokenNeverEchoed(t *testing.T) {
	_, err := Load(lookup(map[string]string{"DISCORD_TOKEN": "Bot supersecret"}))
	if err == nil || strings.Contains(err.Error(), "supersecret") {
		t.Errorf("got %v; the token must not appear", err)
	}
}
