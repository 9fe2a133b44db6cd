package commands

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/fic"
	"ficshelf/listimport"
	"ficshelf/shelf"
)

// /readinglist import: the file is read and matched at once, and shown as
// an ephemeral preview whose Import button starts a persisted job (the
// jobs.JobRunner, with the steps of listimport_job.go) that shows its progress in the same
// message.
const (
	routeImportGo     = "rl-imp"  // rl-imp:<job>: start the previewed import
	routeImportCancel = "rl-impx" // rl-impx:<job>: drop it
	// previewExamples is how many titles a preview line names.
	previewExamples = 3
)

func listImportOption() *discordgo.ApplicationCommandOption {
	return &discordgo.ApplicationCommandOption{
		Type:        discordgo.ApplicationCommandOptionSubCommand,
		Name:        "import",
		Description: "Add stories to your list from a file: a Ficshelf export, a saved AO3 page, or AO3 links",
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "A Ficshelf export, a saved AO3 page (Bookmarks, Marked for Later, History…) or a file of AO3 links", Required: true},
		},
	}
}

// registerListImport adds the preview's buttons.
func (c *cmds) registerListImport(r *Router) {
	r.Component(routeImportGo, c.listImportGo)
	r.Component(routeImportCancel, c.listImportCancel)
}

// libraryIndex matches works to a guild's stories: by AO3 work ID, else by
// exact title (folded) and an author in common (a work naming no author
// matches a title only one story has).
type libraryIndex struct {
	byAO3   map[int64]string
	byTitle map[string][]shelf.LibraryKey
}

func newLibraryIndex(keys []shelf.LibraryKey) *libraryIndex {
	ix := &libraryIndex{byAO3: map[int64]string{}, byTitle: map[string][]shelf.LibraryKey{}}
	for _, k := range keys {
		ix.add(k)
	}
	return ix
}

func (ix *libraryIndex) add(k shelf.LibraryKey) {
	if k.AO3ID > 0 {
		ix.byAO3[k.AO3ID] = k.StoryID
	}
	t := shelf.FoldString(k.Title)
	ix.byTitle[t] = append(ix.byTitle[t], k)
}

func (ix *libraryIndex) match(w shelf.ImportWork) string {
	if w.AO3ID > 0 {
		if id, ok := ix.byAO3[w.AO3ID]; ok {
			return id
		}
	}
	cands := ix.byTitle[shelf.FoldString(w.Title)]
	if w.Title == "" || len(cands) == 0 {
		return ""
	}
	if len(w.Authors) == 0 {
		if len(cands) == 1 {
			return cands[0].StoryID
		}
		return ""
	}
	for _, k := range cands {
		if w.AO3ID > 0 && k.AO3ID > 0 && k.AO3ID != w.AO3ID {
			continue // another work of the same title
		}
		for _, a := range k.Authors {
			for _, b := range w.Authors {
				if shelf.FoldString(a) == shelf.FoldString(b) {
					return k.StoryID
				}
			}
		}
	}
	return ""
}

// importEntry is the entry a work makes of the member's current one (cur,
// when exists): the file's status unless it says to-read of an entry
// already further along, the furthest chapter (at most the story's), and
// the file's note unless it has none. It reports what writing it would do.
func importEntry(w shelf.ImportWork, storyID string, cur shelf.ListEntry, exists bool, posted, expected int) (shelf.ListEntry, shelf.ImportOutcome) {
	e := shelf.ListEntry{StoryID: storyID, Status: w.Status, Chapter: w.Chapter, Note: w.Note}
	if e.Status == "" {
		e.Status = shelf.StatusToRead
	}
	if total := chapterTotal(posted, expected); total > 0 && e.Chapter > total {
		e.Chapter = total
	}
	if !exists {
		return e, shelf.ImportAdded
	}
	if w.Status == "" || w.Status == shelf.StatusToRead {
		e.Status = cur.Status
	}
	e.Chapter = max(e.Chapter, cur.Chapter)
	if e.Note == "" {
		e.Note = cur.Note
	}
	if e.Status == cur.Status && e.Chapter == cur.Chapter && e.Note == cur.Note {
		return e, shelf.ImportUnchanged
	}
	return e, shelf.ImportUpdated
}

// workLabel names a work in a preview or report.
func workLabel(w shelf.ImportWork) string {
	switch {
	case w.Title != "":
		return w.Title
	case w.AO3ID > 0:
		return fmt.Sprintf("AO3 work %d", w.AO3ID)
	}
	return "a work without a title"
}

