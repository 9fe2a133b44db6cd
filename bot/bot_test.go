package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// miniDiscord is just enough of Discord for Run: the gateway handshake,
// dispatching frames the test pushes, and recording REST calls. The full
// Discord-compatible server lives in package discordtest.
type miniDiscord struct {
	t        *testing.T
	srv      *httptest.Server
	push     chan string // dispatch frames to send
	mu       sync.Mutex
	rest     []string // "METHOD path body"
	identify map[string]any
	restHit  chan string
}

func newMiniDiscord(t *testing.T) *miniDiscord {
	m := &miniDiscord{t: t, push: make(chan string, 16), restHit: make(chan string, 64)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v9/gateway", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"url":"ws://%s/ws"}`, r.Host)
	})
	mux.HandleFunc("GET /api/v10/gateway/bot", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"url":"ws://%s/ws","shards":1,"session_start_limit":{"total":1000,"remaining":999,"reset_after":0,"max_concurrency":1}}`, r.Host)
	})
	mux.HandleFunc("/ws/", m.gateway)
	mux.HandleFunc("/api/v9/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		line := r.Method + " " + r.URL.Path + " " + string(body)
		m.mu.Lock()
		m.rest = append(m.rest, line)
		m.mu.Unlock()
		m.restHit <- line
		switch {
		case strings.HasSuffix(r.URL.Path, "/callback"), r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case strings.Contains(r.URL.Path, "/commands"):
			w.Write(body)
		default:
			io.WriteString(w, `{"id":"555","channel_id":"c1","content":"x"}`)
		}
	})
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

func (m *miniDiscord) gateway(w http.ResponseWriter, r *http.Request) {
	c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte(`{"op":10,"d":{"heartbeat_interval":45000}}`))
	var id struct {
		Op int            `json:"op"`
		D  map[string]any `json:"d"`
	}
	if err := c.ReadJSON(&id); err != nil {
		return
	}
	m.mu.Lock()
	m.identify = id.D
	m.mu.Unlock()
	c.WriteMessage(websocket.TextMessage, []byte(`{"op":0,"s":1,"t":"READY","d":{"v":9,"session_id":"s1",`+
		`"user":{"id":"7","username":"ficshelf","bot":true},"application":{"id":"7"},"guilds":[]}}`))
	go func() { // answer heartbeats; notice the close
		for {
			var f struct {
				Op int `json:"op"`
			}
			if c.ReadJSON(&f) != nil {
				return
			}
		}
	}()
	seq := 1
	for {
		select {
		case f := <-m.push:
			seq++
			c.WriteMessage(websocket.TextMessage, []byte(fmt.Sprintf(`{"op":0,"s":%d,"t":"INTERACTION_CREATE","d":%s}`, seq, f)))
		case <-r.Context().Done():
			return
		}
	}
}

// waitREST waits for a REST call whose line contains all of parts.
func (m *miniDiscord) waitREST(parts ...string) string {
	m.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case line := <-m.restHit:
			ok := true
			for _, p := range parts {
				ok = ok && strings.Contains(line, p)
			}
			if ok {
				return line
			}
		case <-timeout:
			m.mu.Lock()
			defer m.mu.Unlock()
			m.t.Fatalf("no REST call with %q; saw:\n%s", parts, strings.Join(m.rest, "\n"))
			return ""
		}
	}
}

func interactionJSON(id, name string) string {
	return fmt.Sprintf(`{"id":"%s","application_id":"7","type":2,"token":"tok%s","version":1,"guild_id":"g1","channel_id":"c1",`+
		`"member":{"user":{"id":"u1","username":"reader"},"roles":[],"permissions":"2048"},`+
		`"data":{"id":"cmd1","name":"%s","type":1}}`, id, id, name)
}

// definer is a Handler that knows its commands, as commands.Router does.
type definer struct{ Handler }

func (definer) Definitions() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{{Name: "story", Description: "The server library"}}
}

func TestRunEndToEnd(t *testing.T) {
	md := newMiniDiscord(t)
	var logs syncBuffer
	obs := &recordingObserver{}
	b, err := New(Config{
		Token: "run-token", GuildID: "g1", BaseURL: md.srv.URL,
		DeferAfter: 150 * time.Millisecond, ShutdownGrace: 3 * time.Second,
		Logger:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Observer: obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := definer{HandlerFunc(func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		if i.ID == "902" || i.ID == "903" {
			time.Sleep(400 * time.Millisecond)
		}
		return message("hello @everyone from "+i.ID, 0), nil
	})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- b.Run(ctx, h) }()

	select {
	case <-b.Ready():
	case err := <-runErr:
		t.Fatalf("Run returned early: %v\n%s", err, logs.String())
	case <-time.After(5 * time.Second):
		t.Fatalf("not ready\n%s", logs.String())
	}
	if !b.Connected() {
		t.Errorf("Connected() = false after Ready")
	}
	md.mu.Lock()
	intents, token := md.identify["intents"], md.identify["token"]
	md.mu.Unlock()
	if intents != float64(discordgo.IntentsGuilds) || token != "Bot run-token" {
		t.Errorf("identify: intents %v, token %v", intents, token)
	}
	md.waitREST("PUT /api/v9/applications/7/guilds/g1/commands", `"name":"story"`)

	// A fast answer is the callback, and pings nobody.
	md.push <- interactionJSON("901", "story")
	md.waitREST("POST /api/v9/interactions/901/tok901/callback", `"type":4`, `hello @everyone from 901`, `"allowed_mentions":{"parse":[]`)

	// A slow one is deferred, then edited in.
	md.push <- interactionJSON("902", "story")
	md.waitREST("POST /api/v9/interactions/902/tok902/callback", `{"type":5}`)
	md.waitREST("PATCH /api/v9/webhooks/7/tok902/messages/@original", `from 902`)

	// Side effects reach the same server, fitted.
	if _, err := b.SendMessageOnce(ctx, "c1", "checkpoint-1", &discordgo.MessageSend{Content: "Chapter 3 is up @here"}); err != nil {
		t.Fatal(err)
	}
	md.waitREST("POST /api/v9/channels/c1/messages", `"nonce":"checkpoint-1"`, `"enforce_nonce":true`, `"allowed_mentions":{"parse":[]`)

	// Shutdown waits for the one in flight to be answered.
	md.push <- interactionJSON("903", "story")
	md.waitREST("POST /api/v9/interactions/903/tok903/callback", `{"type":5}`)
	cancel()
	// Meanwhile a new one is turned away politely, not dropped.
	for {
		b.mu.Lock()
		draining := b.draining
		b.mu.Unlock()
		if draining {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	md.push <- interactionJSON("904", "story")
	md.waitREST("POST /api/v9/interactions/904/tok904/callback", ShutdownMessage, `"flags":64`)
	select {
	case err := <-runErr:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	md.mu.Lock()
	rest := strings.Join(md.rest, "\n")
	md.mu.Unlock()
	if !strings.Contains(rest, "PATCH /api/v9/webhooks/7/tok903/messages/@original") {
		t.Errorf("in-flight interaction not answered before Run returned:\n%s", rest)
	}
	if b.Connected() {
		t.Errorf("Connected() = true after Run returned")
	}
	if strings.Contains(logs.String(), "run-token") {
		t.Errorf("token in logs")
	}
	if got := obs.done(); len(got) != 4 || !strings.Contains(strings.Join(got, ","), "command story shutdown deferred=false") {
		t.Errorf("observer saw %q, want 4 interactions, one turned away", got)
	}
}

func TestTokenNeverLogged(t *testing.T) {
	const token = "MTA1NTU1NTU1NTU1NTU1NTU1NQ.Gsecret.verysecretsignaturepartxxxxxx"
	// The REST server echoes the Authorization header in an error body,
	// and another gateway address carries the token in its URL.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("mode") == "" && strings.HasPrefix(r.URL.Path, "/bad/") {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"code":0,"message":"401: Unauthorized %s"}`, r.Header.Get("Authorization"))
			return
		}
		fmt.Fprintf(w, `{"url":"ws://127.0.0.1:1/gw?t=%s"}`, token)
	}))
	defer srv.Close()

	for _, base := range []string{srv.URL + "/bad", srv.URL + "/dial"} {
		var logs syncBuffer
		b, err := New(Config{Token: token, BaseURL: base, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = b.Run(ctx, HandlerFunc(func(context.Context, *discordgo.Interaction) (*discordgo.InteractionResponse, error) { return nil, nil }))
		cancel()
		if err == nil {
			t.Fatalf("%s: Run succeeded", base)
		}
		all := err.Error() + "\n" + logs.String()
		for _, secret := range []string{token, "Gsecret", "verysecretsignature"} {
			if strings.Contains(all, secret) {
				t.Errorf("%s: %q leaked:\n%s", base, secret, all)
			}
		}
		if base == srv.URL+"/bad" {
			var re *discordgo.RESTError
			if !errors.As(err, &re) || re.Response.StatusCode != http.StatusUnauthorized {
				t.Errorf("the redacted error lost its cause: %v", err)
			}
		} else if !strings.Contains(logs.String(), "[redacted]") {
			t.Errorf("discordgo's dial failure was not logged through slog (redacted):\n%s", logs.String())
		}
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Errorf("New without a token succeeded")
	}
	if _, err := New(Config{Token: "x", BaseURL: "not a url"}); err == nil {
		t.Errorf("New with a bad base URL succeeded")
	}
	b, err := New(Config{Token: "Bot x", Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if b.Session().Token != "Bot x" {
		t.Errorf("token = %q, want one \"Bot \" prefix", b.Session().Token)
	}
	if b.Connected() {
		t.Errorf("Connected before Run")
	}
}

func TestOutgoingMessageJSON(t *testing.T) {
	data, err := json.Marshal(outgoingMessage{MessageSend: &discordgo.MessageSend{Content: "x"}, Nonce: "n", EnforceNonce: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(data); !strings.Contains(s, `"content":"x"`) || !strings.Contains(s, `"nonce":"n","enforce_nonce":true`) {
		t.Errorf("marshalled %s", s)
	}
	if got := partNonce(strings.Repeat("n", 25), 3); len(got) > MaxNonce || got != strings.Repeat("n", 23)+"~3" {
		t.Errorf("partNonce = %q", got)
	}
}
