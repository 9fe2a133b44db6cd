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
	flagStartupMembers   = flag.Int("startupmembers", 100, "TestStartup: members per server besides the bot (sent in each GUILD_CREATE)")
	flagStartupMaxConcur = flag.Int("startupmaxconcurrency", 1, "TestStartup: session_start_limit.max_concurrency (1, as Discord gives most bots: shards identify 5 s apart; 0 = as many as the shards, all at once)")
)

// TestStartup measures, for one bot process holding 1, 4 and 16 shards
// (-startupshards) with 2,500 servers each (-serverspershard) in
// discordtest, the start-up time (process start → every shard's session
// ready and the commands registered) and memory (RSS when ready, RSS once
// the GUILD_CREATEs that follow READY have been taken in, and peak; the Go
// heap in use, go_memstats_heap_inuse_bytes, at ready and once settled).
// Each server has a text channel, the bot and -startupmembers members; the
// library is empty (-db picks the engine). It is slow (with
// max_concurrency 1 the 16 shards identify 5 s apart, as on Discord) and
// runs only with -startup:
//
//	go test ./loadtest -run 'TestStartup$' -v -count=1 -timeout 30m -args -startup
//
// Issue 17's row "2,500 servers of 100 members: heap at ready" is
//
//	go test ./loadtest -run 'TestStartup$' -v -count=1 -args -startup -startupshards 1 -serverspershard 2500 -startupmembers 100
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
	t.Logf("load average %s; %d members per server\n%-7s %-15s %8s %10s %14s %14s %12s %11s %14s %12s\n%s", loadAvg(), *flagStartupMembers,
		"shards", "max_concurrency", "servers", "start-up", "identify floor", "RSS at ready", "RSS settled", "peak RSS", "heap at ready", "heap settled", strings.Join(rows, "\n"))
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
		for m := range *flagStartupMembers {
			srv.AddMember(gd.ID, fmt.Sprintf("member%d_%d", g+1, m), 0)
		}
	}
	t.Logf("seeded %d servers of %d members in discordtest in %v", servers, *flagStartupMembers, time.Since(seed).Round(time.Millisecond))
	db := filepath.Join(t.TempDir(), "ficshelf.db")
	if *flagDB == "postgres" {
		db = pgtest.URL(t)
	}
	metricsAddr := FreeAddr(t)
	p := Start(t, bin, db, srv, ProcessOptions{Shards: n, ReadyTimeout: 5 * time.Minute, Env: []string{"METRICS_ADDR=" + metricsAddr}})
	heapAtReady := heapInUse(t, metricsAddr)
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
	heapSettled := heapInUse(t, metricsAddr)
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
	mibs := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	row := fmt.Sprintf("%-7d %-15d %8d %10v %14v %14s %12s %11s %14s %12s", n, mc, servers, took.Round(time.Millisecond), floor,
		mibs(ready), mibs(settled), mibs(peak), mibs(heapAtReady), mibs(heapSettled))
	t.Log(row)
	return row
}

// heapInUse is the bot's go_memstats_heap_inuse_bytes (the Go heap's spans
// in use: live objects and garbage not yet collected), -1 when it cannot
// be read.
func heapInUse(t testing.TB, metricsAddr string) int64 {
	m, err := Scrape(metricsAddr)
	if err != nil {
		t.Errorf("scrape /metrics: %v", err)
		return -1
	}
	return int64(m.Value("go_memstats_heap_inuse_bytes"))
}
