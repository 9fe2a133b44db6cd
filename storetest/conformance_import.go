package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"ficshelf/shelf"
)

func init() {
	cRegister(
		cTest{"ReadingLog/ProgressAndFinished", cReadingLog},
		cTest{"ReadingLog/RemoveAndDeleteMember", cReadingLogForget},
		cTest{"ReadingLog/Copied", cReadingLogCopied},
		cTest{"Imports/LibraryKeys", cLibraryKeys},
		cTest{"Imports/Lifecycle", cImportLifecycle},
		cTest{"Imports/StepOnce", cImportStepOnce},
		cTest{"Imports/CancelAndOwner", cImportCancel},
		cTest{"Imports/NewPreviewAndDeleteMember", cImportPreviewsAndDelete},
		cTest{"Jobs/RunningInEveryGuild", cJobsRunningEveryGuild},
	)
}

func cSet(t testing.TB, s shelf.Store, guild, user string, e shelf.ListEntry, at time.Time) {
	t.Helper()
	if _, err := s.SetListEntry(cCtx, guild, user, e, at); err != nil {
		t.Fatalf("set %+v: %v", e, err)
	}
}

func cActivity(t testing.TB, s shelf.Store, guild, user string) shelf.ReadingActivity {
	t.Helper()
	a, err := s.ReadingActivity(cCtx, guild, user, cT0.Add(-time.Hour), cT0.Add(365*24*time.Hour))
	if err != nil {
		t.Fatalf("reading activity: %v", err)
	}
	return a
}

func cReadingLog(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 2, 2))
	day := 24 * time.Hour
	// A plain to-read entry is no progress.
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusToRead}, cT0)
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusReading, Chapter: 1}, cT0.Add(day))
	// Setting the same again changes nothing, so logs nothing.
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusReading, Chapter: 1}, cT0.Add(day+time.Hour))
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3}, cT0.Add(2*day))
	// Still finished (a note changed): the finishing time stays.
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3, Note: "loved it"}, cT0.Add(3*day))
	// Finished, then back to reading: no finishing time.
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: b.ID, Status: shelf.StatusFinished, Chapter: 2}, cT0.Add(4*day))
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: b.ID, Status: shelf.StatusReading, Chapter: 1}, cT0.Add(5*day))
	cKudos(t, s, cGuildA, a.ID, cAlice, cT0.Add(6*day))
	// Another member and another guild stay apart.
	cSet(t, s, cGuildA, cBob, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3}, cT0.Add(day))
	c := cAdd(t, s, cGuildB, WithChapters("Gamma", 1, 1))
	cSet(t, s, cGuildB, cAlice, shelf.ListEntry{StoryID: c.ID, Status: shelf.StatusFinished, Chapter: 1}, cT0.Add(day))

	got := cActivity(t, s, cGuildA, cAlice)
	want := shelf.ReadingActivity{
		Finished: []shelf.FinishedEntry{{StoryID: a.ID, At: cT0.Add(2 * day).UTC()}},
		Progress: []time.Time{cT0.Add(day).UTC(), cT0.Add(2 * day).UTC(), cT0.Add(4 * day).UTC(), cT0.Add(5 * day).UTC()},
		Kudos:    []time.Time{cT0.Add(6 * day).UTC()},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("activity\n got %+v\nwant %+v", got, want)
	}
	// The window bounds every list: [from, to).
	w, err := s.ReadingActivity(cCtx, cGuildA, cAlice, cT0.Add(2*day), cT0.Add(5*day))
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Finished) != 1 || len(w.Progress) != 2 || len(w.Kudos) != 0 {
		t.Fatalf("window [2d, 5d): %+v", w)
	}
	if e := cActivity(t, s, cGuildA, cCarol); len(e.Finished)+len(e.Progress)+len(e.Kudos) != 0 {
		t.Fatalf("a member with nothing: %+v", e)
	}
	if _, err := s.ReadingActivity(cCtx, cGuildA, "x", cT0, cT0); !errors.Is(err, shelf.ErrInvalidID) {
		t.Fatalf("bad user: %v", err)
	}
}

