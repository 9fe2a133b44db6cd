package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/fic"
	"ficshelf/shelf"
)

// Routes of the /story family.
const (
	// routeStoryList pages /story list: "sl1:<page>:<sort>:<rating>:<fandom>:<tag>"
	// (see listQuery.customID for the encoding).
	routeStoryList = "sl1"
	// routeStoryRemove confirms /story remove: "sr-yes:<story>:<requester>";
	// routeStoryKeep cancels it: "sr-no:<story>:<requester>".
	routeStoryRemove = "sr-yes"
	routeStoryKeep   = "sr-no"
)

// storyListPageSize is how many stories one page of /story list shows.
const storyListPageSize = 10

// registerStory adds /story (add, info, list, remove), the list's page
// buttons and the removal confirmation buttons.
func (c *cmds) registerStory(r *Router) {
	str := func(name, desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionString, Name: name, Description: desc}
	}
	ratingOpt := func(desc string) *discordgo.ApplicationCommandOption {
		o := str("rating", desc)
		for _, rt := range fic.Ratings {
			o.Choices = append(o.Choices, &discordgo.ApplicationCommandOptionChoice{Name: string(rt), Value: string(rt)})
		}
		return o
	}
	sortOpt := str("sort", "Order of the list (default: newest first)")
	sortOpt.Choices = []*discordgo.ApplicationCommandOptionChoice{
		{Name: "newest", Value: string(shelf.SortNewest)},
		{Name: "kudos", Value: string(shelf.SortKudos)},
		{Name: "title", Value: string(shelf.SortTitle)},
		{Name: "words", Value: string(shelf.SortWords)},
	}
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "story",
			Description: "The server's library: add stories, look them up, browse, remove",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "add",
					Description: "Add a story: upload a file (text, AO3 HTML or EPUB) or give an AO3 link",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionAttachment, Name: "file", Description: "The story as plain text (.txt, .md), an AO3 HTML download or an AO3 EPUB download"},
						str("link", "An AO3 work link (details only; upload a file for excerpts)"),
						str("title", "Use this title instead of the file's"),
						str("author", "Use these authors instead of the file's (comma-separated)"),
						ratingOpt("Use this rating instead of the file's"),
						str("warnings", "Use these archive warnings instead of the file's (comma-separated)"),
						str("fandom", "Use these fandoms instead of the file's (comma-separated)"),
						str("tags", "Use these additional tags instead of the file's (comma-separated)"),
						{Type: discordgo.ApplicationCommandOptionBoolean, Name: "mine", Description: "I wrote this story"},
					},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "info",
					Description: "Show a story's card: tags, summary, words, kudos, readers",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story", true)},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "list",
					Description: "Browse the library, 10 stories per page",
					Options: []*discordgo.ApplicationCommandOption{
						str("fandom", "Only stories whose fandom contains this"),
						ratingOpt("Only stories with this rating"),
						str("tag", "Only stories with a tag, relationship or character containing this"),
						sortOpt,
					},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "remove",
					Description: "Remove a story you added (moderators: any story)",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story to remove", true)},
				},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"add":    c.storyAdd,
			"info":   c.storyInfo,
			"list":   c.storyList,
			"remove": c.storyRemove,
		},
		Autocomplete:  c.autocompleteStories,
		EphemeralSubs: map[string]bool{"remove": true},
	})
	r.Component(routeStoryList, c.storyListPage)
	r.Component(routeStoryRemove, c.storyRemoveConfirm)
	r.Component(routeStoryKeep, c.storyRemoveCancel)
}

// ---- /story add ----

// addOptions are /story add's options that override what the file or the
// link says. Empty fields (nil lists) leave the imported value alone.
type addOptions struct {
	Title    string
	Authors  []string
	Rating   fic.Rating
	Warnings []string
	Fandoms  []string
	Tags     []string
	Mine     bool
}

// parseAddOptions reads /story add's override options. A rating outside
// the five is a UserError (Discord offers only the five choices).
func parseAddOptions(req *Request) (addOptions, error) {
	o := addOptions{
		Title:    clip(strings.Join(strings.Fields(req.String("title")), " "), 200),
		Authors:  splitList(req.String("author")),
		Warnings: splitList(req.String("warnings")),
		Fandoms:  splitList(req.String("fandom")),
		Tags:     splitList(req.String("tags")),
	}
	o.Mine, _ = req.Bool("mine")
	if s := req.String("rating"); s != "" {
		r, ok := fic.ParseRating(s)
		if !ok {
			return o, Errorf("%s isn't an AO3 rating: pick General Audiences, Teen And Up Audiences, Mature, Explicit or Not Rated.", quote(s))
		}
		o.Rating = r
	}
	for i, w := range o.Warnings {
		o.Warnings[i] = fic.NormalizeWarning(w)
	}
	return o, nil
}

