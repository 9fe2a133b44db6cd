package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// The series jobs of /story add link:<series link>, run by the import
// runner (under its lease, so one process of a deployment runs them): each
// job adds its works from its cursor, reads the series' next page when the
// works listed so far are done, and edits its progress into the answer.

// runSeries runs series jobs until ctx is done (then waits for them to
// stop at a step's end).
func (r *ImportRunner) runSeries(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	active := map[shelf.ImportRef]bool{}
	var mu sync.Mutex
	for {
		var refs []shelf.ImportRef
		if r.c.series != nil {
			var err error
			refs, err = r.c.series.RunningSeriesJobs(ctx)
			if err != nil && ctx.Err() == nil {
				r.log.Error("series runner: list jobs", "err", err)
			}
		}
		for _, ref := range refs {
			mu.Lock()
			busy := active[ref] || len(active) >= maxImportJobs
			if !busy {
				active[ref] = true
			}
			mu.Unlock()
			if busy {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					mu.Lock()
					delete(active, ref)
					mu.Unlock()
					r.wakeSeries()
				}()
				if err := r.runSeriesJob(ctx, ref); err != nil && ctx.Err() == nil {
					r.log.Error("series job failed; trying again later", "guild", ref.GuildID, "series_job", ref.ID, "err", err)
				}
			}()
		}
		select {
		case <-ctx.Done():
			return
		case <-r.seriesWake:
		case <-time.After(importPoll):
		}
	}
}

func (r *ImportRunner) wakeSeries() {
	select {
	case r.seriesWake <- struct{}{}:
	default:
	}
}

// seriesView is a running series job's answer: the latest state, edited
// in by a ticker while the job works.
type seriesView struct {
	r       *ImportRunner
	mu      sync.Mutex
	j       shelf.SeriesJob
	works   []shelf.SeriesJobWork // for the final answer
	shown   int
	version int
	expired bool
	final   bool
}

func (v *seriesView) set(j shelf.SeriesJob) {
	v.mu.Lock()
	v.j = j
	v.version++
	v.mu.Unlock()
}

// flush edits the answer with the latest state when it changed.
func (v *seriesView) flush(ctx context.Context, done bool) bool {
	v.mu.Lock()
	j, works, ver, changed := v.j, v.works, v.version, v.version != v.shown
	expired := v.expired
	v.mu.Unlock()
	if (!changed && !done) || expired {
		return !expired
	}
	content := seriesContent(j)
	embeds := []*discordgo.MessageEmbed{seriesProgressEmbed(j, works, done)}
	ok, final := v.r.editByToken(ctx, j.GuildID, "series_job", j.ID, j.AppID, j.Token, j.TokenAt, done,
		&discordgo.WebhookEdit{Content: &content, Embeds: &embeds, AllowedMentions: noPings()})
	v.mu.Lock()
	v.final = final
	if ok {
		v.shown = ver
	} else {
		v.expired = true
	}
	v.mu.Unlock()
	return ok
}

