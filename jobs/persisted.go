package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// Persisted jobs: work a member started (a reading-list import, a series
// link) stored as a job with a cursor, run step by step until it ends,
// then the member told. The store moves the job's cursor in the same
// transaction as the step's write, so each step is done once across
// crashes and processes; the JobRunner here is the mechanism (which job
// to run, its steps, retries, progress edits, telling the member), and
// each kind of job brings its steps (JobKind) and its wording (JobWording).

// Persisted-job timing defaults.
const (
	// DefaultJobEditEvery is how often a running job's answer is edited
	// (when it changed): within the 5 seconds SPEC.md promises.
	DefaultJobEditEvery = 3 * time.Second
	// DefaultJobTokenLife is how long after the click an edit by its
	// token is tried: a little under Discord's 15 minutes.
	DefaultJobTokenLife = 14*time.Minute + 30*time.Second
	// DefaultJobPoll is how often the runner looks for jobs besides being
	// woken: how it finds a job made runnable through another process when
	// no notice (ListenJobs) reached it.
	DefaultJobPoll = 5 * time.Second
	// DefaultJobRetry is the first pause after a step failed for a passing
	// reason (AO3 busy or down, the store unavailable); each further
	// failure of the same step doubles it. DefaultJobMaxTries failures of
	// a step in a row give it up (JobSteps.GiveUp).
	DefaultJobRetry    = 15 * time.Second
	DefaultJobMaxTries = 4
	// DefaultMaxJobs is how many jobs one process runs at once.
	DefaultMaxJobs = 4
)

// JobHead is what the runner reads of every persisted job.
type JobHead struct {
	GuildID, ID, UserID, ChannelID string
	// State is ImportRunning while steps are left, then ImportDone.
	State shelf.ImportState
	// Notified is true once the member was told the job ended.
	Notified bool
	// AppID and Token are the interaction whose answer shows the
	// progress; TokenAt is when Discord issued the token.
	AppID, Token string
	TokenAt      time.Time
}

// JobWrite is a step's store write: it applies the step and moves the
// job's cursor past it in one transaction, and returns the job after it.
// It returns shelf.ErrImportState when the step was done already (by this
// process before a restart, or by another).
type JobWrite[J any] func(ctx context.Context, at time.Time) (J, error)

// JobKind is one kind of persisted job: where its jobs are stored.
type JobKind[J any] interface {
	// Running lists the jobs of every guild that are running, or done
	// with their member not told yet.
	Running(ctx context.Context) ([]shelf.ImportRef, error)
	// Job reads a job's head; shelf.ErrNotFound when none.
	Job(ctx context.Context, guild, id string) (J, error)
	// Head is what the runner needs of j.
	Head(j J) JobHead
	// Finish marks a job whose steps are all done as done at at (once);
	// notified records that the member has been told.
	Finish(ctx context.Context, guild, id string, notified bool, at time.Time) (J, error)
	// Begin starts running j's steps in this process: it reads what they
	// share (a library index, a batch of works).
	Begin(ctx context.Context, j J) (JobSteps[J], error)
}

// JobKindOf is a JobKind made of functions, most of them its store's
// methods.
type JobKindOf[J any] struct {
	List   func(ctx context.Context) ([]shelf.ImportRef, error)
	Load   func(ctx context.Context, guild, id string) (J, error)
	HeadOf func(j J) JobHead
	Done   func(ctx context.Context, guild, id string, notified bool, at time.Time) (J, error)
	Start  func(ctx context.Context, j J) (JobSteps[J], error)
}

// Running implements JobKind with List.
func (k JobKindOf[J]) Running(ctx context.Context) ([]shelf.ImportRef, error) { return k.List(ctx) }

// Job implements JobKind with Load.
func (k JobKindOf[J]) Job(ctx context.Context, guild, id string) (J, error) {
	return k.Load(ctx, guild, id)
}

// Head implements JobKind with HeadOf.
func (k JobKindOf[J]) Head(j J) JobHead { return k.HeadOf(j) }

// Finish implements JobKind with Done.
func (k JobKindOf[J]) Finish(ctx context.Context, guild, id string, notified bool, at time.Time) (J, error) {
	return k.Done(ctx, guild, id, notified, at)
}

// Begin implements JobKind with Start.
func (k JobKindOf[J]) Begin(ctx context.Context, j J) (JobSteps[J], error) { return k.Start(ctx, j) }

