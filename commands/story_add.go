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
	"ficshelf/workpool"
)

// /story add from a file or a link: the options that override what the
// file says, the import of an attachment, and the update of an AO3 work the
// server already has.

// What /story add keeps of its list and title options. Whatever is cut,
// the answer says so (addOptions.Kept).
const (
	maxListItems  = 50  // items of one list option (tags, fandoms, …)
	maxItemLength = 150 // characters of one item
	maxTitle      = 200 // characters of a title given as an option
)

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
	// Kept says, in sentences for the answer, what was kept of options
	// longer than the library keeps ("Kept the first 50 of 200 tags.").
	Kept []string
}

// parseAddOptions reads /story add's override options. A rating outside
// the five is a UserError (Discord offers only the five choices).
func parseAddOptions(req *Request) (addOptions, error) {
	var o addOptions
	title := strings.Join(strings.Fields(req.String("title")), " ")
	o.Title = clip(title, maxTitle)
	if o.Title != title {
		o.Kept = append(o.Kept, fmt.Sprintf("Shortened the title to %d characters.", maxTitle))
	}
	list := func(option, one, many string) []string {
		items, given, shortened := splitList(req.String(option))
		o.Kept = append(o.Kept, listKept(len(items), given, shortened, one, many)...)
		return items
	}
	o.Authors = list("author", "author", "authors")
	o.Warnings = list("warnings", "warning", "warnings")
	o.Fandoms = list("fandom", "fandom", "fandoms")
	o.Tags = list("tags", "tag", "tags")
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
// distinct items (case-insensitive), keeping the first maxListItems, each
// cut to maxItemLength characters. given is how many distinct items the
// option held; shortened how many of those kept were cut.
func splitList(s string) (items []string, given, shortened int) {
	seenGiven := map[string]bool{}
	seenKept := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.Join(strings.Fields(part), " ")
		key := strings.ToLower(part)
		if part == "" || seenGiven[key] {
			continue
		}
		seenGiven[key] = true
		given++
		if len(items) == maxListItems {
			continue
		}
		item := clip(part, maxItemLength)
		if seenKept[strings.ToLower(item)] {
			continue // two long items the same up to the cut: counted as not kept
		}
		seenKept[strings.ToLower(item)] = true
		if item != part {
			shortened++
		}
		items = append(items, item)
	}
	return items, given, shortened
}

// listKept says what a list option kept when it kept less than it was
// given: "Kept the first 50 of 200 tags.", "Shortened 2 tags to 150
// characters each." Nothing when everything was kept as given.
func listKept(kept, given, shortened int, one, many string) []string {
	var out []string
	if kept < given {
		out = append(out, fmt.Sprintf("Kept the first %s of %s %s.", formatInt(kept), formatInt(given), many))
	}
	switch {
	case shortened == 1:
		out = append(out, fmt.Sprintf("Shortened 1 %s to %d characters.", one, maxItemLength))
	case shortened > 1:
		out = append(out, fmt.Sprintf("Shortened %s %s to %d characters each.", formatInt(shortened), many, maxItemLength))
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
		return nil, Errorf("Give me the story to add: upload it with `file:` (plain text, an AO3 HTML download or an AO3 EPUB download), or paste an AO3 work link (or series link) in `link:`.")
	}
	var workID int64
	if seriesID, ok := c.parseSeriesLink(link); ok {
		return c.storyAddSeries(ctx, req, seriesID, att != nil)
	}
	if link != "" {
		id, ok := c.parseAO3Link(link)
		if !ok {
			return nil, Errorf("%s isn't a link to an AO3 work: use a link like https://archiveofourown.org/works/12345 (or a whole series: https://archiveofourown.org/series/678).", quote(link))
		}
		workID = id
	}
	job := heavyJob{pool: c.pools.Link, limits: c.pools.ImportLimits, what: fmt.Sprintf("add AO3 work %d", workID)}
	if att != nil {
		if att.Size > fic.MaxFileSize {
			return nil, Errorf("%s is %s, over the 20 MiB I can import. Upload a smaller file (an AO3 EPUB download is usually the smallest).", quote(att.Filename), sizeText(int64(att.Size)))
		}
		job.pool, job.what = c.pools.Import, "import "+quote(att.Filename)
		job.long = att.Size > longUpload
	}
	job.run = func(ctx context.Context) (*discordgo.InteractionResponse, error) {
		resp, err := c.storyAddWork(ctx, req, opts, att, workID)
		var ue *UserError
		if errors.As(err, &ue) {
			return Ephemeral(ue.Message), nil
		}
		return resp, err
	}
	if c.uploads != nil && c.uploadsChanged != nil {
		job.persist = func(ctx context.Context) (int, error) { return c.queueUpload(ctx, req, opts, att, workID) }
	}
	return c.runHeavy(ctx, req, job)
}

