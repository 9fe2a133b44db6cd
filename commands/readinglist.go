package commands

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Routes and names of the reading-list family besides the shared "Add to
// reading list" button (routeListAdd).
const (
	routeListShow = "rl-show" // rl-show:<user>:<status|all>:<page>: a page of /readinglist show
	// addToListCommand is the message command's name, exactly as SPEC.md.
	addToListCommand = "Add to reading list"
	// listPageSize is how many stories one page of /readinglist show has.
	listPageSize = 10
	// progressBarCells is the width of a progress bar.
	progressBarCells = 10
)

// statusLabels are the statuses as headings.
var statusLabels = map[shelf.Status]string{
	shelf.StatusToRead:   "To read",
	shelf.StatusReading:  "Reading",
	shelf.StatusFinished: "Finished",
	shelf.StatusOnHold:   "On hold",
	shelf.StatusDropped:  "Dropped",
}

func statusChoices() []*discordgo.ApplicationCommandOptionChoice {
	choices := make([]*discordgo.ApplicationCommandOptionChoice, 0, len(shelf.Statuses))
	for _, s := range shelf.Statuses {
		choices = append(choices, &discordgo.ApplicationCommandOptionChoice{Name: string(s), Value: string(s)})
	}
	return choices
}

// registerReadingList adds /readinglist, the "Add to reading list" message
// command and button, and the list's page buttons.
func (c *cmds) registerReadingList(r *Router) {
	zero := 0.0
	chapter := func(required bool, desc string) *discordgo.ApplicationCommandOption {
		return &discordgo.ApplicationCommandOption{Type: discordgo.ApplicationCommandOptionInteger, Name: "chapter", Description: desc, Required: required, MinValue: &zero, MaxValue: 100000}
	}
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "readinglist",
			Description: "Your reading list in this server: what you want to read, are reading and have read",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "add",
					Description: "Add a story to your reading list, or change its entry",
					Options: []*discordgo.ApplicationCommandOption{
						storyOption("The story to add", true),
						{Type: discordgo.ApplicationCommandOptionString, Name: "status", Description: "Where you are with it (default: to-read)", Choices: statusChoices()},
						chapter(false, "The last chapter you read"),
						{Type: discordgo.ApplicationCommandOptionString, Name: "note", Description: "A note for yourself", MaxLength: shelf.MaxNoteLength},
					},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "progress",
					Description: "Record the last chapter you read",
					Options: []*discordgo.ApplicationCommandOption{
						storyOption("The story", true),
						chapter(true, "The last chapter you read (0: not started)"),
					},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "remove",
					Description: "Take a story off your reading list",
					Options:     []*discordgo.ApplicationCommandOption{storyOption("The story to remove", true)},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "show",
					Description: "A member's reading list (yours unless you pick someone)",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionUser, Name: "member", Description: "Whose list (default: yours)"},
						{Type: discordgo.ApplicationCommandOptionString, Name: "status", Description: "Only stories with this status", Choices: statusChoices()},
					},
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "export",
					Description: "Your reading list in this server as a JSON file",
				},
				listImportOption(), // listimport.go
				listStatsOption(),  // readstats.go
			},
		},
		Subcommands: map[string]HandlerFunc{
			"add":      c.listAdd,
			"progress": c.listProgress,
			"remove":   c.listRemove,
			"show":     c.listShow,
			"export":   c.listExport,
			"import":   c.listImport,
			"stats":    c.listStats,
		},
		Autocomplete: c.autocompleteStories,
		Ephemeral:    true,
	})
	r.Add(&Command{
		Def:       &discordgo.ApplicationCommand{Name: addToListCommand, Type: discordgo.MessageApplicationCommand},
		Run:       c.addFromMessage,
		Ephemeral: true,
	})
	r.Component(routeListAdd, c.listAddButton)
	r.Component(routeListShow, c.listShowPage)
	c.registerListImport(r)
}

// chapterTotal is the chapter a reader can reach in a story: its posted
// chapters (the last of a complete work, or the latest of a work in
// progress); 0 when unknown.
func chapterTotal(posted, expected int) int {
	if expected > 0 && posted > expected {
		return expected
	}
	return posted
}

