package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
)

var ctx = context.Background()

var fictional = fic.Story{Title: "Fictional"}

func versions(t *testing.T, s *Store) []int {
	t.Helper()
	rows, err := s.Pool().Query(ctx, `SELECT version FROM schema_version ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func tableExists(t *testing.T, s *Store, name string) bool {
	t.Helper()
	var ok bool
	if err := s.Pool().QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func connectTest(t *testing.T, dbURL string) *Store {
	t.Helper()
	s, err := Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Each step, from an empty database: it creates what it should, records
// its version, and re-running it changes nothing.
func TestMigrationsStepByStep(t *testing.T) {
	s := connectTest(t, pgtest.URL(t))
	wantTables := map[int][]string{
		1:  {"guild_seq", "settings", "stories", "story_docs", "chapters", "story_words", "kudos", "list_entries", "rec_threads", "recs", "rec_requests", "clubs", "club_members", "club_due"},
		2:  {"leases"},
		3:  {"subscriptions", "dms_closed", "ao3_works", "alerts", "ao3_gate"},
		4:  {"progress_events", "import_jobs", "import_works"},
		5:  {"series_jobs", "series_job_works"},
		6:  {"club_nominations", "club_polls", "club_reminders_off"},
		7:  {"story_counts", "kudos_marks", "guild_counts", "guild_facets", "story_facets"},
		8:  {"upload_jobs"},
		9:  {},
		10: {},
		11: {"story_words_first"},
	}
	for v := 1; v <= len(Migrations); v++ {
		for _, tbl := range wantTables[v] {
			if tableExists(t, s, tbl) {
				t.Fatalf("table %s exists before step %d", tbl, v)
			}
		}
		if err := MigrateTo(ctx, s, v); err != nil {
			t.Fatalf("step %d: %v", v, err)
		}
		for _, tbl := range wantTables[v] {
			if !tableExists(t, s, tbl) {
				t.Errorf("step %d did not create %s", v, tbl)
			}
		}
		if got := versions(t, s); len(got) != v || got[v-1] != v {
			t.Errorf("after step %d versions %v", v, got)
		}
		if err := MigrateTo(ctx, s, v); err != nil {
			t.Fatalf("step %d again: %v", v, err)
		}
		if got := versions(t, s); len(got) != v {
			t.Errorf("re-running step %d recorded %v", v, got)
		}
	}
	if len(wantTables) != len(Migrations) {
		t.Errorf("test knows %d steps, there are %d: test the new one", len(wantTables), len(Migrations))
	}
}

func TestOpenTwiceIsNoOp(t *testing.T) {
	u := pgtest.URL(t)
	s1 := pgtest.OpenURL(t, u)
	if _, err := s1.AddStory(ctx, "1", &fictional, nil, "2", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2 := pgtest.OpenURL(t, u)
	if got := versions(t, s2); len(got) != len(Migrations) {
		t.Errorf("versions after a second Open: %v", got)
	}
	if rec, err := s2.Story(ctx, "1", "1"); err != nil || rec.Story.Title != fictional.Title {
		t.Errorf("data lost by a second Open: %v", err)
	}
}

// Processes started together: every Open succeeds and each step runs once.
func TestConcurrentOpens(t *testing.T) {
	u := pgtest.URL(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	stores := make([]*Store, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(ctx, u, Options{MaxConns: 2})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("open %d: %v", i, errs[i])
			continue
		}
		defer stores[i].Close()
	}
	if errs[0] == nil {
		if got := versions(t, stores[0]); len(got) != len(Migrations) {
			t.Errorf("versions %v", got)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	u := pgtest.URL(t)
	s := pgtest.OpenURL(t, u)
	if _, err := s.Pool().Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, len(Migrations)+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, u, Options{}); !errors.Is(err, shelf.ErrSchemaTooNew) {
		t.Errorf("Open of a newer schema = %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenFailuresHidePassword(t *testing.T) {
	server := pgtest.ServerURL(t)
	const secret = "hunter2-s3cret"
	withPassword := func(raw, db string) string {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(u.User.Username(), secret)
		if db != "" {
			u.Path = "/" + db
		}
		return u.String()
	}
	cases := []struct {
		name string
		url  string
	}{
		{"refused port", "postgres://ficshelf:" + secret + "@127.0.0.1:1/x?sslmode=disable"},
		{"no such database", withPassword(server, "no_such_database_here")},
		{"malformed", "postgres://ficshelf:" + secret + "@127.0.0.1:notaport/x"},
		{"unroutable", "postgres://ficshelf:" + secret + "@192.0.2.1:5432/x?sslmode=disable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			s, err := Open(ctx, tc.url, Options{})
			took := time.Since(start)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), url.QueryEscape(secret)) {
				t.Errorf("error shows the password: %v", err)
			}
			if took > 10*time.Second {
				t.Errorf("Open took %v to fail, want at most 10 s", took)
			}
			t.Logf("%v after %v", err, took.Round(time.Millisecond))
		})
	}
}

func TestClosedStore(t *testing.T) {
	s := pgtest.Open(t)
	s.Close()
	if _, err := s.Settings(ctx, "1"); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("Settings after Close: %v", err)
	}
	if _, err := s.Load(ctx); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
	if err := s.Dump(ctx, func(string, shelf.Item) error { return nil }); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("Dump after Close: %v", err)
	}
}

// A server that accepts connections and never answers: Open gives up
// within its 10 s.
func TestOpenSilentServerTimesOut(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range held {
			c.Close()
		}
		mu.Unlock()
	}()
	const secret = "silent-s3cret"
	// The default budget (8 s) where PostgreSQL suites run (CI); a short
	// one elsewhere, to test the mechanism without the wait.
	opts := Options{}
	if os.Getenv(pgtest.Env) == "" {
		opts.ConnectTimeout = time.Second
	}
	start := time.Now()
	s, err := Open(ctx, "postgres://ficshelf:"+secret+"@"+ln.Addr().String()+"/x?sslmode=disable", opts)
	took := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if took > 10*time.Second || strings.Contains(err.Error(), secret) {
		t.Errorf("Open failed after %v with %v", took, err)
	}
	t.Logf("%v after %v", err, took.Round(time.Millisecond))
}

// Step 9: told jobs stored before it get told_at (so PruneJobs finds them)
// and lose their token and file address; others are left as they were.
func TestMigration9ToldJobs(t *testing.T) {
	s := connectTest(t, pgtest.URL(t))
	if err := MigrateTo(ctx, s, 8); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	file := &shelf.UploadFile{URL: "https://cdn.example/f.txt?ex=1", Filename: "f.txt"}
	raw := func(table string, id int64, open bool, j any) {
		t.Helper()
		doc, err := json.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool().Exec(ctx, `INSERT INTO `+table+` (guild, id, user_id, open, doc) VALUES (12, $1, 9, $2, $3)`, id, open, doc); err != nil {
			t.Fatal(err)
		}
	}
	raw("upload_jobs", 1, false, shelf.UploadJob{ID: "1", GuildID: "12", UserID: "9", State: shelf.ImportDone, Cursor: 1, Notified: true, File: file, Token: "tok", Finished: t0})
	raw("upload_jobs", 2, true, shelf.UploadJob{ID: "2", GuildID: "12", UserID: "9", State: shelf.ImportRunning, File: file, Token: "tok2"})
	raw("upload_jobs", 3, false, shelf.UploadJob{ID: "3", GuildID: "12", UserID: "9", State: shelf.ImportDone, Cursor: 1, Notified: true, Token: "tok", Finished: t0, WorkID: 5})
	raw("import_jobs", 1, false, shelf.ImportJob{ID: "1", GuildID: "12", UserID: "9", State: shelf.ImportDone, Notified: true, Token: "tok", Finished: t0})
	raw("import_jobs", 2, true, shelf.ImportJob{ID: "2", GuildID: "12", UserID: "9", State: shelf.ImportDone, Token: "tok", Finished: t0})
	raw("series_jobs", 1, false, shelf.SeriesJob{ID: "1", GuildID: "12", UserID: "9", State: shelf.ImportDone, Notified: true, Token: "tok", Finished: t0, Listed: true})
	if err := MigrateTo(ctx, s, 9); err != nil {
		t.Fatal(err)
	}
	if j, err := s.UploadJob(ctx, "12", "1"); err != nil || j.Token != "" || j.File == nil || j.File.URL != "" || j.File.Filename != "f.txt" || !j.Finished.Equal(t0) {
		t.Errorf("told upload after step 9: %+v %v", j, err)
	}
	if j, err := s.UploadJob(ctx, "12", "3"); err != nil || j.Token != "" || j.File != nil || j.WorkID != 5 {
		t.Errorf("told link upload after step 9: %+v %v", j, err)
	}
	if j, err := s.UploadJob(ctx, "12", "2"); err != nil || j.Token != "tok2" || j.File.URL == "" {
		t.Errorf("running upload after step 9: %+v %v", j, err)
	}
	if j, err := s.ImportJob(ctx, "12", "2"); err != nil || j.Token != "tok" {
		t.Errorf("import not told after step 9: %+v %v", j, err)
	}
	if n, err := s.PruneJobs(ctx, t0.Add(time.Hour), 10); err != nil || n != 4 {
		t.Errorf("prune after step 9: %d %v, want the 4 told jobs", n, err)
	}
	if _, err := s.UploadJob(ctx, "12", "2"); err != nil {
		t.Errorf("the running upload was pruned: %v", err)
	}
	if _, err := s.ImportJob(ctx, "12", "2"); err != nil {
		t.Errorf("the import not told was pruned: %v", err)
	}
}