// JobSteps are the steps of one run of a job.
type JobSteps[J any] interface {
	// More reports whether j has steps left.
	More(j J) bool
	// Next works out j's next step (reading AO3 or the store as it
	// needs) and returns its write. An error is a passing failure: the
	// step is tried again after a pause, and given up (GiveUp) after
	// MaxTries failures in a row; an error marked by HaltJob stops the
	// run instead (the job is run again later).
	Next(ctx context.Context, j J) (JobWrite[J], error)
	// GiveUp is the write that records j's next step as failed for good
	// after err, so that the job goes on with the next.
	GiveUp(j J, err error) JobWrite[J]
}

// JobWording is what a member reads of a job (package commands writes it).
type JobWording[J any] interface {
	// Progress is the edit of the job's answer that shows j (done: it
	// ended).
	Progress(ctx context.Context, j J, done bool) (*discordgo.WebhookEdit, error)
	// Ended tells the member j ended when its answer can no longer be
	// edited: dm by direct message, else channel in the job's channel
	// (mentioning them).
	Ended(ctx context.Context, j J) (dm, channel *discordgo.MessageSend, err error)
}

// JobQueueWording is what a member reads of a job waiting its turn; a
// kind's JobWording may implement it, and its jobs' answers then show
// their place in line as it changes.
type JobQueueWording[J any] interface {
	// Queued is the edit of j's answer that shows its place in line (1:
	// next to start).
	Queued(ctx context.Context, j J, place int) (*discordgo.WebhookEdit, error)
}

// DefaultPlaceEditEvery is the least time between two edits of a waiting
// job's place; further back in line, a second per place.
const DefaultPlaceEditEvery = 4 * time.Second

// JobDiscord is what a job does on Discord besides posting: editing an
// interaction's answer by its token after the handler returned, and direct
// messages (package bot implements it).
type JobDiscord interface {
	EditInteractionResponse(ctx context.Context, appID, token string, e *discordgo.WebhookEdit) error
	DirectMessage(ctx context.Context, userID string, m *discordgo.MessageSend) (*discordgo.Message, error)
}

// JobPoster posts a message once per nonce (package bot implements it).
type JobPoster interface {
	SendMessageOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error)
}

// PoolObserver receives a job pool's figures (package metrics implements
// it): after each claim, how many jobs wait and run; when a job starts,
// how long it waited since this process first saw it waiting.
type PoolObserver interface {
	JobPoolDepth(pool string, waiting, running int)
	JobPoolWait(pool string, wait time.Duration)
}

// haltErr marks a step error that stops the run (HaltJob).
type haltErr struct{ err error }

func (h haltErr) Error() string { return h.err.Error() }
func (h haltErr) Unwrap() error { return h.err }

// HaltJob marks err, returned by JobSteps.Next, as stopping the job's run
// rather than failing its step: the job stays where it is and is run
// again at the runner's next look.
func HaltJob(err error) error { return haltErr{err} }

// JobRunner runs persisted jobs of one or more kinds (AddJobKind): at most
// Max at once, shared fairly between guilds (a guild with many jobs waiting
// does not hold up another's single job), each from its cursor to its
// end, then the member told. Run it under a Leased so that one process of
// a deployment runs it.
type JobRunner struct {
	// Pool names the runner in logs and metrics, e.g. "imports".
	Pool string
	// Max is how many jobs run at once; 0 means DefaultMaxJobs.
	Max int
	// Poll, Retry, MaxTries, EditEvery, TokenLife and PlaceEvery
	// (DefaultPlaceEditEvery): 0 means their Default.
	Poll, Retry, EditEvery, TokenLife, PlaceEvery time.Duration
	MaxTries                                      int
	// Now stamps the store's writes; nil means time.Now.
	Now func() time.Time
	// Observer, when set, receives the pool's figures.
	Observer PoolObserver

	poster JobPoster  // nil: no channel messages
	jd     JobDiscord // nil: no token edits or direct messages
	log    *slog.Logger
	kinds  []jobKind
	wake   chan struct{}

	mu       sync.Mutex
	active   map[jobKey]bool
	perGuild map[string]int       // running jobs by guild
	seen     map[jobKey]time.Time // when a waiting job was first seen
	last     string               // the guild a job was last started for
	places   map[jobKey]placeShown
	placing  bool // an editPlaces is under way
}

// placeShown is the place in line a waiting job's answer shows, and when
// it was shown.
type placeShown struct {
	place int
	at    time.Time
}

