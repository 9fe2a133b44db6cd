package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/loadtest"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
)

// process is the bot running as a separate program.
type process struct {
	cmd *exec.Cmd
	log *logBuffer
}

// startProcess runs bin against srv on db and waits until it identified
// and is ready (after identifies earlier identifications).
func startProcess(t *testing.T, bin, dir, db string, srv *discordtest.Server) *process {
	t.Helper()
	identifies := srv.Identifies()
	p := &process{cmd: exec.Command(bin), log: &logBuffer{}}
	p.cmd.Dir = dir // no .env there
	p.cmd.Env = []string{
		"DISCORD_TOKEN=" + srv.Token,
		"DISCORD_BASE_URL=" + srv.URL,
		"FICSHELF_DB=" + db,
		"AO3_BASE_URL=http://127.0.0.1:1",
		"LOG_LEVEL=debug",
		"HOME=" + dir,
	}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("process log (last 8 KiB):\n%s", p.log.tail(8<<10))
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.WaitIdentified(ctx, identifies+1); err != nil {
		t.Fatalf("bot process never identified: %v\n%s", err, p.log.tail(4<<10))
	}
	if err := srv.WaitReady(ctx); err != nil {
		t.Fatalf("bot process not ready: %v\n%s", err, p.log.tail(4<<10))
	}
	if _, err := srv.WaitCommands(ctx, ""); err != nil {
		t.Fatal(err)
	}
	return p
}

// acknowledged reports whether a: a public thank-you for a kudos.
func acknowledged(a *discordtest.Answer) bool {
	return a != nil && a.Type == discordgo.InteractionResponseChannelMessageWithSource && !a.Ephemeral() &&
		a.Data != nil && strings.Contains(a.Data.Content, "left kudos")
}

// TestKillNineKeepsAcknowledgedKudos runs the real binary as a separate
// process, acknowledges kudos from many members, kills it with SIGKILL
// while more are in flight, restarts it on the same database and checks
// that every acknowledged kudos is there, the count equals the records, the
// restarted bot serves them, and (BoltDB) the file passes bbolt's
// consistency check. It runs on both engines.
func TestKillNineKeepsAcknowledgedKudos(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	t.Run("bolt", func(t *testing.T) { testKillNineKeepsAcknowledgedKudos(t, filepath.Join(t.TempDir(), "ficshelf.db")) })
	t.Run("postgres", func(t *testing.T) { testKillNineKeepsAcknowledgedKudos(t, pgtest.URL(t)) })
}

func testKillNineKeepsAcknowledgedKudos(t *testing.T, db string) {
	dir := t.TempDir()
	bin := loadtest.Binary(t)
	srv := discordtest.New(t)
	g := srv.AddGuild("Crash Club")
	general := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	adder := srv.AddMember(g.ID, "adder", 0)
	const n = 80
	members := make([]*discordgo.Member, n)
	for i := range members {
		members[i] = srv.AddMember(g.ID, fmt.Sprintf("reader%02d", i), 0)
	}
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := seedWork(t, st, g.ID, adder.User.ID, "Sturdy", 1, 1, false, 0)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	give := func(m *discordgo.Member) *discordtest.Pending {
		return srv.Send(t, srv.Slash(t, general.ID, m.User.ID, "kudos", discordtest.Sub("give", discordtest.String("story", rec.ID))))
	}

	p := startProcess(t, bin, dir, db, srv)
	acked := map[string]bool{}
	// Half: each acknowledged before the next is sent.
	for _, m := range members[:n/2] {
		if a := give(m).Wait(t); !acknowledged(a) {
			t.Fatalf("kudos by %s not acknowledged: %+v", m.User.Username, a)
		}
		acked[m.User.ID] = true
	}
	// The rest at once; kill -9 once a few of them are acknowledged.
	var inflight []*discordtest.Pending
	for _, m := range members[n/2:] {
		inflight = append(inflight, give(m))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	inflight[2].WaitCtx(ctx, func(a *discordtest.Answer) bool { return a != nil && a.Type != 0 })
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	p.cmd.Wait()
	for i, pend := range inflight {
		if acknowledged(pend.Answer()) {
			acked[members[n/2+i].User.ID] = true
		}
	}
	t.Logf("%d kudos acknowledged before kill -9 (%d in flight)", len(acked), len(inflight))

	// Restart on the same database: everything acknowledged is served.
	p = startProcess(t, bin, dir, db, srv)
	list := srv.Send(t, srv.Slash(t, general.ID, adder.User.ID, "kudos", discordtest.Sub("list", discordtest.String("story", rec.ID)))).Wait(t)
	footer := list.Original.Embeds[0].Footer.Text
	var count int
	if _, err := fmt.Sscanf(footer, "%d kudos", &count); err != nil || count < len(acked) {
		t.Errorf("after restart /kudos list says %q; want at least %d kudos", footer, len(acked))
	}
	// A new kudos works, and the count goes on from the records.
	late := srv.AddMember(g.ID, "late", 0)
	if a := give(late).Wait(t); !acknowledged(a) || !strings.Contains(a.Content(), fmt.Sprintf("%d kudos", count+1)) {
		t.Errorf("kudos after restart: %q; want count %d", a.Content(), count+1)
	}
	acked[late.User.ID] = true
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}

	// The database itself: consistent (bbolt's own check of a BoltDB file;
	// PostgreSQL checks its own pages), and counter = records ⊇
	// acknowledged, read through the store on either engine.
	if !store.IsPostgres(db) {
		loadtest.CheckDB(t, db)
	}
	st, err = store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kudos, err := st.Kudos(context.Background(), g.ID, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, k := range kudos {
		if have[k.UserID] {
			t.Errorf("kudos by %s counted twice", k.UserID)
		}
		have[k.UserID] = true
	}
	for u := range acked {
		if !have[u] {
			t.Errorf("acknowledged kudos by %s lost", u)
		}
	}
	got, err := st.Story(context.Background(), g.ID, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kudos != len(kudos) || got.Kudos != count+1 {
		t.Errorf("story counter %d, records %d, served %d+1", got.Kudos, len(kudos), count)
	}
	// The engine's own record count agrees (nothing half-written beside
	// the story's list).
	if c, ok := st.(shelf.Copier); ok {
		counts, err := c.Counts(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n := counts[g.ID]["kudos"]; n != len(kudos) {
			t.Errorf("the store counts %d kudos records in the server; the story lists %d", n, len(kudos))
		}
	}
}
