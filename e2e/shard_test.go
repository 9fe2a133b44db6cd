package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/commands"
	"ficshelf/config"
	"ficshelf/discordtest"
)

// Sharded and HTTP deployments, one process on the BoltDB store: the real
// program against discordtest with DISCORD_SHARDS and INTERACTIONS_ADDR.

// freeAddr returns a loopback address nothing listens on (for the bot to
// listen on next).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

const lighthouse = "Chapter 1\n\nThe keeper counted ships. She counted forty. The sea was calm that night.\n\nChapter 2\n\nMorning came grey and slow. Nobody had slept.\n"

// addAndKudos adds a story in ch as who, gives it kudos as who2, and
// checks both answers.
func addAndKudos(t *testing.T, e *Env, ch *discordgo.Channel, who, who2 *discordgo.Member, title string) string {
	t.Helper()
	id := wantCard(t, "add "+title, addFile(e, ch, who, "lighthouse.txt", []byte(lighthouse), discordtest.String("title", title)), title)
	a := e.Slash(ch, who2, "kudos", discordtest.Sub("give", discordtest.String("story", id)))
	if a.Ephemeral() || !strings.Contains(a.Content(), "1 kudos") {
		t.Errorf("kudos on %q: %q", title, a.Content())
	}
	return id
}

