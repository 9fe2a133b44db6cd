package storetest

import (
	"errors"
	"testing"
	"time"

	"ficshelf/shelf"
)

// Finished persisted jobs: once the member was told, the job keeps no
// token nor file address, and PruneJobs deletes it after the cutoff;
// never a job still to run or to tell. Abandoned reading-list imports go
// too, with their works: cancelled ones counted from their cancellation,
// previews nobody confirmed from their creation.

func init() {
	cRegister(
		cTest{"Jobs/ToldForgetsToken", cJobsToldForget},
		cTest{"Jobs/Prune", cJobsPrune},
		cTest{"Jobs/PruneCancelled", cJobsPruneCancelled},
		cTest{"Jobs/PrunePreviews", cJobsPrunePreviews},
	)
}

func cJobsToldForget(t *testing.T, s shelf.Store) {
	j := cNewUpload(t, s, cGuildA, cBob, "one.txt", 0)
	if _, err := s.UploadStep(cCtx, cGuildA, j.ID, shelf.UploadResult{Outcome: shelf.UploadRefused, Message: "No."}, cT0); err != nil {
		t.Fatal(err)
	}
	// Done, not told yet: the token is what tells the member.
	got, err := s.FinishUploadJob(cCtx, cGuildA, j.ID, false, cT0)
	if err != nil || got.Token != "tok" || got.File == nil || got.File.URL == "" {
		t.Fatalf("done, not told: %+v %v", got, err)
	}
	if _, err := s.FinishUploadJob(cCtx, cGuildA, j.ID, true, cT0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err = s.UploadJob(cCtx, cGuildA, j.ID)
	if err != nil || got.Token != "" || got.File == nil || got.File.URL != "" || got.File.Filename != "one.txt" ||
		got.AppID != "app" || !got.Notified || got.Outcome != shelf.UploadRefused || !got.Finished.Equal(cT0) {
		t.Fatalf("told, read back: %+v %v", got, err)
	}
	// Reading-list imports and series links keep their token as long.
	imp := cNewImport(t, s, cGuildA, cBob, nil)
	if _, err := s.StartImportJob(cCtx, cGuildA, imp.ID, cBob, "app", "tok", cT0); err != nil {
		t.Fatal(err)
	}
	if i, err := s.FinishImportJob(cCtx, cGuildA, imp.ID, false, cT0); err != nil || i.Token != "tok" {
		t.Fatalf("import done, not told: %+v %v", i, err)
	}
	if _, err := s.FinishImportJob(cCtx, cGuildA, imp.ID, true, cT0); err != nil {
		t.Fatal(err)
	}
	if i, err := s.ImportJob(cCtx, cGuildA, imp.ID); err != nil || i.Token != "" || !i.Notified {
		t.Fatalf("import told: %+v %v", i, err)
	}
	ser := cNewSeriesTold(t, s, cGuildA, cT0)
	if got, err := s.SeriesJob(cCtx, cGuildA, ser.ID); err != nil || got.Token != "" || !got.Notified {
		t.Fatalf("series told: %+v %v", got, err)
	}
}

// cNewSeriesTold stores a series job of no works, done and told at at.
func cNewSeriesTold(t testing.TB, s shelf.Store, guild string, at time.Time) shelf.SeriesJob {
	t.Helper()
	j, err := s.CreateSeriesJob(cCtx, guild, shelf.SeriesJob{UserID: cBob, ChannelID: cChanA, SeriesID: 7, SeriesTitle: "S",
		Listed: true, Pages: 1, AppID: "app", Token: "tok", TokenAt: cT0, Created: cT0})
	if err != nil {
		t.Fatal(err)
	}
	if j, err = s.FinishSeriesJob(cCtx, guild, j.ID, false, at); err != nil || j.Token != "tok" {
		t.Fatalf("series done, not told: %+v %v", j, err)
	}
	if _, err := s.FinishSeriesJob(cCtx, guild, j.ID, true, at); err != nil {
		t.Fatal(err)
	}
	return j
}

// cUploadTold stores an upload job refused, finished at at and told when
// told.
func cUploadTold(t testing.TB, s shelf.Store, guild string, at time.Time, told bool) shelf.UploadJob {
	t.Helper()
	j := cNewUpload(t, s, guild, cBob, "f.txt", 0)
	if _, err := s.UploadStep(cCtx, guild, j.ID, shelf.UploadResult{Outcome: shelf.UploadRefused, Message: "No."}, at); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishUploadJob(cCtx, guild, j.ID, false, at); err != nil {
		t.Fatal(err)
	}
	if told {
		if _, err := s.FinishUploadJob(cCtx, guild, j.ID, true, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

func cJobsPrune(t *testing.T, s shelf.Store) {
	cut := cT0.Add(30 * 24 * time.Hour)
	old, recent := cut.Add(-time.Hour), cut.Add(time.Second)
	type job struct {
		what, guild, id string
		read            func(guild, id string) error
	}
	upload := func(g, id string) error { _, err := s.UploadJob(cCtx, g, id); return err }
	imports := func(g, id string) error { _, err := s.ImportJob(cCtx, g, id); return err }
	series := func(g, id string) error { _, err := s.SeriesJob(cCtx, g, id); return err }

	var gone, kept []job
	for _, g := range []string{cGuildA, cGuildB} {
		gone = append(gone, job{"upload told long ago", g, cUploadTold(t, s, g, old, true).ID, upload})
		kept = append(kept,
			job{"upload told recently", g, cUploadTold(t, s, g, recent, true).ID, upload},
			job{"upload done long ago, not told", g, cUploadTold(t, s, g, old, false).ID, upload},
			job{"upload waiting", g, cNewUpload(t, s, g, cBob, "w.txt", 0).ID, upload})
		started := cNewUpload(t, s, g, cBob, "s.txt", 0)
		if _, err := s.StartUploadJob(cCtx, g, started.ID); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, job{"upload running", g, started.ID, upload})

		imp := cNewImport(t, s, g, cBob, []shelf.ImportWork{{Title: "W"}})
		if _, err := s.StartImportJob(cCtx, g, imp.ID, cBob, "app", "tok", cT0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ImportStep(cCtx, g, imp.ID, 0, shelf.ImportStepResult{Outcome: shelf.ImportFailed, Failure: "W"}, old); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishImportJob(cCtx, g, imp.ID, true, old); err != nil {
			t.Fatal(err)
		}
		gone = append(gone, job{"import told long ago", g, imp.ID, imports})
		// Replaced by the next preview (created long ago too): cancelled
		// long ago.
		gone = append(gone, job{"import cancelled long ago", g, cNewImport(t, s, g, cBob, []shelf.ImportWork{{Title: "P"}}).ID, imports})
		running := cNewImport(t, s, g, cBob, []shelf.ImportWork{{Title: "R"}})
		if _, err := s.StartImportJob(cCtx, g, running.ID, cBob, "app", "tok", cT0); err != nil {
			t.Fatal(err)
		}
		kept = append(kept, job{"import running", g, running.ID, imports})
		gone = append(gone, job{"series told long ago", g, cNewSeriesTold(t, s, g, old).ID, series})
		kept = append(kept, job{"series told recently", g, cNewSeriesTold(t, s, g, recent).ID, series})
	}
	runningBefore, err := s.RunningUploadJobs(cCtx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PruneJobs(cCtx, cut, 0); !errors.Is(err, shelf.ErrInvalid) {
		t.Fatalf("limit 0: %v", err)
	}
	// In batches of 2: each deletes at most 2, the last fewer.
	total, batches := 0, 0
	for {
		n, err := s.PruneJobs(cCtx, cut, 2)
		if err != nil {
			t.Fatal(err)
		}
		if n > 2 {
			t.Fatalf("a batch of 2 deleted %d", n)
		}
		total += n
		batches++
		if n < 2 || batches > 10 {
			break
		}
	}
	if total != len(gone) {
		t.Fatalf("pruned %d jobs, want %d", total, len(gone))
	}
	for _, j := range gone {
		if err := j.read(j.guild, j.id); !errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("%s (guild %s): %v, want not found", j.what, j.guild, err)
		}
	}
	for _, j := range kept {
		if err := j.read(j.guild, j.id); err != nil {
			t.Errorf("%s (guild %s) pruned: %v", j.what, j.guild, err)
		}
	}
	if after, err := s.RunningUploadJobs(cCtx); err != nil || len(after) != len(runningBefore) {
		t.Fatalf("running uploads after the prune: %d, before %d (%v)", len(after), len(runningBefore), err)
	}
	if n, err := s.PruneJobs(cCtx, cut, 100); err != nil || n != 0 {
		t.Fatalf("a second prune: %d %v", n, err)
	}
	// The recent ones go once the cutoff passes them.
	if n, err := s.PruneJobs(cCtx, recent.Add(2*time.Hour), 100); err != nil || n != 4 {
		t.Fatalf("prune after the recent ones: %d %v, want 4 (2 uploads, 2 series)", n, err)
	}
}

// cImportAt stores a previewed import of user with works, created at
// created.
func cImportAt(t testing.TB, s shelf.Store, guild, user string, created time.Time, works ...shelf.ImportWork) shelf.ImportJob {
	t.Helper()
	j, err := s.CreateImportJob(cCtx, guild, shelf.ImportJob{UserID: user, ChannelID: cChanA, Format: "csv", Works: works, Created: created})
	if err != nil {
		t.Fatalf("create import: %v", err)
	}
	return j
}

// cPruneInBatches prunes jobs before cut in batches of one until one
// deletes none, checking each deletes at most one, and returns how many
// went. A batch answering fewer than its limit says none is left due, so
// a batch that deletes none while some are due stops it short.
func cPruneInBatches(t *testing.T, s shelf.Store, cut time.Time) int {
	t.Helper()
	total := 0
	for range 50 {
		n, err := s.PruneJobs(cCtx, cut, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n > 1 {
			t.Fatalf("a batch of 1 deleted %d", n)
		}
		if n == 0 {
			return total
		}
		total += n
	}
	t.Fatal("pruning does not end")
	return total
}

// cImportsGone checks that each import is gone, its works with it
// (shelf.ErrNotFound, no works), or kept.
func cImportsGone(t *testing.T, s shelf.Store, gone bool, what string, jobs map[string]shelf.ImportJob) {
	t.Helper()
	for name, j := range jobs {
		_, err := s.ImportJob(cCtx, j.GuildID, j.ID)
		switch {
		case gone && !errors.Is(err, shelf.ErrNotFound):
			t.Errorf("%s (%s, guild %s): %v, want not found", name, what, j.GuildID, err)
		case !gone && err != nil:
			t.Errorf("%s (%s, guild %s) pruned: %v", name, what, j.GuildID, err)
		}
		if w, err := s.ImportWorks(cCtx, j.GuildID, j.ID, 0, 10); gone && (err != nil || len(w) != 0) {
			t.Errorf("%s (%s, guild %s): works %v %v, want none", name, what, j.GuildID, w, err)
		}
	}
}

// cJobsPruneCancelled: a cancelled import goes the retention after it was
// cancelled (by its button, or replaced by a newer preview), however old
// it is; a running import, or one done with its member not told, never.
func cJobsPruneCancelled(t *testing.T, s shelf.Store) {
	cut := cT0.Add(30 * 24 * time.Hour)
	old, recent := cut.Add(-time.Hour), cut.Add(time.Second)
	gone, kept := map[string]shelf.ImportJob{}, map[string]shelf.ImportJob{}
	cancel := func(j shelf.ImportJob, at time.Time) shelf.ImportJob {
		t.Helper()
		if err := s.CancelImportJob(cCtx, j.GuildID, j.ID, j.UserID, at); err != nil {
			t.Fatal(err)
		}
		got, err := s.ImportJob(cCtx, j.GuildID, j.ID)
		if err != nil || got.State != shelf.ImportCancelled || !got.Finished.Equal(at) {
			t.Fatalf("cancelled at %v: %+v %v", at, got, err)
		}
		return got
	}
	for _, g := range []string{cGuildA, cGuildB} {
		// Created long before the cutoff, all of them: only the time of
		// cancellation counts.
		gone[g+" cancelled long ago"] = cancel(cImportAt(t, s, g, cAlice, cT0, shelf.ImportWork{Title: "A"}), old)
		kept[g+" cancelled recently"] = cancel(cImportAt(t, s, g, cBob, cT0, shelf.ImportWork{Title: "B"}), recent)
		replaced := cImportAt(t, s, g, cCarol, cT0, shelf.ImportWork{Title: "C"})
		kept[g+" preview replacing it"] = cImportAt(t, s, g, cCarol, recent, shelf.ImportWork{Title: "C2"})
		kept[g+" replaced recently"] = replaced

		running := cImportAt(t, s, g, cAlice, cT0, shelf.ImportWork{Title: "R"})
		if _, err := s.StartImportJob(cCtx, g, running.ID, cAlice, "app", "tok", cT0); err != nil {
			t.Fatal(err)
		}
		kept[g+" running"] = running
		untold := cImportAt(t, s, g, cDave, cT0)
		if _, err := s.StartImportJob(cCtx, g, untold.ID, cDave, "app", "tok", cT0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FinishImportJob(cCtx, g, untold.ID, false, cT0); err != nil {
			t.Fatal(err)
		}
		kept[g+" done, not told"] = untold
	}
	if n := cPruneInBatches(t, s, cut); n != len(gone) {
		t.Fatalf("pruned %d imports, want %d", n, len(gone))
	}
	cImportsGone(t, s, true, "before the cutoff", gone)
	cImportsGone(t, s, false, "kept", kept)
	if refs, err := s.RunningImportJobs(cCtx); err != nil || len(refs) != 4 {
		t.Fatalf("running imports after the prune: %v %v, want the 2 running and the 2 not told", refs, err)
	}
	// Once the cutoff passes the recent cancellations (and the recent
	// previews), they go; the running and untold ones stay.
	if n, err := s.PruneJobs(cCtx, recent.Add(time.Hour), 100); err != nil || n != 6 {
		t.Fatalf("prune after the recent ones: %d %v, want 6 (per guild 2 cancelled, 1 preview)", n, err)
	}
	if refs, err := s.RunningImportJobs(cCtx); err != nil || len(refs) != 4 {
		t.Fatalf("running imports after the second prune: %v %v", refs, err)
	}
	// Cancelled with no time given: cancelled now, and counted from then.
	now := cImportAt(t, s, cGuildA, cAlice, cT0)
	if err := s.CancelImportJob(cCtx, cGuildA, now.ID, cAlice, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ImportJob(cCtx, cGuildA, now.ID); err != nil || time.Since(got.Finished).Abs() > time.Minute {
		t.Fatalf("cancelled without a time: %+v %v", got, err)
	}
	if n, err := s.PruneJobs(cCtx, time.Now().Add(-time.Minute), 100); err != nil || n != 0 {
		t.Fatalf("prune before now: %d %v, want none (cancelled now)", n, err)
	}
}

// cJobsPrunePreviews: a preview nobody confirmed goes, with its works, the
// retention after it was created; a confirmed one never does (it runs),
// and a pruned preview can be neither confirmed nor cancelled.
func cJobsPrunePreviews(t *testing.T, s shelf.Store) {
	cut := cT0.Add(30 * 24 * time.Hour)
	old, recent := cut.Add(-time.Hour), cut.Add(time.Second)
	gone, kept := map[string]shelf.ImportJob{}, map[string]shelf.ImportJob{}
	works := []shelf.ImportWork{{Title: "One"}, {Title: "Two"}, {AO3ID: 3, Title: "Three"}}
	for _, g := range []string{cGuildA, cGuildB} {
		// Confirmed (created before the preview that goes, so that a key
		// left for it would come first).
		confirmed := cImportAt(t, s, g, cAlice, old.Add(-time.Hour), works...)
		if _, err := s.StartImportJob(cCtx, g, confirmed.ID, cAlice, "app", "tok", cT0); err != nil {
			t.Fatal(err)
		}
		kept[g+" confirmed"] = confirmed
		gone[g+" previewed long ago"] = cImportAt(t, s, g, cAlice, old, works...)
		kept[g+" previewed recently"] = cImportAt(t, s, g, cBob, recent, works...)
	}
	if n := cPruneInBatches(t, s, cut); n != len(gone) {
		t.Fatalf("pruned %d imports, want %d", n, len(gone))
	}
	cImportsGone(t, s, true, "before the cutoff", gone)
	cImportsGone(t, s, false, "kept", kept)
	for name, j := range kept {
		if w, err := s.ImportWorks(cCtx, j.GuildID, j.ID, 0, 10); err != nil || len(w) != len(works) {
			t.Errorf("%s: works %v %v", name, w, err)
		}
	}
	for _, j := range gone {
		if _, err := s.StartImportJob(cCtx, j.GuildID, j.ID, cAlice, "app", "tok", cT0); !errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("confirm a pruned preview: %v, want not found", err)
		}
		if err := s.CancelImportJob(cCtx, j.GuildID, j.ID, cAlice, cT0); !errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("cancel a pruned preview: %v, want not found", err)
		}
	}
	if refs, err := s.RunningImportJobs(cCtx); err != nil || len(refs) != 2 {
		t.Fatalf("running imports after the prune: %v %v, want the 2 confirmed", refs, err)
	}
	// The recent previews go once the cutoff passes them.
	if n, err := s.PruneJobs(cCtx, recent.Add(time.Hour), 100); err != nil || n != 2 {
		t.Fatalf("prune after the recent previews: %d %v, want 2", n, err)
	}
	// A preview given no creation time is created now: it counts from
	// then, not from the zero time.
	fresh, err := s.CreateImportJob(cCtx, cGuildA, shelf.ImportJob{UserID: cCarol, ChannelID: cChanA, Works: works})
	if err != nil || fresh.Created.IsZero() || time.Since(fresh.Created).Abs() > time.Minute {
		t.Fatalf("created without a time: %+v %v", fresh, err)
	}
	if n, err := s.PruneJobs(cCtx, time.Now().Add(-time.Minute), 100); err != nil || n != 0 {
		t.Fatalf("prune before now: %d %v, want none (the preview created now)", n, err)
	}
}
