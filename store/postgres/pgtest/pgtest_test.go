package pgtest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"ficshelf/store/postgres/pgtest"
)

func TestSkipsWithoutServer(t *testing.T) {
	t.Setenv(pgtest.Env, "")
	reached := false
	t.Run("inner", func(t *testing.T) {
		pgtest.URL(t)
		reached = true
	})
	if reached {
		t.Error("URL returned without a server instead of skipping")
	}
}

// With the variable set and the server unreachable, a test fails (CI must
// not pass by skipping). Checked in a child process.
func TestFailsWhenServerUnreachable(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "1" {
		pgtest.Open(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFailsWhenServerUnreachable$", "-test.v")
	cmd.Env = append(os.Environ(), "PGTEST_CHILD=1", pgtest.Env+"=postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=2")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--- FAIL") || !strings.Contains(string(out), "cannot reach") {
		t.Errorf("child: %v\n%s", err, out)
	}
}
