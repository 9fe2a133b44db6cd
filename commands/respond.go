package commands

import (
	"github.com/bwmarrin/discordgo"
)

// Rating colours for embeds, after AO3's rating symbols.
const (
	colorGeneral  = 0x77a51c // green
	colorTeen     = 0xe8d405 // yellow
	colorMature   = 0xe87d05 // orange
	colorExplicit = 0x9c0000 // red
	colorNotRated = 0x8a8a8a // grey
	colorNeutral  = 0x5865f2
)

// noPings is the allowed_mentions value for everything the bot says on its
// own behalf: story text, titles and notes never ping anyone.
func noPings() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// Reply answers with a public message.
func Reply(content string) *discordgo.InteractionResponse {
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: content, AllowedMentions: noPings()},
	}
}

// Ephemeral answers with a message only the member sees.
func Ephemeral(content string) *discordgo.InteractionResponse {
	r := Reply(content)
	r.Data.Flags = discordgo.MessageFlagsEphemeral
	return r
}

// EmbedReply answers with embeds and components, public unless ephemeral.
func EmbedReply(ephemeral bool, embeds []*discordgo.MessageEmbed, components ...discordgo.MessageComponent) *discordgo.InteractionResponse {
	r := &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Embeds: embeds, Components: components, AllowedMentions: noPings()},
	}
	if ephemeral {
		r.Data.Flags = discordgo.MessageFlagsEphemeral
	}
	return r
}

// Update answers a component by replacing the message it is on.
func Update(content string, embeds []*discordgo.MessageEmbed, components ...discordgo.MessageComponent) *discordgo.InteractionResponse {
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: content, Embeds: embeds, Components: components, AllowedMentions: noPings()},
	}
}

// Choices answers an autocomplete.
func Choices(choices []*discordgo.ApplicationCommandOptionChoice) *discordgo.InteractionResponse {
	if choices == nil {
		choices = []*discordgo.ApplicationCommandOptionChoice{}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionApplicationCommandAutocompleteResult,
		Data: &discordgo.InteractionResponseData{Choices: choices},
	}
}

// Row is an action row of buttons.
func Row(buttons ...discordgo.MessageComponent) discordgo.ActionsRow {
	return discordgo.ActionsRow{Components: buttons}
}

// Button is a secondary button whose custom ID routes to route with args.
func Button(label string, style discordgo.ButtonStyle, route string, args ...string) discordgo.Button {
	return discordgo.Button{Label: label, Style: style, CustomID: CustomID(route, args...)}
}
