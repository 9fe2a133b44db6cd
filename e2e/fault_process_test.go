package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/bot"
	"ficshelf/discordtest"
	"ficshelf/loadtest"
	"ficshelf/shelf"
	"ficshelf/store"
)

// TestFaultDiskFull runs the bot with a file-size limit (RLIMIT_FSIZE,
// which also binds root, unlike file permissions) below the database's
// size, so every commit fails to write its pages (EFBIG), as on a full
// disk. Writes are answered "Something went wrong", never a false success,
// and logged; reads keep working; the file stays consistent and the writes
// acknowledged before are intact.
func TestFaultDiskFull(t *testing.T) {
	w, p := faultWorld(t, loadtest.ProcessOptions{})
	writes := []loadtest.Weighted{{Kind: loadtest.KudosGive, Weight: 1}, {Kind: loadtest.KudosButton, Weight: 1}, {Kind: loadtest.ListAdd, Weight: 1}}
	before := loadtest.Run(t, w, loadtest.RunConfig{N: 60, Concurrency: 6, Mix: writes, Seed: 21})
	requireAnswered(t, before, false)
	var acked []loadtest.Sample
	for _, s := range before.Samples {
		if acknowledgedWrite(s) {
			acked = append(acked, s)
		}
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	fi, err := os.Stat(w.DB)
	if err != nil {
		t.Fatal(err)
	}

	// 16 blocks of 512 bytes: the two meta pages fit, nothing else does.
	p = loadtest.Start(t, loadtest.Binary(t), w.DB, w.Srv, loadtest.ProcessOptions{FileSizeLimit: 16, Env: []string{"LOG_LEVEL=info"}})
	limits, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", p.Pid()))
	if !strings.Contains(string(limits), "Max file size             8192") {
		t.Fatalf("file size limit not in place:\n%s", limits)
	}
	full := loadtest.Run(t, w, loadtest.RunConfig{N: 60, Concurrency: 6, Mix: writes, Seed: 22})
	t.Logf("with the disk full (database %d bytes, limit 8192):\n%s", fi.Size(), full.Report())
	var failedWrites []loadtest.Sample
	for _, s := range full.Samples {
		switch {
		case s.Unanswered || s.Late:
			t.Errorf("%s unanswered or late with the disk full: %s", s.Kind, s.Err)
		case acknowledgedWrite(s):
			// Only a kudos already given may be "acknowledged" again
			// (the member is told it already exists): check below.
		case s.Failed:
			failedWrites = append(failedWrites, s)
		}
	}
	if len(failedWrites) < 20 {
		t.Errorf("only %d of 60 writes answered %q with the disk full", len(failedWrites), bot.FailureMessage)
	}
	reads := loadtest.Run(t, w, loadtest.RunConfig{N: 30, Concurrency: 3, Seed: 23, Mix: []loadtest.Weighted{{Kind: loadtest.StoryInfo, Weight: 1}, {Kind: loadtest.Excerpt, Weight: 1}, {Kind: loadtest.Autocomplete, Weight: 1}}})
	requireAnswered(t, reads, false)
	log := p.Log.String()
	if !strings.Contains(log, "file too large") {
		t.Errorf("the failed commits were not logged with their cause (EFBIG):\n%s", p.Log.Tail(4<<10))
	}
	if strings.Contains(log, "panic") {
		t.Errorf("the bot panicked:\n%s", p.Log.Tail(4<<10))
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM with the disk full: %v", err)
	}

	loadtest.CheckDB(t, w.DB)
	st, err := store.Open(context.Background(), w.DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, s := range acked {
		if !hasWrite(t, st, s) {
			t.Errorf("%s by %s on story %s acknowledged before the disk filled, lost", s.Kind, s.User, s.Story)
		}
	}
	// Every write answered "Something went wrong" left nothing behind
	// unless it had been acknowledged before.
	ackedKey := map[string]bool{}
	for _, s := range acked {
		ackedKey[s.Guild+s.User+s.Story+string(s.Kind)] = true
	}
	for _, s := range failedWrites {
		if s.Kind == loadtest.ListAdd || ackedKey[s.Guild+s.User+s.Story+string(loadtest.KudosGive)] || ackedKey[s.Guild+s.User+s.Story+string(loadtest.KudosButton)] {
			continue // an existing entry may be what is there
		}
		if hasWrite(t, st, s) {
			t.Errorf("%s by %s on story %s was answered %q but is stored", s.Kind, s.User, s.Story, bot.FailureMessage)
		}
	}
}

// hasWrite reports whether the write of s (kudos or reading-list entry) is
// in the store.
func hasWrite(t *testing.T, st shelf.Store, s loadtest.Sample) bool {
	t.Helper()
	switch s.Kind {
	case loadtest.KudosGive, loadtest.KudosButton:
		ks, err := st.Kudos(context.Background(), s.Guild, s.Story)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if k.UserID == s.User {
				return true
			}
		}
		return false
	case loadtest.ListAdd:
		_, err := st.ListEntry(context.Background(), s.Guild, s.User, s.Story)
		return err == nil
	}
	return false
}

// TestFaultSecondInstanceLocked starts a second process on a database the
// first holds: it exits non-zero within a few seconds with one line naming
// FICSHELF_DB, and the first keeps serving.
func TestFaultSecondInstanceLocked(t *testing.T) {
	w, p := faultWorld(t, loadtest.ProcessOptions{})
	start := time.Now()
	second := loadtest.Start(t, loadtest.Binary(t), w.DB, w.Srv, loadtest.ProcessOptions{NoWait: true})
	err := second.Wait(15 * time.Second)
	took := time.Since(start)
	out := strings.TrimSpace(second.Log.String())
	t.Logf("second instance after %v: %v: %q", took, err, out)
	if err == nil || strings.Contains(err.Error(), "did not exit") {
		t.Errorf("second instance: %v; want a non-zero exit", err)
	}
	if took > 6*time.Second {
		t.Errorf("locked database reported after %v", took)
	}
	if strings.Count(out, "\n") != 0 || !strings.Contains(out, "FICSHELF_DB") || !strings.Contains(out, "in use") {
		t.Errorf("second instance said %q; want one line naming FICSHELF_DB and saying it is in use", out)
	}
	res := loadtest.Run(t, w, loadtest.RunConfig{N: 20, Concurrency: 4})
	requireAnswered(t, res, false)
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("first instance after SIGTERM: %v", err)
	}
}