// importPlan is what a preview found.
type importPlan struct {
	add, fetch, update, unchanged, missing []shelf.ImportWork
	jobWorks                               []shelf.ImportWork // add (fetch included) and update, in file order
}

// planImport matches res's works to the library and the member's list.
func (c *cmds) planImport(ctx context.Context, guild, user string, res listimport.Result) (importPlan, error) {
	keys, err := c.imports.LibraryKeys(ctx, guild)
	if err != nil {
		return importPlan{}, fmt.Errorf("library keys: %w", err)
	}
	ix := newLibraryIndex(keys)
	list, err := c.lists.MemberList(ctx, guild, user)
	if err != nil {
		return importPlan{}, fmt.Errorf("member list: %w", err)
	}
	entries := make(map[string]shelf.ListEntry, len(list))
	for _, e := range list {
		entries[e.StoryID] = e
	}
	var p importPlan
	for _, lw := range res.Works {
		w := shelf.ImportWork{AO3ID: lw.AO3ID, Title: lw.Title, Authors: lw.Authors, Status: lw.Status, Chapter: lw.Chapter, Note: lw.Note}
		id := ix.match(w)
		switch {
		case id == "" && w.AO3ID > 0:
			p.add = append(p.add, w)
			p.fetch = append(p.fetch, w)
			p.jobWorks = append(p.jobWorks, w)
			continue
		case id == "":
			p.missing = append(p.missing, w)
			continue
		}
		cur, exists := entries[id]
		posted, expected := cur.ChaptersPosted, cur.ChaptersExpected
		if !exists {
			posted, expected = 0, 0 // clamped when the job writes it
		}
		_, outcome := importEntry(w, id, cur, exists, posted, expected)
		switch outcome {
		case shelf.ImportAdded:
			p.add = append(p.add, w)
		case shelf.ImportUpdated:
			p.update = append(p.update, w)
		default:
			p.unchanged = append(p.unchanged, w)
			continue
		}
		p.jobWorks = append(p.jobWorks, w)
	}
	return p, nil
}

// listImport is /readinglist import: reads the file, matches its works and
// answers with a preview and its Import and Cancel buttons.
func (c *cmds) listImport(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	att := req.Attachment("file")
	if att == nil {
		return nil, Errorf("Attach the file to import as `file`.")
	}
	if att.Size > listimport.MaxFileSize {
		return nil, Errorf("%s is %s, over the 20 MiB I can import.", quote(att.Filename), sizeText(int64(att.Size)))
	}
	data, err := c.discord.FetchAttachment(ctx, att.URL, listimport.MaxFileSize)
	switch {
	case errors.Is(err, bot.ErrForbiddenHost):
		return nil, Sorry(err, "I only download files uploaded to Discord itself. Attach the file to the command.")
	case errors.Is(err, bot.ErrTooLarge):
		return nil, Sorry(err, fmt.Sprintf("%s is over the 20 MiB I can import.", quote(att.Filename)))
	case err != nil && ctx.Err() != nil:
		return nil, Sorry(err, "Downloading that file took too long. Please try again.")
	case err != nil:
		c.log.Warn("list import: attachment download failed", "file", att.Filename, "err", err)
		return nil, Sorry(err, "I couldn't download that file from Discord. Please try again in a moment.")
	}
	res, err := listimport.Parse(att.Filename, data, c.ao3Hosts()...)
	if err != nil {
		var ie *fic.ImportError
		if errors.As(err, &ie) {
			return nil, &UserError{Message: ie.Message, Err: err}
		}
		return nil, fmt.Errorf("parse %q: %w", att.Filename, err)
	}
	plan, err := c.planImport(ctx, req.GuildID, req.UserID, res)
	if err != nil {
		return nil, err
	}
	embed := previewEmbed(res, plan)
	if len(plan.jobWorks) == 0 {
		embed.Title = "Nothing to import"
		embed.Description += "\n\nYour list already has everything this file can add."
		return EmbedReply(true, []*discordgo.MessageEmbed{embed}), nil
	}
	j := shelf.ImportJob{
		UserID: req.UserID, ChannelID: req.ChannelID, Format: string(res.Format), Works: plan.jobWorks,
		Unchanged: len(plan.unchanged), Failed: len(plan.missing), Created: c.now(),
	}
	for _, w := range plan.missing[:min(len(plan.missing), shelf.MaxImportFailures)] {
		j.Failures = append(j.Failures, workLabel(w)+" (not in this server's library)")
	}
	j, err = c.imports.CreateImportJob(ctx, req.GuildID, j)
	if err != nil {
		return nil, fmt.Errorf("create import job: %w", err)
	}
	return EmbedReply(true, []*discordgo.MessageEmbed{embed}, Row(
		Button(fmt.Sprintf("Import %d", len(plan.jobWorks)), discordgo.PrimaryButton, routeImportGo, j.ID),
		Button("Cancel", discordgo.SecondaryButton, routeImportCancel, j.ID),
	)), nil
}

