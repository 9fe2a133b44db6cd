package loadtest

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ficshelf/discordtest"
	"ficshelf/shelf"
	"ficshelf/store"
)

// smallBig is a world with a small big server, for the generator's tests.
var smallBig = WorldConfig{Guilds: 3, Members: 5, Stories: 12, BigStories: 40, BigKudos: 150, BigMembers: 10, BigListEntries: 3}

func openStore(t *testing.T, db string) shelf.Store {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestWorldBigServer checks that the seeded world holds what was asked:
// the big server last, with its stories, members, kudos (each in the week
// before the seeding) and reading-list entries, and the other servers'
// stories spread evenly.
func TestWorldBigServer(t *testing.T) {
	srv := discordtest.New(t)
	db := filepath.Join(t.TempDir(), "ficshelf.db")
	w := NewWorld(t, srv, db, smallBig)
	if w.Big == nil || w.Guilds[len(w.Guilds)-1] != w.Big || len(w.Guilds) != 4 {
		t.Fatalf("big server %v, servers %d: want the 4th and last", w.Big, len(w.Guilds))
	}
	if len(w.Big.Members) != 10 || len(w.Big.Stories) != 40 || w.Kudos != 150 || w.ListEntries != 30 {
		t.Errorf("big server: %d members, %d stories, %d kudos, %d list entries; want 10, 40, 150, 30",
			len(w.Big.Members), len(w.Big.Stories), w.Kudos, w.ListEntries)
	}
	st := openStore(t, db)
	counts, err := st.(shelf.Copier).Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range w.Guilds {
		want := map[string]int{"stories": 4}
		if g == w.Big {
			want = map[string]int{"stories": 40, "kudos": 150, "list_entries": 30}
		}
		for kind, n := range want {
			if got := counts[g.Guild.ID][kind]; got != n || len(g.Stories) != want["stories"] {
				t.Errorf("server %s: %d %s stored (%d in the world); want %d", g.Guild.Name, got, kind, len(g.Stories), n)
			}
		}
	}
	ctx := context.Background()
	kudos := 0
	for _, s := range w.Big.Stories {
		ks, err := st.Kudos(ctx, w.Big.Guild.ID, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if k.At.After(w.SeededAt) || k.At.Before(w.SeededAt.Add(-7*24*time.Hour)) {
				t.Errorf("kudos on %s at %v: not in the week before the seeding (%v)", s.ID, k.At, w.SeededAt)
			}
		}
		kudos += len(ks)
	}
	if kudos != 150 {
		t.Errorf("%d kudos read back; want 150", kudos)
	}
	top, err := st.TopKudos(ctx, w.Big.Guild.ID, shelf.PeriodWeek, time.Now(), 10)
	if err != nil || len(top) == 0 {
		t.Errorf("top kudos of the week: %v, %v; want the seeded kudos", top, err)
	}

	// The other servers are the same with or without a big server.
	srv2 := discordtest.New(t)
	plain := smallBig
	plain.BigStories = 0
	w2 := NewWorld(t, srv2, filepath.Join(t.TempDir(), "ficshelf.db"), plain)
	if w2.Big != nil || len(w2.Guilds) != 3 {
		t.Fatalf("without -bigstories: big %v, %d servers", w2.Big, len(w2.Guilds))
	}
	for i, g := range w2.Guilds {
		if g.Guild.ID != w.Guilds[i].Guild.ID || g.Stories[0].Title != w.Guilds[i].Stories[0].Title {
			t.Errorf("server %d differs with the big server: %s %q vs %s %q", i, g.Guild.ID, g.Stories[0].Title, w.Guilds[i].Guild.ID, w.Guilds[i].Stories[0].Title)
		}
	}

	bad := smallBig
	bad.BigKudos = 40 * 10
	if err := func() error { bad.defaults(); return bad.validate() }(); err == nil {
		t.Error("a big server with more kudos than half its stories × members: no error")
	}
}

// TestBuildAtBigServer checks BigShare and that an unknown title matches
// no story of its server.
func TestBuildAtBigServer(t *testing.T) {
	srv := discordtest.New(t)
	db := filepath.Join(t.TempDir(), "ficshelf.db")
	w := NewWorld(t, srv, db, smallBig)
	w.BigShare = 0.75
	st := openStore(t, db)
	rng := rand.New(rand.NewPCG(1, 2))
	big := 0
	const n = 400
	for range n {
		i, _ := w.Build(t, rng, UnknownTitle)
		if i.GuildID == w.Big.Guild.ID {
			big++
		}
		d := i.ApplicationCommandData()
		title := d.Options[0].Options[0].StringValue()
		_, err := st.ResolveStory(context.Background(), i.GuildID, title)
		var re *shelf.ResolveError
		if !errors.As(err, &re) || re.Ambiguous {
			t.Fatalf("unknown title %q at %s resolved: %v", title, i.GuildID, err)
		}
	}
	if big < n*65/100 || big > n*85/100 {
		t.Errorf("%d of %d interactions at the big server; want about 75 %%", big, n)
	}
}

// TestKeepDB checks -keepdb: a second run with the same parameters reuses
// the database (what was written into it between the runs is still
// there), one with other parameters, or past KeepMaxAge, seeds it anew.
func TestKeepDB(t *testing.T) {
	engines := []string{"bolt"}
	if os.Getenv("FICSHELF_TEST_POSTGRES") != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) { testKeepDB(t, engine) })
	}
}