// checkChapter applies the progress rules: no negative chapter; at most
// the story's posted chapters (a complete work's last chapter, or a work
// in progress's latest posted one — re-importing the work raises that);
// any chapter when the count is unknown. It reports whether chapter is the
// last chapter of a complete work (the entry becomes finished).
func checkChapter(title string, chapter, posted, expected int) (last bool, err error) {
	if chapter < 0 {
		return false, Errorf("Chapter numbers start at 1 (0 means you haven't started yet).")
	}
	total := chapterTotal(posted, expected)
	complete := expected > 0 && posted >= expected
	switch {
	case total == 0:
		return false, nil
	case chapter > total && complete:
		return false, Errorf("%s has %s — you can't be past chapter %d. (Use chapter %d to mark it finished.)", storyName(title), chaptersWord(total), total, total)
	case chapter > total:
		return false, Errorf("%s has %s posted so far in this library, so I can record up to chapter %d. If more are out on AO3, whoever added it can update it with `/story add`.", storyName(title), chaptersWord(total), total)
	}
	return complete && chapter == total, nil
}

func chaptersWord(n int) string {
	if n == 1 {
		return "1 chapter"
	}
	return formatInt(n) + " chapters"
}

// listAdd is /readinglist add: adds the story or updates the options given
// on an existing entry. Without a status: reaching the last chapter of a
// complete work marks it finished; any other chapter read moves a to-read
// entry to reading.
func (c *cmds) listAdd(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	old, err := c.lists.ListEntry(ctx, req.GuildID, req.UserID, rec.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, shelf.ErrNotFound) {
		return nil, fmt.Errorf("read list entry: %w", err)
	}
	e := shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusToRead}
	if exists {
		e = old
	}
	statusGiven := req.Has("status")
	if statusGiven {
		st, err := shelf.ParseStatus(req.String("status"))
		if err != nil {
			return nil, storeError(err, actStatus, facts{})
		}
		e.Status = st
	}
	if ch, ok := req.Int("chapter"); ok {
		last, err := checkChapter(rec.Story.Title, int(ch), rec.Story.ChaptersPosted, rec.Story.ChaptersExpected)
		if err != nil {
			return nil, err
		}
		e.Chapter = int(ch)
		if !statusGiven {
			e.Status = progressStatus(e.Status, e.Chapter, last)
		}
	}
	if req.Has("note") {
		e.Note = req.String("note")
		if len(e.Note) > shelf.MaxNoteLength {
			return nil, Errorf("That note is too long: notes hold up to %s plain letters (fewer with accents or emoji). Please shorten it.", formatInt(shelf.MaxNoteLength))
		}
	}
	saved, err := c.lists.SetListEntry(ctx, req.GuildID, req.UserID, e, c.now())
	if err != nil {
		return nil, c.listWriteError(err)
	}
	verb := "Added %s to your reading list"
	if exists {
		verb = "Updated %s on your reading list"
	}
	return Ephemeral(fmt.Sprintf(verb+": %s.", storyName(rec.Story.Title), entrySummary(saved))), nil
}

// progressStatus is the status after recording chapter: finished at the
// last chapter of a complete work; reading when a to-read (or finished,
// now re-read) entry has chapters read; otherwise unchanged.
func progressStatus(st shelf.Status, chapter int, last bool) shelf.Status {
	switch {
	case last:
		return shelf.StatusFinished
	case chapter > 0 && (st == shelf.StatusToRead || st == shelf.StatusFinished):
		return shelf.StatusReading
	}
	return st
}

// entrySummary describes an entry in a few words: "reading, chapter 3 of 5".
func entrySummary(e shelf.ListEntry) string {
	s := string(e.Status)
	total := chapterTotal(e.ChaptersPosted, e.ChaptersExpected)
	switch {
	case e.Chapter > 0 && total > 0:
		s += fmt.Sprintf(", chapter %d of %d", e.Chapter, total)
	case e.Chapter > 0:
		s += fmt.Sprintf(", chapter %d", e.Chapter)
	}
	return s
}

// listWriteError turns a store error from a list write into a sentence.
func (c *cmds) listWriteError(err error) error {
	if err := storeError(err, actListWrite, facts{}); isUserError(err) {
		return err
	}
	return fmt.Errorf("save list entry: %w", err)
}

