package commands

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/fic/ao3test"
	"ficshelf/jobs"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

// runSeriesJobs runs the runner until every series job is done and told.
func runSeriesJobs(t *testing.T, st shelf.Store, run *jobs.JobRunner) {
	t.Helper()
	runJobs(t, run, st.RunningSeriesJobs, "series jobs", 15*time.Second)
}

func seriesAO3(t *testing.T) (*ao3test.Server, *fic.AO3Client) {
	t.Helper()
	srv := ao3test.New(t)
	ao3, err := fic.NewAO3Client(srv.URL, srv.Client(), "")
	if err != nil {
		t.Fatal(err)
	}
	return srv, ao3
}

func seriesWork(srv *ao3test.Server, id int64, title string, st ao3test.State) {
	srv.AddWork(ao3test.Work{ID: id, Title: title, Authors: []string{"quill"}, Rating: "Teen And Up Audiences",
		Fandoms: []string{"Folded"}, Summary: "About " + title, Posted: 2, Expected: 3, Words: 1200, State: st})
}

func seriesSlash(user, link string, opts ...*discordgo.ApplicationCommandInteractionDataOption) *discordgo.Interaction {
	i := slash(user, "story", "add", append([]*discordgo.ApplicationCommandInteractionDataOption{strOpt("link", link)}, opts...)...)
	i.Token = "tok-series"
	return i
}

// A series over three pages: the parts the library lacks are added from
// the listing (no work page read), the one it has is linked, a Mystery
// Work and a part hidden from visitors are said; the same link again adds
// nothing.
func TestStoryAddSeriesLink(t *testing.T) {
	st := storetest.Open(t)
	srv, ao3 := seriesAO3(t)
	for i, state := range []ao3test.State{ao3test.Public, ao3test.Public, ao3test.Public, ao3test.Unrevealed, ao3test.Restricted, ao3test.Public} {
		seriesWork(srv, int64(1001+i), fmt.Sprintf("Fold %d", i+1), state)
	}
	sid := srv.AddSeries("Folded Things", 1001, 1002, 1003, 1004, 1005, 1006)
	srv.SetSeriesPageSize(2)
	had := storetest.Work("Fold 2 (ours)", 2, 3, 1002)
	had.SeriesRefs = []fic.SeriesRef{{ID: 5, Title: "Another", Part: 7}}
	two := storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, had)

	d := &importDiscord{}
	deps := Deps{Store: st, Discord: d, AO3: ao3}
	woken := 0
	deps.ImportsChanged = func() { woken++ }
	r := New(deps)
	resp := handle(t, r, seriesSlash(importUser, srv.SeriesURL(sid)))
	if resp.Data.Flags&discordgo.MessageFlagsEphemeral != 0 || len(resp.Data.Embeds) != 1 || woken != 1 {
		t.Fatalf("answer: %+v (woken %d)", resp.Data, woken)
	}
	if e := resp.Data.Embeds[0]; !strings.HasPrefix(e.Title, "Adding the series Folded Things") ||
		!strings.Contains(e.Description, "▱▱▱ 0/2 works listed so far (page 1 of 3 read)") {
		t.Errorf("progress: %q\n%s", e.Title, e.Description)
	}
	if !strings.Contains(resp.Data.Content, "is adding the AO3 series **Folded Things**") || len(resp.Data.AllowedMentions.Parse) != 0 {
		t.Errorf("content %q", resp.Data.Content)
	}
	runSeriesJobs(t, st, newImportRunner(deps, time.Millisecond))

	for k, id := range map[int]int64{1: 1001, 3: 1003, 6: 1006} {
		rec, err := st.StoryByAO3(context.Background(), testGuild, id)
		if err != nil || rec.AddedBy != importUser || rec.Story.Title != fmt.Sprintf("Fold %d", k) || rec.Story.Summary == "" ||
			rec.Story.ChapterCount() != "2/3" || !reflect.DeepEqual(rec.Story.SeriesRefs, []fic.SeriesRef{{ID: sid, Title: "Folded Things", Part: k}}) {
			t.Errorf("part %d: %+v %v", k, rec.Story, err)
		}
	}
	rec, _ := st.Story(context.Background(), testGuild, two.ID)
	if rec.Story.Title != "Fold 2 (ours)" || !reflect.DeepEqual(rec.Story.SeriesRefs, []fic.SeriesRef{{ID: 5, Title: "Another", Part: 7}, {ID: sid, Title: "Folded Things", Part: 2}}) {
		t.Errorf("linked: %+v", rec.Story)
	}
	for _, id := range []int64{1004, 1005} {
		if _, err := st.StoryByAO3(context.Background(), testGuild, id); err == nil {
			t.Errorf("AO3 work %d added", id)
		}
	}
	if n := len(srv.Requests()); n != 3 || srv.Count("/series/"+fmt.Sprint(sid)) != 3 {
		t.Errorf("AO3 requests: %+v", srv.Requests())
	}
	last := d.lastEdit()
	if last == nil || len(*last.Embeds) != 1 {
		t.Fatalf("last edit %+v", last)
	}
	final := (*last.Embeds)[0]
	for _, want := range []string{"▰▰▰▰▰▰▰▰▰▰ 5/5 works", "Added 3 · already there 1 · unrevealed 1",
		"**Added** (3): Part 1 · Fold 1 · Part 3 · Fold 3 · Part 6 · Fold 6",
		"**Already there, now linked to the series** (1): Part 2 · Fold 2",
		"Part 4: Mystery Works", "Part 5: AO3 doesn't show them to visitors", fmt.Sprintf("/story list series:%d", sid)} {
		if !strings.Contains(final.Description, want) {
			t.Errorf("final answer lacks %q:\n%s", want, final.Description)
		}
	}
	if final.Title != "Series added: Folded Things" || *last.Content != resp.Data.Content {
		t.Errorf("final %q, content %q", final.Title, *last.Content)
	}
	if _, total, _ := st.ListStories(context.Background(), testGuild, shelf.ListQuery{Limit: 100}); total != 4 {
		t.Fatalf("library: %d stories", total)
	}

	// Again: nothing new, everything already there.
	d2 := &importDiscord{}
	deps.Discord = d2
	handle(t, New(deps), seriesSlash(importUser, srv.SeriesURL(sid)))
	runSeriesJobs(t, st, newImportRunner(deps, time.Millisecond))
	if _, total, _ := st.ListStories(context.Background(), testGuild, shelf.ListQuery{Limit: 100}); total != 4 {
		t.Fatalf("library after the second run: %d stories", total)
	}
	if e := d2.lastEdit(); e == nil || !strings.Contains((*e.Embeds)[0].Description, "Added 0 · already there 4 · unrevealed 1") {
		t.Fatalf("second run: %+v", e)
	}
}

