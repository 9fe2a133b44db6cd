package postgres_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
)

// Step 10: reading-list imports previewed or cancelled stored before it
// get told_at from their creation, so that PruneJobs deletes them (a
// preview's works with it) once the cutoff passes their creation; a
// running import is left.
func TestMigration10AbandonedImports(t *testing.T) {
	s := connectTest(t, pgtest.URL(t))
	if err := MigrateTo(ctx, s, 9); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	raw := func(id int64, open bool, j shelf.ImportJob) {
		t.Helper()
		doc, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool().Exec(ctx, `INSERT INTO import_jobs (guild, id, user_id, open, doc) VALUES (12, $1, 9, $2, $3)`, id, open, doc); err != nil {
			t.Fatal(err)
		}
	}
	job := func(id string, state shelf.ImportState, created time.Time) shelf.ImportJob {
		return shelf.ImportJob{ID: id, GuildID: "12", UserID: "9", State: state, Total: 1, Created: created}
	}
	raw(1, false, job("1", shelf.ImportPreview, t0))
	if _, err := s.Pool().Exec(ctx, `INSERT INTO import_works (guild, job, n, doc) VALUES (12, 1, 0, '{"title":"W"}')`); err != nil {
		t.Fatal(err)
	}
	raw(2, false, job("2", shelf.ImportCancelled, t0))
	raw(3, true, job("3", shelf.ImportRunning, t0))
	raw(4, false, job("4", shelf.ImportPreview, t0.Add(2*time.Hour)))
	if err := MigrateTo(ctx, s, 10); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneJobs(ctx, t0.Add(time.Hour), 10); err != nil || n != 2 {
		t.Fatalf("prune after step 10: %d %v, want the preview and the cancelled import", n, err)
	}
	for id, gone := range map[string]bool{"1": true, "2": true, "3": false, "4": false} {
		if _, err := s.ImportJob(ctx, "12", id); gone != errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("import %s after the prune (gone %v): %v", id, gone, err)
		}
	}
	var works int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM import_works WHERE guild = 12 AND job = 1`).Scan(&works); err != nil || works != 0 {
		t.Errorf("the pruned preview's works: %d %v", works, err)
	}
}

// A preview its member confirms while PruneJobs picks it stays, running:
// the prune's DELETE waits for the confirmation's row lock, then checks the
// row as the confirmation left it.
func TestPruneLeavesAPreviewConfirmedMeanwhile(t *testing.T) {
	s := pgtest.Open(t)
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	j, err := s.CreateImportJob(ctx, "12", shelf.ImportJob{UserID: "9", Works: []shelf.ImportWork{{Title: "W"}}, Created: t0})
	if err != nil {
		t.Fatal(err)
	}
	started, err := shelf.StartImport(j, "9", "app", "tok", t0)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := json.Marshal(started)
	if err != nil {
		t.Fatal(err)
	}
	// The confirmation's write (as StartImportJob saves it), not
	// committed yet.
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE import_jobs SET doc = $2, open = true, told_at = NULL WHERE guild = 12 AND id = $1`, j.ID, doc); err != nil {
		t.Fatal(err)
	}
	type result struct {
		n   int
		err error
	}
	pruned := make(chan result, 1)
	go func() {
		n, err := s.PruneJobs(ctx, t0.Add(time.Hour), 10)
		pruned <- result{n, err}
	}()
	waitForLockWait(t, s)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if r := <-pruned; r.err != nil || r.n != 0 {
		t.Fatalf("prune: %d %v, want none", r.n, r.err)
	}
	if got, err := s.ImportJob(ctx, "12", j.ID); err != nil || got.State != shelf.ImportRunning {
		t.Fatalf("the confirmed import after the prune: %+v %v", got, err)
	}
}

// waitForLockWait waits until a session of the test's database waits for
// a row lock.
func waitForLockWait(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the prune never waited for the confirmation's lock")
}
