package metrics

import "github.com/prometheus/client_golang/prometheus"

// Register adds a collector of another package (the worker pools'
// workpool.Collector) to the registry served at /metrics.
func (m *Metrics) Register(c prometheus.Collector) error {
	return m.reg.Register(c)
}