func cReadingLogForget(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 2, 2))
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3}, cT0)
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: b.ID, Status: shelf.StatusFinished, Chapter: 2}, cT0.Add(time.Hour))
	if err := s.RemoveListEntry(cCtx, cGuildA, cAlice, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveStory(cCtx, cGuildA, b.ID); err != nil {
		t.Fatal(err)
	}
	got := cActivity(t, s, cGuildA, cAlice)
	if len(got.Finished) != 0 || len(got.Progress) != 2 {
		t.Fatalf("after removals: %+v", got)
	}
	// Re-adding the removed entry as finished starts a new finishing time.
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3}, cT0.Add(2*time.Hour))
	if got := cActivity(t, s, cGuildA, cAlice); len(got.Finished) != 1 || !got.Finished[0].At.Equal(cT0.Add(2*time.Hour)) {
		t.Fatalf("re-added: %+v", got.Finished)
	}
	if err := s.DeleteMember(cCtx, cGuildA, cAlice); err != nil {
		t.Fatal(err)
	}
	if got := cActivity(t, s, cGuildA, cAlice); len(got.Finished)+len(got.Progress)+len(got.Kudos) != 0 {
		t.Fatalf("after DeleteMember: %+v", got)
	}
}

func cLibraryKeys(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, Work("Alpha", 1, 1, 111))
	b := cAdd(t, s, cGuildA, Story("Beta", "Ann", "Ben"))
	cAdd(t, s, cGuildB, Work("Other", 1, 1, 222))
	got, err := s.LibraryKeys(cCtx, cGuildA)
	if err != nil {
		t.Fatal(err)
	}
	want := []shelf.LibraryKey{
		{StoryID: a.ID, AO3ID: 111, Title: "Alpha", Authors: a.Story.Authors},
		{StoryID: b.ID, Title: "Beta", Authors: []string{"Ann", "Ben"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("keys\n got %+v\nwant %+v", got, want)
	}
}

func cNewImport(t testing.TB, s shelf.Store, guild, user string, works []shelf.ImportWork) shelf.ImportJob {
	t.Helper()
	j, err := s.CreateImportJob(cCtx, guild, shelf.ImportJob{UserID: user, ChannelID: cChanA, Format: "csv", Works: works, Created: cT0})
	if err != nil {
		t.Fatalf("create import: %v", err)
	}
	return j
}

func cImportLifecycle(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	b := cAdd(t, s, cGuildA, WithChapters("Beta", 2, 2))
	works := []shelf.ImportWork{
		{Title: "Alpha", Status: shelf.StatusFinished, Chapter: 3, Note: "n"},
		{AO3ID: 9, Title: "Missing"},
		{Title: "Beta", Status: shelf.StatusReading, Chapter: 1},
	}
	j := cNewImport(t, s, cGuildA, cAlice, works)
	if j.ID == "" || j.State != shelf.ImportPreview || j.Total != 3 || j.Cursor != 0 || j.GuildID != cGuildA {
		t.Fatalf("created %+v", j)
	}
	if got, err := s.ImportWorks(cCtx, cGuildA, j.ID, 1, 5); err != nil || !reflect.DeepEqual(got, works[1:]) {
		t.Fatalf("works from 1: %+v, %v", got, err)
	}
	if refs, err := s.RunningImportJobs(cCtx); err != nil || len(refs) != 0 {
		t.Fatalf("a previewed job is not running: %v %v", refs, err)
	}
	// Steps of a job not started are refused.
	if _, err := s.ImportStep(cCtx, cGuildA, j.ID, 0, shelf.ImportStepResult{Outcome: shelf.ImportFailed}, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("step before start: %v", err)
	}
	j, err := s.StartImportJob(cCtx, cGuildA, j.ID, cAlice, "app", "tok", cT0)
	if err != nil || j.State != shelf.ImportRunning || j.Token != "tok" || !j.TokenAt.Equal(cT0) {
		t.Fatalf("start: %+v %v", j, err)
	}
	if _, err := s.StartImportJob(cCtx, cGuildA, j.ID, cAlice, "app", "tok2", cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("second start: %v", err)
	}
	if refs, err := s.RunningImportJobs(cCtx); err != nil || !reflect.DeepEqual(refs, []shelf.ImportRef{{GuildID: cGuildA, ID: j.ID}}) {
		t.Fatalf("running: %v %v", refs, err)
	}
	at := cT0.Add(time.Hour)
	j, err = s.ImportStep(cCtx, cGuildA, j.ID, 0, shelf.ImportStepResult{Entry: &shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3, Note: "n"}, Outcome: shelf.ImportAdded}, at)
	if err != nil || j.Cursor != 1 || j.Added != 1 {
		t.Fatalf("step 0: %+v %v", j, err)
	}
	j, err = s.ImportStep(cCtx, cGuildA, j.ID, 1, shelf.ImportStepResult{Outcome: shelf.ImportFailed, Failure: "Missing"}, at)
	if err != nil || j.Cursor != 2 || j.Failed != 1 || !reflect.DeepEqual(j.Failures, []string{"Missing"}) {
		t.Fatalf("step 1: %+v %v", j, err)
	}
	if _, err := s.FinishImportJob(cCtx, cGuildA, j.ID, false, at); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("finish before the last step: %v", err)
	}
	j, err = s.ImportStep(cCtx, cGuildA, j.ID, 2, shelf.ImportStepResult{Entry: &shelf.ListEntry{StoryID: b.ID, Status: shelf.StatusReading, Chapter: 1}, Outcome: shelf.ImportAdded, StoryAdded: true}, at)
	if err != nil || j.Cursor != 3 || j.Added != 2 || j.StoriesAdded != 1 {
		t.Fatalf("step 2: %+v %v", j, err)
	}
	e, err := s.ListEntry(cCtx, cGuildA, cAlice, a.ID)
	if err != nil || e.Status != shelf.StatusFinished || e.Chapter != 3 || e.Note != "n" {
		t.Fatalf("entry written by the step: %+v %v", e, err)
	}
	if rec, _ := s.Story(cCtx, cGuildA, a.ID); rec.Readers != 1 {
		t.Fatalf("readers after an imported entry: %d", rec.Readers)
	}
	// Imported entries are no reading progress and carry no finishing time.
	if act := cActivity(t, s, cGuildA, cAlice); len(act.Finished)+len(act.Progress) != 0 {
		t.Fatalf("activity after an import: %+v", act)
	}
	j, err = s.FinishImportJob(cCtx, cGuildA, j.ID, false, at)
	if err != nil || j.State != shelf.ImportDone || !j.Finished.Equal(at) || j.Notified {
		t.Fatalf("finish: %+v %v", j, err)
	}
	if refs, _ := s.RunningImportJobs(cCtx); len(refs) != 1 {
		t.Fatalf("a done job not yet told stays listed: %v", refs)
	}
	j, err = s.FinishImportJob(cCtx, cGuildA, j.ID, true, at.Add(time.Hour))
	if err != nil || !j.Notified || !j.Finished.Equal(at) {
		t.Fatalf("notified: %+v %v", j, err)
	}
	if refs, _ := s.RunningImportJobs(cCtx); len(refs) != 0 {
		t.Fatalf("told: %v", refs)
	}
	got, err := s.ImportJob(cCtx, cGuildA, j.ID)
	if err != nil || got.State != shelf.ImportDone || got.Added != 2 || got.Failed != 1 || got.Total != 3 {
		t.Fatalf("read back: %+v %v", got, err)
	}
	if _, err := s.ImportJob(cCtx, cGuildB, j.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("another guild's job: %v", err)
	}
}

