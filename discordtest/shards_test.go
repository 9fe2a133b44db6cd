package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// rawShard connects to the gateway and identifies as shard of count.
func rawShard(t *testing.T, s *Server, shard, count int) (*websocket.Conn, frame) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(s.wsURL(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	var hello frame
	if err := ws.ReadJSON(&hello); err != nil || hello.Op != 10 {
		t.Fatalf("hello: %+v %v", hello, err)
	}
	id := map[string]any{"token": "Bot " + s.Token, "intents": 1, "properties": map[string]string{}}
	if count > 0 {
		id["shard"] = []int{shard, count}
	}
	d, _ := json.Marshal(id)
	if err := ws.WriteJSON(frame{Op: 2, D: d}); err != nil {
		t.Fatal(err)
	}
	_ = ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var f frame
	err = ws.ReadJSON(&f)
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ws, frame{Op: -ce.Code}
	}
	if err != nil {
		t.Fatalf("after identify: %v", err)
	}
	return ws, f
}

func TestShardIdentifyChecks(t *testing.T) {
	s := New(t, WithShards(2), WithMaxConcurrency(1))
	a := s.GuildOnShard("A", 0, 2)
	b := s.GuildOnShard("B", 1, 2)
	if ShardOf(a.ID, 2) != 0 || ShardOf(b.ID, 2) != 1 {
		t.Fatalf("GuildOnShard: %s→%d, %s→%d", a.ID, ShardOf(a.ID, 2), b.ID, ShardOf(b.ID, 2))
	}
	if _, f := rawShard(t, s, 2, 2); f.Op != -4010 {
		t.Errorf("shard [2,2]: got op %d, want close 4010", f.Op)
	}
	_, ready := rawShard(t, s, 1, 2)
	if ready.T == nil || *ready.T != "READY" {
		t.Fatalf("shard 1: %+v", ready)
	}
	var r struct {
		Guilds []struct{ ID string } `json:"guilds"`
		Shard  []int                 `json:"shard"`
	}
	_ = json.Unmarshal(ready.D, &r)
	if len(r.Guilds) != 1 || r.Guilds[0].ID != b.ID || len(r.Shard) != 2 || r.Shard[0] != 1 {
		t.Errorf("shard 1 READY: %s", ready.D)
	}
	// Shard 0 shares rate-limit key 0 with shard 1 (max_concurrency 1):
	// identifying at once is refused with op 9.
	if _, f := rawShard(t, s, 0, 2); f.Op != 9 {
		t.Errorf("identify within the window: op %d, want 9", f.Op)
	}
	if rej := s.IdentifyRejections(); len(rej) != 1 || rej[0].Shard != 0 || rej[0].Key != 0 {
		t.Errorf("rejections: %+v", rej)
	}
	var gb map[string]any
	_ = json.Unmarshal(mustJSON(s.gatewayBot()), &gb)
	limit, _ := gb["session_start_limit"].(map[string]any)
	if gb["shards"] != float64(2) || limit["max_concurrency"] != float64(1) || limit["remaining"] != float64(999) {
		t.Errorf("gateway/bot: %v", gb)
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func TestEventsGoToTheGuildsShard(t *testing.T) {
	s := New(t, WithShards(2), WithMaxConcurrency(2))
	a := s.GuildOnShard("A", 0, 2)
	b := s.GuildOnShard("B", 1, 2)
	ws0, _ := rawShard(t, s, 0, 2)
	ws1, _ := rawShard(t, s, 1, 2)
	for _, ws := range []*websocket.Conn{ws0, ws1} {
		_ = ws.WriteJSON(frame{Op: 1, D: json.RawMessage("null")}) // first heartbeat: connected
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WaitShards(ctx, 0, 1); err != nil {
		t.Fatal(err)
	}
	chB := s.AddChannel(b.ID, "general", discordgo.ChannelTypeGuildText, false)
	_ = a
	// CHANNEL_CREATE for B reaches shard 1 only.
	read := func(ws *websocket.Conn) []string {
		var types []string
		for {
			_ = ws.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			var f frame
			if err := ws.ReadJSON(&f); err != nil {
				return types
			}
			if f.T != nil {
				types = append(types, *f.T)
			}
		}
	}
	got0, got1 := strings.Join(read(ws0), ","), strings.Join(read(ws1), ",")
	if strings.Contains(got0, "CHANNEL_CREATE") || !strings.Contains(got1, "CHANNEL_CREATE") {
		t.Errorf("shard 0 got %s; shard 1 got %s", got0, got1)
	}
	_ = chB
}
