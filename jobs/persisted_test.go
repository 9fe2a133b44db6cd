package jobs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// memJob is a persisted job of the in-memory kind below.
type memJob struct {
	ref           shelf.ImportRef
	state         shelf.ImportState
	cursor, total int
	failed        int // steps given up
	notified      bool
	token         string
}

// memKind keeps jobs in memory; its steps call step (which may block or
// fail) and its writes move the cursor as a store would: once per step.
type memKind struct {
	mu       sync.Mutex
	jobs     map[shelf.ImportRef]*memJob
	writes   map[shelf.ImportRef]int
	started  []shelf.ImportRef // in the order their first step began
	step     func(ctx context.Context, j memJob) error
	begins   int
	beginErr error
}

func newMemKind() *memKind {
	return &memKind{jobs: map[shelf.ImportRef]*memJob{}, writes: map[shelf.ImportRef]int{}}
}

func (k *memKind) add(guild, id string, total int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	ref := shelf.ImportRef{GuildID: guild, ID: id}
	k.jobs[ref] = &memJob{ref: ref, state: shelf.ImportRunning, total: total}
}

func (k *memKind) Running(context.Context) ([]shelf.ImportRef, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []shelf.ImportRef
	for ref, j := range k.jobs {
		if j.state == shelf.ImportRunning || !j.notified {
			out = append(out, ref)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].GuildID != out[b].GuildID {
			return out[a].GuildID < out[b].GuildID
		}
		return out[a].ID < out[b].ID
	})
	return out, nil
}

func (k *memKind) Job(_ context.Context, guild, id string) (memJob, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	j, ok := k.jobs[shelf.ImportRef{GuildID: guild, ID: id}]
	if !ok {
		return memJob{}, shelf.ErrNotFound
	}
	return *j, nil
}

func (k *memKind) Head(j memJob) JobHead {
	return JobHead{GuildID: j.ref.GuildID, ID: j.ref.ID, UserID: "u", ChannelID: "c", State: j.state, Notified: j.notified,
		AppID: "app", Token: j.token, TokenAt: time.Now()}
}

func (k *memKind) Finish(_ context.Context, guild, id string, notified bool, _ time.Time) (memJob, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	j := k.jobs[shelf.ImportRef{GuildID: guild, ID: id}]
	j.state = shelf.ImportDone
	j.notified = j.notified || notified
	return *j, nil
}

func (k *memKind) Begin(context.Context, memJob) (JobSteps[memJob], error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.begins++
	if k.beginErr != nil {
		return nil, k.beginErr
	}
	return k, nil
}

func (k *memKind) More(j memJob) bool { return j.cursor < j.total }

func (k *memKind) write(j memJob, fail bool) JobWrite[memJob] {
	return func(context.Context, time.Time) (memJob, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		cur := k.jobs[j.ref]
		if cur.cursor != j.cursor || cur.state != shelf.ImportRunning {
			return *cur, fmt.Errorf("step %d: %w", j.cursor, shelf.ErrImportState)
		}
		cur.cursor++
		if fail {
			cur.failed++
		}
		k.writes[j.ref]++
		return *cur, nil
	}
}

func (k *memKind) Next(ctx context.Context, j memJob) (JobWrite[memJob], error) {
	k.mu.Lock()
	if j.cursor == 0 && !containsRef(k.started, j.ref) {
		k.started = append(k.started, j.ref)
	}
	step := k.step
	k.mu.Unlock()
	if step != nil {
		if err := step(ctx, j); err != nil {
			return nil, err
		}
	}
	return k.write(j, false), nil
}

func (k *memKind) GiveUp(j memJob, _ error) JobWrite[memJob] { return k.write(j, true) }

func containsRef(refs []shelf.ImportRef, ref shelf.ImportRef) bool {
	for _, r := range refs {
		if r == ref {
			return true
		}
	}
	return false
}

// memWording words nothing much; memDiscord records what the runner did.
type memWording struct{}

func (memWording) Progress(context.Context, memJob, bool) (*discordgo.WebhookEdit, error) {
	s := "progress"
	return &discordgo.WebhookEdit{Content: &s}, nil
}

func (memWording) Ended(context.Context, memJob) (*discordgo.MessageSend, *discordgo.MessageSend, error) {
	return &discordgo.MessageSend{Content: "dm"}, &discordgo.MessageSend{Content: "channel"}, nil
}

type memDiscord struct {
	mu     sync.Mutex
	edits  int
	dms    int
	posts  map[string]int // by nonce
	dmFail bool
}

func (d *memDiscord) EditInteractionResponse(context.Context, string, string, *discordgo.WebhookEdit) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.edits++
	return nil
}

func (d *memDiscord) DirectMessage(context.Context, string, *discordgo.MessageSend) (*discordgo.Message, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dmFail {
		return nil, errors.New("closed")
	}
	d.dms++
	return &discordgo.Message{}, nil
}

func (d *memDiscord) SendMessageOnce(_ context.Context, _, nonce string, _ *discordgo.MessageSend) (*discordgo.Message, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.posts == nil {
		d.posts = map[string]int{}
	}
	d.posts[nonce]++
	return &discordgo.Message{}, nil
}

