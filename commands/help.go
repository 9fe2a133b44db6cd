package commands

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/bwmarrin/discordgo"
)

// helpCommand is /help: what every command does, ephemeral. It reads the
// router's own definitions, so it never falls out of date.
// The text is built once per set of commands (the router's definitions
// do not change once it serves), not for every /help.
func helpCommand(r *Router) *Command {
	type helpText struct {
		commands int
		text     string
	}
	var built atomic.Pointer[helpText]
	return &Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "help",
			Description: "What every Ficshelf command does",
		},
		Ephemeral: true,
		Run: func(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
			h := built.Load()
			if h == nil || h.commands != len(r.order) {
				var b strings.Builder
				b.WriteString("Ficshelf keeps this server's fanfic library: excerpts, kudos, reading lists, rec threads and reading clubs.\n\n")
				for _, line := range r.commandSummaries() {
					b.WriteString("• ")
					b.WriteString(line)
					b.WriteString("\n")
				}
				h = &helpText{commands: len(r.order), text: b.String()}
				built.Store(h)
			}
			embed := &discordgo.MessageEmbed{
				Title:       "Ficshelf commands",
				Description: h.text,
				Color:       colorNeutral,
			}
			return EmbedReply(true, []*discordgo.MessageEmbed{embed}), nil
		},
	}
}