// listProgress is /readinglist progress: records the last chapter read,
// adding the story to the list when it is not there yet.
func (c *cmds) listProgress(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	ch, ok := req.Int("chapter")
	if !ok {
		return nil, Errorf("Which chapter did you read last? Give `chapter`.")
	}
	last, err := checkChapter(rec.Story.Title, int(ch), rec.Story.ChaptersPosted, rec.Story.ChaptersExpected)
	if err != nil {
		return nil, err
	}
	e, err := c.lists.ListEntry(ctx, req.GuildID, req.UserID, rec.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, shelf.ErrNotFound) {
		return nil, fmt.Errorf("read list entry: %w", err)
	}
	if !exists {
		e = shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusToRead}
	}
	e.Chapter = int(ch)
	e.Status = progressStatus(e.Status, e.Chapter, last)
	saved, err := c.lists.SetListEntry(ctx, req.GuildID, req.UserID, e, c.now())
	if err != nil {
		return nil, c.listWriteError(err)
	}
	msg := fmt.Sprintf("Noted: %s — %s.", storyName(rec.Story.Title), entrySummary(saved))
	if last {
		msg = fmt.Sprintf("You finished %s! 🎉 It's marked finished on your reading list. Leave kudos with `/kudos give` if you loved it.", storyName(rec.Story.Title))
	}
	if !exists {
		msg += " (I added it to your reading list.)"
	}
	return Ephemeral(msg), nil
}

// listRemove is /readinglist remove.
func (c *cmds) listRemove(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	err = c.lists.RemoveListEntry(ctx, req.GuildID, req.UserID, rec.ID)
	if err := storeError(err, actListRemove, facts{Story: rec.Story.Title}); isUserError(err) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("remove list entry: %w", err)
	}
	return Ephemeral(fmt.Sprintf("Removed %s from your reading list.", storyName(rec.Story.Title))), nil
}

// listShow is /readinglist show: a member's list (default: the caller's),
// grouped by status, listPageSize stories per page. Ephemeral: a personal
// view, though any member of the server may look at anyone's list.
func (c *cmds) listShow(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	userID, name := req.UserID, req.UserName
	if u := req.User("member"); u != nil {
		userID = u.ID
		name = displayName("", u) // "" when Discord sent no resolved user
	}
	status := "all"
	if req.Has("status") {
		st, err := shelf.ParseStatus(req.String("status"))
		if err != nil {
			return nil, storeError(err, actStatus, facts{})
		}
		status = string(st)
	}
	return c.renderList(ctx, req.GuildID, userID, listTitle(name, userID == req.UserID), status, 0, false)
}

func listTitle(name string, own bool) string {
	switch {
	case own:
		return "Your reading list"
	case name == "":
		return "Reading list"
	}
	return clip(name, 200) + "'s reading list"
}

// listShowPage turns the pages of /readinglist show
// ("rl-show:<user>:<status|all>:<page>").
func (c *cmds) listShowPage(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) != 3 {
		return nil, buttonExpired("/readinglist show")
	}
	page, _ := strconv.Atoi(req.Args[2])
	title := "Reading list"
	if m := req.Message(); m != nil && len(m.Embeds) > 0 && m.Embeds[0] != nil && m.Embeds[0].Title != "" {
		title = m.Embeds[0].Title
	}
	return c.renderList(ctx, req.GuildID, req.Args[0], title, req.Args[1], page, true)
}

// renderList reads userID's list and renders one page, as a new ephemeral
// message or as an update of the page buttons' message.
func (c *cmds) renderList(ctx context.Context, guildID, userID, title, status string, page int, update bool) (*discordgo.InteractionResponse, error) {
	entries, err := c.lists.MemberList(ctx, guildID, userID)
	if err := storeError(err, actMemberList, facts{}); isUserError(err) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("member list: %w", err)
	}
	embed, comps := listPage(entries, userID, title, status, page)
	if update {
		return Update("", []*discordgo.MessageEmbed{embed}, comps...), nil
	}
	return EmbedReply(true, []*discordgo.MessageEmbed{embed}, comps...), nil
}

// statusRank orders statuses for display (shelf.Statuses' order).
func statusRank(s shelf.Status) int {
	switch s {
	case shelf.StatusToRead:
		return 0
	case shelf.StatusReading:
		return 1
	case shelf.StatusFinished:
		return 2
	case shelf.StatusOnHold:
		return 3
	case shelf.StatusDropped:
		return 4
	}
	return 5
}

