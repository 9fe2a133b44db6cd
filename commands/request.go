package commands

import (
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// Request is one interaction as handlers see it: who, where, what, with the
// options of the invoked (sub)command flattened by name.
type Request struct {
	Interaction *discordgo.Interaction
	Type        discordgo.InteractionType

	GuildID   string
	ChannelID string
	UserID    string
	UserName  string // display name for messages; never used to ping
	// Permissions of the member in the interaction's channel.
	Permissions int64

	// Command and Subcommand name an application command ("story", "add").
	Command    string
	Subcommand string
	// Route and Args come from a component's or modal's custom ID
	// "route:arg1:arg2".
	Route string
	Args  []string

	options  map[string]*discordgo.ApplicationCommandInteractionDataOption
	resolved *discordgo.ApplicationCommandInteractionDataResolved
	focused  *discordgo.ApplicationCommandInteractionDataOption
}

func newRequest(i *discordgo.Interaction) (*Request, error) {
	if i == nil {
		return nil, fmt.Errorf("request: nil interaction")
	}
	req := &Request{
		Interaction: i,
		Type:        i.Type,
		GuildID:     i.GuildID,
		ChannelID:   i.ChannelID,
		options:     map[string]*discordgo.ApplicationCommandInteractionDataOption{},
	}
	switch {
	case i.Member != nil && i.Member.User != nil:
		req.UserID = i.Member.User.ID
		req.Permissions = i.Member.Permissions
		req.UserName = displayName(i.Member.Nick, i.Member.User)
	case i.User != nil:
		req.UserID = i.User.ID
		req.UserName = displayName("", i.User)
	}
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
		if !ok {
			return nil, fmt.Errorf("request: application command without command data")
		}
		req.Command = data.Name
		req.resolved = data.Resolved
		opts := data.Options
		if len(opts) == 1 && opts[0].Type == discordgo.ApplicationCommandOptionSubCommandGroup {
			opts = opts[0].Options
		}
		if len(opts) == 1 && opts[0].Type == discordgo.ApplicationCommandOptionSubCommand {
			req.Subcommand = opts[0].Name
			opts = opts[0].Options
		}
		for _, o := range opts {
			if o == nil {
				continue
			}
			req.options[o.Name] = o
			if o.Focused {
				req.focused = o
			}
		}
	case discordgo.InteractionMessageComponent:
		data, ok := i.Data.(discordgo.MessageComponentInteractionData)
		if !ok {
			return nil, fmt.Errorf("request: component without component data")
		}
		req.Route, req.Args = splitCustomID(data.CustomID)
	case discordgo.InteractionModalSubmit:
		data, ok := i.Data.(discordgo.ModalSubmitInteractionData)
		if !ok {
			return nil, fmt.Errorf("request: modal submit without modal data")
		}
		req.Route, req.Args = splitCustomID(data.CustomID)
	}
	return req, nil
}

func displayName(nick string, u *discordgo.User) string {
	switch {
	case nick != "":
		return nick
	case u.GlobalName != "":
		return u.GlobalName
	}
	return u.Username
}

// CustomID builds a component or modal custom ID from a route name and its
// arguments. Arguments must not contain ':'.
func CustomID(route string, args ...string) string {
	return strings.Join(append([]string{route}, args...), ":")
}

func splitCustomID(id string) (string, []string) {
	parts := strings.Split(id, ":")
	return parts[0], parts[1:]
}

// Name names the interaction for logs: "/story add", "component kudos".
func (r *Request) Name() string {
	switch r.Type {
	case discordgo.InteractionMessageComponent:
		return "component " + r.Route
	case discordgo.InteractionModalSubmit:
		return "modal " + r.Route
	}
	if r.Subcommand != "" {
		return "/" + r.Command + " " + r.Subcommand
	}
	return "/" + r.Command
}

// Has reports whether the option was given.
func (r *Request) Has(name string) bool {
	_, ok := r.options[name]
	return ok
}

// String returns a string option, trimmed, or "" when absent.
func (r *Request) String(name string) string {
	o, ok := r.options[name]
	if !ok || o.Value == nil {
		return ""
	}
	s, _ := o.Value.(string)
	return strings.TrimSpace(s)
}

// Int returns an integer option and whether it was given.
func (r *Request) Int(name string) (int64, bool) {
	o, ok := r.options[name]
	if !ok || o.Value == nil {
		return 0, false
	}
	switch v := o.Value.(type) {
	case float64:
		return int64(v), true
	case string: // an autocomplete's focused integer arrives as typed text
		var n int64
		_, err := fmt.Sscan(v, &n)
		return n, err == nil
	}
	return 0, false
}

// Bool returns a boolean option and whether it was given.
func (r *Request) Bool(name string) (value, given bool) {
	o, ok := r.options[name]
	if !ok || o.Value == nil {
		return false, false
	}
	b, ok := o.Value.(bool)
	return b, ok
}

// ID returns a snowflake-valued option (user, channel, role, attachment)
// or "".
func (r *Request) ID(name string) string {
	o, ok := r.options[name]
	if !ok || o.Value == nil {
		return ""
	}
	s, _ := o.Value.(string)
	return s
}

// Attachment returns the attachment given in an attachment option, or nil.
func (r *Request) Attachment(name string) *discordgo.MessageAttachment {
	id := r.ID(name)
	if id == "" || r.resolved == nil {
		return nil
	}
	return r.resolved.Attachments[id]
}

// User returns the user given in a user option, or nil.
func (r *Request) User(name string) *discordgo.User {
	id := r.ID(name)
	if id == "" {
		return nil
	}
	if r.resolved != nil {
		if u := r.resolved.Users[id]; u != nil {
			return u
		}
	}
	return &discordgo.User{ID: id}
}

// Focused returns the option being typed in an autocomplete interaction:
// its name and current text.
func (r *Request) Focused() (name, value string) {
	if r.focused == nil {
		return "", ""
	}
	s, _ := r.focused.Value.(string)
	if s == "" && r.focused.Value != nil {
		s = fmt.Sprint(r.focused.Value)
	}
	return r.focused.Name, s
}

// TargetMessage returns the message a message command was used on, or nil.
func (r *Request) TargetMessage() *discordgo.Message {
	if r.Type != discordgo.InteractionApplicationCommand {
		return nil
	}
	data, ok := r.Interaction.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok || data.Resolved == nil {
		return nil
	}
	return data.Resolved.Messages[data.TargetID]
}

// Message returns the message a component was used on, or nil.
func (r *Request) Message() *discordgo.Message { return r.Interaction.Message }

// ModalValue returns the value of the text input with the given custom ID
// in a modal submit, or "".
func (r *Request) ModalValue(customID string) string {
	data, ok := r.Interaction.Data.(discordgo.ModalSubmitInteractionData)
	if !ok {
		return ""
	}
	for _, c := range data.Components {
		row, ok := c.(*discordgo.ActionsRow)
		if !ok {
			continue
		}
		for _, inner := range row.Components {
			if ti, ok := inner.(*discordgo.TextInput); ok && ti.CustomID == customID {
				return ti.Value
			}
		}
	}
	return ""
}

// Can reports whether the member has every permission in perm (or is an
// administrator).
func (r *Request) Can(perm int64) bool {
	if r.Permissions&discordgo.PermissionAdministrator != 0 {
		return true
	}
	return r.Permissions&perm == perm
}
