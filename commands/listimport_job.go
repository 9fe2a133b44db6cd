package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// JobDiscord is what long jobs need of Discord besides the Discord
// interface: editing an interaction's answer by its token after the
// handler returned (the 15 minutes Discord allows), and direct messages.
// Package bot implements it; without it a job tells the member in the
// channel.
type JobDiscord interface {
	// EditInteractionResponse edits the original answer of the
	// interaction with this application ID and token.
	EditInteractionResponse(ctx context.Context, appID, token string, e *discordgo.WebhookEdit) error
	// DirectMessage sends m to the user in a direct message.
	DirectMessage(ctx context.Context, userID string, m *discordgo.MessageSend) (*discordgo.Message, error)
}

// Import job timing.
const (
	// importEditEvery is how often a running import's answer is edited
	// (when it changed): within the 5 seconds SPEC.md promises.
	importEditEvery = 3 * time.Second
	// importTokenLife is how long after the Import button an edit is tried:
	// a little under Discord's 15 minutes.
	importTokenLife = 14*time.Minute + 30*time.Second
	// importPoll is how often the runner looks for jobs started by another
	// process (a click answered elsewhere) besides being woken.
	importPoll = 5 * time.Second
	// importRetry is the pause after a step failed for a passing reason
	// (AO3 busy or down, the store unavailable); importMaxTries tries of a
	// step fail it.
	importRetry    = 15 * time.Second
	importMaxTries = 4
	// importDefaultGap spaces the AO3 look-ups of imports when the client
	// has no gate of its own.
	importDefaultGap = 5 * time.Second
	// importWorkBatch is how many works are read from the store at once.
	importWorkBatch = 100
	// maxImportJobs is how many jobs run at once.
	maxImportJobs = 4
)

// ImportRunner runs reading-list imports, and the series jobs of /story
// add with a series link: every running job of every guild, each step once (the store moves the job's cursor with the step's
// write). Run it under a lease (jobs.Leased) so that one process of a
// deployment runs it.
type ImportRunner struct {
	c        *cmds
	jd       JobDiscord // nil: no token edits or DMs
	log      *slog.Logger
	gap      time.Duration
	spacing  *fic.Spacing
	wake     chan struct{}
	retry    time.Duration
	tokenTTL time.Duration

	mu     sync.Mutex
	active map[shelf.ImportRef]bool

	seriesWake chan struct{} // story_series_job.go
}

// NewImportRunner returns the import runner of d. gap spaces its AO3
// look-ups when the AO3 client has no Gate (0: 5 s).
func NewImportRunner(d Deps, gap time.Duration) *ImportRunner {
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
	r := &ImportRunner{c: c, log: d.Log, gap: gap, spacing: fic.NewSpacing(gap), wake: make(chan struct{}, 1),
		retry: importRetry, tokenTTL: importTokenLife, active: map[shelf.ImportRef]bool{}, seriesWake: make(chan struct{}, 1)}
	if jd, ok := d.Discord.(JobDiscord); ok {
		r.jd = jd
	}
	return r
}

// Wake makes the runner look for new jobs now; it never blocks.
func (r *ImportRunner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
	r.wakeSeries()
}

// Run runs jobs until ctx is done (then waits for them to stop at a step's
// end) and returns ctx's error.
func (r *ImportRunner) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() { // series links (story_series_job.go)
		defer wg.Done()
		r.runSeries(ctx)
	}()
	for {
		refs, err := r.c.imports.RunningImportJobs(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Error("import runner: list jobs", "err", err)
		}
		for _, ref := range refs {
			r.mu.Lock()
			busy := r.active[ref] || len(r.active) >= maxImportJobs
			if !busy {
				r.active[ref] = true
			}
			r.mu.Unlock()
			if busy {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() {
					r.mu.Lock()
					delete(r.active, ref)
					r.mu.Unlock()
					r.Wake()
				}()
				if err := r.runJob(ctx, ref); err != nil && ctx.Err() == nil {
					r.log.Error("import job failed; trying again later", "guild", ref.GuildID, "import", ref.ID, "err", err)
				}
			}()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.wake:
		case <-time.After(importPoll):
		}
	}
}

