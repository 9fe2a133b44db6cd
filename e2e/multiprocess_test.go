package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/loadtest"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
)

// Several processes on one PostgreSQL database (issue 12 point 6, SPEC
// §5): two gateway processes with two shards each (DISCORD_SHARDS=0-1/4 and
// 2-3/4) and one HTTP-only process (DISCORD_SHARDS=off), all the real
// binary, against one discordtest server with a server on each of the four
// shards. Kudos from every server, through the gateway and by signed HTTP
// POST, end exact; club checkpoints due in every server are announced once
// each, also when the process holding the checkpoint lease is killed with
// SIGKILL in the middle of announcing them.

const (
	mpShards = 4
	// mpLeaseTTL is JOB_LEASE_TTL for these processes: a takeover after
	// kill -9 within TTL + TTL/3 = 8 s instead of 80 s.
	mpLeaseTTL = 6 * time.Second
)

// mpGuild is one server of the multi-process world, on shard Shard.
type mpGuild struct {
	Shard   int
	Guild   *discordgo.Guild
	General *discordgo.Channel
	Clubs   []*discordgo.Channel // one club each, checkpoint 1 due now
	Members []*discordgo.Member
	Story   shelf.StoryRecord
}

// mpWorld is the discordtest server, the database and the binary.
type mpWorld struct {
	Srv    *discordtest.Server
	DB     string
	Bin    string
	Guilds []*mpGuild
}

// newMPWorld seeds a server on each of the four shards with members, a
// story and clubsPer clubs whose first checkpoint opens today (so it is
// due as soon as a process holds the checkpoint lease), on a fresh
// PostgreSQL database. Skipped without FICSHELF_TEST_POSTGRES, and in
// -short (it builds and runs the binary).
func newMPWorld(t *testing.T, members, clubsPer int) *mpWorld {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs it as three processes")
	}
	w := &mpWorld{DB: pgtest.URL(t)}
	w.Bin = loadtest.Binary(t)
	// max_concurrency 4: the four shards identify at once (each its own
	// rate-limit key), so start-up is not paced 5 s per shard.
	w.Srv = discordtest.New(t, discordtest.WithShards(mpShards), discordtest.WithMaxConcurrency(mpShards))
	st, err := store.Open(context.Background(), w.DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	today := time.Now().UTC().Format("2006-01-02")
	for k := range mpShards {
		g := &mpGuild{Shard: k}
		g.Guild = w.Srv.GuildOnShard(fmt.Sprintf("Shard %d Readers", k), k, mpShards)
		if got := discordtest.ShardOf(g.Guild.ID, mpShards); got != k {
			t.Fatalf("server %s is on shard %d, want %d", g.Guild.ID, got, k)
		}
		g.General = w.Srv.AddChannel(g.Guild.ID, "general", discordgo.ChannelTypeGuildText, false)
		for i := range members {
			g.Members = append(g.Members, w.Srv.AddMember(g.Guild.ID, fmt.Sprintf("reader%d-%02d", k, i), 0))
		}
		host := w.Srv.AddMember(g.Guild.ID, fmt.Sprintf("host%d", k), 0)
		g.Story = seedFic(t, st, g.Guild.ID, host.User.ID, fmt.Sprintf("Tides of Shard %d", k), fic.RatingGeneral, nil, 3, 3)
		for c := range clubsPer {
			ch := w.Srv.AddChannel(g.Guild.ID, fmt.Sprintf("club-%d", c), discordgo.ChannelTypeGuildText, false)
			if _, err := st.StartClub(context.Background(), g.Guild.ID, shelf.ClubStart{ChannelID: ch.ID, StoryID: g.Story.ID, HostID: host.User.ID,
				PerCheckpoint: 1, EveryDays: 7, Starts: today, Timezone: "UTC", Now: time.Now()}); err != nil {
				t.Fatal(err)
			}
			g.Clubs = append(g.Clubs, ch)
		}
		w.Guilds = append(w.Guilds, g)
	}
	return w
}

// env is the environment of every process of the deployment.
func (w *mpWorld) env(extra ...string) []string {
	return append([]string{"LOG_LEVEL=info", "JOB_LEASE_TTL=" + mpLeaseTTL.String()}, extra...)
}

