package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// Routes of the kudos family besides the shared Kudos button (routeKudos).
const (
	routeKudosList = "kudos-ls" // kudos-ls:<story>:<page>: a page of /kudos list
)

// kudosListPageSize is how many kudos one page of /kudos list shows.
const kudosListPageSize = 20

// topKudosLimit is how many stories /kudos top ranks.
const topKudosLimit = 10

// registerKudos adds /kudos (give, top, list), the Kudos button shared by
// cards, excerpts and recs, and /kudos list's page buttons.
func (c *cmds) registerKudos(r *Router) {
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "kudos",
			Description: "Leave kudos on a story, see who did, and the server's favourites",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "give",
					Description: "Leave kudos on a story (one per member per story, as on AO3)",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story to leave kudos on", true)},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "top",
					Description: "The stories with the most kudos in this server",
					Options: []*discordgo.ApplicationCommandOption{{
						Type:        discordgo.ApplicationCommandOptionString,
						Name:        "period",
						Description: "Count kudos given in this period (default: all time)",
						Choices: []*discordgo.ApplicationCommandOptionChoice{
							{Name: "this week", Value: "week"},
							{Name: "this month", Value: "month"},
							{Name: "all time", Value: "all"},
						},
					}},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "list",
					Description: "Who left kudos on a story, newest first",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story", true)},
				},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"give": c.kudosGive,
			"top":  c.kudosTop,
			"list": c.kudosList,
		},
		Autocomplete: c.autocompleteStories,
	})
	r.Component(routeKudos, c.kudosButton)
	r.Component(routeKudosList, c.kudosListPage)
}

// storyName shows a story's title in a sentence: bold, markdown defanged.
func storyName(title string) string {
	return "**" + escapeMarkdown(clip(title, 150)) + "**"
}

// kudosWord is "1 kudos" / "12 kudos" (AO3 says kudos for one too).
func kudosWord(n int) string { return formatInt(n) + " kudos" }

// giveKudos records the member's kudos on rec and returns the new count.
// The refusals (already given, own story, story gone) are UserErrors.
func (c *cmds) giveKudos(ctx context.Context, req *Request, rec shelf.StoryRecord) (int, error) {
	if rec.Mine && rec.AddedBy == req.UserID {
		return rec.Kudos, Errorf("%s", ownStoryKudos(rec.Story.Title))
	}
	n, err := c.kudos.GiveKudos(ctx, req.GuildID, rec.ID, req.UserID, c.now())
	if err == nil {
		return n, nil
	}
	if err := storeError(err, actKudos, facts{Story: rec.Story.Title, Kudos: n}); isUserError(err) {
		return n, err
	}
	return 0, fmt.Errorf("give kudos on story %s: %w", rec.ID, err)
}

// kudosGive is /kudos give. Success is answered publicly: kudos are public
// on AO3 too (/kudos list shows them), the command's use is visible in the
// channel anyway, and the thank-you tells others the story is loved.
// Refusals are ephemeral.
func (c *cmds) kudosGive(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	n, err := c.giveKudos(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	return Reply(fmt.Sprintf("❤️ <@%s> left kudos on %s. Thank you! It has %s now.", req.UserID, storyName(rec.Story.Title), kudosWord(n))), nil
}

// storyByArg reads a component's story argument as a story of the server;
// a removed story or a malformed argument is a UserError.
func (c *cmds) storyByArg(ctx context.Context, req *Request) (shelf.StoryRecord, error) {
	if len(req.Args) < 1 {
		return shelf.StoryRecord{}, buttonExpired("")
	}
	rec, err := c.stories.Story(ctx, req.GuildID, req.Args[0])
	if err := storeError(err, actStory, facts{}); isUserError(err) {
		return shelf.StoryRecord{}, err
	}
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story %s: %w", req.Args[0], err)
	}
	return rec, nil
}

