package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/jobs"
	"ficshelf/shelf"
)

// Queued uploads: a /story add with a file or a link that cannot start at
// once is stored as a job (shelf.UploadJobs) before the member is told
// it is queued, and run by the deployment's upload runner (a
// jobs.JobRunner under its lease): its place in line edited into the
// answer as it changes, then its progress and result, or, once the answer
// can no longer be edited, a direct message or a post in its channel. The
// story write records the job's step in its own transaction
// (shelf.WithUploadJob), so a restart, a crash or a second process never
// adds it twice.

// uploadRequest is what a queued /story add keeps of its request besides
// the file and the link (shelf.UploadJob.Options): the options as parsed,
// and the member's name and permissions in the channel as the command saw
// them (who may update an existing story).
type uploadRequest struct {
	Options     addOptions `json:"options"`
	UserName    string     `json:"user_name,omitempty"`
	Permissions int64      `json:"permissions,omitempty"`
}

// uploadFile is att as a queued upload keeps it.
func uploadFile(att *discordgo.MessageAttachment) *shelf.UploadFile {
	if att == nil {
		return nil
	}
	return &shelf.UploadFile{URL: att.URL, Filename: att.Filename, Size: att.Size, ContentType: att.ContentType}
}

// queueUpload stores req's /story add (att and/or workID, with opts) as a
// job, wakes the runner, and returns the job's place in line. A full line
// is shelf.ErrQueueFull.
func (c *cmds) queueUpload(ctx context.Context, req *Request, opts addOptions, att *discordgo.MessageAttachment, workID int64) (int, error) {
	raw, err := json.Marshal(uploadRequest{Options: opts, UserName: req.UserName, Permissions: req.Permissions})
	if err != nil {
		return 0, fmt.Errorf("queue upload: %w", err)
	}
	j := shelf.UploadJob{UserID: req.UserID, ChannelID: req.ChannelID, File: uploadFile(att), WorkID: workID, Options: raw,
		AppID: req.Interaction.AppID, Token: req.Interaction.Token, TokenAt: c.now(), Created: c.now()}
	pool := c.pools.Link
	if att != nil {
		pool = c.pools.Import
	}
	j, err = c.uploads.CreateUploadJob(ctx, req.GuildID, j, pool.Config().MaxQueue)
	if err != nil {
		return 0, fmt.Errorf("queue upload: %w", err)
	}
	c.uploadsChanged()
	// Its line: files and links are run by runners of their own.
	line, err := c.uploads.WaitingUploadJobs(ctx, att != nil)
	if err != nil {
		c.log.Warn("queued upload: could not read the line", "guild", req.GuildID, "err", err)
		return 1, nil
	}
	return placeInLine(line, shelf.ImportRef{GuildID: j.GuildID, ID: j.ID}), nil
}

// placeInLine is ref's place among the waiting jobs of line (in guild,
// then ID order) when they start in turns between guilds, as the runner
// starts them: its guild's k-th job starts after up to k jobs of every
// guild. 1 when ref is not in line (it started already).
func placeInLine(line []shelf.ImportRef, ref shelf.ImportRef) int {
	byGuild := map[string]int{}
	k := 0
	for _, r := range line {
		byGuild[r.GuildID]++
		if r == ref {
			k = byGuild[r.GuildID]
		}
	}
	if k == 0 {
		return 1
	}
	place := 0
	for _, n := range byGuild {
		place += min(n, k)
	}
	return place
}

// discordURLExpired reports whether a Discord CDN address (its ex
// parameter: the expiry, hex Unix seconds) expired before now.
func discordURLExpired(raw string, now time.Time) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	ex, err := strconv.ParseInt(u.Query().Get("ex"), 16, 64)
	return err == nil && ex > 0 && now.Unix() >= ex
}

