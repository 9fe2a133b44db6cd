package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// pprofEnv names the environment variable that turns on Go's profiling
// endpoints (/debug/pprof/…) at the address it holds, e.g. 127.0.0.1:6060.
// It is read by main alone, not part of config: a tool for measuring the
// bot, not a setting of a deployment. Unset, nothing is listened on and
// nothing is profiled.
const pprofEnv = "FICSHELF_PPROF_ADDR"

// servePprof serves the profiling endpoints on addr until ctx ends, on a
// mux of its own (never http.DefaultServeMux). It returns the bound
// address once it is bound, so that a profile can be asked for as soon as
// the bot runs.
func servePprof(ctx context.Context, addr string, log *slog.Logger) (net.Addr, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pprofEnv, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("profiling endpoint stopped", "addr", addr, "err", err)
		}
	}()
	log.Info("profiling endpoints on", "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	return ln.Addr(), nil
}
