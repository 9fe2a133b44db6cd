package postgres_test

import (
	"testing"

	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

// TestBulkLoadSmallBatches runs the bulk-load conformance cases with
// batches of a few rows, so that stories are copied before their chapters
// (chapter counts set at Commit), and a story's kudos and readers come in
// many batches; then every story's chapter_count must be its chapters.
func TestBulkLoadSmallBatches(t *testing.T) {
	pgtest.ServerURL(t)
	defer SetBulkFlush(97, 1<<20)()
	storetest.RunBulkLoad(t, func(t testing.TB) shelf.Store { return pgtest.Open(t) }, func(t *testing.T, s shelf.Store) {
		var stories, wrong int
		err := s.(*Store).Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE s.chapter_count <>
			(SELECT count(*) FROM chapters c WHERE c.guild = s.guild AND c.story = s.id)) FROM stories s`).Scan(&stories, &wrong)
		if err != nil || wrong != 0 || stories < 1000 {
			t.Errorf("%d of %d stories with a chapter_count other than their chapters (%v)", wrong, stories, err)
		}
	})
}
