package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// /story add with an AO3 series link: the handler reads the series' first
// page (so a series AO3 refuses is said at once), stores a series job with
// its works and answers with the job's progress; the import runner
// (story_series_job.go) adds the works, reads the further pages and edits
// the progress in.

// parseSeriesLink reads an AO3 series link (the configured AO3's too).
func (c *cmds) parseSeriesLink(s string) (int64, bool) {
	if strings.TrimSpace(s) == "" {
		return 0, false
	}
	if c.ao3 != nil {
		return c.ao3.ParseSeriesLink(s)
	}
	return fic.ParseAO3SeriesLink(s)
}

// storyAddSeries is /story add link:<series link>.
func (c *cmds) storyAddSeries(ctx context.Context, req *Request, seriesID int64, withFile bool) (*discordgo.InteractionResponse, error) {
	if withFile {
		return nil, Errorf("A series link adds every work of the series by link, so it can't go with a file. Add the file with its own work's link, or leave the file out to add the series.")
	}
	var given []string
	for _, o := range []string{"title", "author", "rating", "warnings", "fandom", "tags", "mine"} {
		if req.Has(o) {
			given = append(given, "`"+o+"`")
		}
	}
	if len(given) > 0 {
		return nil, Errorf("A series link adds each work with its own details from AO3, so it takes no %s. Leave %s out to add the series; change a work afterwards by adding its own link with the options.",
			strings.Join(given, ", "), plural(len(given), "that option", "those options"))
	}
	if c.ao3 == nil || c.series == nil {
		return nil, Errorf("Looking up AO3 links isn't available right now. Try again later, or upload each work's download (HTML or EPUB).")
	}
	sp, err := c.ao3.SeriesPage(ctx, seriesID, 1)
	if err != nil {
		if transientAO3(err) || ctx.Err() != nil {
			return nil, Sorry(err, "I couldn't read that series from AO3 right now (AO3 is busy or not answering); please try again in a few minutes.")
		}
		var ie *fic.ImportError
		if errors.As(err, &ie) {
			return nil, &UserError{Message: ie.Message, Err: err}
		}
		return nil, fmt.Errorf("AO3 series %d: %w", seriesID, err)
	}
	title := strings.TrimSpace(sp.Title)
	if title == "" {
		title = "Series " + strconv.FormatInt(seriesID, 10)
	}
	works := seriesPageWorks(sp, nil)
	now := c.now()
	j := shelf.SeriesJob{
		UserID: req.UserID, ChannelID: req.ChannelID, SeriesID: seriesID, SeriesTitle: title,
		SeriesURL: c.ao3.SeriesURL(seriesID), Works: works, Pages: 1, LastPage: sp.LastPage,
		Created: now, TokenAt: now,
	}
	j.Listed, j.Truncated = seriesListed(sp, 1, len(works), c.ao3.MaxSeriesPages)
	if req.Interaction != nil {
		j.AppID, j.Token = req.Interaction.AppID, req.Interaction.Token
	}
	if j, err = c.series.CreateSeriesJob(ctx, req.GuildID, j); err != nil {
		return nil, fmt.Errorf("create series job: %w", err)
	}
	c.importsChanged()
	resp := EmbedReply(false, []*discordgo.MessageEmbed{seriesProgressEmbed(j, nil, false)})
	resp.Data.Content = seriesContent(j)
	return resp, nil
}

// seriesContent is the text above a series job's progress.
func seriesContent(j shelf.SeriesJob) string {
	return fmt.Sprintf("📚 <@%s> is adding the AO3 series %s to the library (details only, by link).", j.UserID, storyName(j.SeriesTitle))
}

// seriesPageWorks are the works of a series page not among before (the
// works of the pages read earlier), in the page's order: a blurb without
// a part (a Mystery Work) is the part after the one before it.
func seriesPageWorks(sp *fic.SeriesPage, before []shelf.SeriesJobWork) []shelf.SeriesJobWork {
	seen := map[int64]bool{}
	last := 0
	for _, w := range before {
		if w.Story != nil {
			seen[w.Story.AO3ID] = true
		}
		last = w.Part
	}
	var out []shelf.SeriesJobWork
	for _, w := range sp.Works {
		if w.Work == nil || w.Work.AO3ID <= 0 || seen[w.Work.AO3ID] {
			continue
		}
		seen[w.Work.AO3ID] = true
		part := w.Part
		if part <= 0 {
			part = last + 1
		}
		last = part
		out = append(out, shelf.SeriesJobWork{Part: part, Unrevealed: w.Unrevealed, Story: w.Work})
	}
	return out
}

// seriesListed says whether page (with added new works) was the series'
// last page to read, and whether reading stops early at maxPages.
func seriesListed(sp *fic.SeriesPage, page, added, maxPages int) (listed, truncated bool) {
	if maxPages <= 0 {
		maxPages = 50
	}
	more := added > 0 && (sp.HasNext || sp.LastPage > page)
	if more && page >= maxPages {
		return true, true
	}
	return !more, false
}

