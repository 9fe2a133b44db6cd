package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/jobs"
	"ficshelf/shelf"
)

// The series jobs of /story add link:<series link>, run by the
// jobs.JobRunner of imports (under its lease, so one process of a
// deployment runs them): each step adds a work from the job's cursor, or
// reads the series' next page when the works listed so far are done.

func seriesHead(j shelf.SeriesJob) jobs.JobHead {
	return jobs.JobHead{GuildID: j.GuildID, ID: j.ID, UserID: j.UserID, ChannelID: j.ChannelID, State: j.State,
		Notified: j.Notified, AppID: j.AppID, Token: j.Token, TokenAt: j.TokenAt}
}

func (k *jobKinds) beginSeries(context.Context, shelf.SeriesJob) (jobs.JobSteps[shelf.SeriesJob], error) {
	return &seriesSteps{k: k}, nil
}

// seriesSteps add a series job's works from its cursor, reading the next
// page of the series whenever the works listed so far are done.
type seriesSteps struct {
	k     *jobKinds
	works []shelf.SeriesJobWork // works [base, base+len) of the job
	base  int
}

func (s *seriesSteps) More(j shelf.SeriesJob) bool { return !j.Listed || j.Cursor < j.Total }

func (s *seriesSteps) Next(ctx context.Context, j shelf.SeriesJob) (jobs.JobWrite[shelf.SeriesJob], error) {
	if j.Cursor >= j.Total {
		return s.nextPage(ctx, j)
	}
	if j.Cursor < s.base || j.Cursor >= s.base+len(s.works) {
		works, err := s.k.c.series.SeriesJobWorks(ctx, j.GuildID, j.ID, j.Cursor, importWorkBatch)
		if err != nil {
			return nil, jobs.HaltJob(err)
		}
		if len(works) == 0 {
			return nil, jobs.HaltJob(fmt.Errorf("series job %s: no work %d of %d", j.ID, j.Cursor, j.Total))
		}
		s.base, s.works = j.Cursor, works
	}
	in, err := s.input(ctx, j, s.works[j.Cursor-s.base])
	if err != nil {
		return nil, err
	}
	return s.step(j, in), nil
}

func (s *seriesSteps) step(j shelf.SeriesJob, in shelf.SeriesStepInput) jobs.JobWrite[shelf.SeriesJob] {
	return func(ctx context.Context, at time.Time) (shelf.SeriesJob, error) {
		return s.k.c.series.SeriesStep(ctx, j.GuildID, j.ID, j.Cursor, in, at)
	}
}

// GiveUp fails the work at the cursor, or, when the next page was to be
// read, stops at the pages read.
func (s *seriesSteps) GiveUp(j shelf.SeriesJob, _ error) jobs.JobWrite[shelf.SeriesJob] {
	if j.Cursor >= j.Total {
		return func(ctx context.Context, _ time.Time) (shelf.SeriesJob, error) {
			return s.k.c.series.AddSeriesPage(ctx, j.GuildID, j.ID, j.Pages+1, nil, j.LastPage, true)
		}
	}
	return s.step(j, shelf.SeriesStepInput{Failure: "AO3 couldn't be reached; add it again later"})
}

// nextPage reads the job's next page; its write appends the page's new
// works.
func (s *seriesSteps) nextPage(ctx context.Context, j shelf.SeriesJob) (jobs.JobWrite[shelf.SeriesJob], error) {
	c := s.k.c
	if c.ao3 == nil {
		return nil, errors.New("no AO3 client")
	}
	page := j.Pages + 1
	before, err := c.series.SeriesJobWorks(ctx, j.GuildID, j.ID, 0, j.Total)
	if err != nil {
		return nil, err
	}
	if err := s.k.pace(ctx); err != nil {
		return nil, err
	}
	sp, err := c.ao3.SeriesPage(ctx, j.SeriesID, page)
	if err != nil {
		var ie *fic.ImportError
		if !errors.As(err, &ie) || transientAO3(err) {
			return nil, err
		}
		// The series went away meanwhile: the pages read are all.
		c.log.Warn("series: the next page is refused; stopping there", "guild", j.GuildID, "series_job", j.ID, "page", page, "err", err)
		sp = &fic.SeriesPage{}
	}
	works := seriesPageWorks(sp, before)
	// Stopping early leaves LastPage past Pages: the answer says so.
	listed, _ := seriesListed(sp, page, len(works), c.ao3.MaxSeriesPages)
	return func(ctx context.Context, _ time.Time) (shelf.SeriesJob, error) {
		return c.series.AddSeriesPage(ctx, j.GuildID, j.ID, page, works, sp.LastPage, listed)
	}, nil
}

// input is what a work's step needs beyond the listing: the work's own
// page, read only when the listing lacked something essential and the
// library does not have the work already.
func (s *seriesSteps) input(ctx context.Context, j shelf.SeriesJob, w shelf.SeriesJobWork) (shelf.SeriesStepInput, error) {
	c := s.k.c
	if w.Unrevealed || w.Story == nil || !needsWorkPage(w.Story) {
		return shelf.SeriesStepInput{}, nil
	}
	if _, err := c.stories.StoryByAO3(ctx, j.GuildID, w.Story.AO3ID); err == nil {
		return shelf.SeriesStepInput{}, nil
	} else if !errors.Is(err, shelf.ErrNotFound) {
		return shelf.SeriesStepInput{}, err
	}
	if err := s.k.pace(ctx); err != nil {
		return shelf.SeriesStepInput{}, err
	}
	st, err := c.fetchWork(ctx, w.Story.AO3ID)
	if err != nil {
		if transientAO3(err) || ctx.Err() != nil {
			return shelf.SeriesStepInput{}, err
		}
		var ue *UserError
		if errors.As(err, &ue) {
			return shelf.SeriesStepInput{Failure: ue.Message}, nil
		}
		return shelf.SeriesStepInput{}, err
	}
	return shelf.SeriesStepInput{Story: st}, nil
}

// needsWorkPage reports whether a series listing's blurb lacks what a
// story needs (a title, its chapters, its rating), so the work's own page
// must be read.
func needsWorkPage(s *fic.Story) bool {
	return strings.TrimSpace(s.Title) == "" || s.ChaptersPosted == 0 || s.Rating == ""
}

// seriesWording is what a member reads of their series job
// (jobs.JobWording); once it ended, the answer lists its works.
type seriesWording struct{ store shelf.SeriesJobs }

func (w seriesWording) works(ctx context.Context, j shelf.SeriesJob, done bool) ([]shelf.SeriesJobWork, error) {
	if !done {
		return nil, nil
	}
	return w.store.SeriesJobWorks(ctx, j.GuildID, j.ID, 0, j.Total)
}

func (w seriesWording) Progress(ctx context.Context, j shelf.SeriesJob, done bool) (*discordgo.WebhookEdit, error) {
	works, err := w.works(ctx, j, done)
	if err != nil {
		return nil, err
	}
	content := seriesContent(j)
	embeds := []*discordgo.MessageEmbed{seriesProgressEmbed(j, works, done)}
	return &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, AllowedMentions: noPings()}, nil
}

func (w seriesWording) Ended(ctx context.Context, j shelf.SeriesJob) (dm, channel *discordgo.MessageSend, err error) {
	works, err := w.works(ctx, j, true)
	if err != nil {
		return nil, nil, err
	}
	dm, channel = jobEnded(seriesProgressEmbed(j, works, true), j.UserID, "the series you added is in the library.")
	return dm, channel, nil
}
