package postgres_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
)

var (
	flagBigStories = flag.Int("bigstories", 50000, "TestBigServerLatency: stories in the big server")
	flagBigKudos   = flag.Int("bigkudos", 200000, "TestBigServerLatency: kudos in its last week")
	flagBig        = flag.Bool("big", false, "run TestBigServerLatency (seeds -bigstories and -bigkudos; minutes)")
	flagBigURL     = flag.String("bigurl", "", "TestBigServerLatency: an existing database to use (seeded on first use) instead of a fresh one")
)

var titleWords = []string{"lantern", "harbor", "copper", "orchard", "saltwater", "crown", "paper", "ferryman",
	"archive", "winter", "ember", "hollow", "silver", "tide", "quiet", "garden", "iron", "meadow", "raven",
	"summer", "glass", "stone", "river"}

// seedBig writes a server of n stories and k kudos, all given within the
// week before now, straight in SQL (the triggers fill story_counts,
// guild_counts and guild_facets; the counters are then set from the
// records), and analyzes the tables as autovacuum would.
func seedBig(t testing.TB, s *Store, guild int64, n, k int, now time.Time) {
	t.Helper()
	start := time.Now()
	words := titleWords
	// One transaction in bulk mode, as copy's load: the guild-wide counts
	// are recounted at the end.
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL ficshelf.bulk = 'on'`); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO stories (guild, id, title, title_fold, authors, rating, words, chapters_posted, chapters_expected,
			chapter_count, added_by, added_at, mine, fandoms_fold, tags_fold)
		SELECT $1, i, w1 || ' ' || w2 || ' ' || i, w1 || ' ' || w2 || ' ' || i, ARRAY['author ' || (i % 700)],
			(ARRAY['General Audiences', 'Teen And Up Audiences', 'Mature', 'Explicit', 'Not Rated'])[1 + i % 5],
			1000 + (i * 7919) % 200000, 1, 1, 1, 1 + i % 300, $3::bigint - (($2::bigint - i) * 60000000000), false,
			ARRAY['fandom ' || (i % 6)], ARRAY['tag ' || (i % 400), 'trope ' || (i % 9)]
		FROM generate_series(1, $2::int) i,
			LATERAL (SELECT ($4::text[])[1 + i % 23] AS w1, ($4::text[])[1 + (i / 23) % 23] AS w2) w`,
		`INSERT INTO story_docs (guild, id, meta, infos)
		SELECT $1, id, convert_to(json_build_object('title', title, 'authors', authors, 'rating', rating)::text, 'UTF8'), '[]'
		FROM stories WHERE guild = $1`,
		`INSERT INTO story_words (guild, word, story, flags)
		SELECT DISTINCT ON (word, id) $1, word, id, CASE WHEN o = 1 THEN 5 ELSE 1 END
		FROM stories, unnest(string_to_array(title_fold, ' ')) WITH ORDINALITY AS x(word, o) WHERE guild = $1`,
		`INSERT INTO guild_seq (guild, kind, last) VALUES ($1, 'stories', $2)`,
	} {
		args := []any{guild}
		if strings.Contains(sql, "$2") {
			args = append(args, n)
		}
		if strings.Contains(sql, "$3") {
			args = append(args, now.UnixNano(), words)
		}
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	// Kudos skewed towards low story IDs, one per member per story.
	if _, err := tx.Exec(ctx, `INSERT INTO kudos (guild, story, user_id, at)
		SELECT $1, 1 + ((j::bigint * j) % $2::int) % (1 + (j % $2::int)), 1000000 + j, $3::bigint - j::bigint * (7 * 86400000000000 / ($4::int + 1))
		FROM generate_series(1, $4::int) j ON CONFLICT DO NOTHING`, guild, n, now.UnixNano(), k); err != nil {
		t.Fatalf("seed kudos: %v", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE story_counts c SET kudos = x.n, week = x.n, month = x.n
		FROM (SELECT story, count(*)::int AS n FROM kudos WHERE guild = $1 GROUP BY story) x
		WHERE c.guild = $1 AND c.story = x.story`, guild); err != nil {
		t.Fatalf("seed counts: %v", err)
	}
	if err := RecountGuilds(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `VACUUM (ANALYZE) stories, story_docs, story_counts, story_words, kudos, guild_facets, story_facets, guild_counts`); err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Logf("seeded guild %d: %d stories, %d kudos in %v", guild, n, k, time.Since(start).Round(time.Millisecond))
}

// The queries behind /kudos top, /story list, autocomplete and a title
// miss read a big server's indexes with LIMIT: no sequential scan of its
// stories, counters or kudos, as the generic plans the engine runs show.
func TestBigServerPlans(t *testing.T) {
	s := pgtest.Open(t)
	now := time.Now()
	seedBig(t, s, 5, 6000, 20000, now)
	// Advance the marks (as the first /kudos top does) before explaining.
	for _, p := range []shelf.Period{shelf.PeriodWeek, shelf.PeriodMonth} {
		if _, err := s.TopKudos(ctx, "5", p, now.Add(24*time.Hour), 10); err != nil {
			t.Fatal(err)
		}
	}
	// The advance rewrote the kudos it unflagged; a deployment's
	// autovacuum analyzes the table after such a change.
	if _, err := s.Pool().Exec(ctx, `VACUUM (ANALYZE) kudos, story_counts`); err != nil {
		t.Fatal(err)
	}
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, q := range ScaleQueries(5, now.Add(24*time.Hour)) {
		if !q.Filtered {
			checkRowsRead(t, conn, q, 1000)
		}
		rows, err := conn.Query(ctx, "EXPLAIN "+q.SQL, q.Args...)
		if err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		for _, tbl := range []string{"stories", "story_counts", "kudos", "story_words", "story_docs"} {
			// A filtered list's total counts the matching stories; in a
			// test database holding only this server the planner rightly
			// reads them all in one pass (BENCHMARKS.md, issue 17).
			if strings.Contains(text, "Seq Scan on "+tbl+" ") && !q.Filtered {
				t.Errorf("%s scans %s sequentially:\n%s", q.Name, tbl, text)
			}
		}
		if q.Limit && !strings.Contains(text, "Limit") {
			t.Errorf("%s has no LIMIT:\n%s", q.Name, text)
		}
	}
}

// checkRowsRead runs q under EXPLAIN ANALYZE (the connection's generic
// plan) and fails when a step of its plan produced more than max rows in
// all (rows times loops): the sign of work that grows with the server
// (a whole table's rows of the guild read, joined or sorted) rather than
// with the page asked for. A plan can avoid a sequential scan and still
// do that: /kudos top's correction once hash-joined every counter row of
// the guild through a bitmap scan.
func checkRowsRead(t *testing.T, conn *pgxpool.Conn, q ScaleQuery, max float64) {
	t.Helper()
	// As the engine runs it: prepared once (pgx's statement cache), so
	// planned generically (plan_cache_mode), then executed.
	name := fmt.Sprintf("rows_read_%d", len(q.SQL))
	if _, err := conn.Exec(ctx, "PREPARE "+name+" AS "+q.SQL); err != nil {
		t.Fatalf("%s: %v", q.Name, err)
	}
	defer conn.Exec(ctx, "DEALLOCATE "+name)
	lits := make([]string, len(q.Args))
	for i, a := range q.Args {
		lits[i] = sqlLiteral(t, a)
	}
	var raw []byte
	if err := conn.QueryRow(ctx, "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) EXECUTE "+name+"("+strings.Join(lits, ", ")+")").Scan(&raw); err != nil {
		t.Fatalf("%s: %v", q.Name, err)
	}
	var out []struct{ Plan planNode }
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		t.Fatalf("%s: EXPLAIN's JSON: %v", q.Name, err)
	}
	var walk func(n planNode)
	walk = func(n planNode) {
		if read := n.Rows * n.Loops; read > max {
			t.Errorf("%s: %s%s produced %.0f rows (%.0f × %.0f loops), more than %.0f: work that grows with the server", q.Name, n.Type, n.on(), read, n.Rows, n.Loops, max)
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(out[0].Plan)
}

// sqlLiteral writes a ScaleQuery argument as an SQL literal, for EXECUTE.
func sqlLiteral(t *testing.T, v any) string {
	t.Helper()
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch v := v.(type) {
	case int, int16, int32, int64:
		return fmt.Sprint(v)
	case string:
		return quote(v)
	case []string:
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = quote(s)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
	case []int64:
		q := make([]string, len(v))
		for i, n := range v {
			q[i] = fmt.Sprint(n)
		}
		return "ARRAY[" + strings.Join(q, ", ") + "]::bigint[]"
	}
	t.Fatalf("sqlLiteral: %T not handled", v)
	return ""
}

// planNode is one step of EXPLAIN's JSON plan.
type planNode struct {
	Type     string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Rows     float64    `json:"Actual Rows"`
	Loops    float64    `json:"Actual Loops"`
	Plans    []planNode `json:"Plans"`
}

func (n planNode) on() string {
	switch {
	case n.Relation != "":
		return " on " + n.Relation
	case n.Index != "":
		return " on " + n.Index
	}
	return ""
}

// TestBigServerLatency seeds one server of -bigstories stories and
// -bigkudos kudos in the week (run with -big) and measures /kudos top (all
// three periods), /story list (every sort, filtered or not, first and a
// later page), a title miss and autocomplete, alone and with 64
// goroutines at once, next to a small server's same calls.
func TestBigServerLatency(t *testing.T) {
	if !*flagBig {
		t.Skip("run with -big (seeds 50,000 stories)")
	}
	var s *Store
	if *flagBigURL != "" {
		s = pgtest.OpenURL(t, *flagBigURL)
	} else {
		s = pgtest.Open(t)
	}
	now := time.Now()
	var seeded bool
	if err := s.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM stories WHERE guild = 5)`).Scan(&seeded); err != nil {
		t.Fatal(err)
	}
	if !seeded {
		seedBig(t, s, 5, *flagBigStories, *flagBigKudos, now)
		seedBig(t, s, 6, 1000, 2000, now)
	}
	type call struct {
		name string
		fn   func(guild string, i int) error
	}
	sorts := []shelf.Sort{shelf.SortNewest, shelf.SortKudos, shelf.SortTitle, shelf.SortWords}
	calls := []call{
		{"kudos top", func(g string, i int) error {
			_, err := s.TopKudos(ctx, g, shelf.Period(i%3), time.Now(), 10)
			return err
		}},
		{"story list", func(g string, i int) error {
			q := shelf.ListQuery{Sort: sorts[i%4], Offset: 10 * (i % 5)}
			if i%2 == 1 {
				q.Fandom = fmt.Sprint("fandom ", i%6)
			}
			_, _, err := s.ListStories(ctx, g, q)
			return err
		}},
		{"title miss", func(g string, i int) error {
			_, err := s.ResolveStory(ctx, g, fmt.Sprint("zephyr nothing ", i))
			if re := (*shelf.ResolveError)(nil); errors.As(err, &re) {
				return nil
			}
			return err
		}},
		{"autocomplete", func(g string, i int) error {
			_, err := s.SearchStories(ctx, g, titleWords[i%23][:3], 25)
			return err
		}},
	}
	measure := func(g string, c call, conc, n int) (p50, p99 time.Duration) {
		var mu sync.Mutex
		var ds []time.Duration
		var wg sync.WaitGroup
		for w := range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += conc {
					start := time.Now()
					if err := c.fn(g, i); err != nil {
						t.Errorf("%s: %v", c.name, err)
						return
					}
					mu.Lock()
					ds = append(ds, time.Since(start))
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		slices.Sort(ds)
		return ds[len(ds)/2], ds[len(ds)*99/100]
	}
	for _, c := range calls {
		for _, g := range []string{"5", "6"} {
			measure(g, c, 4, 40) // warm the pool's connections
			a50, a99 := measure(g, c, 1, 200)
			b50, b99 := measure(g, c, 64, 1280)
			t.Logf("guild %s %-12s alone p50 %6.2f ms p99 %6.2f ms | 64 at once p50 %6.2f ms p99 %6.2f ms",
				g, c.name, ms(a50), ms(a99), ms(b50), ms(b99))
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// TestBigServerExplain prints EXPLAIN ANALYZE's execution time of each
// ScaleQueries statement on the -bigurl database (seeded by
// TestBigServerLatency), for finding which one is slow, and fails on a
// sequential scan of a per-story table (the generic plans differ between
// TestBigServerPlans' 6,000 stories and 50,000).
func TestBigServerExplain(t *testing.T) {
	if *flagBigURL == "" {
		t.Skip("run with -bigurl (a database TestBigServerLatency seeded)")
	}
	s := pgtest.OpenURL(t, *flagBigURL)
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	for _, q := range ScaleQueries(5, time.Now()) {
		rows, err := conn.Query(ctx, "EXPLAIN (ANALYZE, TIMING OFF) "+q.SQL, q.Args...)
		if err != nil {
			t.Fatalf("%s: %v", q.Name, err)
		}
		var last string
		var plan []string
		for rows.Next() {
			if err := rows.Scan(&last); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, last)
		}
		rows.Close()
		t.Logf("%-70s %s", q.Name, last)
		text := strings.Join(plan, "\n")
		for _, tbl := range []string{"stories", "story_counts", "kudos", "story_words", "story_docs", "story_facets"} {
			if strings.Contains(text, "Seq Scan on "+tbl+" ") {
				t.Errorf("%s scans %s sequentially:\n%s", q.Name, tbl, text)
			}
		}
	}
}

// TestBigServerListTimes times each /story list variant on the -bigurl
// database's big server, one call at a time (median of 5).
func TestBigServerListTimes(t *testing.T) {
	if *flagBigURL == "" {
		t.Skip("run with -bigurl (a database TestBigServerLatency seeded)")
	}
	s := pgtest.OpenURL(t, *flagBigURL)
	for _, sort := range []shelf.Sort{shelf.SortNewest, shelf.SortKudos, shelf.SortTitle, shelf.SortWords} {
		for _, q := range []shelf.ListQuery{{Sort: sort}, {Sort: sort, Offset: 40}, {Sort: sort, Fandom: "fandom 3"}, {Sort: sort, Fandom: "fandom 3", Offset: 40}, {Sort: sort, Tag: "tag 17"}, {Sort: sort, Tag: "trope"}} {
			var ds []time.Duration
			for range 5 {
				start := time.Now()
				if _, _, err := s.ListStories(ctx, "5", q); err != nil {
					t.Fatal(err)
				}
				ds = append(ds, time.Since(start))
			}
			slices.Sort(ds)
			t.Logf("%-70s %6.2f ms", fmt.Sprintf("%+v", q), ms(ds[2]))
		}
	}
}