// splitList splits a comma-separated option into trimmed, non-empty,
// distinct items (at most 50, each at most 150 characters).
func splitList(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = clip(strings.Join(strings.Fields(part), " "), 150)
		if part == "" || seen[strings.ToLower(part)] {
			continue
		}
		seen[strings.ToLower(part)] = true
		out = append(out, part)
		if len(out) == 50 {
			break
		}
	}
	return out
}

// apply overrides st's fields with the options given.
func (o addOptions) apply(st *fic.Story) {
	if o.Title != "" {
		st.Title = o.Title
	}
	if o.Authors != nil {
		st.Authors = o.Authors
	}
	if o.Rating != "" {
		st.Rating = o.Rating
	}
	if o.Warnings != nil {
		st.Warnings = o.Warnings
	}
	if o.Fandoms != nil {
		st.Fandoms = o.Fandoms
	}
	if o.Tags != nil {
		st.Tags = o.Tags
	}
}

// fillMissing copies into st the metadata from other that st lacks: the
// file's text keeps its own details and gains the link's (or the existing
// entry's) where it has none.
func fillMissing(st, other *fic.Story) {
	if other == nil {
		return
	}
	str := func(dst *string, src string) {
		if strings.TrimSpace(*dst) == "" {
			*dst = src
		}
	}
	list := func(dst *[]string, src []string) {
		if len(*dst) == 0 && len(src) > 0 {
			*dst = append([]string(nil), src...)
		}
	}
	if st.Title == "" || st.Title == "Untitled" {
		st.Title = other.Title
	}
	list(&st.Authors, other.Authors)
	list(&st.Fandoms, other.Fandoms)
	if st.Rating == "" || st.Rating == fic.RatingNotRated {
		st.Rating = other.Rating
	}
	list(&st.Warnings, other.Warnings)
	list(&st.Categories, other.Categories)
	list(&st.Relationships, other.Relationships)
	list(&st.Characters, other.Characters)
	list(&st.Tags, other.Tags)
	str(&st.Language, other.Language)
	list(&st.Series, other.Series)
	str(&st.Summary, other.Summary)
	str(&st.Notes, other.Notes)
	str(&st.EndNotes, other.EndNotes)
	if st.ChaptersExpected == 0 {
		st.ChaptersExpected = other.ChaptersExpected
	}
	if st.Kudos == 0 {
		st.Kudos = other.Kudos
	}
	if st.Hits == 0 {
		st.Hits = other.Hits
	}
	if st.Published.IsZero() {
		st.Published = other.Published
	}
	if st.Updated.IsZero() {
		st.Updated = other.Updated
	}
	if st.AO3ID == 0 {
		st.AO3ID = other.AO3ID
	}
	str(&st.AO3URL, other.AO3URL)
}

