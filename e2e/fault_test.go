package e2e

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/discordtest"
	"ficshelf/loadtest"
	"ficshelf/store"
)

// Fault tests: the real binary (built once, see loadtest.Binary) as a
// separate process, under a mixed load from loadtest, while the gateway,
// Discord's REST API, the disk or the process itself misbehave.

func TestMain(m *testing.M) {
	code := m.Run()
	loadtest.Cleanup()
	os.Exit(code)
}

// faultWorld seeds a small world (2 servers, 30 members each, 60 stories)
// and starts the binary on it.
func faultWorld(t *testing.T, popts loadtest.ProcessOptions, sopts ...discordtest.Option) (*loadtest.World, *loadtest.Process) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	bin := loadtest.Binary(t)
	srv := discordtest.New(t, sopts...)
	w := loadtest.NewWorld(t, srv, filepath.Join(t.TempDir(), "ficshelf.db"), loadtest.WorldConfig{Guilds: 2, Members: 30, Stories: 60})
	p := loadtest.Start(t, bin, w.DB, srv, popts)
	return w, p
}

// requireAnswered fails t for every sample that reached the bot but was not
// answered (or answered "Something went wrong"); late answers are allowed
// only when lateOK.
func requireAnswered(t *testing.T, res *loadtest.Result, lateOK bool) {
	t.Helper()
	for _, s := range res.Samples {
		switch {
		case s.Skipped || s.NotDelivered:
		case s.Unanswered:
			t.Errorf("%s (interaction %s) unanswered: %s", s.Kind, s.Interaction.ID, s.Err)
		case s.Late && !lateOK:
			t.Errorf("%s (interaction %s) answered late (10062) after %v", s.Kind, s.Interaction.ID, s.Latency)
		case s.Failed:
			t.Errorf("%s (interaction %s) answered %q", s.Kind, s.Interaction.ID, bot.FailureMessage)
		}
	}
}

