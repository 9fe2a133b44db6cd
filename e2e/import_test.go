package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/fic/ao3test"
	"ficshelf/shelf"
)

// exportedEntry is what a round trip keeps of an exported entry.
type exportedEntry struct {
	Title   string   `json:"title"`
	Authors []string `json:"authors"`
	Status  string   `json:"status"`
	Chapter int      `json:"chapter"`
	Note    string   `json:"note"`
	AO3ID   int64    `json:"ao3_id"`
}

// exportList runs /readinglist export as who in ch and returns the file
// and its entries, sorted by title.
func exportList(t *testing.T, e *Env, ch *discordgo.Channel, who *discordgo.Member) ([]byte, []exportedEntry) {
	t.Helper()
	ans := e.Slash(ch, who, "readinglist", rl("export"))
	if len(ans.Original.Files) != 1 {
		t.Fatalf("export: %d files", len(ans.Original.Files))
	}
	data := ans.Original.Files[0].Data
	var doc struct {
		Format  string          `json:"format"`
		Entries []exportedEntry `json:"entries"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Format != "ficshelf-reading-list/1" {
		t.Fatalf("export %v: %s", err, data)
	}
	slices.SortFunc(doc.Entries, func(a, b exportedEntry) int { return strings.Compare(a.Title, b.Title) })
	return data, doc.Entries
}

// runImport uploads data as /readinglist import by who in ch, checks the
// preview with check, presses Import and waits for the answer to say the
// import finished; it returns the final embed's description.
func runImport(t *testing.T, e *Env, ch *discordgo.Channel, who *discordgo.Member, name string, data []byte, check func(preview string)) string {
	t.Helper()
	att := e.Srv.AddAttachment(name, "text/plain", data)
	ans := e.Slash(ch, who, "readinglist", rl("import", discordtest.Attach("file", att)))
	if !ans.Ephemeral() || ans.Original == nil || len(ans.Original.Embeds) != 1 {
		t.Fatalf("preview: %s", ans.Content())
	}
	check(ans.Original.Embeds[0].Description)
	ids := ans.Original.CustomIDs()
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "rl-imp:") {
		t.Fatalf("preview buttons %v", ids)
	}
	started := e.Click(who, ans.Original, ids[0])
	if started.Type != discordgo.InteractionResponseUpdateMessage {
		t.Fatalf("Import answered %d", started.Type)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m := e.Srv.Message(ans.Original.ID)
		if m != nil && len(m.Embeds) == 1 && m.Embeds[0].Title == "Import finished" {
			if len(m.Components) != 0 {
				t.Errorf("buttons left on the finished import: %v", m.CustomIDs())
			}
			return m.Embeds[0].Description
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("import did not finish; answer: %+v", e.Srv.Message(ans.Original.ID).Embeds)
	return ""
}

func TestReadingListImportRoundTrip(t *testing.T) { forEachEngine(t, testReadingListImportRoundTrip) }

func testReadingListImportRoundTrip(t *testing.T, db Option) {
	var a, b, c shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		a = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "From AO3", 4, 4, false, 111)
		b = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Uploaded File", 3, 0, false, 0)
		c = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Third One", 2, 2, false, 0)
		// The other server has the same stories, in another order (other IDs).
		seedWork(t, st, e.Other.ID, e.OtherMember.User.ID, "Third One", 2, 2, false, 0)
		seedWork(t, st, e.Other.ID, e.OtherMember.User.ID, "Uploaded File", 3, 0, false, 0)
		seedWork(t, st, e.Other.ID, e.OtherMember.User.ID, "From AO3 (retitled)", 4, 4, false, 111)
	}))
	say := func(opts ...discordtest.Opt) { e.Slash(e.General, e.Alice, "readinglist", opts...) }
	say(rl("add", discordtest.String("story", a.ID), discordtest.Int("chapter", 2), discordtest.String("note", "so good")))
	say(rl("add", discordtest.String("story", b.ID), discordtest.String("status", "on-hold"), discordtest.Int("chapter", 1)))
	say(rl("add", discordtest.String("story", c.ID), discordtest.Int("chapter", 2)))
	file, before := exportList(t, e, e.General, e.Alice)
	if len(before) != 3 || before[0].AO3ID != 111 || before[0].Title != "From AO3" {
		t.Fatalf("export %+v", before)
	}

	alice := e.Srv.AddUserToGuild(e.Other.ID, e.Alice.User.ID, 0)
	final := runImport(t, e, e.OtherGeneral, alice, "reading-list.json", file, func(p string) {
		for _, want := range []string{"a Ficshelf reading-list export: 3 works", "**To add** (3)"} {
			if !strings.Contains(p, want) {
				t.Errorf("preview lacks %q:\n%s", want, p)
			}
		}
	})
	if !strings.Contains(final, "Added 3 · updated 0") {
		t.Errorf("final answer:\n%s", final)
	}
	_, after := exportList(t, e, e.OtherGeneral, alice)
	// The AO3 work matched by its ID, though its title differs here.
	before[0].Title = "From AO3 (retitled)"
	slices.SortFunc(before, func(a, b exportedEntry) int { return strings.Compare(a.Title, b.Title) })
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("round trip:\nbefore %+v\nafter  %+v", before, after)
	}
	// The same file again changes nothing.
	att := e.Srv.AddAttachment("reading-list.json", "application/json", file)
	again := e.Slash(e.OtherGeneral, alice, "readinglist", rl("import", discordtest.Attach("file", att)))
	if len(again.Original.Embeds) != 1 || again.Original.Embeds[0].Title != "Nothing to import" || len(again.Original.CustomIDs()) != 0 {
		t.Fatalf("second import: %+v", again.Original.Embeds)
	}
	if _, twice := exportList(t, e, e.OtherGeneral, alice); fmt.Sprint(twice) != fmt.Sprint(after) {
		t.Fatalf("second import changed the list:\n%+v", twice)
	}
}

// bookmarkBlurb is one bookmark of a saved AO3 Bookmarks page, in AO3's
// markup, with the bookmarker's tags.
func bookmarkBlurb(id int64, title, author string, tags ...string) string {
	var tagItems string
	for _, tg := range tags {
		tagItems += `<li><a class="tag" href="/tags/x/bookmarks">` + tg + `</a></li>`
	}
	return fmt.Sprintf(`<li id="bookmark_%d" class="bookmark blurb group work-%d user-1" role="article">
  <div class="header module">
    <h4 class="heading"><a href="/works/%d">%s</a> by <a rel="author" href="/users/%s/pseuds/%s">%s</a></h4>
    <h5 class="fandoms heading"><span class="landmark">Fandoms:</span> <a class="tag" href="/tags/F/works">Original Work</a></h5>
  </div>
  <div class="own user module group">
    <h5 class="byline heading">Bookmarked by <a href="/users/reader/pseuds/reader/bookmarks">reader</a></h5>
    <h6 class="meta heading">Bookmarker's Tags:</h6><ul class="meta tags commas">%s</ul>
  </div>
</li>`, id, id, id, title, author, author, author, tagItems)
}

func TestReadingListImportAO3BookmarksAddsMissingWorkByLink(t *testing.T) {
	forEachEngine(t, testReadingListImportAO3BookmarksAddsMissingWorkByLink)
}

func testReadingListImportAO3BookmarksAddsMissingWorkByLink(t *testing.T, db Option) {
	ao3 := ao3test.New(t)
	ao3.AddWork(ao3test.Work{ID: 5001, Title: "Not Here Yet", Authors: []string{"scribe"}, Rating: "General Audiences", Fandoms: []string{"Original Work"}, Posted: 3, Expected: 3, Words: 9000})
	e := Start(t, db, WithAO3(ao3.URL), WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Already Here", 2, 2, false, 111)
	}))
	page := `<!DOCTYPE html><html><head><title>reader | Bookmarks | Archive of Our Own</title></head><body>
<h2 class="heading">1 - 2 of 2 Bookmarks by reader</h2>
<ol class="bookmark index group">` + bookmarkBlurb(111, "Already Here", "quill", "Read") + bookmarkBlurb(5001, "Not Here Yet", "scribe", "TBR") + `</ol></body></html>`
	final := runImport(t, e, e.General, e.Alice, "bookmarks.html", []byte(page), func(p string) {
		for _, want := range []string{"an AO3 Bookmarks page: 2 works", "**To add** (2)", "1 work not in this server's library yet"} {
			if !strings.Contains(p, want) {
				t.Errorf("preview lacks %q:\n%s", want, p)
			}
		}
	})
	for _, want := range []string{"▰▰▰▰▰▰▰▰▰▰ 2/2", "Added 2", "New to the library (from AO3): 1"} {
		if !strings.Contains(final, want) {
			t.Errorf("final answer lacks %q:\n%s", want, final)
		}
	}
	_, entries := exportList(t, e, e.General, e.Alice)
	want := []exportedEntry{
		{Title: "Already Here", Authors: []string{"quill"}, Status: "finished", AO3ID: 111},
		{Title: "Not Here Yet", Authors: []string{"scribe"}, Status: "to-read", AO3ID: 5001},
	}
	if fmt.Sprint(entries) != fmt.Sprint(want) {
		t.Fatalf("list after import:\n got %+v\nwant %+v", entries, want)
	}
	info := e.Slash(e.General, e.Alice, "story", discordtest.Sub("list"))
	if !strings.Contains(fmt.Sprint(info.Original.Embeds[0].Description), "Not Here Yet") {
		t.Errorf("the missing work is not in the library: %+v", info.Original.Embeds[0])
	}
}

func TestReadingListStatsAnswersWithAChart(t *testing.T) {
	var a shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		a = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Read This Year", 3, 3, false, 0)
	}))
	e.Slash(e.General, e.Alice, "readinglist", rl("progress", discordtest.String("story", a.ID), discordtest.Int("chapter", 3)))
	ans := e.Slash(e.General, e.Alice, "readinglist", rl("stats"))
	if !ans.Ephemeral() || ans.Original == nil || len(ans.Original.Files) != 1 {
		t.Fatalf("stats answer: %q", ans.Content())
	}
	f := ans.Original.Files[0]
	if f.ContentType != "image/png" || !bytes.HasPrefix(f.Data, []byte("\x89PNG")) {
		t.Fatalf("chart %s, %d bytes", f.ContentType, len(f.Data))
	}
	if f.Description == "" || len([]rune(f.Description)) > 1024 || !strings.Contains(f.Description, "In all: 1 story") {
		t.Errorf("alt text %q", f.Description)
	}
	if !strings.Contains(ans.Content(), "1 story finished") {
		t.Errorf("stats text %q", ans.Content())
	}
}

func TestReadingListImportSurvivesARestart(t *testing.T) {
	forEachEngine(t, testReadingListImportSurvivesARestart)
}

func testReadingListImportSurvivesARestart(t *testing.T, db Option) {
	ao3 := ao3test.New(t)
	var links []string
	for i := int64(1); i <= 3; i++ {
		ao3.AddWork(ao3test.Work{ID: 6000 + i, Title: fmt.Sprintf("Missing %d", i), Authors: []string{"scribe"}, Rating: "General Audiences", Posted: 1, Expected: 1, Words: 500})
		links = append(links, fmt.Sprintf("https://archiveofourown.org/works/%d", 6000+i))
	}
	e := Start(t, db, WithAO3(ao3.URL))
	att := e.Srv.AddAttachment("links.txt", "text/plain", []byte(strings.Join(links, "\n")))
	ans := e.Slash(e.General, e.Alice, "readinglist", rl("import", discordtest.Attach("file", att)))
	ids := ans.Original.CustomIDs()
	if len(ids) != 2 {
		t.Fatalf("preview: %+v", ans.Original.Embeds)
	}
	e.Click(e.Alice, ans.Original, ids[0])
	// The first work arrives at once, the next ones AO3_REQUEST_GAP apart:
	// restart while the job waits for its second look-up.
	deadline := time.Now().Add(20 * time.Second)
	for ao3.Count("/works/6001") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	e.Restart()
	for time.Now().Before(deadline.Add(20 * time.Second)) {
		m := e.Srv.Message(ans.Original.ID)
		if m != nil && len(m.Embeds) == 1 && m.Embeds[0].Title == "Import finished" {
			if !strings.Contains(m.Embeds[0].Description, "3/3") || !strings.Contains(m.Embeds[0].Description, "Added 3") {
				t.Errorf("final answer:\n%s", m.Embeds[0].Description)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := 1; i <= 3; i++ {
		if n := ao3.Count(fmt.Sprintf("/works/%d", 6000+i)); n != 1 {
			t.Errorf("work %d looked up %d times", 6000+i, n)
		}
	}
	if _, entries := exportList(t, e, e.General, e.Alice); len(entries) != 3 {
		t.Fatalf("list after the restart: %+v", entries)
	}
}

// An import that outlasts the interaction's token tells the member by DM,
// or, with their DMs closed, in the channel mentioning them.
// Each case on each engine has a fresh database.
func TestReadingListImportOutlastingTheTokenTellsTheMember(t *testing.T) {
	for _, closed := range []bool{false, true} {
		t.Run(fmt.Sprintf("dmsClosed=%v", closed), func(t *testing.T) {
			forEachEngine(t, func(t *testing.T, db Option) { testImportOutlastingTheToken(t, db, closed) })
		})
	}
}

func testImportOutlastingTheToken(t *testing.T, db Option, closed bool) {
	ao3 := ao3test.New(t)
	links := ""
	for i := int64(1); i <= 2; i++ {
		ao3.AddWork(ao3test.Work{ID: 7000 + i, Title: fmt.Sprintf("Slow %d", i), Authors: []string{"scribe"}, Rating: "General Audiences", Posted: 1, Expected: 1})
		links += fmt.Sprintf("https://archiveofourown.org/works/%d\n", 7000+i)
	}
	// The second look-up waits AO3_REQUEST_GAP (5 s): past the token.
	e := Start(t, db, WithAO3(ao3.URL), WithServerOptions(discordtest.WithTokenLifetime(2*time.Second)))
	e.Srv.SetDMsClosed(e.Alice.User.ID, closed)
	att := e.Srv.AddAttachment("links.txt", "text/plain", []byte(links))
	ans := e.Slash(e.General, e.Alice, "readinglist", rl("import", discordtest.Attach("file", att)))
	e.Click(e.Alice, ans.Original, ans.Original.CustomIDs()[0])
	done := func(m *discordtest.Message) bool {
		return len(m.Embeds) == 1 && m.Embeds[0].Title == "Your reading-list import is done" && strings.Contains(m.Embeds[0].Description, "Added 2")
	}
	if !closed {
		e.Srv.WaitDM(t, e.Alice.User.ID, done)
		return
	}
	m := e.Srv.WaitMessage(t, e.General.ID, done)
	if !strings.Contains(m.Content, "<@"+e.Alice.User.ID+">") || m.AllowedMentions == nil || !slices.Equal(m.AllowedMentions.Users, []string{e.Alice.User.ID}) {
		t.Errorf("channel message %q pings %+v", m.Content, m.AllowedMentions)
	}
}
