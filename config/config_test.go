package config

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func lookup(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(lookup(map[string]string{"DISCORD_TOKEN": "abc.def"}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Token: "abc.def", BaseURL: DefaultBaseURL, DBPath: DefaultDB, AO3BaseURL: DefaultAO3URL, LogLevel: slog.LevelInfo,
		AO3CheckEvery: DefaultAO3CheckEvery, AO3RequestGap: DefaultAO3RequestGap}
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
		"JOB_LEASE_TTL":    "30s",
		"JOB_POLL":         "2m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.JobPoll != 2*time.Minute {
		t.Errorf("JOB_POLL 2m read as %v", c.JobPoll)
	}
	if c.JobLeaseTTL != 30*time.Second {
		t.Errorf("JOB_LEASE_TTL 30s read as %v", c.JobLeaseTTL)
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
		{"JOB_LEASE_TTL", "soon"},
		{"JOB_LEASE_TTL", "1s"},
		{"JOB_LEASE_TTL", "10m"},
		{"JOB_POLL", "often"},
		{"JOB_POLL", "100ms"},
		{"JOB_POLL", "1h"},
		{"INTERACTION_SLOTS", "0"},
		{"INTERACTION_SLOTS", "many"},
		{"INTERACTION_SLOTS", "100001"},
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

func TestLoadInteractionSlots(t *testing.T) {
	for in, want := range map[string]int{"": 0, "off": -1, "1": 1, "32": 32} {
		c, err := Load(lookup(map[string]string{"DISCORD_TOKEN": "tok", "INTERACTION_SLOTS": in}))
		if err != nil || c.InteractionSlots != want {
			t.Errorf("INTERACTION_SLOTS=%q: got %d, %v; want %d", in, c.InteractionSlots, err, want)
		}
	}
}

func TestTokenNeverEchoed(t *testing.T) {
	_, err := Load(lookup(map[string]string{"DISCORD_TOKEN": "Bot supersecret"}))
	if err == nil || strings.Contains(err.Error(), "supersecret") {
		t.Errorf("got %v; the token must not appear", err)
	}
}

func TestParseShards(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Shards
	}{
		{"", Shards{}},
		{"auto", Shards{}},
		{"AUTO", Shards{}},
		{"off", Shards{Off: true}},
		{"1", Shards{Count: 1}},
		{"4", Shards{Count: 4, Last: 3}},
		{"0-1/4", Shards{Count: 4, First: 0, Last: 1}},
		{"2-3/4", Shards{Count: 4, First: 2, Last: 3}},
		{"3/4", Shards{Count: 4, First: 3, Last: 3}},
		{" 0/2 ", Shards{Count: 2}},
	} {
		got, err := ParseShards(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseShards(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if err == nil && tc.in != "" && tc.in != "AUTO" {
			back, err := ParseShards(got.String())
			if err != nil || back != got {
				t.Errorf("ParseShards(%q.String() = %q) = %+v, %v", tc.in, got.String(), back, err)
			}
		}
	}
	for _, in := range []string{"0", "-1", "x", "2/2", "3-1/4", "0-4/4", "1/0", "a-b/4", "1-/4", "/4", "4/", "1.5", "+2", "200000", "0-1-2/4"} {
		if got, err := ParseShards(in); err == nil {
			t.Errorf("ParseShards(%q) = %+v, want an error", in, got)
		}
	}
}

func TestLoadShardsAndInteractions(t *testing.T) {
	key := strings.Repeat("ab", 32)
	c, err := Load(lookup(map[string]string{"DISCORD_TOKEN": "t", "DISCORD_SHARDS": "1-2/4", "INTERACTIONS_ADDR": ":8080", "DISCORD_PUBLIC_KEY": strings.ToUpper(key)}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Shards != (Shards{Count: 4, First: 1, Last: 2}) || c.InteractionsAddr != ":8080" || c.PublicKey != key {
		t.Errorf("got %+v", c)
	}
	if _, err := Load(lookup(map[string]string{"DISCORD_TOKEN": "t", "DISCORD_SHARDS": "off", "INTERACTIONS_ADDR": "127.0.0.1:0", "DISCORD_PUBLIC_KEY": key})); err != nil {
		t.Errorf("HTTP only: %v", err)
	}
	for _, tc := range []struct {
		env map[string]string
		key string
	}{
		{map[string]string{"DISCORD_SHARDS": "5/4"}, "DISCORD_SHARDS"},
		{map[string]string{"DISCORD_SHARDS": "many"}, "DISCORD_SHARDS"},
		{map[string]string{"DISCORD_SHARDS": "off"}, "DISCORD_SHARDS"},
		{map[string]string{"INTERACTIONS_ADDR": "8080"}, "INTERACTIONS_ADDR"},
		{map[string]string{"INTERACTIONS_ADDR": ":8080"}, "DISCORD_PUBLIC_KEY"},
		{map[string]string{"INTERACTIONS_ADDR": ":8080", "DISCORD_PUBLIC_KEY": "abc"}, "DISCORD_PUBLIC_KEY"},
		{map[string]string{"DISCORD_PUBLIC_KEY": strings.Repeat("zz", 32)}, "DISCORD_PUBLIC_KEY"},
	} {
		tc.env["DISCORD_TOKEN"] = "t"
		_, err := Load(lookup(tc.env))
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != tc.key || strings.Contains(ce.Error(), "\n") {
			t.Errorf("Load(%v) = %v, want one line about %s", tc.env, err, tc.key)
		}
	}
}
