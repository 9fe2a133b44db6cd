package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/discordtest"
	"ficshelf/shelf"
)

func rl(sub string, opts ...discordtest.Opt) discordtest.Opt { return discordtest.Sub(sub, opts...) }

func TestReadingListAddProgressRemove(t *testing.T) {
	forEachEngine(t, testReadingListAddProgressRemove)
}

func testReadingListAddProgressRemove(t *testing.T, db Option) {
	var done, wip, unknown shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		done = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Complete Five", 5, 5, false, 0)
		wip = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Still Going", 3, 0, false, 0)
		unknown = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "No Count", 0, 0, false, 0)
	}))
	say := func(who *discordgo.Member, sub string, opts ...discordtest.Opt) *discordtest.Answer {
		t.Helper()
		return e.Slash(e.General, who, "readinglist", rl(sub, opts...))
	}
	story := func(r shelf.StoryRecord) discordtest.Opt { return discordtest.String("story", r.ID) }
	entry := func(r shelf.StoryRecord) string {
		t.Helper()
		show := say(e.Alice, "show")
		for _, line := range strings.Split(show.Original.Embeds[0].Description, "\n") {
			if strings.Contains(line, r.Story.Title) {
				return line
			}
		}
		return ""
	}

	wantEphemeral(t, "add", say(e.Alice, "add", story(done)), "Added **Complete Five** to your reading list: to-read")
	wantEphemeral(t, "add again with options", say(e.Alice, "add", story(done), discordtest.String("status", "reading"),
		discordtest.Int("chapter", 2), discordtest.String("note", "the *library* scene")), "Updated **Complete Five** on your reading list: reading, chapter 2 of 5")
	// Updating one option keeps the others.
	wantEphemeral(t, "add note only", say(e.Alice, "add", story(done), discordtest.String("note", "re-read ch 2")), "reading, chapter 2 of 5")
	wantEphemeral(t, "add past the end", say(e.Alice, "add", story(done), discordtest.Int("chapter", 6)), "has 5 chapters")

	// progress: refused past the last chapter of a complete work and below 0.
	wantEphemeral(t, "progress past end", say(e.Alice, "progress", story(done), discordtest.Int("chapter", 9)), "you can't be past chapter 5")
	wantEphemeral(t, "progress negative", say(e.Alice, "progress", story(done), discordtest.Int("chapter", -1)), "start at 1")
	wantEphemeral(t, "progress", say(e.Alice, "progress", story(done), discordtest.Int("chapter", 4)), "reading, chapter 4 of 5")
	wantEphemeral(t, "progress to the end", say(e.Alice, "progress", story(done), discordtest.Int("chapter", 5)), "You finished **Complete Five**")
	if line := entry(done); !strings.Contains(e.Slash(e.General, e.Alice, "readinglist", rl("show", discordtest.String("status", "finished"))).Original.Embeds[0].Description, "Complete Five") {
		t.Errorf("Complete Five not finished after its last chapter: %q", line)
	}

	// A work in progress: up to its posted chapters, never finished by progress.
	wantEphemeral(t, "wip progress adds", say(e.Alice, "progress", story(wip), discordtest.Int("chapter", 3)), "I added it to your reading list")
	wantEphemeral(t, "wip past posted", say(e.Alice, "progress", story(wip), discordtest.Int("chapter", 4)), "posted so far")
	st := e.Slash(e.General, e.Alice, "readinglist", rl("show", discordtest.String("status", "reading"))).Original.Embeds[0].Description
	if !strings.Contains(st, "Still Going") || !strings.Contains(st, "▰▰▰▰▰▰▰▰▰▰ 3/3 posted (work in progress)") {
		t.Errorf("WIP at its latest chapter: %q", st)
	}
	// Unknown chapter count: any chapter.
	wantEphemeral(t, "unknown count", say(e.Alice, "progress", story(unknown), discordtest.Int("chapter", 40)), "chapter 40")

	// remove
	wantEphemeral(t, "remove", say(e.Alice, "remove", story(wip)), "Removed **Still Going**")
	wantEphemeral(t, "remove again", say(e.Alice, "remove", story(wip)), "isn't on your reading list")
	if line := entry(wip); line != "" {
		t.Errorf("removed story still shown: %q", line)
	}
	wantEphemeral(t, "unknown story", say(e.Alice, "add", discordtest.String("story", "Nothing Like It")), "no story called")

	// Another member may look at Alice's list (ephemerally).
	rec := e.Slash(e.General, e.Bob, "readinglist", rl("show", discordtest.UserOpt("member", e.Alice.User.ID)))
	if !rec.Ephemeral() || !strings.Contains(rec.Original.Embeds[0].Description, "Complete Five") || !strings.Contains(rec.Original.Embeds[0].Title, "alice") {
		t.Errorf("Bob viewing Alice's list: ephemeral=%v %q / %q", rec.Ephemeral(), rec.Original.Embeds[0].Title, rec.Original.Embeds[0].Description)
	}
}

