package commands

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
// The card keeps within Discord's 6,000 characters for a whole embed: when
// long lists would pass it, the list fields and the summary get less room
// (whole items, "+N more" counting the rest; the summary ends with "…")
// rather than letting Discord's fitting cut a count or a spoiler off.
func storyCard(rec shelf.StoryRecord, opt cardOptions) *discordgo.MessageEmbed {
	var e *discordgo.MessageEmbed
	for _, room := range []cardRoom{{maxFieldValue, 1500}, {500, 1000}, {250, 600}} {
		if e = storyCardWithin(rec, opt, room); embedTextLen(e) <= maxCardText {
			break
		}
	}
	return e
}

// maxCardText is the most text a card holds, under Discord's 6,000.
const maxCardText = 5800

// cardRoom is the room a card gives each list field and its summary.
type cardRoom struct{ field, summary int }

// embedTextLen is the text of e that Discord counts toward 6,000.
func embedTextLen(e *discordgo.MessageEmbed) int {
	n := textLen(e.Title) + textLen(e.Description)
	if e.Author != nil {
		n += textLen(e.Author.Name)
	}
	if e.Footer != nil {
		n += textLen(e.Footer.Text)
	}
	for _, f := range e.Fields {
		n += textLen(f.Name) + textLen(f.Value)
	}
	return n
}

func storyCardWithin(rec shelf.StoryRecord, opt cardOptions, room cardRoom) *discordgo.MessageEmbed {
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
		e.Description = "||" + clip(strings.ReplaceAll(s.Summary, "||", "|"), min(1000, room.summary)) + "||"
	default:
		e.Description = clip(s.Summary, room.summary)
	}
	add := func(name, value string, inline bool) {
		if value == "" {
			return
		}
		e.Fields = append(e.Fields, &discordgo.MessageEmbedField{Name: name, Value: clip(value, 1024), Inline: inline})
	}
	add("Rating", string(s.Rating), true)
	add("Warnings", warningsWithin(s.Warnings, room.field), true)
	add("Words", formatInt(s.Words), true)
	add("Chapters", s.ChapterCount(), true)
	add("Kudos", formatInt(rec.Kudos), true)
	add("Readers", formatInt(rec.Readers), true)
	add("Fandoms", joinEscapedWithin(s.Fandoms, 15, room.field), false)
	add("Relationships", joinEscapedWithin(s.Relationships, 15, room.field), false)
	add("Characters", joinEscapedWithin(s.Characters, 20, room.field), false)
	add("Tags", joinEscapedWithin(append(append([]string{}, s.Categories...), s.Tags...), 25, room.field), false)
	add("Series", joinEscapedWithin(seriesLabels(s), 10, room.field), false)
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
// Apply" plainly, and chose-not-to-use as unknown, within a field's room.
func warningsText(ws []string) string { return warningsWithin(ws, maxFieldValue) }

// warningsWithin is warningsText within room characters.
func warningsWithin(ws []string, room int) string {
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
	return joinWithin(parts, len(parts), room)
}

// maxFieldValue is Discord's limit on an embed field's value.
const maxFieldValue = 1024

// joinWithin joins parts with ", ", as many whole ones as fit in room
// characters, then " +N more" counting the rest of total items (parts are
// the first of them): a part (a spoilered warning, an escaped tag) is
// never cut in the middle, and what is left out is counted. The first part
// is always shown.
func joinWithin(parts []string, total, room int) string {
	var b strings.Builder
	n, written := 0, 0
	for i, p := range parts {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		l := utf8.RuneCountInString(sep + p)
		more := 0
		if rest := total - i - 1; rest > 0 {
			more = utf8.RuneCountInString(fmt.Sprintf(" +%d more", rest))
		}
		if written > 0 && n+l+more > room {
			break
		}
		b.WriteString(sep + p)
		n += l
		written++
	}
	if total > written {
		fmt.Fprintf(&b, " +%d more", total-written)
	}
	return b.String()
}

// joinEscaped lists up to max items, escaped, with "+N more" counting the
// others, within an embed field's value (joinWithin).
func joinEscaped(items []string, max int) string { return joinEscapedWithin(items, max, maxFieldValue) }

// joinEscapedWithin is joinEscaped within room characters.
func joinEscapedWithin(items []string, max, room int) string {
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
	return joinWithin(out, len(items), room)
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