// listPage renders page (clamped) of a member's list: entries of status
// (or "all"), grouped by status in shelf.Statuses order, most recently
// updated first within a group, each with a progress bar. Only small
// pointer-free keys are sorted (a list may hold thousands of entries).
func listPage(entries []shelf.ListEntry, userID, title, status string, page int) (*discordgo.MessageEmbed, []discordgo.MessageComponent) {
	type sortKey struct {
		rank    int
		updated int64
		idx     int
	}
	keys := make([]sortKey, 0, len(entries))
	groupSize := map[shelf.Status]int{}
	for i := range entries {
		e := &entries[i]
		if status != "all" && string(e.Status) != status {
			continue
		}
		groupSize[e.Status]++
		keys = append(keys, sortKey{rank: statusRank(e.Status), updated: e.Updated.UnixNano(), idx: i})
	}
	slices.SortFunc(keys, func(a, b sortKey) int {
		switch {
		case a.rank != b.rank:
			return a.rank - b.rank
		case a.updated != b.updated:
			return cmp.Compare(b.updated, a.updated)
		}
		return a.idx - b.idx
	})
	pages := max(1, (len(keys)+listPageSize-1)/listPageSize)
	page = min(max(page, 0), pages-1)
	var b strings.Builder
	fmt.Fprintf(&b, "<@%s>", userID)
	if status != "all" {
		fmt.Fprintf(&b, " · only %s", status)
	}
	b.WriteString("\n")
	if len(keys) == 0 {
		if status == "all" {
			b.WriteString("\nNothing here yet. Add stories with `/readinglist add`, the **Add to reading list** button under a story, or right-click a message → Apps → **Add to reading list**.")
		} else {
			fmt.Fprintf(&b, "\nNo stories with the status %s.", status)
		}
	}
	var group shelf.Status
	for i, k := range keys[min(page*listPageSize, len(keys)):min((page+1)*listPageSize, len(keys))] {
		e := entries[k.idx]
		if i == 0 || e.Status != group {
			group = e.Status
			label := statusLabels[group]
			if label == "" {
				label = string(group)
			}
			fmt.Fprintf(&b, "\n__%s__ (%d)\n", label, groupSize[group])
		}
		b.WriteString(entryLine(e))
	}
	footer := fmt.Sprintf("%s on the list", storiesWord(len(keys)))
	if pages > 1 {
		footer += fmt.Sprintf(" · page %d of %d", page+1, pages)
	}
	embed := &discordgo.MessageEmbed{
		Title:       clip(title, 256),
		Description: b.String(),
		Color:       colorNeutral,
		Footer:      &discordgo.MessageEmbedFooter{Text: footer},
	}
	return embed, pager(page, pages, routeListShow, userID, status)
}

func storiesWord(n int) string {
	if n == 1 {
		return "1 story"
	}
	return formatInt(n) + " stories"
}

// entryLine is one story of a list page: title, authors, progress bar and
// note, kept short enough that ten fit in an embed description.
func entryLine(e shelf.ListEntry) string {
	var b strings.Builder
	title := e.Title
	if title == "" {
		title = "Story " + e.StoryID
	}
	b.WriteString("**" + clip(escapeMarkdown(title), 120) + "**")
	if len(e.Authors) > 0 {
		b.WriteString(" — " + clip(escapeMarkdown(strings.Join(e.Authors, ", ")), 60))
	}
	b.WriteString("\n" + progressText(e.Chapter, e.ChaptersPosted, e.ChaptersExpected))
	if e.Note != "" {
		b.WriteString(" · *" + clip(escapeMarkdown(strings.Join(strings.Fields(e.Note), " ")), 100) + "*")
	}
	b.WriteString("\n")
	return b.String()
}

// progressText is a progress bar with the chapter count: "▰▰▰▰▰▰▱▱▱▱ 3/5",
// "… 3/5 posted (work in progress)", or "chapter 3" when the count is
// unknown.
func progressText(chapter, posted, expected int) string {
	total := chapterTotal(posted, expected)
	if total <= 0 {
		if chapter <= 0 {
			return "not started"
		}
		return fmt.Sprintf("chapter %d", chapter)
	}
	s := progressBar(chapter, total) + fmt.Sprintf(" %d/%d", chapter, total)
	if !(expected > 0 && posted >= expected) {
		s += " posted (work in progress)"
	}
	return s
}