// jobView is a running job's answer: the latest state, edited in by a
// ticker while the job works.
type jobView struct {
	r       *ImportRunner
	mu      sync.Mutex
	j       shelf.ImportJob
	shown   int // the version last edited in
	version int
	expired bool // the token no longer edits the answer
	final   bool // the last failure says so for good (401, or no token)
}

func (v *jobView) set(j shelf.ImportJob) {
	v.mu.Lock()
	v.j = j
	v.version++
	v.mu.Unlock()
}

// flush edits the answer with the latest state when it changed.
func (v *jobView) flush(ctx context.Context, done bool) bool {
	v.mu.Lock()
	j, ver, changed := v.j, v.version, v.version != v.shown
	expired := v.expired
	v.mu.Unlock()
	if (!changed && !done) || expired {
		return !expired
	}
	ok, final := v.r.editAnswer(ctx, j, done)
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

// editAnswer edits the job's answer; ok false when it could not, final
// when it never will (the token expired, or there is none).
func (r *ImportRunner) editAnswer(ctx context.Context, j shelf.ImportJob, done bool) (ok, final bool) {
	if r.jd == nil || j.Token == "" || time.Since(j.TokenAt) > r.tokenTTL && r.c.now().Sub(j.TokenAt) > r.tokenTTL {
		return false, true
	}
	embeds := []*discordgo.MessageEmbed{importProgressEmbed(j, done)}
	comps := []discordgo.MessageComponent{}
	content := ""
	ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := r.jd.EditInteractionResponse(ectx, j.AppID, j.Token, &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: noPings()})
	if err == nil {
		return true, false
	}
	// 401: the token expired; 404: the answer is gone (dismissed),
	// unless the click's own answer has not landed yet.
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && (re.Response.StatusCode == 401 ||
		re.Response.StatusCode == 404 && time.Since(j.TokenAt) > time.Minute && r.c.now().Sub(j.TokenAt) > time.Minute) {
		return false, true
	}
	r.log.Warn("import: could not edit the progress", "guild", j.GuildID, "import", j.ID, "err", err)
	return !done, false // a passing failure: the end is told some other way
}

// runJob runs one job from its cursor to its end and tells the member.
func (r *ImportRunner) runJob(ctx context.Context, ref shelf.ImportRef) error {
	st := r.c.imports
	j, err := st.ImportJob(ctx, ref.GuildID, ref.ID)
	if err != nil {
		return err
	}
	view := &jobView{r: r, j: j, version: 1}
	if j.State == shelf.ImportRunning {
		stop := make(chan struct{})
		tick := make(chan struct{})
		go func() {
			// The Import button's answer shows the start; edits follow
			// (not before: Discord may not have that answer yet).
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
		j, err = r.steps(ctx, j, view)
		close(stop)
		<-tick
		if err != nil {
			return err
		}
		if j, err = st.FinishImportJob(ctx, j.GuildID, j.ID, false, r.c.now()); err != nil {
			return err
		}
		view.set(j)
	}
	if j.State != shelf.ImportDone || j.Notified {
		return nil
	}
	told := view.flush(ctx, true)
	// A job done within moments of the click may edit before Discord has
	// the click's answer: try again for a little while.
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
		if err := r.tellMember(ctx, j); err != nil {
			var re *discordgo.RESTError
			if !errors.As(err, &re) || re.Response == nil || re.Response.StatusCode < 400 || re.Response.StatusCode >= 500 || re.Response.StatusCode == 429 {
				return err // a passing failure: told on the next pass
			}
			// Discord refuses for good (channel gone, no access): the
			// member sees the outcome in their list.
			r.log.Warn("import: could not tell the member it ended", "guild", j.GuildID, "import", j.ID, "err", err)
		}
	}
	_, err = st.FinishImportJob(ctx, j.GuildID, j.ID, true, r.c.now())
	return err
}

