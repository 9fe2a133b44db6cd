package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// storyOption is the `story` option every command shares: autocomplete
// offers the library's stories (value = story ID); a typed title works too.
func storyOption(description string, required bool) *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type:         discordgo.ApplicationCommandOptionString,
		Name:         "story",
		Description:  description,
		Required:     required,
		Autocomplete: true,
	}
}

// resolveStory reads the option named name as a story of the request's
// server: the autocomplete value (the story's ID) or a title as typed (an
// exact match first, then a unique case-insensitive prefix). An unknown or
// ambiguous title is a UserError listing the closest titles.
func (c *cmds) resolveStory(ctx context.Context, req *Request, name string) (shelf.StoryRecord, error) {
	input := req.String(name)
	if input == "" {
		return shelf.StoryRecord{}, Errorf("Which story? Pick one from the list as you type.")
	}
	rec, err := c.finder.ResolveStory(ctx, req.GuildID, input)
	if err == nil {
		return rec, nil
	}
	if err := storeError(err, actResolve, facts{Input: input}); isUserError(err) {
		return shelf.StoryRecord{}, err
	}
	return shelf.StoryRecord{}, fmt.Errorf("resolve story %q: %w", input, err)
}

func resolveMessage(re *shelf.ResolveError) string {
	var b strings.Builder
	if re.Ambiguous {
		fmt.Fprintf(&b, "Several stories match %s.", quote(re.Input))
	} else {
		fmt.Fprintf(&b, "This server's library has no story called %s.", quote(re.Input))
	}
	if len(re.Suggestions) > 0 {
		b.WriteString(" Did you mean:")
		for _, s := range re.Suggestions {
			fmt.Fprintf(&b, "\n• %s", storyLabel(s.Title, s.Authors))
		}
		b.WriteString("\nPick one from the list as you type to be sure.")
	} else {
		b.WriteString(" Add it with `/story add`, or pick one from the list as you type.")
	}
	return b.String()
}

// autocompleteStories answers autocomplete for a story option: words
// anywhere in the title and author, best first, at most 25.
func (c *cmds) autocompleteStories(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	name, value := req.Focused()
	if name != "story" {
		return Choices(nil), nil
	}
	refs, err := c.finder.SearchStories(ctx, req.GuildID, value, shelf.MaxSearchResults)
	if err != nil {
		return nil, fmt.Errorf("autocomplete stories: %w", err)
	}
	choices := make([]*discordgo.ApplicationCommandOptionChoice, 0, len(refs))
	for _, r := range refs {
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{
			Name:  clip(storyLabel(r.Title, r.Authors), 100),
			Value: r.ID,
		})
	}
	return Choices(choices), nil
}

// storyLabel is "Title — Author, Author".
func storyLabel(title string, authors []string) string {
	if len(authors) == 0 {
		return title
	}
	return title + " — " + strings.Join(authors, ", ")
}

// quote shows user input inside a sentence, defanged of markdown.
func quote(s string) string {
	return "“" + escapeMarkdown(clip(s, 100)) + "”"
}

// clip shortens s to at most max runes, ending with "…" when cut.
func clip(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`, `[`, `\[`, `]`, `\]`, `<`, `\<`,
)

// escapeMarkdown makes member- or story-supplied text display literally in
// Discord markdown (titles, tags, names): emphasis, spoilers, code, masked
// links and mention syntax are escaped, and so is a leading heading, quote
// or list marker. Story prose is not escaped: it keeps the author's own
// emphasis.
func escapeMarkdown(s string) string {
	s = markdownEscaper.Replace(s)
	if strings.HasPrefix(s, "#") || strings.HasPrefix(s, ">") || strings.HasPrefix(s, "-") {
		s = `\` + s
	}
	return s
}