// editByToken edits a job's answer through its interaction token; ok false
// when it could not, final when it never will (the token expired, or
// there is none).
func (r *ImportRunner) editByToken(ctx context.Context, guild, kind, id, appID, token string, tokenAt time.Time, done bool, e *discordgo.WebhookEdit) (ok, final bool) {
	if r.jd == nil || token == "" || time.Since(tokenAt) > r.tokenTTL && r.c.now().Sub(tokenAt) > r.tokenTTL {
		return false, true
	}
	ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := r.jd.EditInteractionResponse(ectx, appID, token, e)
	if err == nil {
		return true, false
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && (re.Response.StatusCode == 401 ||
		re.Response.StatusCode == 404 && time.Since(tokenAt) > time.Minute && r.c.now().Sub(tokenAt) > time.Minute) {
		return false, true
	}
	r.log.Warn("job: could not edit the progress", "guild", guild, kind, id, "err", err)
	return !done, false
}

// runSeriesJob runs one series job from its cursor to its end and tells
// the member.
func (r *ImportRunner) runSeriesJob(ctx context.Context, ref shelf.ImportRef) error {
	st := r.c.series
	j, err := st.SeriesJob(ctx, ref.GuildID, ref.ID)
	if err != nil {
		return err
	}
	view := &seriesView{r: r, j: j, version: 1}
	if j.State == shelf.ImportRunning {
		stop := make(chan struct{})
		tick := make(chan struct{})
		go func() {
			defer close(tick)
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-time.After(importEditEvery):
				}
				view.flush(ctx, false)
			}
		}()
		j, err = r.seriesSteps(ctx, j, view)
		close(stop)
		<-tick
		if err != nil {
			return err
		}
		if j, err = st.FinishSeriesJob(ctx, j.GuildID, j.ID, false, r.c.now()); err != nil {
			return err
		}
		view.set(j)
	}
	if j.State != shelf.ImportDone || j.Notified {
		return nil
	}
	works, err := st.SeriesJobWorks(ctx, j.GuildID, j.ID, 0, j.Total)
	if err != nil {
		return err
	}
	view.mu.Lock()
	view.works = works
	view.mu.Unlock()
	told := view.flush(ctx, true)
	for try := 0; !told && !view.final && try < 3 && time.Since(j.TokenAt) < time.Minute; try++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		view.mu.Lock()
		view.expired = false
		view.mu.Unlock()
		told = view.flush(ctx, true)
	}
	if !told {
		if err := r.tellSeriesMember(ctx, j, works); err != nil {
			var re *discordgo.RESTError
			if !errors.As(err, &re) || re.Response == nil || re.Response.StatusCode < 400 || re.Response.StatusCode >= 500 || re.Response.StatusCode == 429 {
				return err
			}
			r.log.Warn("series: could not tell the member it ended", "guild", j.GuildID, "series_job", j.ID, "err", err)
		}
	}
	_, err = st.FinishSeriesJob(ctx, j.GuildID, j.ID, true, r.c.now())
	return err
}

// tellSeriesMember says a series job ended when its answer can no longer
// be edited: in a direct message, else in its channel mentioning them.
func (r *ImportRunner) tellSeriesMember(ctx context.Context, j shelf.SeriesJob, works []shelf.SeriesJobWork) error {
	embed := seriesProgressEmbed(j, works, true)
	if r.jd != nil {
		_, err := r.jd.DirectMessage(ctx, j.UserID, &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{embed}, AllowedMentions: noPings()})
		if err == nil {
			return nil
		}
		r.log.Info("series: no direct message; telling the member in the channel", "guild", j.GuildID, "series_job", j.ID, "err", err)
	}
	if r.c.discord == nil || j.ChannelID == "" {
		return fmt.Errorf("no way to tell member %s", j.UserID)
	}
	m := &discordgo.MessageSend{
		Content:         fmt.Sprintf("<@%s>, the series you added is in the library.", j.UserID),
		Embeds:          []*discordgo.MessageEmbed{embed},
		AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{j.UserID}},
	}
	_, err := r.c.discord.SendMessageOnce(ctx, j.ChannelID, "ser"+j.GuildID[max(0, len(j.GuildID)-8):]+"-"+j.ID, m)
	return err
}

