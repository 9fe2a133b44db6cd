package commands

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Routes of the /story family.
const (
	// routeStoryList pages /story list: "sl1:<page>:<sort>:<rating>:<fandom>:<tag>"
	// (see listQuery.customID for the encoding).
	routeStoryList = "sl1"
	// routeStoryRemove confirms /story remove: "sr-yes:<story>:<requester>";
	// routeStoryKeep cancels it: "sr-no:<story>:<requester>".
	routeStoryRemove = "sr-yes"
	routeStoryKeep   = "sr-no"
)

// registerStory adds /story (add, info, list, remove), the list's page
// buttons and the removal confirmation buttons.
func (c *cmds) registerStory(r *Router) {
	str := func(name, desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc}
	}
	ratingOpt := func(desc string) *discordgo.ApplicationCommandOption {
		o := str("rating", desc)
		for _, rt := range fic.Ratings {
			o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: string(rt), Value: string(rt)})
		}
		return o
	}
	titleOpt := str("title", "Use this title instead of the file's")
	titleOpt.MaxLength = maxTitle
	sortOpt := str("sort", "Order of the list (default: newest first)")
	sortOpt.Choices = []*discordgo.ApplicationCommandOptionChoice{
		{Name: "newest", Value: string(shelf.SortNewest)},
		{Name: "kudos", Value: string(shelf.SortKudos)},
		{Name: "title", Value: string(shelf.SortTitle)},
		{Name: "words", Value: string(shelf.SortWords)},
	}
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "story",
			Description: "The server's library: add stories, look them up, browse, remove",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "add",
					Description: "Add a story: upload a file (text, AO3 HTML or EPUB) or give an AO3 link",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "The story as plain text (.txt, .md), an AO3 HTML download or an AO3 EPUB download"},
						str("link", "An AO3 work link, or a series link to add the whole series (details only)"),
						titleOpt,
						str("author", "Use these authors instead of the file's (comma-separated)"),
						ratingOpt("Use this rating instead of the file's"),
						str("warnings", "Use these archive warnings instead of the file's (comma-separated)"),
						str("fandom", "Use these fandoms instead of the file's (comma-separated)"),
						str("tags", "Use these additional tags instead of the file's (comma-separated)"),
						{Type: discordgo.ApplicationCommandOptionBoolean, Name: "mine", Description: "I wrote this story"},
					},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "info",
					Description: "Show a story's card: tags, summary, words, kudos, readers",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story", true)},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "list",
					Description: "Browse the library, 10 stories per page",
					Options: []*discordgo.ApplicationCommandOption{
						str("fandom", "Only stories whose fandom contains this"),
						ratingOpt("Only stories with this rating"),
						str("tag", "Only stories with a tag, relationship or character containing this"),
						sortOpt,
						str("series", "Only stories in an AO3 series: part of its title, its ID or its link"),
					},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "remove",
					Description: "Remove a story you added (moderators: any story)",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story to remove", true)},
				},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"add":    c.storyAdd,
			"info":   c.storyInfo,
			"list":   c.storyList,
			"remove": c.storyRemove,
		},
		Autocomplete:  c.autocompleteStories,
		EphemeralSubs: map[string]bool{"remove": true},
	})
	r.Component(routeStoryList, c.storyListPage)
	r.Component(routeStoryRemove, c.storyRemoveConfirm)
	r.Component(routeStoryKeep, c.storyRemoveCancel)
}

// mayUpdate reports whether the member may update an existing entry: the
// member who added it or a moderator (Manage Messages).
func (c *cmds) mayUpdate(ctx context.Context, req *Request, rec shelf.StoryRecord) bool {
	return rec.AddedBy == req.UserID || req.Can(discordgo.PermissionManageMessages)
}

// card is rec's story card as it may be shown in the request's channel:
// an adult story's summary is hidden outside age-restricted channels, or
// spoilered when the server chose that.
func (c *cmds) card(ctx context.Context, req *Request, rec shelf.StoryRecord) (*discordgo.MessageEmbed, error) {
	p, err := c.placement(ctx, req, rec.Story.Rating)
	if err != nil {
		// Unsure where we are: show the card, keep an adult summary hidden.
		c.log.Warn("story card: channel placement unknown; hiding an adult summary", "channel", req.ChannelID, "err", err)
		p = showNothing
	}
	return storyCard(rec, cardOptions{HideSummary: p == showNothing, SpoilerSummary: p == showSpoilered}), nil
}

// storyInfo is /story info: the story card, public, with its buttons.
func (c *cmds) storyInfo(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	card, err := c.card(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	return EmbedReply(false, []*discordgo.MessageEmbed{card}, cardButtons(rec)...), nil
}
