package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Component routes shared by cards, excerpts and recs. The story ID is the
// only argument, so these custom IDs never change shape.
const (
	routeKudos     = "kudos"   // kudos:<story>
	routeListAdd   = "rl-add"  // rl-add:<story>
	routeExcerptOf = "ex-card" // ex-card:<story>: an excerpt from a card
)

// ratingColor is the embed colour for a rating, after AO3's symbols.
func ratingColor(r fic.Rating) int {
	switch r {
	case fic.RatingGeneral:
		return colorGeneral
	case fic.RatingTeen:
		return colorTeen
	case fic.RatingMature:
		return colorMature
	case fic.RatingExplicit:
		return colorExplicit
	}
	return colorNotRated
}

// cardOptions adjust a story card to where it is shown.
type cardOptions struct {
	// HideSummary replaces the summary with a note (an adult story's card
	// outside an age-restricted channel).
	HideSummary bool
	// SpoilerSummary puts the summary behind spoiler bars.
	SpoilerSummary bool
}

// storyCard is the story's embed: title, authors, rating colour, warnings
// (as spoilers when real), fandoms, relationships, characters, tags,
// summary, words, chapters x/y, kudos, readers, who added it.
func storyCard(rec shelf.StoryRecord, opt cardOptions) *discordgo.MessageEmbed {
	s := rec.Story
	e := &discordgo.MessageEmbed{
		Title: clip(s.Title, 256),
		Color: ratingColor(s.Rating),
		URL:   s.AO3URL,
	}
	if len(s.Authors) > 0 {
		e.Author = &discordgo.MessageEmbedAuthor{Name: clip("by "+strings.Join(s.Authors, ", "), 256)}
	}
	switch {
	case s.Summary == "":
	case opt.HideSummary:
		e.Description = "*Summary hidden: this story is rated " + string(s.Rating) + ". Ask in an age-restricted channel.*"
	case opt.SpoilerSummary:
		e.Description = "||" + clip(strings.ReplaceAll(s.Summary, "||", "|"), 1000) + "||"
	default:
		e.Description = clip(s.Summary, 1500)
	}
	add := func(name, value string, inline bool) {
		if value == "" {
			return
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: clip(value, 1024), Inline: inline})
	}
	add("Rating", string(s.Rating), true)
	add("Warnings", warningsText(s.Warnings), true)
	add("Words", formatInt(s.Words), true)
	add("Chapters", s.ChapterCount(), true)
	add("Kudos", formatInt(rec.Kudos), true)
	add("Readers", formatInt(rec.Readers), true)
	add("Fandoms", joinEscaped(s.Fandoms, 15), false)
	add("Relationships", joinEscaped(s.Relationships, 15), false)
	add("Characters", joinEscaped(s.Characters, 20), false)
	add("Tags", joinEscaped(append(append([]string{}, s.Categories...), s.Tags...), 25), false)
	added := "Added"
	if rec.AddedBy != "" {
		added += " by <@" + rec.AddedBy + ">"
		if rec.Mine {
			added += " (their own work)"
		}
	}
	if !rec.AddedAt.IsZero() {
		added += fmt.Sprintf(" <t:%d:R>", rec.AddedAt.Unix())
	}
	add("Library", added, false)
	e.Footer = &discordgo.MessageEmbedFooter{Text: "Story " + rec.ID}
	if s.AO3ID != 0 {
		e.Footer.Text += " · AO3 work " + strconv.FormatInt(s.AO3ID, 10)
	}
	if !rec.AddedAt.IsZero() {
		e.Timestamp = rec.AddedAt.UTC().Format(time.RFC3339)
	}
	return e
}

// cardButtons are the buttons under a story card: Kudos, Add to reading
// list, Excerpt (the excerpt button only when the story has text),
// Subscribe (only for a story with an AO3 work).
func cardButtons(rec shelf.StoryRecord) []discordgo.MessageComponent {
	row := Row(
		discordgo.Button{Label: fmt.Sprintf("Kudos (%d)", rec.Kudos), Style: discordgo.SuccessButton, CustomID: CustomID(routeKudos, rec.ID), Emoji: &discordgo.ComponentEmoji{Name: "❤️"}},
		Button("Add to reading list", discordgo.SecondaryButton, routeListAdd, rec.ID),
	)
	if len(rec.Chapters) > 0 {
		row.Components = append(row.Components, Button("Excerpt", discordgo.PrimaryButton, routeExcerptOf, rec.ID))
	}
	if rec.Story.AO3ID > 0 {
		row.Components = append(row.Components, discordgo.Button{Label: "Subscribe", Style: discordgo.SecondaryButton,
			CustomID: CustomID(routeSubscribe, rec.ID), Emoji: &discordgo.ComponentEmoji{Name: "🔔"}})
	}
	return []discordgo.MessageComponent{row}
}

// warningsText shows real warnings as spoilers, "No Archive Warnings
// Apply" plainly, and chose-not-to-use as unknown.
func warningsText(ws []string) string {
	real := fic.RealWarnings(ws)
	var parts []string
	for _, w := range real {
		parts = append(parts, "||"+escapeMarkdown(w)+"||")
	}
	if fic.WarningsUnknown(ws) {
		parts = append(parts, "Creator chose not to use archive warnings")
	}
	if len(parts) == 0 && len(ws) > 0 {
		return fic.WarningNoneApply
	}
	return strings.Join(parts, ", ")
}

// joinEscaped lists up to max items, escaped, with "+N more".
func joinEscaped(items []string, max int) string {
	if len(items) == 0 {
		return ""
	}
	shown := items
	if len(shown) > max {
		shown = shown[:max]
	}
	out := make([]string, len(shown))
	for i, it := range shown {
		out[i] = escapeMarkdown(it)
	}
	s := strings.Join(out, ", ")
	if len(items) > max {
		s += fmt.Sprintf(" +%d more", len(items)-max)
	}
	return s
}

// formatInt writes n with thousands separators: 12,345.
func formatInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// plural is one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// countOf writes n with its noun: "1 entry", "1,200 entries".
func countOf(n int, one, many string) string {
	return formatInt(n) + " " + plural(n, one, many)
}
