package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	return sessionResponder{s: s, buckets: &bucketPool{}}
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
			// bucket it creates).
			if n := r.buckets.n; n != 2 {
				t.Errorf("%d rate-limit bucket IDs for 4 answers, 2 at a time; want 2", n)
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