// ao3Hosts is the configured AO3 host, when it is not AO3 itself (a
// mirror, or the fake AO3 of the tests), for reading links.
func (c *cmds) ao3Hosts() []string {
	if c.ao3 == nil {
		return nil
	}
	u, err := url.Parse(c.ao3.WorkURL(1))
	if err != nil || u.Host == "" || u.Hostname() == "archiveofourown.org" {
		return nil
	}
	return []string{u.Host}
}

// titlesLine is "n: a, b, c and 4 more".
func titlesLine(ws []shelf.ImportWork) string {
	var names []string
	for _, w := range ws[:min(len(ws), previewExamples)] {
		names = append(names, "*"+clip(escapeMarkdown(workLabel(w)), 80)+"*")
	}
	s := strings.Join(names, ", ")
	if more := len(ws) - len(names); more > 0 {
		s += fmt.Sprintf(" and %s more", formatInt(more))
	}
	return s
}

// previewEmbed describes a plan: what will be added, updated and skipped,
// with the first titles of each, and what the file left out and why.
func previewEmbed(res listimport.Result, p importPlan) *discordgo.MessageEmbed {
	var b strings.Builder
	fmt.Fprintf(&b, "From %s: %s.\n", res.Format.Describe(), worksWord(len(res.Works)))
	if len(p.add) > 0 {
		fmt.Fprintf(&b, "\n**To add** (%s): %s\n", formatInt(len(p.add)), titlesLine(p.add))
		if len(p.fetch) > 0 {
			fmt.Fprintf(&b, "↳ %s not in this server's library yet: I'll add %s from AO3 by link (details only), at AO3's pace.\n",
				worksWord(len(p.fetch)), map[bool]string{true: "it", false: "them"}[len(p.fetch) == 1])
		}
	}
	if len(p.update) > 0 {
		fmt.Fprintf(&b, "\n**To update** (%s): %s\n", formatInt(len(p.update)), titlesLine(p.update))
	}
	if n := len(p.unchanged) + len(p.missing); n > 0 {
		fmt.Fprintf(&b, "\n**To skip** (%s):\n", formatInt(n))
		if len(p.unchanged) > 0 {
			fmt.Fprintf(&b, "• already on your list as the file says (%s): %s\n", formatInt(len(p.unchanged)), titlesLine(p.unchanged))
		}
		if len(p.missing) > 0 {
			fmt.Fprintf(&b, "• not in this server's library, and no AO3 link to add them by (%s): %s\n", formatInt(len(p.missing)), titlesLine(p.missing))
		}
	}
	if len(res.Skipped) > 0 {
		b.WriteString("\n**Left out of the file**: ")
		var parts []string
		for _, t := range res.Skipped {
			parts = append(parts, t.Reason.Describe(t.Count))
		}
		b.WriteString(strings.Join(parts, "; ") + ".\n")
		for _, t := range res.Skipped {
			if t.Reason == listimport.ReasonOverLimit {
				fmt.Fprintf(&b, "Limit applied: one import takes the first %s works of a file.\n", formatInt(listimport.MaxWorks))
			}
		}
	}
	if len(res.Adjusted) > 0 {
		var parts []string
		for _, t := range res.Adjusted {
			parts = append(parts, t.Reason.Describe(t.Count))
		}
		b.WriteString("\n**Changed while reading**: " + strings.Join(parts, "; ") + ".\n")
	}
	return &discordgo.MessageEmbed{
		Title:       "Import preview",
		Description: b.String(),
		Color:       colorNeutral,
		Footer:      &discordgo.MessageEmbedFooter{Text: "Nothing changes until you press Import. An entry already further along keeps its status and chapter."},
	}
}

func worksWord(n int) string {
	if n == 1 {
		return "1 work"
	}
	return formatInt(n) + " works"
}

