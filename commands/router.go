package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// HandlerFunc handles one interaction and returns its answer.
type HandlerFunc func(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error)

// Command is one application command: its definition and handlers.
type Command struct {
	// Def is sent to Discord as is (after the Router marks it guild-only).
	Def *discordgo.ApplicationCommand
	// Run handles the command when it has no subcommands, and message
	// commands.
	Run HandlerFunc
	// Subcommands handle "/name sub", by subcommand name.
	Subcommands map[string]HandlerFunc
	// Autocomplete answers autocomplete for any focused option.
	Autocomplete HandlerFunc
	// Ephemeral says the command's answers are personal, so a late answer
	// is deferred ephemerally. EphemeralSubs does the same per subcommand.
	Ephemeral     bool
	EphemeralSubs map[string]bool
}

// Router routes interactions to handlers. Build it with NewRouter, register
// every command and component route, then use it as a bot.Handler.
// Registration is not safe for concurrent use; handling is.
type Router struct {
	log        *slog.Logger
	commands   map[string]*Command // by name
	order      []string
	components map[string]HandlerFunc
	modals     map[string]HandlerFunc
}

// NewRouter returns an empty router that logs unexpected errors to log.
func NewRouter(log *slog.Logger) *Router {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Router{
		log:        log,
		commands:   map[string]*Command{},
		components: map[string]HandlerFunc{},
		modals:     map[string]HandlerFunc{},
	}
}

// Add registers a command. Registering a name twice panics: it is a
// programming error found at start-up.
func (r *Router) Add(c *Command) {
	name := c.Def.Name
	if _, dup := r.commands[name]; dup {
		panic("commands: duplicate command " + name)
	}
	if c.Def.Type == 0 {
		c.Def.Type = discordgo.ChatApplicationCommand
	}
	guildOnly := []discordgo.InteractionContextType{discordgo.InteractionContextGuild}
	c.Def.Contexts = &guildOnly
	r.commands[name] = c
	r.order = append(r.order, name)
}

// Component registers the handler for component custom IDs whose route
// name (the part before the first ':') is name. Duplicates panic.
func (r *Router) Component(name string, h HandlerFunc) {
	if _, dup := r.components[name]; dup {
		panic("commands: duplicate component route " + name)
	}
	r.components[name] = h
}

// Modal registers the handler for modal submits whose custom ID route name
// is name. Duplicates panic.
func (r *Router) Modal(name string, h HandlerFunc) {
	if _, dup := r.modals[name]; dup {
		panic("commands: duplicate modal route " + name)
	}
	r.modals[name] = h
}

// Definitions returns every command definition, in registration order:
// exactly what is registered with Discord.
func (r *Router) Definitions() []*discordgo.ApplicationCommand {
	defs := make([]*discordgo.ApplicationCommand, 0, len(r.order))
	for _, name := range r.order {
		defs = append(defs, r.commands[name].Def)
	}
	return defs
}

// HandleInteraction implements bot.Handler.
func (r *Router) HandleInteraction(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	req, err := newRequest(i)
	if err != nil {
		return nil, err
	}
	if req.GuildID == "" {
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			return Choices(nil), nil
		}
		return Ephemeral("Ficshelf works inside servers only."), nil
	}
	h, err := r.route(req)
	if err != nil {
		return r.answerError(req, err)
	}
	resp, err := h(ctx, req)
	if err != nil {
		return r.answerError(req, err)
	}
	return resp, nil
}

// DeferEphemeral implements bot.DeferHinter.
func (r *Router) DeferEphemeral(i *discordgo.Interaction) bool {
	if i.Type != discordgo.InteractionApplicationCommand {
		return i.Type == discordgo.InteractionModalSubmit
	}
	data := i.ApplicationCommandData()
	c, ok := r.commands[data.Name]
	if !ok {
		return true
	}
	if c.Ephemeral {
		return true
	}
	if len(data.Options) > 0 && data.Options[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		return c.EphemeralSubs[data.Options[0].Name]
	}
	return false
}

func (r *Router) route(req *Request) (HandlerFunc, error) {
	switch req.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionApplicationCommandAutocomplete:
		c, ok := r.commands[req.Command]
		if !ok {
			return nil, Errorf("I don't know the command /%s any more.", req.Command)
		}
		if req.Type == discordgo.InteractionApplicationCommandAutocomplete {
			if c.Autocomplete == nil {
				return nil, fmt.Errorf("route: /%s has no autocomplete", req.Command)
			}
			return c.Autocomplete, nil
		}
		if req.Subcommand != "" && c.Subcommands != nil {
			h, ok := c.Subcommands[req.Subcommand]
			if !ok {
				return nil, Errorf("I don't know /%s %s any more.", req.Command, req.Subcommand)
			}
			return h, nil
		}
		if c.Run == nil {
			return nil, fmt.Errorf("route: /%s has no handler", req.Command)
		}
		return c.Run, nil
	case discordgo.InteractionMessageComponent:
		if h, ok := r.components[req.Route]; ok {
			return h, nil
		}
		return nil, buttonExpired("")
	case discordgo.InteractionModalSubmit:
		if h, ok := r.modals[req.Route]; ok {
			return h, nil
		}
		return nil, formExpired()
	}
	return nil, fmt.Errorf("route: unsupported interaction type %d", req.Type)
}

// answerError turns a handler's error into an answer: a user error is told
// to the member ephemerally; anything else is logged and becomes the
// generic failure (by returning it, so the bot answers "Something went
// wrong"). Autocomplete never shows errors: it answers no choices.
func (r *Router) answerError(req *Request, err error) (*discordgo.InteractionResponse, error) {
	var ue *UserError
	if req.Type == discordgo.InteractionApplicationCommandAutocomplete {
		if !errors.As(err, &ue) {
			r.log.Error("autocomplete failed", "command", req.Command, "guild", req.GuildID, "err", err)
		}
		return Choices(nil), nil
	}
	if errors.As(err, &ue) {
		return Ephemeral(ue.Message), nil
	}
	return nil, fmt.Errorf("%s: %w", req.Name(), err)
}

// commandSummaries lists "/name sub — description" lines for /help, in
// registration order.
func (r *Router) commandSummaries() []string {
	var lines []string
	for _, name := range r.order {
		def := r.commands[name].Def
		switch def.Type {
		case discordgo.MessageApplicationCommand:
			lines = append(lines, fmt.Sprintf("**%s** (right-click a message → Apps)", def.Name))
			continue
		case discordgo.UserApplicationCommand:
			continue
		}
		subs := 0
		var sub []string
		for _, o := range def.Options {
			if o.Type == discordgo.ApplicationCommandOptionSubCommand {
				subs++
				sub = append(sub, fmt.Sprintf("`/%s %s`%s — %s", def.Name, o.Name, optionList(o.Options), o.Description))
			}
		}
		if subs == 0 {
			lines = append(lines, fmt.Sprintf("`/%s`%s — %s", def.Name, optionList(def.Options), def.Description))
			continue
		}
		lines = append(lines, sub...)
	}
	return lines
}

func optionList(opts []*discordgo.ApplicationCommandOption) string {
	var names []string
	for _, o := range opts {
		if o.Required {
			names = append(names, o.Name)
		} else {
			names = append(names, "["+o.Name+"]")
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " " + strings.Join(names, " ")
}
