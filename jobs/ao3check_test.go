package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/fic/ao3test"
	"ficshelf/jobs"
	"ficshelf/jobs/jobstest"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

type countingSender struct{ calls atomic.Int32 }

func (c *countingSender) SendAlerts(context.Context) error { c.calls.Add(1); return nil }

const (
	guildA = "100000000000000001"
	guildB = "200000000000000002"
	member = "300000000000000003"
)

func followed(t *testing.T, st shelf.Store, guild string, w ao3test.Work) shelf.StoryRecord {
	t.Helper()
	rec := storetest.AddAt(t, st, guild, member, false, time.Time{}, storetest.Work(w.Title, w.Posted, w.Expected, w.ID))
	if _, _, err := st.Subscribe(context.Background(), guild, member, rec.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestUpdateCheckerOneRequestPerWork(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	ao3 := ao3test.New(t)
	w := ao3.AddWork(ao3test.Work{Title: "Shared", Authors: []string{"quill"}, Rating: "General Audiences", Posted: 2, Words: 2000})
	gone := ao3.AddWork(ao3test.Work{Title: "Leaving", Authors: []string{"quill"}, Rating: "General Audiences", Posted: 1, Words: 900})
	followed(t, st, guildA, w)
	followed(t, st, guildB, w)
	followed(t, st, guildA, gone)
	client, err := fic.NewAO3Client(ao3.URL, ao3.Client(), "")
	if err != nil {
		t.Fatal(err)
	}
	clock := jobstest.NewFakeClock(time.Now())
	sender := &countingSender{}
	u := &jobs.UpdateChecker{Store: st, AO3: client, Alerts: sender, Every: time.Hour, Clock: clock}
	if err := u.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/works/%d", w.ID)
	if n := ao3.Count(path); n != 1 {
		t.Errorf("%d requests for a work two servers follow, want 1", n)
	}
	if p, _ := st.PendingAlerts(ctx, 10); len(p) != 0 {
		t.Errorf("alerts with nothing new: %+v", p)
	}
	// Nothing is due before the interval.
	if err := u.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := ao3.Count(path); n != 1 {
		t.Errorf("checked again before AO3_CHECK_EVERY: %d requests", n)
	}
	ao3.AddChapter(w.ID, 1500)
	ao3.SetState(gone.ID, ao3test.Deleted)
	clock.Advance(time.Hour + time.Minute)
	if err := u.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	pending, _ := st.PendingAlerts(ctx, 10)
	kinds := map[string]int{}
	for _, a := range pending {
		kinds[a.Kind]++
	}
	if kinds[shelf.AlertUpdate] != 2 || kinds[shelf.WorkDeleted] != 1 || len(pending) != 3 {
		t.Errorf("alerts %v, want one update per server and one deletion note", kinds)
	}
	if sender.calls.Load() < 2 {
		t.Errorf("alerts sent %d times", sender.calls.Load())
	}
	// A deleted work is no longer checked.
	before := ao3.Count(fmt.Sprintf("/works/%d", gone.ID))
	clock.Advance(2 * time.Hour)
	if err := u.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n := ao3.Count(fmt.Sprintf("/works/%d", gone.ID)); n != before {
		t.Errorf("deleted work checked again: %d requests, was %d", n, before)
	}
}

func TestAO3GateSpacesRequestsAndHolds(t *testing.T) {
	st := storetest.Open(t)
	ao3 := ao3test.New(t)
	client, err := fic.NewAO3Client(ao3.URL, ao3.Client(), "")
	if err != nil {
		t.Fatal(err)
	}
	const gap = 80 * time.Millisecond
	slots := &slotLog{WorkChecks: st}
	gate := &jobs.AO3Gate{Store: slots, Gap: gap}
	// Each request is let go no earlier than its slot.
	var early []time.Duration
	client.Gate = func(ctx context.Context) error {
		err := gate.Wait(ctx)
		if d := slots.last().Sub(time.Now()); d > 0 {
			early = append(early, d)
		}
		return err
	}
	client.OnBusy = gate.Hold
	var ids []int64
	for i := range 4 {
		ids = append(ids, ao3.AddWork(ao3test.Work{Title: fmt.Sprint("Work ", i), Rating: "General Audiences", Posted: 1}).ID)
	}
	ao3.Throttle(1, "1")
	start := time.Now()
	for _, id := range ids {
		if _, err := client.Work(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	if len(early) > 0 {
		t.Errorf("requests let go before their slots by %v", early)
	}
	got := slots.all()
	for i := 1; i < len(got); i++ {
		if d := got[i].Sub(got[i-1]); d < gap {
			t.Errorf("slots %d and %d only %v apart, want at least %v", i-1, i, d, gap)
		}
	}
	if len(got) < 5 {
		t.Errorf("%d requests, want at least 5 (one retried after 429)", len(got))
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("a 429 with Retry-After: 1 held requests only %v", d)
	}
}

// slotLog records the AO3 slots the gate takes.
type slotLog struct {
	shelf.WorkChecks
	mu    sync.Mutex
	slots []time.Time
}

func (l *slotLog) TakeAO3Slot(ctx context.Context, now time.Time, gap time.Duration) (time.Time, error) {
	at, err := l.WorkChecks.TakeAO3Slot(ctx, now, gap)
	l.mu.Lock()
	l.slots = append(l.slots, at)
	l.mu.Unlock()
	return at, err
}

func (l *slotLog) last() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slots[len(l.slots)-1]
}

func (l *slotLog) all() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.slots...)
}
