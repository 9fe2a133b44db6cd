package workpool

import "github.com/prometheus/client_golang/prometheus"

// Collector reports pools to Prometheus, read at each scrape:
//
//	ficshelf_pool_running{pool}              gauge: pieces of work running
//	ficshelf_pool_queued{pool}               gauge: pieces waiting for a slot (queue depth)
//	ficshelf_pool_started_total{pool}        counter: pieces given a slot
//	ficshelf_pool_refused_total{pool}        counter: pieces refused (queue full, wait too long)
//	ficshelf_pool_wait_seconds_total{pool}   counter: summed wait for a slot (÷ started = mean wait)
//	ficshelf_pool_wait_max_seconds{pool}     gauge: the longest wait for a slot so far
//	ficshelf_pool_run_seconds_avg{pool}      gauge: moving average of a piece's run time
type Collector struct {
	Pools []*Pool
}

var (
	descRunning = prometheus.NewDesc("ficshelf_pool_running", "Heavy work running now, by pool.", []string{"pool"}, nil)
	descQueued  = prometheus.NewDesc("ficshelf_pool_queued", "Heavy work waiting for a slot now (queue depth), by pool.", []string{"pool"}, nil)
	descStarted = prometheus.NewDesc("ficshelf_pool_started_total", "Heavy work given a slot, by pool.", []string{"pool"}, nil)
	descRefused = prometheus.NewDesc("ficshelf_pool_refused_total", "Heavy work refused because the server's queue was full or the wait too long, by pool.", []string{"pool"}, nil)
	descWait    = prometheus.NewDesc("ficshelf_pool_wait_seconds_total", "Summed wait of started heavy work for its slot, by pool.", []string{"pool"}, nil)
	descWaitMax = prometheus.NewDesc("ficshelf_pool_wait_max_seconds", "The longest wait of started heavy work for its slot, by pool.", []string{"pool"}, nil)
	descAvg     = prometheus.NewDesc("ficshelf_pool_run_seconds_avg", "Moving average of a piece of heavy work's run time, by pool.", []string{"pool"}, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRunning, descQueued, descStarted, descRefused, descWait, descWaitMax, descAvg} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.Pools {
		if p == nil {
			continue
		}
		s, n := p.Stats(), p.Name()
		ch <- prometheus.MustNewConstMetric(descRunning, prometheus.GaugeValue, float64(s.Running), n)
		ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(s.Waiting), n)
		ch <- prometheus.MustNewConstMetric(descStarted, prometheus.CounterValue, float64(s.Started), n)
		ch <- prometheus.MustNewConstMetric(descRefused, prometheus.CounterValue, float64(s.Refused), n)
		ch <- prometheus.MustNewConstMetric(descWait, prometheus.CounterValue, s.WaitTotal.Seconds(), n)
		ch <- prometheus.MustNewConstMetric(descWaitMax, prometheus.GaugeValue, s.WaitMax.Seconds(), n)
		ch <- prometheus.MustNewConstMetric(descAvg, prometheus.GaugeValue, s.Avg.Seconds(), n)
	}
}
