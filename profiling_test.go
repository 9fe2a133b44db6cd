package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The profiling endpoints answer while the context lives and stop with it.
func TestServePprof(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := servePprof(ctx, "127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + addr.String() + "/debug/pprof/"
	for _, path := range []string{"", "cmdline", "heap?debug=1", "allocs?debug=1", "goroutine?debug=1"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("%s: status %d, %d bytes", path, resp.StatusCode, len(body))
		}
		if path == "heap?debug=1" && !strings.Contains(string(body), "# HeapAlloc") {
			t.Errorf("heap profile without the runtime's memory statistics: %.200s", body)
		}
	}
	if _, err := servePprof(ctx, addr.String(), slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), pprofEnv) {
		t.Errorf("second listener on %s: %v, want an error naming %s", addr, err, pprofEnv)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(base)
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("profiling endpoints still answering after the context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
