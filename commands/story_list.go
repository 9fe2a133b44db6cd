package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// /story list: its filters and sort, the page buttons that carry them in
// their custom IDs, and the page itself.

// storyListPageSize is how many stories one page of /story list shows.
const storyListPageSize = 10

// listQuery is /story list's filters and page, carried by its buttons.
type listQuery struct {
	Page   int
	Sort   shelf.Sort
	Rating fic.Rating // "" for any
	Fandom string
	Tag    string
	Series string // a series' title (part of it) or AO3 series ID
}

var (
	sortCodes   = map[shelf.Sort]string{shelf.SortNewest: "n", shelf.SortKudos: "k", shelf.SortTitle: "t", shelf.SortWords: "w"}
	ratingCodes = map[fic.Rating]string{fic.RatingGeneral: "g", fic.RatingTeen: "t", fic.RatingMature: "m", fic.RatingExplicit: "e", fic.RatingNotRated: "n"}
)

// maxCustomID is Discord's custom_id limit; counted in bytes here, which
// is never fewer than characters.
const maxCustomID = 100

// fit shortens the text filters (the longer first, a character at a time)
// until the page buttons' custom IDs fit in 100 bytes for any page up to
// 99,999. The same shortened filters are used for the first page, so every
// page of one listing shows the same results; the list says which filters
// it used. A shortened filter is a prefix of what was typed, so it matches
// at least what the full one would.
func (q *listQuery) fit() {
	probe := *q
	probe.Page = 99999
	for len(probe.customID()) > maxCustomID {
		f, t, sr := []rune(probe.Fandom), []rune(probe.Tag), []rune(probe.Series)
		if _, id := shelf.SeriesQuery(probe.Series); id > 0 {
			sr = nil // a series ID is never cut: it would name another series
		}
		switch {
		case len(sr) > len(f) && len(sr) > len(t):
			probe.Series = strings.TrimSpace(string(sr[:len(sr)-1]))
		case len(f) >= len(t):
			probe.Fandom = strings.TrimSpace(string(f[:len(f)-1]))
		default:
			probe.Tag = strings.TrimSpace(string(t[:len(t)-1]))
		}
	}
	q.Fandom, q.Tag, q.Series = probe.Fandom, probe.Tag, probe.Series
}

// customID encodes q as "sl1:<page>:<sort>:<rating>:<fandom>:<tag>", and
// ":<series>" after it when filtering by series: sort and rating as one
// letter each ("-" for any rating), the text filters with '%' and ':'
// percent-escaped (escapeArg).
func (q listQuery) customID() string {
	r := "-"
	if q.Rating != "" {
		r = ratingCodes[q.Rating]
	}
	s := sortCodes[q.Sort]
	if s == "" {
		s = "n"
	}
	if q.Series != "" {
		return CustomID(routeStoryList, strconv.Itoa(q.Page), s, r, escapeArg(q.Fandom), escapeArg(q.Tag), escapeArg(q.Series))
	}
	return CustomID(routeStoryList, strconv.Itoa(q.Page), s, r, escapeArg(q.Fandom), escapeArg(q.Tag))
}

// parseListArgs decodes a page button's arguments (see customID).
func parseListArgs(args []string) (listQuery, bool) {
	if len(args) != 5 && len(args) != 6 {
		return listQuery{}, false
	}
	page, err := strconv.Atoi(args[0])
	if err != nil || page < 0 {
		return listQuery{}, false
	}
	q := listQuery{Page: page, Fandom: unescapeArg(args[3]), Tag: unescapeArg(args[4])}
	if len(args) == 6 {
		if q.Series = unescapeArg(args[5]); q.Series == "" {
			return listQuery{}, false
		}
	}
	for s, code := range sortCodes {
		if code == args[1] {
			q.Sort = s
		}
	}
	if q.Sort == "" {
		return listQuery{}, false
	}
	if args[2] != "-" {
		for r, code := range ratingCodes {
			if code == args[2] {
				q.Rating = r
			}
		}
		if q.Rating == "" {
			return listQuery{}, false
		}
	}
	return q, true
}

func (c *cmds) storyList(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	fandom := strings.Join(strings.Fields(req.String("fandom")), " ")
	tag := strings.Join(strings.Fields(req.String("tag")), " ")
	series := strings.Join(strings.Fields(req.String("series")), " ")
	if id, ok := c.parseSeriesLink(series); ok {
		series = strconv.FormatInt(id, 10) // a series link: its ID
	}
	q := listQuery{
		Sort:   shelf.Sort(req.String("sort")),
		Fandom: firstRunes(fandom, maxFilter),
		Tag:    firstRunes(tag, maxFilter),
		Series: firstRunes(series, maxFilter),
	}
	if q.Sort == "" {
		q.Sort = shelf.SortNewest
	}
	if _, ok := sortCodes[q.Sort]; !ok {
		return nil, Errorf("I can sort the library by newest, kudos, title or words.")
	}
	if s := req.String("rating"); s != "" {
		r, ok := fic.ParseRating(s)
		if !ok {
			return nil, Errorf("%s isn't an AO3 rating: pick General Audiences, Teen And Up Audiences, Mature, Explicit or Not Rated.", quote(s))
		}
		q.Rating = r
	}
	q.fit()
	note := filterShortened("fandom", fandom, q.Fandom) + filterShortened("tag", tag, q.Tag) + filterShortened("series", series, q.Series)
	embed, rows, empty, err := c.listPage(ctx, req, &q, strings.TrimSpace(note))
	if err != nil {
		return nil, err
	}
	if empty != "" {
		return Ephemeral(empty), nil
	}
	return EmbedReply(false, []*discordgo.MessageEmbed{embed}, rows...), nil
}

