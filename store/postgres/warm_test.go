package postgres_test

import (
	"testing"
	"time"

	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

// Open makes every connection of the pool and prepares the hot statements
// on each, without writing anything.
func TestOpenWarmsPool(t *testing.T) {
	url := pgtest.URL(t)
	s := pgtest.OpenURL(t, url)
	st := storetest.Add(t, s, "1", "5", storetest.Story("Warm Tea"))
	if _, err := s.GiveKudos(ctx, "1", st.ID, "7", time.Now()); err != nil {
		t.Fatal(err)
	}
	tables := []string{"stories", "story_counts", "kudos", "kudos_marks", "list_entries", "guild_counts", "guild_facets", "story_facets", "progress_events", "settings"}
	rows := func(s *Store) map[string]int {
		out := map[string]int{}
		for _, tbl := range tables {
			var n int
			if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM `+tbl).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out[tbl] = n
		}
		return out
	}
	before := rows(s)
	start := time.Now()
	w, err := Open(ctx, url, Options{MaxConns: 6})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	t.Logf("Open with warm-up of 6 connections: %v", time.Since(start))
	if got := w.Pool().Stat().TotalConns(); got != 6 {
		t.Errorf("pool holds %d connections after Open, want 6", got)
	}
	conn, err := w.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var prepared int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements`).Scan(&prepared)
	conn.Release()
	if err != nil {
		t.Fatal(err)
	}
	if prepared < 20 {
		t.Errorf("a warmed connection has %d prepared statements, want the hot ones (20 or more)", prepared)
	}
	after := rows(s)
	for _, tbl := range tables {
		if before[tbl] != after[tbl] {
			t.Errorf("warm-up changed %s: %d rows, then %d", tbl, before[tbl], after[tbl])
		}
	}
	if top, err := w.TopKudos(ctx, "1", shelf.PeriodWeek, time.Now(), 10); err != nil || len(top) != 1 || top[0].Count != 1 {
		t.Errorf("top after warm-up: %v, %v", top, err)
	}
}
