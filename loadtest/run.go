package loadtest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/discordtest"
)

// Kind is one kind of interaction in the load mix.
type Kind string

// The interaction kinds of the load mix.
const (
	KudosButton  Kind = "kudos-button"         // the Kudos button on a card
	KudosGive    Kind = "kudos-give"           // /kudos give story:<id>
	Autocomplete Kind = "autocomplete"         // story autocomplete (/excerpt, /story info, /kudos give)
	Excerpt      Kind = "excerpt"              // /excerpt story:<id> (random or find), NSFW channel for adult stories
	StoryInfo    Kind = "story-info"           // /story info story:<id>
	ListAdd      Kind = "readinglist-add"      // /readinglist add story:<id> status chapter
	ListProgress Kind = "readinglist-progress" // /readinglist progress story:<id> chapter
	ListButton   Kind = "readinglist-button"   // the Add to reading list button on a card
	StoryList    Kind = "story-list"           // /story list sort [fandom]
	KudosTop     Kind = "kudos-top"            // /kudos top period
	ListShow     Kind = "readinglist-show"     // /readinglist show
	RecList      Kind = "rec-list"             // /rec list
	Help         Kind = "help"                 // /help
	// UnknownTitle is /story info with a typed title that matches no story
	// of the server (a real title with a number no title has), answered
	// with "This server's library has no story called …" and the closest
	// titles: the cost of a miss.
	UnknownTitle Kind = "unknown-title"
)

// Weighted is one kind with its share of the mix.
type Weighted struct {
	Kind   Kind
	Weight int
}

// DefaultMix is what a busy fic server does: mostly kudos, autocomplete
// while typing, excerpts and story cards, some reading-list updates.
var DefaultMix = []Weighted{
	{KudosButton, 18}, {KudosGive, 8}, {Autocomplete, 22}, {Excerpt, 18},
	{StoryInfo, 14}, {ListAdd, 8}, {ListProgress, 6}, {ListButton, 6},
}

// FullMix adds the other read-only commands members use (library pages,
// top kudos, their own list, recs, help) to DefaultMix.
var FullMix = append(append([]Weighted(nil), DefaultMix...),
	Weighted{StoryList, 4}, Weighted{KudosTop, 3}, Weighted{ListShow, 4}, Weighted{RecList, 2}, Weighted{Help, 1})

// ScaleMix is FullMix with typed titles that match nothing (UnknownTitle)
// besides: with a big server (-bigstories) one run reads off the costs
// that grow with a server's size (/kudos top, /story list, a title miss).
var ScaleMix = append(append([]Weighted(nil), FullMix...), Weighted{UnknownTitle, 4})

// unknownTitleAnswer is in the answer to an UnknownTitle interaction.
const unknownTitleAnswer = "library has no story called"

// RunConfig says how much load to apply.
type RunConfig struct {
	N           int        // interactions in all
	Concurrency int        // interactions in flight at once
	Mix         []Weighted // nil: DefaultMix
	Seed        int64      // picks of server, member, story (default 1)
	// Wait bounds the wait for one interaction's settled answer (callback,
	// and the edit after a deferral) before it counts as unanswered
	// (default 20 s).
	Wait time.Duration
	// At, when set, is called (in the dispatching goroutine, before that
	// interaction is sent) when the k-th interaction (0-based) is about to
	// be dispatched, for each k in its keys: faults mid-load.
	At map[int]func()
	// Stop, when closed, ends the run: interactions not yet dispatched are
	// skipped (Sample.Skipped); those in flight are still waited for.
	Stop <-chan struct{}
}

// Sample is what happened to one interaction.
type Sample struct {
	Kind Kind
	// Guild, User and Story: who acted on what.
	Guild, User, Story string
	// Skipped: never dispatched because RunConfig.Stop was closed.
	Skipped bool
	Latency time.Duration // dispatch → settled answer observed
	// Start: when it was dispatched, from the start of the run.
	Start    time.Duration
	Deferred bool
	// Late: Discord refused an answer with 10062 (after the 3 s window).
	Late bool
	// Unanswered: no settled answer within RunConfig.Wait.
	Unanswered bool
	// NotDelivered: the gateway had no session to dispatch it to (during a
	// reconnect); the bot never received it.
	NotDelivered bool
	// Failed: answered "Something went wrong"; Shutdown: answered with the
	// restart notice.
	Failed, Shutdown bool
	Answer           *discordtest.Answer
	Interaction      *discordgo.Interaction
	Err              string
}

