package bot

import (
	"context"
	"fmt"

	"github.com/bwmarrin/discordgo"
)

// register overwrites the application's commands with Config.Commands.
// Every process of a deployment does it; the overwrite is idempotent.
func (b *Bot) register(ctx context.Context, appID string) error {
	if b.cmds == nil {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	got, err := b.s.ApplicationCommandBulkOverwrite(appID, b.guildID, b.cmds, discordgo.WithContext(rctx))
	if err != nil {
		scope := "global"
		if b.guildID != "" {
			scope = "guild " + b.guildID
		}
		return b.redact.Error(fmt.Errorf("bot: register %d commands (%s): %w", len(b.cmds), scope, err))
	}
	b.log.Info("commands registered", "count", len(got), "guild", b.guildID)
	return nil
}

// applicationID asks Discord for the application's ID (GET
// /applications/@me), for a process with no gateway READY to read it from.
func (b *Bot) applicationID(ctx context.Context) (string, error) {
	rctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	body, err := b.s.RequestWithBucketID("GET", discordgo.EndpointApplication("@me"), nil, discordgo.EndpointApplication(""), discordgo.WithContext(rctx))
	if err != nil {
		return "", b.redact.Error(fmt.Errorf("bot: GET /applications/@me: %w", err))
	}
	var app discordgo.Application
	if err := discordgo.Unmarshal(body, &app); err != nil {
		return "", fmt.Errorf("bot: GET /applications/@me: %w", err)
	}
	return app.ID, nil
}