func TestReadingListShowGroupsAndPages(t *testing.T) {
	forEachEngine(t, testReadingListShowGroupsAndPages)
}

func testReadingListShowGroupsAndPages(t *testing.T, db Option) {
	var recs []shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		for i := 0; i < 25; i++ {
			r := seedWork(t, st, e.Guild.ID, e.Mod.User.ID, fmt.Sprintf("Story %02d", i), 5, 5, false, 0)
			recs = append(recs, r)
			status := shelf.Statuses[i%len(shelf.Statuses)]
			if _, err := st.SetListEntry(context.Background(), e.Guild.ID, e.Alice.User.ID, shelf.ListEntry{StoryID: r.ID, Status: status, Chapter: i % 6}, timeAt(i)); err != nil {
				t.Fatal(err)
			}
		}
	}))
	a := e.Slash(e.General, e.Alice, "readinglist", rl("show"))
	if !a.Ephemeral() || a.Original.Embeds[0].Title != "Your reading list" {
		t.Fatalf("show: ephemeral=%v title %q", a.Ephemeral(), a.Original.Embeds[0].Title)
	}
	var all strings.Builder
	page := a.Original
	for p := 0; p < 3; p++ {
		d := page.Embeds[0].Description
		if n := strings.Count(d, "\n**Story "); n != 10 && !(p == 2 && n == 5) {
			t.Errorf("page %d has %d stories; want 10 (5 on the last)", p+1, n)
		}
		if !strings.Contains(page.Embeds[0].Footer.Text, fmt.Sprintf("page %d of 3", p+1)) {
			t.Errorf("page %d footer %q", p+1, page.Embeds[0].Footer.Text)
		}
		all.WriteString(d)
		if p < 2 {
			next := fmt.Sprintf("rl-show:%s:all:%d", e.Alice.User.ID, p+1)
			ans := e.Click(e.Alice, page, next)
			if ans.Type != discordgo.InteractionResponseUpdateMessage {
				t.Fatalf("Next answered type %d", ans.Type)
			}
			page = ans.Original
		}
	}
	// Previous goes back.
	back := e.Click(e.Alice, page, fmt.Sprintf("rl-show:%s:all:1", e.Alice.User.ID))
	if !strings.Contains(back.Original.Embeds[0].Footer.Text, "page 2 of 3") {
		t.Errorf("Previous: footer %q", back.Original.Embeds[0].Footer.Text)
	}
	text := all.String()
	// Groups in status order, each story once.
	last := -1
	for _, h := range []string{"__To read__ (5)", "__Reading__ (5)", "__Finished__ (5)", "__On hold__ (5)", "__Dropped__ (5)"} {
		i := strings.Index(text, h)
		if i < last {
			t.Errorf("group %q out of order", h)
		}
		last = i
	}
	for _, r := range recs {
		if c := strings.Count(text, "**"+r.Story.Title+"**"); c != 1 {
			t.Errorf("%s shown %d times over the pages", r.Story.Title, c)
		}
	}
	if !strings.Contains(text, "▰▰▰▰▰▰▱▱▱▱ 3/5") || !strings.Contains(text, "▱▱▱▱▱▱▱▱▱▱ 0/5") {
		t.Errorf("progress bars missing: %q", text)
	}
	// Status filter, and another member's list.
	f := e.Slash(e.General, e.Bob, "readinglist", rl("show", discordtest.UserOpt("member", e.Alice.User.ID), discordtest.String("status", "on-hold")))
	if d := f.Original.Embeds[0].Description; strings.Count(d, "\n**Story ") != 5 || strings.Contains(d, "__Reading__") {
		t.Errorf("on-hold filter: %q", d)
	}
	empty := e.Slash(e.General, e.Bob, "readinglist", rl("show"))
	if !strings.Contains(empty.Original.Embeds[0].Description, "Nothing here yet") {
		t.Errorf("empty list: %q", empty.Original.Embeds[0].Description)
	}
	// Another server sees nothing of this one.
	other := e.Slash(e.OtherGeneral, e.OtherMember, "readinglist", rl("show", discordtest.UserOpt("member", e.OtherMember.User.ID)))
	if !strings.Contains(other.Original.Embeds[0].Description, "Nothing here yet") {
		t.Errorf("other server's list: %q", other.Original.Embeds[0].Description)
	}
}

func TestReadingListExport(t *testing.T) { forEachEngine(t, testReadingListExport) }

