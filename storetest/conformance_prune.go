package storetest

import (
	"errors"
	"testing"
	"time"

	"ficshelf/shelf"
)

// Finished persisted jobs: once the member was told, the job keeps no
// token nor file address, and PruneJobs deletes it after the cutoff;
// never a job still to run or to tell.

func init() {
	cRegister(
		cTest{"Jobs/ToldForgetsToken", cJobsToldForget},
		cTest{"Jobs/Prune", cJobsPrune},
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
		kept = append(kept, job{"import previewed", g, cNewImport(t, s, g, cBob, []shelf.ImportWork{{Title: "P"}}).ID, imports})
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
