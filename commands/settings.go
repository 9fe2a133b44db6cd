package commands

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// registerSettings adds /settings (show, recs-channel, adult-content,
// timezone): Manage Server only, both in the definition (Discord hides it
// from other members) and in every handler (server admins can override a
// command's permissions, so the handler checks again).
func (c *cmds) registerSettings(r *Router) {
	manageServer := int64(discordgo.PermissionManageGuild)
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:                     "settings",
			Description:              "Ficshelf's settings for this server (Manage Server)",
			DefaultMemberPermissions: &manageServer,
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "show",
					Description: "Show this server's Ficshelf settings",
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "recs-channel",
					Description: "Where /rec post puts recommendations (leave empty: wherever it is used)",
					Options: []*discordgo.ApplicationCommandOption{{
						Type:         discordgo.ApplicationCommandOptionChannel,
						Name:         "channel",
						Description:  "A text or forum channel; leave empty to post recs where /rec post is used",
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildForum},
					}},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "updates-channel",
					Description: "Where /subscribe alerts of new chapters are posted (leave empty: by direct message)",
					Options: []*discordgo.ApplicationCommandOption{{
						Type:         discordgo.ApplicationCommandOptionChannel,
						Name:         "channel",
						Description:  "A text channel; leave empty to send each subscriber a direct message",
						ChannelTypes: []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews},
					}},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "adult-content",
					Description: "Where excerpts of Mature, Explicit and Not Rated stories may be posted",
					Options: []*discordgo.ApplicationCommandOption{{
						Type:        discordgo.ApplicationCommandOptionString,
						Name:        "mode",
						Description: "age-restricted-only (default), spoilered, or off",
						Required:    true,
						Choices: []*discordgo.ApplicationCommandOptionChoice{
							{Name: "age-restricted-only: only in age-restricted channels", Value: string(shelf.AdultAgeRestrictedOnly)},
							{Name: "spoilered: anywhere, behind spoiler bars", Value: string(shelf.AdultSpoilered)},
							{Name: "off: never excerpted", Value: string(shelf.AdultOff)},
						},
					}},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "timezone",
					Description: "The time zone reading-club dates use",
					Options: []*discordgo.ApplicationCommandOption{{
						Type:        discordgo.ApplicationCommandOptionString,
						Name:        "zone",
						Description: "An IANA time zone name, such as Europe/London or America/New_York",
						Required:    true,
						MaxLength:   64,
					}},
				},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"show":            c.settingsShow,
			"recs-channel":    c.settingsRecsChannel,
			"updates-channel": c.settingsUpdatesChannel,
			"adult-content":   c.settingsAdultContent,
			"timezone":        c.settingsTimezone,
		},
		Ephemeral: true,
	})
}

// canManageServer refuses members without Manage Server.
func canManageServer(req *Request) error {
	if req.Can(discordgo.PermissionManageGuild) {
		return nil
	}
	return Errorf("Only members with the Manage Server permission can see or change Ficshelf's settings. Ask a server admin.")
}

// adultContentExplained is a sentence on what a mode does.
func adultContentExplained(m shelf.AdultContent) string {
	switch m {
	case shelf.AdultSpoilered:
		return "Excerpts of Mature, Explicit and Not Rated stories may be posted in any channel, hidden behind spoiler bars; in age-restricted channels they are shown plainly."
	case shelf.AdultOff:
		return "Excerpts of Mature, Explicit and Not Rated stories are never posted, not even in age-restricted channels."
	}
	return "Excerpts of Mature, Explicit and Not Rated stories are posted only in age-restricted channels (and their threads); elsewhere members are told why."
}

// settingsText describes the settings for /settings show.
func settingsText(st shelf.Settings) string {
	recs := "wherever `/rec post` is used (no recs channel set)"
	if st.RecsChannelID != "" {
		recs = "<#" + st.RecsChannelID + ">"
	}
	updates := "by direct message to each subscriber (no updates channel set)"
	if st.UpdatesChannelID != "" {
		updates = "<#" + st.UpdatesChannelID + ">"
	}
	return fmt.Sprintf("**Ficshelf settings for this server**\n"+
		"• **Recs channel:** %s\n"+
		"• **Updates channel** (`/subscribe` alerts): %s\n"+
		"• **Adult content:** `%s`. %s\n"+
		"• **Time zone:** %s (reading-club dates)\n"+
		"Change them with `/settings recs-channel`, `/settings updates-channel`, `/settings adult-content` and `/settings timezone`.",
		recs, updates, st.AdultContent, adultContentExplained(st.AdultContent), st.Timezone)
}