// jobKey names a job of one kind.
type jobKey struct {
	kind int
	ref  shelf.ImportRef
}

// jobKind is a JobKind with its types erased.
type jobKind interface {
	running(ctx context.Context) ([]shelf.ImportRef, error)
	run(ctx context.Context, ref shelf.ImportRef) error
	name() string
	// queued edits the answer of a waiting job to show its place; false
	// when the kind shows no places.
	queued(ctx context.Context, ref shelf.ImportRef, place int) bool
}

// NewJobRunner returns a runner posting through p (which may also be a
// JobDiscord, for token edits and direct messages); a nil log discards.
func NewJobRunner(pool string, p JobPoster, log *slog.Logger) *JobRunner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &JobRunner{Pool: pool, poster: p, log: log, wake: make(chan struct{}, 1),
		active: map[jobKey]bool{}, perGuild: map[string]int{}, seen: map[jobKey]time.Time{}, places: map[jobKey]placeShown{}}
	if jd, ok := p.(JobDiscord); ok {
		r.jd = jd
	}
	return r
}

// AddJobKind has r run the jobs of k, told with w; name names the kind in
// logs, and nonce (a few letters) prefixes its channel messages' nonces.
// Call it before Run.
func AddJobKind[J any](r *JobRunner, name, nonce string, k JobKind[J], w JobWording[J]) {
	r.kinds = append(r.kinds, &kindRunner[J]{r: r, kind: name, nonce: nonce, k: k, w: w})
}

// Wake makes the runner look for new jobs now; it never blocks.
func (r *JobRunner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *JobRunner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// Run runs jobs until ctx is done (then waits for them to stop at a step's
// end) and returns ctx's error.
func (r *JobRunner) Run(ctx context.Context) error { return r.RunDrain(ctx, nil) }

// RunDrain is Run that also stops taking jobs once stop is closed (a
// shutdown): the jobs running then go on, under ctx, and RunDrain returns
// nil when they have ended. A nil stop never closes.
func (r *JobRunner) RunDrain(ctx context.Context, stop <-chan struct{}) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-stop:
			return nil // after the running jobs (wg)
		default:
		}
		r.claim(ctx, &wg)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-stop:
		case <-r.wake:
		case <-time.After(orDefault(r.Poll, DefaultJobPoll)):
		}
	}
}

// Running is how many jobs this runner is running now.
func (r *JobRunner) Running() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.active)
}

// claim lists the jobs waiting and starts as many as there is room for,
// chosen fairly between guilds.
func (r *JobRunner) claim(ctx context.Context, wg *sync.WaitGroup) {
	var waiting []jobKey
	for i, k := range r.kinds {
		refs, err := k.running(ctx)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("job runner: list jobs", "pool", r.Pool, "kind", k.name(), "err", err)
			}
			continue
		}
		for _, ref := range refs {
			waiting = append(waiting, jobKey{kind: i, ref: ref})
		}
	}
	now := time.Now()
	r.mu.Lock()
	free := orDefault(r.Max, DefaultMaxJobs) - len(r.active)
	live := map[jobKey]bool{}
	var queued []jobKey
	for _, key := range waiting {
		if r.active[key] {
			continue
		}
		live[key] = true
		queued = append(queued, key)
		if _, ok := r.seen[key]; !ok {
			r.seen[key] = now
		}
	}
	for key := range r.seen {
		if !live[key] {
			delete(r.seen, key) // run or finished elsewhere
		}
	}
	start := pickFair(queued, r.perGuild, free, r.last)
	waits := make([]time.Duration, len(start))
	for i, key := range start {
		r.active[key] = true
		r.perGuild[key.ref.GuildID]++
		r.last = key.ref.GuildID
		waits[i] = now.Sub(r.seen[key])
		delete(r.seen, key)
	}
	running := len(r.active)
	// The rest wait: their places, in the order they will start.
	var line []jobKey
	if rest := len(queued) - len(start); rest > 0 && !r.placing {
		started := map[jobKey]bool{}
		for _, key := range start {
			started[key] = true
		}
		waitingNow := make([]jobKey, 0, rest)
		for _, key := range queued {
			if !started[key] {
				waitingNow = append(waitingNow, key)
			}
		}
		line = pickFair(waitingNow, r.perGuild, rest, r.last)
		r.placing = true
	}
	r.mu.Unlock()
	if line != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.editPlaces(ctx, line)
		}()
	}
	if o := r.Observer; o != nil {
		o.JobPoolDepth(r.Pool, len(queued)-len(start), running)
		for _, w := range waits {
			o.JobPoolWait(r.Pool, w)
		}
	}
	for _, key := range start {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := r.kinds[key.kind]
			err := k.run(ctx, key.ref)
			if err != nil && ctx.Err() == nil {
				r.log.Error("job failed; trying again later", "pool", r.Pool, "kind", k.name(), "guild", key.ref.GuildID, "job", key.ref.ID, "err", err)
			}
			r.mu.Lock()
			delete(r.active, key)
			if r.perGuild[key.ref.GuildID]--; r.perGuild[key.ref.GuildID] <= 0 {
				delete(r.perGuild, key.ref.GuildID)
			}
			r.mu.Unlock()
			if err == nil {
				// Its place is free: the next job starts now. A job that
				// failed is tried again at the next look (Poll), not at
				// once, so a lasting failure does not spin.
				r.Wake()
			}
		}()
	}
}