func TestStoryAddSeriesLinkRefusals(t *testing.T) {
	st := storetest.Open(t)
	srv, ao3 := seriesAO3(t)
	seriesWork(srv, 2001, "Hidden", ao3test.Public)
	hidden := srv.AddSeries("Hidden", 2001)
	srv.SetSeriesHidden(hidden, true)
	r := New(Deps{Store: st, Discord: &importDiscord{}, AO3: ao3})
	for _, c := range []struct {
		link, want string
	}{
		{srv.SeriesURL(99999), "AO3 has no series at that link"},
		{srv.SeriesURL(hidden), "administrators have hidden it"},
	} {
		resp := handle(t, r, seriesSlash(importUser, c.link))
		if resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 || !strings.Contains(resp.Data.Content, c.want) {
			t.Errorf("%s: %q", c.link, resp.Data.Content)
		}
	}
	i := seriesSlash(importUser, srv.SeriesURL(hidden), &discordgo.ApplicationCommandInteractionDataOption{Name: "file", Type: discordgo.ApplicationCommandOptionAttachment, Value: "55"})
	data := i.Data.(discordgo.ApplicationCommandInteractionData)
	data.Resolved = &discordgo.ApplicationCommandInteractionDataResolved{Attachments: map[string]*discordgo.MessageAttachment{
		"55": {ID: "55", URL: "https://cdn.discordapp.com/attachments/1/2/s.html", Filename: "s.html", Size: 100},
	}}
	i.Data = data
	if resp := handle(t, r, i); !strings.Contains(resp.Data.Content, "can't go with a file") {
		t.Errorf("with a file: %q", resp.Data.Content)
	}
	opts := seriesSlash(importUser, srv.SeriesURL(hidden), strOpt("title", "Mine"), &discordgo.ApplicationCommandInteractionDataOption{Name: "mine", Type: discordgo.ApplicationCommandOptionBoolean, Value: true})
	if resp := handle(t, r, opts); !strings.Contains(resp.Data.Content, "takes no `title`, `mine`") || resp.Data.Flags&discordgo.MessageFlagsEphemeral == 0 {
		t.Errorf("with options: %q", resp.Data.Content)
	}
	if refs, _ := st.RunningSeriesJobs(context.Background()); len(refs) != 0 {
		t.Errorf("jobs: %+v", refs)
	}
}