// settingsShow is /settings show.
func (c *cmds) settingsShow(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if err := canManageServer(req); err != nil {
		return nil, err
	}
	st, err := c.settings.Settings(ctx, req.GuildID)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	return Ephemeral(settingsText(st)), nil
}

// changeSettings reads the settings, applies change and stores them.
func (c *cmds) changeSettings(ctx context.Context, req *Request, change func(*shelf.Settings)) (shelf.Settings, error) {
	st, err := c.settings.Settings(ctx, req.GuildID)
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("read settings: %w", err)
	}
	change(&st)
	st, err = c.settings.SetSettings(ctx, req.GuildID, st)
	if err := storeError(err, actSettings, facts{}); isUserError(err) {
		return shelf.Settings{}, err
	}
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("store settings: %w", err)
	}
	return st, nil
}

// settingsRecsChannel is /settings recs-channel [channel].
func (c *cmds) settingsRecsChannel(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if err := canManageServer(req); err != nil {
		return nil, err
	}
	channel := req.ID("channel")
	if channel != "" && c.discord != nil {
		ch, err := c.discord.Channel(ctx, channel)
		if err == nil && ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildForum {
			return nil, Errorf("Recs go in a text or forum channel. Pick one of those.")
		}
		if err == nil && ch.GuildID != "" && ch.GuildID != req.GuildID {
			return nil, Errorf("That channel isn't in this server.")
		}
	}
	if _, err := c.changeSettings(ctx, req, func(st *shelf.Settings) { st.RecsChannelID = channel }); err != nil {
		return nil, err
	}
	if channel == "" {
		return Ephemeral("Done: no recs channel. `/rec post` now posts recommendations in the channel where it is used."), nil
	}
	return Ephemeral("Done: `/rec post` now posts recommendations in <#" + channel + ">, each with its own discussion thread."), nil
}

// settingsAdultContent is /settings adult-content mode.
func (c *cmds) settingsAdultContent(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if err := canManageServer(req); err != nil {
		return nil, err
	}
	mode := shelf.AdultContent(req.String("mode"))
	switch mode {
	case shelf.AdultAgeRestrictedOnly, shelf.AdultSpoilered, shelf.AdultOff:
	default:
		return nil, Errorf("Pick one of the modes offered: age-restricted-only, spoilered or off.")
	}
	st, err := c.changeSettings(ctx, req, func(st *shelf.Settings) { st.AdultContent = mode })
	if err != nil {
		return nil, err
	}
	return Ephemeral(fmt.Sprintf("Done: adult content is now `%s`. %s", st.AdultContent, adultContentExplained(st.AdultContent))), nil
}

// settingsTimezone is /settings timezone zone.
func (c *cmds) settingsTimezone(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if err := canManageServer(req); err != nil {
		return nil, err
	}
	zone := strings.TrimSpace(req.String("zone"))
	if _, err := time.LoadLocation(zone); err != nil || zone == "" || strings.EqualFold(zone, "local") {
		return nil, Errorf("I don't know the time zone %s. Use an IANA name such as `Europe/London`, `America/New_York` or `UTC`.", quote(zone))
	}
	st, err := c.changeSettings(ctx, req, func(st *shelf.Settings) { st.Timezone = zone })
	if err != nil {
		return nil, err
	}
	return Ephemeral(fmt.Sprintf("Done: reading-club dates now use %s. Clubs started from now on follow it.", st.Timezone)), nil
}

// settingsUpdatesChannel is /settings updates-channel [channel].
func (c *cmds) settingsUpdatesChannel(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if err := canManageServer(req); err != nil {
		return nil, err
	}
	channel := req.ID("channel")
	if channel != "" && c.discord != nil {
		ch, err := c.discord.Channel(ctx, channel)
		if err == nil && ch.Type != discordgo.ChannelTypeGuildText && ch.Type != discordgo.ChannelTypeGuildNews {
			return nil, Errorf("Alerts go in a text channel. Pick one of those.")
		}
		if err == nil && ch.GuildID != "" && ch.GuildID != req.GuildID {
			return nil, Errorf("That channel isn't in this server.")
		}
	}
	if _, err := c.changeSettings(ctx, req, func(st *shelf.Settings) { st.UpdatesChannelID = channel }); err != nil {
		return nil, err
	}
	if channel == "" {
		return Ephemeral("Done: no updates channel. When a followed work gets a new chapter, each subscriber gets a direct message."), nil
	}
	return Ephemeral("Done: when a followed work gets a new chapter, I'll post it in <#" + channel + ">, mentioning only its subscribers."), nil
}
