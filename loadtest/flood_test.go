package loadtest

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/shelf"
	"ficshelf/store"
	"ficshelf/store/postgres/pgtest"
)

// The fair-share flood (issue 19): many members of one server upload big
// files at once while a quiet server's members give kudos, autocomplete
// and ask for /help. The normal suite runs it small; the scenario
// is
//
//	go test ./loadtest -run TestFlood -v -count=1 -args -flood-n 64 -flood-mib 20 -flood-full [-db postgres] [-quiet-mix wide]
var (
	flagFloodN     = flag.Int("flood-n", 4, "uploads sent at once from one server")
	flagFloodMiB   = flag.Float64("flood-mib", 2, "size of each upload in MiB (half AO3 HTML, half plain text)")
	flagFloodRate  = flag.Int("flood-rate", 20, "the quiet server's light interactions per second")
	flagFloodFull  = flag.Bool("flood-full", false, "assert the issue's targets: the quiet server's p99 ≤ -flood-p99 and the bot's peak memory ≤ -flood-maxrss")
	flagFloodP99   = flag.Duration("flood-p99", 50*time.Millisecond, "the quiet server's p99 target during the flood (asserted with -flood-full)")
	flagFloodRSS   = flag.Int("flood-maxrss", 400, "the bot's peak memory target in MiB (asserted with -flood-full)")
	flagFloodQuiet = flag.Duration("flood-baseline", 3*time.Second, "how long the quiet server's baseline runs before the flood")
	flagQuietMix   = flag.String("quiet-mix", "light", `the quiet server's interactions in TestFlood and TestNeighbour: "light" (kudos buttons, story autocomplete, /help), "wide" (also /story list, excerpts, /story info, /readinglist add and its button: reads and writes of every size a member waits for), or kinds separated by commas`)
)

// Quiet servers' mixes (-quiet-mix), each kind as often as it is listed.
var (
	lightQuietMix = []Kind{KudosButton, KudosButton, Autocomplete, Autocomplete, Help}
	wideQuietMix  = []Kind{KudosButton, KudosButton, Autocomplete, Autocomplete, Help, StoryList, Excerpt, Excerpt, StoryInfo, ListAdd, ListButton}
)

// quietMix is -quiet-mix's kinds.
func quietMix(t testing.TB) []Kind {
	switch *flagQuietMix {
	case "", "light":
		return lightQuietMix
	case "wide":
		return wideQuietMix
	}
	var out []Kind
	for _, w := range parseMix(t, *flagQuietMix) {
		out = append(out, w.Kind)
	}
	return out
}

// floodWords are the prose of the generated uploads.
var floodWords = strings.Fields("the lantern swung over harbour water while Maren counted “gulls” and ships, thinking of nothing at all, until Ottoline laughed")

// floodUpload is a file of about size bytes: an AO3 HTML download or plain
// text with "Chapter N" headings, chapters of about 400 KiB; seed makes
// each file's prose differ.
func floodUpload(size int, html bool, seed int) []byte {
	var b strings.Builder
	b.Grow(size + 64<<10)
	title := fmt.Sprintf("Flood Work %d", seed)
	if html {
		fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>%s - someone - Fandom</title></head><body>\n<div id=\"preface\"><div class=\"meta\"><h1>%s</h1>\n<div class=\"byline\">by <a rel=\"author\" href=\"https://archiveofourown.org/users/someone\">someone</a></div></div></div>\n<div id=\"chapters\" class=\"userstuff\">\n", title, title)
	} else {
		fmt.Fprintf(&b, "%s\n\n", title)
	}
	ch, chStart := 0, 0
	for i := 0; b.Len() < size; i++ {
		if ch == 0 || b.Len()-chStart > 400<<10 {
			if html && ch > 0 {
				b.WriteString("</div>\n<!--/chapter content-->\n")
			}
			ch++
			chStart = b.Len()
			if html {
				fmt.Fprintf(&b, "<div class=\"meta group\">\n<h2 class=\"heading\">Chapter %d: Part %d</h2>\n</div>\n<!--chapter content-->\n<div class=\"userstuff\">\n", ch, ch)
			} else {
				fmt.Fprintf(&b, "Chapter %d\n\n", ch)
			}
		}
		if html {
			b.WriteString("<p>")
		}
		for j := range 80 {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(floodWords[(i*7+j+seed)%len(floodWords)])
			if j%12 == 11 {
				b.WriteByte('.')
			}
		}
		b.WriteByte('.')
		if html {
			b.WriteString("</p>\n")
		} else {
			b.WriteString("\n\n")
		}
	}
	if html {
		b.WriteString("</div>\n<!--/chapter content-->\n</div>\n</body></html>\n")
	}
	return []byte(b.String())
}

