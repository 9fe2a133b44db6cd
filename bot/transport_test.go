package bot

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

type recordingObserver struct {
	mu           sync.Mutex
	restErrors   []string
	interactions []string
	reconnects   int
}

func (o *recordingObserver) InteractionDone(kind, name, outcome string, d time.Duration, deferred bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.interactions = append(o.interactions, fmt.Sprintf("%s %s %s deferred=%v", kind, name, outcome, deferred))
}

func (o *recordingObserver) RESTError(route string, status int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.restErrors = append(o.restErrors, fmt.Sprintf("%s %d", route, status))
}

func (o *recordingObserver) ShardState(int, string) {}

func (o *recordingObserver) Reconnect(int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reconnects++
}

func (o *recordingObserver) done() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.interactions...)
}

func TestRewriteTransport(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" host="+r.Host)
		mu.Unlock()
		if strings.Contains(r.URL.Path, "missing") {
			http.Error(w, `{"code":10003,"message":"Unknown Channel"}`, http.StatusNotFound)
			return
		}
		io.WriteString(w, "{}")
	}))
	defer srv.Close()

	for _, tc := range []struct {
		base, req, want string
	}{
		{srv.URL, "https://discord.com/api/v9/gateway", "GET /api/v9/gateway"},
		{srv.URL + "/", "https://discord.com/api/v9/channels/123/messages?limit=5", "GET /api/v9/channels/123/messages?limit=5"},
		{srv.URL + "/proxy/discord", "https://discord.com/api/v9/users/@me", "GET /proxy/discord/api/v9/users/@me"},
		{srv.URL + "/proxy/", "https://discord.com/api/v9/webhooks/1/tok%2Fen/messages/@original", "GET /proxy/api/v9/webhooks/1/tok%2Fen/messages/@original"},
	} {
		base, err := parseBaseURL(tc.base)
		if err != nil {
			t.Fatal(err)
		}
		client := &http.Client{Transport: &rewriteTransport{base: base, next: http.DefaultTransport}}
		req, _ := http.NewRequest("GET", tc.req, nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.req, err)
		}
		resp.Body.Close()
		mu.Lock()
		last := seen[len(seen)-1]
		mu.Unlock()
		if !strings.HasPrefix(last, tc.want+" ") {
			t.Errorf("base %s, request %s: server saw %q, want %q", tc.base, tc.req, last, tc.want)
		}
		if !strings.HasSuffix(last, "host="+strings.TrimPrefix(srv.URL, "http://")) {
			t.Errorf("Host header not rewritten: %q", last)
		}
		if req.URL.Host != "discord.com" {
			t.Errorf("the caller's request was modified: %s", req.URL)
		}
	}

	// Other hosts pass through untouched, and failures reach the Observer.
	obs := &recordingObserver{}
	base, _ := parseBaseURL("http://127.0.0.1:1")
	client := &http.Client{Transport: &rewriteTransport{base: base, next: http.DefaultTransport, obs: obs}}
	resp, err := client.Get(srv.URL + "/api/v9/channels/123456789012345678/missing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404 from the untouched host", resp.StatusCode)
	}
	if want := "/api/v9/channels/:id/missing 404"; len(obs.restErrors) != 1 || obs.restErrors[0] != want {
		t.Errorf("observer saw %q, want [%q]", obs.restErrors, want)
	}
}

func TestParseBaseURL(t *testing.T) {
	for _, bad := range []string{"discord.com", "ftp://x", "http://", "http://u:p@host", "http://h/?q=1", "::"} {
		if _, err := parseBaseURL(bad); err == nil {
			t.Errorf("parseBaseURL(%q) accepted", bad)
		}
	}
	u, err := parseBaseURL("")
	if err != nil || u.String() != DefaultBaseURL {
		t.Errorf("default base = %v, %v", u, err)
	}
}

func TestRoute(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/api/v9/interactions/123456789012345678/aW50ZXJhY3Rpb246MTIz/callback", "/api/v9/interactions/:id/:token/callback"},
		{"/api/v9/webhooks/123456789012345678/aW50ZXJhY3Rpb24/messages/@original", "/api/v9/webhooks/:id/:token/messages/@original"},
		{"/api/v9/channels/123456789012345678/messages?limit=2", "/api/v9/channels/:id/messages"},
		{"/api/v9/gateway", "/api/v9/gateway"},
	} {
		if got := Route(tc.in); got != tc.want {
			t.Errorf("Route(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := newRedactor("Bot s3cr3t-token")
	for _, in := range []string{
		"authorization: Bot s3cr3t-token",
		"raw s3cr3t-token here",
		"shaped MTIzNDU2Nzg5MDEyMzQ1Njc4OTA.GaBcDe.abcdefghijklmnopqrstuvwxyz0123 token",
	} {
		got := r.String(in)
		if strings.Contains(got, "s3cr3t") || strings.Contains(got, "GaBcDe") {
			t.Errorf("String(%q) = %q: secret kept", in, got)
		}
	}
	base := errors.New("HTTP 401: Bot s3cr3t-token rejected")
	err := r.Error(base)
	if strings.Contains(err.Error(), "s3cr3t") || !errors.Is(err, base) {
		t.Errorf("Error() = %q, Is = %v", err, errors.Is(err, base))
	}
	if clean := errors.New("fine"); r.Error(clean) != clean {
		t.Errorf("a clean error was wrapped")
	}
	if r.Error(nil) != nil {
		t.Errorf("Error(nil) != nil")
	}
}
