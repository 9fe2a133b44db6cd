package commands

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
	"ficshelf/workpool"
)

// Heavy interactive work — /story add with a file or a link, /mydata
// export, /readinglist stats — runs in bounded worker pools shared fairly
// between servers (package workpool), behind per-member and per-server
// rate limits. Cheap commands (kudos, autocomplete, excerpts, lists) never
// pass through here.

// Pools are the worker pools and rate limits of the heavy commands.
type Pools struct {
	// Import runs /story add's file downloads, parses and stores.
	Import *workpool.Pool
	// Link runs /story add's AO3 link look-ups (which wait for AO3's pace,
	// so they do not hold import slots meanwhile).
	Link *workpool.Pool
	// Export runs /mydata export and /readinglist stats.
	Export *workpool.Pool
	// ImportLimits and ExportLimits are the rates of the two families per
	// member and per server (nil: none).
	ImportLimits *workpool.Limits
	ExportLimits *workpool.Limits

	// life is the in-memory work's shutdown (heavy_shutdown.go).
	life heavyLife
}

// PoolSizes size Pools; zero fields take the defaults (DefaultPoolSizes).
type PoolSizes struct {
	ImportWorkers  int // imports at once in the process
	ImportPerGuild int // of which one server may run (0: half of them, at least 1)
	ImportQueue    int // imports one server may have waiting
	ExportWorkers  int
	ExportPerGuild int
	// Rates per member and per server; a zero Rate takes the default, a
	// negative Burst turns the limit off.
	ImportMember, ImportGuild workpool.Rate
	ExportMember, ExportGuild workpool.Rate
}

// DefaultPoolSizes are the sizes used for zero PoolSizes fields: half the
// CPUs for imports (parsing a 20 MiB file is CPU-bound; the other half is
// left for everyone's light commands), one of them per server unless
// there are four or more.
func DefaultPoolSizes() PoolSizes {
	w := max(1, runtime.NumCPU()/2)
	return PoolSizes{
		ImportWorkers: w, ImportQueue: 100,
		ExportWorkers: max(2, w), ExportPerGuild: 1,
		ImportMember: workpool.Rate{Burst: 10, Every: 10 * time.Second},
		ImportGuild:  workpool.Rate{Burst: 100, Every: 2 * time.Second},
		ExportMember: workpool.Rate{Burst: 5, Every: 12 * time.Second},
		ExportGuild:  workpool.Rate{Burst: 60, Every: time.Second},
	}
}

// NewPools builds the pools and limits for s (zero fields: defaults).
func NewPools(s PoolSizes) *Pools {
	d := DefaultPoolSizes()
	or := func(v, def int) int {
		if v <= 0 {
			return def
		}
		return v
	}
	rate := func(r, def workpool.Rate) workpool.Rate {
		switch {
		case r.Burst < 0:
			return workpool.Rate{}
		case r.Burst == 0 || r.Every <= 0:
			return def
		}
		return r
	}
	iw := or(s.ImportWorkers, d.ImportWorkers)
	ew := or(s.ExportWorkers, d.ExportWorkers)
	return &Pools{
		Import: workpool.New(workpool.Config{Name: "import", Workers: iw,
			PerGuild: s.ImportPerGuild, MaxQueue: or(s.ImportQueue, d.ImportQueue)}),
		// Link look-ups mostly wait for AO3's pace (one request every
		// AO3_REQUEST_GAP for the deployment): cheap to have a few in
		// flight, but bounded all the same.
		Link: workpool.New(workpool.Config{Name: "link", Workers: 8, PerGuild: 4, MaxQueue: or(s.ImportQueue, d.ImportQueue)}),
		Export: workpool.New(workpool.Config{Name: "export", Workers: ew,
			PerGuild: or(s.ExportPerGuild, d.ExportPerGuild), MaxQueue: 20}),
		ImportLimits: &workpool.Limits{Member: rate(s.ImportMember, d.ImportMember), Guild: rate(s.ImportGuild, d.ImportGuild)},
		ExportLimits: &workpool.Limits{Member: rate(s.ExportMember, d.ExportMember), Guild: rate(s.ExportGuild, d.ExportGuild)},
	}
}

// tokenEditor edits an interaction's original answer by its token after
// the handler returned (bot.Bot implements it).
type tokenEditor interface {
	EditInteractionResponse(ctx context.Context, appID, token string, e *discordgo.WebhookEdit) error
}

// tokenLife is how long after an interaction arrives its answer may still
// be edited: Discord's 15 minutes, less a margin for the last edit.
const tokenLife = 14 * time.Minute

// lastStart is how much of the token's life must be left for queued work
// to start: enough to finish and edit its answer in.
const lastStart = 2 * time.Minute