// listImportGo is the preview's Import button: the job starts, and this
// message becomes its progress.
func (c *cmds) listImportGo(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) != 1 {
		return nil, buttonExpired("/readinglist import")
	}
	j, err := c.imports.StartImportJob(ctx, req.GuildID, req.Args[0], req.UserID, req.Interaction.AppID, req.Interaction.Token, c.now())
	switch {
	case errors.Is(err, shelf.ErrNotFound):
		return nil, c.importMissing(ctx, req, "")
	case errors.Is(err, shelf.ErrImportState) && j.State == shelf.ImportCancelled:
		return nil, Errorf("That import was cancelled (or replaced by a newer preview). Run `/readinglist import` again to start over.")
	case errors.Is(err, shelf.ErrImportState):
		return nil, Errorf("That import has already started; its progress shows in this message.")
	case err != nil:
		return nil, fmt.Errorf("start import: %w", err)
	}
	c.importsChanged()
	return Update("", []*discordgo.MessageEmbed{importProgressEmbed(j, false)}), nil
}

// listImportCancel is the preview's Cancel button.
func (c *cmds) listImportCancel(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) != 1 {
		return nil, buttonExpired("/readinglist import")
	}
	err := c.imports.CancelImportJob(ctx, req.GuildID, req.Args[0], req.UserID, c.now())
	switch {
	case errors.Is(err, shelf.ErrNotFound):
		return nil, c.importMissing(ctx, req, " Nothing was changed.")
	case errors.Is(err, shelf.ErrImportState):
		return nil, Errorf("That import has already started, so it can't be cancelled; its progress shows in this message.")
	case err != nil:
		return nil, fmt.Errorf("cancel import: %w", err)
	}
	return Update("Import cancelled: nothing was changed.", nil), nil
}

// importMissing is the answer to a preview's button whose job the store
// refused as not found: another member's job, or one gone (a preview
// nobody confirmed, or a cancelled one, is pruned after
// shelf.DefaultJobRetention). after ends the expired sentence.
func (c *cmds) importMissing(ctx context.Context, req *Request, after string) error {
	j, err := c.imports.ImportJob(ctx, req.GuildID, req.Args[0])
	switch {
	case err == nil && j.UserID != req.UserID:
		return Errorf("That import isn't yours. Start your own with `/readinglist import`.")
	case err == nil || errors.Is(err, shelf.ErrNotFound):
		return Errorf("That import preview has expired — run `/readinglist import` again.%s", after)
	}
	return Sorry(err, "That import isn't yours, or its preview has expired — run `/readinglist import` again.")
}

// importProgressEmbed shows a job: a bar and counts while it runs, the
// outcome once done.
func importProgressEmbed(j shelf.ImportJob, done bool) *discordgo.MessageEmbed {
	var b strings.Builder
	title := "Importing your reading list…"
	color := colorNeutral
	if done {
		title = "Import finished"
		color = colorGeneral
	}
	fmt.Fprintf(&b, "%s %s/%s\n", progressBar(j.Cursor, j.Total), formatInt(j.Cursor), formatInt(j.Total))
	fmt.Fprintf(&b, "Added %s · updated %s", formatInt(j.Added), formatInt(j.Updated))
	if j.Unchanged > 0 {
		fmt.Fprintf(&b, " · already there %s", formatInt(j.Unchanged))
	}
	if j.Failed > 0 {
		fmt.Fprintf(&b, " · not imported %s", formatInt(j.Failed))
	}
	b.WriteString("\n")
	if j.StoriesAdded > 0 {
		fmt.Fprintf(&b, "New to the library (from AO3): %s\n", formatInt(j.StoriesAdded))
	}
	if done && len(j.Failures) > 0 {
		b.WriteString("\nNot imported:\n")
		for _, f := range j.Failures {
			b.WriteString("• " + clip(escapeMarkdown(f), 200) + "\n")
		}
		if more := j.Failed - len(j.Failures); more > 0 {
			fmt.Fprintf(&b, "…and %s more\n", formatInt(more))
		}
	}
	if done {
		b.WriteString("\nSee your list with `/readinglist show`.")
	} else {
		b.WriteString("\nThis keeps going if the bot restarts; I'll tell you when it's done.")
	}
	return &discordgo.MessageEmbed{Title: title, Description: b.String(), Color: color}
}

// withAO3IDs adds each entry's AO3 work ID for /readinglist export.
func (c *cmds) withAO3IDs(ctx context.Context, guild string, entries []shelf.ListEntry) ([]ExportEntry, error) {
	out := make([]ExportEntry, len(entries))
	ids := map[string]int64{}
	if len(entries) > 0 {
		keys, err := c.imports.LibraryKeys(ctx, guild)
		if err != nil {
			return nil, fmt.Errorf("library keys: %w", err)
		}
		for _, k := range keys {
			if k.AO3ID > 0 {
				ids[k.StoryID] = k.AO3ID
			}
		}
	}
	for i, e := range entries {
		out[i] = ExportEntry{ListEntry: e, AO3ID: ids[e.StoryID]}
	}
	return out, nil
}
