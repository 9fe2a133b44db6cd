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
	"ficshelf/store/postgres/pgtest"
)

// Two processes on one PostgreSQL database, the poll for jobs set to two
// minutes: an upload queued through the process that does not hold the
// uploads lease is started by the holder at once, woken by the database's
// notice (LISTEN/NOTIFY), not at its next poll.
func TestMultiProcessQueuedUploadStartsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as two processes")
	}
	const poll = 2 * time.Minute
	db := pgtest.URL(t)
	bin := loadtest.Binary(t)
	const shards = 2
	srv := discordtest.New(t, discordtest.WithShards(shards), discordtest.WithMaxConcurrency(shards))
	start := func(k int) *loadtest.Process {
		t.Helper()
		p := loadtest.Start(t, bin, db, srv, loadtest.ProcessOptions{Env: []string{
			fmt.Sprintf("DISCORD_SHARDS=%d-%d/%d", k, k, shards), "JOB_POLL=" + poll.String(), "IMPORT_WORKERS=1", "LOG_LEVEL=info"}})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.WaitShards(ctx, k); err != nil {
			t.Fatalf("%v\n%s", err, p.Log.Tail(4<<10))
		}
		return p
	}
	holder := start(0)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(holder.Log.String(), "lease=jobs/uploads ") {
		if time.Now().After(deadline) {
			t.Fatalf("the first process never took the uploads lease\n%s", holder.Log.Tail(4<<10))
		}
		time.Sleep(20 * time.Millisecond)
	}
	other := start(1)
	// A server on shard 1: its interactions reach the other process only.
	g := srv.GuildOnShard("Shard 1 Tides", 1, shards)
	general := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	m := srv.AddMember(g.ID, "uploader", 0)
	const title = "Woken Tide"
	att := srv.AddAttachment("woken.txt", "text/plain", bigText(title, 1100<<10)) // over 1 MiB: a persisted job
	queued := time.Now()
	pend := srv.Send(t, srv.Slash(t, general.ID, m.User.ID, "story",
		discordtest.Sub("add", discordtest.Attach("file", att), discordtest.String("title", title))))
	if a := pend.WaitCallback(t); a.Deferred() || a.Data == nil || !strings.Contains(a.Data.Content, "Queued") && !strings.Contains(a.Data.Content, "Working on it") {
		t.Fatalf("answered %+v; want queued or under way at once", a.Data)
	}
	// Added well inside the poll: 30 s leaves room for a slow machine,
	// and a holder waiting for its poll would take 2 minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want := "added **" + title + "** to the library"
	if _, err := pend.WaitCtx(ctx, func(a *discordtest.Answer) bool { return strings.Contains(a.Content(), want) }); err != nil {
		t.Fatalf("%v after %v; answer %q\nholder:\n%s\nother:\n%s", err, time.Since(queued).Round(time.Millisecond),
			pend.Answer().Content(), holder.Log.Tail(3<<10), other.Log.Tail(2<<10))
	}
	t.Logf("queued through the other process, added by the holder %v later (poll %v)", time.Since(queued).Round(time.Millisecond), poll)
	if strings.Contains(other.Log.String(), "lease=jobs/uploads ") {
		t.Errorf("the other process took the uploads lease: the test did not test a wake across processes")
	}
}