func TestShardsTwoShardsInOneProcess(t *testing.T) {
	metrics := freeAddr(t)
	e := Start(t,
		WithServerOptions(discordtest.WithShards(2), discordtest.WithMaxConcurrency(2)),
		WithConfig(func(_ *Env, c *config.Config) {
			c.Shards = config.Shards{Count: 2, First: 0, Last: 1}
			c.MetricsAddr = metrics
		}))
	if s := e.Srv.ShardSessions(); len(s) != 2 || s[0].Count != 2 || s[1].Count != 2 {
		t.Fatalf("sessions: %+v", s)
	}
	// The seeded server is on one shard; add one on the other.
	home := discordtest.ShardOf(e.Guild.ID, 2)
	far := e.Srv.GuildOnShard("Far Shore", 1-home, 2)
	farChan := e.Srv.AddChannel(far.ID, "general", discordgo.ChannelTypeGuildText, false)
	sailor := e.Srv.AddMember(far.ID, "sailor", 0)
	keeper := e.Srv.AddMember(far.ID, "keeper", 0)
	if discordtest.ShardOf(far.ID, 2) == home {
		t.Fatal("both servers on one shard")
	}

	addAndKudos(t, e, e.General, e.Alice, e.Bob, "Lighthouse")
	addAndKudos(t, e, farChan, sailor, keeper, "Far Lighthouse")
	// Each server sees only its own library.
	if a := e.Slash(farChan, sailor, "kudos", discordtest.Sub("give", discordtest.String("story", "Lighthouse"))); !a.Ephemeral() {
		t.Errorf("the other shard's story was found: %q", a.Content())
	}

	resp, err := http.Get("http://" + metrics + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var h struct {
		Gateway bool `json:"gateway_connected"`
		Shards  []struct {
			ID    int    `json:"id"`
			State string `json:"state"`
		} `json:"shards"`
	}
	if err := json.Unmarshal(body, &h); err != nil || resp.StatusCode != 200 || !h.Gateway || len(h.Shards) != 2 ||
		h.Shards[0].State != "ready" || h.Shards[1].ID != 1 || h.Shards[1].State != "ready" {
		t.Errorf("/healthz: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get("http://" + metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ficshelf_gateway_shard_ready{shard="0"} 1`, `ficshelf_gateway_shard_ready{shard="1"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestShardsProcessIgnoresServersOfOtherShards(t *testing.T) {
	e := Start(t,
		WithServerOptions(discordtest.WithShards(2)),
		WithConfig(func(_ *Env, c *config.Config) { c.Shards = config.Shards{Count: 2, First: 0, Last: 0} }))
	if s := e.Srv.ShardSessions(); len(s) != 1 || s[0].Shard != 0 {
		t.Fatalf("sessions: %+v, want shard 0 alone", s)
	}
	mine := e.Srv.GuildOnShard("Mine", 0, 2)
	mineChan := e.Srv.AddChannel(mine.ID, "general", discordgo.ChannelTypeGuildText, false)
	me := e.Srv.AddMember(mine.ID, "me", 0)
	you := e.Srv.AddMember(mine.ID, "you", 0)
	theirs := e.Srv.GuildOnShard("Theirs", 1, 2)
	theirChan := e.Srv.AddChannel(theirs.ID, "general", discordgo.ChannelTypeGuildText, false)
	them := e.Srv.AddMember(theirs.ID, "them", 0)

	addAndKudos(t, e, mineChan, me, you, "Lighthouse")

	// An interaction of a shard-1 server delivered to shard 0 anyway:
	// ignored, never answered, nothing stored. (The kudos above may still
	// be finishing its own requests: only requests about the misrouted
	// interaction, its server or its channel count.)
	before := len(e.Srv.Requests())
	p := e.Srv.SendToShard(t, 0, e.Srv.Slash(t, theirChan.ID, them.User.ID, "help"))
	time.Sleep(time.Second)
	if a := p.Answer(); a != nil {
		t.Errorf("answered a server of shard 1: %+v", a)
	}
	for _, r := range e.Srv.Requests()[before:] {
		if strings.Contains(r.Path, p.Interaction().ID) || strings.Contains(r.Path, p.Interaction().Token) ||
			strings.Contains(r.Path, theirs.ID) || strings.Contains(r.Path, theirChan.ID) {
			t.Errorf("request after the misrouted interaction: %+v", r)
		}
	}
	if !strings.Contains(e.Logs(), "another shard ignored") {
		t.Errorf("nothing logged about the ignored interaction")
	}
}

// slowKudos defers /kudos by sleeping past the deferral point first.
type slowKudos struct{ *commands.Router }

func (s slowKudos) HandleInteraction(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	if i.Type == discordgo.InteractionApplicationCommand && i.ApplicationCommandData().Name == "kudos" {
		time.Sleep(bot.DefaultDeferAfter + 300*time.Millisecond)
	}
	return s.Router.HandleInteraction(ctx, i)
}

func TestShardsOffHTTPInteractionsOnly(t *testing.T) {
	addr := freeAddr(t)
	e := Start(t,
		WithWrap(func(r *commands.Router) bot.Handler { return slowKudos{r} }),
		WithConfig(func(e *Env, c *config.Config) {
			c.Shards = config.Shards{Off: true}
			c.InteractionsAddr = addr
			c.PublicKey = e.Srv.PublicKey()
			e.Srv.SetInteractionsEndpoint("http://" + addr + "/interactions")
		}))
	if st := e.Srv.GatewayStats(); st.Connects != 0 {
		t.Errorf("DISCORD_SHARDS=off, yet %d gateway connections", st.Connects)
	}
	if r, err := e.Srv.Ping(context.Background()); err != nil || r.Status != 200 || strings.TrimSpace(string(r.Body)) != `{"type":1}` {
		t.Errorf("PING: %+v %v", r, err)
	}

	// A slash command answered in the HTTP response; a slow one deferred
	// there, then edited through the webhook.
	id := wantCard(t, "add", addFile(e, e.General, e.Alice, "lighthouse.txt", []byte(lighthouse), discordtest.String("title", "Lighthouse"), discordtest.String("rating", "Mature")), "Lighthouse")
	a := e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("give", discordtest.String("story", id)))
	if !a.Deferred() || !strings.Contains(a.Content(), "1 kudos") {
		t.Errorf("slow kudos: type %d, %q", a.Type, a.Content())
	}
	for _, r := range e.Srv.Requests() {
		if strings.Contains(r.Path, "/callback") {
			t.Errorf("an HTTP interaction was answered by REST callback: %s %s", r.Method, r.Path)
		}
	}

	// Channel facts without a gateway: the payload's channel, and the
	// thread's parent looked up once.
	if a := e.Slash(e.General, e.Alice, "excerpt", discordtest.String("story", id)); !a.Ephemeral() {
		t.Errorf("Mature excerpt outside an age-restricted channel was posted: %q", a.Content())
	}
	for range 2 {
		if a := e.Slash(e.NSFWThread, e.Alice, "excerpt", discordtest.String("story", id)); a.Ephemeral() || a.Original == nil || len(a.Original.Embeds) == 0 {
			t.Errorf("excerpt in a thread of an age-restricted channel: %q", a.Content())
		}
	}
	lookups := 0
	for _, r := range e.Srv.Requests() {
		if r.Method == "GET" && r.Path == "/channels/"+e.NSFW.ID {
			lookups++
		}
	}
	if lookups != 1 {
		t.Errorf("the thread's parent was looked up %d times, want 1", lookups)
	}

	// Forged and unsigned POSTs: 401, and nothing changes.
	forged := e.Srv.Slash(t, e.General.ID, e.Alice.User.ID, "kudos", discordtest.Sub("give", discordtest.String("story", id)))
	body, err := json.Marshal(forged)
	if err != nil {
		t.Fatal(err)
	}
	before := len(e.Srv.Requests())
	for name, tamper := range map[string]func(h http.Header){
		"unsigned": func(h http.Header) { h.Del("X-Signature-Ed25519"); h.Del("X-Signature-Timestamp") },
		"forged":   func(h http.Header) { h.Set("X-Signature-Ed25519", strings.Repeat("0f", 64)) },
		"resigned": func(h http.Header) { h.Set("X-Signature-Timestamp", "1") },
	} {
		r, err := e.Srv.PostInteraction(context.Background(), body, tamper)
		if err != nil || r.Status != http.StatusUnauthorized {
			t.Errorf("%s POST: %d %v", name, r.Status, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	for _, r := range e.Srv.Requests()[before:] {
		t.Errorf("a refused POST made the bot call Discord: %s %s", r.Method, r.Path)
	}
	list := e.Slash(e.General, e.Bob, "kudos", discordtest.Sub("list", discordtest.String("story", id)))
	text := list.Content() + list.Original.EmbedText()
	if !strings.Contains(text, "<@"+e.Bob.User.ID+">") || strings.Contains(text, "<@"+e.Alice.User.ID+">") {
		t.Errorf("kudos after forged POSTs, want Bob's alone: %q", text)
	}
}
