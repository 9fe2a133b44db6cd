package workpool

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// A server's flood waits behind itself: with one slot per server, a
// second server's single piece starts as soon as a slot frees, ahead of
// the flood's rest.
func TestFairBetweenServers(t *testing.T) {
	p := New(Config{Name: "t", Workers: 2, PerGuild: 1})
	var flood []*Ticket
	for range 10 {
		tk, err := p.Enqueue("big")
		if err != nil {
			t.Fatal(err)
		}
		flood = append(flood, tk)
	}
	if flood[0].Place() != 0 || flood[1].Place() == 0 {
		t.Fatalf("places %d, %d: want the first running, the second waiting (one slot per server)", flood[0].Place(), flood[1].Place())
	}
	quiet, err := p.Enqueue("quiet")
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-quiet.Ready():
	default:
		t.Fatal("the quiet server's piece waits although a slot is free for it")
	}
	quiet.Done()
	// The free slot does not go to the flood: it is at its share.
	if flood[1].Place() == 0 {
		t.Fatal("the flood took a second slot")
	}
	quiet2, _ := p.Enqueue("quiet")
	if quiet2.Place() != 0 {
		t.Fatalf("quiet's second piece has place %d, want a slot at once", quiet2.Place())
	}
	quiet2.Done()
	// The flood runs one at a time, in order.
	for i := range flood {
		if err := flood[i].Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		if i+1 < len(flood) && flood[i+1].Place() != 1 {
			t.Fatalf("piece %d: the next one's place is %d, want 1", i, flood[i+1].Place())
		}
		flood[i].Done()
	}
	if s := p.Stats(); s.Running != 0 || s.Waiting != 0 || s.Started != 12 {
		t.Fatalf("stats %+v", s)
	}
}

// Free slots go round robin between waiting servers.
func TestRoundRobin(t *testing.T) {
	p := New(Config{Name: "t", Workers: 1, PerGuild: 1})
	first, _ := p.Enqueue("a")
	var order []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	queue := func(g string) {
		tk, err := p.Enqueue(g)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tk.Wait(context.Background()); err != nil {
				t.Error(err)
			}
			mu.Lock()
			order = append(order, g)
			mu.Unlock()
			tk.Done()
		}()
	}
	for range 3 {
		queue("a")
	}
	queue("b")
	queue("c")
	first.Done()
	wg.Wait()
	if len(order) != 5 || order[0] != "a" || order[1] != "b" || order[2] != "c" {
		t.Fatalf("order %v: want a, b, c, then the rest of a", order)
	}
}

// Places count the pieces ahead across servers; a piece that leaves the
// queue moves the others up.
func TestPlacesAndLeaving(t *testing.T) {
	p := New(Config{Name: "t", Workers: 1, PerGuild: 1})
	run, _ := p.Enqueue("a")
	a1, _ := p.Enqueue("a")
	a2, _ := p.Enqueue("a")
	b1, _ := p.Enqueue("b")
	if a1.Place() != 1 || b1.Place() != 2 || a2.Place() != 3 {
		t.Fatalf("places a1 %d, b1 %d, a2 %d; want 1, 2, 3", a1.Place(), b1.Place(), a2.Place())
	}
	a1.Done() // gave up before its turn
	if b1.Place() != 1 && a2.Place() != 1 {
		t.Fatalf("after a1 left: b1 %d, a2 %d", b1.Place(), a2.Place())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a2.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a done context: %v", err)
	}
	a2.Done()
	a2.Done() // harmless
	run.Done()
	if b1.Place() != 0 {
		t.Fatal("b1 did not get the slot")
	}
	b1.Done()
	if s := p.Stats(); s.Running != 0 || s.Waiting != 0 || len(p.guilds) != 0 || len(p.ring) != 0 {
		t.Fatalf("pool not empty: %+v, %d guilds, ring %v", s, len(p.guilds), p.ring)
	}
}

