package bolt

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func rawDB(t *testing.T) (*bbolt.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// migrateTwiceThenOpen migrates db (at path) up to version n, runs step n
// (step) once more, checks the version, closes db and opens the store on
// the file (closed at the test's end): a step must be safe to run again,
// as a crash between its work and the version's write would.
func migrateTwiceThenOpen(t *testing.T, db *bbolt.DB, path string, n int, step func(*bbolt.Tx) error) *Store {
	t.Helper()
	if err := migrate(db, migrations[:n]); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(step); err != nil {
		t.Fatal(err)
	}
	if v := version(t, db); v != uint64(n) {
		t.Errorf("version = %d, want %d", v, n)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func version(t *testing.T, db *bbolt.DB) uint64 {
	t.Helper()
	var v uint64
	if err := db.View(func(tx *bbolt.Tx) error { var err error; v, err = readVersion(tx); return err }); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestMigration1CreatesRoots(t *testing.T) {
	db, _ := rawDB(t) // version 0: an empty file
	if err := migrate(db, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	if v := version(t, db); v != 1 {
		t.Errorf("version = %d, want 1", v)
	}
	db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil || tx.Bucket(bucketGuilds) == nil {
			t.Error("root buckets missing")
		}
		return nil
	})
}

func TestMigration2DerivesHeadsAndCounts(t *testing.T) {
	db, path := rawDB(t)
	if err := migrate(db, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	// A version-1 file: story documents, kudos and readers, no heads/counts.
	const guild, story, owner, u1, u2 = 11, 3, 21, 22, 23
	err := db.Update(func(tx *bbolt.Tx) error {
		g, err := tx.Bucket(bucketGuilds).CreateBucket(u64(guild))
		if err != nil {
			return err
		}
		b := func(name []byte) *bbolt.Bucket { x, _ := g.CreateBucketIfNotExists(name); return x }
		doc := storyDoc{Story: fic.Story{Title: "Legacy Tale", Authors: []string{"Old Hand"}, ChaptersPosted: 2, Words: 10},
			AddedBy: owner, AddedAt: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC).UnixNano(), Mine: true}
		v, _ := json.Marshal(doc)
		if err := b(bStories).Put(u64(story), v); err != nil {
			return err
		}
		if err := b(bStories).SetSequence(story); err != nil {
			return err
		}
		for _, u := range []uint64{u1, u2} {
			b(bKudos).Put(key(story, u), i64(1))
			b(bKudosByUser).Put(key(u, story), i64(1))
			b(bKudosByTime).Put(key(1, story, u), nil)
		}
		b(bReaders).Put(key(story, u1), nil)
		return b(bLists).Put(key(u1, story), listRec{status: "reading", chapter: 1}.encode())
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, migrations[:2]); err != nil {
		t.Fatal(err)
	}
	if v := version(t, db); v != 2 {
		t.Errorf("version = %d, want 2", v)
	}
	db.Close()

	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.Story(ctx, "11", "3")
	if err != nil || rec.Kudos != 2 || rec.Readers != 1 || !rec.Mine || rec.AddedBy != "21" {
		t.Errorf("migrated story = %+v, %v", rec, err)
	}
	if _, err := s.GiveKudos(ctx, "11", "3", "21", time.Time{}); !errors.Is(err, shelf.ErrOwnStory) {
		t.Errorf("owner kudos after migration: %v", err)
	}
	if refs, _ := s.SearchStories(ctx, "11", "legacy", 5); len(refs) != 1 {
		t.Errorf("migrated story not searchable: %v", refs)
	}
	if l, _ := s.MemberList(ctx, "11", "22"); len(l) != 1 || l[0].Title != "Legacy Tale" {
		t.Errorf("migrated list: %+v", l)
	}
	// New stories continue the sequence.
	if r, err := s.AddStory(ctx, "11", &fic.Story{Title: "New"}, nil, "22", false, time.Time{}); err != nil || r.ID != "4" {
		t.Errorf("add after migration: %v, %v", r.ID, err)
	}
}

func TestMigration3DerivesFacets(t *testing.T) {
	db, path := rawDB(t)
	if err := migrate(db, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	// A version-2 file: documents, heads and counts, no facets.
	err := db.Update(func(tx *bbolt.Tx) error {
		g := &guildTx{tx: tx, guild: 12}
		for i, st := range []fic.Story{
			{Title: "Élan", Fandoms: []string{"Les Misérables"}, Tags: []string{"Angst"}, Rating: fic.RatingTeen, Words: 50},
			{Title: "Other", Fandoms: []string{"Good Omens"}, Relationships: []string{"Aziraphale/Crowley"}, Rating: fic.RatingGeneral, Words: 10},
		} {
			doc := storyDoc{Story: st, AddedBy: 9, AddedAt: int64(i)}
			v, _ := json.Marshal(doc)
			id, _ := g.bucket(bStories).NextSequence()
			g.bucket(bStories).Put(u64(id), v)
			g.bucket(bHeads).Put(u64(id), doc.head().encode())
			g.bucket(bCounts).Put(u64(id), counts{}.encode())
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(2))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, migrations[:3]); err != nil {
		t.Fatal(err)
	}
	if v := version(t, db); v != 3 {
		t.Errorf("version = %d, want 3", v)
	}
	db.Close()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		q    shelf.ListQuery
		want string
	}{
		{shelf.ListQuery{Fandom: "miserables"}, "Élan"},
		{shelf.ListQuery{Tag: "crowley"}, "Other"},
		{shelf.ListQuery{Rating: "teen"}, "Élan"},
		{shelf.ListQuery{Sort: shelf.SortTitle, Limit: 1}, "Élan"},
		{shelf.ListQuery{Sort: shelf.SortWords, Limit: 1}, "Élan"},
	}
	for _, tt := range tests {
		got, _, err := s.ListStories(ctx, "12", tt.q)
		if err != nil || len(got) != 1 || got[0].Story.Title != tt.want {
			t.Errorf("ListStories(%+v) = %v, %v; want %q", tt.q, got, err, tt.want)
		}
	}
}

func TestMigrateFailureLeavesVersion(t *testing.T) {
	db, _ := rawDB(t)
	boom := errors.New("boom")
	migs := []migration{
		migrations[0],
		{"fails halfway", func(tx *bbolt.Tx) error {
			if _, err := tx.CreateBucket([]byte("half")); err != nil {
				return err
			}
			return boom
		}},
	}
	if err := migrate(db, migs); !errors.Is(err, boom) {
		t.Fatalf("migrate = %v, want boom", err)
	}
	if v := version(t, db); v != 1 {
		t.Errorf("version = %d, want 1", v)
	}
	db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket([]byte("half")) != nil {
			t.Error("failed migration left a bucket behind")
		}
		return nil
	})
}

func TestOpenIsIdempotent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	for i := 0; i < 2; i++ {
		s, err := Open(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := s.SchemaVersion(); v != len(migrations) {
			t.Errorf("open %d: version %d", i, v)
		}
		s.Close()
	}
}

func TestCodecRejectsCorrupt(t *testing.T) {
	for _, b := range [][]byte{nil, {}, {9}, {codecV1}, {codecV1, 200}, {codecV1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}} {
		if _, err := decodeHead(b); err == nil {
			t.Errorf("decodeHead(%v) accepted", b)
		}
		if _, err := decodeChapter(b); err == nil {
			t.Errorf("decodeChapter(%v) accepted", b)
		}
		if _, err := decodeList(b); err == nil {
			t.Errorf("decodeList(%v) accepted", b)
		}
		if _, err := decodeFacets(b); err == nil {
			t.Errorf("decodeFacets(%v) accepted", b)
		}
	}
	h := head{title: "T", authors: []string{"a", "b"}, chaptersPosted: 3, chaptersExpected: 5, words: 9, rating: "Mature", addedBy: 7, added: -3}
	got, err := decodeHead(h.encode())
	if err != nil || got.title != h.title || len(got.authors) != 2 || got.added != -3 || got.addedBy != 7 {
		t.Errorf("head round trip = %+v, %v", got, err)
	}
}

func FuzzDecoders(f *testing.F) {
	f.Add(head{title: "x", authors: []string{"y"}}.encode())
	f.Add(chapterRec{text: "t", sentences: []byte{1}}.encode())
	f.Add(listRec{status: "reading", note: "n"}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		decodeHead(b)
		decodeChapter(b)
		decodeList(b)
		decodeCounts(b)
		decodeFacets(b)
	})
}

func TestMigration4DerivesIndexes(t *testing.T) {
	db, path := rawDB(t)
	if err := migrate(db, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	// A version-3 file: documents, heads, counts, facets and kudos, none
	// of the derived buckets of derived.go.
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	err := db.Update(func(tx *bbolt.Tx) error {
		g := &guildTx{tx: tx, guild: 12}
		for i, st := range []fic.Story{
			{Title: "Élan", Fandoms: []string{"Les Misérables"}, Tags: []string{"Angst"}, Rating: fic.RatingTeen, Words: 50},
			{Title: "Other", Fandoms: []string{"Good Omens"}, Relationships: []string{"Aziraphale/Crowley"}, Rating: fic.RatingGeneral, Words: 10},
			{Title: "Third", Fandoms: []string{"Good Omens"}, Rating: fic.RatingGeneral, Words: 30},
		} {
			doc := storyDoc{Story: st, AddedBy: 9, AddedAt: t0.Add(time.Duration(i) * time.Hour).UnixNano()}
			v, _ := json.Marshal(doc)
			id, _ := g.bucket(bStories).NextSequence()
			g.bucket(bStories).Put(u64(id), v)
			g.bucket(bHeads).Put(u64(id), doc.head().encode())
			g.bucket(bFacets).Put(u64(id), doc.facets().encode())
		}
		// Story 2: two kudos long ago; story 3: one this week.
		for _, k := range []struct {
			story, user uint64
			at          time.Time
		}{{2, 50, t0.Add(-60 * 24 * time.Hour)}, {2, 51, t0.Add(-50 * 24 * time.Hour)}, {3, 50, t0.Add(24 * time.Hour)}} {
			ts := k.at.UnixNano()
			g.bucket(bKudos).Put(key(k.story, k.user), i64(ts))
			g.bucket(bKudosByUser).Put(key(k.user, k.story), i64(ts))
			g.bucket(bKudosByTime).Put(key(uint64(ts), k.story, k.user), nil)
		}
		g.bucket(bCounts).Put(u64(1), counts{}.encode())
		g.bucket(bCounts).Put(u64(2), counts{kudos: 2}.encode())
		g.bucket(bCounts).Put(u64(3), counts{kudos: 1}.encode())
		return tx.Bucket(bucketMeta).Put(keyVersion, u64(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	// Re-running the step rebuilds rather than adds.
	s := migrateTwiceThenOpen(t, db, path, 4, migrateDeriveIndexes)
	lists := []struct {
		q     shelf.ListQuery
		want  []string
		total int
	}{
		{shelf.ListQuery{}, []string{"Third", "Other", "Élan"}, 3},
		{shelf.ListQuery{Fandom: "omens", Sort: shelf.SortKudos}, []string{"Other", "Third"}, 2},
		{shelf.ListQuery{Tag: "crowley"}, []string{"Other"}, 1},
		{shelf.ListQuery{Rating: "general", Sort: shelf.SortWords}, []string{"Third", "Other"}, 2},
		{shelf.ListQuery{Sort: shelf.SortTitle, Offset: 1}, []string{"Other", "Third"}, 3},
	}
	for _, tt := range lists {
		page, total, err := s.ListStories(ctx, "12", tt.q)
		var got []string
		for _, r := range page {
			got = append(got, r.Story.Title)
		}
		if err != nil || total != tt.total || !slices.Equal(got, tt.want) {
			t.Errorf("ListStories(%+v) = %v (total %d), %v; want %v (total %d)", tt.q, got, total, err, tt.want, tt.total)
		}
	}
	tops := []struct {
		p    shelf.Period
		want []string
	}{
		{shelf.PeriodAll, []string{"Other:2", "Third:1"}},
		{shelf.PeriodWeek, []string{"Third:1"}},
		{shelf.PeriodMonth, []string{"Third:1"}},
	}
	for _, tt := range tops {
		top, err := s.TopKudos(ctx, "12", tt.p, t0.Add(2*24*time.Hour), 0)
		var got []string
		for _, r := range top {
			got = append(got, fmt.Sprintf("%s:%d", r.Story.Title, r.Count))
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("TopKudos(%v) = %v, %v; want %v", tt.p, got, err, tt.want)
		}
	}
}

func TestMigration5IndexesToldJobs(t *testing.T) {
	db, path := rawDB(t)
	if err := migrate(db, migrations[:4]); err != nil {
		t.Fatal(err)
	}
	// A version-4 file: jobs as they were written, told ones with their
	// token and file address, and no told index.
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	file := &shelf.UploadFile{URL: "https://cdn.example/f.txt?ex=1", Filename: "f.txt"}
	err := db.Update(func(tx *bbolt.Tx) error {
		g := &guildTx{tx: tx, guild: 12}
		raw := func(name []byte, id uint64, j any) {
			v, _ := json.Marshal(j)
			g.bucket(name).Put(u64(id), v)
		}
		raw(uploadJobs.heads, 1, shelf.UploadJob{ID: "1", GuildID: "12", UserID: "9", State: shelf.ImportDone, Cursor: 1, Notified: true,
			File: file, Token: "tok", Finished: t0})
		raw(uploadJobs.heads, 2, shelf.UploadJob{ID: "2", GuildID: "12", UserID: "9", State: shelf.ImportRunning, File: file, Token: "tok2"})
		rb, _ := tx.CreateBucketIfNotExists(uploadJobs.running)
		rb.Put(key(12, 2), nil)
		raw(importJobs.heads, 1, shelf.ImportJob{ID: "1", GuildID: "12", UserID: "9", State: shelf.ImportDone, Notified: true, Token: "tok", Finished: t0})
		raw(importJobs.heads, 2, shelf.ImportJob{ID: "2", GuildID: "12", UserID: "9", State: shelf.ImportDone, Token: "tok", Finished: t0})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := migrateTwiceThenOpen(t, db, path, 5, migrateIndexTold) // re-running changes nothing more
	if j, err := s.UploadJob(ctx, "12", "1"); err != nil || j.Token != "" || j.File == nil || j.File.URL != "" || j.File.Filename != "f.txt" {
		t.Errorf("told upload after the migration: %+v %v", j, err)
	}
	if j, err := s.UploadJob(ctx, "12", "2"); err != nil || j.Token != "tok2" || j.File.URL == "" {
		t.Errorf("running upload after the migration: %+v %v", j, err)
	}
	if j, err := s.ImportJob(ctx, "12", "1"); err != nil || j.Token != "" {
		t.Errorf("told import after the migration: %+v %v", j, err)
	}
	if n, err := s.PruneJobs(ctx, t0.Add(time.Hour), 10); err != nil || n != 2 {
		t.Errorf("prune after the migration: %d %v, want the 2 told jobs", n, err)
	}
	for _, read := range []func() error{
		func() error { _, err := s.UploadJob(ctx, "12", "2"); return err },
		func() error { _, err := s.ImportJob(ctx, "12", "2"); return err },
	} {
		if err := read(); err != nil {
			t.Errorf("a job not told was pruned: %v", err)
		}
	}
}

func TestMigration6IndexesAbandonedImports(t *testing.T) {
	db, path := rawDB(t)
	if err := migrate(db, migrations[:5]); err != nil {
		t.Fatal(err)
	}
	// A version-5 file: imports previewed (one with its works) and
	// cancelled (with no cancellation time) in no index, one running.
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	job := func(id string, state shelf.ImportState, created time.Time) shelf.ImportJob {
		return shelf.ImportJob{ID: id, GuildID: "12", UserID: "9", State: state, Total: 1, Created: created}
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		g := &guildTx{tx: tx, guild: 12}
		raw := func(id uint64, j shelf.ImportJob) {
			v, _ := json.Marshal(j)
			g.bucket(importJobs.heads).Put(u64(id), v)
		}
		raw(1, job("1", shelf.ImportPreview, t0))
		g.bucket(importJobs.works).Put(key(1, 0), []byte(`{"title":"W"}`))
		raw(2, job("2", shelf.ImportCancelled, t0))
		raw(3, job("3", shelf.ImportRunning, t0))
		rb, _ := tx.CreateBucketIfNotExists(importJobs.running)
		rb.Put(key(12, 3), nil)
		raw(4, job("4", shelf.ImportPreview, t0.Add(2*time.Hour)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := migrateTwiceThenOpen(t, db, path, 6, migrateIndexAbandonedImports) // re-running changes nothing more
	if n, err := s.PruneJobs(ctx, t0.Add(time.Hour), 10); err != nil || n != 2 {
		t.Fatalf("prune after the migration: %d %v, want the preview and the cancelled import", n, err)
	}
	for id, gone := range map[string]bool{"1": true, "2": true, "3": false, "4": false} {
		if _, err := s.ImportJob(ctx, "12", id); gone != errors.Is(err, shelf.ErrNotFound) {
			t.Errorf("import %s after the prune (gone %v): %v", id, gone, err)
		}
	}
	if w, err := s.ImportWorks(ctx, "12", "1", 0, 10); err != nil || len(w) != 0 {
		t.Errorf("the pruned preview's works: %v %v", w, err)
	}
	if refs, err := s.RunningImportJobs(ctx); err != nil || len(refs) != 1 || refs[0].ID != "3" {
		t.Errorf("running imports: %v %v", refs, err)
	}
}