// seriesSteps applies the job's works from its cursor, reading the next
// page of the series whenever the works listed so far are done.
func (r *ImportRunner) seriesSteps(ctx context.Context, j shelf.SeriesJob, view *seriesView) (shelf.SeriesJob, error) {
	st := r.c.series
	var works []shelf.SeriesJobWork
	base, tries := 0, 0
	retry := func(err error, what string) error {
		tries++
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if tries >= importMaxTries {
			return nil // give up on it
		}
		r.log.Warn("series: "+what+" failed; trying again", "guild", j.GuildID, "series_job", j.ID, "cursor", j.Cursor, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.retry):
		}
		return err
	}
	for !j.Listed || j.Cursor < j.Total {
		if err := ctx.Err(); err != nil {
			return j, err
		}
		if j.Cursor >= j.Total {
			nj, err := r.seriesNextPage(ctx, j)
			if err != nil {
				if err := retry(err, "reading the next page"); err != nil {
					if ctx.Err() != nil {
						return j, err
					}
					continue
				}
				// AO3 kept failing: stop at the pages read.
				r.log.Error("series: giving up on the next page", "guild", j.GuildID, "series_job", j.ID, "page", j.Pages+1)
				nj, err = st.AddSeriesPage(ctx, j.GuildID, j.ID, j.Pages+1, nil, j.LastPage, true)
				if err != nil && !errors.Is(err, shelf.ErrImportState) {
					return j, err
				}
				if err != nil {
					nj, err = st.SeriesJob(ctx, j.GuildID, j.ID)
					if err != nil {
						return j, err
					}
				}
			}
			tries = 0
			j = nj
			view.set(j)
			continue
		}
		if j.Cursor < base || j.Cursor >= base+len(works) {
			base = j.Cursor
			var err error
			if works, err = st.SeriesJobWorks(ctx, j.GuildID, j.ID, base, importWorkBatch); err != nil {
				return j, err
			}
			if len(works) == 0 {
				return j, fmt.Errorf("series job %s: no work %d of %d", j.ID, j.Cursor, j.Total)
			}
		}
		w := works[j.Cursor-base]
		in, err := r.seriesInput(ctx, j, w)
		if err != nil {
			if err := retry(err, "a work"); err != nil {
				if ctx.Err() != nil {
					return j, err
				}
				continue
			}
			r.log.Error("series: giving up on a work", "guild", j.GuildID, "series_job", j.ID, "step", j.Cursor, "err", err)
			in = shelf.SeriesStepInput{Failure: "AO3 couldn't be reached; add it again later"}
		}
		nj, err := st.SeriesStep(ctx, j.GuildID, j.ID, j.Cursor, in, r.c.now())
		if errors.Is(err, shelf.ErrImportState) {
			// Done already (by this process before a restart, or another).
			if nj, err = st.SeriesJob(ctx, j.GuildID, j.ID); err != nil {
				return j, err
			}
			if nj.State != shelf.ImportRunning {
				return nj, nil
			}
		} else if err != nil {
			return j, err
		}
		tries = 0
		j = nj
		view.set(j)
	}
	return j, nil
}

// seriesNextPage reads the job's next page and appends its new works.
func (r *ImportRunner) seriesNextPage(ctx context.Context, j shelf.SeriesJob) (shelf.SeriesJob, error) {
	c := r.c
	if c.ao3 == nil {
		return j, errors.New("no AO3 client")
	}
	page := j.Pages + 1
	before, err := c.series.SeriesJobWorks(ctx, j.GuildID, j.ID, 0, j.Total)
	if err != nil {
		return j, err
	}
	if c.ao3.Gate == nil {
		if err := r.spacing.Wait(ctx); err != nil {
			return j, err
		}
	}
	sp, err := c.ao3.SeriesPage(ctx, j.SeriesID, page)
	if err != nil {
		var ie *fic.ImportError
		if errors.As(err, &ie) && !transientAO3(err) {
			// The series went away meanwhile: the pages read are all.
			r.log.Warn("series: the next page is refused; stopping there", "guild", j.GuildID, "series_job", j.ID, "page", page, "err", err)
			sp, err = &fic.SeriesPage{}, nil
		} else {
			return j, err
		}
	}
	works := seriesPageWorks(sp, before)
	// Stopping early leaves LastPage past Pages: the answer says so.
	listed, _ := seriesListed(sp, page, len(works), c.ao3.MaxSeriesPages)
	nj, err := c.series.AddSeriesPage(ctx, j.GuildID, j.ID, page, works, sp.LastPage, listed)
	if errors.Is(err, shelf.ErrImportState) {
		return c.series.SeriesJob(ctx, j.GuildID, j.ID)
	}
	return nj, err
}

// seriesInput is what a work's step needs beyond the listing: the work's
// own page, read only when the listing lacked something essential and
// the library does not have the work already.
func (r *ImportRunner) seriesInput(ctx context.Context, j shelf.SeriesJob, w shelf.SeriesJobWork) (shelf.SeriesStepInput, error) {
	c := r.c
	if w.Unrevealed || w.Story == nil || !needsWorkPage(w.Story) {
		return shelf.SeriesStepInput{}, nil
	}
	if _, err := c.stories.StoryByAO3(ctx, j.GuildID, w.Story.AO3ID); err == nil {
		return shelf.SeriesStepInput{}, nil
	} else if !errors.Is(err, shelf.ErrNotFound) {
		return shelf.SeriesStepInput{}, err
	}
	if c.ao3 != nil && c.ao3.Gate == nil {
		if err := r.spacing.Wait(ctx); err != nil {
			return shelf.SeriesStepInput{}, err
		}
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