// startGateway starts a gateway process running shards ("0-1/4") through
// baseURL ("" = the server itself) and waits until its shards are up.
func (w *mpWorld) startGateway(t *testing.T, shards string, first, last int, baseURL string) *loadtest.Process {
	t.Helper()
	p := loadtest.Start(t, w.Bin, w.DB, w.Srv, loadtest.ProcessOptions{Env: w.env("DISCORD_SHARDS=" + shards), BaseURL: baseURL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var ids []int
	for k := first; k <= last; k++ {
		ids = append(ids, k)
	}
	if err := w.Srv.WaitShards(ctx, ids...); err != nil {
		t.Fatalf("%v\n%s", err, p.Log.Tail(4<<10))
	}
	return p
}

// startHTTP starts an HTTP-only process (DISCORD_SHARDS=off) and waits
// until it answers a signed PING. It returns the process and its endpoint.
func (w *mpWorld) startHTTP(t *testing.T) (*loadtest.Process, string) {
	t.Helper()
	addr := freeAddr(t)
	p := loadtest.Start(t, w.Bin, w.DB, w.Srv, loadtest.ProcessOptions{NoWait: true,
		Env: w.env("DISCORD_SHARDS=off", "INTERACTIONS_ADDR="+addr, "DISCORD_PUBLIC_KEY="+w.Srv.PublicKey())})
	endpoint := "http://" + addr + "/interactions"
	w.Srv.SetInteractionsEndpoint(endpoint)
	defer w.Srv.SetInteractionsEndpoint("")
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		r, err := w.Srv.Ping(ctx)
		cancel()
		if err == nil && r.Status == http.StatusOK && strings.TrimSpace(string(r.Body)) == `{"type":1}` {
			return p, endpoint
		}
		if time.Now().After(deadline) {
			t.Fatalf("HTTP-only process not answering PING after 30 s: %+v %v\n%s", r, err, p.Log.Tail(4<<10))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ask sends i through the gateway (endpoint "") or by signed POST to
// endpoint and waits for its answer. (discordtest reads the endpoint when
// it posts, so it stays set until the answer is in.)
func (w *mpWorld) ask(t *testing.T, endpoint string, i *discordgo.Interaction) *discordtest.Answer {
	t.Helper()
	w.Srv.SetInteractionsEndpoint(endpoint)
	defer w.Srv.SetInteractionsEndpoint("")
	return w.Srv.Send(t, i).Wait(t)
}

// announcementsIn lists the checkpoint announcements in a channel.
func (w *mpWorld) announcementsIn(channelID string) []*discordtest.Message {
	var out []*discordtest.Message
	for _, m := range w.Srv.Messages(channelID) {
		if m.Source == discordtest.SourceChannel && !m.Deleted && strings.Contains(m.Content, "is open:") {
			out = append(out, m)
		}
	}
	return out
}

// clubChannels lists every club channel of the world.
func (w *mpWorld) clubChannels() []*discordgo.Channel {
	var out []*discordgo.Channel
	for _, g := range w.Guilds {
		out = append(out, g.Clubs...)
	}
	return out
}

// waitAnnounced waits until every channel in chans has an announcement.
func (w *mpWorld) waitAnnounced(t *testing.T, chans []*discordgo.Channel, within time.Duration, logs func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		missing := 0
		for _, ch := range chans {
			if len(w.announcementsIn(ch.ID)) == 0 {
				missing++
			}
		}
		if missing == 0 {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%d of %d club channels still without their announcement after %v\n%s", missing, len(chans), within, logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkAnnouncedOnce checks that each channel has exactly one announcement
// and one checkpoint thread, started from it.
func (w *mpWorld) checkAnnouncedOnce(t *testing.T, chans []*discordgo.Channel) {
	t.Helper()
	threads := map[string][]discordtest.Thread{}
	for _, th := range w.Srv.Threads() {
		threads[th.ParentID] = append(threads[th.ParentID], th)
	}
	for _, ch := range chans {
		as := w.announcementsIn(ch.ID)
		if len(as) != 1 {
			t.Errorf("channel %s (%s) has %d announcements of checkpoint 1, want 1", ch.Name, ch.ID, len(as))
			continue
		}
		if !strings.Contains(as[0].Content, "checkpoint 1 of 3") {
			t.Errorf("announcement in %s: %q", ch.ID, as[0].Content)
		}
		if ths := threads[ch.ID]; len(ths) != 1 || ths[0].StarterMessage != as[0].ID {
			t.Errorf("channel %s has threads %+v, want one from announcement %s", ch.ID, ths, as[0].ID)
		}
	}
}

// checkNoCheckpointDue checks that the store has recorded every checkpoint
// announced (none is due any more).
func (w *mpWorld) checkNoCheckpointDue(t *testing.T) {
	t.Helper()
	st := pgtest.OpenURL(t, w.DB)
	if d, ok, err := st.NextCheckpointDue(context.Background()); err != nil || (ok && !d.After(time.Now())) {
		t.Errorf("a checkpoint is still due: %+v %v %v", d, ok, err)
	}
}

// tookCheckpointLease counts the times a process's log says it took the
// checkpoint lease (other jobs have leases of their own).
func tookCheckpointLease(p *loadtest.Process) int {
	n := 0
	for _, line := range strings.Split(p.Log.String(), "\n") {
		if strings.Contains(line, "lease taken; running the job") && strings.Contains(line, "lease=jobs/checkpoints ") {
			n++
		}
	}
	return n
}

// allLogs renders the processes' logs for a failure message.
func allLogs(ps map[string]*loadtest.Process) func() string {
	return func() string {
		var b strings.Builder
		for name, p := range ps {
			fmt.Fprintf(&b, "--- %s (pid %d):\n%s\n", name, p.Pid(), p.Log.Tail(4<<10))
		}
		return b.String()
	}
}

// callbackCounts counts the successful first answers the server recorded
// per interaction ID: REST callbacks and HTTP response bodies.
func callbackCounts(srv *discordtest.Server) map[string]int {
	out := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Status >= 300 || r.Method != http.MethodPost {
			continue
		}
		if rest, ok := strings.CutPrefix(r.Path, "/interactions/"); ok && strings.HasSuffix(rest, "/callback") {
			out[strings.SplitN(rest, "/", 2)[0]]++
		}
		if rest, ok := strings.CutPrefix(r.Path, "/interactions (HTTP response to "); ok {
			out[strings.TrimSuffix(rest, ")")]++
		}
	}
	return out
}

func TestMultiProcessKudosExactAndCheckpointsOnce(t *testing.T) {
	const members = 12
	w := newMPWorld(t, members, 2)
	ps := map[string]*loadtest.Process{}
	ps["gateway 0-1/4"] = w.startGateway(t, "0-1/4", 0, 1, "")
	ps["gateway 2-3/4"] = w.startGateway(t, "2-3/4", 2, 3, "")
	var endpoint string
	ps["http"], endpoint = w.startHTTP(t)
	logs := allLogs(ps)

	// Checkpoints due in every server (on every shard) when the
	// deployment starts: whichever process holds the lease announces all.
	took := w.waitAnnounced(t, w.clubChannels(), 30*time.Second, logs)
	t.Logf("8 checkpoints on 4 shards announced within %v", took.Round(time.Millisecond))

	// Kudos from every member of every server, at once: half through
	// their shard's gateway process, half by signed POST to the HTTP
	// process; every fourth member also sends a second kudos the other way
	// at the same moment, which must be refused, not counted. The gateway
	// ones are dispatched first, then (with the endpoint set) the POSTs,
	// all without waiting: they are in flight together.
	type sent struct {
		g    *mpGuild
		m    *discordgo.Member
		p    *discordtest.Pending
		http bool
	}
	var all []sent
	for _, viaHTTP := range []bool{false, true} {
		if viaHTTP {
			w.Srv.SetInteractionsEndpoint(endpoint)
		}
		for _, g := range w.Guilds {
			for i, m := range g.Members {
				if (i%2 == 1) == viaHTTP || i%4 == 0 {
					in := w.Srv.Slash(t, g.General.ID, m.User.ID, "kudos", discordtest.Sub("give", discordtest.String("story", g.Story.ID)))
					all = append(all, sent{g, m, w.Srv.Send(t, in), viaHTTP})
				}
			}
		}
	}
	accepted := map[string]int{} // guild → thank-yous
	for _, s := range all {
		a := s.p.Wait(t)
		if len(a.Rejected) > 0 {
			t.Errorf("kudos by %s (http=%v) answered more than once or late: %v", s.m.User.Username, s.http, a.Rejected)
		}
		switch {
		case acknowledged(a):
			accepted[s.g.Guild.ID]++
		case a.Ephemeral() && strings.Contains(a.Content(), "already left kudos"):
		default:
			t.Errorf("kudos by %s (http=%v): %q", s.m.User.Username, s.http, a.Content())
		}
	}
	w.Srv.SetInteractionsEndpoint("")
	counts := callbackCounts(w.Srv)
	for _, s := range all {
		if n := counts[s.p.Interaction().ID]; n != 1 {
			t.Errorf("interaction %s (kudos by %s, http=%v) answered %d times, want once", s.p.Interaction().ID, s.m.User.Username, s.http, n)
		}
	}

	st := pgtest.OpenURL(t, w.DB)
	for _, g := range w.Guilds {
		if accepted[g.Guild.ID] != members {
			t.Errorf("shard %d server: %d kudos thanked, want %d (one per member)", g.Shard, accepted[g.Guild.ID], members)
		}
		got, err := st.Story(context.Background(), g.Guild.ID, g.Story.ID)
		if err != nil {
			t.Fatal(err)
		}
		kudos, err := st.Kudos(context.Background(), g.Guild.ID, g.Story.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kudos != members || len(kudos) != members {
			t.Errorf("shard %d server: counter %d, records %d, want %d", g.Shard, got.Kudos, len(kudos), members)
		}
		// Every process serves the same count: the server's own gateway
		// process and the HTTP one.
		for _, ep := range []string{"", endpoint} {
			list := w.ask(t, ep, w.Srv.Slash(t, g.General.ID, g.Members[0].User.ID, "kudos", discordtest.Sub("list", discordtest.String("story", g.Story.ID))))
			if text := list.Original.EmbedText(); !strings.Contains(text, fmt.Sprintf("%d kudos", members)) {
				t.Errorf("shard %d server, /kudos list (http=%v): %q", g.Shard, ep != "", text)
			}
		}
	}
	counts2, err := st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range w.Guilds {
		if n := counts2[g.Guild.ID]["kudos"]; n != members {
			t.Errorf("shard %d server: %d kudos records in the store", g.Shard, n)
		}
	}

	// A club started through the HTTP process (which may not hold the
	// lease) in each server: its first checkpoint opens today and is
	// announced by the lease holder, once.
	var started []*discordgo.Channel
	for _, g := range w.Guilds {
		ch := w.Srv.AddChannel(g.Guild.ID, "late-club", discordgo.ChannelTypeGuildText, false)
		a := w.ask(t, endpoint, w.Srv.Slash(t, ch.ID, g.Members[1].User.ID, "club", discordtest.Sub("start", discordtest.String("story", g.Story.ID))))
		if a.Ephemeral() {
			t.Fatalf("/club start by HTTP: %q", a.Content())
		}
		started = append(started, ch)
	}
	took = w.waitAnnounced(t, started, 30*time.Second, logs)
	t.Logf("clubs started through the HTTP process announced within %v", took.Round(time.Millisecond))

	// Nothing more comes: not after two lease renewals of every process.
	time.Sleep(mpLeaseTTL)
	w.checkAnnouncedOnce(t, append(w.clubChannels(), started...))
	w.checkNoCheckpointDue(t)
	holders := 0
	for _, p := range ps {
		holders += tookCheckpointLease(p)
	}
	if holders != 1 {
		t.Errorf("the checkpoint lease was taken %d times, want once (no process died)\n%s", holders, logs())
	}
}

// announcePath is POST /api/vN/channels/{id}/messages: a checkpoint
// announcement (nothing else posts channel messages in these tests).
var announcePath = regexp.MustCompile(`^/api/v\d+/channels/\d+/messages$`)

// stallingProxy stands between one bot process and the discordtest
// server. It forwards every request, but of the announcements it lets
// pass only the first `pass`; the next one it forwards and then never
// answers (posted, but the bot never learns it was), and any later ones
// it holds without forwarding. Held requests end when the process dies.
type stallingProxy struct {
	rp      *httputil.ReverseProxy
	pass    int
	mu      sync.Mutex
	posts   int
	stalled chan struct{} // closed once a post is held
	release chan struct{} // closed at cleanup
	once    sync.Once
}

func newStallingProxy(t *testing.T, target string, pass int) (*stallingProxy, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &stallingProxy{rp: httputil.NewSingleHostReverseProxy(u), pass: pass, stalled: make(chan struct{}), release: make(chan struct{})}
	ts := httptest.NewServer(p)
	t.Cleanup(func() {
		close(p.release)
		ts.CloseClientConnections()
		ts.Close()
	})
	return p, ts.URL
}

func (p *stallingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !announcePath.MatchString(r.URL.Path) {
		p.rp.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	p.posts++
	n := p.posts
	p.mu.Unlock()
	if n <= p.pass {
		p.rp.ServeHTTP(w, r)
		return
	}
	if n == p.pass+1 {
		// Discord has the message; the bot will never hear so.
		p.rp.ServeHTTP(httptest.NewRecorder(), r)
	}
	p.once.Do(func() { close(p.stalled) })
	select {
	case <-r.Context().Done():
	case <-p.release:
	}
}

func TestMultiProcessKillNineCheckpointHolder(t *testing.T) {
	const clubsPer = 5
	w := newMPWorld(t, 2, clubsPer)
	ps := map[string]*loadtest.Process{}
	logs := allLogs(ps)

	// The gateway process for shards 0-1 starts first, alone, so it takes
	// the checkpoint lease; its REST calls go through a proxy that lets
	// three announcements through, lets the fourth reach Discord without
	// an answer, and holds the rest.
	const pass = 3
	proxy, proxyURL := newStallingProxy(t, w.Srv.URL, pass)
	holder := w.startGateway(t, "0-1/4", 0, 1, proxyURL)
	ps["holder 0-1/4"] = holder
	select {
	case <-proxy.stalled:
	case <-time.After(30 * time.Second):
		t.Fatalf("the first process never got past %d announcements\n%s", pass, logs())
	}
	if tookCheckpointLease(holder) != 1 {
		t.Fatalf("the first process announced without the lease\n%s", logs())
	}
	ps["gateway 2-3/4"] = w.startGateway(t, "2-3/4", 2, 3, "")
	var endpoint string
	ps["http"], endpoint = w.startHTTP(t)
	total := mpShards * clubsPer
	before := 0
	for _, ch := range w.clubChannels() {
		before += len(w.announcementsIn(ch.ID))
	}
	if before < 1 || before >= total {
		t.Fatalf("%d of %d announced before the kill, want some but not all (mid-way)", before, total)
	}

	// kill -9 the lease holder in the middle of announcing.
	killed := time.Now()
	holder.Kill()
	took := w.waitAnnounced(t, w.clubChannels(), 4*mpLeaseTTL+20*time.Second, logs)
	t.Logf("kill -9 of the lease holder after %d of %d announcements; the rest announced %v later (lease TTL %v)",
		before, total, time.Since(killed).Round(time.Millisecond), mpLeaseTTL)
	if took > 2*mpLeaseTTL+10*time.Second {
		t.Errorf("takeover took %v, want within about TTL + TTL/3 = %v", took, mpLeaseTTL*4/3)
	}
	time.Sleep(mpLeaseTTL / 2)
	w.checkAnnouncedOnce(t, w.clubChannels())
	w.checkNoCheckpointDue(t)
	takers := 0
	for name, p := range ps {
		if name != "holder 0-1/4" && tookCheckpointLease(p) > 0 {
			takers++
		}
	}
	if takers != 1 {
		t.Errorf("%d surviving processes took the lease, want 1\n%s", takers, logs())
	}

	// The deployment goes on serving every server, the killed process's
	// shards through the HTTP process.
	for _, g := range w.Guilds {
		ep := endpoint
		if g.Shard >= 2 {
			ep = ""
		}
		a := w.ask(t, ep, w.Srv.Slash(t, g.General.ID, g.Members[0].User.ID, "kudos", discordtest.Sub("give", discordtest.String("story", g.Story.ID))))
		if !acknowledged(a) || len(a.Rejected) > 0 {
			t.Errorf("kudos in the shard %d server after the kill: %q %v", g.Shard, a.Content(), a.Rejected)
		}
	}
}
