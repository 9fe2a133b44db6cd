package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/loadtest"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
)

// Queued uploads survive kill -9 (issue 19): members upload stories that
// must wait their turn (one import at a time, every download held by the
// test server), each is told at once that it is queued or under way; the
// bot is killed with SIGKILL before any of them is imported, then started
// again on the same database. Each story is then added exactly once, and
// each member's answer is edited to say so.

// bigText is a plain-text story of about size bytes (over the 1 MiB
// above which an upload is answered at once as under way).
func bigText(title string, size int) []byte {
	var b strings.Builder
	b.WriteString("Chapter 1\n\n")
	line := fmt.Sprintf("The tide came in over %s, and went out again. ", title)
	for b.Len() < size {
		b.WriteString(line)
		if b.Len()%4000 < len(line) {
			b.WriteString("\n\n")
		}
	}
	return []byte(b.String())
}

func TestQueuedUploadsSurviveKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	t.Run("bolt", func(t *testing.T) { testQueuedUploadsSurviveKillNine(t, filepath.Join(t.TempDir(), "ficshelf.db")) })
	t.Run("postgres", func(t *testing.T) { testQueuedUploadsSurviveKillNine(t, pgtest.URL(t)) })
}

func testQueuedUploadsSurviveKillNine(t *testing.T, db string) {
	bin := loadtest.Binary(t)
	srv := discordtest.New(t)
	g := srv.AddGuild("Tide Readers")
	general := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	env := loadtest.ProcessOptions{Env: []string{"IMPORT_WORKERS=1", "LOG_LEVEL=debug", "JOB_LEASE_TTL=3s"}}
	p := loadtest.Start(t, bin, db, srv, env)

	release := srv.HoldAttachments()
	defer release()
	const n = 4
	type upload struct {
		title string
		att   *discordgo.MessageAttachment
		pend  *discordtest.Pending
	}
	var ups []*upload
	for i := range n {
		m := srv.AddMember(g.ID, fmt.Sprintf("uploader%d", i), 0)
		u := &upload{title: fmt.Sprintf("Held Tide %d", i+1)}
		u.att = srv.AddAttachment(fmt.Sprintf("tide%d.txt", i+1), "text/plain", bigText(u.title, 1200<<10))
		u.pend = srv.Send(t, srv.Slash(t, general.ID, m.User.ID, "story",
			discordtest.Sub("add", discordtest.Attach("file", u.att), discordtest.String("title", u.title))))
		ups = append(ups, u)
	}
	for _, u := range ups {
		a := u.pend.WaitCallback(t)
		if a.Deferred() || a.Data == nil || !strings.Contains(a.Data.Content, "Queued") && !strings.Contains(a.Data.Content, "Working on it") {
			t.Fatalf("%s answered %+v (deferred %v); want queued or under way at once", u.title, a.Data, a.Deferred())
		}
		if len(a.Rejected) > 0 {
			t.Errorf("%s answered late or twice: %v", u.title, a.Rejected)
		}
	}
	// The runner took the first upload: its download is held. Kill -9.
	deadline := time.Now().Add(20 * time.Second)
	for srv.Downloads(ups[0].att.ID)+srv.Downloads(ups[1].att.ID)+srv.Downloads(ups[2].att.ID)+srv.Downloads(ups[3].att.ID) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no upload started within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Kill()
	release()
	// Nothing was added, and every upload is a stored job.
	if st, err := store.Open(context.Background(), db, store.Options{}); err != nil {
		t.Fatal(err)
	} else {
		refs, err := st.RunningUploadJobs(context.Background())
		_, total, lerr := st.ListStories(context.Background(), g.ID, shelf.ListQuery{Limit: 1})
		st.Close()
		if err != nil || lerr != nil || len(refs) != n || total != 0 {
			t.Fatalf("after kill -9: %d upload jobs (%v), %d stories (%v); want %d and 0", len(refs), err, total, lerr, n)
		}
	}

	// Started again on the same database: every queued upload is added,
	// once, and its member's answer says so.
	p = loadtest.Start(t, bin, db, srv, env)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, u := range ups {
		want := "added **" + u.title + "** to the library"
		if _, err := u.pend.WaitCtx(ctx, func(a *discordtest.Answer) bool { return strings.Contains(a.Content(), want) }); err != nil {
			t.Fatalf("%s: %v; answer %q", u.title, err, u.pend.Answer().Content())
		}
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, total, err := st.ListStories(context.Background(), g.ID, shelf.ListQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.Story.Title]++
	}
	for _, u := range ups {
		if seen[u.title] != 1 {
			t.Errorf("%s stored %d times, want 1", u.title, seen[u.title])
		}
	}
	if total != n {
		t.Errorf("%d stories, want %d: %v", total, n, seen)
	}
	// A job whose member was told just before SIGTERM may not have
	// recorded it: it is told again at the next start. Its step is done.
	refs, err := st.RunningUploadJobs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if j, err := st.UploadJob(context.Background(), r.GuildID, r.ID); err != nil || j.Cursor != 1 {
			t.Errorf("upload job %s left with its step not done: %+v %v", r.ID, j, err)
		}
	}
}