// TestFaultSIGTERMWithInFlight sends SIGTERM while interactions are in
// flight: a /story add by link waiting on a slow AO3 (deferred, edited
// during the shutdown), a /story add of a large file, and answers held up
// by a slow Discord (callback delay). Every one is
// answered before the process exits, and it exits 0; one arriving after
// the signal is told the bot is restarting.
func TestFaultSIGTERMWithInFlight(t *testing.T) {
	// A slow AO3: a link look-up takes 2.5 s, so that /story add defers
	// and its answer is edited in during the shutdown.
	ao3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2500 * time.Millisecond):
		case <-r.Context().Done():
		}
		http.NotFound(w, r)
	}))
	defer ao3.Close()
	w, p := faultWorld(t, loadtest.ProcessOptions{Env: []string{"LOG_LEVEL=info", "AO3_BASE_URL=" + ao3.URL}})
	srv := w.Srv
	g := w.Guilds[0]
	rng := rand.New(rand.NewPCG(5, 5))
	byLink := srv.Send(t, srv.Slash(t, g.General.ID, g.Members[2].User.ID, "story",
		discordtest.Sub("add", discordtest.String("link", "https://archiveofourown.org/works/777"))))

	// A large plain-text story: importing and indexing it takes a while.
	var big strings.Builder
	big.WriteString("The Long Crossing\n\n")
	for c := 1; big.Len() < 18<<20; c++ {
		fmt.Fprintf(&big, "Chapter %d\n\n", c)
		for p := 0; p < 200; p++ {
			fmt.Fprintf(&big, "The ferry crossed the river for the %d-th time in chapter %d, and Ines counted the passengers twice, because the river had taught her to. “Mind the rope,” said Mr. Hale. ", p, c)
			big.WriteString("\n\n")
		}
	}
	file := srv.AddAttachment("long-crossing.txt", "text/plain", []byte(big.String()))
	add := srv.Send(t, srv.Slash(t, g.General.ID, g.Members[0].User.ID, "story",
		discordtest.Sub("add", discordtest.Attach("file", file))))

	srv.SetCallbackDelay(1500 * time.Millisecond)
	var pend []*discordtest.Pending
	for range 12 {
		i, _ := w.Build(t, rng, []loadtest.Kind{loadtest.StoryInfo, loadtest.KudosGive, loadtest.ListAdd, loadtest.Excerpt}[rng.IntN(4)])
		pend = append(pend, srv.Send(t, i))
	}
	time.Sleep(500 * time.Millisecond) // the bot has them; the server holds their answers 1.5 s
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	// One more after the signal: answered with the restart notice (or,
	// if the gateway is already closed, never delivered).
	time.Sleep(50 * time.Millisecond)
	i, _ := w.Build(t, rng, loadtest.StoryInfo)
	var lateP *discordtest.Pending
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer func() { recover() }()
		lateP = srv.Send(&quietTB{TB: t}, i)
	}()
	wg.Wait()

	exitErr := p.Wait(60 * time.Second)
	srv.SetCallbackDelay(0)
	if exitErr != nil {
		t.Errorf("exit after SIGTERM with interactions in flight: %v", exitErr)
	}
	for n, pd := range pend {
		a := pd.Answer()
		if a == nil || a.Type == 0 || len(a.Rejected) > 0 {
			t.Errorf("in-flight interaction %d not answered before exit: %+v", n, a)
			continue
		}
		if strings.Contains(a.Content(), bot.FailureMessage) || strings.Contains(a.Content(), bot.ShutdownMessage) {
			t.Errorf("in-flight interaction %d answered %q", n, a.Content())
		}
	}
	a := add.Answer()
	switch {
	case a == nil || a.Type == 0:
		t.Errorf("/story add in flight at SIGTERM never answered")
	case a.Deferred() && !a.Edited && len(a.Followups) == 0:
		t.Errorf("/story add deferred but its answer was never edited in before exit")
	case a.Original == nil || !strings.Contains(a.Original.EmbedText()+a.Original.Content, "Long Crossing"):
		t.Errorf("/story add answered %q", a.Original.Content)
	default:
		t.Logf("/story add of %.1f MiB: deferred=%v, answered with its card before exit: %.120q", float64(big.Len())/(1<<20), a.Deferred(), a.Original.EmbedText())
	}
	switch a := byLink.Answer(); {
	case a == nil || !a.Deferred():
		t.Errorf("/story add by link (2.5 s look-up) was not deferred: %+v", a)
	case !a.Edited && len(a.Followups) == 0:
		t.Errorf("/story add by link deferred at SIGTERM, its answer never edited in before exit")
	default:
		text := a.Original.Content + a.Original.EmbedText()
		for _, f := range a.Followups {
			text += f.Content + f.EmbedText()
		}
		if text == "" || strings.Contains(text, bot.FailureMessage) || strings.Contains(text, bot.ShutdownMessage) {
			t.Errorf("/story add by link answered %q", text)
		}
		t.Logf("/story add by link: deferred, then answered during shutdown: %.120q", text)
	}
	if lateP != nil {
		if la := lateP.Answer(); la != nil && la.Type != 0 && !strings.Contains(la.Content(), bot.ShutdownMessage) {
			t.Errorf("interaction after SIGTERM answered %q; want the restart notice", la.Content())
		}
	}
	loadtest.CheckDB(t, w.DB)
	st, err := store.Open(context.Background(), w.DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if refs, err := st.SearchStories(context.Background(), g.Guild.ID, "Long Crossing", 5); err != nil || len(refs) == 0 {
		t.Errorf("the story added during shutdown is not in the library: %v %v", refs, err)
	}
}