// AddUploadJobs has files run the queued uploads with a file and links
// those with a link alone (/story add), for d's store, AO3 client and
// pools: each kind in a slot of its pool (imports, links). d.Pools should
// be the router's, so that imports run here and in the handlers share the
// process's bound; files.Max should be the import pool's size, links.Max
// the link pool's, so that a job taken waits little for its slot.
func AddUploadJobs(files, links *jobs.JobRunner, d Deps) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	c := newCmds(d)
	c.ao3 = d.AO3
	sorter := &uploadSorter{uploads: c.uploads, file: map[shelf.ImportRef]bool{}}
	for _, k := range []struct {
		r    *jobs.JobRunner
		file bool
	}{{files, true}, {links, false}} {
		u := &uploadKind{c: c, working: map[shelf.ImportRef]bool{}}
		list := func(ctx context.Context) ([]shelf.ImportRef, error) { return sorter.running(ctx, k.file) }
		jobs.AddJobKind(k.r, "upload", "upl", jobs.JobKindOf[shelf.UploadJob]{
			List: list, Load: c.uploads.UploadJob, Done: c.uploads.FinishUploadJob,
			HeadOf: uploadHead, Start: u.begin,
		}, uploadWording{u})
	}
}

// uploadSorter tells the running upload jobs with a file from those with
// a link alone (which a job is never changes: each is read once).
type uploadSorter struct {
	uploads shelf.UploadJobs
	mu      sync.Mutex
	file    map[shelf.ImportRef]bool
}

// running lists the running upload jobs with a file (file) or without.
func (s *uploadSorter) running(ctx context.Context, file bool) ([]shelf.ImportRef, error) {
	refs, err := s.uploads.RunningUploadJobs(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	live := make(map[shelf.ImportRef]bool, len(refs))
	var out []shelf.ImportRef
	for _, ref := range refs {
		live[ref] = true
		isFile, ok := s.file[ref]
		if !ok {
			j, err := s.uploads.UploadJob(ctx, ref.GuildID, ref.ID)
			if err != nil {
				continue // deleted meanwhile, or seen at the next look
			}
			isFile = j.File != nil
			s.file[ref] = isFile
		}
		if isFile == file {
			out = append(out, ref)
		}
	}
	if len(s.file) > 2*len(refs)+64 {
		for ref := range s.file {
			if !live[ref] {
				delete(s.file, ref)
			}
		}
	}
	return out, nil
}

func uploadHead(j shelf.UploadJob) jobs.JobHead {
	return jobs.JobHead{GuildID: j.GuildID, ID: j.ID, UserID: j.UserID, ChannelID: j.ChannelID, State: j.State,
		Notified: j.Notified, AppID: j.AppID, Token: j.Token, TokenAt: j.TokenAt}
}

// uploadKind runs queued uploads in this process.
type uploadKind struct {
	c       *cmds
	mu      sync.Mutex
	working map[shelf.ImportRef]bool // jobs holding a pool slot here
}

func (u *uploadKind) setWorking(ref shelf.ImportRef, on bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if on {
		u.working[ref] = true
	} else {
		delete(u.working, ref)
	}
}

func (u *uploadKind) isWorking(ref shelf.ImportRef) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.working[ref]
}

func (u *uploadKind) begin(context.Context, shelf.UploadJob) (jobs.JobSteps[shelf.UploadJob], error) {
	return uploadSteps{u}, nil
}

// uploadWhat names a queued upload's work for the member: "import
// “story.html”", "add AO3 work 123".
func uploadWhat(j shelf.UploadJob) string {
	if j.File != nil {
		return "import " + quote(j.File.Filename)
	}
	return fmt.Sprintf("add AO3 work %d", j.WorkID)
}

// uploadSteps is the one step of a queued upload.
type uploadSteps struct{ u *uploadKind }

func (uploadSteps) More(j shelf.UploadJob) bool { return j.Cursor < 1 }