// cStepOnce runs step of a job from 4 runners at once: exactly one may
// apply it, the others must be refused with ErrImportState.
func cStepOnce(t *testing.T, step int, apply func() error) {
	t.Helper()
	var (
		wg sync.WaitGroup
		mu sync.Mutex
		ok int
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch err := apply(); {
			case err == nil:
				mu.Lock()
				ok++
				mu.Unlock()
			case !errors.Is(err, shelf.ErrImportState):
				t.Errorf("step %d: %v", step, err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("step %d applied %d times", step, ok)
	}
}

func cImportStepOnce(t *testing.T, s shelf.Store) {
	var stories []shelf.StoryRecord
	var works []shelf.ImportWork
	for i := range 5 {
		stories = append(stories, cAdd(t, s, cGuildA, WithChapters(fmt.Sprintf("S%d", i), 2, 2)))
		works = append(works, shelf.ImportWork{Title: fmt.Sprintf("S%d", i)})
	}
	j := cNewImport(t, s, cGuildA, cBob, works)
	if _, err := s.StartImportJob(cCtx, cGuildA, j.ID, cBob, "app", "tok", cT0); err != nil {
		t.Fatal(err)
	}
	// Several runners race on every step: each applies once.
	for step := range works {
		cStepOnce(t, step, func() error {
			r := shelf.ImportStepResult{Entry: &shelf.ListEntry{StoryID: stories[step].ID, Status: shelf.StatusToRead}, Outcome: shelf.ImportAdded}
			_, err := s.ImportStep(cCtx, cGuildA, j.ID, step, r, cT0)
			return err
		})
	}
	got, err := s.ImportJob(cCtx, cGuildA, j.ID)
	if err != nil || got.Cursor != 5 || got.Added != 5 {
		t.Fatalf("after the race: %+v %v", got, err)
	}
	for _, st := range stories {
		if rec, _ := s.Story(cCtx, cGuildA, st.ID); rec.Readers != 1 {
			t.Fatalf("readers of %s: %d", st.Story.Title, rec.Readers)
		}
	}
	if _, err := s.ImportStep(cCtx, cGuildA, j.ID, 5, shelf.ImportStepResult{Outcome: shelf.ImportFailed}, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("step past the end: %v", err)
	}
}

func cImportCancel(t *testing.T, s shelf.Store) {
	j := cNewImport(t, s, cGuildA, cAlice, []shelf.ImportWork{{Title: "X"}})
	if _, err := s.StartImportJob(cCtx, cGuildA, j.ID, cBob, "app", "tok", cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("another member starts it: %v", err)
	}
	if err := s.CancelImportJob(cCtx, cGuildA, j.ID, cBob, cT0); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("another member cancels it: %v", err)
	}
	if err := s.CancelImportJob(cCtx, cGuildA, j.ID, cAlice, cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelImportJob(cCtx, cGuildA, j.ID, cAlice, cT0); err != nil {
		t.Fatalf("cancel twice: %v", err)
	}
	if _, err := s.StartImportJob(cCtx, cGuildA, j.ID, cAlice, "app", "tok", cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("start a cancelled job: %v", err)
	}
	k := cNewImport(t, s, cGuildA, cAlice, []shelf.ImportWork{{Title: "Y"}})
	if _, err := s.StartImportJob(cCtx, cGuildA, k.ID, cAlice, "app", "tok", cT0); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelImportJob(cCtx, cGuildA, k.ID, cAlice, cT0); !errors.Is(err, shelf.ErrImportState) {
		t.Fatalf("cancel a running job: %v", err)
	}
	if _, err := s.ImportJob(cCtx, cGuildA, "999"); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("unknown job: %v", err)
	}
}

// cReadingLogCopied: a dump carries the reading log, and a BoltDB store
// loaded from it answers ReadingActivity the same.
func cReadingLogCopied(t *testing.T, s shelf.Store) {
	a := cAdd(t, s, cGuildA, WithChapters("Alpha", 3, 3))
	gone := cAdd(t, s, cGuildA, WithChapters("Gone", 1, 1))
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusReading, Chapter: 1}, cT0)
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: a.ID, Status: shelf.StatusFinished, Chapter: 3}, cT0.Add(time.Hour))
	cSet(t, s, cGuildA, cAlice, shelf.ListEntry{StoryID: gone.ID, Status: shelf.StatusReading, Chapter: 1}, cT0.Add(2*time.Hour))
	if err := s.RemoveStory(cCtx, cGuildA, gone.ID); err != nil {
		t.Fatal(err)
	}
	want := cActivity(t, s, cGuildA, cAlice)
	if len(want.Finished) != 1 || len(want.Progress) != 3 {
		t.Fatalf("before the copy: %+v", want)
	}
	dst := Open(t)
	l, err := dst.Load(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Rollback(cCtx)
	err = s.Dump(cCtx, func(guild string, it shelf.Item) error { return l.Put(cCtx, guild, it) })
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Commit(cCtx); err != nil {
		t.Fatal(err)
	}
	if got := cActivity(t, dst, cGuildA, cAlice); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the copy\n got %+v\nwant %+v", got, want)
	}
}

