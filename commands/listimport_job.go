package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/jobs"
	"ficshelf/shelf"
)

// What a step of a persisted job does, and what the member reads of it:
// reading-list imports here, series links in story_series_job.go. The
// mechanism that runs them (which job, its steps, retries, progress
// edits, telling the member) is jobs.JobRunner.

// importWorkBatch is how many works a job reads from the store at once.
const importWorkBatch = 100

// importDefaultGap spaces the AO3 look-ups of imports when the client has
// no gate of its own.
const importDefaultGap = 5 * time.Second

// AddImportJobs has r run reading-list imports and the series jobs of
// /story add with a series link, for d's store and AO3 client. gap spaces
// their AO3 look-ups when the AO3 client has no Gate (0: 5 s).
func AddImportJobs(r *jobs.JobRunner, d Deps, gap time.Duration) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	c := newCmds(d)
	c.ao3 = d.AO3
	if gap <= 0 {
		gap = importDefaultGap
	}
	k := &jobKinds{c: c, spacing: fic.NewSpacing(gap)}
	jobs.AddJobKind(r, "import", "imp", jobs.JobKindOf[shelf.ImportJob]{
		List: c.imports.RunningImportJobs, Load: c.imports.ImportJob, Done: c.imports.FinishImportJob,
		HeadOf: importHead, Start: k.beginImport,
	}, importWording{})
	if c.series != nil {
		jobs.AddJobKind(r, "series_job", "ser", jobs.JobKindOf[shelf.SeriesJob]{
			List: c.series.RunningSeriesJobs, Load: c.series.SeriesJob, Done: c.series.FinishSeriesJob,
			HeadOf: seriesHead, Start: k.beginSeries,
		}, seriesWording{c.series})
	}
}

// jobKinds is what both kinds of job share: the commands and the pace of
// AO3 look-ups.
type jobKinds struct {
	c       *cmds
	spacing *fic.Spacing
}

// pace waits for this process's turn at AO3 when the client has no gate
// of its own (the deployment's AO3Gate).
func (k *jobKinds) pace(ctx context.Context) error {
	if k.c.ao3 != nil && k.c.ao3.Gate == nil {
		return k.spacing.Wait(ctx)
	}
	return nil
}

func importHead(j shelf.ImportJob) jobs.JobHead {
	return jobs.JobHead{GuildID: j.GuildID, ID: j.ID, UserID: j.UserID, ChannelID: j.ChannelID, State: j.State,
		Notified: j.Notified, AppID: j.AppID, Token: j.Token, TokenAt: j.TokenAt}
}

// beginImport reads the guild's library keys, which the import's steps
// match works on.
func (k *jobKinds) beginImport(ctx context.Context, j shelf.ImportJob) (jobs.JobSteps[shelf.ImportJob], error) {
	keys, err := k.c.imports.LibraryKeys(ctx, j.GuildID)
	if err != nil {
		return nil, err
	}
	return &importSteps{k: k, ix: newLibraryIndex(keys)}, nil
}

// importSteps apply an import's works from its cursor.
type importSteps struct {
	k     *jobKinds
	ix    *libraryIndex
	works []shelf.ImportWork // works [base, base+len) of the job
	base  int
}

func (s *importSteps) More(j shelf.ImportJob) bool { return j.Cursor < j.Total }

// work is the job's work at its cursor.
func (s *importSteps) work(ctx context.Context, j shelf.ImportJob) (shelf.ImportWork, error) {
	if j.Cursor < s.base || j.Cursor >= s.base+len(s.works) {
		works, err := s.k.c.imports.ImportWorks(ctx, j.GuildID, j.ID, j.Cursor, importWorkBatch)
		if err != nil {
			return shelf.ImportWork{}, jobs.HaltJob(err)
		}
		if len(works) == 0 {
			return shelf.ImportWork{}, jobs.HaltJob(fmt.Errorf("import %s: no work %d of %d", j.ID, j.Cursor, j.Total))
		}
		s.base, s.works = j.Cursor, works
	}
	return s.works[j.Cursor-s.base], nil
}

func (s *importSteps) write(j shelf.ImportJob, res shelf.ImportStepResult) jobs.JobWrite[shelf.ImportJob] {
	return func(ctx context.Context, at time.Time) (shelf.ImportJob, error) {
		return s.k.c.imports.ImportStep(ctx, j.GuildID, j.ID, j.Cursor, res, at)
	}
}

func (s *importSteps) Next(ctx context.Context, j shelf.ImportJob) (jobs.JobWrite[shelf.ImportJob], error) {
	w, err := s.work(ctx, j)
	if err != nil {
		return nil, err
	}
	res, err := s.step(ctx, j, w)
	if err != nil {
		return nil, err
	}
	return s.write(j, res), nil
}