// storyAdd is /story add.
func (c *cmds) storyAdd(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	opts, err := parseAddOptions(req)
	if err != nil {
		return nil, err
	}
	att := req.Attachment("file")
	link := req.String("link")
	if att == nil && link == "" {
		return nil, Errorf("Give me the story to add: upload it with `file:` (plain text, an AO3 HTML download or an AO3 EPUB download) or paste an AO3 work link in `link:`.")
	}
	var workID int64
	if link != "" {
		id, ok := c.parseAO3Link(link)
		if !ok {
			return nil, Errorf("%s isn't a link to an AO3 work: use a link like https://archiveofourown.org/works/12345.", quote(link))
		}
		workID = id
	}

	var st *fic.Story
	var chapters []shelf.NewChapter
	if att != nil {
		if st, err = c.importAttachment(ctx, att); err != nil {
			return nil, err
		}
		if workID != 0 {
			if st.AO3ID != 0 && st.AO3ID != workID {
				return nil, Errorf("That file is AO3 work %d, but the link is to work %d. Give me the link that matches the file, or leave the link out.", st.AO3ID, workID)
			}
			meta, err := c.fetchWork(ctx, workID)
			if err != nil {
				// The file is the story; the link only adds details.
				c.log.Info("story add: AO3 details unavailable, keeping the file's", "work", workID, "err", err)
				meta = &fic.Story{AO3ID: workID}
				if c.ao3 != nil {
					meta.AO3URL = c.ao3.WorkURL(workID)
				}
			}
			fillMissing(st, meta)
		}
		opts.apply(st)
		if chapters, err = IndexChapters(st); err != nil {
			return nil, fmt.Errorf("index %q: %w", att.Filename, err)
		}
	} else {
		existing, err := c.stories.StoryByAO3(ctx, req.GuildID, workID)
		switch {
		case err == nil:
			// Re-adding by link: fresh details from AO3 for the existing
			// entry (checked for permission below).
			if !c.mayUpdate(ctx, req, existing) {
				return c.alreadyThere(existing), nil
			}
		case !errors.Is(err, shelf.ErrNotFound):
			return nil, fmt.Errorf("look up AO3 work %d: %w", workID, err)
		}
		if st, err = c.fetchWork(ctx, workID); err != nil {
			return nil, err
		}
		opts.apply(st)
	}
	st.Title = strings.TrimSpace(st.Title)
	if st.Title == "" {
		st.Title = "Untitled"
	}

	if st.AO3ID > 0 {
		existing, err := c.stories.StoryByAO3(ctx, req.GuildID, st.AO3ID)
		if err == nil {
			return c.updateExisting(ctx, req, existing, st, chapters)
		}
		if !errors.Is(err, shelf.ErrNotFound) {
			return nil, fmt.Errorf("look up AO3 work %d: %w", st.AO3ID, err)
		}
	}
	rec, existed, err := c.addNew(ctx, req, st, chapters, opts.Mine)
	if err != nil {
		return nil, err
	}
	if existed { // added by someone else a moment ago
		return c.updateExisting(ctx, req, rec, st, chapters)
	}
	card, err := c.card(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("📚 <@%s> added %s to the library.", req.UserID, storyName(rec.Story.Title))
	if len(rec.Chapters) == 0 {
		msg += " (Details only, from AO3: upload the work's download to post excerpts from it.)"
	}
	resp := EmbedReply(false, []*discordgo.MessageEmbed{card}, cardButtons(rec)...)
	resp.Data.Content = msg
	return resp, nil
}

// mayUpdate reports whether the member may update an existing entry: the
// member who added it or a moderator (Manage Messages).
func (c *cmds) mayUpdate(ctx context.Context, req *Request, rec shelf.StoryRecord) bool {
	return rec.AddedBy == req.UserID || req.Can(discordgo.PermissionManageMessages)
}

// alreadyThere points a member who may not update an entry to it.
func (c *cmds) alreadyThere(rec shelf.StoryRecord) *discordgo.InteractionResponse {
	by := ""
	if rec.AddedBy != "" {
		by = fmt.Sprintf(" (added by <@%s>)", rec.AddedBy)
	}
	return Ephemeral(fmt.Sprintf("This server's library already has %s%s. See it with `/story info story:%s`. Only the member who added it or a moderator can update it.",
		storyName(rec.Story.Title), by, rec.ID))
}

// updateExisting re-imports an AO3 work the server has: new metadata and,
// when a file was given, new chapters. A link alone keeps the stored text.
func (c *cmds) updateExisting(ctx context.Context, req *Request, existing shelf.StoryRecord, st *fic.Story, chapters []shelf.NewChapter) (*discordgo.InteractionResponse, error) {
	if !c.mayUpdate(ctx, req, existing) {
		return c.alreadyThere(existing), nil
	}
	if chapters == nil && len(existing.Chapters) > 0 {
		// By link: details only; keep the chapters (text) already stored.
		kept, err := c.storedChapters(ctx, existing)
		if err != nil {
			return nil, err
		}
		chapters = kept
		if st.ChaptersPosted < len(kept) {
			st.ChaptersPosted = len(kept)
		}
		st.Words = max(st.Words, existing.Story.Words)
	}
	old := existing.Story
	fillMissing(st, &old)
	rec, err := c.stories.UpdateStory(ctx, req.GuildID, existing.ID, st, chapters, c.now())
	if err := storeError(err, actStoryUpdate, facts{}); isUserError(err) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("update story %s: %w", existing.ID, err)
	}
	c.clubsChanged() // clubs reading it may have new checkpoints
	card, err := c.card(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("🔄 <@%s> updated %s: %s chapters", req.UserID, storyName(rec.Story.Title), rec.Story.ChapterCount())
	if n, was := len(rec.Chapters), len(existing.Chapters); n != was {
		msg += fmt.Sprintf(" (%d with text, was %d)", n, was)
	}
	msg += "."
	resp := EmbedReply(false, []*discordgo.MessageEmbed{card}, cardButtons(rec)...)
	resp.Data.Content = msg
	return resp, nil
}

// storedChapters reads every stored chapter of rec back as NewChapters,
// sentence indexes included.
func (c *cmds) storedChapters(ctx context.Context, rec shelf.StoryRecord) ([]shelf.NewChapter, error) {
	out := make([]shelf.NewChapter, 0, len(rec.Chapters))
	for n := 1; n <= len(rec.Chapters); n++ {
		ch, err := c.chapters.Chapter(ctx, rec.GuildID, rec.ID, n)
		if err != nil {
			return nil, fmt.Errorf("read chapter %d of story %s: %w", n, rec.ID, err)
		}
		out = append(out, shelf.NewChapter{Chapter: ch.Chapter, Sentences: ch.Sentences})
	}
	return out, nil
}

// importAttachment downloads and imports an uploaded file. Every failure a
// member can act on is a UserError.
func (c *cmds) importAttachment(ctx context.Context, att *discordgo.MessageAttachment) (*fic.Story, error) {
	if att.Size > fic.MaxFileSize {
		return nil, Errorf("%s is %s, over the 20 MiB I can import. Upload a smaller file (an AO3 EPUB download is usually the smallest).", quote(att.Filename), sizeText(int64(att.Size)))
	}
	data, err := c.discord.FetchAttachment(ctx, att.URL, fic.MaxFileSize)
	switch {
	case errors.Is(err, bot.ErrForbiddenHost):
		return nil, Sorry(err, "I only download files uploaded to Discord itself. Upload the story as an attachment to the command.")
	case errors.Is(err, bot.ErrTooLarge):
		return nil, Sorry(err, fmt.Sprintf("%s is over the 20 MiB I can import. Upload a smaller file (an AO3 EPUB download is usually the smallest).", quote(att.Filename)))
	case err != nil && ctx.Err() != nil:
		return nil, Sorry(err, "Downloading that file took too long. Please try again.")
	case err != nil:
		c.log.Warn("story add: attachment download failed", "file", att.Filename, "err", err)
		return nil, Sorry(err, "I couldn't download that file from Discord. Please try again in a moment.")
	}
	st, err := fic.Import(att.Filename, data)
	if err != nil {
		var ie *fic.ImportError
		if errors.As(err, &ie) {
			return nil, &UserError{Message: ie.Message, Err: err}
		}
		return nil, fmt.Errorf("import %q: %w", att.Filename, err)
	}
	return st, nil
}

// sizeText is a file size for people: "21.3 MiB", "512 KiB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// card is rec's story card as it may be shown in the request's channel:
// an adult story's summary is hidden outside age-restricted channels, or
// spoilered when the server chose that.
func (c *cmds) card(ctx context.Context, req *Request, rec shelf.StoryRecord) (*discordgo.MessageEmbed, error) {
	p, err := c.placement(ctx, req, rec.Story.Rating)
	if err != nil {
		// Unsure where we are: show the card, keep an adult summary hidden.
		c.log.Warn("story card: channel placement unknown; hiding an adult summary", "channel", req.ChannelID, "err", err)
		p = showNothing
	}
	return storyCard(rec, cardOptions{HideSummary: p == showNothing, SpoilerSummary: p == showSpoilered}), nil
}

// ---- /story info ----

func (c *cmds) storyInfo(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	card, err := c.card(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	return EmbedReply(false, []*discordgo.MessageEmbed{card}, cardButtons(rec)...), nil
}

// ---- /story list ----

// listQuery is /story list's filters and page, carried by its buttons.
type listQuery struct {
	Page   int
	Sort   shelf.Sort
	Rating fic.Rating // "" for any
	Fandom string
	Tag    string
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
		f, t := []rune(probe.Fandom), []rune(probe.Tag)
		if len(f) >= len(t) {
			probe.Fandom = strings.TrimSpace(string(f[:len(f)-1]))
		} else {
			probe.Tag = strings.TrimSpace(string(t[:len(t)-1]))
		}
	}
	q.Fandom, q.Tag = probe.Fandom, probe.Tag
}

// customID encodes q as "sl1:<page>:<sort>:<rating>:<fandom>:<tag>": sort
// and rating as one letter each ("-" for any rating), the text filters
// with '%' and ':' percent-escaped (escapeArg).
func (q listQuery) customID() string {
	r := "-"
	if q.Rating != "" {
		r = ratingCodes[q.Rating]
	}
	s := sortCodes[q.Sort]
	if s == "" {
		s = "n"
	}
	return CustomID(routeStoryList, strconv.Itoa(q.Page), s, r, escapeArg(q.Fandom), escapeArg(q.Tag))
}

// parseListArgs decodes a page button's arguments (see customID).
func parseListArgs(args []string) (listQuery, bool) {
	if len(args) != 5 {
		return listQuery{}, false
	}
	page, err := strconv.Atoi(args[0])
	if err != nil || page < 0 {
		return listQuery{}, false
	}
	q := listQuery{Page: page, Fandom: unescapeArg(args[3]), Tag: unescapeArg(args[4])}
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
	q := listQuery{
		Sort:   shelf.Sort(req.String("sort")),
		Fandom: firstRunes(strings.Join(strings.Fields(req.String("fandom")), " "), 100),
		Tag:    firstRunes(strings.Join(strings.Fields(req.String("tag")), " "), 100),
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
	embed, rows, empty, err := c.listPage(ctx, req, &q)
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
	embed, rows, empty, err := c.listPage(ctx, req, &q)
	if err != nil {
		return nil, err
	}
	if empty != "" {
		return Update(empty, nil), nil
	}
	return Update("", []*discordgo.MessageEmbed{embed}, rows...), nil
}

// listPage renders page q.Page (clamped to the last page) of the list, or
// returns the sentence to show when nothing matches.
func (c *cmds) listPage(ctx context.Context, req *Request, q *listQuery) (*discordgo.MessageEmbed, []discordgo.MessageComponent, string, error) {
	query := shelf.ListQuery{Fandom: q.Fandom, Rating: string(q.Rating), Tag: q.Tag, Sort: q.Sort,
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
		return nil, nil, "No stories in this server's library match " + filters + ". Try fewer filters, or `/story list` on its own.", nil
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
		b.WriteString("Stories matching " + filters + ":\n\n")
	}
	for i, rec := range recs {
		s := rec.Story
		fmt.Fprintf(&b, "**%d.** %s", q.Page*storyListPageSize+i+1, storyName(s.Title))
		if len(s.Authors) > 0 {
			b.WriteString(" by " + escapeMarkdown(clip(strings.Join(s.Authors, ", "), 80)))
		}
		fmt.Fprintf(&b, "\n%s · %s words · %s chapters · ❤️ %s", s.Rating, formatInt(s.Words), s.ChapterCount(), formatInt(rec.Kudos))
		if len(s.Fandoms) > 0 {
			b.WriteString(" · " + escapeMarkdown(clip(strings.Join(s.Fandoms, ", "), 80)))
		}
		b.WriteString("\n")
	}
	embed := &discordgo.MessageEmbed{
		Title:       "The library",
		Description: clip(b.String(), 4000),
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
	return strings.Join(parts, ", ")
}

// ---- /story remove ----

func (c *cmds) storyRemove(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	if !c.mayUpdate(ctx, req, rec) {
		return nil, Errorf("Only the member who added %s (<@%s>) or a moderator can remove it.", storyName(rec.Story.Title), rec.AddedBy)
	}
	msg := fmt.Sprintf("Remove %s from the library? Its %s, %s on reading lists and excerpt history go with it. This can't be undone.",
		storyName(rec.Story.Title), kudosWord(rec.Kudos), countOf(rec.Readers, "entry", "entries"))
	resp := Ephemeral(msg)
	resp.Data.Components = []discordgo.MessageComponent{Row(
		Button("Remove it", discordgo.DangerButton, routeStoryRemove, rec.ID, req.UserID),
		Button("Cancel", discordgo.SecondaryButton, routeStoryKeep, rec.ID, req.UserID),
	)}
	return resp, nil
}

// removeArgs reads "<story>:<requester>" and checks the clicker asked.
func removeArgs(req *Request) (story string, err error) {
	if len(req.Args) != 2 {
		return "", buttonExpired("/story remove")
	}
	if req.Args[1] != req.UserID {
		return "", Errorf("This confirmation belongs to the member who asked to remove the story; run `/story remove` yourself if you mean to.")
	}
	return req.Args[0], nil
}

func (c *cmds) storyRemoveConfirm(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	id, err := removeArgs(req)
	if err != nil {
		return nil, err
	}
	rec, err := c.stories.Story(ctx, req.GuildID, id)
	if errors.Is(err, shelf.ErrNotFound) || errors.Is(err, shelf.ErrInvalidID) {
		return Update("That story is already gone from the library; nothing more to do.", nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("story %s: %w", id, err)
	}
	if !c.mayUpdate(ctx, req, rec) {
		return Update(fmt.Sprintf("Only the member who added %s or a moderator can remove it; nothing changed.", storyName(rec.Story.Title)), nil), nil
	}
	err = c.stories.RemoveStory(ctx, req.GuildID, id)
	if errors.Is(err, shelf.ErrNotFound) {
		return Update("That story is already gone from the library; nothing more to do.", nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("remove story %s: %w", id, err)
	}
	c.log.Info("story removed", "guild", req.GuildID, "story", id, "by", req.UserID)
	return Update(fmt.Sprintf("Removed %s from the library, with its kudos and reading-list entries.", storyName(rec.Story.Title)), nil), nil
}

func (c *cmds) storyRemoveCancel(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	id, err := removeArgs(req)
	if err != nil {
		return nil, err
	}
	title := "The story"
	if rec, err := c.stories.Story(ctx, req.GuildID, id); err == nil {
		title = storyName(rec.Story.Title)
	}
	return Update(fmt.Sprintf("Nothing changed: %s stays in the library.", title), nil), nil
}

// ---- by link (also used by the reading list's message command) ----

// addByLink imports AO3 work workID into the request's server by link
// (metadata only, through the AO3 client), added by the requesting member,
// or returns the server's existing entry for that work with existed true.
// Failures a member can act on (AO3 busy, no such work, restricted work,
// lookups not configured) are *UserError sentences.
func (c *cmds) addByLink(ctx context.Context, req *Request, workID int64) (shelf.StoryRecord, bool, error) {
	if rec, err := c.stories.StoryByAO3(ctx, req.GuildID, workID); err == nil {
		return rec, true, nil
	} else if !errors.Is(err, shelf.ErrNotFound) {
		return shelf.StoryRecord{}, false, fmt.Errorf("look up AO3 work %d: %w", workID, err)
	}
	st, err := c.fetchWork(ctx, workID)
	if err != nil {
		return shelf.StoryRecord{}, false, err
	}
	return c.addNew(ctx, req, st, nil, false)
}

// fetchWork reads AO3 work workID's metadata. Errors a member should see
// are *UserError with the importer's sentence.
func (c *cmds) fetchWork(ctx context.Context, workID int64) (*fic.Story, error) {
	if c.ao3 == nil {
		return nil, Errorf("Looking up AO3 links isn't available right now. Upload the work's download (HTML or EPUB) instead.")
	}
	st, err := c.ao3.Work(ctx, workID)
	if err != nil {
		var ie *fic.ImportError
		if errors.As(err, &ie) {
			return nil, &UserError{Message: ie.Message, Err: err}
		}
		if ctx.Err() != nil {
			return nil, Sorry(err, "AO3 took too long to answer; please try again in a minute.")
		}
		return nil, fmt.Errorf("AO3 work %d: %w", workID, err)
	}
	return st, nil
}

// addNew stores a new story added by the requesting member. When another
// request added the same AO3 work meanwhile, the existing entry is
// returned with existed true.
func (c *cmds) addNew(ctx context.Context, req *Request, st *fic.Story, chapters []shelf.NewChapter, mine bool) (shelf.StoryRecord, bool, error) {
	rec, err := c.stories.AddStory(ctx, req.GuildID, st, chapters, req.UserID, mine, c.now())
	var dup *shelf.DuplicateError
	if errors.As(err, &dup) {
		rec, err := c.stories.Story(ctx, req.GuildID, dup.ExistingID)
		if err != nil {
			return shelf.StoryRecord{}, false, fmt.Errorf("existing story %s: %w", dup.ExistingID, err)
		}
		return rec, true, nil
	}
	if err != nil {
		return shelf.StoryRecord{}, false, fmt.Errorf("add story: %w", err)
	}
	return rec, false, nil
}