// editPlaces edits the answers of the jobs in line (in the order they
// will start) whose place changed: at most every PlaceEvery, and further
// back in line less often (a quarter of it per place: with the default,
// a second), so that a long line is not a storm of edits. A job seen for
// the first time keeps the place its own answer gave.
func (r *JobRunner) editPlaces(ctx context.Context, line []jobKey) {
	defer func() {
		r.mu.Lock()
		r.placing = false
		r.mu.Unlock()
	}()
	now := time.Now()
	every := orDefault(r.PlaceEvery, DefaultPlaceEditEvery)
	inLine := make(map[jobKey]bool, len(line))
	var edits []jobKey
	r.mu.Lock()
	for i, key := range line {
		inLine[key] = true
		shown, ok := r.places[key]
		switch {
		case !ok:
			r.places[key] = placeShown{place: i + 1, at: now}
		case shown.place != i+1 && now.Sub(shown.at) >= max(every, time.Duration(i+1)*every/4):
			edits = append(edits, key)
		}
	}
	for key := range r.places {
		if !inLine[key] {
			delete(r.places, key)
		}
	}
	r.mu.Unlock()
	for _, key := range edits {
		if ctx.Err() != nil {
			return
		}
		place := 0
		for i, k := range line {
			if k == key {
				place = i + 1
			}
		}
		if r.kinds[key.kind].queued(ctx, key.ref, place) {
			r.mu.Lock()
			if _, ok := r.places[key]; ok {
				r.places[key] = placeShown{place: place, at: time.Now()}
			}
			r.mu.Unlock()
		}
	}
}

// pickFair chooses up to free of the waiting jobs (in the order their
// stores listed them) to start: each time the guild with the fewest jobs
// running or chosen goes first, ties going round the guilds in ID order
// from the one after last (the guild served last). So one guild's many
// jobs take turns with every other guild's, and a guild's own jobs start
// in their listed order.
func pickFair(waiting []jobKey, running map[string]int, free int, last string) []jobKey {
	if free <= 0 || len(waiting) == 0 {
		return nil
	}
	byGuild := map[string][]jobKey{}
	var guilds []string
	for _, k := range waiting {
		g := k.ref.GuildID
		if _, ok := byGuild[g]; !ok {
			guilds = append(guilds, g)
		}
		byGuild[g] = append(byGuild[g], k)
	}
	sort.Strings(guilds)
	// Rotate: the guilds after last first.
	i := sort.SearchStrings(guilds, last)
	if i < len(guilds) && guilds[i] == last {
		i++
	}
	guilds = append(guilds[i:], guilds[:i]...)
	load := map[string]int{}
	for _, g := range guilds {
		load[g] = running[g]
	}
	var out []jobKey
	for len(out) < free {
		best := ""
		for _, g := range guilds {
			if len(byGuild[g]) > 0 && (best == "" || load[g] < load[best]) {
				best = g
			}
		}
		if best == "" {
			break
		}
		out = append(out, byGuild[best][0])
		byGuild[best] = byGuild[best][1:]
		load[best]++
	}
	return out
}

// kindRunner runs the jobs of one kind.
type kindRunner[J any] struct {
	r     *JobRunner
	kind  string
	nonce string
	k     JobKind[J]
	w     JobWording[J]
}

func (k *kindRunner[J]) name() string { return k.kind }

func (k *kindRunner[J]) running(ctx context.Context) ([]shelf.ImportRef, error) {
	return k.k.Running(ctx)
}