func (s *importSteps) GiveUp(j shelf.ImportJob, _ error) jobs.JobWrite[shelf.ImportJob] {
	label := fmt.Sprintf("work %d", j.Cursor+1)
	if j.Cursor >= s.base && j.Cursor < s.base+len(s.works) {
		label = workLabel(s.works[j.Cursor-s.base])
	}
	return s.write(j, shelf.ImportStepResult{Outcome: shelf.ImportFailed, Failure: label + " (AO3 couldn't be reached; try importing it again later)"})
}

// step works out one work's result: its story (added from AO3 by link
// when the library lacks it) and the entry to write.
func (s *importSteps) step(ctx context.Context, j shelf.ImportJob, w shelf.ImportWork) (shelf.ImportStepResult, error) {
	c := s.k.c
	id := s.ix.match(w)
	added := false
	if id == "" && w.AO3ID > 0 {
		rec, err := c.stories.StoryByAO3(ctx, j.GuildID, w.AO3ID)
		switch {
		case errors.Is(err, shelf.ErrNotFound):
			if err := s.k.pace(ctx); err != nil {
				return shelf.ImportStepResult{}, err
			}
			var existed bool
			rec, existed, err = c.addByLink(ctx, &Request{GuildID: j.GuildID, UserID: j.UserID, ChannelID: j.ChannelID}, w.AO3ID)
			if err != nil {
				if transientAO3(err) || ctx.Err() != nil {
					return shelf.ImportStepResult{}, err
				}
				var ue *UserError
				if errors.As(err, &ue) {
					return shelf.ImportStepResult{Outcome: shelf.ImportFailed, Failure: workLabel(w) + ": " + ue.Message}, nil
				}
				return shelf.ImportStepResult{}, err
			}
			added = !existed
		case err != nil:
			return shelf.ImportStepResult{}, err
		}
		id = rec.ID
		s.ix.add(shelf.LibraryKey{StoryID: rec.ID, AO3ID: rec.Story.AO3ID, Title: rec.Story.Title, Authors: rec.Story.Authors})
	}
	if id == "" {
		return shelf.ImportStepResult{Outcome: shelf.ImportFailed, Failure: workLabel(w) + " (not in this server's library)"}, nil
	}
	rec, err := c.stories.Story(ctx, j.GuildID, id)
	if errors.Is(err, shelf.ErrNotFound) {
		return shelf.ImportStepResult{Outcome: shelf.ImportFailed, Failure: workLabel(w) + " (removed from the library meanwhile)"}, nil
	}
	if err != nil {
		return shelf.ImportStepResult{}, err
	}
	cur, err := c.lists.ListEntry(ctx, j.GuildID, j.UserID, id)
	exists := err == nil
	if err != nil && !errors.Is(err, shelf.ErrNotFound) {
		return shelf.ImportStepResult{}, err
	}
	e, outcome := importEntry(w, id, cur, exists, rec.Story.ChaptersPosted, rec.Story.ChaptersExpected)
	res := shelf.ImportStepResult{Outcome: outcome, StoryAdded: added}
	if outcome != shelf.ImportUnchanged {
		res.Entry = &e
	}
	return res, nil
}

// importWording is what a member reads of their import (jobs.JobWording).
type importWording struct{}

func (importWording) Progress(_ context.Context, j shelf.ImportJob, done bool) (*discordgo.WebhookEdit, error) {
	embeds := []*discordgo.MessageEmbed{importProgressEmbed(j, done)}
	comps := []discordgo.MessageComponent{}
	content := ""
	return &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noPings()}, nil
}

func (importWording) Ended(_ context.Context, j shelf.ImportJob) (dm, channel *discordgo.MessageSend, err error) {
	embed := importProgressEmbed(j, true)
	embed.Title = "Your reading-list import is done"
	dm, channel = jobEnded(embed, j.UserID, "your reading-list import is done.")
	return dm, channel, nil
}

// jobEnded are the messages that tell member a job ended: by direct
// message, the embed; in the job's channel, the embed under a line that
// mentions them (and pings no one else) followed by text.
func jobEnded(embed *discordgo.MessageEmbed, member, text string) (dm, channel *discordgo.MessageSend) {
	dm = &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{embed}, AllowedMentions: noPings()}
	channel = &discordgo.MessageSend{
		Content:         fmt.Sprintf("<@%s>, %s", member, text),
		Embeds:          []*discordgo.MessageEmbed{embed},
		AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{member}},
	}
	return dm, channel
}

// transientAO3 reports whether an AO3 look-up failed for a passing reason.
func transientAO3(err error) bool {
	return errors.Is(err, fic.ErrAO3Busy) || errors.Is(err, fic.ErrAO3Unavailable) || errors.Is(err, context.DeadlineExceeded)
}