// kudosButton is the Kudos button ("kudos:<story>") on cards, excerpts and
// recs: the same rules as /kudos give. Success updates the message the
// button is on (type 7) so its label shows the new count; nothing else on
// the message changes, except a story card's own Kudos field. Refusals are
// ephemeral.
func (c *cmds) kudosButton(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.storyByArg(ctx, req)
	if err != nil {
		return nil, err
	}
	n, err := c.giveKudos(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	msg := req.Message()
	if msg == nil {
		return Ephemeral(fmt.Sprintf("❤️ You left kudos on %s. It has %s now.", storyName(rec.Story.Title), kudosWord(n))), nil
	}
	// Clicks in a burst are answered in any order, and the last update
	// applied is what members see: show the count as of now, which
	// includes every kudos committed before this answer, not only ours.
	// The count alone is read, not the whole story again.
	if now, err := c.kudos.KudosCount(ctx, req.GuildID, rec.ID); err == nil && now > n {
		n = now
	}
	return kudosUpdate(msg, rec.ID, n), nil
}

// kudosLabel is the Kudos button's label for a count.
func kudosLabel(n int) string { return fmt.Sprintf("Kudos (%d)", n) }

// kudosUpdate answers a Kudos click by re-sending msg as it is with only
// the kudos button of storyID relabelled, and the Kudos field of that
// story's card (an embed whose footer is "Story <id>…") set to n. Content
// and embeds are sent back unchanged because an update replaces them.
func kudosUpdate(msg *discordgo.Message, storyID string, n int) *discordgo.InteractionResponse {
	embeds := make([]*discordgo.MessageEmbed, 0, len(msg.Embeds))
	for _, e := range msg.Embeds {
		embeds = append(embeds, cardKudosField(e, storyID, n))
	}
	comps := relabel(msg.Components, CustomID(routeKudos, storyID), kudosLabel(n))
	if comps == nil {
		comps = []discordgo.MessageComponent{}
	}
	return &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{
			Content:         msg.Content,
			Embeds:          embeds,
			Components:      comps,
			AllowedMentions: noPings(),
		},
	}
}

// cardKudosField returns e, or a copy with its Kudos field set to n when e
// is storyID's card.
func cardKudosField(e *discordgo.MessageEmbed, storyID string, n int) *discordgo.MessageEmbed {
	if e == nil || e.Footer == nil {
		return e
	}
	rest, ok := strings.CutPrefix(e.Footer.Text, "Story "+storyID)
	if !ok || (rest != "" && !strings.HasPrefix(rest, " ")) {
		return e
	}
	cp := *e
	cp.Fields = make([]*discordgo.MessageEmbedField, len(e.Fields))
	for i, f := range e.Fields {
		if f != nil && f.Name == "Kudos" {
			nf := *f
			nf.Value = formatInt(n)
			f = &nf
		}
		cp.Fields[i] = f
	}
	return &cp
}

// relabel copies a message's components, giving the button whose custom
// ID is customID the label label. Everything else is kept as it is.
func relabel(comps []discordgo.MessageComponent, customID, label string) []discordgo.MessageComponent {
	if comps == nil {
		return nil
	}
	out := make([]discordgo.MessageComponent, 0, len(comps))
	for _, c := range comps {
		switch v := c.(type) {
		case *discordgo.ActionsRow:
			row := *v
			row.Components = relabel(v.Components, customID, label)
			out = append(out, &row)
		case discordgo.ActionsRow:
			v.Components = relabel(v.Components, customID, label)
			out = append(out, v)
		case *discordgo.Button:
			if v.CustomID == customID {
				b := *v
				b.Label = label
				out = append(out, &b)
				continue
			}
			out = append(out, v)
		case discordgo.Button:
			if v.CustomID == customID {
				v.Label = label
			}
			out = append(out, v)
		default:
			out = append(out, c)
		}
	}
	return out
}

// topPeriod turns /kudos top's period option into the store's period and
// words for the title.
func topPeriod(period string) (shelf.Period, string) {
	switch period {
	case "week":
		return shelf.PeriodWeek, "this week"
	case "month":
		return shelf.PeriodMonth, "this month"
	}
	return shelf.PeriodAll, "of all time"
}