// queued edits the answer of waiting job ref to show place, when the
// kind's wording shows places and the answer can still be edited.
func (k *kindRunner[J]) queued(ctx context.Context, ref shelf.ImportRef, place int) bool {
	qw, ok := k.w.(JobQueueWording[J])
	r := k.r
	if !ok || r.jd == nil {
		return false
	}
	j, err := k.k.Job(ctx, ref.GuildID, ref.ID)
	if err != nil {
		return false
	}
	h := k.k.Head(j)
	if h.State != shelf.ImportRunning || h.Token == "" || r.now().Sub(h.TokenAt) > orDefault(r.TokenLife, DefaultJobTokenLife) {
		return false
	}
	e, err := qw.Queued(ctx, j, place)
	if err != nil {
		return false
	}
	ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.jd.EditInteractionResponse(ectx, h.AppID, h.Token, e); err != nil {
		r.log.Info("job: could not edit the place in line", "kind", k.kind, "guild", h.GuildID, "job", h.ID, "err", err)
		return false
	}
	return true
}

// run runs one job from its cursor to its end and tells the member.
func (k *kindRunner[J]) run(ctx context.Context, ref shelf.ImportRef) error {
	r := k.r
	j, err := k.k.Job(ctx, ref.GuildID, ref.ID)
	if err != nil {
		return fmt.Errorf("read %s job: %w", k.kind, err)
	}
	view := &jobView[J]{k: k, j: j, version: 1}
	if k.k.Head(j).State == shelf.ImportRunning {
		stop := make(chan struct{})
		tick := make(chan struct{})
		go func() {
			// The click's answer shows the start; edits follow (not
			// before: Discord may not have that answer yet).
			defer close(tick)
			for {
				select {
				case <-stop:
					return
				case <-ctx.Done():
					return
				case <-time.After(orDefault(r.EditEvery, DefaultJobEditEvery)):
				}
				view.flush(ctx, false)
			}
		}()
		j, err = k.steps(ctx, j, view)
		close(stop)
		<-tick
		if err != nil {
			return err
		}
		if j, err = k.k.Finish(ctx, ref.GuildID, ref.ID, false, r.now()); err != nil {
			return fmt.Errorf("finish %s job: %w", k.kind, err)
		}
		view.set(j)
	}
	h := k.k.Head(j)
	if h.State != shelf.ImportDone || h.Notified {
		return nil
	}
	told := view.flush(ctx, true)
	// A job done within moments of the click may edit before Discord has
	// the click's answer: try again for a little while.
	for try := 0; !told && !view.isFinal() && try < 3 && time.Since(h.TokenAt) < time.Minute; try++ {
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
		if err := k.tellMember(ctx, j); err != nil {
			var re *discordgo.RESTError
			if !errors.As(err, &re) || re.Response == nil || re.Response.StatusCode < 400 || re.Response.StatusCode >= 500 || re.Response.StatusCode == 429 {
				return err // a passing failure: told on the next pass
			}
			// Discord refuses for good (channel gone, no access): the
			// member sees the outcome where the job's work went.
			r.log.Warn("job: could not tell the member it ended", "kind", k.kind, "guild", h.GuildID, "job", h.ID, "err", err)
		}
	}
	if _, err := k.k.Finish(ctx, ref.GuildID, ref.ID, true, r.now()); err != nil {
		return fmt.Errorf("record %s job told: %w", k.kind, err)
	}
	return nil
}

