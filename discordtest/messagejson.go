package discordtest

import (
	"encoding/json"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// messageJSON marshals m as Discord sends it, components included:
// discordgo.Message leaves Components out of its JSON (json:"-").
func messageJSON(m *discordgo.Message) (json.RawMessage, error) {
	comps := m.Components
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	return json.Marshal(struct {
		*discordgo.Message
		Components []discordgo.MessageComponent `json:"components"`
	}{m, comps})
}

// withMessageComponents puts the components back into an interaction
// payload: on the message a component sits on, and on a message command's
// resolved messages.
func withMessageComponents(raw json.RawMessage, i *discordgo.Interaction) (json.RawMessage, error) {
	data, isCommand := i.Data.(discordgo.ApplicationCommandInteractionData)
	resolved := isCommand && data.Resolved != nil && len(data.Resolved.Messages) > 0
	if i.Message == nil && !resolved {
		return raw, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("remarshal interaction: %w", err)
	}
	if i.Message != nil {
		mj, err := messageJSON(i.Message)
		if err != nil {
			return nil, fmt.Errorf("marshal message: %w", err)
		}
		top["message"] = mj
	}
	if resolved {
		var d map[string]json.RawMessage
		var res map[string]json.RawMessage
		if err := json.Unmarshal(top["data"], &d); err != nil {
			return nil, fmt.Errorf("remarshal data: %w", err)
		}
		if err := json.Unmarshal(d["resolved"], &res); err != nil {
			return nil, fmt.Errorf("remarshal resolved: %w", err)
		}
		msgs := map[string]json.RawMessage{}
		for id, m := range data.Resolved.Messages {
			mj, err := messageJSON(m)
			if err != nil {
				return nil, fmt.Errorf("marshal message: %w", err)
			}
			msgs[id] = mj
		}
		var err error
		if res["messages"], err = json.Marshal(msgs); err != nil {
			return nil, err
		}
		if d["resolved"], err = json.Marshal(res); err != nil {
			return nil, err
		}
		if top["data"], err = json.Marshal(d); err != nil {
			return nil, err
		}
	}
	return json.Marshal(top)
}
