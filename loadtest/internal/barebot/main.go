// Command barebot is the floor Ficshelf is measured against (issue 18): a
// Discord bot written the way a plain discordgo bot is written —
// discordgo.New, AddHandler for InteractionCreate, s.InteractionRespond —
// that answers every interaction with a fixed message, and autocomplete
// with fixed choices. It stores nothing and looks nothing up.
//
// The load test builds and runs it in place of ficshelf with -baseline (or
// next to it with -compare); see loadtest/baseline.go. It reads the same
// environment the load test gives ficshelf, of which it uses two keys:
//
//	DISCORD_TOKEN     the bot token
//	DISCORD_BASE_URL  where Discord is (the load test's discordtest server)
//
// The only departure from discordgo's defaults is the session's
// http.Client, which a bot needs to reach anything but discord.com: its
// transport rewrites https://discord.com to DISCORD_BASE_URL (discordgo's
// Endpoint variables are fixed when the package loads) and keeps as many
// idle connections per host as Ficshelf's does (100), so that neither bot
// is measured re-dialling its REST connections. State, intents and event
// handling are discordgo's defaults. SIGTERM or SIGINT closes the session
// and exits 0.
package main

import (
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bwmarrin/discordgo"
)

// The fixed answers.
const fixedMessage = "Thanks! This is a fixed answer."

var fixedChoices = []*discordgo.ApplicationCommandOptionChoice{
	{Name: "The Silver River", Value: "1"},
	{Name: "The Quiet Harbour", Value: "2"},
	{Name: "Lantern of the Lost Garden", Value: "3"},
}

// commands are what the bot registers: the names the load test's mix uses,
// with autocomplete on their story options.
func commands() []*discordgo.ApplicationCommand {
	story := func(desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: "story", Description: desc, Required: true, Autocomplete: true}
	}
	return []*discordgo.ApplicationCommand{
		{Name: "help", Description: "How to use the bot"},
		{Name: "kudos", Description: "Kudos", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "give", Description: "Give kudos to a story", Options: []*discordgo.ApplicationCommandOption{story("The story")}},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "top", Description: "Top stories", Options: []*discordgo.ApplicationCommandOption{
				{Type: discordgo.ApplicationCommandOptionString, Name: "period", Description: "Period", Choices: []*discordgo.ApplicationCommandOptionChoice{
					{Name: "week", Value: "week"}, {Name: "month", Value: "month"}, {Name: "all", Value: "all"}}},
			}},
		}},
		{Name: "story", Description: "Stories", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "info", Description: "A story's card", Options: []*discordgo.ApplicationCommandOption{story("The story")}},
		}},
		{Name: "excerpt", Description: "An excerpt of a story", Options: []*discordgo.ApplicationCommandOption{story("The story")}},
	}
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	token := os.Getenv("DISCORD_TOKEN")
	if token == "" {
		log.Fatal("barebot: DISCORD_TOKEN is not set")
	}
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		log.Fatalf("barebot: %v", err)
	}
	if base := os.Getenv("DISCORD_BASE_URL"); base != "" {
		u, err := url.Parse(base)
		if err != nil || u.Host == "" {
			log.Fatalf("barebot: DISCORD_BASE_URL %q is not a URL", base)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 100
		s.Client = &http.Client{Timeout: 20 * time.Second, Transport: rewrite{base: u, next: tr}}
	}

	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		var r *discordgo.InteractionResponse
		switch ic.Type {
		case discordgo.InteractionApplicationCommandAutocomplete:
			r = &discordgo.InteractionResponse{
				Type: discordgo.InteractionApplicationCommandAutocompleteResult,
				Data: &discordgo.InteractionResponseData{Choices: fixedChoices},
			}
		default:
			r = &discordgo.InteractionResponse{
				Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: fixedMessage, Flags: discordgo.MessageFlagsEphemeral},
			}
		}
		if err := s.InteractionRespond(ic.Interaction, r); err != nil {
			log.Printf("barebot: answer interaction %s: %v", ic.ID, err)
		}
	})
	ready := make(chan string, 1)
	s.AddHandlerOnce(func(s *discordgo.Session, r *discordgo.Ready) { ready <- r.User.ID })

	if err := s.Open(); err != nil {
		log.Fatalf("barebot: open the gateway: %v", err)
	}
	select {
	case appID := <-ready:
		// A bot's user ID is its application ID.
		if _, err := s.ApplicationCommandBulkOverwrite(appID, "", commands()); err != nil {
			log.Fatalf("barebot: register commands: %v", err)
		}
	case <-time.After(30 * time.Second):
		log.Fatal("barebot: no READY from the gateway")
	}

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
	if err := s.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "barebot: close: %v\n", err)
	}
}

// rewrite sends requests for discord.com to base.
type rewrite struct {
	base *url.URL
	next http.RoundTripper
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == "discord.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = rw.base.Scheme, rw.base.Host, ""
	}
	return rw.next.RoundTrip(r)
}