// storyListPage answers a Previous/Next click by replacing the list.
func (c *cmds) storyListPage(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	q, ok := parseListArgs(req.Args)
	if !ok {
		return nil, buttonExpired("/story list")
	}
	embed, rows, empty, err := c.listPage(ctx, req, &q, "")
	if err != nil {
		return nil, err
	}
	if empty != "" {
		return Update(empty, nil), nil
	}
	return Update("", []*discordgo.MessageEmbed{embed}, rows...), nil
}

// maxListText bounds a list page's description (Discord allows 4,096).
const maxListText = 4000

// maxFilter is the most characters of a text filter /story list uses
// (fewer when the page buttons' custom IDs need it, see listQuery.fit).
const maxFilter = 100

// filterShortened is the sentence saying that a filter was shortened from
// what the member typed (the page buttons carry it), or "".
func filterShortened(name, typed, used string) string {
	if typed == used {
		return ""
	}
	return fmt.Sprintf(" I filtered by the first %d characters of the %s you typed.", utf8.RuneCountInString(used), name)
}

// listPage renders page q.Page (clamped to the last page) of the list, or
// returns the sentence to show when nothing matches. note, when not empty,
// is said first (a filter that was shortened).
func (c *cmds) listPage(ctx context.Context, req *Request, q *listQuery, note string) (*discordgo.MessageEmbed, []discordgo.MessageComponent, string, error) {
	query := shelf.ListQuery{Fandom: q.Fandom, Rating: string(q.Rating), Tag: q.Tag, Series: q.Series, Sort: q.Sort,
		Offset: q.Page * storyListPageSize, Limit: storyListPageSize}
	recs, total, err := c.stories.ListStories(ctx, req.GuildID, query)
	if err != nil {
		return nil, nil, "", fmt.Errorf("list stories: %w", err)
	}
	filters := q.describe()
	if total == 0 {
		if filters == "" {
			return nil, nil, "This server's library is empty so far. Add the first story with `/story add`!", nil
		}
		return nil, nil, strings.TrimSpace("No stories in this server's library match " + filters + ". Try fewer filters, or `/story list` on its own. " + note), nil
	}
	pages := (total + storyListPageSize - 1) / storyListPageSize
	if q.Page >= pages {
		q.Page = pages - 1
		query.Offset = q.Page * storyListPageSize
		if recs, total, err = c.stories.ListStories(ctx, req.GuildID, query); err != nil {
			return nil, nil, "", fmt.Errorf("list stories: %w", err)
		}
		pages = max(1, (total+storyListPageSize-1)/storyListPageSize)
	}
	var b strings.Builder
	if filters != "" {
		b.WriteString("Stories matching " + filters + ":")
		if note != "" {
			b.WriteString(" *(" + note + ")*")
		}
		b.WriteString("\n\n")
	}
	// Every story of the page is shown: the page buttons step by
	// storyListPageSize, so one cut off the end would never be seen.
	// Titles, authors and fandoms are clipped harder (with "…") until the
	// page fits.
	entries := func(title, other int) string {
		var e strings.Builder
		for i, rec := range recs {
			s := rec.Story
			fmt.Fprintf(&e, "**%d.** **%s**", q.Page*storyListPageSize+i+1, escapeMarkdown(clip(s.Title, title)))
			if len(s.Authors) > 0 {
				e.WriteString(" by " + escapeMarkdown(clip(strings.Join(s.Authors, ", "), other)))
			}
			fmt.Fprintf(&e, "\n%s · %s words · %s chapters · ❤️ %s", s.Rating, formatInt(s.Words), s.ChapterCount(), formatInt(rec.Kudos))
			if len(s.Fandoms) > 0 {
				e.WriteString(" · " + escapeMarkdown(clip(strings.Join(s.Fandoms, ", "), other)))
			}
			e.WriteString("\n")
		}
		return e.String()
	}
	body := ""
	for _, lim := range [][2]int{{150, 80}, {60, 40}, {30, 20}} {
		body = entries(lim[0], lim[1])
		if utf8.RuneCountInString(b.String()+body) <= maxListText {
			break
		}
	}
	b.WriteString(body)
	embed := &discordgo.MessageEmbed{
		Title:       "The library",
		Description: clip(b.String(), maxListText),
		Color:       colorNeutral,
		Footer: &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("Page %d of %d · %s %s · sorted by %s · /story info for a card",
			q.Page+1, pages, formatInt(total), plural(total, "story", "stories"), q.Sort)},
	}
	var rows []discordgo.MessageComponent
	if pages > 1 {
		prev, next := *q, *q
		prev.Page, next.Page = q.Page-1, q.Page+1
		if prev.Page < 0 {
			prev.Page = pages // unique, and disabled below
		}
		rows = append(rows, Row(
			discordgo.Button{Label: "Previous", Style: discordgo.SecondaryButton, CustomID: prev.customID(), Disabled: q.Page == 0},
			discordgo.Button{Label: "Next", Style: discordgo.SecondaryButton, CustomID: next.customID(), Disabled: q.Page+1 >= pages},
		))
	}
	return embed, rows, "", nil
}

// firstRunes is s cut to at most n runes, without an ellipsis: a filter
// stays a prefix of what was typed.
func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n]))
}

// describe lists q's filters in words, "" when there are none.
func (q listQuery) describe() string {
	var parts []string
	if q.Fandom != "" {
		parts = append(parts, "fandom "+quote(q.Fandom))
	}
	if q.Rating != "" {
		parts = append(parts, "rating "+string(q.Rating))
	}
	if q.Tag != "" {
		parts = append(parts, "tag "+quote(q.Tag))
	}
	if q.Series != "" {
		parts = append(parts, "series "+quote(q.Series))
	}
	return strings.Join(parts, ", ")
}