// queueEditEvery is how often a queued answer's place is looked at, and
// edited in when it changed (SPEC §4: work that takes a while shows where
// it stands); further back in line, less often (awaitHeavy).
const queueEditEvery = 4 * time.Second

// heavyJob describes one piece of heavy work for runHeavy.
type heavyJob struct {
	pool   *workpool.Pool
	limits *workpool.Limits
	// what names the work for the member: "import `story.html`".
	what string
	// ephemeral: the queued answer (and so the result edited into it) is
	// seen only by the member.
	ephemeral bool
	// long: the work takes seconds even when it starts at once (a big
	// file), so the member is answered at once that it is under way,
	// rather than after the bot's deferral timer, whatever the load.
	long bool
	// run does the work and returns its answer (a message: content,
	// embeds, components, files).
	run func(ctx context.Context) (*discordgo.InteractionResponse, error)
	// persist, when set, stores work that cannot run in the handler as a
	// job run by the deployment's runner (story_upload_job.go), and
	// returns its place in line: queued work then survives a restart.
	// shelf.ErrQueueFull when the server's line is full.
	persist func(ctx context.Context) (int, error)
}

// runHeavy answers req with job: rate limits first (a refusal says when to
// try again), then a slot in job's pool. With a slot free at once the work
// runs here, answered as any handler is (deferred when slow). Otherwise
// the member is told at once where the work stands in the queue ("Queued:
// 3rd in line"), and the work runs when its turn comes, its place, its
// start and its result edited into that answer through the interaction's
// token. Work whose wait would outlive the token is refused, not lost.
func (c *cmds) runHeavy(ctx context.Context, req *Request, job heavyJob) (*discordgo.InteractionResponse, error) {
	if ok, retry, which := job.limits.Allow(req.GuildID, req.UserID); !ok {
		who := "You've"
		if which == "server" {
			who = "This server has"
		}
		return nil, Errorf("%s asked me to %s too often just now. Try again %s.", who, job.what, discordTime(retry))
	}
	t, err := job.pool.Enqueue(req.GuildID)
	var busy *workpool.BusyError
	if errors.As(err, &busy) {
		return nil, Sorry(err, fmt.Sprintf("Too much is waiting in line here right now for me to %s in time. Try again %s.",
			job.what, discordTime(c.now().Add(max(busy.RetryAfter, 10*time.Second)))))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: enqueue: %w", job.pool.Name(), err)
	}
	ed, ok := c.discord.(tokenEditor)
	canEdit := ok && req.Interaction != nil && req.Interaction.Token != ""
	select {
	case <-t.Ready():
		if !job.long || !canEdit {
			defer t.Done()
			return job.run(ctx)
		}
	default:
	}
	if !canEdit {
		// No way to edit the answer later: wait here (the bot defers).
		defer t.Done()
		if err := t.Wait(ctx); err != nil {
			return nil, Sorry(err, fmt.Sprintf("I couldn't %s in time. Please try again later.", job.what))
		}
		return job.run(ctx)
	}
	if job.persist != nil {
		return c.persistHeavy(ctx, t, job)
	}
	appID, token := req.Interaction.AppID, req.Interaction.Token
	end, ok := c.pools.life.begin()
	if !ok {
		t.Done()
		return nil, Errorf("%s", restartedText(job.what))
	}
	// The work outlives this handler (whose ctx ends when it returns); it
	// keeps the values of ctx and the token's lifetime.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenLife)
	go func() {
		defer end()
		defer cancel()
		defer t.Done()
		c.awaitHeavy(bg, ed, appID, token, t, job)
	}()
	text := fmt.Sprintf("⏳ Working on it: %s. I'll edit this message when it's done.", job.what)
	if place := t.Place(); place > 0 {
		text = queuedText(job.what, place, t.Estimate())
	}
	r := Reply(text)
	if job.ephemeral {
		r.Data.Flags = discordgo.MessageFlagsEphemeral
	}
	return r, nil
}

// persistHeavy stores job (which could not run in the handler: t is
// waiting, or the work is long) as a persisted job and answers with its
// place in line; t is given back, the job taking its own slot when its
// turn comes.
func (c *cmds) persistHeavy(ctx context.Context, t *workpool.Ticket, job heavyJob) (*discordgo.InteractionResponse, error) {
	startsNow := t.Place() == 0
	t.Done()
	place, err := job.persist(ctx)
	if errors.Is(err, shelf.ErrQueueFull) {
		return nil, Sorry(err, fmt.Sprintf("Too much is waiting in line here right now for me to %s. Try again %s.",
			job.what, discordTime(c.now().Add(time.Minute))))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", job.pool.Name(), err)
	}
	text := fmt.Sprintf("⏳ Working on it: %s. I'll edit this message when it's done.", job.what)
	if !startsNow || place > 1 {
		// Its wait: the places ahead of it, each a piece's usual run time
		// shared by the pool's slots.
		est := job.pool.Stats().Avg * time.Duration(place) / time.Duration(job.pool.Config().Workers)
		text = queuedText(job.what, place, est)
	}
	r := Reply(text)
	if job.ephemeral {
		r.Data.Flags = discordgo.MessageFlagsEphemeral
	}
	return r, nil
}