// progressBar draws done/total as progressBarCells cells.
func progressBar(done, total int) string {
	filled := 0
	if total > 0 {
		filled = min(progressBarCells, max(0, done)*progressBarCells/total)
	}
	if done > 0 && filled == 0 {
		filled = 1
	}
	return strings.Repeat("▰", filled) + strings.Repeat("▱", progressBarCells-filled)
}

// ListExport is the JSON document of /readinglist export (schema version
// 1). Entries are in story-ID order (oldest story in the library first).
type ListExport struct {
	Format     string        `json:"format"` // "ficshelf-reading-list/1"
	GuildID    string        `json:"guild_id"`
	UserID     string        `json:"user_id"`
	ExportedAt time.Time     `json:"exported_at"`
	Entries    []ExportEntry `json:"entries"`
}

// ExportEntry is one entry of ListExport: the list entry with its story's
// AO3 work ID (0, left out, for a story not from AO3), so that an import
// into another server matches it by work.
type ExportEntry struct {
	shelf.ListEntry
	AO3ID int64 `json:"ao3_id,omitempty"`
}

// listExport is /readinglist export: the caller's list in this server as
// a JSON file, ephemeral.
func (c *cmds) listExport(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	entries, err := c.lists.MemberList(ctx, req.GuildID, req.UserID)
	if err != nil {
		return nil, fmt.Errorf("member list: %w", err)
	}
	// The file lists entries in the order stories joined the library, so
	// that two exports of an unchanged list are the same file.
	slices.SortStableFunc(entries, func(a, b shelf.ListEntry) int {
		return cmp.Or(cmp.Compare(len(a.StoryID), len(b.StoryID)), strings.Compare(a.StoryID, b.StoryID))
	})
	out, err := c.withAO3IDs(ctx, req.GuildID, entries)
	if err != nil {
		return nil, err
	}
	doc := ListExport{Format: "ficshelf-reading-list/1", GuildID: req.GuildID, UserID: req.UserID, ExportedAt: c.now().UTC().Truncate(time.Second), Entries: out}
	msg := fmt.Sprintf("Here is your reading list in this server: %s.", storiesWord(len(entries)))
	return jsonFileReply(msg, "reading-list.json", doc)
}

// jsonFileReply answers ephemerally with content and v as an indented JSON
// file attachment.
func jsonFileReply(content, filename string, v any) (*discordgo.InteractionResponse, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", filename, err)
	}
	r := Ephemeral(content)
	r.Data.Files = []*discordgo.File{{Name: filename, ContentType: "application/json", Reader: bytes.NewReader(append(data, '\n'))}}
	return r, nil
}

// addToList adds rec to the member's list as to-read, or says it is
// already there with its status. Shared by the button and the message
// command.
func (c *cmds) addToList(ctx context.Context, req *Request, rec shelf.StoryRecord) (*discordgo.InteractionResponse, error) {
	name := storyName(rec.Story.Title)
	e, err := c.lists.ListEntry(ctx, req.GuildID, req.UserID, rec.ID)
	if err == nil {
		return Ephemeral(fmt.Sprintf("%s is already on your reading list: %s. Change it with `/readinglist add` or `/readinglist progress`.", name, entrySummary(e))), nil
	}
	if !errors.Is(err, shelf.ErrNotFound) {
		return nil, fmt.Errorf("read list entry: %w", err)
	}
	if _, err := c.lists.SetListEntry(ctx, req.GuildID, req.UserID, shelf.ListEntry{StoryID: rec.ID, Status: shelf.StatusToRead}, c.now()); err != nil {
		return nil, c.listWriteError(err)
	}
	return Ephemeral(fmt.Sprintf("Added %s to your reading list as to-read. See it with `/readinglist show`.", name)), nil
}

// listAddButton is the "Add to reading list" button ("rl-add:<story>") on
// cards, excerpts and recs.
func (c *cmds) listAddButton(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.storyByArg(ctx, req)
	if err != nil {
		return nil, err
	}
	return c.addToList(ctx, req, rec)
}

// linkRe finds URL-like tokens (with or without a scheme) in message text.
var linkRe = regexp.MustCompile(`(?i)(?:https?://)?(?:www\.)?[a-z0-9.-]+(?::\d+)?/[^\s<>()\[\]|*"']*works/\d+[^\s<>()\[\]|*"']*`)

