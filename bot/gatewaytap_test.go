package bot

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// tapPayloads are interactions as INTERACTION_CREATE carries them (the
// same object an HTTP interaction's body is), one of each kind.
func tapPayloads() map[string]string {
	member := `"member":{"user":{"id":"300","username":"reader"},"roles":["9"],"permissions":"2147483648","joined_at":"2024-01-01T00:00:00Z"}`
	channel := `"channel":{"id":"200","type":11,"parent_id":"150","nsfw":false,"name":"Chapter {3} \"quoted\""}`
	common := `"id":"100","application_id":"7","guild_id":"1","channel_id":"200","token":"tok","version":1,"locale":"en-GB","app_permissions":"1024",` + member + `,` + channel
	return map[string]string{
		"command": `{"type":2,` + common + `,"data":{"id":"50","name":"kudos","type":1,"options":[{"name":"give","type":1,"options":[{"name":"story","type":3,"value":"s1 }{ \\\" ]"}]}],
			"resolved":{"users":{"300":{"id":"300","username":"reader"}}}}}`,
		"autocomplete": `{"type":4,` + common + `,"data":{"id":"51","name":"excerpt","type":1,"options":[{"name":"story","type":3,"value":"The Sil","focused":true}]}}`,
		"component": `{"type":3,` + common + `,"data":{"custom_id":"kudos:s1","component_type":2},
			"message":{"id":"400","channel_id":"200","content":"📚 The Silver River","author":{"id":"7","username":"Ficshelf","bot":true},
			"embeds":[{"title":"The Silver River","description":"` + strings.Repeat("A river, silver. ", 300) + `","fields":[{"name":"Kudos","value":"3","inline":true}],"footer":{"text":"Story s1"}}],
			"components":[{"type":1,"components":[{"type":2,"style":3,"label":"Kudos (3)","custom_id":"kudos:s1"},{"type":2,"style":2,"label":"Add to reading list","custom_id":"rl-add:s1"}]}]}}`,
		"modal": `{"type":5,` + common + `,"data":{"custom_id":"rec-form","components":[{"type":1,"components":[{"type":4,"custom_id":"why","value":"Because."}]}]}}`,
	}
}

func dispatch(seq int, typ, d string) string {
	return fmt.Sprintf(`{"t":%q,"s":%d,"op":0,"d":%s}`, typ, seq, d)
}

// discordgoInteraction is what discordgo's own decoding of the event gives.
func discordgoInteraction(t *testing.T, d string) *discordgo.Interaction {
	t.Helper()
	var ic discordgo.InteractionCreate
	if err := json.Unmarshal([]byte(d), &ic); err != nil {
		t.Fatalf("discordgo: %v", err)
	}
	return ic.Interaction
}

