package bot

import (
	"encoding/json"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// MaxAttachmentDescription is the longest description (alt text) Discord
// takes for an attachment, in characters.
const MaxAttachmentDescription = 1024

// AttachmentDescriber is implemented by a file's Reader that carries the
// attachment's description (its alt text), which discordgo's types cannot
// send. The bot adds an "attachments" list naming each file (its id is its
// index among the files) with its description, cut to
// MaxAttachmentDescription.
type AttachmentDescriber interface {
	AttachmentDescription() string
}

// withDescriptions returns body with the descriptions of files added as
// its attachments list (inside "data" for an interaction callback), or
// body itself when no file has one.
func withDescriptions(body any, files []*discordgo.File) any {
	described := false
	atts := make([]map[string]any, len(files))
	for i, f := range files {
		a := map[string]any{"id": strconv.Itoa(i), "filename": f.Name}
		if d, ok := f.Reader.(AttachmentDescriber); ok {
			if desc := d.AttachmentDescription(); desc != "" {
				a["description"] = Truncate(desc, MaxAttachmentDescription)
				described = true
			}
		}
		atts[i] = a
	}
	if !described || body == nil {
		return body
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return body
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return body
	}
	list, _ := json.Marshal(atts)
	if data, ok := m["data"]; ok && m["type"] != nil {
		var d map[string]json.RawMessage
		if json.Unmarshal(data, &d) != nil {
			return body
		}
		d["attachments"] = list
		m["data"], _ = json.Marshal(d)
		return m
	}
	m["attachments"] = list
	return m
}
