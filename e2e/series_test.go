package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ficshelf/config"
	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/fic/ao3test"
	"ficshelf/shelf"
	"ficshelf/store"
)

// seriesGap spaces AO3 requests in these tests: the series' second page
// comes this long after the first, so the first page's works are in (and
// their progress edited in) before it.
const seriesGap = 5 * time.Second

// seriesOf25 puts a series of 25 works on the fake AO3 (AO3 lists 20 a
// page: two pages) and returns its ID and the works' IDs in series order.
func seriesOf25(ao3 *ao3test.Server) (int64, []int64) {
	var ids []int64
	for k := 1; k <= 25; k++ {
		id := int64(8000 + 26 - k) // AO3 IDs not in series order
		ao3.AddWork(ao3test.Work{ID: id, Title: fmt.Sprintf("Long Road, part %d", k), Authors: []string{"wayfarer"},
			Rating: "Teen And Up Audiences", Fandoms: []string{"Roads"}, Posted: 1, Expected: 1, Words: 1000 + k})
		ids = append(ids, id)
	}
	return ao3.AddSeries("The Long Road", ids...), ids
}

func startSeries(t *testing.T, db Option) (*Env, *ao3test.Server, int64, []int64) {
	ao3 := ao3test.New(t)
	sid, ids := seriesOf25(ao3)
	e := Start(t, db, WithAO3(ao3.URL), WithConfig(func(_ *Env, c *config.Config) { c.AO3RequestGap = seriesGap }))
	return e, ao3, sid, ids
}

func addSeries(e *Env, ao3 *ao3test.Server, sid int64) *discordtest.Answer {
	return e.Slash(e.General, e.Alice, "story", storySub("add", discordtest.String("link", ao3.SeriesURL(sid))))
}

