package e2e

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/commands"
)

// faulty adds two commands to the real router: /slow answers after
// DefaultDeferAfter has passed, /boom panics. Everything else goes to the
// router, so the bot is the one main runs.
type faulty struct {
	*commands.Router
	slowFor time.Duration
	panics  atomic.Int32
}

func (f *faulty) Definitions() []*discordgo.ApplicationCommand {
	return append(f.Router.Definitions(),
		&discordgo.ApplicationCommand{Name: "slow", Description: "answers late on purpose"},
		&discordgo.ApplicationCommand{Name: "boom", Description: "panics on purpose"},
	)
}

// DeferEphemeral says /slow's answer is public, so its deferral is too.
func (f *faulty) DeferEphemeral(i *discordgo.Interaction) bool {
	if i.Type == discordgo.InteractionApplicationCommand && i.ApplicationCommandData().Name == "slow" {
		return false
	}
	return f.Router.DeferEphemeral(i)
}

func (f *faulty) HandleInteraction(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	if i.Type == discordgo.InteractionApplicationCommand {
		switch i.ApplicationCommandData().Name {
		case "slow":
			select {
			case <-time.After(f.slowFor):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return commands.Reply("worth the wait"), nil
		case "boom":
			f.panics.Add(1)
			panic("handler exploded on purpose")
		}
	}
	return f.Router.HandleInteraction(ctx, i)
}

func TestSlowHandlerIsDeferredThenEdited(t *testing.T) {
	f := &faulty{slowFor: bot.DefaultDeferAfter + 700*time.Millisecond}
	e := Start(t, WithWrap(func(r *commands.Router) bot.Handler { f.Router = r; return f }))
	ans := e.Slash(e.General, e.Alice, "slow")
	if !ans.Deferred() {
		t.Fatalf("a %v handler was not deferred (callback type %d)", f.slowFor, ans.Type)
	}
	if ans.Original == nil || ans.Original.Content != "worth the wait" || ans.Original.Ephemeral() {
		t.Errorf("deferred answer not edited in publicly: %+v", ans.Original)
	}
	if len(ans.Rejected) > 0 {
		t.Errorf("Discord rejected answers: %v", ans.Rejected)
	}
}

func TestPanickingHandlerGetsGenericAnswerAndBotKeepsServing(t *testing.T) {
	f := &faulty{}
	e := Start(t, WithWrap(func(r *commands.Router) bot.Handler { f.Router = r; return f }))
	for n := 0; n < 3; n++ {
		ans := e.Slash(e.General, e.Alice, "boom")
		if !ans.Ephemeral() || ans.Content() != bot.FailureMessage {
			t.Errorf("panic answered %q (ephemeral %v), want %q", ans.Content(), ans.Ephemeral(), bot.FailureMessage)
		}
		if help := e.Slash(e.General, e.Bob, "help"); !help.Ephemeral() || help.Original == nil {
			t.Fatalf("bot stopped serving after a panic")
		}
	}
	if f.panics.Load() != 3 {
		t.Errorf("handler ran %d times, want 3", f.panics.Load())
	}
	if logs := e.Logs(); !strings.Contains(logs, "handler exploded on purpose") || !strings.Contains(logs, "goroutine") {
		t.Error("the panic was not logged with its stack")
	}
}
