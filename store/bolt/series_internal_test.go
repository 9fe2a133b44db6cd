package bolt

import (
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Facets written before series links end after the tags: they decode
// without series, and /story list's series filter reads such a story's
// document instead.
func TestFacetsWithoutSeriesFallBackToTheDocument(t *testing.T) {
	s := tempStore(t)
	const guild = "100000000000000001"
	st := &fic.Story{Title: "Old", Rating: fic.RatingGeneral, SeriesRefs: []fic.SeriesRef{{ID: 31, Title: "Pokémon Journeys", Part: 2}}}
	rec, err := s.AddStory(ctx, guild, st, nil, "300000000000000003", false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := shelf.ParseID("story", rec.ID)
	// Rewrite its facets as the previous version wrote them.
	old := facets{rating: string(fic.RatingGeneral), title: "old"}
	e := encoder{b: []byte{codecV1}}
	e.str(old.rating)
	e.uint(uint64(old.words))
	e.int(old.added)
	e.str(old.title)
	e.strs(old.fandoms)
	e.strs(old.tags)
	gid, _ := shelf.ParseID("guild", guild)
	if err := s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketGuilds).Bucket(u64(gid)).Bucket(bFacets).Put(u64(sid), e.b)
	}); err != nil {
		t.Fatal(err)
	}
	f, err := decodeFacets(e.b)
	if err != nil || f.hasSeries || f.title != "old" {
		t.Fatalf("old facets: %+v %v", f, err)
	}
	for _, q := range []string{"pokemon", "31"} {
		if _, total, err := s.ListStories(ctx, guild, shelf.ListQuery{Series: q}); err != nil || total != 1 {
			t.Errorf("series %q: %d %v", q, total, err)
		}
	}
	if _, total, _ := s.ListStories(ctx, guild, shelf.ListQuery{Series: "other"}); total != 0 {
		t.Errorf("series other: %d", total)
	}
	// New facets carry the series.
	nf := (&storyDoc{Story: *st}).facets()
	got, err := decodeFacets(nf.encode())
	if err != nil || !got.hasSeries || len(got.seriesTitles) != 1 || got.seriesTitles[0] != "pokemon journeys" || got.seriesIDs[0] != 31 {
		t.Fatalf("new facets: %+v %v", got, err)
	}
}