func runFor(t *testing.T, r *JobRunner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	return func() { cancel(); <-done }
}

// A server that starts 50 jobs does not keep another server's single job
// waiting behind them: it starts within the pool's first round.
func TestJobRunnerFairBetweenGuilds(t *testing.T) {
	const busy, quiet = "100000000000000001", "900000000000000009"
	k := newMemKind()
	for i := range 50 {
		k.add(busy, fmt.Sprintf("%03d", i), 1)
	}
	k.add(quiet, "001", 1)
	release := make(chan struct{})
	k.step = func(ctx context.Context, _ memJob) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r := NewJobRunner("test", &memDiscord{}, nil)
	r.Max, r.Poll = 4, time.Hour
	AddJobKind[memJob](r, "mem", "m", k, memWording{})
	stop := runFor(t, r)
	defer stop()
	waitFor(t, "the first round", func() bool { k.mu.Lock(); defer k.mu.Unlock(); return len(k.started) == r.Max })
	k.mu.Lock()
	first := append([]shelf.ImportRef(nil), k.started...)
	k.mu.Unlock()
	if !containsRef(first, shelf.ImportRef{GuildID: quiet, ID: "001"}) {
		t.Fatalf("the quiet server's job is not among the first %d started: %v", r.Max, first)
	}
	close(release)
	waitFor(t, "every job", func() bool { refs, _ := k.Running(context.Background()); return len(refs) == 0 })
	k.mu.Lock()
	defer k.mu.Unlock()
	for ref, n := range k.writes {
		if n != 1 {
			t.Errorf("job %v: %d writes, want 1", ref, n)
		}
	}
}

func TestPickFair(t *testing.T) {
	key := func(g, id string) jobKey { return jobKey{ref: shelf.ImportRef{GuildID: g, ID: id}} }
	waiting := []jobKey{key("a", "1"), key("a", "2"), key("a", "3"), key("b", "1"), key("b", "2"), key("c", "1")}
	got := pickFair(waiting, map[string]int{"a": 1}, 4, "")
	want := []jobKey{key("b", "1"), key("c", "1"), key("a", "1"), key("b", "2")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pickFair = %v, want %v", got, want)
	}
	// Ties go round the guilds from the one after the last served.
	got = pickFair(waiting, nil, 2, "a")
	want = []jobKey{key("b", "1"), key("c", "1")}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("pickFair after a = %v, want %v", got, want)
	}
	if got := pickFair(waiting, nil, 0, ""); len(got) != 0 {
		t.Errorf("no room: %v", got)
	}
}

// A step that fails for a passing reason is tried again, then given up;
// every step is written once, and the member is told once.
func TestJobRunnerRetriesThenGivesUp(t *testing.T) {
	k := newMemKind()
	k.add("1", "j", 3)
	tries := map[int]int{}
	k.step = func(_ context.Context, j memJob) error {
		tries[j.cursor]++
		switch {
		case j.cursor == 1 && tries[1] < 2:
			return errors.New("AO3 busy") // passes on the second try
		case j.cursor == 2:
			return errors.New("AO3 down") // never passes
		}
		return nil
	}
	d := &memDiscord{dmFail: true}
	r := NewJobRunner("test", d, nil)
	r.Retry, r.MaxTries, r.Poll = time.Millisecond, 3, 10*time.Millisecond
	AddJobKind[memJob](r, "mem", "m", k, memWording{})
	stop := runFor(t, r)
	waitFor(t, "the job", func() bool { refs, _ := k.Running(context.Background()); return len(refs) == 0 })
	stop()
	j := k.jobs[shelf.ImportRef{GuildID: "1", ID: "j"}]
	if j.cursor != 3 || j.failed != 1 || k.writes[j.ref] != 3 {
		t.Errorf("job %+v, %d writes; want cursor 3, 1 failed, 3 writes", *j, k.writes[j.ref])
	}
	if tries[1] != 2 || tries[2] != 3 {
		t.Errorf("tries %v: want 2 for step 1, 3 for step 2", tries)
	}
	// No token: the member is told in the channel (DMs closed), once.
	if len(d.posts) != 1 || d.posts["m1-j"] != 1 || d.edits != 0 {
		t.Errorf("posts %v, edits %d", d.posts, d.edits)
	}
}

// A step done already (by another process, or before a restart) is not
// done again: the runner reads the job and goes on from its cursor.
func TestJobRunnerStepDoneElsewhere(t *testing.T) {
	k := newMemKind()
	k.add("1", "j", 4)
	ref := shelf.ImportRef{GuildID: "1", ID: "j"}
	once := false
	k.step = func(_ context.Context, j memJob) error {
		if j.cursor == 1 && !once {
			once = true
			k.mu.Lock()
			k.jobs[ref].cursor = 3 // another process did steps 1 and 2
			k.mu.Unlock()
		}
		return nil
	}
	d := &memDiscord{}
	r := NewJobRunner("test", d, nil)
	r.Poll = 10 * time.Millisecond
	AddJobKind[memJob](r, "mem", "m", k, memWording{})
	stop := runFor(t, r)
	waitFor(t, "the job", func() bool { refs, _ := k.Running(context.Background()); return len(refs) == 0 })
	stop()
	if j := k.jobs[ref]; j.cursor != 4 || k.writes[ref] != 2 {
		t.Errorf("job %+v, %d writes here; want cursor 4, 2 writes (steps 0 and 3)", *j, k.writes[ref])
	}
	if d.dms != 1 {
		t.Errorf("%d direct messages, want 1", d.dms)
	}
}

