// Package metrics exposes what an operator needs during an incident:
// Prometheus metrics at /metrics and a health check at /healthz, served on
// METRICS_ADDR. It implements bot.Observer, so the bot reports into it
// without knowing Prometheus.
//
// Every metric is documented in the README ("Metrics"); keep the two in
// step. Metrics live in a registry of their own, not Prometheus's global
// one.
package metrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// StoreStats is what the store reports about its write transactions.
type StoreStats struct {
	Commits     int64         // write transactions committed
	CommitTime  time.Duration // time spent committing them (writes + fsync)
	OpenReadTxs int           // read transactions open now
}

// Health is what /healthz checks.
type Health struct {
	// GatewayConnected reports whether every gateway shard is ready; nil
	// for a process without gateway (HTTP interactions only).
	GatewayConnected func() bool
	DatabaseOpen     func() bool
	// Shards, when set, lists each gateway shard's state ("ready" is
	// healthy), reported as "shards".
	Shards func() []ShardState
	// Interactions, when set, reports whether the HTTP interactions
	// endpoint is listening.
	Interactions func() bool
}

// ShardState is one gateway shard's state in /healthz.
type ShardState struct {
	ID    int    `json:"id"`
	State string `json:"state"`
}

// Metrics holds Ficshelf's metrics. The zero value is not usable; call New.
type Metrics struct {
	reg          *prometheus.Registry
	interactions *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	deferrals    *prometheus.CounterVec
	restErrors   *prometheus.CounterVec
	rateLimits   *prometheus.CounterVec
	reconnects   *prometheus.CounterVec
	shardUp      *prometheus.GaugeVec
	jobPools     jobPools // jobpools.go
}

// New returns Metrics registered in a fresh registry, including Go runtime
// and process metrics, and the store's commit statistics read from store
// (which may be nil) at each scrape.
func New(store func() StoreStats) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		interactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficshelf_interactions_total",
			Help: "Interactions answered, by kind, command (or component route) and outcome.",
		}, []string{"kind", "command", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ficshelf_interaction_duration_seconds",
			Help:    "Time from receiving an interaction to its last answer being sent, by kind and command.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 10, 30},
		}, []string{"kind", "command"}),
		deferrals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficshelf_interaction_deferrals_total",
			Help: "Interactions acknowledged first (deferred) because the answer took longer than about 2 s, by kind and command.",
		}, []string{"kind", "command"}),
		restErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficshelf_discord_rest_errors_total",
			Help: "Discord REST responses with status >= 400 (status 0: no response), by route and status.",
		}, []string{"route", "status"}),
		rateLimits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficshelf_discord_rate_limited_total",
			Help: "Discord REST responses with status 429 (rate limited), by route.",
		}, []string{"route"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ficshelf_gateway_reconnects_total",
			Help: "Gateway connections made after the first one (resumes and re-identifies), by shard.",
		}, []string{"shard"}),
		shardUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ficshelf_gateway_shard_ready",
			Help: "1 while a gateway shard of this process is ready (READY or RESUMED), 0 otherwise, by shard.",
		}, []string{"shard"}),
	}
	m.reg.MustRegister(m.interactions, m.latency, m.deferrals, m.restErrors, m.rateLimits, m.reconnects, m.shardUp,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if store != nil {
		m.reg.MustRegister(&storeCollector{stats: store})
	}
	return m
}

// InteractionDone implements bot.Observer.
func (m *Metrics) InteractionDone(kind, name, outcome string, d time.Duration, deferred bool) {
	m.interactions.WithLabelValues(kind, name, outcome).Inc()
	m.latency.WithLabelValues(kind, name).Observe(d.Seconds())
	if deferred {
		m.deferrals.WithLabelValues(kind, name).Inc()
	}
}

// RESTError implements bot.Observer.
func (m *Metrics) RESTError(route string, status int) {
	m.restErrors.WithLabelValues(route, strconv.Itoa(status)).Inc()
	if status == http.StatusTooManyRequests {
		m.rateLimits.WithLabelValues(route).Inc()
	}
}

// Reconnect implements bot.Observer.
func (m *Metrics) Reconnect(shard int) { m.reconnects.WithLabelValues(strconv.Itoa(shard)).Inc() }

// ShardState implements bot.Observer.
func (m *Metrics) ShardState(shard int, state string) {
	up := 0.0
	if state == "ready" {
		up = 1
	}
	m.shardUp.WithLabelValues(strconv.Itoa(shard)).Set(up)
	m.reconnects.WithLabelValues(strconv.Itoa(shard)) // a shard that never reconnected shows 0
}

// Handler serves /metrics and /healthz. /healthz answers 200 with a JSON
// body when every gateway shard is ready (when the process has any), the
// HTTP endpoint listens (when it has one) and the database is open, 503
// otherwise. The body has a boolean per check and "shards": each shard's
// id and state.
func (m *Metrics) Handler(h Health) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		status := map[string]any{}
		healthy := true
		check := func(name string, ok bool) {
			status[name] = ok
			healthy = healthy && ok
		}
		if h.GatewayConnected != nil {
			check("gateway_connected", h.GatewayConnected())
		}
		if h.Interactions != nil {
			check("interactions_listening", h.Interactions())
		}
		check("database_open", h.DatabaseOpen != nil && h.DatabaseOpen())
		if h.Shards != nil {
			shards := h.Shards()
			if shards == nil {
				shards = []ShardState{}
			}
			status["shards"] = shards
		}
		code := http.StatusOK
		if !healthy {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(status)
	})
	return mux
}

// Serve listens on addr and serves handler in the background until the
// returned stop is called; it returns once the listener is up (or failed).
// stop shuts the server down (in-flight scrapes get up to 2 s) and returns
// when it has stopped. The caller decides when: app.Run stops it last, so
// /healthz and /metrics stay up while the bot drains, and a bot that fails
// to start does not leave the server (and the process) running.
func Serve(addr string, handler http.Handler) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) // returns http.ErrServerClosed after Shutdown
	}()
	return func() {
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
		<-done
	}, nil
}

// storeCollector reads the store's statistics at scrape time.
type storeCollector struct{ stats func() StoreStats }

var (
	descCommits = prometheus.NewDesc("ficshelf_store_commits_total",
		"Database write transactions committed.", nil, nil)
	descCommitTime = prometheus.NewDesc("ficshelf_store_commit_seconds_total",
		"Time spent committing database write transactions (writing pages and fsync); divide by ficshelf_store_commits_total for the mean.", nil, nil)
	descReadTxs = prometheus.NewDesc("ficshelf_store_open_read_transactions",
		"Database read transactions open now.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descCommits
	ch <- descCommitTime
	ch <- descReadTxs
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(descCommits, prometheus.CounterValue, float64(s.Commits))
	ch <- prometheus.MustNewConstMetric(descCommitTime, prometheus.CounterValue, s.CommitTime.Seconds())
	ch <- prometheus.MustNewConstMetric(descReadTxs, prometheus.GaugeValue, float64(s.OpenReadTxs))
}
