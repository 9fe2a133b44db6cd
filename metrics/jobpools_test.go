package metrics

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestJobPoolMetrics(t *testing.T) {
	m := New(nil)
	srv := httptest.NewServer(m.Handler(Health{DatabaseOpen: func() bool { return true }}))
	defer srv.Close()
	if body := get(t, srv.URL+"/metrics", 200); strings.Contains(body, "ficshelf_job_pool") {
		t.Errorf("pool metrics before any pool reported")
	}
	m.JobPoolDepth("imports", 7, 4)
	m.JobPoolWait("imports", 2*time.Second)
	body := get(t, srv.URL+"/metrics", 200)
	for _, want := range []string{
		`ficshelf_job_pool_waiting{pool="imports"} 7`,
		`ficshelf_job_pool_running{pool="imports"} 4`,
		`ficshelf_job_pool_wait_seconds_bucket{pool="imports",le="1"} 0`,
		`ficshelf_job_pool_wait_seconds_bucket{pool="imports",le="5"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
