package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Job pools (jobs.JobRunner): how many persisted jobs wait and run, and
// how long they wait, by pool. Registered at the first report, so that a
// process without pools shows none.
type jobPools struct {
	once    sync.Once
	waiting *prometheus.GaugeVec
	running *prometheus.GaugeVec
	wait    *prometheus.HistogramVec
}

func (m *Metrics) pools() *jobPools {
	p := &m.jobPools
	p.once.Do(func() {
		p.waiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ficshelf_job_pool_waiting",
			Help: "Persisted jobs (imports, series links) waiting for a place in this process's pool, by pool, as of the pool's last look.",
		}, []string{"pool"})
		p.running = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ficshelf_job_pool_running",
			Help: "Persisted jobs running in this process's pool, by pool.",
		}, []string{"pool"})
		p.wait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ficshelf_job_pool_wait_seconds",
			Help:    "Time a persisted job waited, from when this process first saw it until it started, by pool.",
			Buckets: []float64{.1, .5, 1, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"pool"})
		m.reg.MustRegister(p.waiting, p.running, p.wait)
	})
	return p
}

// JobPoolDepth implements jobs.PoolObserver.
func (m *Metrics) JobPoolDepth(pool string, waiting, running int) {
	p := m.pools()
	p.waiting.WithLabelValues(pool).Set(float64(waiting))
	p.running.WithLabelValues(pool).Set(float64(running))
}

// JobPoolWait implements jobs.PoolObserver.
func (m *Metrics) JobPoolWait(pool string, wait time.Duration) {
	m.pools().wait.WithLabelValues(pool).Observe(wait.Seconds())
}
