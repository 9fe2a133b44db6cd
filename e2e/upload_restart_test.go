package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/config"
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

// A member's queued uploads are in their /mydata export, and /mydata
// delete drops them: released afterwards, none of them is added.
func TestQueuedUploadsInMyData(t *testing.T) { forEachEngine(t, testQueuedUploadsInMyData) }

func testQueuedUploadsInMyData(t *testing.T, db Option) {
	e := Start(t, db, WithConfig(func(_ *Env, c *config.Config) { c.ImportWorkers = 1 }))
	release := e.Srv.HoldAttachments()
	defer release()
	var pend []*discordtest.Pending
	for i, who := range []*discordgo.Member{e.Alice, e.Alice, e.Bob} {
		title := fmt.Sprintf("Waiting Tide %d", i+1)
		att := e.Srv.AddAttachment(fmt.Sprintf("wait%d.txt", i+1), "text/plain", bigText(title, 1100<<10))
		p := e.Srv.Send(t, e.Srv.Slash(t, e.General.ID, who.User.ID, "story",
			discordtest.Sub("add", discordtest.Attach("file", att), discordtest.String("title", title))))
		p.WaitCallback(t)
		pend = append(pend, p)
	}
	raw := e.Slash(e.General, e.Alice, "mydata", discordtest.Sub("export"))
	var doc struct {
		QueuedUploads []struct {
			File struct {
				Filename string `json:"filename"`
				Size     int    `json:"size"`
			} `json:"file"`
			State   string          `json:"state"`
			Options json.RawMessage `json:"options"`
		} `json:"queued_uploads"`
	}
	if len(raw.Original.Files) != 1 || json.Unmarshal(raw.Original.Files[0].Data, &doc) != nil {
		t.Fatalf("export: %+v", raw.Original)
	}
	if len(doc.QueuedUploads) != 2 || doc.QueuedUploads[0].File.Filename != "wait1.txt" || doc.QueuedUploads[1].File.Filename != "wait2.txt" ||
		doc.QueuedUploads[0].State != "running" || !strings.Contains(string(doc.QueuedUploads[1].Options), "Waiting Tide 2") ||
		strings.Contains(string(raw.Original.Files[0].Data), "permissions") {
		t.Fatalf("Alice's queued uploads in her export: %+v", doc.QueuedUploads)
	}
	ask := e.Slash(e.General, e.Alice, "mydata", discordtest.Sub("delete"))
	if !strings.Contains(ask.Content(), "uploads still waiting in line") {
		t.Errorf("delete prompt: %q", ask.Content())
	}
	e.Click(e.Alice, ask.Original, "md-del:yes:"+e.Alice.User.ID)
	release()
	// Bob's upload is added; Alice's two are not.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := pend[2].WaitCtx(ctx, func(a *discordtest.Answer) bool { return strings.Contains(a.Content(), "added **Waiting Tide 3**") }); err != nil {
		t.Fatalf("Bob's upload: %v; %q", err, pend[2].Answer().Content())
	}
	list := e.Slash(e.General, e.Bob, "story", discordtest.Sub("list"))
	if got := list.Original.Embeds[0].Description; strings.Contains(got, "Waiting Tide 1") || strings.Contains(got, "Waiting Tide 2") || !strings.Contains(got, "Waiting Tide 3") {
		t.Errorf("library after Alice's delete:\n%s", got)
	}
}