// quietTB gives discordtest.Send a TB whose Fatal ends only the sending
// goroutine (the gateway may already be closed), with a recovered panic.
type quietTB struct{ testing.TB }

func (q *quietTB) Fatalf(format string, args ...any) {
	q.Logf("send after SIGTERM: "+format, args...)
	panic(q)
}
func (q *quietTB) Fatal(args ...any) { q.Log(args...); panic(q) }

// TestFaultUnusableDatabasePath points FICSHELF_DB at a directory (a
// read-only file cannot be made so for root, which these tests may run
// as): the program exits non-zero at once with one line naming
// FICSHELF_DB, and connects to nothing.
func TestFaultUnusableDatabasePath(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	srv := discordtest.New(t)
	dir := t.TempDir()
	start := time.Now()
	p := loadtest.Start(t, loadtest.Binary(t), dir, srv, loadtest.ProcessOptions{NoWait: true})
	err := p.Wait(15 * time.Second)
	out := strings.TrimSpace(p.Log.String())
	t.Logf("after %v: %v: %q", time.Since(start), err, out)
	if err == nil || strings.Contains(err.Error(), "did not exit") {
		t.Errorf("database path is a directory: %v; want a non-zero exit", err)
	}
	if strings.Count(out, "\n") != 0 || !strings.Contains(out, "FICSHELF_DB") {
		t.Errorf("said %q; want one line naming FICSHELF_DB", out)
	}
	if n := srv.Identifies(); n != 0 {
		t.Errorf("connected to the gateway (%d identifies) with an unusable database", n)
	}
}