// The tap replaces each INTERACTION_CREATE by a stub with the same op,
// sequence and type, and keeps an interaction equal to discordgo's
// decoding of the original; everything else is left to discordgo.
func TestTapInterceptsInteractionsAsDiscordgoDecodesThem(t *testing.T) {
	for name, d := range tapPayloads() {
		t.Run(name, func(t *testing.T) {
			tap := newInteractionTap()
			stub := tap.intercept([]byte(dispatch(42, "INTERACTION_CREATE", d)))
			if want := `{"op":0,"s":42,"t":"INTERACTION_CREATE","d":{"id":"100"}}`; string(stub) != want {
				t.Fatalf("stub %s, want %s", stub, want)
			}
			// discordgo reads the stub as a dispatch of that sequence.
			var e discordgo.Event
			if err := json.Unmarshal(stub, &e); err != nil || e.Operation != 0 || e.Sequence != 42 || e.Type != "INTERACTION_CREATE" {
				t.Fatalf("stub as discordgo reads it: %+v, %v", e, err)
			}
			got := tap.take("100")
			if got == nil {
				t.Fatal("nothing kept for the stub")
			}
			if want := discordgoInteraction(t, d); !reflect.DeepEqual(got, want) {
				t.Errorf("kept\n%+v\nwant (discordgo)\n%+v", got, want)
			}
			if tap.take("100") != nil {
				t.Error("taken twice")
			}
		})
	}
	d := tapPayloads()["command"]
	for name, msg := range map[string]string{
		"other event":       dispatch(3, "GUILD_CREATE", `{"id":"1","name":"INTERACTION_CREATE"}`),
		"not a dispatch":    `{"t":"INTERACTION_CREATE","s":3,"op":1,"d":` + d + `}`,
		"no sequence":       `{"t":"INTERACTION_CREATE","s":null,"op":0,"d":` + d + `}`,
		"data not an obj":   dispatch(3, "INTERACTION_CREATE", `"x"`),
		"undecodable data":  dispatch(3, "INTERACTION_CREATE", `{"type":2,"id":"100","data":{"options":7}}`),
		"no data":           dispatch(3, "INTERACTION_CREATE", `{"type":3,"id":"100"}`),
		"no type":           dispatch(3, "INTERACTION_CREATE", `{"id":"100"}`),
		"non-numeric id":    dispatch(3, "INTERACTION_CREATE", strings.Replace(d, `"id":"100"`, `"id":"1\"0"`, 1)),
		"escaped key":       `{"t":"INTERACTION_CREATE","s":3,"o\u0070":0,"d":` + d + `}`,
		"truncated":         dispatch(3, "INTERACTION_CREATE", d)[:200],
		"trailing garbage":  dispatch(3, "INTERACTION_CREATE", d) + "x",
		"an array":          `[` + dispatch(3, "INTERACTION_CREATE", d) + `]`,
		"unterminated data": `{"t":"INTERACTION_CREATE","s":3,"op":0,"d":{"a":"}`,
	} {
		tap := newInteractionTap()
		if stub := tap.intercept([]byte(msg)); stub != nil {
			t.Errorf("%s: replaced by %s", name, stub)
		}
		if len(tap.taken) != 0 {
			t.Errorf("%s: kept %d interactions", name, len(tap.taken))
		}
	}
}

func TestDispatchFields(t *testing.T) {
	f, ok := dispatchFields([]byte(" {\n\"op\" : 0 , \"d\":{\"a\":[1,{\"b\":\"}]\\\"{\"}]}, \"s\":17,\"t\":\"X\",\"extra\":[[],{}]}\r\n"))
	if !ok || string(f.op) != "0" || string(f.s) != "17" || string(f.t) != `"X"` || string(f.d) != `{"a":[1,{"b":"}]\"{"}]}` {
		t.Errorf("fields %q %q %q %q, %v", f.op, f.s, f.t, f.d, ok)
	}
	for _, bad := range []string{``, `{`, `{"op"}`, `{"op":}`, `{"op":0,}`, `{"op":0 "s":1}`, `{"op":0}}`, `{"d":{"a":"\"}}`, `{"d":[}`} {
		if _, ok := dispatchFields([]byte(bad)); ok {
			t.Errorf("%q read as an object", bad)
		}
	}
}