func testReadingListExport(t *testing.T, db Option) {
	var a, b shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		a = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Export Me", 4, 4, false, 0)
		b = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Me Too", 2, 0, false, 0)
	}))
	e.Slash(e.General, e.Alice, "readinglist", rl("add", discordtest.String("story", a.ID), discordtest.Int("chapter", 2), discordtest.String("note", "so good")))
	e.Slash(e.General, e.Alice, "readinglist", rl("add", discordtest.String("story", b.ID), discordtest.String("status", "on-hold")))
	ans := e.Slash(e.General, e.Alice, "readinglist", rl("export"))
	if !ans.Ephemeral() || len(ans.Original.Files) != 1 {
		t.Fatalf("export: ephemeral=%v files=%d", ans.Ephemeral(), len(ans.Original.Files))
	}
	f := ans.Original.Files[0]
	if f.Name != "reading-list.json" {
		t.Errorf("file name %q", f.Name)
	}
	var doc struct {
		Format  string `json:"format"`
		GuildID string `json:"guild_id"`
		UserID  string `json:"user_id"`
		Entries []struct {
			StoryID          string `json:"story_id"`
			Title            string `json:"title"`
			Status           string `json:"status"`
			Chapter          int    `json:"chapter"`
			Note             string `json:"note"`
			ChaptersPosted   int    `json:"chapters_posted"`
			ChaptersExpected int    `json:"chapters_expected"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(f.Data, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, f.Data)
	}
	if doc.Format != "ficshelf-reading-list/1" || doc.GuildID != e.Guild.ID || doc.UserID != e.Alice.User.ID || len(doc.Entries) != 2 {
		t.Fatalf("export = %+v", doc)
	}
	x, y := doc.Entries[0], doc.Entries[1]
	if x.StoryID != a.ID || x.Title != "Export Me" || x.Status != "reading" || x.Chapter != 2 || x.Note != "so good" || x.ChaptersPosted != 4 || x.ChaptersExpected != 4 {
		t.Errorf("first entry %+v", x)
	}
	if y.StoryID != b.ID || y.Status != "on-hold" || y.ChaptersExpected != 0 {
		t.Errorf("second entry %+v", y)
	}
	// Bob's export is his own (empty) list.
	bob := e.Slash(e.General, e.Bob, "readinglist", rl("export"))
	if len(bob.Original.Files) != 1 || !strings.Contains(string(bob.Original.Files[0].Data), `"entries": []`) {
		t.Errorf("Bob's export: %q", bob.Original.Files)
	}
}

func TestAddToListButtonAndMessageCommand(t *testing.T) {
	var rec, linked shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Card Story", 3, 3, false, 0)
		linked = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Linked Work", 2, 2, false, 4242)
	}))
	card := cardMessage(e, rec.ID, 0)
	wantEphemeral(t, "button", e.Click(e.Alice, card, "rl-add:"+rec.ID), "Added **Card Story** to your reading list as to-read")
	wantEphemeral(t, "button again", e.Click(e.Alice, card, "rl-add:"+rec.ID), "already on your reading list: to-read")

	// The message command on the bot's card (recorded once a kudos lands on it).
	e.Click(e.Mod, card, "kudos:"+rec.ID)
	cmd := func(who *discordgo.Member, msgID string) *discordtest.Answer {
		t.Helper()
		return e.Srv.Send(t, e.Srv.MessageCommand(t, e.General.ID, who.User.ID, "Add to reading list", msgID)).Wait(t)
	}
	wantEphemeral(t, "message command on a card", cmd(e.Bob, card.ID), "Added **Card Story**")
	wantEphemeral(t, "message command again", cmd(e.Bob, card.ID), "already on your reading list")
	// On an excerpt: the story comes from its buttons.
	ex := excerptMessage(e, linked.ID)
	e.Click(e.Mod, ex, "kudos:"+linked.ID)
	wantEphemeral(t, "message command on an excerpt", cmd(e.Alice, ex.ID), "Added **Linked Work**")

	// A member's message with an AO3 link to a work the server has.
	m := e.Srv.AddMessage(e.General.ID, e.Bob.User.ID, "you have to read this <https://archiveofourown.org/works/4242/chapters/99> omg")
	wantEphemeral(t, "AO3 link", cmd(e.Bob, m.ID), "Added **Linked Work**")
	// A member's message without any story.
	plain := e.Srv.AddMessage(e.General.ID, e.Bob.User.ID, "what is everyone reading? https://example.com/works/4242")
	wantEphemeral(t, "no story", cmd(e.Alice, plain.ID), "I found no story in that message")
	// A member's message pretending to be a card (buttons' custom IDs in text) is not trusted.
	fake := e.Srv.AddMessage(e.General.ID, e.Bob.User.ID, "kudos:"+rec.ID+" rl-add:"+rec.ID)
	wantEphemeral(t, "fake card", cmd(e.Mod, fake.ID), "I found no story in that message")

	// Both ways the list shows the stories.
	show := e.Slash(e.General, e.Alice, "readinglist", rl("show")).Original.Embeds[0].Description
	if !strings.Contains(show, "Card Story") || !strings.Contains(show, "Linked Work") {
		t.Errorf("Alice's list: %q", show)
	}
}

// TestMessageCommandTrustsOnlyBotMessages: components on a message by
// someone else (a webhook or another bot could post buttons) are ignored.
func TestMessageCommandTrustsOnlyBotMessages(t *testing.T) {
	var rec shelf.StoryRecord
	e := Start(t, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		rec = seedWork(t, st, e.Guild.ID, e.Mod.User.ID, "Trusted", 1, 1, false, 0)
	}))
	impostor := e.Srv.AddMember(e.Guild.ID, "otherbot", 0)
	m := cardMessage(e, rec.ID, 0)
	m.Author = impostor.User
	e.Click(e.Bob, m, "kudos:"+rec.ID) // records it
	a := e.Srv.Send(t, e.Srv.MessageCommand(t, e.General.ID, e.Alice.User.ID, "Add to reading list", m.ID)).Wait(t)
	wantEphemeral(t, "impostor card", a, "I found no story in that message")
}

// timeAt is a distinct time for the i-th seeded entry, later for larger i.
func timeAt(i int) time.Time {
	return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
}

// fakeAO3 serves one AO3 work page (metadata only) and counts requests.
func fakeAO3(t *testing.T, workID int64, title string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	page := `<!DOCTYPE html><html><head><title>` + title + `</title></head><body><div id="main"><div class="wrapper">
<dl class="work meta group">
<dt class="rating tags">Rating:</dt><dd class="rating tags"><ul class="commas"><li><a class="tag" href="/tags/General">General Audiences</a></li></ul></dd>
<dt class="warning tags">Archive Warning:</dt><dd class="warning tags"><ul class="commas"><li><a class="tag" href="/tags/none">No Archive Warnings Apply</a></li></ul></dd>
<dt class="fandom tags">Fandom:</dt><dd class="fandom tags"><ul class="commas"><li><a class="tag" href="/tags/ow">Original Work</a></li></ul></dd>
<dt class="language">Language:</dt><dd class="language">English</dd>
<dt class="stats">Stats:</dt><dd class="stats"><dl class="stats"><dt class="words">Words:</dt><dd class="words">12,345</dd><dt class="chapters">Chapters:</dt><dd class="chapters">3/10</dd></dl></dd>
</dl></div>
<div class="preface group"><h2 class="title heading">` + title + `</h2><h3 class="byline heading"><a rel="author" href="/users/far/pseuds/far">farwriter</a></h3>
<div class="summary module"><h3 class="heading">Summary:</h3><blockquote class="userstuff"><p>A story found by link.</p></blockquote></div></div>
</div></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != fmt.Sprintf("/works/%d", workID) {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestMessageCommandImportsAnAO3LinkFirst: a link to a work the server
// lacks is imported by link (through /story's importer), then listed; an
// AO3 failure is explained.
func TestMessageCommandImportsAnAO3LinkFirst(t *testing.T) {
	ao3, hits := fakeAO3(t, 777001, "Linked From Afar")
	e := Start(t, WithAO3(ao3.URL))
	m := e.Srv.AddMessage(e.General.ID, e.Bob.User.ID, "new fic! https://archiveofourown.org/works/777001")
	a := e.Srv.Send(t, e.Srv.MessageCommand(t, e.General.ID, e.Alice.User.ID, "Add to reading list", m.ID)).Wait(t)
	wantEphemeral(t, "AO3 link import", a, "Added **Linked From Afar**")
	// A second member: the work is now in the library; AO3 is not asked again.
	before := hits.Load()
	a = e.Srv.Send(t, e.Srv.MessageCommand(t, e.General.ID, e.Bob.User.ID, "Add to reading list", m.ID)).Wait(t)
	wantEphemeral(t, "AO3 link, in library", a, "Added **Linked From Afar**")
	if hits.Load() != before {
		t.Errorf("AO3 asked again for a work the library has")
	}
	show := e.Slash(e.General, e.Alice, "readinglist", rl("show")).Original.Embeds[0].Description
	if !strings.Contains(show, "Linked From Afar") || !strings.Contains(show, "0/3 posted") {
		t.Errorf("list after link import: %q", show)
	}
	// A link AO3 does not know: the importer's sentence, nothing added.
	bad := e.Srv.AddMessage(e.General.ID, e.Bob.User.ID, "archiveofourown.org/works/404404")
	a = e.Srv.Send(t, e.Srv.MessageCommand(t, e.General.ID, e.Alice.User.ID, "Add to reading list", bad.ID)).Wait(t)
	wantEphemeral(t, "unknown AO3 work", a, "AO3 has no work at that link")
}
