package bot

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// grantOrder queues the keys' interactions behind a full gate of one slot,
// then frees slots one by one, and returns the keys in the order they got
// one.
func grantOrder(t *testing.T, keys []string) []string {
	t.Helper()
	g := newFairGate(1)
	if _, err := g.acquire(context.Background(), "holder"); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for n, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := g.acquire(context.Background(), k); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, k)
			mu.Unlock()
			g.release()
		}()
		// Queued in this order: the next one starts once this one waits.
		for deadline := time.Now().Add(5 * time.Second); g.stats().Waiting < n+1; {
			if time.Now().After(deadline) {
				t.Fatal("an acquire did not queue")
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	g.release()
	wg.Wait()
	if s := g.stats(); s.Running != 0 || s.Waiting != 0 || s.ServersWaiting != 0 {
		t.Errorf("after all: %+v, want nothing running or waiting", s)
	}
	return order
}

// When the slots are all taken, a quiet server's one interaction waits
// behind at most one of a busy server's, not behind all of them (FIFO
// would serve it sixth here).
func TestFairGateServesServersInTurn(t *testing.T) {
	order := grantOrder(t, []string{"busy", "busy", "busy", "busy", "busy", "quiet"})
	if fmt.Sprint(order) != "[busy quiet busy busy busy busy]" {
		t.Fatalf("slots went to %v; want the quiet server second", order)
	}
	order = grantOrder(t, []string{"a", "a", "b", "b", "c"})
	if fmt.Sprint(order) != "[a b c a b]" {
		t.Fatalf("slots went to %v; want round-robin a b c a b", order)
	}
}

// Below saturation nothing waits; an interaction that gives up while
// waiting leaves its queue, and a slot granted as it gives up is passed on.
func TestFairGateCancelAndFastPath(t *testing.T) {
	g := newFairGate(2)
	for range 2 {
		if w, err := g.acquire(context.Background(), "x"); err != nil || w != 0 {
			t.Fatalf("a free slot: waited %v, %v", w, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := g.acquire(ctx, "y"); err == nil {
		t.Fatal("acquire with every slot taken returned before its context ended")
	}
	if s := g.stats(); s.Waiting != 0 || s.ServersWaiting != 0 || s.Running != 2 || s.Queued != 1 {
		t.Fatalf("after giving up: %+v", s)
	}
	g.release()
	g.release()
	if s := g.stats(); s.Running != 0 {
		t.Fatalf("after releasing: %+v", s)
	}
	// Many at once, many cancelled: no slot is lost.
	g = newFairGate(3)
	var wg sync.WaitGroup
	for n := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(n%5)*time.Millisecond)
			defer cancel()
			if _, err := g.acquire(ctx, fmt.Sprint(n%7)); err == nil {
				time.Sleep(time.Millisecond)
				g.release()
			}
		}()
	}
	wg.Wait()
	if s := g.stats(); s.Running != 0 || s.Waiting != 0 || s.ServersWaiting != 0 {
		t.Fatalf("after 200 with cancellations: %+v", s)
	}
}

// An interaction that waits for a slot past the deferral time is deferred
// in time and answered once it runs; an autocomplete that waits past its
// limit gets no choices and its handler never runs.
func TestFairGateKeepsTheAcknowledgement(t *testing.T) {
	fr := &fakeResponder{}
	a := newTestAnswerer(fr, discardLogger(), nil)
	a.gate = newFairGate(1)
	release := make(chan struct{})
	var ran atomic.Int32
	h := HandlerFunc(func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		ran.Add(1)
		if i.ID == "busy" {
			<-release
		}
		if i.Type == discordgo.InteractionApplicationCommandAutocomplete {
			return &discordgo.InteractionResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: &discordgo.InteractionResponseData{}}, nil
		}
		return message("done "+i.ID, 0), nil
	})
	busy := slashInteraction()
	busy.ID, busy.GuildID = "busy", "1"
	go a.answer(context.Background(), h, busy) // holds the only slot
	for a.gate.stats().Running == 0 {
		time.Sleep(time.Millisecond)
	}
	quiet := slashInteraction()
	quiet.ID, quiet.GuildID = "quiet", "2"
	ac := &discordgo.Interaction{ID: "ac", AppID: "7", Token: "t", GuildID: "2", Type: discordgo.InteractionApplicationCommandAutocomplete,
		Data: discordgo.ApplicationCommandInteractionData{Name: "excerpt"}}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.answer(context.Background(), h, quiet) }()
	go func() { defer wg.Done(); a.answer(context.Background(), h, ac) }()
	time.Sleep(4 * testDefer) // past both limits, still waiting
	close(release)
	wg.Wait()
	got := fr.got()
	var deferred, answered, empty bool
	for _, c := range got {
		switch c {
		case `respond {"type":5}`:
			deferred = true
		case `respond {"type":8,"data":{"choices":[]}}`:
			empty = true
		}
		if strings.HasPrefix(c, "edit") && strings.Contains(c, "done quiet") {
			answered = true
		}
	}
	if !deferred || !answered || !empty {
		t.Fatalf("calls %q: want the quiet command deferred then edited, the autocomplete answered empty", got)
	}
	// answer returns once the member is answered; the given-up
	// autocomplete's handler goroutine may still be waiting for its slot
	// (then takes it, skips the handler and gives it back): wait for that.
	var s IngressStats
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if s = a.gate.stats(); s.Skipped == 1 && s.Running == 0 {
			break
		}
	}
	if s.Skipped != 1 || s.Running != 0 {
		t.Errorf("gate after: %+v, want the autocomplete skipped and every slot back", s)
	}
	if n := ran.Load(); n != 2 {
		t.Errorf("%d handlers ran, want 2 (the autocomplete's skipped)", n)
	}
}

// BenchmarkFairGateFree is the gate's cost per interaction below
// saturation: one acquire and one release.
func BenchmarkFairGateFree(b *testing.B) {
	g := newFairGate(1 << 20)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := g.acquire(ctx, "123456789012345678"); err != nil {
				b.Fatal(err)
			}
			g.release()
		}
	})
}
