package discordtest

import (
	"encoding/json"
	"strconv"
)

// MaxAttachmentDescription is Discord's limit on an attachment's
// description (alt text), in characters.
const MaxAttachmentDescription = 1024

// describeFiles returns files with the descriptions that raw's attachments
// list gives them: an attachment whose id is a file's index (a number or a
// string of digits) describes that file.
func describeFiles(files []File, raw []byte) []File {
	if len(files) == 0 || len(raw) == 0 {
		return files
	}
	var p struct {
		Attachments []struct {
			ID          json.RawMessage `json:"id"`
			Description string          `json:"description"`
		} `json:"attachments"`
	}
	if json.Unmarshal(raw, &p) != nil || len(p.Attachments) == 0 {
		return files
	}
	out := append([]File(nil), files...)
	for _, a := range p.Attachments {
		var id string
		if json.Unmarshal(a.ID, &id) != nil {
			id = string(a.ID)
		}
		i, err := strconv.Atoi(id)
		if err == nil && i >= 0 && i < len(out) && a.Description != "" {
			out[i].Description = a.Description
		}
	}
	return out
}
