package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMetricsExposition(t *testing.T) {
	m := New(func() StoreStats { return StoreStats{Commits: 7, CommitTime: 1500 * time.Millisecond, OpenReadTxs: 2} })
	m.InteractionDone("command", "story", "ok", 30*time.Millisecond, false)
	m.InteractionDone("command", "story", "ok", 2500*time.Millisecond, true)
	m.InteractionDone("component", "kudos", "panic", time.Millisecond, false)
	m.RESTError("/channels/{id}/messages", 429)
	m.RESTError("/interactions/{id}/{token}/callback", 502)
	m.Reconnect(1)
	m.ShardState(0, "ready")
	m.ShardState(1, "disconnected")

	srv := httptest.NewServer(m.Handler(Health{GatewayConnected: func() bool { return true }, DatabaseOpen: func() bool { return true }}))
	defer srv.Close()
	body := get(t, srv.URL+"/metrics", 200)
	for _, want := range []string{
		`ficshelf_interactions_total{command="story",kind="command",outcome="ok"} 2`,
		`ficshelf_interactions_total{command="kudos",kind="component",outcome="panic"} 1`,
		`ficshelf_interaction_deferrals_total{command="story",kind="command"} 1`,
		`ficshelf_interaction_duration_seconds_bucket{command="story",kind="command",le="0.05"} 1`,
		`ficshelf_discord_rest_errors_total{route="/channels/{id}/messages",status="429"} 1`,
		`ficshelf_discord_rate_limited_total{route="/channels/{id}/messages"} 1`,
		`ficshelf_gateway_reconnects_total{shard="1"} 1`,
		`ficshelf_gateway_reconnects_total{shard="0"} 0`,
		`ficshelf_gateway_shard_ready{shard="0"} 1`,
		`ficshelf_gateway_shard_ready{shard="1"} 0`,
		`ficshelf_store_commits_total 7`,
		`ficshelf_store_commit_seconds_total 1.5`,
		`ficshelf_store_open_read_transactions 2`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestHealthz(t *testing.T) {
	connected := false
	m := New(nil)
	srv := httptest.NewServer(m.Handler(Health{GatewayConnected: func() bool { return connected }, DatabaseOpen: func() bool { return true }}))
	defer srv.Close()
	if body := get(t, srv.URL+"/healthz", 503); !strings.Contains(body, `"gateway_connected":false`) {
		t.Errorf("body %s", body)
	}
	connected = true
	get(t, srv.URL+"/healthz", 200)
}

func TestServeStops(t *testing.T) {
	stop, err := Serve("127.0.0.1:0", New(nil).Handler(Health{}))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop")
	}
}

func get(t *testing.T, url string, wantStatus int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d", url, resp.StatusCode, wantStatus)
	}
	return string(b)
}

func TestHealthzShardsAndHTTPOnly(t *testing.T) {
	m := New(nil)
	states := []ShardState{{ID: 2, State: "ready"}, {ID: 3, State: "disconnected"}}
	srv := httptest.NewServer(m.Handler(Health{
		GatewayConnected: func() bool { return false },
		DatabaseOpen:     func() bool { return true },
		Shards:           func() []ShardState { return states },
	}))
	defer srv.Close()
	if body := get(t, srv.URL+"/healthz", 503); !strings.Contains(body, `"shards":[{"id":2,"state":"ready"},{"id":3,"state":"disconnected"}]`) {
		t.Errorf("body %s", body)
	}
	// HTTP only: no gateway to be healthy about.
	http := httptest.NewServer(m.Handler(Health{DatabaseOpen: func() bool { return true }, Interactions: func() bool { return true }}))
	defer http.Close()
	if body := get(t, http.URL+"/healthz", 200); strings.Contains(body, "gateway") || !strings.Contains(body, `"interactions_listening":true`) {
		t.Errorf("HTTP-only body %s", body)
	}
}