// A listing that lacks a work's chapters has the work's own page read;
// a work the library has is not read.
func TestSeriesJobReadsAWorkPageOnlyWhenTheListingLacksSomething(t *testing.T) {
	st := storetest.Open(t)
	srv, ao3 := seriesAO3(t)
	seriesWork(srv, 3001, "Full Page", ao3test.Public)
	seriesWork(srv, 3002, "Had", ao3test.Public)
	storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Had", 1, 1, 3002))
	sparse := func(id int64, title string) *fic.Story {
		return &fic.Story{Title: title, AO3ID: id, Rating: fic.RatingTeen} // no chapters: not a full blurb
	}
	_, err := st.CreateSeriesJob(context.Background(), testGuild, shelf.SeriesJob{UserID: importUser, SeriesID: 9, SeriesTitle: "Sparse",
		Works: []shelf.SeriesJobWork{{Part: 1, Story: sparse(3001, "Full Page")}, {Part: 2, Story: sparse(3002, "Had")}}, Pages: 1, Listed: true})
	if err != nil {
		t.Fatal(err)
	}
	runSeriesJobs(t, st, newImportRunner(Deps{Store: st, Discord: &importDiscord{}, AO3: ao3}, time.Millisecond))
	if srv.Count("/works/3001") != 1 || srv.Count("/works/3002") != 0 {
		t.Errorf("work pages read: %+v", srv.Requests())
	}
	rec, err := st.StoryByAO3(context.Background(), testGuild, 3001)
	if err != nil || rec.Story.ChapterCount() != "2/3" || rec.Story.Summary != "About Full Page" ||
		!reflect.DeepEqual(rec.Story.SeriesRefs, []fic.SeriesRef{{ID: 9, Title: "Sparse", Part: 1}}) {
		t.Errorf("added from its page: %+v %v", rec.Story, err)
	}
}

func TestCardShowsEverySeries(t *testing.T) {
	rec := shelf.StoryRecord{ID: "3", Story: fic.Story{Title: "T", SeriesRefs: []fic.SeriesRef{
		{ID: 1, Title: "Folded *Things*", Part: 3}, {ID: 2, Title: "Other", Part: 1}}}}
	var got string
	for _, f := range storyCard(rec, cardOptions{}).Fields {
		if f.Name == "Series" {
			got = f.Value
		}
	}
	if !strings.Contains(got, `Part 3 of Folded \*Things\*`) || !strings.Contains(got, "Part 1 of Other") {
		t.Errorf("series field %q", got)
	}
	// A download names its series by wording only.
	rec.Story.SeriesRefs, rec.Story.Series = nil, []string{"Part 2 of Old Wording"}
	if labels := seriesLabels(rec.Story); !reflect.DeepEqual(labels, []string{"Part 2 of Old Wording"}) {
		t.Errorf("labels %q", labels)
	}
}

