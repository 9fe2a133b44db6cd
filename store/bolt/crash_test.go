package bolt_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/store/bolt"
)

// TestKillNineKeepsAcknowledgedWrites runs a child process that gives kudos
// from many goroutines and prints each one once GiveKudos returned, kills it
// with SIGKILL mid-stream, reopens the file and checks that every
// acknowledged kudos is there and the counter equals the records.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	s, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.AddStory(ctx, guildA, &fic.Story{Title: "Crash"}, nil, alice, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), "FICSHELF_CRASH_CHILD="+path+"|"+rec.ID)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked[u] = true
		}
		if len(acked) >= 300 || time.Now().After(deadline) {
			break
		}
	}
	cmd.Process.Kill() // SIGKILL
	for sc.Scan() {    // lines already written before the kill were acknowledged too
		if u, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked[u] = true
		}
	}
	cmd.Wait()
	if len(acked) == 0 {
		t.Fatal("child acknowledged nothing")
	}

	s, err = bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	kudos, err := s.Kudos(ctx, guildA, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range kudos {
		have[k.UserID] = true
	}
	for u := range acked {
		if !have[u] {
			t.Errorf("acknowledged kudos from %s lost", u)
		}
	}
	got, _ := s.Story(ctx, guildA, rec.ID)
	if got.Kudos != len(kudos) {
		t.Errorf("counter %d, records %d", got.Kudos, len(kudos))
	}
	t.Logf("%d acknowledged, %d stored", len(acked), len(kudos))
}

// TestCrashChild is the child of TestKillNineKeepsAcknowledgedWrites.
func TestCrashChild(t *testing.T) {
	arg := os.Getenv("FICSHELF_CRASH_CHILD")
	if arg == "" {
		t.Skip("only run as a child process")
	}
	path, story, _ := strings.Cut(arg, "|")
	s, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(os.Stdout)
	lines := make(chan string, 1024)
	go func() {
		for l := range lines {
			w.WriteString(l)
			w.Flush()
		}
	}()
	for g := 0; g < 16; g++ {
		go func() {
			for i := 0; ; i++ {
				u := fmt.Sprint(900_000_000 + g*1_000_000 + i)
				if _, err := s.GiveKudos(ctx, guildA, story, u, time.Time{}); err == nil {
					lines <- "ACK " + u + "\n"
				}
			}
		}()
	}
	select {} // until killed
}
