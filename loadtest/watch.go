package loadtest

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/discordtest"

	"github.com/bwmarrin/discordgo"
)

// Watcher notices, without polling, when an interaction's answer arrives:
// it is told of every REST request the discordtest server has handled
// (discordtest.Server.OnRequest) and settles the interaction the request
// answered: a callback that is not a deferral, or after a deferral the
// first edit of the original or follow-up (what the member then reads).
// The bot talks to the server directly (URL is the server's).
//
// Waiting through the Watcher instead of discordtest.Pending.WaitCtx keeps
// the load generator cheap: WaitCtx wakes every waiter on every change the
// server records, which at concurrency 64 costs the generator more CPU
// than the bot uses, on a machine where both share two cores. (It used to
// be a reverse proxy in front of the server; the extra HTTP hop cost the
// harness about as much CPU as discordtest's validation.)
type Watcher struct {
	URL string

	srv *discordtest.Server

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

// NewWatcher watches srv's REST requests until the end of the test.
func NewWatcher(t testing.TB, srv *discordtest.Server) *Watcher {
	w := &Watcher{URL: srv.URL, srv: srv, byID: map[string]*watch{}, byToken: map[string]*watch{}}
	srv.OnRequest(w.observe)
	t.Cleanup(func() { srv.OnRequest(nil) })
	return w
}

// Conns is how many TCP connections the bot opened to the server (REST,
// and the gateway's).
func (w *Watcher) Conns() int64 { return w.srv.Conns() }

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

const httpResponsePrefix = "/interactions (HTTP response to "

// observe is called by the server once it has handled a request.
func (w *Watcher) observe(r discordtest.Request) {
	// Paths: /interactions/{id}/{token}/callback,
	// /webhooks/{app}/{token}[/messages/@original].
	// An HTTP-delivered interaction's first answer is the response body,
	// recorded as "/interactions (HTTP response to {id})".
	parts := strings.Split(strings.Trim(r.Path, "/"), "/")
	var kind, key string
	switch {
	case strings.HasPrefix(r.Path, httpResponsePrefix):
		kind, key = "callback", strings.TrimSuffix(strings.TrimPrefix(r.Path, httpResponsePrefix), ")")
	case len(parts) == 4 && parts[0] == "interactions" && parts[3] == "callback":
		kind, key = "callback", parts[1]
	case len(parts) >= 3 && parts[0] == "webhooks" && (r.Method == http.MethodPatch || r.Method == http.MethodPost):
		// After a deferral, the answer a member sees is the edit of the
		// original or a follow-up. A DELETE of the "thinking" message is
		// not it: the bot deletes one of the other visibility before
		// sending the answer as a follow-up.
		kind, key = "webhook", parts[2]
	default:
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch kind {
	case "callback":
		wt := w.byID[key]
		if wt == nil {
			break
		}
		deferral := r.CallbackType == discordgo.InteractionResponseDeferredChannelMessageWithSource ||
			r.CallbackType == discordgo.InteractionResponseDeferredMessageUpdate
		switch {
		case r.Status == http.StatusNotFound:
			w.settle(wt, Arrival{At: r.At, Late: true})
		case r.Status < 300 && deferral:
			wt.deferred = true
		case r.Status < 300:
			w.settle(wt, Arrival{At: r.At})
		}
	case "webhook":
		if wt := w.byToken[key]; wt != nil && wt.deferred && r.Status < 300 {
			w.settle(wt, Arrival{At: r.At})
		}
	}
}
