package bot

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
)

func TestGatewayChannelsCache(t *testing.T) {
	var g gatewayChannels
	g.init()
	g.setGuild("g1", []*discordgo.Channel{
		{ID: "c1", Name: "general", Type: discordgo.ChannelTypeGuildText, Topic: "long topic", PermissionOverwrites: []*discordgo.PermissionOverwrite{{ID: "r"}}},
		{ID: "c2", Name: "after-dark", NSFW: true},
	}, []*discordgo.Channel{{ID: "t1", Type: discordgo.ChannelTypeGuildPublicThread, ParentID: "c2", ThreadMetadata: &discordgo.ThreadMetadata{Archived: true}}})
	g.setGuild("g2", []*discordgo.Channel{{ID: "d1", GuildID: "g2"}})

	c1 := g.get("c1")
	if c1 == nil || c1.GuildID != "g1" || c1.Name != "general" || c1.Topic != "" || c1.PermissionOverwrites != nil {
		t.Fatalf("c1 = %+v: want the server filled in and only the read fields kept", c1)
	}
	c1.Name = "changed by a caller"
	if g.get("c1").Name != "general" {
		t.Error("get returned the cached channel itself, not a copy")
	}
	if th := g.get("t1"); th == nil || th.ParentID != "c2" || th.GuildID != "g1" || th.ThreadMetadata == nil || !th.ThreadMetadata.Archived {
		t.Errorf("thread = %+v", th)
	}
	if c2 := g.get("c2"); c2 == nil || !c2.NSFW {
		t.Errorf("c2 = %+v: want age-restricted", c2)
	}

	// A later GUILD_CREATE replaces the server's channels: c2 was deleted
	// while the server was unavailable.
	g.setGuild("g1", []*discordgo.Channel{{ID: "c1", Name: "general-renamed"}})
	if g.get("c2") != nil || g.get("t1") != nil || g.get("c1").Name != "general-renamed" {
		t.Errorf("after a new GUILD_CREATE: c2 %v, t1 %v, c1 %v", g.get("c2"), g.get("t1"), g.get("c1"))
	}
	// Creates, updates and deletes.
	g.put(&discordgo.Channel{ID: "t2", GuildID: "g1", ParentID: "c1", Type: discordgo.ChannelTypeGuildPublicThread})
	g.put(&discordgo.Channel{ID: "c1", GuildID: "g1", Name: "general", NSFW: true})
	if c := g.get("c1"); !c.NSFW || g.get("t2") == nil {
		t.Errorf("after updates: c1 %+v, t2 %v", c, g.get("t2"))
	}
	g.remove(&discordgo.Channel{ID: "t2"})
	g.remove(&discordgo.Channel{ID: "unknown"})
	if g.get("t2") != nil {
		t.Error("t2 still cached after its delete")
	}
	// A server that goes away takes its channels with it, and only its.
	g.dropGuild("g1")
	if g.get("c1") != nil || g.get("d1") == nil || g.len() != 1 || len(g.byGuild) != 1 {
		t.Errorf("after dropping g1: c1 %v, d1 %v, %d cached, %d servers", g.get("c1"), g.get("d1"), g.len(), len(g.byGuild))
	}
}

// TestGatewayChannelsFromEvents: a shard learns its servers' channels from
// GUILD_CREATE, THREAD_CREATE and CHANNEL_DELETE, and Channel answers from
// them without asking Discord; it keeps no members.
func TestGatewayChannelsFromEvents(t *testing.T) {
	srv := discordtest.New(t)
	g := srv.AddGuild("Fic Club")
	general := srv.AddChannel(g.ID, "general", discordgo.ChannelTypeGuildText, false)
	nsfw := srv.AddChannel(g.ID, "after-dark", discordgo.ChannelTypeGuildText, true)
	for _, n := range []string{"reader1", "reader2", "reader3"} {
		srv.AddMember(g.ID, n, 0)
	}
	b, err := New(Config{Token: srv.Token, BaseURL: srv.URL, GuildID: g.ID, Commands: []*discordgo.ApplicationCommand{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), ShutdownGrace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- b.Run(ctx, HandlerFunc(func(context.Context, *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
			return nil, nil
		}))
	}()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-b.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	eventually := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 5 s", what)
			}
		}
	}
	eventually("GUILD_CREATE's channels cached", func() bool { return b.gwChans.get(nsfw.ID) != nil })
	th := srv.AddThread(nsfw.ID, "Chapter 3")
	eventually("THREAD_CREATE cached", func() bool { return b.gwChans.get(th.ID) != nil })

	rest := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Method == "GET" && len(r.Path) > len("/api/v9/channels/") && r.Path[:len("/api/v9/channels/")] == "/api/v9/channels/" {
				n++
			}
		}
		return n
	}
	before := rest()
	for _, id := range []string{general.ID, nsfw.ID, th.ID} {
		if _, err := b.Channel(ctx, id); err != nil {
			t.Fatalf("Channel(%s): %v", id, err)
		}
	}
	if c, _ := b.Channel(ctx, th.ID); c.ParentID != nsfw.ID || !c.IsThread() {
		t.Errorf("thread = %+v", c)
	}
	if c, _ := b.Channel(ctx, nsfw.ID); !c.NSFW || c.GuildID != g.ID {
		t.Errorf("age-restricted channel = %+v", c)
	}
	if n := rest() - before; n != 0 {
		t.Errorf("Channel asked Discord %d times for channels the gateway had given", n)
	}

	srv.DeleteChannel(general.ID)
	eventually("CHANNEL_DELETE forgotten", func() bool { return b.gwChans.get(general.ID) == nil })
	if _, err := b.Channel(ctx, general.ID); err == nil || !ChannelGone(err) {
		t.Errorf("deleted channel: %v, want Discord's unknown channel", err)
	}
	// discordgo's own state cache is off: it holds no members (nor
	// servers) at all.
	b.shardsMu.Lock()
	st := b.shards[0].s.State
	b.shardsMu.Unlock()
	if len(st.Guilds) != 0 {
		t.Errorf("discordgo's state holds %d servers", len(st.Guilds))
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("payload violations: %v", v)
	}
}
