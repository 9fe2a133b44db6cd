package discordtest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// HTTP delivery: with an Interactions Endpoint URL set
// (SetInteractionsEndpoint), Send POSTs each interaction to the bot, signed
// as Discord signs them, instead of dispatching it on the gateway; the
// response body is the first answer and is checked and recorded exactly as
// a REST callback is (the 3-second window included). Webhooks (edits,
// follow-ups) work as for gateway interactions.

// httpKeys is the application's key pair for signing HTTP interactions.
type httpKeys struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newHTTPKeys() httpKeys {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("discordtest: generate key: %v", err))
	}
	return httpKeys{pub: pub, priv: priv}
}

// PublicKey is the application's public key as DISCORD_PUBLIC_KEY takes it
// (64 hexadecimal characters).
func (s *Server) PublicKey() string { return hex.EncodeToString(s.keys.pub) }

// SetInteractionsEndpoint sets the Interactions Endpoint URL (e.g.
// "http://127.0.0.1:8080/interactions"): from now on Send delivers by
// signed POST there. "" goes back to the gateway.
func (s *Server) SetInteractionsEndpoint(url string) {
	s.mu.Lock()
	s.endpoint = url
	s.mu.Unlock()
}

func (s *Server) httpEndpoint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endpoint
}

// Sign returns the X-Signature-Ed25519 value for timestamp and body,
// signed with the application's private key.
func (s *Server) Sign(timestamp string, body []byte) string {
	msg := append([]byte(timestamp), body...)
	return hex.EncodeToString(ed25519.Sign(s.keys.priv, msg))
}

// HTTPResult is the bot's HTTP response to one POST.
type HTTPResult struct {
	Status int
	Body   []byte
	// Took is the time from sending the request to the whole response.
	Took time.Duration
}

// PostInteraction POSTs body to the Interactions Endpoint signed with the
// application's key and the current time; tamper, when not nil, may then
// change the headers (drop or forge the signature, move the timestamp)
// before it is sent. It does not record anything as an interaction: use it
// for pings and for requests the bot must refuse.
func (s *Server) PostInteraction(ctx context.Context, body []byte, tamper func(h http.Header)) (HTTPResult, error) {
	url := s.httpEndpoint()
	if url == "" {
		return HTTPResult{}, fmt.Errorf("discordtest: no interactions endpoint set")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return HTTPResult{}, err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", s.Sign(ts, body))
	if tamper != nil {
		tamper(req.Header)
	}
	start := time.Now()
	resp, err := s.deliveryClient().Do(req)
	if err != nil {
		return HTTPResult{}, fmt.Errorf("discordtest: POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return HTTPResult{}, fmt.Errorf("discordtest: read response: %w", err)
	}
	return HTTPResult{Status: resp.StatusCode, Body: b, Took: time.Since(start)}, nil
}

// Ping POSTs a signed PING (type 1) and returns the response; Discord
// expects 200 {"type":1}.
func (s *Server) Ping(ctx context.Context) (HTTPResult, error) {
	body, _ := json.Marshal(map[string]any{"id": s.NewID(), "application_id": s.AppID, "type": 1, "token": "tok-" + randomID(), "version": 1})
	return s.PostInteraction(ctx, body, nil)
}

func (s *Server) deliveryClient() *http.Client {
	// Discord waits 3 s for the answer; a little more so that a late
	// answer is seen (and judged late) rather than cut off.
	return &http.Client{Timeout: 10 * time.Second}
}

// deliverHTTP sends i by signed POST and records the response body as its
// callback.
func (s *Server) deliverHTTP(t testing.TB, i *discordgo.Interaction, payload json.RawMessage) *Pending {
	t.Helper()
	st := s.track(i)
	s.mu.Lock()
	st.viaHTTP = true
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		res, err := s.PostInteraction(context.Background(), payload, nil)
		arrived := time.Now()
		path := "/interactions (HTTP response to " + i.ID + ")"
		status := res.Status
		// The response is in Requests before acceptCallback wakes whoever
		// waits for the answer, so that a test reading Requests after its
		// wait sees it (its status and type are filled in below).
		s.mu.Lock()
		idx := len(s.requests)
		s.requests = append(s.requests, Request{Method: http.MethodPost, Path: path, Status: status, At: arrived})
		s.mu.Unlock()
		if err == nil && status == http.StatusOK {
			w := httptest.NewRecorder()
			s.acceptCallback(w, &http.Request{Method: http.MethodPost}, path, st, body{JSON: res.Body}, arrived)
			status = w.Code
		}
		var cbType discordgo.InteractionResponseType
		s.mu.Lock()
		if st.answered && st.ans.Raw == string(res.Body) {
			cbType = st.ans.Type
		}
		s.requests[idx].Status, s.requests[idx].CallbackType = status, cbType
		req := s.requests[idx]
		f := s.onReq
		s.notifyLocked()
		s.mu.Unlock()
		if f != nil {
			f(req)
		}
		if err != nil || res.Status != http.StatusOK {
			select {
			case <-s.closed:
			default:
				s.tb.Errorf("discordtest: HTTP delivery of interaction %s: status %d, %v, body %q", i.ID, res.Status, err, truncate(string(res.Body), 500))
			}
		}
	}()
	return &Pending{s: s, st: st}
}