// refuse is the write recording j's step as refused with msg.
func (s uploadSteps) refuse(j shelf.UploadJob, msg string) jobs.JobWrite[shelf.UploadJob] {
	return func(ctx context.Context, at time.Time) (shelf.UploadJob, error) {
		return s.u.c.uploads.UploadStep(ctx, j.GuildID, j.ID, shelf.UploadResult{Outcome: shelf.UploadRefused, Message: msg}, at)
	}
}

// Next does the upload in a slot of this process's pool (imports or
// links): the download, the parse and the story write, which records the
// step. Its write only reads back the job (or records a refusal).
func (s uploadSteps) Next(ctx context.Context, j shelf.UploadJob) (jobs.JobWrite[shelf.UploadJob], error) {
	c := s.u.c
	var in uploadRequest
	if err := json.Unmarshal(j.Options, &in); err != nil {
		c.log.Error("queued upload: unreadable options", "guild", j.GuildID, "job", j.ID, "err", err)
		return s.refuse(j, fmt.Sprintf("I couldn't %s: its options couldn't be read back. Please run `/story add` again.", uploadWhat(j))), nil
	}
	if _, err := c.uploads.StartUploadJob(ctx, j.GuildID, j.ID); err != nil {
		return nil, jobs.HaltJob(err)
	}
	pool := c.pools.Link
	if j.File != nil {
		pool = c.pools.Import
	}
	t, err := pool.Enqueue(j.GuildID)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", j.ID, err)
	}
	defer t.Done()
	if err := t.Wait(ctx); err != nil {
		return nil, jobs.HaltJob(err)
	}
	ref := shelf.ImportRef{GuildID: j.GuildID, ID: j.ID}
	s.u.setWorking(ref, true)
	defer s.u.setWorking(ref, false)

	var att *discordgo.MessageAttachment
	if f := j.File; f != nil {
		if discordURLExpired(f.URL, c.now()) {
			return s.refuse(j, fmt.Sprintf("The file %s waited too long in line: Discord no longer keeps it for me to download. Please upload it again with `/story add`.", quote(f.Filename))), nil
		}
		att = &discordgo.MessageAttachment{URL: f.URL, Filename: f.Filename, Size: f.Size, ContentType: f.ContentType}
	}
	req := &Request{GuildID: j.GuildID, ChannelID: j.ChannelID, UserID: j.UserID, UserName: in.UserName, Permissions: in.Permissions,
		Type: discordgo.InteractionApplicationCommand, Command: "story", Subcommand: "add"}
	resp, err := c.storyAddWork(shelf.WithUploadJob(ctx, j.GuildID, j.ID, ""), req, in.Options, att, j.WorkID)
	var ue *UserError
	switch {
	case errors.Is(err, shelf.ErrImportState):
		return func(context.Context, time.Time) (shelf.UploadJob, error) { return j, err }, nil // done already
	case errors.As(err, &ue):
		return s.refuse(j, ue.Message), nil
	case err != nil:
		if _, jerr := c.uploads.UploadJob(ctx, j.GuildID, j.ID); errors.Is(jerr, shelf.ErrNotFound) {
			// Deleted meanwhile (/mydata delete): its write found no job
			// and added nothing; it is no longer listed to run.
			return nil, jobs.HaltJob(err)
		}
		return nil, err // tried again after a pause, then given up
	}
	after, err := c.uploads.UploadJob(ctx, j.GuildID, j.ID)
	if err != nil {
		return nil, jobs.HaltJob(err)
	}
	if after.Cursor >= 1 {
		return func(context.Context, time.Time) (shelf.UploadJob, error) { return after, nil }, nil
	}
	// Answered without a write (a story the member may not update).
	msg := "Nothing was added."
	if resp != nil && resp.Data != nil && resp.Data.Content != "" {
		msg = resp.Data.Content
	}
	return s.refuse(j, msg), nil
}

func (s uploadSteps) GiveUp(j shelf.UploadJob, err error) jobs.JobWrite[shelf.UploadJob] {
	return s.refuse(j, fmt.Sprintf("Something went wrong and I couldn't %s. Please try again later.", uploadWhat(j)))
}