// A job whose run fails is tried again at the runner's next look, not at
// once: a lasting failure (the store refusing) does not spin.
func TestJobRunnerFailedJobWaitsForTheNextLook(t *testing.T) {
	k := newMemKind()
	k.add("1", "j", 1)
	k.beginErr = errors.New("store unavailable")
	r := NewJobRunner("test", &memDiscord{}, nil)
	r.Poll = time.Hour
	AddJobKind[memJob](r, "mem", "m", k, memWording{})
	stop := runFor(t, r)
	waitFor(t, "the first run", func() bool { k.mu.Lock(); defer k.mu.Unlock(); return k.begins > 0 })
	time.Sleep(100 * time.Millisecond)
	stop()
	if k.begins != 1 {
		t.Errorf("%d runs of a failing job within 100 ms, want 1", k.begins)
	}
}

// placeWording is memWording that also words places in line, recording
// each edit's job and place.
type placeWording struct {
	memWording
	mu     sync.Mutex
	places map[shelf.ImportRef][]int
}

func (w *placeWording) Queued(_ context.Context, j memJob, place int) (*discordgo.WebhookEdit, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.places[j.ref] = append(w.places[j.ref], place)
	s := fmt.Sprintf("place %d", place)
	return &discordgo.WebhookEdit{Content: &s}, nil
}

func (w *placeWording) of(ref shelf.ImportRef) []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]int(nil), w.places[ref]...)
}

// Jobs waiting their turn have their places edited in as the line moves,
// in the order the runner will start them (fair between guilds); a job
// keeps the place its own answer gave until the line moves.
func TestJobRunnerEditsPlacesInLine(t *testing.T) {
	const a, b = "100000000000000001", "200000000000000002"
	k := newMemKind()
	for i := range 3 {
		k.add(a, fmt.Sprintf("%03d", i), 1)
	}
	k.add(b, "001", 1)
	for _, j := range k.jobs {
		j.token = "tok"
	}
	release := make(chan struct{})
	k.step = func(ctx context.Context, _ memJob) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	w := &placeWording{places: map[shelf.ImportRef][]int{}}
	r := NewJobRunner("test", &memDiscord{}, nil)
	r.Max, r.Poll, r.PlaceEvery = 1, 20*time.Millisecond, 40*time.Millisecond
	AddJobKind[memJob](r, "mem", "m", k, w)
	stop := runFor(t, r)
	defer stop()
	a1, a2, b1 := shelf.ImportRef{GuildID: a, ID: "001"}, shelf.ImportRef{GuildID: a, ID: "002"}, shelf.ImportRef{GuildID: b, ID: "001"}
	waitFor(t, "the first job", func() bool { k.mu.Lock(); defer k.mu.Unlock(); return len(k.started) == 1 })
	// a/000 runs; the line is b/001, a/001, a/002: nothing edited yet.
	time.Sleep(100 * time.Millisecond)
	if got := w.of(b1); len(got) != 0 {
		t.Fatalf("b/001 edited %v before the line moved", got)
	}
	release <- struct{}{} // a/000 done; b/001 starts; a/001 is 1st, a/002 2nd
	waitFor(t, "a/001's new place", func() bool { p := w.of(a1); return len(p) > 0 && p[len(p)-1] == 1 })
	waitFor(t, "a/002's new place", func() bool { p := w.of(a2); return len(p) > 0 && p[len(p)-1] == 2 })
	if got := w.of(b1); len(got) != 0 {
		t.Errorf("b/001 (started) edited %v", got)
	}
	close(release)
	waitFor(t, "every job", func() bool { refs, _ := k.Running(context.Background()); return len(refs) == 0 })
}

// At shutdown (stop closed) the runner takes no new job; the one running
// goes on to its end, then RunDrain returns.
func TestJobRunnerDrains(t *testing.T) {
	k := newMemKind()
	k.add("100000000000000001", "001", 1)
	k.add("100000000000000001", "002", 1)
	release := make(chan struct{})
	k.step = func(ctx context.Context, _ memJob) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r := NewJobRunner("test", &memDiscord{}, nil)
	r.Max, r.Poll = 1, 10*time.Millisecond
	AddJobKind[memJob](r, "mem", "m", k, memWording{})
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- r.RunDrain(context.Background(), stop) }()
	waitFor(t, "the first job", func() bool { return r.Running() == 1 })
	close(stop)
	select {
	case err := <-done:
		t.Fatalf("RunDrain returned %v with a job running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("RunDrain: %v", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.started) != 1 || k.writes[k.started[0]] != 1 {
		t.Fatalf("started %v writes %v; want the running one finished, no other started", k.started, k.writes)
	}
}
