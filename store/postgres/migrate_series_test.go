package postgres_test

import (
	"reflect"
	"testing"

	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
)

// Step 5 fills in the series of the stories stored before it, folded as
// shelf.FoldString folds them, in their order.
func TestMigrationSeriesBackfill(t *testing.T) {
	s := connectTest(t, pgtest.URL(t))
	if err := MigrateTo(ctx, s, 4); err != nil {
		t.Fatal(err)
	}
	for _, row := range []struct {
		id   int
		meta string
	}{
		{1, `{"title":"In two","rating":"Not Rated","series_refs":[{"id":31,"title":"Pokémon  Journeys","part":2},{"title":"Don’t Ask","part":1}]}`},
		{2, `{"title":"In none","rating":"Not Rated"}`},
	} {
		if _, err := s.Pool().Exec(ctx, `INSERT INTO stories (guild, id, title, title_fold, authors, rating, words,
			chapters_posted, chapters_expected, chapter_count, added_by, added_at, mine, fandoms_fold, tags_fold)
			VALUES (1, $1, 't', 't', '{}', 'Not Rated', 0, 0, 0, 0, 2, 0, false, '{}', '{}')`, row.id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool().Exec(ctx, `INSERT INTO story_docs (guild, id, meta, infos) VALUES (1, $1, $2, '[]')`, row.id, []byte(row.meta)); err != nil {
			t.Fatal(err)
		}
	}
	if err := MigrateTo(ctx, s, 5); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int]struct {
		folds []string
		ids   []int64
	}{1: {[]string{"pokemon journeys", "dont ask"}, []int64{31, 0}}, 2: {[]string{}, []int64{}}} {
		var folds []string
		var ids []int64
		if err := s.Pool().QueryRow(ctx, `SELECT series_fold, series_ids FROM stories WHERE guild = 1 AND id = $1`, id).Scan(&folds, &ids); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(folds, want.folds) || !reflect.DeepEqual(ids, want.ids) {
			t.Errorf("story %d: %q %v, want %q %v", id, folds, ids, want.folds, want.ids)
		}
	}
}
