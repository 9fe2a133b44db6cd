package commands

import (
	"slices"
	"testing"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
)

// TestDefinitionsPassDiscordChecks walks every registered definition
// through the validator discordtest applies to command registration.
func TestDefinitionsPassDiscordChecks(t *testing.T) {
	defs := New(Deps{}).Definitions()
	if len(defs) == 0 {
		t.Fatal("no definitions")
	}
	if err := discordtest.CheckCommands(defs); err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if err := discordtest.CheckCommands([]*discordgo.ApplicationCommand{d}); err != nil {
			t.Errorf("/%s: %v", d.Name, err)
		}
	}
}

func optionNames(opts []*discordgo.ApplicationCommandOption) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Name)
	}
	return out
}

// TestStoryDefinitionMatchesSpec pins /story's names to SPEC.md: the
// subcommands, their options, the five ratings and the sorts.
func TestStoryDefinitionMatchesSpec(t *testing.T) {
	var story *discordgo.ApplicationCommand
	for _, d := range New(Deps{}).Definitions() {
		if d.Name == "story" {
			story = d
		}
	}
	if story == nil {
		t.Fatal("no /story")
	}
	want := map[string][]string{
		"add":    {"file", "link", "title", "author", "rating", "warnings", "fandom", "tags", "mine"},
		"info":   {"story"},
		"list":   {"fandom", "rating", "tag", "sort", "series"}, // series: issue 14 point 5
		"remove": {"story"},
	}
	if got := optionNames(story.Options); !slices.Equal(got, []string{"add", "info", "list", "remove"}) {
		t.Errorf("subcommands %q", got)
	}
	for _, sub := range story.Options {
		if got := optionNames(sub.Options); !slices.Equal(got, want[sub.Name]) {
			t.Errorf("/story %s options %q, want %q", sub.Name, got, want[sub.Name])
		}
		for _, o := range sub.Options {
			var choices []string
			for _, c := range o.Choices {
				choices = append(choices, c.Value.(string))
			}
			switch o.Name {
			case "story":
				if !o.Autocomplete || !o.Required || o.Type != discordgo.ApplicationCommandOptionString {
					t.Errorf("/story %s story: autocomplete %v required %v", sub.Name, o.Autocomplete, o.Required)
				}
			case "rating":
				if !slices.Equal(choices, []string{"General Audiences", "Teen And Up Audiences", "Mature", "Explicit", "Not Rated"}) {
					t.Errorf("/story %s rating choices %q", sub.Name, choices)
				}
			case "sort":
				if !slices.Equal(choices, []string{"newest", "kudos", "title", "words"}) {
					t.Errorf("sort choices %q", choices)
				}
			case "file":
				if o.Type != discordgo.ApplicationCommandOptionAttachment {
					t.Errorf("file type %d", o.Type)
				}
			case "mine":
				if o.Type != discordgo.ApplicationCommandOptionBoolean {
					t.Errorf("mine type %d", o.Type)
				}
			default:
				if o.Type != discordgo.ApplicationCommandOptionString || o.Required {
					t.Errorf("/story %s %s: type %d required %v", sub.Name, o.Name, o.Type, o.Required)
				}
			}
		}
	}
}
