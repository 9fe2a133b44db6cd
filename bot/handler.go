package bot

import (
	"context"

	"github.com/bwmarrin/discordgo"
)

// Handler answers interactions. The commands package's Router implements it;
// bot does not import commands.
type Handler interface {
	// HandleInteraction answers one interaction of any kind (slash command,
	// autocomplete, component, modal submit, message command).
	//
	// It returns the first answer to send. If it is still running when the
	// bot's defer deadline (about 2 s) passes, the bot acknowledges the
	// interaction with a deferred response and edits the returned answer in
	// when it arrives. A non-nil error is an unexpected failure: it is logged
	// and the member is told "Something went wrong" (ephemeral). User-facing
	// errors are answers, not errors. A nil response with a nil error is an
	// unexpected failure too. ctx carries the interaction's 15-minute
	// deadline and is cancelled on shutdown's last resort.
	//
	// The answer may be longer than Discord allows: the bot fits it (see
	// the package documentation for how content is split, embeds spread
	// and texts truncated), and pings nobody unless AllowedMentions is set.
	// After a deferral only message (type 4) and update (type 7) answers
	// can be delivered; autocomplete is never deferred.
	HandleInteraction(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error)
}

// DeferHinter is optionally implemented by a Handler to say whether a late
// answer to i should be acknowledged ephemerally (only the member sees the
// "thinking…" state). Without it, application commands defer publicly and
// components defer as an update of their message.
type DeferHinter interface {
	DeferEphemeral(i *discordgo.Interaction) bool
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error)

// HandleInteraction calls f(ctx, i).
func (f HandlerFunc) HandleInteraction(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	return f(ctx, i)
}