// tapServer serves a websocket that sends msgs (binary when the entry
// starts with "bin:"), one frame each unless a message is larger than
// writeBuf.
func tapServer(t *testing.T, tlsServer bool, writeBuf int, msgs []string) *httptest.Server {
	up := websocket.Upgrader{WriteBufferSize: writeBuf}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for _, m := range msgs {
			kind := websocket.TextMessage
			if b, ok := strings.CutPrefix(m, "bin:"); ok {
				kind, m = websocket.BinaryMessage, b
			}
			// NextWriter sends a message larger than its buffer as
			// several frames (WriteMessage would send one).
			w, err := c.NextWriter(kind)
			if err != nil {
				return
			}
			if _, err := w.Write([]byte(m)); err != nil || w.Close() != nil {
				return
			}
			if err := c.WriteControl(websocket.PingMessage, []byte("p"), timeNowPlus()); err != nil {
				return
			}
		}
		c.ReadMessage() // until the client closes
	})
	if tlsServer {
		srv := httptest.NewTLSServer(h)
		t.Cleanup(srv.Close)
		return srv
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// Through a real websocket connection (plain and TLS), every message
// arrives as sent except single-frame INTERACTION_CREATEs, which arrive
// as their stubs; frame lengths of all three encodings are read.
func TestTapConnection(t *testing.T) {
	big := strings.Replace(tapPayloads()["component"], "A river, silver. ", strings.Repeat("A river, silver. ", 300), 1) // > 64 KiB
	small := tapPayloads()["autocomplete"]
	tiny := `{"type":4,"id":"102","data":{"name":"x"}}` // < 126 bytes as a dispatch
	msgs := []string{
		`{"op":10,"d":{"heartbeat_interval":41250}}`,
		dispatch(1, "READY", `{"session_id":"abc"}`),
		dispatch(2, "INTERACTION_CREATE", small),
		dispatch(3, "GUILD_CREATE", `{"id":"1","channels":[{"id":"2","name":"INTERACTION_CREATE"}]}`),
		dispatch(4, "INTERACTION_CREATE", strings.Replace(big, `"id":"100"`, `"id":"101"`, 1)),
		dispatch(5, "INTERACTION_CREATE", tiny),
		"bin:" + dispatch(6, "INTERACTION_CREATE", strings.Replace(small, `"id":"100"`, `"id":"103"`, 1)),
		`{"op":11}`,
	}
	want := map[int]string{
		2: `{"op":0,"s":2,"t":"INTERACTION_CREATE","d":{"id":"100"}}`,
		4: `{"op":0,"s":4,"t":"INTERACTION_CREATE","d":{"id":"101"}}`,
		5: `{"op":0,"s":5,"t":"INTERACTION_CREATE","d":{"id":"102"}}`,
	}
	for _, tc := range []struct {
		name     string
		tls      bool
		writeBuf int
		fragment bool
	}{{"plain", false, 256 << 10, false}, {"tls", true, 256 << 10, false}, {"fragmented", false, 1024, true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tapServer(t, tc.tls, tc.writeBuf, msgs)
			tap := newInteractionTap()
			url := "ws" + strings.TrimPrefix(srv.URL, "http")
			if tc.tls {
				roots := x509.NewCertPool()
				roots.AddCert(srv.Certificate())
				tap.tlsConfig = &tls.Config{RootCAs: roots}
			}
			c, _, err := tap.dialer().Dial(url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for k, sent := range msgs {
				kind, got, err := c.ReadMessage()
				if err != nil {
					t.Fatalf("message %d: %v", k, err)
				}
				sent, bin := strings.CutPrefix(sent, "bin:")
				if (kind == websocket.BinaryMessage) != bin {
					t.Errorf("message %d: kind %d", k, kind)
				}
				exp := sent
				// A message of several frames goes through whole.
				if w, ok := want[k]; ok && !(tc.fragment && len(sent) > tc.writeBuf) {
					exp = w
				}
				if !bytes.Equal(got, []byte(exp)) {
					t.Errorf("message %d: got %.200s…, want %.200s…", k, got, exp)
				}
			}
			for id, d := range map[string]string{"100": small, "101": strings.Replace(big, `"id":"100"`, `"id":"101"`, 1), "102": tiny} {
				i := tap.take(id)
				if tc.fragment && id == "101" {
					if i != nil {
						t.Errorf("fragmented interaction %s was kept", id)
					}
					continue
				}
				if i == nil {
					t.Errorf("interaction %s not kept", id)
				} else if !reflect.DeepEqual(i, discordgoInteraction(t, d)) {
					t.Errorf("interaction %s differs from discordgo's decoding", id)
				}
			}
			if i := tap.take("103"); i != nil {
				t.Error("the binary message's interaction was kept")
			}
		})
	}
}

func timeNowPlus() time.Time { return time.Now().Add(time.Second) }