// tellMember says an import ended when its answer can no longer be
// edited: in a direct message, else in its channel mentioning them.
func (r *ImportRunner) tellMember(ctx context.Context, j shelf.ImportJob) error {
	embed := importProgressEmbed(j, true)
	embed.Title = "Your reading-list import is done"
	if r.jd != nil {
		_, err := r.jd.DirectMessage(ctx, j.UserID, &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{embed}, AllowedMentions: noPings()})
		if err == nil {
			return nil
		}
		r.log.Info("import: no direct message; telling the member in the channel", "guild", j.GuildID, "import", j.ID, "err", err)
	}
	if r.c.discord == nil || j.ChannelID == "" {
		return fmt.Errorf("no way to tell member %s", j.UserID)
	}
	m := &discordgo.MessageSend{
		Content:         fmt.Sprintf("<@%s>, your reading-list import is done.", j.UserID),
		Embeds:          []*discordgo.MessageEmbed{embed},
		AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{j.UserID}},
	}
	_, err := r.c.discord.SendMessageOnce(ctx, j.ChannelID, "imp"+j.GuildID[max(0, len(j.GuildID)-8):]+"-"+j.ID, m)
	return err
}

// steps applies the job's works from its cursor.
func (r *ImportRunner) steps(ctx context.Context, j shelf.ImportJob, view *jobView) (shelf.ImportJob, error) {
	st := r.c.imports
	keys, err := st.LibraryKeys(ctx, j.GuildID)
	if err != nil {
		return j, err
	}
	ix := newLibraryIndex(keys)
	var works []shelf.ImportWork
	base := 0
	tries := 0
	for j.Cursor < j.Total {
		if err := ctx.Err(); err != nil {
			return j, err
		}
		if j.Cursor < base || j.Cursor >= base+len(works) {
			base = j.Cursor
			if works, err = st.ImportWorks(ctx, j.GuildID, j.ID, base, importWorkBatch); err != nil {
				return j, err
			}
			if len(works) == 0 {
				return j, fmt.Errorf("import %s: no work %d of %d", j.ID, j.Cursor, j.Total)
			}
		}
		w := works[j.Cursor-base]
		res, err := r.step(ctx, j, w, ix)
		if err != nil {
			tries++
			if ctx.Err() != nil {
				return j, ctx.Err()
			}
			if tries < importMaxTries {
				r.log.Warn("import: step failed; trying again", "guild", j.GuildID, "import", j.ID, "step", j.Cursor, "err", err)
				select {
				case <-ctx.Done():
					return j, ctx.Err()
				case <-time.After(r.retry):
				}
				continue
			}
			r.log.Error("import: giving up on a work", "guild", j.GuildID, "import", j.ID, "step", j.Cursor, "err", err)
			res = shelf.ImportStepResult{Outcome: shelf.ImportFailed, Failure: workLabel(w) + " (AO3 couldn't be reached; try importing it again later)"}
		}
		nj, err := st.ImportStep(ctx, j.GuildID, j.ID, j.Cursor, res, r.c.now())
		if errors.Is(err, shelf.ErrImportState) {
			// Done already (by this process before a restart, or another).
			if nj, err = st.ImportJob(ctx, j.GuildID, j.ID); err != nil {
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

// step works out one work's result: its story (added from AO3 by link
// when the library lacks it) and the entry to write.
func (r *ImportRunner) step(ctx context.Context, j shelf.ImportJob, w shelf.ImportWork, ix *libraryIndex) (shelf.ImportStepResult, error) {
	c := r.c
	id := ix.match(w)
	added := false
	if id == "" && w.AO3ID > 0 {
		rec, err := c.stories.StoryByAO3(ctx, j.GuildID, w.AO3ID)
		switch {
		case errors.Is(err, shelf.ErrNotFound):
			if c.ao3 != nil && c.ao3.Gate == nil {
				if err := r.spacing.Wait(ctx); err != nil {
					return shelf.ImportStepResult{}, err
				}
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
		ix.add(shelf.LibraryKey{StoryID: rec.ID, AO3ID: rec.Story.AO3ID, Title: rec.Story.Title, Authors: rec.Story.Authors})
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

// transientAO3 reports whether an AO3 look-up failed for a passing reason.
func transientAO3(err error) bool {
	return errors.Is(err, fic.ErrAO3Busy) || errors.Is(err, fic.ErrAO3Unavailable) || errors.Is(err, context.DeadlineExceeded)
}
