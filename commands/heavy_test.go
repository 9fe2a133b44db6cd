package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest/fakes"
	"ficshelf/shelf"
	"ficshelf/workpool"
)

// editingDiscord is fakes.Discord that records edits of answers by token.
type editingDiscord struct {
	fakes.Discord
	emu   sync.Mutex
	edits []string
	ch    chan string
}

func (d *editingDiscord) EditInteractionResponse(_ context.Context, appID, token string, e *discordgo.WebhookEdit) error {
	if appID != "app" || token != "tok" {
		return errors.New("wrong token")
	}
	d.emu.Lock()
	d.edits = append(d.edits, *e.Content)
	d.emu.Unlock()
	d.ch <- *e.Content
	return nil
}

// waitEdit waits for an edit containing want.
func (d *editingDiscord) waitEdit(t *testing.T, want string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case c := <-d.ch:
			if strings.Contains(c, want) {
				return c
			}
		case <-timeout:
			d.emu.Lock()
			defer d.emu.Unlock()
			t.Fatalf("no edit with %q; edits %q", want, d.edits)
			return ""
		}
	}
}

func heavyCmds(pool *workpool.Pool, limits *workpool.Limits) (*cmds, *editingDiscord) {
	d := &editingDiscord{ch: make(chan string, 100)}
	c := &cmds{discord: d, log: slog.New(slog.DiscardHandler), now: time.Now,
		pools: &Pools{Import: pool, ImportLimits: limits}}
	return c, d
}

func heavyReq(user string) *Request {
	return &Request{Interaction: &discordgo.Interaction{AppID: "app", Token: "tok"}, Type: discordgo.InteractionApplicationCommand,
		GuildID: tGuild, UserID: user}
}

func done(text string) func(context.Context) (*discordgo.InteractionResponse, error) {
	return func(context.Context) (*discordgo.InteractionResponse, error) { return Reply(text), nil }
}

// Work that must wait is answered at once with its place, then its
// result is edited in.
func TestHeavyQueuedAnswerThenResult(t *testing.T) {
	pool := workpool.New(workpool.Config{Name: "import", Workers: 1, PerGuild: 1})
	c, d := heavyCmds(pool, nil)
	hold, _ := pool.Enqueue(tGuild) // someone else's import, running
	resp, err := c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, what: "import “a.txt”", run: done("📚 added")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Type != discordgo.InteractionResponseChannelMessageWithSource || !strings.Contains(resp.Data.Content, "Queued: 1st in line to import “a.txt”") {
		t.Fatalf("first answer %+v", resp.Data)
	}
	hold.Done()
	d.waitEdit(t, "📚 added")
	// The slot was given back.
	deadline := time.Now().Add(5 * time.Second)
	for pool.Stats().Running != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := pool.Stats(); s.Running != 0 || s.Waiting != 0 || s.Started != 2 {
		t.Fatalf("pool after: %+v", s)
	}
}

// Work that can start at once runs in the handler and answers as usual,
// unless it is long: then the member hears at once that it is under way.
func TestHeavyStartsAtOnce(t *testing.T) {
	pool := workpool.New(workpool.Config{Name: "import", Workers: 1, PerGuild: 1})
	c, d := heavyCmds(pool, nil)
	resp, err := c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, what: "import “a.txt”", run: done("📚 added")})
	if err != nil || resp.Data.Content != "📚 added" {
		t.Fatalf("short work: %v %+v", err, resp)
	}
	resp, err = c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, what: "import “b.txt”", long: true, run: done("📚 added b")})
	if err != nil || !strings.Contains(resp.Data.Content, "Working on it: import “b.txt”") {
		t.Fatalf("long work: %v %+v", err, resp)
	}
	d.waitEdit(t, "📚 added b")
}

// A member's sentence when the work fails: their own mistake as it is,
// anything else as the generic failure.
func TestHeavyQueuedFailures(t *testing.T) {
	pool := workpool.New(workpool.Config{Name: "import", Workers: 1, PerGuild: 1})
	c, d := heavyCmds(pool, nil)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{Errorf("That file has no story in it."), "That file has no story in it."},
		{errors.New("disk on fire"), "Something went wrong"},
	} {
		hold, _ := pool.Enqueue(tGuild)
		_, err := c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, what: "import “a.txt”",
			run: func(context.Context) (*discordgo.InteractionResponse, error) { return nil, tc.err }})
		if err != nil {
			t.Fatal(err)
		}
		hold.Done()
		d.waitEdit(t, tc.want)
	}
}

// Rate limits and a full queue answer with when to try again.
func TestHeavyRefusalsSayWhen(t *testing.T) {
	pool := workpool.New(workpool.Config{Name: "import", Workers: 1, PerGuild: 1, MaxQueue: 1})
	limits := &workpool.Limits{Member: workpool.Rate{Burst: 2, Every: time.Minute}}
	c, _ := heavyCmds(pool, limits)
	hold, _ := pool.Enqueue(tGuild)
	defer hold.Done()
	if _, err := c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, limits: limits, what: "import “a.txt”", run: done("ok")}); err != nil {
		t.Fatal(err)
	}
	// The queue (1) is full.
	_, err := c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, limits: limits, what: "import “b.txt”", run: done("ok")})
	var ue *UserError
	if !errors.As(err, &ue) || !strings.Contains(ue.Message, "Too much is waiting in line") || !strings.Contains(ue.Message, "Try again <t:") {
		t.Fatalf("full queue: %v", err)
	}
	// Alice's two uses are spent (the refused one counted: she asked).
	_, err = c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, limits: limits, what: "import “c.txt”", run: done("ok")})
	if !errors.As(err, &ue) || !strings.Contains(ue.Message, "You've asked me to import “c.txt” too often") || !strings.Contains(ue.Message, ":R>") {
		t.Fatalf("rate limit: %v", err)
	}
}

