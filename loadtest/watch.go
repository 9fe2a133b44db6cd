package loadtest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Watcher is a reverse proxy between the bot and the discordtest server
// that notices, without polling, when an interaction's answer arrives: the
// bot's REST base URL points at it (ProcessOptions.BaseURL = Watcher.URL)
// and every request is passed on to the server unchanged. The gateway is
// not proxied (the server's /gateway answer names its own socket).
//
// Waiting through the Watcher instead of discordtest.Pending.WaitCtx keeps
// the load generator cheap: WaitCtx wakes every waiter on every change the
// server records, which at concurrency 64 costs the generator more CPU
// than the bot uses, on a machine where both share two cores.
type Watcher struct {
	URL string

	conns atomic.Int64

	mu      sync.Mutex
	byID    map[string]*watch
	byToken map[string]*watch
}

type watch struct {
	deferred bool
	done     chan Arrival
	sent     bool
}

// Arrival is when and how an interaction's answer settled.
type Arrival struct {
	At   time.Time
	Late bool // a callback was refused with 10062
}

// NewWatcher starts a proxy in front of target (the discordtest server's
// URL), closed at the end of the test.
func NewWatcher(t testing.TB, target string) *Watcher {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	w := &Watcher{byID: map[string]*watch{}, byToken: map[string]*watch{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	next := http.DefaultTransport.(*http.Transport).Clone()
	next.MaxIdleConnsPerHost = 256 // the default 2 would dial anew for most of 64 concurrent calls
	rp.Transport = &watchTransport{w: w, next: next}
	t.Cleanup(next.CloseIdleConnections)
	hs := httptest.NewUnstartedServer(rp)
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			w.conns.Add(1)
		}
	}
	hs.Start()
	t.Cleanup(hs.Close)
	w.URL = hs.URL
	return w
}

// Conns is how many TCP connections the bot opened to the REST API.
func (w *Watcher) Conns() int64 { return w.conns.Load() }

// Expect registers an interaction (by ID and token) before it is sent; the
// returned channel receives its Arrival once.
func (w *Watcher) Expect(id, token string) <-chan Arrival {
	wt := &watch{done: make(chan Arrival, 1)}
	w.mu.Lock()
	w.byID[id] = wt
	w.byToken[token] = wt
	w.mu.Unlock()
	return wt.done
}

// Forget drops an interaction's registration.
func (w *Watcher) Forget(id, token string) {
	w.mu.Lock()
	delete(w.byID, id)
	delete(w.byToken, token)
	w.mu.Unlock()
}

func (w *Watcher) settle(wt *watch, a Arrival) {
	if wt.sent {
		return
	}
	wt.sent = true
	wt.done <- a
}

type watchTransport struct {
	w    *Watcher
	next http.RoundTripper
}

func (t *watchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	// Paths: /api/vN/interactions/{id}/{token}/callback,
	// /api/vN/webhooks/{app}/{token}[/messages/@original].
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	var kind, key string
	deferral := false
	if len(parts) >= 4 && parts[0] == "api" {
		switch {
		case parts[2] == "interactions" && len(parts) == 6 && parts[5] == "callback":
			kind, key = "callback", parts[3]
			if r.Body != nil {
				body, err := io.ReadAll(r.Body)
				r.Body.Close()
				if err != nil {
					return nil, err
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				deferral = bytes.Contains(body, []byte(`{"type":5`)) || bytes.Contains(body, []byte(`{"type":6`))
			}
		case parts[2] == "webhooks" && len(parts) >= 5 && r.Method != http.MethodGet:
			kind, key = "webhook", parts[4]
		}
	}
	resp, err := t.next.RoundTrip(r)
	if kind == "" || err != nil {
		return resp, err
	}
	now := time.Now()
	w := t.w
	w.mu.Lock()
	defer w.mu.Unlock()
	switch kind {
	case "callback":
		wt := w.byID[key]
		if wt == nil {
			break
		}
		switch {
		case resp.StatusCode == http.StatusNotFound:
			w.settle(wt, Arrival{At: now, Late: true})
		case resp.StatusCode < 300 && deferral:
			wt.deferred = true
		case resp.StatusCode < 300:
			w.settle(wt, Arrival{At: now})
		}
	case "webhook":
		if wt := w.byToken[key]; wt != nil && wt.deferred && resp.StatusCode < 300 {
			w.settle(wt, Arrival{At: now})
		}
	}
	return resp, err
}