// uploadWording is what a member reads of a queued upload.
type uploadWording struct{ u *uploadKind }

// Queued implements jobs.JobQueueWording.
func (w uploadWording) Queued(_ context.Context, j shelf.UploadJob, place int) (*discordgo.WebhookEdit, error) {
	return textEdit(queuedText(uploadWhat(j), place, 0)), nil
}

func textEdit(s string) *discordgo.WebhookEdit {
	return &discordgo.WebhookEdit{Content: &s, Embeds: &[]*discordgo.MessageEmbed{}, Components: &[]discordgo.MessageComponent{}, AllowedMentions: noPings()}
}

func (w uploadWording) Progress(ctx context.Context, j shelf.UploadJob, done bool) (*discordgo.WebhookEdit, error) {
	if !done {
		if w.u.isWorking(shelf.ImportRef{GuildID: j.GuildID, ID: j.ID}) {
			return textEdit(fmt.Sprintf("⏳ Working on it now: %s.", uploadWhat(j))), nil
		}
		return textEdit(queuedText(uploadWhat(j), 1, 0)), nil
	}
	content, embed, buttons, err := w.result(ctx, j)
	if err != nil {
		return nil, err
	}
	embeds := []*discordgo.MessageEmbed{}
	if embed != nil {
		embeds = append(embeds, embed)
	}
	if buttons == nil {
		buttons = []discordgo.MessageComponent{}
	}
	return &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &buttons, AllowedMentions: noPings()}, nil
}

// result is a done job's answer: the sentence, and for a story its card
// and buttons.
func (w uploadWording) result(ctx context.Context, j shelf.UploadJob) (string, *discordgo.MessageEmbed, []discordgo.MessageComponent, error) {
	c := w.u.c
	if j.Outcome == shelf.UploadRefused || j.StoryID == "" {
		return j.Message, nil, nil, nil
	}
	rec, err := c.stories.Story(ctx, j.GuildID, j.StoryID)
	if errors.Is(err, shelf.ErrNotFound) {
		return fmt.Sprintf("I did %s, but the story has been removed from the library since.", uploadWhat(j)), nil, nil, nil
	}
	if err != nil {
		return "", nil, nil, fmt.Errorf("upload %s: story %s: %w", j.ID, j.StoryID, err)
	}
	card, err := c.card(ctx, &Request{GuildID: j.GuildID, ChannelID: j.ChannelID, UserID: j.UserID}, rec)
	if err != nil {
		return "", nil, nil, err
	}
	msg := fmt.Sprintf("📚 <@%s> added %s to the library.", j.UserID, storyName(rec.Story.Title))
	if j.Outcome == shelf.UploadUpdated {
		msg = fmt.Sprintf("🔄 <@%s> updated %s: %s chapters.", j.UserID, storyName(rec.Story.Title), rec.Story.ChapterCount())
	} else if len(rec.Chapters) == 0 {
		msg += " (Details only, from AO3: upload the work's download to post excerpts from it.)"
	}
	if j.Message != "" {
		msg += " " + j.Message
	}
	return msg, card, cardButtons(rec), nil
}

func (w uploadWording) Ended(ctx context.Context, j shelf.UploadJob) (dm, channel *discordgo.MessageSend, err error) {
	content, embed, _, err := w.result(ctx, j)
	if err != nil {
		return nil, nil, err
	}
	var embeds []*discordgo.MessageEmbed
	if embed != nil {
		embeds = []*discordgo.MessageEmbed{embed}
	}
	if j.Outcome == shelf.UploadRefused || j.StoryID == "" {
		content = fmt.Sprintf("<@%s>, about your queued upload (%s): %s", j.UserID, uploadWhat(j), content)
	}
	dm = &discordgo.MessageSend{Content: content, Embeds: embeds, AllowedMentions: noPings()}
	channel = &discordgo.MessageSend{Content: content, Embeds: embeds, AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{j.UserID}}}
	return dm, channel, nil
}