// steps runs j's steps from its cursor: each step's write moves the
// cursor; a step that fails for a passing reason is tried again after a
// growing pause, then given up.
func (k *kindRunner[J]) steps(ctx context.Context, j J, view *jobView[J]) (J, error) {
	r := k.r
	h := k.k.Head(j)
	s, err := k.k.Begin(ctx, j)
	if err != nil {
		return j, fmt.Errorf("begin %s job: %w", k.kind, err)
	}
	tries := 0
	for s.More(j) {
		if err := ctx.Err(); err != nil {
			return j, err
		}
		w, err := s.Next(ctx, j)
		if err != nil {
			if ctx.Err() != nil {
				return j, ctx.Err()
			}
			var halt haltErr
			if errors.As(err, &halt) {
				return j, halt.err
			}
			tries++
			if tries < orDefault(r.MaxTries, DefaultJobMaxTries) {
				pause := orDefault(r.Retry, DefaultJobRetry) << (tries - 1)
				r.log.Warn("job: step failed; trying again", "kind", k.kind, "guild", h.GuildID, "job", h.ID, "try", tries, "in", pause, "err", err)
				select {
				case <-ctx.Done():
					return j, ctx.Err()
				case <-time.After(pause):
				}
				continue
			}
			r.log.Error("job: giving up on a step", "kind", k.kind, "guild", h.GuildID, "job", h.ID, "err", err)
			w = s.GiveUp(j, err)
		}
		nj, err := w(ctx, r.now())
		if errors.Is(err, shelf.ErrImportState) {
			// Done already (by this process before a restart, or another).
			if nj, err = k.k.Job(ctx, h.GuildID, h.ID); err != nil {
				return j, fmt.Errorf("read %s job: %w", k.kind, err)
			}
			if k.k.Head(nj).State != shelf.ImportRunning {
				return nj, nil
			}
		} else if err != nil {
			return j, fmt.Errorf("%s job step: %w", k.kind, err)
		}
		tries = 0
		j = nj
		view.set(j)
	}
	return j, nil
}

// tellMember says a job ended when its answer can no longer be edited: in
// a direct message, else in its channel mentioning them.
func (k *kindRunner[J]) tellMember(ctx context.Context, j J) error {
	r := k.r
	h := k.k.Head(j)
	dm, ch, err := k.w.Ended(ctx, j)
	if err != nil {
		return err
	}
	if r.jd != nil && dm != nil {
		_, err := r.jd.DirectMessage(ctx, h.UserID, dm)
		if err == nil {
			return nil
		}
		r.log.Info("job: no direct message; telling the member in the channel", "kind", k.kind, "guild", h.GuildID, "job", h.ID, "err", err)
	}
	if r.poster == nil || h.ChannelID == "" || ch == nil {
		return fmt.Errorf("no way to tell member %s", h.UserID)
	}
	_, err = r.poster.SendMessageOnce(ctx, h.ChannelID, k.nonce+h.GuildID[max(0, len(h.GuildID)-8):]+"-"+h.ID, ch)
	return err
}

// jobView is a running job's answer: the latest state, edited in by a
// ticker while the job works.
type jobView[J any] struct {
	k       *kindRunner[J]
	mu      sync.Mutex
	j       J
	shown   int // the version last edited in
	version int
	expired bool // the token no longer edits the answer
	final   bool // the last failure says so for good (401, or no token)
}

func (v *jobView[J]) set(j J) {
	v.mu.Lock()
	v.j = j
	v.version++
	v.mu.Unlock()
}

func (v *jobView[J]) isFinal() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.final
}

// flush edits the answer with the latest state when it changed.
func (v *jobView[J]) flush(ctx context.Context, done bool) bool {
	v.mu.Lock()
	j, ver, changed := v.j, v.version, v.version != v.shown
	expired := v.expired
	v.mu.Unlock()
	if (!changed && !done) || expired {
		return !expired
	}
	ok, final := v.k.edit(ctx, j, done)
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

// edit edits the job's answer through its interaction token; ok false when
// it could not, final when it never will (the token expired, or there is
// none).
func (k *kindRunner[J]) edit(ctx context.Context, j J, done bool) (ok, final bool) {
	r := k.r
	h := k.k.Head(j)
	ttl := orDefault(r.TokenLife, DefaultJobTokenLife)
	if r.jd == nil || h.Token == "" || time.Since(h.TokenAt) > ttl && r.now().Sub(h.TokenAt) > ttl {
		return false, true
	}
	e, err := k.w.Progress(ctx, j, done)
	if err != nil {
		r.log.Warn("job: could not word the progress", "kind", k.kind, "guild", h.GuildID, "job", h.ID, "err", err)
		return !done, false
	}
	ectx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = r.jd.EditInteractionResponse(ectx, h.AppID, h.Token, e)
	if err == nil {
		return true, false
	}
	// 401: the token expired; 404: the answer is gone (dismissed),
	// unless the click's own answer has not landed yet.
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil && (re.Response.StatusCode == 401 ||
		re.Response.StatusCode == 404 && time.Since(h.TokenAt) > time.Minute && r.now().Sub(h.TokenAt) > time.Minute) {
		return false, true
	}
	r.log.Warn("job: could not edit the progress", "kind", k.kind, "guild", h.GuildID, "job", h.ID, "err", err)
	return !done, false // a passing failure: the end is told some other way
}