func cImportPreviewsAndDelete(t *testing.T, s shelf.Store) {
	old := cNewImport(t, s, cGuildA, cAlice, []shelf.ImportWork{{Title: "X"}})
	bobs := cNewImport(t, s, cGuildA, cBob, []shelf.ImportWork{{Title: "X"}})
	running := cNewImport(t, s, cGuildA, cAlice, []shelf.ImportWork{{Title: "Y"}})
	if _, err := s.StartImportJob(cCtx, cGuildA, running.ID, cAlice, "app", "tok", cT0); err != nil {
		t.Fatal(err)
	}
	// A new preview of Alice's cancels her earlier one, not Bob's nor a
	// running job.
	cNewImport(t, s, cGuildA, cAlice, []shelf.ImportWork{{Title: "Z"}})
	if j, _ := s.ImportJob(cCtx, cGuildA, old.ID); j.State != shelf.ImportCancelled {
		t.Fatalf("earlier preview: %s", j.State)
	}
	if w, err := s.ImportWorks(cCtx, cGuildA, old.ID, 0, 10); err != nil || len(w) != 0 {
		t.Fatalf("earlier preview's works: %v %v", w, err)
	}
	if j, _ := s.ImportJob(cCtx, cGuildA, bobs.ID); j.State != shelf.ImportPreview {
		t.Fatalf("Bob's preview: %s", j.State)
	}
	if j, _ := s.ImportJob(cCtx, cGuildA, running.ID); j.State != shelf.ImportRunning {
		t.Fatalf("running job: %s", j.State)
	}
	if err := s.DeleteMember(cCtx, cGuildA, cAlice); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportJob(cCtx, cGuildA, running.ID); !errors.Is(err, shelf.ErrNotFound) {
		t.Fatalf("Alice's job after DeleteMember: %v", err)
	}
	if refs, err := s.RunningImportJobs(cCtx); err != nil || len(refs) != 0 {
		t.Fatalf("running after DeleteMember: %v %v", refs, err)
	}
	if _, err := s.ImportJob(cCtx, cGuildA, bobs.ID); err != nil {
		t.Fatalf("Bob's job after Alice's DeleteMember: %v", err)
	}
}

