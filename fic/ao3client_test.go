package fic_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/fic/ao3test"
)

func newClient(t *testing.T, srv *ao3test.Server) *fic.AO3Client {
	t.Helper()
	c, err := fic.NewAO3Client(srv.URL, srv.Client(), "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFakeAO3WorkDetails(t *testing.T) {
	srv := ao3test.New(t)
	w := srv.AddWork(ao3test.Work{
		Title: "Lanterns & Ledgers", Authors: []string{"inkwell", "moth"}, Rating: "Teen And Up Audiences",
		Warnings: []string{"Graphic Depictions Of Violence"}, Categories: []string{"F/M", "Gen"},
		Fandoms: []string{"Original Work"}, Relationships: []string{"Ada/Pell"}, Characters: []string{"Ada", "Pell"},
		Tags: []string{"Slow Burn"}, Summary: "Ada keeps the books.\n\nPell keeps the lights.",
		Posted: 1, Expected: 1, Words: 4321, Kudos: 12, Hits: 345,
		Published: time.Date(2023, 5, 6, 0, 0, 0, 0, time.UTC),
	})
	c := newClient(t, srv)
	st, err := c.Work(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &fic.Story{
		Title: "Lanterns & Ledgers", Authors: []string{"inkwell", "moth"}, Fandoms: []string{"Original Work"},
		Rating: fic.RatingTeen, Warnings: []string{fic.WarningViolence}, Categories: []string{"F/M", "Gen"},
		Relationships: []string{"Ada/Pell"}, Characters: []string{"Ada", "Pell"}, Tags: []string{"Slow Burn"},
		Language: "English", Summary: "Ada keeps the books.\n\nPell keeps the lights.",
		ChaptersPosted: 1, ChaptersExpected: 1, Words: 4321, Kudos: 12, Hits: 345,
		Published: time.Date(2023, 5, 6, 0, 0, 0, 0, time.UTC),
		AO3ID:     w.ID, AO3URL: srv.WorkURL(w.ID),
	}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("got  %+v\nwant %+v", st, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || !strings.HasPrefix(reqs[0].UserAgent, "Ficshelf/") {
		t.Errorf("requests %+v", reqs)
	}
}

// A Mature work of several chapters: AO3 redirects /works/N to its first
// chapter and drops ?view_adult=true on the way; the answer rides along as
// the cookie, so the chapter page is the work's, not the question.
func TestFakeAO3AdultChapteredWork(t *testing.T) {
	srv := ao3test.New(t)
	w := srv.AddWork(ao3test.Work{Title: "Night Shift", Rating: "Mature", Posted: 3, Expected: 0, Words: 9000,
		Updated: time.Date(2024, 7, 8, 0, 0, 0, 0, time.UTC)})
	c := newClient(t, srv)
	st, err := c.Work(context.Background(), w.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Title != "Night Shift" || st.Rating != fic.RatingMature || st.ChapterCount() != "3/?" ||
		!st.Updated.Equal(time.Date(2024, 7, 8, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%+v", st)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 || reqs[0].Path != fmt.Sprintf("/works/%d", w.ID) || !strings.Contains(reqs[0].Query, "view_adult=true") ||
		!strings.HasPrefix(reqs[1].Path, fmt.Sprintf("/works/%d/chapters/", w.ID)) || !strings.Contains(reqs[1].Cookie, "view_adult=true") {
		t.Errorf("requests %+v", reqs)
	}
}

// Without the cookie (a client that dropped it), AO3 asks again on the
// chapter page; the client answers its "Yes, Continue" once.
func TestFakeAO3AdultQuestionAnswered(t *testing.T) {
	srv := ao3test.New(t)
	w := srv.AddWork(ao3test.Work{Title: "Red Sky", Rating: "Explicit", Posted: 1, Expected: 1})
	page := httpGet(t, srv, fmt.Sprintf("/works/%d", w.ID))
	if !strings.Contains(page, "Adult Content Warning") {
		t.Fatalf("a visitor who did not answer is asked: %s", page)
	}
	if _, err := fic.ParseWorkPage([]byte(page)); !errors.Is(err, fic.ErrAO3Unavailable) {
		t.Fatalf("the question page is not the work: %v", err)
	}
	srv.AskAdultAlways(true)
	c := newClient(t, srv)
	_, err := c.Work(context.Background(), w.ID)
	var ie *fic.ImportError
	if !errors.As(err, &ie) || !strings.Contains(ie.Message, "adult content") || !errors.Is(err, fic.ErrAdultQuestion) || !errors.Is(err, fic.ErrAO3Unavailable) {
		t.Fatalf("err %v", err)
	}
	if n := srv.Count(fmt.Sprintf("/works/%d", w.ID)); n != 1+2 { // ours above, then the client's two
		t.Errorf("%d requests: the question is answered once, not forever", n)
	}
}

func httpGet(t *testing.T, srv *ao3test.Server, path string) string {
	t.Helper()
	resp, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

func TestFakeAO3RefusedWorks(t *testing.T) {
	tests := []struct {
		state ao3test.State
		kind  error
		words string
		gone  bool
	}{
		{ao3test.Restricted, fic.ErrWorkRestricted, "only visible to logged-in AO3 users", true},
		{ao3test.Hidden, fic.ErrWorkHidden, "administrators have hidden it", true},
		{ao3test.Deleted, fic.ErrWorkDeleted, "deleted", true},
		{ao3test.Unrevealed, fic.ErrWorkUnrevealed, "Mystery Work", false},
	}
	for _, tt := range tests {
		t.Run(tt.kind.Error(), func(t *testing.T) {
			srv := ao3test.New(t)
			// Mature and chaptered: the question and the chapter redirect
			// come first on AO3, whatever the state.
			w := srv.AddWork(ao3test.Work{Title: "Secret", Rating: "Mature", Posted: 2, State: tt.state})
			c := newClient(t, srv)
			_, err := c.Work(context.Background(), w.ID)
			var ie *fic.ImportError
			if !errors.Is(err, tt.kind) || !errors.As(err, &ie) || !strings.Contains(ie.Message, tt.words) {
				t.Fatalf("err %v, want %v saying %q", err, tt.kind, tt.words)
			}
			if fic.WorkGone(err) != tt.gone {
				t.Errorf("WorkGone = %v", !tt.gone)
			}
			if note := fic.SubscriberNote(err, "Secret"); !strings.HasPrefix(note, "“Secret”") {
				t.Errorf("note %q", note)
			}
			if n := srv.Count("/users/login"); n != 0 {
				t.Errorf("the login page was fetched %d times; where AO3 sends us already says why", n)
			}
		})
	}
	t.Run("unknown work", func(t *testing.T) {
		srv := ao3test.New(t)
		_, err := newClient(t, srv).Work(context.Background(), 424242)
		if !errors.Is(err, fic.ErrWorkDeleted) || !errors.Is(err, fic.ErrAO3NotFound) {
			t.Fatalf("err %v", err)
		}
	})
}

// The login page itself, if a proxy serves it in place of the work, still
// says which refusal it is.
func TestParseWorkPageLoginPages(t *testing.T) {
	srv := ao3test.New(t)
	if _, err := fic.ParseWorkPage([]byte(httpGet(t, srv, "/users/login?restricted=true"))); !errors.Is(err, fic.ErrWorkRestricted) {
		t.Errorf("restricted login page: %v", err)
	}
	if _, err := fic.ParseWorkPage([]byte(httpGet(t, srv, "/users/login"))); !errors.Is(err, fic.ErrWorkHidden) {
		t.Errorf("plain login page: %v", err)
	}
	w := srv.AddWork(ao3test.Work{State: ao3test.Unrevealed})
	if _, err := fic.ParseWorkPage([]byte(httpGet(t, srv, fmt.Sprintf("/works/%d", w.ID)))); !errors.Is(err, fic.ErrWorkUnrevealed) {
		t.Errorf("mystery page: %v", err)
	}
}

// A work that changes between two checks: the second look reports what
// changed.
func TestFakeAO3WorkChangesBetweenChecks(t *testing.T) {
	srv := ao3test.New(t)
	srv.SetNow(func() time.Time { return time.Date(2024, 9, 10, 15, 0, 0, 0, time.UTC) })
	w := srv.AddWork(ao3test.Work{Title: "Slow Tide", Rating: "Teen And Up Audiences", Posted: 3, Expected: 4, Words: 9000,
		Updated: time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)})
	c := newClient(t, srv)
	ctx := context.Background()
	before, err := c.Work(ctx, w.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.Work(ctx, w.ID)
	if ch := fic.CompareWork(before, again); ch.Any() || ch.Differs() {
		t.Errorf("nothing changed, yet %+v", ch)
	}
	srv.AddChapter(w.ID, 2500)
	srv.SetRating(w.ID, "Mature")
	n := len(srv.Requests())
	up, err := c.CheckWork(ctx, before) // the cache still holds the old page: CheckWork goes to AO3
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Requests()) == n || up.WorkID != w.ID || up.Fetched.ChapterCount() != "4/4" {
		t.Fatalf("CheckWork %+v after %d requests", up, len(srv.Requests())-n)
	}
	ch := up.Changes
	if ch.NewChapters() != 1 || !ch.Completed || ch.NewWords != 11500 || !ch.UpdatedChanged ||
		!ch.NewUpdated.Equal(time.Date(2024, 9, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("%+v", ch)
	}
	if got := ch.Summary(); got != "1 new chapter (4/4), now complete, rating now Mature" {
		t.Errorf("summary %q", got)
	}
}

func TestSubscriberNoteOnlyForStates(t *testing.T) {
	srv := ao3test.New(t)
	srv.Throttle(10, "0")
	c := newClient(t, srv)
	c.MaxRetries = 1
	w := srv.AddWork(ao3test.Work{})
	_, err := c.Work(context.Background(), w.ID)
	if !errors.Is(err, fic.ErrAO3Busy) || fic.WorkGone(err) || fic.SubscriberNote(err, "x") != "" {
		t.Errorf("a busy AO3 is not a gone work: %v", err)
	}
	if _, err := c.CheckWork(context.Background(), &fic.Story{Title: "no link"}); !errors.Is(err, fic.ErrNotAO3Link) {
		t.Errorf("CheckWork without a work: %v", err)
	}
}

func TestFakeAO3RetryAfterAndGate(t *testing.T) {
	srv := ao3test.New(t)
	w := srv.AddWork(ao3test.Work{Title: "Busy Day", Posted: 2})
	srv.Throttle(1, "1")
	c := newClient(t, srv)
	var gates atomic.Int64
	c.Gate = func(ctx context.Context) error { gates.Add(1); return nil }
	start := time.Now()
	if _, err := c.Work(context.Background(), w.ID); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < time.Second {
		t.Errorf("Retry-After: 1 not honoured: retried after %s", el)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || reqs[0].Status != 429 {
		t.Fatalf("requests %+v", reqs)
	}
	if reqs[1].At.Sub(reqs[0].At) < time.Second {
		t.Errorf("gap after 429: %s", reqs[1].At.Sub(reqs[0].At))
	}
	// Every request passed the gate: the 429, the retry, the redirect to
	// the first chapter.
	if g := gates.Load(); g != int64(len(reqs)) {
		t.Errorf("gate called %d times for %d requests", g, len(reqs))
	}
	stop := errors.New("not your turn")
	c.Gate = func(ctx context.Context) error { return stop }
	c.Forget(w.ID)
	if _, err := c.Work(context.Background(), w.ID); !errors.Is(err, fic.ErrAO3Unavailable) || !errors.Is(err, stop) {
		t.Errorf("gate refusal: %v", err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("a refused gate sent a request anyway (%d)", n)
	}
}

func TestFakeAO3SeriesOf25(t *testing.T) {
	srv := ao3test.New(t)
	srv.SetSeriesPageSize(10)
	var ids []int64
	for k := 1; k <= 25; k++ {
		rating := "General Audiences"
		if k%5 == 0 {
			rating = "Explicit"
		}
		w := srv.AddWork(ao3test.Work{Title: fmt.Sprintf("Lighthouse %02d", k), Authors: []string{"keeper"}, Rating: rating,
			Warnings: []string{"No Archive Warnings Apply"}, Fandoms: []string{"Original Work"}, Posted: k%3 + 1, Expected: 3, Words: 1000 * k})
		ids = append(ids, w.ID)
	}
	sid := srv.AddSeries("The Lighthouse Years", ids...)
	srv.SetSeriesSummary(sid, "Twenty-five winters.")
	c := newClient(t, srv)
	if id, ok := c.ParseSeriesLink(srv.SeriesURL(sid)); !ok || id != sid {
		t.Fatalf("ParseSeriesLink = %d, %v", id, ok)
	}
	s, err := c.Series(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if s.Title != "The Lighthouse Years" || s.Summary != "Twenty-five winters." || !reflect.DeepEqual(s.Authors, []string{"keeper"}) ||
		s.Complete || s.Truncated || len(s.Works) != 25 {
		t.Fatalf("series %+v (%d works)", s, len(s.Works))
	}
	for k, sw := range s.Works {
		w := sw.Work
		wantRating := fic.RatingGeneral
		if (k+1)%5 == 0 {
			wantRating = fic.RatingExplicit
		}
		if sw.Part != k+1 || w.AO3ID != ids[k] || w.Title != fmt.Sprintf("Lighthouse %02d", k+1) ||
			w.Rating != wantRating || w.Words != 1000*(k+1) || w.ChaptersPosted != (k+1)%3+1 || w.ChaptersExpected != 3 ||
			!reflect.DeepEqual(w.Authors, []string{"keeper"}) || !reflect.DeepEqual(w.Fandoms, []string{"Original Work"}) ||
			!reflect.DeepEqual(w.Warnings, []string{fic.WarningNoneApply}) || w.AO3URL != srv.WorkURL(ids[k]) ||
			!reflect.DeepEqual(w.SeriesRefs, []fic.SeriesRef{{ID: sid, Title: "The Lighthouse Years", Part: k + 1}}) {
			t.Errorf("work %d: part %d %+v", k+1, sw.Part, w)
		}
	}
	path := fmt.Sprintf("/series/%d", sid)
	if n := srv.Count(path); n != 3 {
		t.Errorf("%d series pages fetched, want 3", n)
	}
	if len(srv.Requests()) != 3 {
		t.Errorf("requests beyond the series pages: %+v", srv.Requests())
	}
	// The work page agrees: part 7 of the series, with neighbours that
	// are not series.
	st, err := c.Work(context.Background(), ids[6])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st.SeriesRefs, []fic.SeriesRef{{ID: sid, Title: "The Lighthouse Years", Part: 7}}) ||
		!reflect.DeepEqual(st.Series, []string{"Part 7 of The Lighthouse Years"}) {
		t.Errorf("work page series %+v %q", st.SeriesRefs, st.Series)
	}
}

func TestFakeAO3SeriesGapsAndBounds(t *testing.T) {
	srv := ao3test.New(t)
	srv.SetSeriesPageSize(4)
	var ids []int64
	for k := 1; k <= 10; k++ {
		ids = append(ids, srv.AddWork(ao3test.Work{Title: fmt.Sprintf("Part %d", k)}).ID)
	}
	srv.SetState(ids[2], ao3test.Restricted)
	srv.SetState(ids[5], ao3test.Unrevealed)
	sid := srv.AddSeries("Gaps", ids...)
	c := newClient(t, srv)
	s, err := c.Series(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	var parts []int
	for _, w := range s.Works {
		parts = append(parts, w.Part)
		if w.Unrevealed != (w.Work.AO3ID == ids[5]) {
			t.Errorf("work %d unrevealed %v", w.Work.AO3ID, w.Unrevealed)
		}
	}
	// A visitor does not see the restricted part 3.
	if want := []int{1, 2, 4, 5, 6, 7, 8, 9, 10}; !reflect.DeepEqual(parts, want) {
		t.Errorf("parts %v, want %v", parts, want)
	}

	c.MaxSeriesPages = 2
	s, err = c.Series(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Truncated || len(s.Works) != 8 {
		t.Errorf("bounded: truncated %v, %d works", s.Truncated, len(s.Works))
	}

	if _, err := c.Series(context.Background(), 999999); !errors.Is(err, fic.ErrSeriesNotFound) {
		t.Errorf("unknown series: %v", err)
	}
	if _, err := c.Series(context.Background(), 0); !errors.Is(err, fic.ErrNotAO3SeriesLink) {
		t.Errorf("series 0: %v", err)
	}
	srv.SetSeriesHidden(sid, true)
	var ie *fic.ImportError
	if _, err := c.Series(context.Background(), sid); !errors.Is(err, fic.ErrSeriesHidden) || !errors.As(err, &ie) || !strings.Contains(ie.Message, "series") {
		t.Errorf("hidden series: %v", err)
	}
	locked := srv.AddWork(ao3test.Work{State: ao3test.Restricted})
	if _, err := c.Series(context.Background(), srv.AddSeries("Locked", locked.ID)); !errors.Is(err, fic.ErrSeriesRestricted) {
		t.Errorf("restricted series: %v", err)
	}
}

// A series of one page has no pagination: one request.
func TestFakeAO3SeriesOnePage(t *testing.T) {
	srv := ao3test.New(t)
	a := srv.AddWork(ao3test.Work{Title: "Alpha", Rating: "Mature", Expected: 1})
	b := srv.AddWork(ao3test.Work{Title: "Beta", Expected: 1})
	sid := srv.AddSeries("Two", a.ID, b.ID)
	other := srv.AddSeries("Also", b.ID)
	s, err := newClient(t, srv).Series(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Works) != 2 || s.Works[1].Work.Title != "Beta" || !s.Complete || srv.Count(fmt.Sprintf("/series/%d", sid)) != 1 {
		t.Fatalf("%+v", s)
	}
	want := []fic.SeriesRef{{ID: sid, Title: "Two", Part: 2}, {ID: other, Title: "Also", Part: 1}}
	if !reflect.DeepEqual(s.Works[1].Work.SeriesRefs, want) {
		t.Errorf("refs %+v", s.Works[1].Work.SeriesRefs)
	}
}

// With a Spacing, requests to AO3 are never closer than the gap, even
// from concurrent look-ups and AO3's redirects.
func TestSpacedGateSpacesRequests(t *testing.T) {
	srv := ao3test.New(t)
	c := newClient(t, srv)
	const gap = 60 * time.Millisecond
	sp := fic.NewSpacing(gap)
	var mu sync.Mutex
	var released []time.Time
	c.Gate = func(ctx context.Context) error {
		err := sp.Wait(ctx)
		mu.Lock()
		released = append(released, time.Now())
		mu.Unlock()
		return err
	}
	c.OnBusy = sp.Hold
	var ids []int64
	for i := 0; i < 3; i++ {
		ids = append(ids, srv.AddWork(ao3test.Work{Posted: 2}).ID) // each: a redirect, then the chapter
	}
	done := make(chan error, len(ids))
	for _, id := range ids {
		go func() { _, err := c.Work(context.Background(), id); done <- err }()
	}
	for range ids {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Requests()); n != 6 {
		t.Fatalf("%d requests", n)
	}
	// The gate lets requests go a gap apart. What the test sees of it is
	// late by however long a goroutine waits to run again, so the check
	// leaves a quarter of the gap for a busy machine.
	mu.Lock()
	for i := 1; i < len(released); i++ {
		if d := released[i].Sub(released[i-1]); d < gap*3/4 {
			t.Errorf("requests %d and %d let through %s apart, gap %s", i-1, i, d, gap)
		}
	}
	mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sp.Wait(ctx); err == nil {
		t.Error("a cancelled context went through")
	}

	// A 429 holds every look-up, not only the one that met it.
	srv.Throttle(1, "1")
	other := srv.AddWork(ao3test.Work{Expected: 1})
	first := srv.AddWork(ao3test.Work{Expected: 1})
	errs := make(chan error, 2)
	go func() { _, err := c.Work(context.Background(), first.ID); errs <- err }()
	time.Sleep(20 * time.Millisecond) // first meets the 429
	go func() { _, err := c.Work(context.Background(), other.ID); errs <- err }()
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	reqs := srv.Requests()
	var busyAt time.Time
	for _, r := range reqs {
		if r.Status == 429 {
			busyAt = r.At
		} else if !busyAt.IsZero() && r.At.Sub(busyAt) < 900*time.Millisecond {
			t.Errorf("%s asked %s after AO3 said wait 1 s", r.Path, r.At.Sub(busyAt))
		}
	}
}
