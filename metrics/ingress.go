package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// IngressStats is the bot's fair share of handler slots between servers
// (bot.IngressStats), read at each scrape. Nothing is labelled by server:
// their number has no bound.
type IngressStats struct {
	Slots, Running, Waiting, ServersWaiting int
	Queued, Skipped                         uint64
	WaitTotal, WaitMax                      time.Duration
}

// IngressCollector reports IngressStats to Prometheus:
//
//	ficshelf_interaction_slots                       gauge: handlers that may run at once
//	ficshelf_interaction_slots_running               gauge: handlers running
//	ficshelf_interaction_queue_waiting               gauge: interactions waiting for a slot (queue depth)
//	ficshelf_interaction_queue_servers               gauge: servers with interactions waiting
//	ficshelf_interaction_queued_total                counter: interactions that had to wait
//	ficshelf_interaction_queue_skipped_total         counter: autocompletes answered empty while waiting
//	ficshelf_interaction_queue_wait_seconds_total    counter: summed wait (÷ queued = mean wait)
//	ficshelf_interaction_queue_wait_max_seconds      gauge: the longest wait so far
type IngressCollector struct {
	Stats func() IngressStats
}

var (
	descSlots      = prometheus.NewDesc("ficshelf_interaction_slots", "Interaction handlers that may run at once in this process.", nil, nil)
	descSlotsRun   = prometheus.NewDesc("ficshelf_interaction_slots_running", "Interaction handlers running now.", nil, nil)
	descQWaiting   = prometheus.NewDesc("ficshelf_interaction_queue_waiting", "Interactions waiting for a handler slot now (queue depth), all servers.", nil, nil)
	descQServers   = prometheus.NewDesc("ficshelf_interaction_queue_servers", "Servers with interactions waiting for a handler slot now (they are served in turn).", nil, nil)
	descQueued     = prometheus.NewDesc("ficshelf_interaction_queued_total", "Interactions that waited for a handler slot because all were taken.", nil, nil)
	descQSkipped   = prometheus.NewDesc("ficshelf_interaction_queue_skipped_total", "Autocompletes answered with no choices while they waited for a handler slot.", nil, nil)
	descQWait      = prometheus.NewDesc("ficshelf_interaction_queue_wait_seconds_total", "Summed wait of interactions for a handler slot; divide by ficshelf_interaction_queued_total for the mean.", nil, nil)
	descQWaitMax   = prometheus.NewDesc("ficshelf_interaction_queue_wait_max_seconds", "The longest wait of an interaction for a handler slot so far.", nil, nil)
	ingressMetrics = []*prometheus.Desc{descSlots, descSlotsRun, descQWaiting, descQServers, descQueued, descQSkipped, descQWait, descQWaitMax}
)

// Describe implements prometheus.Collector.
func (c *IngressCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range ingressMetrics {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *IngressCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.Stats()
	for _, m := range []struct {
		d *prometheus.Desc
		t prometheus.ValueType
		v float64
	}{
		{descSlots, prometheus.GaugeValue, float64(s.Slots)},
		{descSlotsRun, prometheus.GaugeValue, float64(s.Running)},
		{descQWaiting, prometheus.GaugeValue, float64(s.Waiting)},
		{descQServers, prometheus.GaugeValue, float64(s.ServersWaiting)},
		{descQueued, prometheus.CounterValue, float64(s.Queued)},
		{descQSkipped, prometheus.CounterValue, float64(s.Skipped)},
		{descQWait, prometheus.CounterValue, s.WaitTotal.Seconds()},
		{descQWaitMax, prometheus.GaugeValue, s.WaitMax.Seconds()},
	} {
		ch <- prometheus.MustNewConstMetric(m.d, m.t, m.v)
	}
}