// awaitHeavy waits for t's slot (editing the place into the answer as it
// changes), runs the job and edits its result in.
func (c *cmds) awaitHeavy(ctx context.Context, ed tokenEditor, appID, token string, t *workpool.Ticket, job heavyJob) {
	edit := func(e *discordgo.WebhookEdit) {
		ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if e.AllowedMentions == nil {
			e.AllowedMentions = noPings()
		}
		if err := ed.EditInteractionResponse(ectx, appID, token, e); err != nil {
			c.log.Warn("heavy work: could not edit the answer", "pool", job.pool.Name(), "err", err)
		}
	}
	text := func(s string) *discordgo.WebhookEdit {
		return &discordgo.WebhookEdit{Content: &s, Embeds: &[]*discordgo.MessageEmbed{}, Components: &[]discordgo.MessageComponent{}}
	}
	shown, shownAt := t.Place(), time.Now()
	tick := time.NewTicker(queueEditEvery)
	defer tick.Stop()
	stopping := c.pools.life.stopping()
wait:
	for {
		select {
		case <-t.Ready():
			break wait
		case <-stopping:
			select {
			case <-t.Ready():
				break wait // its turn came with the shutdown: it runs
			default:
			}
			edit(text(restartedText(job.what)))
			return
		case <-ctx.Done():
			edit(text(fmt.Sprintf("I couldn't %s in time: too much was waiting in line. Please try again later.", job.what)))
			return
		case <-tick.C:
			// The place as it changes, but the further back in line the
			// less often (every place-many seconds, at least every 4 s),
			// so that a long line is not a storm of edits.
			p := t.Place()
			if p != shown && p > 0 && time.Since(shownAt) >= max(queueEditEvery, time.Duration(p)*time.Second) {
				shown, shownAt = p, time.Now()
				edit(text(queuedText(job.what, p, t.Estimate())))
			}
		}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < lastStart {
		// Its answer could no longer be edited in when done: refuse
		// rather than do work nobody would hear of.
		edit(text(fmt.Sprintf("I couldn't %s in time: too much was waiting in line. Please try again.", job.what)))
		return
	}
	if t.Waited() > queueEditEvery/2 {
		edit(text(fmt.Sprintf("⏳ Working on it now: %s.", job.what)))
	}
	resp, err := job.run(ctx)
	var ue *UserError
	switch {
	case errors.As(err, &ue):
		edit(text(ue.Message))
	case err != nil:
		c.log.Error("heavy work failed", "pool", job.pool.Name(), "err", err)
		edit(text("Something went wrong. Please try again later."))
	case resp == nil || resp.Data == nil:
		c.log.Error("heavy work returned no answer", "pool", job.pool.Name())
		edit(text("Something went wrong. Please try again later."))
	default:
		d := resp.Data
		content := d.Content
		embeds := d.Embeds
		if embeds == nil {
			embeds = []*discordgo.MessageEmbed{}
		}
		comps := d.Components
		if comps == nil {
			comps = []discordgo.MessageComponent{}
		}
		edit(&discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &comps, Files: d.Files, AllowedMentions: d.AllowedMentions})
	}
}

// queuedText tells the member the work's place in line.
func queuedText(what string, place int, est time.Duration) string {
	s := fmt.Sprintf("⏳ Queued: %s in line to %s.", ordinal(max(place, 1)), what)
	if est >= 5*time.Second {
		s += fmt.Sprintf(" It should start in about %s.", roughDuration(est))
	}
	return s + " I'll edit this message when it starts and when it's done."
}

// discordTime is a Discord relative timestamp ("in 2 minutes").
func discordTime(t time.Time) string {
	return fmt.Sprintf("<t:%d:R>", t.Add(999*time.Millisecond).Unix())
}

// ordinal is 1st, 2nd, 3rd, 4th, 11th, 21st, …
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// roughDuration is "40 seconds", "3 minutes".
func roughDuration(d time.Duration) string {
	if d < 90*time.Second {
		return fmt.Sprintf("%d seconds", int(d.Round(10*time.Second)/time.Second))
	}
	return fmt.Sprintf("%d minutes", int(d.Round(time.Minute)/time.Minute))
}