// Result summarizes a run.
type Result struct {
	N, Concurrency int
	Elapsed        time.Duration
	Samples        []Sample
	// Big is the big server's ID (World.Big), "" without one: Report then
	// breaks latency down by server class too.
	Big string
}

// Count returns how many samples satisfy f.
func (r *Result) Count(f func(Sample) bool) int {
	n := 0
	for _, s := range r.Samples {
		if f(s) {
			n++
		}
	}
	return n
}

// Answered are the samples with a settled answer in time.
func (r *Result) Answered() []Sample {
	var out []Sample
	for _, s := range r.Samples {
		if !s.Unanswered && !s.NotDelivered && !s.Late && !s.Skipped {
			out = append(out, s)
		}
	}
	return out
}

// Percentile returns the p-th percentile (0–100) of the latencies of
// answered samples of kind k ("" = all), and the maximum.
func (r *Result) Percentile(k Kind, p float64) time.Duration {
	return r.PercentileOf(func(s Sample) bool { return k == "" || s.Kind == k }, p)
}

// PercentileOf returns the p-th percentile of the latencies of the
// answered samples f accepts.
func (r *Result) PercentileOf(f func(Sample) bool, p float64) time.Duration {
	var ls []time.Duration
	for _, s := range r.Answered() {
		if f(s) {
			ls = append(ls, s.Latency)
		}
	}
	return percentile(ls, p)
}

// Class selects the samples of kind k ("" = all) at the big server
// (big) or at the other servers (!big).
func (r *Result) Class(k Kind, big bool) func(Sample) bool {
	return func(s Sample) bool { return (k == "" || s.Kind == k) && (s.Guild == r.Big) == big }
}

// ClassPercentile is the p-th percentile of the latencies of the samples
// f accepts, those answered late (their latency is when Discord refused
// the answer, past 3 s) or not at all (RunConfig.Wait) included: unlike
// Percentile's, a class whose every answer came too late does not read as
// fast. Samples skipped or never delivered are left out.
func (r *Result) ClassPercentile(f func(Sample) bool, p float64) time.Duration {
	var ls []time.Duration
	for _, s := range r.Samples {
		if f(s) && !s.Skipped && !s.NotDelivered {
			ls = append(ls, s.Latency)
		}
	}
	return percentile(ls, p)
}

func percentile(ls []time.Duration, p float64) time.Duration {
	if len(ls) == 0 {
		return 0
	}
	slices.Sort(ls)
	i := int(float64(len(ls))*p/100+0.5) - 1
	i = max(0, min(i, len(ls)-1))
	return ls[i]
}

// Throughput is answered interactions per second of the run.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(len(r.Answered())) / r.Elapsed.Seconds()
}

// Report is a human-readable summary: totals, then latency by kind.
func (r *Result) Report() string {
	var b strings.Builder
	count := func(f func(Sample) bool) int { return r.Count(f) }
	fmt.Fprintf(&b, "%d interactions at concurrency %d in %v: %.0f answered/s\n", r.N, r.Concurrency, r.Elapsed.Round(time.Millisecond), r.Throughput())
	fmt.Fprintf(&b, "latency (dispatch → answer): p50 %v  p90 %v  p99 %v  max %v\n",
		ms(r.Percentile("", 50)), ms(r.Percentile("", 90)), ms(r.Percentile("", 99)), ms(r.Percentile("", 100)))
	fmt.Fprintf(&b, "deferred %d  late(10062) %d  unanswered %d  not delivered %d  \"Something went wrong\" %d  shutdown notices %d\n",
		count(func(s Sample) bool { return s.Deferred }), count(func(s Sample) bool { return s.Late }),
		count(func(s Sample) bool { return s.Unanswered }), count(func(s Sample) bool { return s.NotDelivered }),
		count(func(s Sample) bool { return s.Failed }), count(func(s Sample) bool { return s.Shutdown }))
	kinds := map[Kind]int{}
	for _, s := range r.Samples {
		kinds[s.Kind]++
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, string(k))
	}
	slices.Sort(names)
	fmt.Fprintf(&b, "%-22s %6s %9s %9s %9s %9s\n", "kind", "n", "p50", "p90", "p99", "max")
	for _, k := range names {
		fmt.Fprintf(&b, "%-22s %6d %9v %9v %9v %9v\n", k, kinds[Kind(k)],
			ms(r.Percentile(Kind(k), 50)), ms(r.Percentile(Kind(k), 90)), ms(r.Percentile(Kind(k), 99)), ms(r.Percentile(Kind(k), 100)))
	}
	if r.Big != "" {
		b.WriteString(r.classReport())
	}
	slow := r.Answered()
	slices.SortFunc(slow, func(a, b Sample) int { return cmp.Compare(b.Latency, a.Latency) })
	b.WriteString("slowest (dispatched at → latency):")
	for _, s := range slow[:min(len(slow), 8)] {
		fmt.Fprintf(&b, "  %s %v→%v", s.Kind, ms(s.Start), ms(s.Latency))
	}
	b.WriteString("\n")
	return b.String()
}