// kudosTop is /kudos top: the server's stories with the most kudos given
// in the period, numbered, with counts. Public: it is the server's chart.
func (c *cmds) kudosTop(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	period := req.String("period")
	p, words := topPeriod(period)
	// One more than shown, to know whether the chart leaves stories out.
	top, err := c.kudos.TopKudos(ctx, req.GuildID, p, c.now(), topKudosLimit+1)
	if err != nil {
		return nil, fmt.Errorf("top kudos: %w", err)
	}
	more := len(top) > topKudosLimit
	if more {
		top = top[:topKudosLimit]
	}
	if len(top) == 0 {
		if p == shelf.PeriodAll {
			return Ephemeral("Nobody has left kudos on a story in this server yet. Be the first: `/kudos give`, or the Kudos button under a story."), nil
		}
		return Ephemeral(fmt.Sprintf("Nobody has left kudos %s yet. Try `/kudos top period:all time`.", words)), nil
	}
	// Every story of the chart is shown: titles and authors are clipped
	// harder (with "…") until it fits.
	chart := func(title, authors int) string {
		var b strings.Builder
		for i, t := range top {
			fmt.Fprintf(&b, "**%d.** **%s**", i+1, escapeMarkdown(clip(t.Story.Title, title)))
			if len(t.Story.Authors) > 0 {
				b.WriteString(" — " + escapeMarkdown(clip(strings.Join(t.Story.Authors, ", "), authors)))
			}
			fmt.Fprintf(&b, "\n❤️ %s", kudosWord(t.Count))
			if p != shelf.PeriodAll {
				fmt.Fprintf(&b, " %s · %s in all", words, formatInt(t.Kudos))
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	var body string
	for _, lim := range [][2]int{{150, 80}, {60, 40}, {30, 20}} {
		if body = chart(lim[0], lim[1]); utf8.RuneCountInString(body) <= maxListText {
			break
		}
	}
	footer := "One kudos per member per story, as on AO3."
	if more {
		footer = fmt.Sprintf("The top %d; more stories have kudos %s. ", topKudosLimit, words) + footer
	}
	embed := &discordgo.MessageEmbed{
		Title:       "Most kudos " + words,
		Description: body,
		Color:       colorNeutral,
		Footer:      &discordgo.MessageEmbedFooter{Text: footer},
	}
	return EmbedReply(false, []*discordgo.MessageEmbed{embed}), nil
}

// kudosList is /kudos list: who left kudos on a story, newest first,
// kudosListPageSize per page. Public, like the kudos list under an AO3
// work; the mentions never ping.
func (c *cmds) kudosList(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	kudos, err := c.kudos.Kudos(ctx, req.GuildID, rec.ID)
	if err != nil {
		return nil, fmt.Errorf("kudos of story %s: %w", rec.ID, err)
	}
	if len(kudos) == 0 {
		return Ephemeral(fmt.Sprintf("Nobody has left kudos on %s yet. Be the first with `/kudos give`.", storyName(rec.Story.Title))), nil
	}
	embed, comps := kudosListPage(rec, kudos, 0)
	return EmbedReply(false, []*discordgo.MessageEmbed{embed}, comps...), nil
}

// kudosListPage turns /kudos list's pages ("kudos-ls:<story>:<page>").
func (c *cmds) kudosListPage(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.storyByArg(ctx, req)
	if err != nil {
		return nil, err
	}
	page := 0
	if len(req.Args) > 1 {
		page, _ = strconv.Atoi(req.Args[1])
	}
	kudos, err := c.kudos.Kudos(ctx, req.GuildID, rec.ID)
	if err != nil {
		return nil, fmt.Errorf("kudos of story %s: %w", rec.ID, err)
	}
	embed, comps := kudosListPage(rec, kudos, page)
	return Update("", []*discordgo.MessageEmbed{embed}, comps...), nil
}

// kudosListPage renders page (clamped) of a story's kudos.
func kudosListPage(rec shelf.StoryRecord, kudos []shelf.Kudo, page int) (*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	pages := max(1, (len(kudos)+kudosListPageSize-1)/kudosListPageSize)
	page = min(max(page, 0), pages-1)
	var b strings.Builder
	if len(kudos) == 0 {
		b.WriteString("Nobody has left kudos on this story yet.")
	}
	for _, k := range kudos[min(page*kudosListPageSize, len(kudos)):min((page+1)*kudosListPageSize, len(kudos))] {
		fmt.Fprintf(&b, "<@%s> · <t:%d:R>\n", k.UserID, k.At.Unix())
	}
	footer := kudosWord(len(kudos))
	if pages > 1 {
		footer += fmt.Sprintf(" · page %d of %d", page+1, pages)
	}
	embed := &discordgo.MessageEmbed{
		Title:       clip("Kudos on "+rec.Story.Title, 256),
		Description: b.String(),
		Color:       ratingColor(rec.Story.Rating),
		Footer:      &discordgo.MessageEmbedFooter{Text: footer},
	}
	return embed, pager(page, pages, routeKudosList, rec.ID)
}

// pager is a row of Previous/Next buttons routed to route with args and
// the target page, or nothing when everything fits on one page. The two
// custom IDs differ (page-1, page+1) even when a button is disabled.
func pager(page, pages int, route string, args ...string) []discordgo.MessageComponent {
	if pages <= 1 {
		return nil
	}
	withPage := func(p int) []string { return append(append([]string{}, args...), strconv.Itoa(p)) }
	prev := Button("Previous", discordgo.SecondaryButton, route, withPage(page-1)...)
	prev.Disabled = page <= 0
	next := Button("Next", discordgo.SecondaryButton, route, withPage(page+1)...)
	next.Disabled = page >= pages-1
	return []discordgo.MessageComponent{Row(prev, next)}
}
