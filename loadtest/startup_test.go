package loadtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/store/postgres/pgtest"
)

var (
	flagStartup          = flag.Bool("startup", false, "run TestStartup (start-up time and memory of one process holding -startupshards shards)")
	flagStartupShards    = flag.String("startupshards", "1,4,16", "TestStartup: comma-separated shard counts, one process each")
	flagServersPerShard  = flag.Int("serverspershard", 2500, "TestStartup: servers per shard in discordtest")
	flagStartupMaxConcur = flag.Int("startupmaxconcurrency", 1, "TestStartup: session_start_limit.max_concurrency (1, as Discord gives most bots: shards identify 5 s apart; 0 = as many as the shards, all at once)")
)

// TestStartup measures, for one bot process holding 1, 4 and 16 shards
// (-startupshards) with 2,500 servers each (-serverspershard) in
// discordtest, the start-up time (process start → every shard's session
// ready and the commands registered) and memory (RSS when ready, RSS once
// the GUILD_CREATEs that follow READY have been taken in, and peak). Each
// server has a text channel and the bot as its member; the library is
// empty (-db picks the engine). It is slow (with max_concurrency 1 the 16
// shards identify 5 s apart, as on Discord) and runs only with -startup:
//
//	go test ./loadtest -run TestStartup -v -count=1 -timeout 30m -args -startup
func TestStartup(t *testing.T) {
	if !*flagStartup {
		t.Skip("only with -startup")
	}
	bin := Binary(t)
	var rows []string
	for _, f := range strings.Split(*flagStartupShards, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			t.Fatalf("-startupshards: %q is not a shard count", f)
		}
		mc := *flagStartupMaxConcur
		if mc <= 0 {
			mc = n
		}
		var row string
		t.Run(fmt.Sprintf("shards=%d", n), func(t *testing.T) { row = startup(t, bin, n, mc) })
		rows = append(rows, row)
	}
	t.Logf("load average %s\n%-7s %-15s %8s %10s %12s %14s %10s %11s\n%s", loadAvg(),
		"shards", "max_concurrency", "servers", "start-up", "identify floor", "RSS at ready", "RSS settled", "peak RSS", strings.Join(rows, "\n"))
	fmt.Fprintf(os.Stderr, "STARTUP db=%s loadavg=%q\n%s\n", *flagDB, loadAvg(), strings.Join(rows, "\n"))
}

// startup runs one process with n shards and returns its table row.
func startup(t *testing.T, bin string, n, mc int) string {
	servers := n * *flagServersPerShard
	srv := discordtest.New(t, discordtest.WithShards(n), discordtest.WithMaxConcurrency(mc))
	seed := time.Now()
	for g := range servers {
		var gd *discordgo.Guild
		if n > 1 {
			gd = srv.GuildOnShard(fmt.Sprintf("Fic Server %d", g+1), g%n, n)
		} else {
			gd = srv.AddGuild(fmt.Sprintf("Fic Server %d", g+1))
		}
		srv.AddChannel(gd.ID, "general", discordgo.ChannelTypeGuildText, false)
	}
	t.Logf("seeded %d servers in discordtest in %v", servers, time.Since(seed).Round(time.Millisecond))
	db := filepath.Join(t.TempDir(), "ficshelf.db")
	if *flagDB == "postgres" {
		db = pgtest.URL(t)
	}
	p := Start(t, bin, db, srv, ProcessOptions{Shards: n, ReadyTimeout: 5 * time.Minute})
	for _, l := range strings.Split(p.Log.String(), "\n") {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			t.Logf("bot: %.300s", l)
		}
	}
	took := p.Ready.Sub(p.Started)
	var ids []string
	for _, ss := range srv.ShardSessions() {
		ids = append(ids, fmt.Sprintf("%d@%v", ss.Shard, ss.Identified.Sub(p.Started).Round(10*time.Millisecond)))
	}
	rej := srv.IdentifyRejections()
	t.Logf("identified (shard@since start): %s; identifies refused for coming too soon: %d", strings.Join(ids, " "), len(rej))
	for _, r := range rej {
		t.Logf("  refused: shard %d (key %d) %v after that key's previous identify, at %v", r.Shard, r.Key, r.After.Round(time.Millisecond), r.At.Sub(p.Started).Round(10*time.Millisecond))
	}
	ready, err := p.RSS()
	if err != nil {
		t.Fatal(err)
	}
	// The GUILD_CREATEs come right after each READY; wait until the
	// process's memory stops growing (or 20 s).
	settled := ready
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond)
		r, err := p.RSS()
		if err != nil {
			t.Fatal(err)
		}
		if r <= settled+(256<<10) && time.Since(p.Ready) > 2*time.Second {
			settled = max(settled, r)
			break
		}
		settled = max(settled, r)
	}
	peak, err := p.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}
	// Identifies of one rate-limit key are 5 s apart: the start-up can be
	// no shorter than this.
	floor := time.Duration((n+mc-1)/mc-1) * discordtest.DefaultIdentifyWindow
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	row := fmt.Sprintf("%-7d %-15d %8d %10v %14v %14s %12s %11s", n, mc, servers, took.Round(time.Millisecond), floor, mib(ready), mib(settled), mib(peak))
	t.Log(row)
	return row
}