// waitAnswer polls the answer until match, failing after 40 s.
func waitAnswer(t *testing.T, e *Env, id string, what string, match func(desc string) bool) string {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		if m := e.Srv.Message(id); m != nil && len(m.Embeds) == 1 {
			last = m.Embeds[0].Title + "\n" + m.Embeds[0].Description
			if match(last) {
				return last
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("answer never showed %s; last:\n%s", what, last)
	return ""
}

func seriesDone(desc string) bool { return strings.HasPrefix(desc, "Series added: ") }

// checkLibrary stops the bot and checks the library: every work once, in
// series order (story IDs rising with the parts), each as its part.
func checkLibrary(t *testing.T, e *Env, sid int64, ids []int64) {
	t.Helper()
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, total, err := st.ListStories(context.Background(), e.Guild.ID, shelf.ListQuery{Limit: 100})
	if err != nil || total != len(ids) || len(recs) != len(ids) {
		t.Fatalf("library has %d stories (%v)", total, err)
	}
	prev := int64(0)
	for k, id := range ids {
		rec, err := st.StoryByAO3(context.Background(), e.Guild.ID, id)
		if err != nil {
			t.Fatalf("part %d: %v", k+1, err)
		}
		n, _ := shelf.ParseID("story", rec.ID)
		if int64(n) <= prev {
			t.Errorf("part %d is story %s, after story %d: not in series order", k+1, rec.ID, prev)
		}
		prev = int64(n)
		want := fic.SeriesRef{ID: sid, Title: "The Long Road", Part: k + 1}
		if len(rec.Story.SeriesRefs) != 1 || rec.Story.SeriesRefs[0] != want || rec.Story.Title != fmt.Sprintf("Long Road, part %d", k+1) ||
			rec.AddedBy != e.Alice.User.ID || len(rec.Chapters) != 0 {
			t.Errorf("part %d: %+v by %s", k+1, rec.Story, rec.AddedBy)
		}
	}
}

// seriesRequests counts the fake AO3's requests for series pages and for
// work pages.
func seriesRequests(ao3 *ao3test.Server) (page1, page2, works int) {
	for _, r := range ao3.Requests() {
		switch {
		case strings.HasPrefix(r.Path, "/series/") && r.Query == "":
			page1++
		case strings.HasPrefix(r.Path, "/series/") && r.Query == "page=2":
			page2++
		case strings.HasPrefix(r.Path, "/works/"):
			works++
		}
	}
	return
}

// A series link of 25 works over two pages adds all 25 in series order,
// its answer showing the progress; adding it again adds nothing and says
// all 25 were there.
func TestSeriesLinkAddsEveryWorkWithProgress(t *testing.T) {
	forEachEngine(t, testSeriesLinkAddsEveryWorkWithProgress)
}

func testSeriesLinkAddsEveryWorkWithProgress(t *testing.T, db Option) {
	e, ao3, sid, ids := startSeries(t, db)
	ans := addSeries(e, ao3, sid)
	if ans.Ephemeral() || len(ans.Original.Embeds) != 1 || !strings.Contains(ans.Original.Embeds[0].Description, "0/20 works listed so far (page 1 of 2 read)") {
		t.Fatalf("first answer: %+v", ans.Original.Embeds)
	}
	if !strings.Contains(ans.Content(), "is adding the AO3 series **The Long Road**") {
		t.Errorf("content %q", ans.Content())
	}
	// While the second page waits for its turn at AO3, the first page's
	// works are in and the answer says so.
	mid := waitAnswer(t, e, ans.Original.ID, "the first page's works", func(d string) bool {
		return strings.Contains(d, "20/20 works listed so far") || seriesDone(d)
	})
	// The bar counts 40 works until the second page is read (two pages).
	if seriesDone(mid) || !strings.Contains(mid, "▰▰▰▰▰▱▱▱▱▱ 20/20") || !strings.Contains(mid, "Added 20 · already there 0") {
		t.Errorf("progress while it runs:\n%s", mid)
	}
	final := waitAnswer(t, e, ans.Original.ID, "the end", seriesDone)
	for _, want := range []string{"▰▰▰▰▰▰▰▰▰▰ 25/25 works", "Added 25 · already there 0", "**Added** (25): Part 1 · Long Road, part 1 · Part 2"} {
		if !strings.Contains(final, want) {
			t.Errorf("final answer lacks %q:\n%s", want, final)
		}
	}
	if p1, p2, works := seriesRequests(ao3); p1 != 1 || p2 != 1 || works != 0 {
		t.Errorf("AO3 requests: page 1 ×%d, page 2 ×%d, work pages ×%d", p1, p2, works)
	}
	if gap := ao3.MinGap(); gap < seriesGap-50*time.Millisecond {
		t.Errorf("AO3 requests %v apart", gap)
	}

	// Again: nothing added, everything there and linked.
	again := addSeries(e, ao3, sid)
	final = waitAnswer(t, e, again.Original.ID, "the end of the second run", seriesDone)
	if !strings.Contains(final, "Added 0 · already there 25") || !strings.Contains(final, "**Already there, now linked to the series** (25)") {
		t.Errorf("second run:\n%s", final)
	}
	if _, _, works := seriesRequests(ao3); works != 0 {
		t.Errorf("work pages read: %d", works)
	}
	checkLibrary(t, e, sid, ids)
}

// A restart after the first page's works are in resumes at the second
// page: no page, no work read twice, no work added twice.
func TestSeriesLinkSurvivesARestart(t *testing.T) { forEachEngine(t, testSeriesLinkSurvivesARestart) }

func testSeriesLinkSurvivesARestart(t *testing.T, db Option) {
	e, ao3, sid, ids := startSeries(t, db)
	ans := addSeries(e, ao3, sid)
	waitAnswer(t, e, ans.Original.ID, "the first page's works", func(d string) bool {
		return strings.Contains(d, "20/20 works listed so far")
	})
	if _, p2, _ := seriesRequests(ao3); p2 != 0 {
		t.Fatal("the second page was read before the restart")
	}
	e.Restart()
	final := waitAnswer(t, e, ans.Original.ID, "the end", seriesDone)
	if !strings.Contains(final, "25/25 works") || !strings.Contains(final, "Added 25 · already there 0") {
		t.Errorf("final answer:\n%s", final)
	}
	if p1, p2, works := seriesRequests(ao3); p1 != 1 || p2 != 1 || works != 0 {
		t.Errorf("AO3 requests: page 1 ×%d, page 2 ×%d, work pages ×%d", p1, p2, works)
	}
	checkLibrary(t, e, sid, ids)
}
