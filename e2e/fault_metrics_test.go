package e2e

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"ficshelf/discordtest"
	"ficshelf/loadtest"
)

// TestFaultMetricsShowTheIncident runs the binary with METRICS_ADDR and
// checks that /healthz and /metrics tell an operator what happened: 200
// while connected, 503 while the gateway is down, and afterwards
// interactions by command and outcome, a deferral, REST errors and rate
// limits after 429/502, gateway reconnects after op 7 and a drop, and store
// commits.
func TestFaultMetricsShowTheIncident(t *testing.T) {
	// A slow AO3: a link look-up outlasts 2 s, so /story add defers.
	ao3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2500 * time.Millisecond):
		case <-r.Context().Done():
		}
		http.NotFound(w, r)
	}))
	defer ao3.Close()
	addr := loadtest.FreeAddr(t)
	w, p := faultWorld(t, loadtest.ProcessOptions{Env: []string{"METRICS_ADDR=" + addr, "AO3_BASE_URL=" + ao3.URL, "LOG_LEVEL=info"}})
	srv := w.Srv
	client := &http.Client{Timeout: 2 * time.Second}
	health := func() (int, string) {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := health(); code != 200 || !strings.Contains(body, `"gateway_connected":true`) || !strings.Contains(body, `"database_open":true`) {
		t.Errorf("/healthz while serving: %d %s", code, body)
	}

	res := loadtest.Run(t, w, loadtest.RunConfig{N: 120, Concurrency: 8})
	requireAnswered(t, res, false)

	rng := rand.New(rand.NewPCG(8, 8))
	srv.FailNext("POST", "/interactions/", 429, 300*time.Millisecond, 1)
	i, _ := w.Build(t, rng, loadtest.StoryInfo)
	srv.Send(t, i).Wait(t)
	srv.FailNext("POST", "/interactions/", 502, 0, 2)
	i, _ = w.Build(t, rng, loadtest.KudosGive)
	srv.Send(t, i).Wait(t)

	g := w.Guilds[0]
	add := srv.Send(t, srv.Slash(t, g.General.ID, g.Members[1].User.ID, "story",
		discordtest.Sub("add", discordtest.String("link", "https://archiveofourown.org/works/424242"))))
	if a := add.Wait(t); !a.Deferred() {
		t.Errorf("/story add with a 2.5 s AO3 look-up was not deferred: type %d", a.Type)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resumes := srv.Resumes()
	srv.Reconnect()
	if err := srv.WaitResumed(ctx, resumes+1); err != nil {
		t.Fatal(err)
	}
	// An abrupt drop: discordgo reconnects at once (the bot is
	// disconnected for about a millisecond, too short to see on /healthz).
	srv.DropConnections()
	if err := srv.WaitResumed(ctx, resumes+2); err != nil {
		t.Fatal(err)
	}
	ok200 := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !ok200; time.Sleep(20 * time.Millisecond) {
		code, _ := health()
		ok200 = code == 200
	}
	if !ok200 {
		t.Error("/healthz not back to 200 after the gateway resumed")
	}

	m, err := loadtest.Scrape(addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what    string
		got     float64
		atLeast float64
	}{
		{"interactions: /kudos ok", m.Sum("ficshelf_interactions_total", `kind="command"`, `command="kudos"`, `outcome="ok"`), 1},
		{"interactions: /excerpt ok", m.Sum("ficshelf_interactions_total", `kind="command"`, `command="excerpt"`, `outcome="ok"`), 1},
		{"interactions: /story ok", m.Sum("ficshelf_interactions_total", `kind="command"`, `command="story"`, `outcome="ok"`), 1},
		{"interactions: /readinglist ok", m.Sum("ficshelf_interactions_total", `kind="command"`, `command="readinglist"`, `outcome="ok"`), 1},
		{"interactions: autocomplete ok", m.Sum("ficshelf_interactions_total", `kind="autocomplete"`, `outcome="ok"`), 1},
		{"interactions: Kudos button ok", m.Sum("ficshelf_interactions_total", `kind="component"`, `command="kudos"`, `outcome="ok"`), 1},
		{"latency histogram count", m.Sum("ficshelf_interaction_duration_seconds_count"), 120},
		{"deferrals of /story", m.Sum("ficshelf_interaction_deferrals_total", `command="story"`), 1},
		{"REST errors 429", m.Sum("ficshelf_discord_rest_errors_total", `status="429"`), 1},
		{"REST errors 502", m.Sum("ficshelf_discord_rest_errors_total", `status="502"`), 2},
		{"rate limited", m.Sum("ficshelf_discord_rate_limited_total"), 1},
		{"gateway reconnects (op 7, drop)", m.Sum("ficshelf_gateway_reconnects_total"), 2},
		{"store commits", m.Value("ficshelf_store_commits_total"), 1},
		{"store commit time", m.Value("ficshelf_store_commit_seconds_total"), 1e-9},
		{"process memory", m.Value("process_resident_memory_bytes"), 1},
	} {
		if c.got < c.atLeast {
			t.Errorf("/metrics: %s = %v; want at least %v", c.what, c.got, c.atLeast)
		}
	}

	// Discord unreachable: the server goes away for good. /healthz says
	// 503 until the end, and SIGTERM still stops the bot cleanly.
	srv.Close()
	saw503 := false
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && !saw503; time.Sleep(20 * time.Millisecond) {
		if code, body := health(); code == 503 && strings.Contains(body, `"gateway_connected":false`) {
			saw503 = true
		}
	}
	if !saw503 {
		t.Error("/healthz never answered 503 with Discord unreachable")
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}