func testKeepDB(t *testing.T, engine string) {
	dir := t.TempDir()
	cfg := smallBig
	if engine == "postgres" {
		db, name, err := keptDB(dir, engine)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := pgExec(os.Getenv("FICSHELF_TEST_POSTGRES"), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				t.Errorf("drop %s: %v", redact(db), err)
			}
		})
	}
	w1 := KeptWorld(t, discordtest.New(t), dir, engine, cfg)
	if w1.Reused {
		t.Fatal("first run: reused an empty directory")
	}
	// A mark written between the runs: kept only if the database is.
	mark := func(w *World) error {
		st := openStore(t, w.DB)
		defer st.Close()
		_, err := st.GiveKudos(context.Background(), w.Guilds[0].Guild.ID, w.Guilds[0].Stories[0].ID, w.Guilds[0].Members[0].User.ID, time.Now())
		return err
	}
	if err := mark(w1); err != nil {
		t.Fatal(err)
	}
	w2 := KeptWorld(t, discordtest.New(t), dir, engine, cfg)
	if !w2.Reused || w2.DB != w1.DB || !w2.SeededAt.Equal(w1.SeededAt) {
		t.Fatalf("same parameters: reused %v, db %s vs %s", w2.Reused, w2.DB, w1.DB)
	}
	if len(w2.Big.Stories) != 40 || w2.Big.Stories[7] != (Story{ID: w1.Big.Stories[7].ID, Title: w1.Big.Stories[7].Title, Adult: w1.Big.Stories[7].Adult,
		Chapters: w1.Big.Stories[7].Chapters, AddedBy: w1.Big.Stories[7].AddedBy, Card: w2.Big.Stories[7].Card}) || w2.Big.Stories[7].Card == nil {
		t.Errorf("reused world's stories differ: %+v vs %+v", w2.Big.Stories[7], w1.Big.Stories[7])
	}
	if err := mark(w2); !errors.Is(err, shelf.ErrAlreadyGiven) {
		t.Errorf("kudos given between the runs: %v; want it kept (ErrAlreadyGiven on giving it again)", err)
	}

	other := cfg
	other.BigKudos++
	w3 := KeptWorld(t, discordtest.New(t), dir, engine, other)
	if w3.Reused {
		t.Fatal("other parameters: reused")
	}
	if err := mark(w3); err != nil {
		t.Errorf("after seeding anew: %v; want the earlier kudos gone", err)
	}

	if m, why := readManifest(dir, engine, other, manifestDBName(t, dir, engine), time.Now()); m == nil {
		t.Errorf("fresh manifest not matched: %s", why)
	}
	if m, why := readManifest(dir, engine, other, manifestDBName(t, dir, engine), time.Now().Add(KeepMaxAge+time.Minute)); m != nil || !strings.Contains(why, "ago") {
		t.Errorf("a manifest older than KeepMaxAge: matched %v (%s)", m != nil, why)
	}
}

func manifestDBName(t *testing.T, dir, engine string) string {
	_, name, err := keptDB(dir, engine)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// TestClassReport checks the per-class breakdown of the report.
func TestClassReport(t *testing.T) {
	r := &Result{N: 4, Concurrency: 1, Elapsed: time.Second, Big: "9", Samples: []Sample{
		{Kind: KudosTop, Guild: "9", Latency: 30 * time.Millisecond},
		{Kind: KudosTop, Guild: "9", Latency: 10 * time.Millisecond},
		{Kind: KudosTop, Guild: "5", Latency: 2 * time.Millisecond},
		{Kind: StoryList, Guild: "5", Latency: 4 * time.Millisecond},
	}}
	r.Samples = append(r.Samples, Sample{Kind: KudosTop, Guild: "9", Latency: 3100 * time.Millisecond, Late: true})
	if got := r.Percentile(KudosTop, 99); got != 30*time.Millisecond {
		t.Errorf("kudos-top p99 of the answered %v; want 30ms", got)
	}
	if got := r.ClassPercentile(r.Class(KudosTop, true), 99); got != 3100*time.Millisecond {
		t.Errorf("big server's kudos-top p99 %v; want 3.1s, the late one", got)
	}
	if got := r.ClassPercentile(r.Class(KudosTop, true), 50); got != 30*time.Millisecond {
		t.Errorf("big server's kudos-top p50 %v; want 30ms", got)
	}
	if got := r.ClassPercentile(r.Class("", false), 99); got != 4*time.Millisecond {
		t.Errorf("other servers' p99 %v; want 4ms", got)
	}
	rep := r.Report()
	for _, want := range []string{"by server class", "kudos-top                   3     1      30ms      3.1s |      1     0       2ms       2ms"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
}
