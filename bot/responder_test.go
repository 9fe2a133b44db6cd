package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// testResponder is a sessionResponder whose REST calls go to handler.
func testResponder(t *testing.T, handler http.HandlerFunc) sessionResponder {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := discordgo.New("Bot test-token")
	if err != nil {
		t.Fatal(err)
	}
	s.Client = &http.Client{Transport: &rewriteTransport{base: base, next: http.DefaultTransport}}
	return sessionResponder{s: s, buckets: &bucketPool{}, base: base}
}

func TestRebase(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:8080/proxy")
	for _, c := range []struct{ in, want string }{
		{"https://discord.com/api/v9/interactions/1/tok/callback", "http://127.0.0.1:8080/proxy/api/v9/interactions/1/tok/callback"},
		{"https://discord.com.evil.example/api", "https://discord.com.evil.example/api"},
		{"https://cdn.discordapp.com/x", "https://cdn.discordapp.com/x"},
	} {
		if got := rebase(base, c.in); got != c.want {
			t.Errorf("rebase(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := rebase(nil, "https://discord.com/api"); got != "https://discord.com/api" {
		t.Errorf("without a base: %q", got)
	}
}

// Answers to different interactions are not queued behind each other: the
// edits of two deferred answers are both in flight at once. (discordgo's
// own InteractionResponseEdit puts every webhook edit in one rate-limit
// bucket, which holds each edit until the one before it is answered.)
func TestAnswersToDifferentInteractionsRunConcurrently(t *testing.T) {
	type call struct {
		name string
		do   func(r sessionResponder, i *discordgo.Interaction) error
	}
	content := "done"
	calls := []call{
		{"EditOriginal", func(r sessionResponder, i *discordgo.Interaction) error {
			return r.EditOriginal(context.Background(), i, &discordgo.WebhookEdit{Content: &content})
		}},
		{"FollowUp", func(r sessionResponder, i *discordgo.Interaction) error {
			return r.FollowUp(context.Background(), i, &discordgo.WebhookParams{Content: content})
		}},
		{"DeleteOriginal", func(r sessionResponder, i *discordgo.Interaction) error {
			return r.DeleteOriginal(context.Background(), i)
		}},
		{"Respond", func(r sessionResponder, i *discordgo.Interaction) error {
			return r.Respond(context.Background(), i, &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: content},
			})
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			// The server answers nothing until both requests have arrived.
			var wg sync.WaitGroup
			wg.Add(2)
			both := make(chan struct{})
			go func() { wg.Wait(); close(both) }()
			var mu sync.Mutex
			var paths []string
			r := testResponder(t, func(w http.ResponseWriter, req *http.Request) {
				io.Copy(io.Discard, req.Body)
				mu.Lock()
				paths = append(paths, req.Method+" "+req.URL.RequestURI())
				mu.Unlock()
				wg.Done()
				select {
				case <-both:
				case <-time.After(5 * time.Second):
					http.Error(w, "the other request never came", http.StatusGatewayTimeout)
					return
				}
				if req.Method == http.MethodDelete {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"id":"3","channel_id":"4","content":"done"}`)
			})
			errs := make(chan error, 2)
			for _, id := range []string{"111111111111111111", "222222222222222222"} {
				i := &discordgo.Interaction{ID: id, AppID: "999999999999999999", Token: "tok-" + id}
				go func() { errs <- c.do(r, i) }()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Errorf("%s: %v", c.name, err)
				}
			}
			for _, id := range []string{"333333333333333333", "444444444444444444"} {
				wg.Add(1) // the server's barrier is open now; one at a time
				i := &discordgo.Interaction{ID: id, AppID: "999999999999999999", Token: "tok-" + id}
				if err := c.do(r, i); err != nil {
					t.Errorf("%s: %v", c.name, err)
				}
			}
			// Four interactions answered, at most two at once: two rate-limit
			// buckets, not one per interaction token (discordgo keeps every
			// bucket it creates); callbacks use none (postCallback).
			want := 2
			if c.name == "Respond" {
				want = 0
			}
			if n := r.buckets.n; n != want {
				t.Errorf("%d rate-limit bucket IDs for 4 answers, 2 at a time; want %d", n, want)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range paths {
				if !strings.Contains(p, "tok-") {
					t.Errorf("request %q does not carry the interaction's token", p)
				}
			}
		})
	}
}

// A callback is posted as discordgo would post it (path, token, user agent,
// JSON body), tried again after a 429's retry_after and after a 502, and
// a refusal comes back as a *discordgo.RESTError with Discord's code.
func TestPostCallback(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	replies := []func(w http.ResponseWriter){
		func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"message":"You are being rate limited.","retry_after":0.05,"global":false}`)
		},
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) },
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) },
		func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"Unknown interaction","code":10062}`)
		},
	}
	r := testResponder(t, func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		mu.Lock()
		n := len(seen)
		seen = append(seen, req.Method+" "+req.URL.Path+" "+req.Header.Get("Authorization")+" "+req.Header.Get("Content-Type")+" "+
			strings.SplitN(req.Header.Get("User-Agent"), " ", 2)[0]+" "+strings.TrimSpace(string(body)))
		mu.Unlock()
		replies[min(n, len(replies)-1)](w)
	})
	i := &discordgo.Interaction{ID: "111111", Token: "tok"}
	start := time.Now()
	err := r.Respond(context.Background(), i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{},
	})
	if err != nil {
		t.Fatalf("Respond after a 429 and a 502: %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("retried after %v; the 429 said 50 ms", d)
	}
	want := "POST /api/v9/interactions/111111/tok/callback Bot test-token application/json DiscordBot " + `{"type":8,"data":{"choices":[]}}`
	if len(seen) != 3 || seen[0] != want || seen[1] != want || seen[2] != want {
		t.Errorf("requests:\n%s\nwant 3 of\n%s", strings.Join(seen, "\n"), want)
	}
	err = r.Respond(context.Background(), i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "a <b> & c"},
	})
	if code, status := RESTCode(err); code != discordgo.ErrCodeUnknownInteraction || status != http.StatusNotFound {
		t.Errorf("refused callback: %v (code %d, status %d)", err, code, status)
	}
	if got := seen[len(seen)-1]; !strings.HasSuffix(got, `{"type":4,"data":{"tts":false,"content":"a \u003cb\u003e \u0026 c","components":null,"embeds":null}}`) {
		t.Errorf("message callback body: %s", got)
	}
}

// BenchmarkCallback compares posting a callback through discordgo's
// request path (rate limiter, pooled bucket ID) with postCallback, against
// a local server.
func BenchmarkCallback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	s, _ := discordgo.New("Bot test-token")
	s.Client = &http.Client{Transport: &rewriteTransport{base: base, next: http.DefaultTransport}}
	r := sessionResponder{s: s, buckets: &bucketPool{}, base: base}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "Kudos given to **The Silver River 12**! It now has 4 kudos.", Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions()}}
	for _, c := range []struct {
		name string
		do   func(ctx context.Context, i *discordgo.Interaction) error
	}{
		{"discordgo", func(ctx context.Context, i *discordgo.Interaction) error {
			return r.request(ctx, "POST", discordgo.EndpointInteractionResponse(i.ID, i.Token), callbackBody(resp), nil)
		}},
		{"direct", func(ctx context.Context, i *discordgo.Interaction) error { return r.Respond(ctx, i, resp) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for n := range b.N {
				i := &discordgo.Interaction{ID: "1234567890123" + strconv.Itoa(n), Token: "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpabc" + strconv.Itoa(n)}
				if err := c.do(context.Background(), i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