// A full queue, or a wait that would outlive the interaction, is refused
// with when to come back.
func TestBusy(t *testing.T) {
	p := New(Config{Name: "t", Workers: 1, PerGuild: 1, MaxQueue: 3, MaxWait: time.Minute})
	run, _ := p.Enqueue("a")
	defer run.Done()
	for range 3 {
		if _, err := p.Enqueue("a"); err != nil {
			t.Fatal(err)
		}
	}
	_, err := p.Enqueue("a")
	var busy *BusyError
	if !errors.As(err, &busy) || !errors.Is(err, ErrBusy) || busy.Reason != "queue full" || busy.RetryAfter <= 0 {
		t.Fatalf("fourth waiting: %v", err)
	}
	// Another server still gets in line.
	if _, err := p.Enqueue("b"); err != nil {
		t.Fatal(err)
	}

	slow := New(Config{Name: "slow", Workers: 1, PerGuild: 1, MaxWait: 30 * time.Second})
	slow.avg = 20 * time.Second
	r, _ := slow.Enqueue("a")
	defer r.Done()
	if _, err := slow.Enqueue("a"); err != nil { // about 20 s
		t.Fatal(err)
	}
	_, err = slow.Enqueue("a") // about 40 s
	if !errors.As(err, &busy) || busy.Reason != "wait too long" {
		t.Fatalf("a 40 s wait with MaxWait 30 s: %v", err)
	}
	if s := slow.Stats(); s.Refused != 1 {
		t.Fatalf("refused %d", s.Refused)
	}
}

// Many servers and pieces at once: never more than Workers running, nor
// more than PerGuild of one server; everything runs once.
func TestBoundsUnderConcurrency(t *testing.T) {
	p := New(Config{Name: "t", Workers: 3, PerGuild: 2, MaxQueue: 1000})
	var mu sync.Mutex
	running, maxRunning := 0, 0
	per := map[string]int{}
	ran := 0
	var wg sync.WaitGroup
	for i := range 200 {
		g := string(rune('a' + i%5))
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := p.Enqueue(g)
			if err != nil {
				t.Error(err)
				return
			}
			defer tk.Done()
			if err := tk.Wait(context.Background()); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			running++
			per[g]++
			maxRunning = max(maxRunning, running)
			if per[g] > 2 {
				t.Errorf("server %s runs %d at once", g, per[g])
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running--
			per[g]--
			ran++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if maxRunning > 3 || ran != 200 {
		t.Fatalf("max running %d, ran %d", maxRunning, ran)
	}
}

func TestLimits(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := &Limits{Member: Rate{Burst: 2, Every: 10 * time.Second}, Guild: Rate{Burst: 3, Every: time.Minute}, Now: func() time.Time { return now }}
	for i := range 2 {
		if ok, _, _ := l.Allow("g", "u1"); !ok {
			t.Fatalf("use %d refused", i)
		}
	}
	ok, retry, which := l.Allow("g", "u1")
	if ok || which != "member" || !retry.Equal(now.Add(10*time.Second)) {
		t.Fatalf("third use: %v %v %s", ok, retry, which)
	}
	if ok, _, _ := l.Allow("g", "u2"); !ok {
		t.Fatal("another member refused")
	}
	ok, retry, which = l.Allow("g", "u3")
	if ok || which != "server" || !retry.Equal(now.Add(time.Minute)) {
		t.Fatalf("fourth use in the server: %v %v %s", ok, retry, which)
	}
	if ok, _, _ := l.Allow("other", "u1"); !ok {
		t.Fatal("another server refused")
	}
	now = now.Add(10 * time.Second)
	if ok, _, which := l.Allow("g", "u1"); ok || which != "server" {
		t.Fatalf("member refilled but server not: %v %s", ok, which)
	}
	now = now.Add(2 * time.Hour)
	if ok, _, _ := l.Allow("g", "u1"); !ok {
		t.Fatal("refused after the buckets refilled")
	}
	if n := l.Len(); n > 3 {
		t.Fatalf("%d buckets kept after the sweep", n)
	}
	var none *Limits
	if ok, _, _ := none.Allow("g", "u"); !ok {
		t.Fatal("nil Limits refused")
	}
	off := &Limits{}
	for range 100 {
		if ok, _, _ := off.Allow("g", "u"); !ok {
			t.Fatal("zero Limits refused")
		}
	}
}
