package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

type describedReader struct {
	*bytes.Reader
	desc string
}

func (d describedReader) AttachmentDescription() string { return d.desc }

func TestWithDescriptions(t *testing.T) {
	files := []*discordgo.File{
		{Name: "a.txt", Reader: bytes.NewReader(nil)},
		{Name: "chart.png", Reader: describedReader{bytes.NewReader(nil), strings.Repeat("é", 1100)}},
	}
	plain := &discordgo.WebhookEdit{}
	if got := withDescriptions(plain, files[:1]); got != any(plain) {
		t.Fatalf("no description: body changed to %v", got)
	}
	for _, tc := range []struct {
		name string
		body any
		path []string
	}{
		{"callback", &discordgo.InteractionResponse{Type: 4, Data: &discordgo.InteractionResponseData{Content: "x"}}, []string{"data"}},
		{"edit", &discordgo.WebhookEdit{}, nil},
	} {
		raw, err := json.Marshal(withDescriptions(tc.body, files))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		for _, p := range tc.path {
			m = m[p].(map[string]any)
		}
		atts, _ := m["attachments"].([]any)
		if len(atts) != 2 {
			t.Fatalf("%s: attachments %v", tc.name, m["attachments"])
		}
		a := atts[1].(map[string]any)
		desc, _ := a["description"].(string)
		if a["id"] != "1" || a["filename"] != "chart.png" || len([]rune(desc)) != MaxAttachmentDescription {
			t.Fatalf("%s: attachment %v (description %d characters)", tc.name, a, len([]rune(desc)))
		}
		if _, ok := atts[0].(map[string]any)["description"]; ok {
			t.Fatalf("%s: a file without description got one", tc.name)
		}
	}
}
