package commands

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// helpCommand is /help: what every command does, ephemeral. It reads the
// router's own definitions, so it never falls out of date.
func helpCommand(r *Router) *Command {
	return &Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "help",
			Description: "What every Ficshelf command does",
		},
		Ephemeral: true,
		Run: func(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
			var b strings.Builder
			b.WriteString("Ficshelf keeps this server's fanfic library: excerpts, kudos, reading lists, rec threads and reading clubs.\n\n")
			for _, line := range r.commandSummaries() {
				b.WriteString("• ")
				b.WriteString(line)
				b.WriteString("\n")
			}
			embed := &discordgo.MessageEmbed{
				Title:       "Ficshelf commands",
				Description: b.String(),
				Color:       colorNeutral,
			}
			return EmbedReply(true, []*discordgo.MessageEmbed{embed}), nil
		},
	}
}
