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
	w := twoPolling(t, "jobs/uploads", "Shard 1 Tides", "uploader")
	srv, holder, other, general, m, poll := w.srv, w.holder, w.other, w.general, w.member, w.poll
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

// pollingPair is two bot processes on one PostgreSQL database, one shard
// each, looking for jobs every poll (two minutes) besides being woken; the
// holder took lease before the other started. guild is on the other's
// shard (its interactions reach the other process only), with a text
// channel and a member.
type pollingPair struct {
	srv           *discordtest.Server
	db            string
	poll          time.Duration
	holder, other *loadtest.Process
	guild         *discordgo.Guild
	general       *discordgo.Channel
	member        *discordgo.Member
}

// twoPolling starts a pollingPair whose holder holds lease, with a
// server named guild and a member named member.
func twoPolling(t *testing.T, lease, guild, member string) pollingPair {
	t.Helper()
	const shards = 2
	w := pollingPair{db: pgtest.URL(t), poll: 2 * time.Minute}
	bin := loadtest.Binary(t)
	w.srv = discordtest.New(t, discordtest.WithShards(shards), discordtest.WithMaxConcurrency(shards))
	w.holder = startPolling(t, bin, w.db, w.srv, 0, shards, w.poll)
	waitLease(t, w.holder, lease)
	w.other = startPolling(t, bin, w.db, w.srv, 1, shards, w.poll)
	w.guild = w.srv.GuildOnShard(guild, 1, shards)
	w.general = w.srv.AddChannel(w.guild.ID, "general", discordgo.ChannelTypeGuildText, false)
	w.member = w.srv.AddMember(w.guild.ID, member, 0)
	return w
}

// startPolling starts the binary on db as the process of shard k of
// shards, looking for jobs every poll besides being woken, and waits for
// its shard to connect.
func startPolling(t *testing.T, bin, db string, srv *discordtest.Server, k, shards int, poll time.Duration) *loadtest.Process {
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

// waitLease waits (up to 20 s) for p to log that it took lease name.
func waitLease(t *testing.T, p *loadtest.Process, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(p.Log.String(), "lease="+name+" ") {
		if time.Now().After(deadline) {
			t.Fatalf("the process never took the %s lease\n%s", name, p.Log.Tail(4<<10))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