// longUpload is the size above which an upload is answered at once with
// "Working on it" (its import takes seconds) rather than when done.
const longUpload = 1 << 20

// storyAddWork is /story add's import of a file or a link, in its slot of
// the import (or link) pool.
func (c *cmds) storyAddWork(ctx context.Context, req *Request, opts addOptions, att *discordgo.MessageAttachment, workID int64) (*discordgo.InteractionResponse, error) {
	var err error
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
		opts.Kept = append(opts.Kept, chaptersKept(st)...)
		workpool.Background(func() { chapters, err = IndexChapters(st) })
		if err != nil {
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
	if u, ok := shelf.UploadJobFrom(ctx, req.GuildID); ok {
		// A queued upload: its job keeps what was kept of the options
		// for the answer it gives when done (story_upload_job.go).
		ctx = shelf.WithUploadJob(ctx, u.GuildID, u.ID, strings.TrimSpace(keptText(opts.Kept)))
	}

	if st.AO3ID > 0 {
		existing, err := c.stories.StoryByAO3(ctx, req.GuildID, st.AO3ID)
		if err == nil {
			return c.updateExisting(ctx, req, existing, st, chapters, opts.Kept)
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
		return c.updateExisting(ctx, req, rec, st, chapters, opts.Kept)
	}
	card, err := c.card(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("📚 <@%s> added %s to the library.", req.UserID, storyName(rec.Story.Title))
	if len(rec.Chapters) == 0 {
		msg += " (Details only, from AO3: upload the work's download to post excerpts from it.)"
	}
	msg += keptText(opts.Kept)
	resp := EmbedReply(false, []*discordgo.MessageEmbed{card}, cardButtons(rec)...)
	resp.Data.Content = msg
	return resp, nil
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

// keptText is the sentences saying what was kept, each after a space, or
// "" when everything was kept as given.
func keptText(kept []string) string {
	if len(kept) == 0 {
		return ""
	}
	return " " + strings.Join(kept, " ")
}

// chaptersKept says when an imported file names more chapters than it has
// prose for: the importers leave out a chapter without text (only images,
// say), so the stored chapters are fewer than the work's.
func chaptersKept(st *fic.Story) []string {
	if n := len(st.Chapters); n > 0 && st.ChaptersPosted > n {
		return []string{fmt.Sprintf("The file has text for %d of the work's %d chapters: chapters with no prose (only images, say) were left out.",
			n, st.ChaptersPosted)}
	}
	return nil
}

// updateExisting re-imports an AO3 work the server has: new metadata and,
// when a file was given, new chapters. A link alone keeps the stored text.
func (c *cmds) updateExisting(ctx context.Context, req *Request, existing shelf.StoryRecord, st *fic.Story, chapters []shelf.NewChapter, kept []string) (*discordgo.InteractionResponse, error) {
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
	msg += "." + keptText(kept)
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
	// Parsing is CPU-bound for seconds on a big file: at low priority, so
	// that other servers' light commands go first (workpool.Background).
	var st *fic.Story
	workpool.Background(func() { st, err = fic.Import(att.Filename, data) })
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