// cJobsRunningEveryGuild: the running lists name the live jobs of every
// guild (the job runner shares its places between guilds from them), and
// only those: a preview, a cancelled job and a job done and told are not
// listed.
func cJobsRunningEveryGuild(t *testing.T, s shelf.Store) {
	var want []shelf.ImportRef
	for _, g := range []string{cGuildA, cGuildB} {
		for range 2 {
			j := cNewImport(t, s, g, cAlice, []shelf.ImportWork{{Title: "Anything"}})
			if _, err := s.StartImportJob(cCtx, g, j.ID, cAlice, "app", "tok", cT0); err != nil {
				t.Fatal(err)
			}
			want = append(want, shelf.ImportRef{GuildID: g, ID: j.ID})
		}
	}
	// Not live: a preview, a cancelled preview, a job done and told.
	cNewImport(t, s, cGuildA, cBob, []shelf.ImportWork{{Title: "Previewed"}})
	if err := s.CancelImportJob(cCtx, cGuildA, cNewImport(t, s, cGuildB, cBob, []shelf.ImportWork{{Title: "Cancelled"}}).ID, cBob, cT0); err != nil {
		t.Fatal(err)
	}
	told := cNewImport(t, s, cGuildB, cBob, nil)
	if _, err := s.StartImportJob(cCtx, cGuildB, told.ID, cBob, "app", "tok", cT0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishImportJob(cCtx, cGuildB, told.ID, true, cT0); err != nil {
		t.Fatal(err)
	}
	sameRefs := func(what string, got, want []shelf.ImportRef, err error) {
		t.Helper()
		key := func(r shelf.ImportRef) string { return r.GuildID + "/" + r.ID }
		set := map[string]bool{}
		for _, r := range got {
			set[key(r)] = true
		}
		ok := err == nil && len(got) == len(want) && len(set) == len(got)
		for _, r := range want {
			ok = ok && set[key(r)]
		}
		if !ok {
			t.Fatalf("%s: %v (%v), want %v", what, got, err, want)
		}
	}
	refs, err := s.RunningImportJobs(cCtx)
	sameRefs("running imports", refs, want, err)

	var series []shelf.ImportRef
	for _, g := range []string{cGuildA, cGuildB} {
		j := cNewSeriesJob(t, s, g, cAlice, []shelf.SeriesJobWork{cSeriesWork("Part one", 1, 9101)})
		series = append(series, shelf.ImportRef{GuildID: g, ID: j.ID})
	}
	done := cNewSeriesJob(t, s, cGuildB, cBob, nil)
	if _, err := s.FinishSeriesJob(cCtx, cGuildB, done.ID, true, cT0); err != nil {
		t.Fatal(err)
	}
	refs, err = s.RunningSeriesJobs(cCtx)
	sameRefs("running series jobs", refs, series, err)
}
