package bot

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAllowedAttachmentURL(t *testing.T) {
	base, _ := url.Parse("http://127.0.0.1:8080")
	for _, tc := range []struct {
		u    string
		want bool
	}{
		{"https://cdn.discordapp.com/attachments/1/2/story.txt?ex=1&hm=2", true},
		{"https://media.discordapp.net/attachments/1/2/story.epub", true},
		{"https://CDN.discordapp.com/attachments/1/2/x", true},
		{"https://cdn.discordapp.com:443/x", true},
		{"http://cdn.discordapp.com/x", false}, // https only on the CDN
		{"https://cdn.discordapp.com:8443/x", false},
		{"https://cdn.discordapp.com.evil.example/x", false},
		{"https://evil.example/cdn.discordapp.com/x", false},
		{"https://user@cdn.discordapp.com/x", false},
		{"https://discord.com/x", false},
		{"http://127.0.0.1:8080/files/1/story.txt", true}, // the base URL's host
		{"https://127.0.0.1:8080/files/x", true},
		{"http://127.0.0.1:8081/files/x", false}, // other port
		{"file:///etc/passwd", false},
	} {
		u, err := url.Parse(tc.u)
		if err != nil {
			t.Fatal(err)
		}
		if got := allowedAttachmentURL(u, base); got != tc.want {
			t.Errorf("allowed(%s) = %v, want %v", tc.u, got, tc.want)
		}
	}
	// With the default base, plain http to discord.com is not allowed.
	prod, _ := url.Parse(DefaultBaseURL)
	for raw, want := range map[string]bool{"http://discord.com/x": false, "https://discord.com/x": true} {
		u, _ := url.Parse(raw)
		if got := allowedAttachmentURL(u, prod); got != want {
			t.Errorf("default base: allowed(%s) = %v, want %v", raw, got, want)
		}
	}
}

func newTestBot(t *testing.T, baseURL string) *Bot {
	t.Helper()
	b, err := New(Config{Token: "test-token", BaseURL: baseURL, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFetchAttachment(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from another host")
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/files/ok.txt":
			io.WriteString(w, "once upon a time")
		case "/files/declared-big":
			w.Header().Set("Content-Length", "1000000")
			io.WriteString(w, "start")
			w.(http.Flusher).Flush()
			select { // a client that reads the body would wait here
			case <-release:
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case "/files/chunked-big":
			w.(http.Flusher).Flush() // no Content-Length: chunked
			for i := 0; i < 100; i++ {
				io.WriteString(w, strings.Repeat("x", 100))
			}
		case "/files/redirect-here":
			http.Redirect(w, r, "/files/ok.txt", http.StatusFound)
		case "/files/redirect-away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b := newTestBot(t, srv.URL)
	ctx := context.Background()

	got, err := b.FetchAttachment(ctx, srv.URL+"/files/ok.txt", 100)
	if err != nil || string(got) != "once upon a time" {
		t.Errorf("ok: %q, %v", got, err)
	}
	if got, err := b.FetchAttachment(ctx, srv.URL+"/files/redirect-here", 100); err != nil || string(got) != "once upon a time" {
		t.Errorf("same-host redirect: %q, %v", got, err)
	}

	start := time.Now()
	_, err = b.FetchAttachment(ctx, srv.URL+"/files/declared-big", 1000)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("declared big: err = %v, want ErrTooLarge", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("declared big: took %v; the body must not be read", time.Since(start))
	}

	if _, err := b.FetchAttachment(ctx, srv.URL+"/files/chunked-big", 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("chunked big: err = %v, want ErrTooLarge", err)
	}
	if got, err := b.FetchAttachment(ctx, srv.URL+"/files/chunked-big", 10000); err != nil || len(got) != 10000 {
		t.Errorf("exactly at the limit: %d bytes, %v", len(got), err)
	}
	if _, err := b.FetchAttachment(ctx, other.URL+"/x", 1000); !errors.Is(err, ErrForbiddenHost) {
		t.Errorf("other host: err = %v, want ErrForbiddenHost", err)
	}
	if _, err := b.FetchAttachment(ctx, "https://example.com/story.txt", 1000); !errors.Is(err, ErrForbiddenHost) {
		t.Errorf("example.com: err = %v, want ErrForbiddenHost", err)
	}
	if _, err := b.FetchAttachment(ctx, srv.URL+"/files/redirect-away", 1000); !errors.Is(err, ErrForbiddenHost) {
		t.Errorf("redirect to another host: err = %v, want ErrForbiddenHost", err)
	}
	if _, err := b.FetchAttachment(ctx, srv.URL+"/files/none", 1000); err == nil {
		t.Errorf("404: no error")
	}
}
