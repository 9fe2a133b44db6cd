package jobs_test

import (
	"context"
	"fmt"
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
	gate := &jobs.AO3Gate{Store: st, Gap: gap}
	// When each request is let go (the server's arrival times add network
	// jitter the gate cannot see).
	var sent []time.Time
	client.Gate = func(ctx context.Context) error {
		err := gate.Wait(ctx)
		sent = append(sent, time.Now())
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
	// Slots are exactly gap apart (the store's conformance suite checks
	// that); a sender wakes at or a little after its slot, so the wake
	// times may come a timer's jitter closer.
	const jitter = 10 * time.Millisecond
	for i := 1; i < len(sent); i++ {
		if d := sent[i].Sub(sent[i-1]); d < gap-jitter {
			t.Errorf("requests %d and %d let go %v apart, want at least %v", i-1, i, d, gap)
		}
	}
	if len(sent) < 5 {
		t.Errorf("%d requests, want at least 5 (one retried after 429)", len(sent))
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("a 429 with Retry-After: 1 held requests only %v", d)
	}
}
