package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// restRecorder is a REST server that records each request and answers
// with a plausible object.
type restRecorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Path, ContentType string
	Body                      []byte
}

func (r *restRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.Header.Get("Content-Type"), body})
	n := len(r.reqs)
	r.mu.Unlock()
	switch {
	case strings.HasSuffix(req.URL.Path, "/threads"):
		fmt.Fprintf(w, `{"id":"t%d","type":11,"name":"x"}`, n)
	case req.Method == http.MethodGet:
		io.WriteString(w, `{"id":"c9","name":"general","type":0}`)
	default:
		fmt.Fprintf(w, `{"id":"m%d","channel_id":"c1"}`, n)
	}
}

func (r *restRecorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

func jsonBody(t *testing.T, r recorded) map[string]any {
	t.Helper()
	body := r.Body
	if strings.HasPrefix(r.ContentType, "multipart/") {
		// payload_json is the first part; good enough to find it by its braces.
		s := string(body)
		start := strings.Index(s, "{")
		end := strings.Index(s, "\r\n--")
		for end >= 0 && end < start {
			end = strings.Index(s[end+1:], "\r\n--") + end + 1
		}
		body = []byte(s[start:end])
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s %s: body %.200s: %v", r.Method, r.Path, body, err)
	}
	return m
}

func TestSideEffects(t *testing.T) {
	rec := &restRecorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	b := newTestBot(t, srv.URL)
	ctx := context.Background()

	long := strings.Repeat("A sentence of the story. ", 180) // 4500 characters
	var embeds []*discordgo.MessageEmbed
	for i := 0; i < 12; i++ {
		embeds = append(embeds, &discordgo.MessageEmbed{Title: fmt.Sprint("e", i)})
	}
	row := discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{Label: "Kudos", CustomID: "kudos:1"}}}
	msg, err := b.SendMessage(ctx, "c1", &discordgo.MessageSend{Content: long, Embeds: embeds, Components: []discordgo.MessageComponent{row}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := rec.take()
	if len(reqs) != 3 || msg.ID != "m1" {
		t.Fatalf("SendMessage made %d requests, returned %q; want 3 and the first message", len(reqs), msg.ID)
	}
	for k, r := range reqs {
		m := jsonBody(t, r)
		if r.Method != "POST" || r.Path != "/api/v9/channels/c1/messages" {
			t.Errorf("part %d: %s %s", k, r.Method, r.Path)
		}
		if TextLen(m["content"].(string)) > MaxContent {
			t.Errorf("part %d: content too long", k)
		}
		if am, _ := json.Marshal(m["allowed_mentions"]); string(am) != `{"parse":[],"replied_user":false}` {
			t.Errorf("part %d: allowed_mentions %s", k, am)
		}
		if hasComponents := m["components"] != nil; hasComponents != (k == 0) {
			t.Errorf("part %d: components present = %v", k, hasComponents)
		}
		if _, ok := m["nonce"]; ok {
			t.Errorf("part %d: nonce without SendMessageOnce", k)
		}
	}

	// A nonce survives the multipart form used for files.
	_, err = b.SendMessageOnce(ctx, "c1", "club-3-ch2", &discordgo.MessageSend{
		Content: "Checkpoint!",
		Files:   []*discordgo.File{{Name: "notes.txt", ContentType: "text/plain", Reader: strings.NewReader("notes")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs = rec.take()
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0].ContentType, "multipart/form-data") {
		t.Fatalf("file send: %d requests, content type %q", len(reqs), reqs[0].ContentType)
	}
	if m := jsonBody(t, reqs[0]); m["nonce"] != "club-3-ch2" || m["enforce_nonce"] != true {
		t.Errorf("nonce fields: %v %v", m["nonce"], m["enforce_nonce"])
	}
	if _, err := b.SendMessageOnce(ctx, "c1", strings.Repeat("n", 26), &discordgo.MessageSend{Content: "x"}); err != ErrBadNonce {
		t.Errorf("26-character nonce: err = %v", err)
	}

	// Edits are truncated, not split.
	content := strings.Repeat("x", 2500)
	if _, err := b.EditMessage(ctx, "c1", "m1", &discordgo.MessageEdit{Content: &content}); err != nil {
		t.Fatal(err)
	}
	reqs = rec.take()
	if len(reqs) != 1 || reqs[0].Method != "PATCH" || reqs[0].Path != "/api/v9/channels/c1/messages/m1" {
		t.Fatalf("edit: %+v", reqs)
	}
	if m := jsonBody(t, reqs[0]); TextLen(m["content"].(string)) != MaxContent || m["allowed_mentions"] == nil {
		t.Errorf("edit body: content %d, allowed_mentions %v", TextLen(m["content"].(string)), m["allowed_mentions"])
	}
	if len(content) != 2500 {
		t.Errorf("EditMessage modified its argument")
	}

	// Threads: fitted names, a week's archive.
	if _, err := b.StartThread(ctx, "c1", "m1", strings.Repeat("Long title ", 20)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateThread(ctx, "c1", "Recs: slow burn"); err != nil {
		t.Fatal(err)
	}
	reqs = rec.take()
	if len(reqs) != 2 || reqs[0].Path != "/api/v9/channels/c1/messages/m1/threads" || reqs[1].Path != "/api/v9/channels/c1/threads" {
		t.Fatalf("threads: %+v", reqs)
	}
	for _, r := range reqs {
		m := jsonBody(t, r)
		if TextLen(m["name"].(string)) > MaxThreadName || m["auto_archive_duration"] != float64(10080) {
			t.Errorf("%s: name %q, archive %v", r.Path, m["name"], m["auto_archive_duration"])
		}
	}
	if m := jsonBody(t, reqs[1]); m["type"] != float64(discordgo.ChannelTypeGuildPublicThread) {
		t.Errorf("thread without message: type %v, want 11", m["type"])
	}

	// A forum post too long for one message continues in its thread.
	th, err := b.StartForumPost(ctx, "f1", "Chapter 1 discussion", &discordgo.MessageSend{Content: long})
	if err != nil {
		t.Fatal(err)
	}
	reqs = rec.take()
	if len(reqs) != 3 || reqs[0].Path != "/api/v9/channels/f1/threads" || reqs[1].Path != "/api/v9/channels/"+th.ID+"/messages" {
		t.Fatalf("forum post: thread %s, requests %+v", th.ID, reqs)
	}
	if m := jsonBody(t, reqs[0]); m["message"] == nil || TextLen(m["message"].(map[string]any)["content"].(string)) > MaxContent {
		t.Errorf("forum post opening message: %v", m["message"])
	}

	// Channel: REST when the cache does not know it, then the cache.
	ch, err := b.Channel(ctx, "c9")
	if err != nil || ch.Name != "general" {
		t.Fatalf("Channel: %v, %v", ch, err)
	}
	if reqs = rec.take(); len(reqs) != 1 || reqs[0].Path != "/api/v9/channels/c9" {
		t.Errorf("Channel requests: %+v", reqs)
	}
	// The shards' channel cache knows c10.
	b.gwChans.setGuild("g1", []*discordgo.Channel{{ID: "c10", Name: "cached", Topic: "not kept"}})
	if ch, err := b.Channel(ctx, "c10"); err != nil || ch.Name != "cached" || ch.GuildID != "g1" || ch.Topic != "" {
		t.Errorf("cached channel: %v, %v", ch, err)
	}
	if reqs = rec.take(); len(reqs) != 0 {
		t.Errorf("cached channel made requests: %+v", reqs)
	}
	// c9 came by REST: asked once, then kept.
	if ch, err := b.Channel(ctx, "c9"); err != nil || ch.Name != "general" {
		t.Errorf("c9 again: %v, %v", ch, err)
	}
	if reqs = rec.take(); len(reqs) != 0 {
		t.Errorf("a channel looked up by REST was asked for again: %+v", reqs)
	}
}