func TestOrdinal(t *testing.T) {
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 102: "102nd", 111: "111th"} {
		if got := ordinal(n); got != want {
			t.Errorf("ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}

// Work with a persist step that has to wait is stored (persist) and
// answered with the place the store gives, its pool slot given back at
// once; a full line is refused with when to try again.
func TestHeavyPersistedWhenItMustWait(t *testing.T) {
	pool := workpool.New(workpool.Config{Name: "import", Workers: 1, PerGuild: 1})
	c, _ := heavyCmds(pool, nil)
	hold, _ := pool.Enqueue(tGuild) // someone else's import, running
	defer hold.Done()
	ran, stored := false, 0
	job := heavyJob{pool: pool, what: "import “a.txt”",
		run:     func(context.Context) (*discordgo.InteractionResponse, error) { ran = true; return Reply("ran"), nil },
		persist: func(context.Context) (int, error) { stored++; return 3, nil }}
	resp, err := c.runHeavy(context.Background(), heavyReq(tAlice), job)
	if err != nil || !strings.Contains(resp.Data.Content, "Queued: 3rd in line to import “a.txt”") {
		t.Fatalf("answer %v %+v", err, resp)
	}
	if stored != 1 || ran {
		t.Fatalf("stored %d times, ran here %v; want stored once, not run here", stored, ran)
	}
	if s := pool.Stats(); s.Waiting != 0 || s.Running != 1 {
		t.Fatalf("pool after: %+v; want only the other import", s)
	}
	// Long work that could start at once is stored too, and said under way.
	hold.Done()
	job.long = true
	job.persist = func(context.Context) (int, error) { stored++; return 1, nil }
	resp, err = c.runHeavy(context.Background(), heavyReq(tAlice), job)
	if err != nil || !strings.Contains(resp.Data.Content, "Working on it: import “a.txt”") || stored != 2 {
		t.Fatalf("long: %v %+v stored %d", err, resp, stored)
	}
	// Short work that can start at once runs here, not stored.
	job.long = false
	if resp, err = c.runHeavy(context.Background(), heavyReq(tAlice), job); err != nil || resp.Data.Content != "ran" || stored != 2 {
		t.Fatalf("short: %v %+v stored %d", err, resp, stored)
	}
	// The server's line is full.
	hold, _ = pool.Enqueue(tGuild)
	defer hold.Done()
	job.persist = func(context.Context) (int, error) { return 0, fmt.Errorf("create: %w", shelf.ErrQueueFull) }
	_, err = c.runHeavy(context.Background(), heavyReq(tAlice), job)
	var ue *UserError
	if !errors.As(err, &ue) || !strings.Contains(ue.Message, "Too much is waiting in line") || !strings.Contains(ue.Message, "Try again <t:") {
		t.Fatalf("full line: %v", err)
	}
}

// At a graceful shutdown, in-memory work still waiting is told the bot
// restarted before it could start (once: it is not run later), work
// running is waited for and answered, and work arriving afterwards is
// refused with the same sentence.
func TestHeavyShutdownTellsTheQueued(t *testing.T) {
	pool := workpool.New(workpool.Config{Name: "export", Workers: 1, PerGuild: 1})
	c, d := heavyCmds(pool, nil)
	release := make(chan struct{})
	ran := make(chan string, 4)
	run := func(name string, wait chan struct{}) func(context.Context) (*discordgo.InteractionResponse, error) {
		return func(context.Context) (*discordgo.InteractionResponse, error) {
			ran <- name
			if wait != nil {
				<-wait
			}
			return Reply("📦 " + name + " ready"), nil
		}
	}
	// The first runs (long: answered at once, done in the background).
	if _, err := c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, what: "export your data", long: true, run: run("first", release)}); err != nil {
		t.Fatal(err)
	}
	if got := <-ran; got != "first" {
		t.Fatalf("ran %s", got)
	}
	resp, err := c.runHeavy(context.Background(), heavyReq("300000000000000009"), heavyJob{pool: pool, what: "export your data", run: run("second", nil)})
	if err != nil || !strings.Contains(resp.Data.Content, "Queued: 1st in line") {
		t.Fatalf("second: %v %+v", err, resp)
	}
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- c.pools.Shutdown(ctx)
	}()
	d.waitEdit(t, "I was restarted before I could export your data: nothing was done. Please run the command again.")
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while the first still ran", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	d.waitEdit(t, "📦 first ready")
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	select {
	case got := <-ran:
		t.Fatalf("%s ran after the shutdown", got)
	case <-time.After(50 * time.Millisecond):
	}
	hold, _ := pool.Enqueue(tGuild)
	defer hold.Done()
	if _, err := c.runHeavy(context.Background(), heavyReq(tAlice), heavyJob{pool: pool, what: "export your data", run: run("late", nil)}); err == nil ||
		!strings.Contains(err.Error(), "I was restarted before I could export your data") {
		t.Fatalf("work after the shutdown: %v", err)
	}
}