// storyRoutes are the component routes whose first argument is a story ID
// on the bot's own cards, excerpts and recs.
var storyRoutes = []string{routeKudos, routeListAdd, routeExcerptOf}

// addFromMessage is the message command "Add to reading list": on one of
// the bot's own messages with a story's buttons it adds that story; on any
// message with an AO3 work link it adds that work, importing it by link
// first when the server does not have it; otherwise it explains.
func (c *cmds) addFromMessage(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	msg := req.TargetMessage()
	if msg == nil {
		return nil, Errorf("I couldn't see that message. Try again, or use `/readinglist add`.")
	}
	if msg.Author != nil && req.Interaction.AppID != "" && msg.Author.ID == req.Interaction.AppID {
		if id := storyIDFromComponents(msg.Components); id != "" {
			rec, err := c.stories.Story(ctx, req.GuildID, id)
			if err := storeError(err, actStory, facts{}); isUserError(err) {
				return nil, err
			}
			if err != nil {
				return nil, fmt.Errorf("story %s: %w", id, err)
			}
			return c.addToList(ctx, req, rec)
		}
	}
	if works := c.ao3Works(msg); len(works) > 0 {
		// The first AO3 work linked in the message is the one meant.
		rec, err := c.stories.StoryByAO3(ctx, req.GuildID, works[0])
		if errors.Is(err, shelf.ErrNotFound) {
			rec, err = c.importByLink(ctx, req, works[0])
		}
		if err != nil {
			return nil, err
		}
		return c.addToList(ctx, req, rec)
	}
	return nil, Errorf("I found no story in that message. Use this on a Ficshelf story card, excerpt or rec, or on a message with an AO3 work link (https://archiveofourown.org/works/…).")
}

// importByLink imports AO3 work work into the server's library through
// the story family's addByLink (which returns the existing entry when a
// concurrent add got there first).
func (c *cmds) importByLink(ctx context.Context, req *Request, work int64) (shelf.StoryRecord, error) {
	rec, _, err := c.addByLink(ctx, req, work)
	if err != nil {
		var ue *UserError
		if errors.As(err, &ue) {
			return shelf.StoryRecord{}, err
		}
		return shelf.StoryRecord{}, fmt.Errorf("import AO3 work %d: %w", work, err)
	}
	return rec, nil
}

// storyIDFromComponents finds a story ID in the custom IDs of a bot
// message's buttons (kudos:<id>, rl-add:<id>, ex-card:<id>).
func storyIDFromComponents(comps []discordgo.MessageComponent) string {
	var found string
	var walk func([]discordgo.MessageComponent)
	walk = func(cs []discordgo.MessageComponent) {
		for _, c := range cs {
			if found != "" {
				return
			}
			var id string
			switch v := c.(type) {
			case *discordgo.ActionsRow:
				walk(v.Components)
			case discordgo.ActionsRow:
				walk(v.Components)
			case *discordgo.Button:
				id = v.CustomID
			case discordgo.Button:
				id = v.CustomID
			}
			route, args := splitCustomID(id)
			if len(args) >= 1 && slices.Contains(storyRoutes, route) {
				if _, err := strconv.ParseUint(args[0], 10, 64); err == nil {
					found = args[0]
				}
			}
		}
	}
	walk(comps)
	return found
}

// ao3Works lists the AO3 work IDs linked in a message's content and
// embeds (URLs, titles' links, descriptions, fields), first seen first.
func (c *cmds) ao3Works(msg *discordgo.Message) []int64 {
	texts := []string{msg.Content}
	for _, e := range msg.Embeds {
		if e == nil {
			continue
		}
		texts = append(texts, e.URL, e.Description)
		for _, f := range e.Fields {
			if f != nil {
				texts = append(texts, f.Value)
			}
		}
	}
	var works []int64
	for _, t := range texts {
		for _, link := range linkRe.FindAllString(t, 20) {
			id, ok := c.parseAO3Link(link)
			if ok && !slices.Contains(works, id) {
				works = append(works, id)
			}
		}
	}
	return works
}

func (c *cmds) parseAO3Link(s string) (int64, bool) {
	if c.ao3 != nil {
		return c.ao3.ParseLink(s)
	}
	return fic.ParseAO3Link(s)
}
