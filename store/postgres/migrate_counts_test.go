package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/store"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

// Step 7 moves each story's counters into story_counts (every stored kudos
// counted in both periods until the first /kudos top), counts each guild's
// stories and collects its distinct fandoms and tags; the store then
// answers from them exactly.
func TestMigrationCountsBackfill(t *testing.T) {
	url := pgtest.URL(t)
	s := connectTest(t, url)
	if err := MigrateTo(ctx, s, 6); err != nil {
		t.Fatal(err)
	}
	day := int64(24 * time.Hour)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, row := range []struct {
		guild, id, kudos, readers int
		fandoms, tags             []string
	}{
		{1, 1, 2, 1, []string{"lanternfall"}, []string{"angst", "fluff"}},
		{1, 2, 1, 0, []string{"orchard street", "lanternfall"}, []string{}},
		{2, 1, 0, 0, []string{"other server"}, []string{"angst"}},
	} {
		if _, err := s.Pool().Exec(ctx, `INSERT INTO stories (guild, id, title, title_fold, authors, rating, words,
			chapters_posted, chapters_expected, chapter_count, added_by, added_at, mine, fandoms_fold, tags_fold, kudos, readers)
			VALUES ($1, $2, 't', 't', '{}', 'Not Rated', 0, 0, 0, 0, 9, $2, false, $3, $4, $5, $6)`,
			row.guild, row.id, row.fandoms, row.tags, row.kudos, row.readers); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool().Exec(ctx, `INSERT INTO story_docs (guild, id, meta, infos) VALUES ($1, $2, '{"title":"t"}', '[]')`,
			row.guild, row.id); err != nil {
			t.Fatal(err)
		}
	}
	// Story 1: one kudos 2 days ago, one 20 days ago; story 2: 40 days ago.
	for _, k := range []struct{ story, user, ago int64 }{{1, 5, 2}, {1, 6, 20}, {2, 5, 40}} {
		if _, err := s.Pool().Exec(ctx, `INSERT INTO kudos (guild, story, user_id, at) VALUES (1, $1, $2, $3)`,
			k.story, k.user, now.UnixNano()-k.ago*day); err != nil {
			t.Fatal(err)
		}
	}
	if err := MigrateTo(ctx, s, 7); err != nil {
		t.Fatal(err)
	}
	type counts struct{ kudos, readers, week, month int }
	for key, want := range map[[2]int]counts{{1, 1}: {2, 1, 2, 2}, {1, 2}: {1, 0, 1, 1}, {2, 1}: {}} {
		var got counts
		if err := s.Pool().QueryRow(ctx, `SELECT kudos, readers, week, month FROM story_counts WHERE guild = $1 AND story = $2`,
			key[0], key[1]).Scan(&got.kudos, &got.readers, &got.week, &got.month); err != nil {
			t.Fatalf("story %v: %v", key, err)
		}
		if got != want {
			t.Errorf("story %v counts %+v, want %+v", key, got, want)
		}
	}
	var n1, n2, facets, held int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT stories FROM guild_counts WHERE guild = 1),
		(SELECT stories FROM guild_counts WHERE guild = 2), (SELECT count(*) FROM guild_facets WHERE guild = 1),
		(SELECT count(*) FROM story_facets WHERE guild = 1)`).Scan(&n1, &n2, &facets, &held); err != nil {
		t.Fatal(err)
	}
	if n1 != 2 || n2 != 1 || facets != 4 || held != 5 {
		t.Errorf("guild counts %d, %d, guild 1 facets %d held %d times; want 2, 1, 4, 5", n1, n2, facets, held)
	}
	st := pgtest.OpenURL(t, url)
	check := func(p shelf.Period, want map[string]int) {
		t.Helper()
		top, err := st.TopKudos(ctx, "1", p, now, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, x := range top {
			got[x.ID] = x.Count
		}
		if len(got) != len(want) {
			t.Errorf("%v top %v, want %v", p, got, want)
		}
		for id, n := range want {
			if got[id] != n {
				t.Errorf("%v top %v, want %v", p, got, want)
			}
		}
	}
	check(shelf.PeriodWeek, map[string]int{"1": 1})
	check(shelf.PeriodMonth, map[string]int{"1": 2})
	check(shelf.PeriodAll, map[string]int{"1": 2, "2": 1})
	page, total, err := st.ListStories(ctx, "1", shelf.ListQuery{Fandom: "LANTERN", Tag: "ang"})
	if err != nil || total != 1 || len(page) != 1 || page[0].ID != "1" || page[0].Readers != 1 {
		t.Errorf("list after migration: %d %v %v", total, page, err)
	}
}

// A copy into PostgreSQL loads in bulk (guild-wide counts recounted once at
// the end): the copied server's totals and filters answer as the source's.
func TestCopyRecountsGuilds(t *testing.T) {
	src, dst := pgtest.Open(t), pgtest.Open(t)
	for i, f := range []string{"Lanternfall", "Orchard Street", "Lanternfall", "Saltwater"} {
		st := storetest.Story(fmt.Sprint("Copied ", i))
		st.Fandoms = []string{f}
		storetest.Add(t, src, "1", "9", st)
	}
	if _, err := store.Copy(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    shelf.ListQuery
		want int
	}{{shelf.ListQuery{}, 4}, {shelf.ListQuery{Fandom: "lantern"}, 2}, {shelf.ListQuery{Fandom: "street"}, 1}} {
		page, total, err := dst.ListStories(ctx, "1", c.q)
		if err != nil || total != c.want || len(page) != c.want {
			t.Errorf("%+v after copy: %d stories, total %d, %v; want %d", c.q, len(page), total, err, c.want)
		}
	}
	st := storetest.Story("Added after")
	st.Fandoms = []string{"Lanternfall"}
	storetest.Add(t, dst, "1", "9", st)
	if _, total, err := dst.ListStories(ctx, "1", shelf.ListQuery{Fandom: "lanternfall"}); err != nil || total != 3 {
		t.Errorf("after one more: total %d, %v; want 3", total, err)
	}
}