func TestStoryListSeriesFilter(t *testing.T) {
	st := storetest.Open(t)
	for i := 1; i <= 12; i++ {
		w := storetest.Work(fmt.Sprintf("Part %02d", i), 1, 1, int64(4000+i))
		w.SeriesRefs = []fic.SeriesRef{{ID: 77, Title: "Pokémon Journeys", Part: i}}
		storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, w)
	}
	storetest.AddAt(t, st, testGuild, "7", false, time.Time{}, storetest.Work("Standalone", 1, 1, 4999))
	_, ao3 := seriesAO3(t)
	r := New(Deps{Store: st, Discord: &importDiscord{}, AO3: ao3})
	for _, q := range []string{"pokemon", "77", "https://archiveofourown.org/series/77"} {
		resp := handle(t, r, slash(importUser, "story", "list", strOpt("series", q)))
		if len(resp.Data.Embeds) != 1 {
			t.Fatalf("%q: %+v", q, resp.Data)
		}
		e := resp.Data.Embeds[0]
		if strings.Contains(e.Description, "Standalone") || !strings.Contains(e.Footer.Text, "12 stories") || !strings.Contains(e.Description, "series “") {
			t.Errorf("%q: %s / %s", q, e.Description, e.Footer.Text)
		}
		ids := (&discordtestMessage{resp.Data.Components}).customIDs()
		if len(ids) != 2 {
			t.Fatalf("%q: buttons %v", q, ids)
		}
		next := handle(t, r, click(importUser, "800000000000000001", ids[1]))
		if d := next.Data.Embeds[0]; !strings.Contains(d.Footer.Text, "Page 2 of 2 · 12 stories") || strings.Contains(d.Description, "Standalone") {
			t.Errorf("%q page 2: %s / %s", q, d.Description, d.Footer.Text)
		}
	}
	if resp := handle(t, r, slash(importUser, "story", "list", strOpt("series", "no such series"))); !strings.Contains(resp.Data.Content, "No stories") {
		t.Errorf("no match: %q", resp.Data.Content)
	}
}

func TestListCustomIDWithSeries(t *testing.T) {
	for _, q := range []listQuery{
		{Page: 2, Sort: shelf.SortTitle, Series: "Folded: Things 100%"},
		{Page: 0, Sort: shelf.SortNewest, Fandom: "F", Series: "12345"},
	} {
		_, args := splitCustomID(q.customID())
		if got, ok := parseListArgs(args); !ok || got != q {
			t.Errorf("%+v → %+v %v", q, got, ok)
		}
	}
	// A series ID is never shortened to fit; a title may be.
	q := listQuery{Sort: shelf.SortTitle, Fandom: strings.Repeat("f", 100), Tag: strings.Repeat("t", 100), Series: "1234567890123"}
	q.fit()
	if q.Series != "1234567890123" || len(q.customID()) > maxCustomID {
		t.Errorf("fit: %+v", q)
	}
	q = listQuery{Sort: shelf.SortTitle, Series: strings.Repeat("s", 100)}
	q.fit()
	if len(q.Series) >= 100 || len(q.customID()) > maxCustomID {
		t.Errorf("fit title: %+v", q)
	}
}

// Past the answer's token the member is told by DM, or with DMs closed in
// the channel mentioning them.
func TestSeriesJobTellsTheMemberWhenTheTokenExpired(t *testing.T) {
	for _, closed := range []bool{false, true} {
		st := storetest.Open(t)
		_, ao3 := seriesAO3(t)
		_, err := st.CreateSeriesJob(context.Background(), testGuild, shelf.SeriesJob{UserID: importUser, ChannelID: "800000000000000001",
			SeriesID: 9, SeriesTitle: "Late", AppID: "900", Token: "tok", TokenAt: time.Now(),
			Works: []shelf.SeriesJobWork{{Part: 1, Story: storetest.Work("Late One", 1, 1, 5001)}}, Pages: 1, Listed: true})
		if err != nil {
			t.Fatal(err)
		}
		d := &importDiscord{dmsClosed: closed, editErr: &discordgo.RESTError{Response: &http.Response{StatusCode: 401}, Message: &discordgo.APIErrorMessage{Code: 50027}}}
		runSeriesJobs(t, st, newImportRunner(Deps{Store: st, Discord: d, AO3: ao3}, time.Millisecond))
		if !closed {
			if len(d.dms) != 1 || d.dms[0].Embeds[0].Title != "Series added: Late" || !strings.Contains(d.dms[0].Embeds[0].Description, "Added 1") {
				t.Fatalf("DMs %+v", d.dms)
			}
			continue
		}
		if len(d.Posted) != 1 || !strings.Contains(d.Posted[0].Content, "<@"+importUser+">, the series you added") || !strings.HasPrefix(d.Sends[0], "ser") {
			t.Fatalf("channel messages %+v", d.Posted)
		}
	}
}
