package bot

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// decodeHTTPInteraction decodes every kind of interaction exactly as
// discordgo's own decoder does, and finds the channel object besides.
func TestDecodeHTTPInteractionMatchesDiscordgo(t *testing.T) {
	member := `"member":{"user":{"id":"300","username":"reader"},"roles":["9"],"permissions":"2147483648","joined_at":"2024-01-01T00:00:00Z"}`
	channel := `"channel":{"id":"200","type":11,"parent_id":"150","nsfw":false,"name":"Chapter 3"}`
	common := `"id":"100","application_id":"7","guild_id":"1","channel_id":"200","token":"tok","version":1,"locale":"en-GB","app_permissions":"1024",` + member + `,` + channel
	payloads := map[string]string{
		"command": `{"type":2,` + common + `,"data":{"id":"50","name":"kudos","type":1,"options":[{"name":"give","type":1,"options":[{"name":"story","type":3,"value":"s1"}]}],
			"resolved":{"users":{"300":{"id":"300","username":"reader"}}}}}`,
		"autocomplete": `{"type":4,` + common + `,"data":{"id":"51","name":"excerpt","type":1,"options":[{"name":"story","type":3,"value":"The Sil","focused":true}]}}`,
		"component": `{"type":3,` + common + `,"data":{"custom_id":"kudos:s1","component_type":2},
			"message":{"id":"400","channel_id":"200","content":"📚 The Silver River","author":{"id":"7","username":"Ficshelf","bot":true},
			"components":[{"type":1,"components":[{"type":2,"style":3,"label":"Kudos (3)","custom_id":"kudos:s1"},{"type":2,"style":2,"label":"Add to reading list","custom_id":"rl-add:s1"}]}]}}`,
		"select": `{"type":3,` + common + `,"data":{"custom_id":"pick","component_type":3,"values":["a","b"]}}`,
		"modal":  `{"type":5,` + common + `,"data":{"custom_id":"rec-form","components":[{"type":1,"components":[{"type":4,"custom_id":"why","value":"Because."}]}]}}`,
		"ping":   `{"type":1,"id":"101","application_id":"7","token":"tok","version":1}`,
	}
	for name, body := range payloads {
		t.Run(name, func(t *testing.T) {
			var want discordgo.Interaction
			if err := json.Unmarshal([]byte(body), &want); err != nil {
				t.Fatalf("discordgo: %v", err)
			}
			got, ch, err := decodeHTTPInteraction([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("decoded\n%+v\nwant (discordgo)\n%+v", *got, want)
			}
			if name == "ping" {
				if ch != nil {
					t.Errorf("ping: channel %+v", ch)
				}
				return
			}
			if ch == nil || ch.ID != "200" || ch.ParentID != "150" || !ch.IsThread() {
				t.Errorf("channel = %+v", ch)
			}
		})
	}
	for _, bad := range []string{`{"type":2,"id":"1","data":`, `{"type":3,"id":"1"}`, `[]`} {
		if _, _, err := decodeHTTPInteraction([]byte(bad)); err == nil {
			t.Errorf("%s decoded without error", bad)
		}
		if err := json.Unmarshal([]byte(bad), new(discordgo.Interaction)); err == nil {
			t.Errorf("discordgo decoded %s without error: the two should agree", bad)
		}
	}
}

func BenchmarkDecodeHTTPInteraction(b *testing.B) {
	body := []byte(`{"type":3,"id":"100","application_id":"7","guild_id":"1","channel_id":"200","token":"tok","version":1,"locale":"en-GB","app_permissions":"1024",
		"member":{"user":{"id":"300","username":"reader"},"roles":["9"],"permissions":"2147483648","joined_at":"2024-01-01T00:00:00Z"},
		"channel":{"id":"200","type":0,"nsfw":false,"name":"general"},"data":{"custom_id":"kudos:s1","component_type":2},
		"message":{"id":"400","channel_id":"200","content":"📚 The Silver River","author":{"id":"7","username":"Ficshelf","bot":true},
		"components":[{"type":1,"components":[{"type":2,"style":3,"label":"Kudos (3)","custom_id":"kudos:s1"},{"type":2,"style":2,"label":"Add to reading list","custom_id":"rl-add:s1"}]}]}}`)
	b.Run("discordgo+channel", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var i discordgo.Interaction
			if err := json.Unmarshal(body, &i); err != nil {
				b.Fatal(err)
			}
			var extra struct {
				Channel *discordgo.Channel `json:"channel"`
			}
			if err := json.Unmarshal(body, &extra); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("once", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, _, err := decodeHTTPInteraction(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
