package e2e

import (
	"context"
	"fmt"
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

// Queued uploads in a deployment of two processes on one PostgreSQL
// database (SPEC §5): uploads queued through either process are run by
// the one holding the uploads lease; killed with SIGKILL in the middle of
// one, the other takes over, and every upload is added exactly once, its
// member's answer edited to say so.
func TestMultiProcessQueuedUploadsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as two processes")
	}
	db := pgtest.URL(t)
	bin := loadtest.Binary(t)
	const shards = 2
	srv := discordtest.New(t, discordtest.WithShards(shards), discordtest.WithMaxConcurrency(shards))
	start := func(k int) *loadtest.Process {
		t.Helper()
		p := loadtest.Start(t, bin, db, srv, loadtest.ProcessOptions{Env: []string{
			fmt.Sprintf("DISCORD_SHARDS=%d-%d/%d", k, k, shards), "JOB_LEASE_TTL=3s", "IMPORT_WORKERS=1", "LOG_LEVEL=info"}})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.WaitShards(ctx, k); err != nil {
			t.Fatalf("%v\n%s", err, p.Log.Tail(4<<10))
		}
		return p
	}
	tookUploads := func(p *loadtest.Process) bool {
		return strings.Contains(p.Log.String(), "lease=jobs/uploads ")
	}
	type guild struct {
		g       *discordgo.Guild
		general *discordgo.Channel
	}
	var guilds []guild
	for k := range shards {
		g := srv.GuildOnShard(fmt.Sprintf("Shard %d Tides", k), k, shards)
		guilds = append(guilds, guild{g, srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)})
	}
	// The process of shard 0 starts alone: it takes the uploads lease.
	holder := start(0)
	deadline := time.Now().Add(20 * time.Second)
	for !tookUploads(holder) {
		if time.Now().After(deadline) {
			t.Fatalf("the first process never took the uploads lease\n%s", holder.Log.Tail(4<<10))
		}
		time.Sleep(20 * time.Millisecond)
	}
	other := start(1)

	release := srv.HoldAttachments()
	defer release()
	type upload struct {
		guild string
		title string
		att   *discordgo.MessageAttachment
		pend  *discordtest.Pending
	}
	var ups []*upload
	for i := range 3 {
		for k, g := range guilds {
			u := &upload{guild: g.g.ID, title: fmt.Sprintf("Shared Tide %d-%d", k, i+1)}
			m := srv.AddMember(g.g.ID, fmt.Sprintf("up%d-%d", k, i), 0)
			u.att = srv.AddAttachment(fmt.Sprintf("shared%d-%d.txt", k, i+1), "text/plain", bigText(u.title, 1100<<10))
			u.pend = srv.Send(t, srv.Slash(t, g.general.ID, m.User.ID, "story",
				discordtest.Sub("add", discordtest.Attach("file", u.att), discordtest.String("title", u.title))))
			ups = append(ups, u)
		}
	}
	for _, u := range ups {
		a := u.pend.WaitCallback(t)
		if a.Deferred() || a.Data == nil || !strings.Contains(a.Data.Content, "Queued") && !strings.Contains(a.Data.Content, "Working on it") {
			t.Fatalf("%s answered %+v; want queued or under way at once", u.title, a.Data)
		}
	}
	// The holder took one (its download is held): kill -9 it.
	deadline = time.Now().Add(20 * time.Second)
	for {
		n := 0
		for _, u := range ups {
			n += srv.Downloads(u.att.ID)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no upload started within 20 s\n%s", holder.Log.Tail(4<<10))
		}
		time.Sleep(20 * time.Millisecond)
	}
	holder.Kill()
	release()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, u := range ups {
		want := "added **" + u.title + "** to the library"
		if _, err := u.pend.WaitCtx(ctx, func(a *discordtest.Answer) bool { return strings.Contains(a.Content(), want) }); err != nil {
			t.Fatalf("%s: %v; answer %q\n%s", u.title, err, u.pend.Answer().Content(), other.Log.Tail(4<<10))
		}
	}
	if !tookUploads(other) {
		t.Errorf("the surviving process never took the uploads lease")
	}
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, g := range guilds {
		recs, total, err := st.ListStories(context.Background(), g.g.ID, shelf.ListQuery{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, r := range recs {
			seen[r.Story.Title]++
		}
		for _, u := range ups {
			if u.guild == g.g.ID && seen[u.title] != 1 {
				t.Errorf("%s stored %d times, want 1", u.title, seen[u.title])
			}
		}
		if total != 3 {
			t.Errorf("server %s has %d stories, want 3: %v", g.g.Name, total, seen)
		}
	}
}
