package metrics

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestIngressMetrics(t *testing.T) {
	m := New(nil)
	if err := m.Register(&IngressCollector{Stats: func() IngressStats {
		return IngressStats{Slots: 8, Running: 8, Waiting: 30, ServersWaiting: 2, Queued: 120, Skipped: 3, WaitTotal: 6 * time.Second, WaitMax: 900 * time.Millisecond}
	}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(Health{DatabaseOpen: func() bool { return true }}))
	defer srv.Close()
	body := get(t, srv.URL+"/metrics", 200)
	for _, want := range []string{
		"ficshelf_interaction_slots 8",
		"ficshelf_interaction_slots_running 8",
		"ficshelf_interaction_queue_waiting 30",
		"ficshelf_interaction_queue_servers 2",
		"ficshelf_interaction_queued_total 120",
		"ficshelf_interaction_queue_skipped_total 3",
		"ficshelf_interaction_queue_wait_seconds_total 6",
		"ficshelf_interaction_queue_wait_max_seconds 0.9",
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