// upload is one /story add of the flood and what became of it.
type upload struct {
	ack      time.Duration // until the first answer (callback)
	done     time.Duration // until the answer said it was added
	queued   bool          // first told its place in line
	content  string        // the last answer's text
	finished bool
}

// TestFlood sends -flood-n uploads of -flood-mib MiB from members of one
// server at once, while another server's members give kudos, type in
// autocomplete and ask for /help at -flood-rate per second (before the
// flood for a baseline, and throughout it). Every upload must be answered
// within 3 s (the story's card, a deferral, or its place in line) and then
// imported exactly once; every light interaction answered in time; the
// figures (the quiet server's p50/p99 before and during, the bot's peak
// memory, the uploads' waits) are logged, and with -flood-full the
// issue's targets asserted.
func TestFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it as a separate process")
	}
	// Just under the size asked for (a paragraph and the closing tags
	// follow the last check), so that 20 is under the 20 MiB limit.
	n, size := *flagFloodN, int(*flagFloodMiB*(1<<20))-16<<10
	bin := Binary(t)
	srv := discordtest.New(t)
	db := t.TempDir() + "/ficshelf.db"
	switch *flagDB {
	case "bolt":
	case "postgres":
		db = pgtest.URL(t)
	default:
		t.Fatalf("-db %q: want bolt or postgres", *flagDB)
	}
	w := NewWorld(t, srv, db, WorldConfig{Guilds: 2, Members: max(64, n), Stories: 200})
	w.Watch = NewWatcher(t, srv)
	busy, quiet := w.Guilds[0], w.Guilds[1]
	p := Start(t, bin, db, srv, ProcessOptions{BaseURL: w.Watch.URL, Env: []string{"LOG_LEVEL=warn"}})
	rss0, _ := p.RSS()

	// The files first, so that generating them is not timed: two of each
	// kind, shared by the uploads (the server serves a copy of each).
	files := make([]*discordgo.MessageAttachment, n)
	for k := range n {
		html := k%2 == 0
		name := fmt.Sprintf("flood-%d.txt", k)
		if html {
			name = fmt.Sprintf("flood-%d.html", k)
		}
		files[k] = srv.AddAttachment(name, map[bool]string{true: "text/html", false: "text/plain"}[html], floodUpload(size, html, k))
	}
	prepared := make([]*discordtest.Prepared, n)
	for k := range n {
		m := busy.Members[k%len(busy.Members)].User.ID
		prepared[k] = srv.Prepare(t, srv.Slash(t, busy.General.ID, m, "story", discordtest.Sub("add", discordtest.Attach("file", files[k]))))
	}

	kinds := quietMix(t)
	baseline := lightLoad(t, w, quiet, *flagFloodRate, kinds, time.After(*flagFloodQuiet))

	stop := make(chan struct{})
	var during []Sample
	var lwg sync.WaitGroup
	lwg.Add(1)
	go func() {
		defer lwg.Done()
		during = lightLoadUntil(t, w, quiet, *flagFloodRate, kinds, stop)
	}()
	time.Sleep(time.Second) // the light load under way first

	// The kernel keeps only the peak of the whole resident set (VmHWM):
	// sample its anonymous (heap) and file-backed (the database's memory
	// map, the binary) parts to tell them apart.
	var peakAnon, peakFile int64
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		for {
			if a, err := procStatusKB(p.Pid(), "RssAnon:"); err == nil {
				peakAnon = max(peakAnon, a)
			}
			if f, err := procStatusKB(p.Pid(), "RssFile:"); err == nil {
				peakFile = max(peakFile, f)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	ups := make([]upload, n)
	var uwg sync.WaitGroup
	start := time.Now()
	for k := range n {
		uwg.Add(1)
		go func() {
			defer uwg.Done()
			ups[k] = sendUpload(t, srv, prepared[k])
		}()
	}
	uwg.Wait()
	floodTime := time.Since(start)
	close(stop)
	lwg.Wait()
	<-sampleDone

	peak, err := p.PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Terminate(); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(30 * time.Second); err != nil {
		t.Errorf("bot after SIGTERM: %v", err)
	}

	// Every upload answered within 3 s, then added.
	var acks, dones []time.Duration
	queued := 0
	for k, u := range ups {
		acks = append(acks, u.ack)
		dones = append(dones, u.done)
		if u.queued {
			queued++
		}
		if u.ack > 3*time.Second || u.ack == 0 {
			t.Errorf("upload %d answered after %v", k, u.ack)
		}
		if !u.finished {
			t.Errorf("upload %d not added; its answer says %q", k, u.content)
		}
	}
	// Each imported exactly once: the server's library grew by n.
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, total, err := st.ListStories(context.Background(), busy.Guild.ID, shelf.ListQuery{Limit: 1})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(busy.Stories) + n; total != want {
		t.Errorf("the busy server's library has %d stories, want %d (%d seeded + %d uploads)", total, want, len(busy.Stories), n)
	}

	lat := func(ss []Sample) (p50, p99, max time.Duration, bad int) {
		var ls []time.Duration
		for _, s := range ss {
			if s.Unanswered || s.Late || s.Failed || s.NotDelivered {
				bad++
				continue
			}
			ls = append(ls, s.Latency)
		}
		if len(ls) == 0 {
			return 0, 0, 0, bad
		}
		p50, p99 = percentile(ls, 50), percentile(ls, 99)
		return p50, p99, ls[len(ls)-1], bad
	}
	b50, b99, bmax, bbad := lat(baseline)
	d50, d99, dmax, dbad := lat(during)
	a50, a99 := percentile(acks, 50), percentile(acks, 100)
	f50, f100 := percentile(dones, 50), percentile(dones, 100)
	t.Logf("uploads: %d × %.1f MiB from one server in %v; first answer p50 %v max %v; %d told their place in line; added p50 %v, last %v",
		n, float64(size)/(1<<20), floodTime.Round(time.Millisecond), ms(a50), ms(a99), queued, f50.Round(time.Millisecond), f100.Round(time.Millisecond))
	t.Logf("quiet server, baseline: %d interactions, p50 %v p99 %v max %v, %d not answered in time", len(baseline), ms(b50), ms(b99), ms(bmax), bbad)
	t.Logf("quiet server, during the flood: %d interactions, p50 %v p99 %v max %v, %d not answered in time", len(during), ms(d50), ms(d99), ms(dmax), dbad)
	t.Logf("bot memory: %.1f MiB resident when ready, peak (VmHWM) %.1f MiB; sampled peaks: anonymous (heap) %.1f MiB, file-backed (database map, binary) %.1f MiB; load average %s",
		float64(rss0)/(1<<20), float64(peak)/(1<<20), float64(peakAnon)/(1<<20), float64(peakFile)/(1<<20), loadAvg())
	byKind := map[Kind][]time.Duration{}
	for _, s := range during {
		if !s.Unanswered && !s.Late {
			byKind[s.Kind] = append(byKind[s.Kind], s.Latency)
		}
	}
	for k, ls := range byKind {
		t.Logf("quiet server during the flood, %s: %d, p50 %v p99 %v", k, len(ls), ms(percentile(ls, 50)), ms(percentile(ls, 99)))
	}
	fmt.Fprintf(os.Stderr, "FLOOD db=%s quiet_mix=%s n=%d mib=%.1f ack_max_ms=%.0f queued=%d added_last_s=%.1f quiet_base_p99_ms=%.1f quiet_p50_ms=%.1f quiet_p99_ms=%.1f quiet_max_ms=%.1f quiet_bad=%d peak_rss_mib=%.1f loadavg=%q\n",
		*flagDB, *flagQuietMix, n, float64(size)/(1<<20), float64(a99)/1e6, queued, f100.Seconds(), float64(b99)/1e6, float64(d50)/1e6, float64(d99)/1e6, float64(dmax)/1e6, dbad, float64(peak)/(1<<20), loadAvg())
	if bbad+dbad > 0 {
		t.Errorf("%d of the quiet server's interactions were not answered in time", bbad+dbad)
	}
	if *flagFloodFull {
		if d99 > *flagFloodP99 {
			t.Errorf("the quiet server's p99 during the flood is %v, over %v", d99, *flagFloodP99)
		}
		if limit := int64(*flagFloodRSS) << 20; peak > limit {
			t.Errorf("the bot's peak memory is %.1f MiB, over %d MiB", float64(peak)/(1<<20), *flagFloodRSS)
		}
	}
}

// sendUpload sends one prepared /story add and waits for it to be added.
func sendUpload(t *testing.T, srv *discordtest.Server, prep *discordtest.Prepared) upload {
	var u upload
	start := time.Now()
	pend := srv.SendPrepared(t, prep)
	ctx, cancel := context.WithTimeout(context.Background(), 14*time.Minute)
	defer cancel()
	a, err := pend.WaitCtx(ctx, func(a *discordtest.Answer) bool { return a.Type != 0 || len(a.Rejected) > 0 })
	if err != nil {
		u.content = err.Error()
		return u
	}
	if a.Type == 0 { // every callback refused: answered too late (10062)
		u.content = fmt.Sprintf("callback refused with %v", a.Rejected)
		return u
	}
	u.ack = time.Since(start)
	u.queued = a.Type == discordgo.InteractionResponseChannelMessageWithSource && strings.Contains(a.Content(), "in line")
	// Done: the card ("… added … to the library"), or any other final
	// answer — an edit that is not a progress line, or a follow-up (a
	// failure told privately comes as one, after the deferral is deleted).
	a, err = pend.WaitCtx(ctx, func(a *discordtest.Answer) bool {
		c := a.Content()
		switch {
		case strings.Contains(c, "to the library"), len(a.Followups) > 0:
			return true
		case strings.HasPrefix(c, "⏳"):
			return false
		}
		return c != "" && (a.Edited || !a.Deferred())
	})
	u.done = time.Since(start)
	if a != nil {
		u.content = a.Content()
		for _, f := range a.Followups {
			u.content += " | " + f.Content
		}
		u.finished = strings.Contains(u.content, "to the library")
	}
	if err != nil && u.content == "" {
		u.content = err.Error()
	}
	return u
}

// lightLoad fires the quiet server's mix (kinds, picked at random) at
// rate per second until stop, and returns the samples.
func lightLoad(t *testing.T, w *World, g *Guild, rate int, kinds []Kind, stop <-chan time.Time) []Sample {
	return lightLoadUntil(t, w, g, rate, kinds, func() <-chan struct{} {
		c := make(chan struct{})
		go func() { <-stop; close(c) }()
		return c
	}())
}

func lightLoadUntil(t *testing.T, w *World, g *Guild, rate int, kinds []Kind, stop <-chan struct{}) []Sample {
	rng := rand.New(rand.NewPCG(uint64(rate), 19))
	tick := time.NewTicker(time.Second / time.Duration(max(1, rate)))
	defer tick.Stop()
	var mu sync.Mutex
	var out []Sample
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-stop:
			wg.Wait()
			return out
		case <-tick.C:
		}
		kind := kinds[rng.IntN(len(kinds))]
		m := g.Members[rng.IntN(len(g.Members))].User.ID
		s := g.Stories[rng.IntN(len(g.Stories))]
		i := w.build(t, rng, kind, g, m, s)
		prep := w.Srv.Prepare(t, i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			smp := w.fire(t, kind, i, prep, 20*time.Second)
			mu.Lock()
			out = append(out, smp)
			mu.Unlock()
		}()
	}
}
