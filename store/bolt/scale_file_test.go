package bolt

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// A large file for measuring start-up (issue 17; BENCHMARKS.md "Big
// servers on BoltDB"). Both tests skip unless -scalefile is given:
//
//	go test ./store/bolt -run TestScaleFileGenerate -args -scalefile /tmp/x.db [-scalestories 100000 -scaleguilds 1000]
//	go test ./store/bolt -run TestScaleFileOpen -v -args -scalefile /tmp/x.db [-scalenofreelist] [-scalecommits 300]
//
// TestScaleFileOpen reports the time until the store answers (Open, then a
// search, a title miss and a story list in one guild; nothing written),
// the resident memory then, and the latency of sequential kudos commits
// (-scalecommits 0: none). Opening with -scalenofreelist and committing
// leaves the file without a freelist: use a copy for each mode. The file
// is not committed to the repository.
var (
	scaleFile       = flag.String("scalefile", "", "path of the scale file (TestScaleFile*)")
	scaleStories    = flag.Int("scalestories", 100000, "stories in the generated scale file")
	scaleGuilds     = flag.Int("scaleguilds", 1000, "guilds in the generated scale file")
	scaleNoFreelist = flag.Bool("scalenofreelist", false, "open the scale file without a synced freelist (the former default)")
	scaleEager      = flag.Bool("scaleeager", false, "build every guild's autocomplete index at open (as Open did before issue 17)")
	scaleCommits    = flag.Int("scalecommits", 300, "sequential kudos commits timed after opening the scale file")
)

func TestScaleFileGenerate(t *testing.T) {
	if *scaleFile == "" {
		t.Skip("no -scalefile")
	}
	s, err := Open(*scaleFile, Options{noFreelistSync: *scaleNoFreelist})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(100, 17))
	word := func() string { return benchWords[rng.IntN(len(benchWords))] }
	perGuild := *scaleStories / *scaleGuilds
	text := strings.Repeat("The river ran on under the old stone bridge, and nobody saw. ", 300) // ~18 KB
	for gi := 0; gi < *scaleGuilds; gi++ {
		guild := fmt.Sprint(900_000_000_000_000_000 + gi)
		err := s.update(ctx, guild, func(g *guildTx) error {
			for i := 0; i < perGuild; i++ {
				st := &fic.Story{Title: strings.ToUpper(word()[:1]) + word()[1:] + " " + word() + " " + word(),
					Authors: []string{benchNames[rng.IntN(len(benchNames))]}, Rating: fic.RatingGeneral,
					Fandoms: []string{scaleValue("Fandom", rng.IntN(300))}, Tags: []string{scaleValue("Tag", rng.IntN(500))},
					Summary: strings.Repeat("A summary sentence. ", 10)}
				doc, recs, err := prepare(st, []shelf.NewChapter{{Chapter: fic.Chapter{Title: "One", Text: text}}})
				if err != nil {
					return err
				}
				doc.AddedBy, doc.AddedAt = 42, time.Now().Add(-time.Duration(i)*time.Hour).UnixNano()
				id, _ := g.bucket(bStories).NextSequence()
				if err := writeStory(g, id, &doc, recs, counts{}); err != nil {
					return err
				}
				for k := range rng.IntN(4) {
					err := loadKudo(g, &shelf.KudoItem{StoryID: fmt.Sprint(id), UserID: fmt.Sprint(1_000_000 + k),
						At: time.Now().Add(-time.Duration(rng.IntN(30*24)) * time.Hour)})
					if err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if fi, err := os.Stat(*scaleFile); err == nil {
		t.Logf("%s: %d stories in %d guilds, %d MiB", *scaleFile, perGuild**scaleGuilds, *scaleGuilds, fi.Size()>>20)
	}
}

func TestScaleFileOpen(t *testing.T) {
	if *scaleFile == "" {
		t.Skip("no -scalefile")
	}
	start := time.Now()
	s, err := Open(*scaleFile, Options{noFreelistSync: *scaleNoFreelist})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if *scaleEager {
		err := s.db.View(func(tx *bbolt.Tx) error {
			return tx.Bucket(bucketGuilds).ForEachBucket(func(k []byte) error {
				s.idx.mu.Lock()
				defer s.idx.mu.Unlock()
				_, err := s.idx.loadGuild(s.db, readU64(k, 0))
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	opened := time.Since(start)
	guild := "900000000000000007"
	if refs, err := s.SearchStories(ctx, guild, "r", 5); err != nil || len(refs) == 0 {
		t.Fatalf("search: %v %v", refs, err)
	}
	if _, err := s.ResolveStory(ctx, guild, "zzyzx the unfound"); err == nil {
		t.Fatal("a miss resolved")
	}
	if _, _, err := s.ListStories(ctx, guild, shelf.ListQuery{Sort: shelf.SortKudos}); err != nil {
		t.Fatal(err)
	}
	ready := time.Since(start)
	rss := "?"
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmRSS:") {
				rss = strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
			}
		}
	}
	var durs []time.Duration
	for i := 0; i < *scaleCommits; i++ {
		st := fmt.Sprint(1 + i%100)
		t0 := time.Now()
		if _, err := s.GiveKudos(ctx, guild, st, fmt.Sprint(5_000_000+time.Now().UnixNano()%1_000_000_000+int64(i)), time.Time{}); err != nil {
			t.Fatal(err)
		}
		durs = append(durs, time.Since(t0))
	}
	slices.Sort(durs)
	pct := func(p float64) time.Duration {
		if len(durs) == 0 {
			return 0
		}
		return durs[min(len(durs)-1, int(float64(len(durs))*p))]
	}
	t.Logf("nofreelistsync=%v eager=%v open=%v ready=%v rss=%s commits=%d p50=%v p99=%v",
		*scaleNoFreelist, *scaleEager, opened.Round(time.Millisecond), ready.Round(time.Millisecond), rss, len(durs),
		pct(0.5).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond))
}