// seriesProgressEmbed shows a series job: a bar and counts while it runs;
// once done, what was added and what was already there (works, the job's
// works with their outcomes, may be nil while it runs).
func seriesProgressEmbed(j shelf.SeriesJob, works []shelf.SeriesJobWork, done bool) *discordgo.MessageEmbed {
	var b strings.Builder
	title := "Adding the series " + clip(j.SeriesTitle, 200) + "…"
	color := colorNeutral
	if done {
		title = "Series added: " + clip(j.SeriesTitle, 200)
		color = colorGeneral
	}
	total := j.Total
	if !j.Listed && j.Pages > 0 && j.LastPage > j.Pages {
		total = max(total, total*j.LastPage/j.Pages) // an estimate until every page is read
	}
	fmt.Fprintf(&b, "%s %s/%s works", progressBar(j.Cursor, total), formatInt(j.Cursor), formatInt(j.Total))
	if !j.Listed {
		if j.LastPage > j.Pages {
			fmt.Fprintf(&b, " listed so far (page %d of %d read)", j.Pages, j.LastPage)
		} else {
			b.WriteString(" listed so far")
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Added %s · already there %s", formatInt(j.Added), formatInt(j.Linked))
	if j.Unrevealed > 0 {
		fmt.Fprintf(&b, " · unrevealed %s", formatInt(j.Unrevealed))
	}
	if j.Failed > 0 {
		fmt.Fprintf(&b, " · not added %s", formatInt(j.Failed))
	}
	b.WriteString("\n")
	if !done {
		b.WriteString("\nThis keeps going if the bot restarts; each work is added once, remembered as its part of the series.")
		return &discordgo.MessageEmbed{Title: title, URL: j.SeriesURL, Description: b.String(), Color: color}
	}
	// What each work became, in series order, within the embed's room.
	room := 3200
	section := func(head string, o shelf.SeriesOutcome) {
		var items []string
		for _, w := range works {
			if w.Outcome == o {
				items = append(items, seriesWorkLabel(w))
			}
		}
		if len(items) == 0 {
			return
		}
		line := "\n**" + head + "** (" + formatInt(len(items)) + "): "
		shown := 0
		for i, it := range items {
			sep := ""
			if i > 0 {
				sep = " · "
			}
			if len(line)+len(sep)+len(it) > room/3 {
				break
			}
			line += sep + it
			shown++
		}
		if shown < len(items) {
			line += fmt.Sprintf(" …and %s more", formatInt(len(items)-shown))
		}
		b.WriteString(line + "\n")
	}
	section("Added", shelf.SeriesAdded)
	section("Already there, now linked to the series", shelf.SeriesLinked)
	var unrevealed, failed []string
	for _, w := range works {
		switch w.Outcome {
		case shelf.SeriesUnrevealed:
			unrevealed = append(unrevealed, strconv.Itoa(w.Part))
		case shelf.SeriesFailed:
			failed = append(failed, clip(seriesWorkLabel(w)+": "+w.Failure, 200))
		}
	}
	if len(unrevealed) > 0 {
		fmt.Fprintf(&b, "\n%s %s: Mystery Works of a collection not revealed yet, so there is nothing to add until AO3 reveals them.\n",
			plural(len(unrevealed), "Part", "Parts"), clip(strings.Join(unrevealed, ", "), 300))
	}
	if gaps := unlistedParts(works); len(gaps) > 0 {
		fmt.Fprintf(&b, "\n%s %s: AO3 doesn't show them to visitors (restricted to logged-in users, or deleted), so they weren't added.\n",
			plural(len(gaps), "Part", "Parts"), clip(strings.Join(gaps, ", "), 300))
	}
	if len(failed) > 0 {
		b.WriteString("\nNot added:\n")
		for _, f := range failed[:min(len(failed), 5)] {
			b.WriteString("• " + escapeMarkdown(f) + "\n")
		}
		if len(failed) > 5 {
			fmt.Fprintf(&b, "…and %s more\n", formatInt(len(failed)-5))
		}
	}
	if j.Truncated || j.LastPage > j.Pages {
		fmt.Fprintf(&b, "\nOnly the first %d of the series' %d pages were read: works on later pages weren't added.\n", j.Pages, max(j.LastPage, j.Pages+1))
	}
	fmt.Fprintf(&b, "\nSee them with `/story list series:%d`.", j.SeriesID)
	return &discordgo.MessageEmbed{Title: title, URL: j.SeriesURL, Description: clip(b.String(), 4000), Color: color}
}

// seriesWorkLabel is "Part 3 · Title".
func seriesWorkLabel(w shelf.SeriesJobWork) string {
	t := "AO3 work"
	if w.Story != nil {
		t = w.Story.Title
		if strings.TrimSpace(t) == "" {
			t = "AO3 work " + strconv.FormatInt(w.Story.AO3ID, 10)
		}
	}
	return fmt.Sprintf("Part %d · %s", w.Part, escapeMarkdown(clip(t, 80)))
}

// unlistedParts are the parts below the highest listed that the listing
// lacked: works AO3 hides from visitors.
func unlistedParts(works []shelf.SeriesJobWork) []string {
	have := map[int]bool{}
	top := 0
	for _, w := range works {
		have[w.Part] = true
		top = max(top, w.Part)
	}
	var out []string
	for p := 1; p <= top; p++ {
		if !have[p] {
			out = append(out, strconv.Itoa(p))
		}
	}
	return out
}

// seriesLabels are a story's series as its card shows them: "Part 3 of
// Folded Things", every series it is in (the download's wording when no
// series is known by ID).
func seriesLabels(s fic.Story) []string {
	var out []string
	for _, r := range s.SeriesRefs {
		if strings.TrimSpace(r.Title) != "" {
			out = append(out, r.SeriesLabel())
		}
	}
	if len(out) == 0 {
		for _, x := range s.Series {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}