// TestFaultGatewayMidLoad sends op 7 RECONNECT, op 9 INVALID_SESSION and
// drops every gateway socket while interactions are in flight: every
// interaction the bot received is answered, in time, and it keeps serving.
func TestFaultGatewayMidLoad(t *testing.T) {
	w, p := faultWorld(t, loadtest.ProcessOptions{})
	srv := w.Srv
	res := loadtest.Run(t, w, loadtest.RunConfig{N: 300, Concurrency: 8, At: map[int]func(){
		60:  srv.Reconnect,         // op 7: resume
		140: srv.InvalidateSession, // op 9: identify again
		220: srv.DropConnections,   // abrupt: reconnect and resume
	}})
	t.Logf("\n%s", res.Report())
	stats := srv.GatewayStats()
	t.Logf("gateway: %d identifies, %d resumes, %d connects", stats.Identifies, stats.Resumes, stats.Connects)
	if stats.Resumes < 2 || stats.Identifies < 2 {
		t.Errorf("gateway stats %+v: want at least 2 resumes (op 7, drop) and 2 identifies (start, op 9)", stats)
	}
	requireAnswered(t, res, false)
	if nd := res.Count(func(s loadtest.Sample) bool { return s.NotDelivered }); nd > 10 {
		t.Errorf("%d interactions found no gateway session to go to", nd)
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if strings.Contains(p.Log.String(), "panic") {
		t.Errorf("the bot logged a panic:\n%s", p.Log.Tail(4<<10))
	}
}

// TestFaultRESTCallbacks429And502 makes Discord answer interaction
// callbacks with 429 (Retry-After 0.5 s) and 502: the bot retries within
// the 3 s window and the member gets the answer. When 502 outlasts
// discordgo's retries the bot gives up cleanly: logged, no panic, no hang,
// and the next interactions are answered.
func TestFaultRESTCallbacks429And502(t *testing.T) {
	w, p := faultWorld(t, loadtest.ProcessOptions{Env: []string{"LOG_LEVEL=info"}})
	srv := w.Srv
	rng := rand.New(rand.NewPCG(3, 3))
	send := func(kind loadtest.Kind) (*discordtest.Pending, time.Time) {
		i, _ := w.Build(t, rng, kind)
		return srv.Send(t, i), time.Now()
	}

	// 429 on a callback: answered after the retry, in time.
	for _, kind := range []loadtest.Kind{loadtest.StoryInfo, loadtest.KudosGive, loadtest.Autocomplete} {
		srv.FailNext("POST", "/interactions/", 429, 500*time.Millisecond, 1)
		pend, start := send(kind)
		a := pend.Wait(t)
		took := time.Since(start)
		if len(a.Rejected) > 0 || a.Type == 0 {
			t.Errorf("%s after a 429: answer %+v rejected %v", kind, a.Type, a.Rejected)
		}
		if took < 500*time.Millisecond || took > 3*time.Second {
			t.Errorf("%s after a 429 answered in %v; want after Retry-After (0.5 s) and within 3 s", kind, took)
		}
	}

	// 502 twice: discordgo retries a 502 (up to 3 times) at once.
	srv.FailNext("POST", "/interactions/", 502, 0, 2)
	pend, start := send(loadtest.Excerpt)
	if a := pend.Wait(t); a.Type == 0 || len(a.Rejected) > 0 {
		t.Errorf("excerpt after two 502s: %+v", a)
	}
	t.Logf("answered after two 502s in %v", time.Since(start))

	// 502 on every try (the first and discordgo's 3 retries): the bot
	// gives up on this one cleanly.
	before := len(srv.Requests())
	srv.FailNext("POST", "/interactions/", 502, 0, 4)
	pend, start = send(loadtest.StoryInfo)
	tries := 0
	for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		tries = 0
		for _, r := range srv.Requests()[before:] {
			if strings.HasPrefix(r.Path, "/interactions/"+pend.Interaction().ID) {
				tries++
			}
		}
		if tries >= 4 && strings.Contains(p.Log.String(), "could not answer interaction") {
			break
		}
	}
	t.Logf("callback tried %d times (all 502) in %v", tries, time.Since(start))
	if tries != 4 {
		t.Errorf("callback tried %d times against 502s; want 4 (discordgo retries a 502 three times)", tries)
	}
	if a := pend.Answer(); a != nil && a.Type != 0 {
		t.Errorf("an answer got through four 502s: %+v", a)
	}
	// The bot serves on.
	res := loadtest.Run(t, w, loadtest.RunConfig{N: 40, Concurrency: 4, Seed: 9})
	requireAnswered(t, res, false)
	log := p.Log.String()
	if strings.Contains(log, "panic") {
		t.Errorf("the bot logged a panic:\n%s", p.Log.Tail(4<<10))
	}
	if !strings.Contains(log, "could not answer interaction") || !strings.Contains(log, "502") {
		t.Errorf("the failed callback was not logged with its status:\n%s", p.Log.Tail(4<<10))
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// acknowledged reports whether s is a write the member was told succeeded:
// a kudos thank-you (command) or the relabelled card (button), or a
// reading-list "Added/Updated" answer.
func acknowledgedWrite(s loadtest.Sample) bool {
	a := s.Answer
	if a == nil || s.Failed || s.Late || s.Unanswered || a.Type == 0 {
		return false
	}
	switch s.Kind {
	case loadtest.KudosGive:
		return a.Type == discordgo.InteractionResponseChannelMessageWithSource && strings.Contains(a.Content(), "left kudos")
	case loadtest.KudosButton:
		return a.Type == discordgo.InteractionResponseUpdateMessage
	case loadtest.ListAdd:
		return strings.Contains(a.Content(), "reading list:")
	}
	return false
}

// TestFaultKillNineMidLoad kills the process with SIGKILL in the middle of
// a mixed load, restarts it on the same file, and checks that every write
// acknowledged before the kill (kudos, reading-list entries) is there, the
// file passes bbolt's consistency check, and the restarted bot serves.
func TestFaultKillNineMidLoad(t *testing.T) {
	w, p := faultWorld(t, loadtest.ProcessOptions{})
	stop := make(chan struct{})
	mix := []loadtest.Weighted{{Kind: loadtest.KudosGive, Weight: 3}, {Kind: loadtest.KudosButton, Weight: 3}, {Kind: loadtest.ListAdd, Weight: 3}, {Kind: loadtest.StoryInfo, Weight: 1}}
	res := loadtest.Run(t, w, loadtest.RunConfig{N: 400, Concurrency: 16, Mix: mix, Wait: 4 * time.Second, Stop: stop, At: map[int]func(){
		150: func() { p.Kill(); close(stop) },
	}})
	var acked []loadtest.Sample
	for _, s := range res.Samples {
		if acknowledgedWrite(s) {
			acked = append(acked, s)
		}
	}
	t.Logf("kill -9 after %d dispatched: %d writes acknowledged, %d unanswered (in flight at the kill), %d never sent",
		150, len(acked), res.Count(func(s loadtest.Sample) bool { return s.Unanswered }), res.Count(func(s loadtest.Sample) bool { return s.Skipped }))
	if len(acked) < 50 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}
	loadtest.CheckDB(t, w.DB)

	// Restart: the bot serves, and everything acknowledged is there.
	p = loadtest.Start(t, loadtest.Binary(t), w.DB, w.Srv, loadtest.ProcessOptions{})
	after := loadtest.Run(t, w, loadtest.RunConfig{N: 60, Concurrency: 8, Seed: 5})
	requireAnswered(t, after, false)
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	loadtest.CheckDB(t, w.DB)
	st, err := store.Open(context.Background(), w.DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lost := 0
	for _, s := range acked {
		switch s.Kind {
		case loadtest.KudosGive, loadtest.KudosButton:
			ks, err := st.Kudos(context.Background(), s.Guild, s.Story)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, k := range ks {
				found = found || k.UserID == s.User
			}
			if !found {
				lost++
				t.Errorf("acknowledged kudos by %s on story %s lost", s.User, s.Story)
			}
			rec, err := st.Story(context.Background(), s.Guild, s.Story)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Kudos != len(ks) {
				t.Errorf("story %s: counter %d, %d kudos records", s.Story, rec.Kudos, len(ks))
			}
		case loadtest.ListAdd:
			if _, err := st.ListEntry(context.Background(), s.Guild, s.User, s.Story); err != nil {
				lost++
				t.Errorf("acknowledged reading-list entry of %s for story %s: %v", s.User, s.Story, err)
			}
		}
	}
	t.Logf("%d acknowledged writes checked after the restart, %d lost", len(acked), lost)
}