// classReport is latency by kind at the big server and at the others.
func (r *Result) classReport() string {
	var b strings.Builder
	kinds := map[Kind]bool{"": true}
	for _, s := range r.Samples {
		kinds[s.Kind] = true
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, string(k))
	}
	slices.Sort(names)
	fmt.Fprintf(&b, "by server class: the big server (%s) | the other servers; late and unanswered interactions included (late: how many)\n", r.Big)
	fmt.Fprintf(&b, "%-22s %6s %5s %9s %9s | %6s %5s %9s %9s\n", "kind", "n", "late", "p50", "p99", "n", "late", "p50", "p99")
	for _, k := range names {
		label := k
		if k == "" {
			label = "(all)"
		}
		row := func(big bool) string {
			f := r.Class(Kind(k), big)
			late := r.Count(func(s Sample) bool { return f(s) && (s.Late || s.Unanswered) })
			return fmt.Sprintf("%6d %5d %9v %9v", r.Count(f), late, ms(r.ClassPercentile(f, 50)), ms(r.ClassPercentile(f, 99)))
		}
		fmt.Fprintf(&b, "%-22s %s | %s\n", label, row(true), row(false))
	}
	return b.String()
}

func ms(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

// Run fires cfg.N interactions from w's members at the connected bot,
// cfg.Concurrency at a time, and waits for each to be answered. It fails t
// only for setup problems (an interaction that cannot be built); how the
// bot answered is in the Result for the caller to judge.
func Run(t testing.TB, w *World, cfg RunConfig) *Result {
	t.Helper()
	if cfg.N <= 0 {
		cfg.N = 200
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 16
	}
	if cfg.Mix == nil {
		cfg.Mix = DefaultMix
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Wait <= 0 {
		cfg.Wait = 20 * time.Second
	}
	total := 0
	for _, m := range cfg.Mix {
		total += m.Weight
	}
	// Build every interaction up front (deterministic; not timed).
	type job struct {
		kind  Kind
		i     *discordgo.Interaction
		story string
		prep  *discordtest.Prepared
	}
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 11))
	jobs := make([]job, cfg.N)
	for n := range jobs {
		x := rng.IntN(total)
		var kind Kind
		for _, m := range cfg.Mix {
			if x < m.Weight {
				kind = m.Kind
				break
			}
			x -= m.Weight
		}
		i, story := w.Build(t, rng, kind)
		// Encoded now, before the clock starts: the generator's CPU during
		// the run is spent on the 2 cores the bot uses.
		jobs[n] = job{kind, i, story, w.Srv.Prepare(t, i)}
	}

	res := &Result{N: cfg.N, Concurrency: cfg.Concurrency, Samples: make([]Sample, cfg.N)}
	if w.Big != nil {
		res.Big = w.Big.Guild.ID
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1) - 1)
				if n >= cfg.N {
					return
				}
				if f := cfg.At[n]; f != nil {
					f()
				}
				j := jobs[n]
				select {
				case <-cfg.Stop:
					res.Samples[n] = Sample{Kind: j.kind, Skipped: true, Interaction: j.i}
					continue
				default:
				}
				at := time.Since(start)
				res.Samples[n] = w.fire(t, j.kind, j.i, j.prep, cfg.Wait)
				res.Samples[n].Start = at
				res.Samples[n].Guild, res.Samples[n].User, res.Samples[n].Story = j.i.GuildID, j.i.Member.User.ID, j.story
				if s := &res.Samples[n]; j.kind == UnknownTitle && s.Answer != nil && !s.Failed && !s.Unanswered && !s.Late &&
					!strings.Contains(answerText(s.Answer), unknownTitleAnswer) {
					// Answered, but not as a miss: the run would not
					// measure what it says. (A deferred answer has
					// arrived once its edit or follow-up has: checked
					// too.)
					s.Failed, s.Err = true, "not answered as an unknown title"
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res
}

