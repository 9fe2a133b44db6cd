package commands

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// interaction decodes a Discord-shaped JSON payload, the way the gateway
// delivers it, so tests exercise discordgo's own decoding.
func interaction(t *testing.T, payload string) *discordgo.Interaction {
	t.Helper()
	var i discordgo.Interaction
	if err := json.Unmarshal([]byte(payload), &i); err != nil {
		t.Fatalf("decode interaction: %v", err)
	}
	return &i
}

const member = `"member":{"user":{"id":"42","username":"reader"},"permissions":"0"}`

func testRouter(t *testing.T) (*Router, *[]string) {
	var calls []string
	r := NewRouter(nil)
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{Name: "story", Description: "x", Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "info", Description: "x"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "boom", Description: "x"},
		}},
		EphemeralSubs: map[string]bool{"info": true},
		Subcommands: map[string]HandlerFunc{
			"info": func(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
				calls = append(calls, "info:"+req.String("story")+":"+req.UserID)
				return Reply("ok"), nil
			},
			"boom": func(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
				return nil, errors.New("database exploded")
			},
		},
		Autocomplete: func(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
			name, value := req.Focused()
			calls = append(calls, "ac:"+name+"="+value)
			return nil, Errorf("nope")
		},
	})
	r.Component("kudos", func(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
		calls = append(calls, "kudos:"+strings.Join(req.Args, ","))
		return nil, Errorf("You already left kudos on %s.", req.Args[0])
	})
	return r, &calls
}

func TestRouterRoutesSubcommandsWithOptions(t *testing.T) {
	r, calls := testRouter(t)
	i := interaction(t, `{"id":"1","type":2,"guild_id":"7","channel_id":"8",`+member+`,
		"data":{"name":"story","type":1,"options":[{"name":"info","type":1,"options":[{"name":"story","type":3,"value":"  Gravity  "}]}]}}`)
	resp, err := r.HandleInteraction(context.Background(), i)
	if err != nil || resp.Data.Content != "ok" {
		t.Fatalf("got %+v, %v", resp, err)
	}
	if got := strings.Join(*calls, "|"); got != "info:Gravity:42" {
		t.Errorf("calls = %q", got)
	}
	if !r.DeferEphemeral(i) {
		t.Error("/story info should defer ephemerally")
	}
}

func TestRouterUserErrorsAreEphemeral(t *testing.T) {
	r, calls := testRouter(t)
	i := interaction(t, `{"id":"1","type":3,"guild_id":"7","channel_id":"8",`+member+`,
		"data":{"custom_id":"kudos:12:x","component_type":2}}`)
	resp, err := r.HandleInteraction(context.Background(), i)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || resp.Data.Content != "You already left kudos on 12." {
		t.Errorf("got %+v", resp.Data)
	}
	if got := strings.Join(*calls, "|"); got != "kudos:12,x" {
		t.Errorf("calls = %q", got)
	}
}

func TestRouterUnexpectedErrorsReachTheBot(t *testing.T) {
	r, _ := testRouter(t)
	i := interaction(t, `{"id":"1","type":2,"guild_id":"7","channel_id":"8",`+member+`,
		"data":{"name":"story","type":1,"options":[{"name":"boom","type":1}]}}`)
	_, err := r.HandleInteraction(context.Background(), i)
	if err == nil || !strings.Contains(err.Error(), "/story boom") || !strings.Contains(err.Error(), "database exploded") {
		t.Errorf("got %v; want the cause with the command named", err)
	}
}

func TestRouterAutocompleteNeverErrors(t *testing.T) {
	r, calls := testRouter(t)
	i := interaction(t, `{"id":"1","type":4,"guild_id":"7","channel_id":"8",`+member+`,
		"data":{"name":"story","type":1,"options":[{"name":"info","type":1,"options":[{"name":"story","type":3,"value":"gra","focused":true}]}]}}`)
	resp, err := r.HandleInteraction(context.Background(), i)
	if err != nil || resp.Type != discordgo.InteractionApplicationCommandAutocompleteResult || len(resp.Data.Choices) != 0 {
		t.Fatalf("got %+v, %v", resp, err)
	}
	if got := strings.Join(*calls, "|"); got != "ac:story=gra" {
		t.Errorf("calls = %q", got)
	}
}

func TestRouterExpiredButtonsAndDMs(t *testing.T) {
	r, _ := testRouter(t)
	old := interaction(t, `{"id":"1","type":3,"guild_id":"7","channel_id":"8",`+member+`,"data":{"custom_id":"v0-gone:1","component_type":2}}`)
	resp, err := r.HandleInteraction(context.Background(), old)
	if err != nil || !strings.Contains(resp.Data.Content, "expired") || resp.Data.Flags != discordgo.MessageFlagsEphemeral {
		t.Errorf("old button: got %+v, %v", resp, err)
	}
	dm := interaction(t, `{"id":"1","type":2,"channel_id":"8","user":{"id":"42","username":"x"},"data":{"name":"story","type":1}}`)
	resp, err = r.HandleInteraction(context.Background(), dm)
	if err != nil || !strings.Contains(resp.Data.Content, "servers only") {
		t.Errorf("DM: got %+v, %v", resp, err)
	}
}

func TestRouterDuplicateRegistrationPanics(t *testing.T) {
	r := NewRouter(nil)
	r.Add(&Command{Def: &discordgo.ApplicationCommand{Name: "a", Description: "a"}})
	defer func() {
		if recover() == nil {
			t.Error("registering /a twice did not panic")
		}
	}()
	r.Add(&Command{Def: &discordgo.ApplicationCommand{Name: "a", Description: "a"}})
}

func TestHelpListsEveryCommand(t *testing.T) {
	r := New(Deps{})
	i := interaction(t, `{"id":"1","type":2,"guild_id":"7","channel_id":"8",`+member+`,"data":{"name":"help","type":1}}`)
	resp, err := r.HandleInteraction(context.Background(), i)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Data.Flags != discordgo.MessageFlagsEphemeral || len(resp.Data.Embeds) == 0 {
		t.Fatalf("help must be an ephemeral embed, got %+v", resp.Data)
	}
	for _, def := range r.Definitions() {
		if def.Type == discordgo.ChatApplicationCommand && !strings.Contains(resp.Data.Embeds[0].Description, "/"+def.Name) {
			t.Errorf("help does not mention /%s", def.Name)
		}
	}
}