// fire sends one interaction and waits for its settled answer.
func (w *World) fire(t testing.TB, kind Kind, i *discordgo.Interaction, prep *discordtest.Prepared, wait time.Duration) (s Sample) {
	s = Sample{Kind: kind, Interaction: i}
	st := &softTB{TB: t}
	var arrived <-chan Arrival
	if w.Watch != nil {
		arrived = w.Watch.Expect(i.ID, i.Token)
		defer w.Watch.Forget(i.ID, i.Token)
	}
	start := time.Now()
	var p *discordtest.Pending
	done := make(chan struct{})
	go func() { // Send fails its TB on error: contain that here.
		defer close(done)
		p = w.Srv.SendPrepared(st, prep)
	}()
	<-done
	if p == nil {
		s.NotDelivered = strings.Contains(st.msg, "no gateway session") || strings.Contains(st.msg, "ready gateway session")
		s.Err = st.msg
		if !s.NotDelivered {
			s.Unanswered = true
		}
		return s
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	var a *discordtest.Answer
	var err error
	end := time.Time{}
	if arrived != nil {
		select {
		case ar := <-arrived:
			end = ar.At
			a = p.Answer()
		case <-ctx.Done():
			err = ctx.Err()
			a = p.Answer()
		}
	} else {
		a, err = p.WaitCtx(ctx, func(a *discordtest.Answer) bool {
			return settled(a) || (a.Type == 0 && len(a.Rejected) > 0)
		})
	}
	if end.IsZero() {
		end = time.Now()
	}
	s.Latency = end.Sub(start)
	s.Answer = a
	if a != nil {
		s.Deferred = a.Deferred()
		s.Late = slices.Contains(a.Rejected, 10062)
		text := answerText(a)
		s.Failed = strings.Contains(text, bot.FailureMessage)
		s.Shutdown = strings.Contains(text, bot.ShutdownMessage)
	}
	if err != nil || a == nil || a.Type == 0 || !settled(a) {
		s.Unanswered = !s.Late
		if err != nil {
			s.Err = err.Error()
		}
	}
	return s
}

// answerText is everything an answer said: the callback's content, and
// after a deferral the edited original and the follow-ups.
func answerText(a *discordtest.Answer) string {
	text := a.Content()
	if a.Data != nil {
		text += a.Data.Content
	}
	for _, f := range a.Followups {
		text += f.Content
	}
	return text
}

// settled: answered, and a deferral has been edited or followed up (what
// the member reads). A deleted "thinking" message alone is not an answer:
// the bot deletes it before sending the answer as a follow-up.
func settled(a *discordtest.Answer) bool {
	if a == nil || a.Type == 0 {
		return false
	}
	if !a.Deferred() {
		return true
	}
	return len(a.Followups) > 0 || a.Edited
}

// softTB turns a Fatal in discordtest.Send into a recorded message and the
// end of the sending goroutine, so one undeliverable interaction (a
// gateway mid-reconnect) does not stop the whole run.
type softTB struct {
	testing.TB
	msg string
}

func (s *softTB) Fatalf(format string, args ...any) {
	s.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (s *softTB) Fatal(args ...any) {
	s.msg = fmt.Sprint(args...)
	runtime.Goexit()
}

func (s *softTB) FailNow() {
	s.msg = "FailNow"
	runtime.Goexit()
}

// Build builds one interaction of kind from a random member of a random
// server about a random story of that server, and returns it with the
// story's ID.
//
// With a big server and BigShare above 0, the big server is picked with
// probability BigShare and the others evenly otherwise; else every server
// is as likely.
func (w *World) Build(t testing.TB, rng *rand.Rand, kind Kind) (*discordgo.Interaction, string) {
	g := w.Guilds[rng.IntN(len(w.Guilds))]
	if w.Big != nil && w.BigShare > 0 && len(w.Guilds) > 1 {
		if rng.Float64() < w.BigShare {
			g = w.Big
		} else {
			g = w.Guilds[rng.IntN(len(w.Guilds)-1)] // the big one is last
		}
	}
	m := g.Members[rng.IntN(len(g.Members))].User.ID
	s := g.Stories[rng.IntN(len(g.Stories))]
	return w.build(t, rng, kind, g, m, s), s.ID
}

func (w *World) build(t testing.TB, rng *rand.Rand, kind Kind, g *Guild, m string, s Story) *discordgo.Interaction {
	srv := w.Srv
	ch := g.General.ID
	switch kind {
	case KudosButton:
		return srv.Component(t, m, s.Card, "kudos:"+s.ID)
	case ListButton:
		return srv.Component(t, m, s.Card, "rl-add:"+s.ID)
	case KudosGive:
		return srv.Slash(t, ch, m, "kudos", discordtest.Sub("give", discordtest.String("story", s.ID)))
	case Autocomplete:
		words := strings.Fields(s.Title)
		typed := words[rng.IntN(len(words))]
		typed = typed[:1+rng.IntN(len(typed))]
		switch rng.IntN(3) {
		case 0:
			return srv.Autocomplete(t, ch, m, "excerpt", discordtest.Focused(discordtest.String("story", typed)))
		case 1:
			return srv.Autocomplete(t, ch, m, "story", discordtest.Sub("info", discordtest.Focused(discordtest.String("story", typed))))
		default:
			return srv.Autocomplete(t, ch, m, "kudos", discordtest.Sub("give", discordtest.Focused(discordtest.String("story", typed))))
		}
	case Excerpt:
		if s.Adult {
			ch = g.NSFW.ID
		}
		opts := []discordtest.Opt{discordtest.String("story", s.ID)}
		switch rng.IntN(4) {
		case 0:
			opts = append(opts, discordtest.Int("chapter", int64(1+rng.IntN(s.Chapters))))
		case 1:
			opts = append(opts, discordtest.String("find", pick(rng, []string{"the lantern", "don't tell", "harbour lights", "St. Anselm", "brass key"})))
		}
		opts = append(opts, discordtest.String("length", pick(rng, []string{"short", "medium", "long"})))
		return srv.Slash(t, ch, m, "excerpt", opts...)
	case StoryInfo:
		if s.Adult && rng.IntN(2) == 0 {
			ch = g.NSFW.ID
		}
		return srv.Slash(t, ch, m, "story", discordtest.Sub("info", discordtest.String("story", s.ID)))
	case ListAdd:
		return srv.Slash(t, ch, m, "readinglist", discordtest.Sub("add", discordtest.String("story", s.ID),
			discordtest.String("status", pick(rng, []string{"to-read", "reading", "on-hold"})),
			discordtest.Int("chapter", int64(rng.IntN(s.Chapters+1)))))
	case ListProgress:
		return srv.Slash(t, ch, m, "readinglist", discordtest.Sub("progress", discordtest.String("story", s.ID),
			discordtest.Int("chapter", int64(1+rng.IntN(s.Chapters)))))
	case StoryList:
		opts := []discordtest.Opt{discordtest.String("sort", pick(rng, []string{"newest", "kudos", "title", "words"}))}
		if rng.IntN(2) == 0 {
			opts = append(opts, discordtest.String("fandom", pick(rng, fandoms)))
		}
		return srv.Slash(t, ch, m, "story", discordtest.Sub("list", opts...))
	case KudosTop:
		return srv.Slash(t, ch, m, "kudos", discordtest.Sub("top", discordtest.String("period", pick(rng, []string{"week", "month", "all"}))))
	case ListShow:
		return srv.Slash(t, ch, m, "readinglist", discordtest.Sub("show"))
	case RecList:
		return srv.Slash(t, ch, m, "rec", discordtest.Sub("list"))
	case Help:
		return srv.Slash(t, ch, m, "help")
	case UnknownTitle:
		// The title's number made unique by the generator, replaced by
		// one no story has: close to real titles, equal to none, and a
		// prefix of none.
		title := s.Title
		if i := strings.LastIndexByte(title, ' '); i > 0 {
			title = title[:i]
		}
		title = fmt.Sprintf("%s %d", title, 90_000_000+rng.IntN(10_000_000))
		return srv.Slash(t, ch, m, "story", discordtest.Sub("info", discordtest.String("story", title)))
	}
	t.Fatalf("loadtest: unknown kind %q", kind)
	return nil
}
