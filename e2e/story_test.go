package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	"golang.org/x/text/encoding/charmap"

	"ficshelf/discordtest"
	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/store"
)

func storySub(sub string, opts ...discordtest.Opt) discordtest.Opt {
	return discordtest.Sub(sub, opts...)
}

// addFile runs /story add with an uploaded file as who in ch.
func addFile(e *Env, ch *discordgo.Channel, who *discordgo.Member, name string, data []byte, opts ...discordtest.Opt) *discordtest.Answer {
	e.t.Helper()
	att := e.Srv.AddAttachment(name, "application/octet-stream", data)
	return e.Slash(ch, who, "story", storySub("add", append([]discordtest.Opt{discordtest.Attach("file", att)}, opts...)...))
}

// wantCard checks a public answer carrying a story card titled title with
// the card's buttons, and returns the story ID from its Kudos button.
func wantCard(t *testing.T, what string, a *discordtest.Answer, title string) string {
	t.Helper()
	if a.Original == nil || a.Ephemeral() || len(a.Original.Embeds) == 0 {
		t.Fatalf("%s: want a public card; got ephemeral=%v content %q", what, a.Ephemeral(), a.Content())
	}
	if got := a.Original.Embeds[0].Title; got != title {
		t.Errorf("%s: card title %q, want %q", what, got, title)
	}
	for _, id := range a.Original.CustomIDs() {
		if strings.HasPrefix(id, "kudos:") {
			return strings.TrimPrefix(id, "kudos:")
		}
	}
	t.Fatalf("%s: card has no Kudos button: %q", what, a.Original.CustomIDs())
	return ""
}

func field(m *discordtest.Message, name string) string {
	for _, f := range m.Embeds[0].Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// libraryTitles lists every title /story list shows in ch (all pages).
func libraryTitles(t *testing.T, e *Env, ch *discordgo.Channel, who *discordgo.Member) []string {
	t.Helper()
	a := e.Slash(ch, who, "story", storySub("list"))
	if a.Ephemeral() {
		return nil // the empty-library sentence
	}
	var titles []string
	page := a.Original
	for {
		for _, line := range strings.Split(page.Embeds[0].Description, "\n") {
			if i := strings.Index(line, ".** **"); i >= 0 {
				rest := line[i+len(".** **"):]
				titles = append(titles, rest[:strings.Index(rest, "**")])
			}
		}
		var next string
		for _, id := range page.CustomIDs() {
			if b := button(t, page, id); b.Label == "Next" && !b.Disabled {
				next = id
			}
		}
		if next == "" {
			return titles
		}
		page = e.Click(who, page, next).Original
	}
}

// openStore stops the bot and opens its database for inspection; the
// caller closes it.
func openStore(t *testing.T, e *Env) shelf.Store {
	t.Helper()
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), e.Cfg.DBPath, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestStoryAddEachFormat(t *testing.T) {
	e := Start(t)

	// Plain text with a Notes: footer, in a channel: public card.
	a := addFile(e, e.General, e.Alice, "ferry.txt", []byte(plainStory), discordtest.Bool("mine", true))
	plainID := wantCard(t, "plain text", a, "The Ferryman's Daughter")
	if !strings.Contains(a.Content(), "added **The Ferryman's Daughter**") {
		t.Errorf("plain text: content %q", a.Content())
	}
	if got := field(a.Original, "Chapters"); got != "2/2" && got != "2/?" {
		t.Errorf("plain text chapters %q", got)
	}
	if !strings.Contains(field(a.Original, "Library"), "their own work") {
		t.Errorf("mine not shown: %q", field(a.Original, "Library"))
	}
	// The same text saved as Windows-1252 ("ANSI"), in another server:
	// the same card, curly quotes and all.
	ansi, err := charmap.Windows1252.NewEncoder().String(plainStory)
	if err != nil {
		t.Fatal(err)
	}
	b := addFile(e, e.OtherGeneral, e.OtherMember, "ferry-ansi.txt", []byte(ansi))
	wantCard(t, "windows-1252 text", b, "The Ferryman's Daughter")
	if b.Original.Embeds[0].Description != a.Original.Embeds[0].Description {
		t.Errorf("windows-1252 card reads %q, UTF-8 one %q", b.Original.Embeds[0].Description, a.Original.Embeds[0].Description)
	}

	// AO3 HTML, Mature, multi-chapter, in General: the summary is hidden,
	// the warning is a spoiler.
	a = addFile(e, e.General, e.Bob, "Forty_Lamps.html", []byte(lanternHTML(9100, "3/?")))
	htmlID := wantCard(t, "AO3 HTML", a, "Forty Lamps")
	if got := field(a.Original, "Chapters"); got != "3/?" {
		t.Errorf("HTML chapters %q, want 3/?", got)
	}
	if got := field(a.Original, "Warnings"); got != "||Major Character Death||" {
		t.Errorf("HTML warnings %q", got)
	}
	if d := a.Original.Embeds[0].Description; strings.Contains(d, "one lamp too many") || !strings.Contains(d, "Summary hidden") {
		t.Errorf("Mature summary in a general channel: %q", d)
	}
	if a.Original.Embeds[0].Color != 0xe87d05 {
		t.Errorf("Mature colour %x", a.Original.Embeds[0].Color)
	}
	if !strings.Contains(a.Original.Embeds[0].Footer.Text, "AO3 work 9100") {
		t.Errorf("footer %q", a.Original.Embeds[0].Footer.Text)
	}
	// The same card in an age-restricted channel shows the summary.
	info := e.Slash(e.NSFW, e.Alice, "story", storySub("info", discordtest.String("story", htmlID)))
	if !strings.Contains(info.Original.Embeds[0].Description, "one lamp too many") {
		t.Errorf("summary in NSFW channel: %q", info.Original.Embeds[0].Description)
	}

	// AO3 EPUB, Calibre layout, with options overriding the file.
	a = addFile(e, e.General, e.Alice, "tide.epub", lanternEPUB(t),
		discordtest.String("tags", "Boats, Tides"), discordtest.String("fandom", "Canal Town"))
	epubID := wantCard(t, "AO3 EPUB", a, "Tide Tables")
	if got := field(a.Original, "Tags"); !strings.Contains(got, "Boats, Tides") || strings.Contains(got, "Slow Burn") {
		t.Errorf("EPUB tags %q: options should replace the file's", got)
	}
	if got := field(a.Original, "Fandoms"); got != "Canal Town" {
		t.Errorf("EPUB fandoms %q", got)
	}
	if d := a.Original.Embeds[0].Description; !strings.Contains(d, "The river keeps its own calendar") {
		t.Errorf("Teen summary shown anywhere: %q", d)
	}

	st := openStore(t, e)
	check := func(id string, chapters int, notIn []string, want func(r shelf.StoryRecord) string) {
		t.Helper()
		rec, err := st.Story(context.Background(), e.Guild.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Chapters) != chapters {
			t.Errorf("%s: %d chapters stored, want %d", rec.Story.Title, len(rec.Chapters), chapters)
		}
		for n := 1; n <= len(rec.Chapters); n++ {
			ch, err := st.Chapter(context.Background(), e.Guild.ID, id, n)
			if err != nil {
				t.Fatal(err)
			}
			if len(ch.Sentences) == 0 {
				t.Errorf("%s chapter %d has no sentence index", rec.Story.Title, n)
			}
			for _, s := range notIn {
				if strings.Contains(ch.Text, s) {
					t.Errorf("%s chapter %d text contains %q", rec.Story.Title, n, s)
				}
			}
		}
		if msg := want(rec); msg != "" {
			t.Errorf("%s: %s", rec.Story.Title, msg)
		}
	}
	check(plainID, 2, []string{"Thank you for reading", "Notes:"}, func(r shelf.StoryRecord) string {
		if !strings.Contains(r.Story.EndNotes, "writing group") {
			return "end notes " + r.Story.EndNotes
		}
		return ""
	})
	check(htmlID, 3, []string{"CHAPNOTE", "CHAPEND", "WORKNOTE", "WORKEND"}, func(r shelf.StoryRecord) string {
		ch1, _ := st.Chapter(context.Background(), e.Guild.ID, htmlID, 1)
		switch {
		case r.Story.Rating != fic.RatingMature || r.Story.AO3ID != 9100 || r.Story.ChaptersExpected != 0:
			return fmt.Sprintf("rating %q work %d expected %d", r.Story.Rating, r.Story.AO3ID, r.Story.ChaptersExpected)
		case !strings.Contains(ch1.Notes, "CHAPNOTE-ONE") || !strings.Contains(ch1.EndNotes, "CHAPEND-ONE"):
			return fmt.Sprintf("chapter 1 notes %q / %q", ch1.Notes, ch1.EndNotes)
		case !strings.Contains(ch1.Text, "forty lamps"):
			return "chapter 1 text " + ch1.Text
		case !strings.Contains(r.Story.EndNotes, "WORKEND"):
			return "end notes " + r.Story.EndNotes
		}
		return ""
	})
	check(epubID, 3, []string{"CHAPNOTE", "CHAPEND", "WORKNOTE", "WORKEND"}, func(r shelf.StoryRecord) string {
		if r.Story.AO3ID != 9200 || r.Story.Rating != fic.RatingTeen || len(r.Story.Authors) != 1 || r.Story.Authors[0] != "saltmarsh" {
			return fmt.Sprintf("work %d rating %q authors %q", r.Story.AO3ID, r.Story.Rating, r.Story.Authors)
		}
		return ""
	})
}

func TestStoryAddByLinkAndUpdate(t *testing.T) {
	ao3 := newFakeArchive(t)
	ao3.set(5150, ao3Page("The Orchard Wall", "appletree", "General Audiences", "2/5"))
	ao3.set(9100, ao3Page("Forty Lamps", "quillfeather", "Mature", "3/?"))
	e := Start(t, WithAO3(ao3.URL))

	// A chapter link of a work: details only.
	a := e.Slash(e.General, e.Alice, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/5150/chapters/777?view_adult=true")))
	id := wantCard(t, "by link", a, "The Orchard Wall")
	if !strings.Contains(a.Content(), "Details only") {
		t.Errorf("link import content %q", a.Content())
	}
	if got := field(a.Original, "Chapters"); got != "2/5" {
		t.Errorf("chapters %q", got)
	}
	if got := field(a.Original, "Words"); got != "23,456" {
		t.Errorf("words %q", got)
	}
	if strings.Contains(strings.Join(a.Original.CustomIDs(), " "), "ex-card:") {
		t.Errorf("a story without text offers an Excerpt button: %q", a.Original.CustomIDs())
	}

	// Someone else re-adding it is pointed to the entry; nothing changes.
	a = e.Slash(e.General, e.Bob, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/5150")))
	wantEphemeral(t, "re-add by another member", a, "already has **The Orchard Wall**")
	// The adder re-adds it: updated in place (same story ID).
	a = e.Slash(e.General, e.Alice, "story", storySub("add", discordtest.String("link", "archiveofourown.org/works/5150"), discordtest.String("tags", "Fences")))
	if got := wantCard(t, "re-add by adder", a, "The Orchard Wall"); got != id {
		t.Errorf("re-add made story %s, want the same %s", got, id)
	}
	if !strings.Contains(a.Content(), "updated **The Orchard Wall**") || field(a.Original, "Tags") != "Fences" {
		t.Errorf("update: content %q tags %q", a.Content(), field(a.Original, "Tags"))
	}

	// A work by link first, then its download by Bob (not the adder): refused;
	// by a moderator: the file's chapters land in the same entry.
	a = e.Slash(e.General, e.Bob, "story", storySub("add", discordtest.String("link", ao3.URL+"/works/9100")))
	lamps := wantCard(t, "link on the AO3 base host", a, "Forty Lamps")
	a = addFile(e, e.General, e.Alice, "lamps.html", []byte(lanternHTML(9100, "3/?")))
	wantEphemeral(t, "file re-add by another member", a, "already has **Forty Lamps**")
	a = addFile(e, e.General, e.Mod, "lamps.html", []byte(lanternHTML(9100, "3/?")))
	if got := wantCard(t, "file re-add by moderator", a, "Forty Lamps"); got != lamps {
		t.Errorf("moderator re-add made story %s, want %s", got, lamps)
	}
	if !strings.Contains(a.Content(), "3 with text, was 0") {
		t.Errorf("update content %q", a.Content())
	}
	if !strings.Contains(strings.Join(a.Original.CustomIDs(), " "), "ex-card:"+lamps) {
		t.Errorf("story with text has no Excerpt button: %q", a.Original.CustomIDs())
	}
	// Re-adding by link keeps the uploaded text.
	a = e.Slash(e.General, e.Bob, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/9100")))
	if wantCard(t, "link re-add keeps text", a, "Forty Lamps"); !strings.Contains(strings.Join(a.Original.CustomIDs(), " "), "ex-card:") {
		t.Errorf("link re-add dropped the text: %q", a.Original.CustomIDs())
	}
	// A file with a link: the link's work gives what the file lacks.
	ao3.set(6001, ao3Page("Plain Upload", "appletree", "General Audiences", "2/2"))
	a = addFile(e, e.General, e.Alice, "ferry.txt", []byte(plainStory), discordtest.String("link", "https://archiveofourown.org/works/6001"))
	wantCard(t, "file and link", a, "The Ferryman's Daughter")
	if got := a.Original.Embeds[0].Footer.Text; !strings.Contains(got, "AO3 work 6001") || field(a.Original, "Fandoms") != "Orchard Tales (Original Work)" {
		t.Errorf("file + link: footer %q fandoms %q", got, field(a.Original, "Fandoms"))
	}

	// AO3 errors are the importer's sentences.
	wantEphemeral(t, "no such work", e.Slash(e.General, e.Alice, "story", storySub("add", discordtest.String("link", "https://archiveofourown.org/works/404404"))), "AO3 has no work at that link")

	titles := libraryTitles(t, e, e.General, e.Alice)
	if len(titles) != 3 {
		t.Errorf("library after updates: %q; want 3 stories", titles)
	}
}

func TestStoryBadInputsChangeNothing(t *testing.T) {
	e := Start(t)
	ae := func(what string, a *discordtest.Answer, contains string) {
		t.Helper()
		wantEphemeral(t, what, a, contains)
	}
	add := func(opts ...discordtest.Opt) *discordtest.Answer {
		return e.Slash(e.General, e.Alice, "story", storySub("add", opts...))
	}
	ae("nothing given", add(discordtest.String("title", "Nothing")), "upload it with `file:`")
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
	ae("PNG", addFile(e, e.General, e.Alice, "cover.txt", png), "binary file")

	// Declared over 20 MiB: refused without downloading.
	big := e.Srv.AddAttachment("huge.txt", "text/plain", []byte("Small really."))
	big.Size = 21 << 20
	ae("declared too large", add(discordtest.Attach("file", big)), "over the 20 MiB")
	if n := e.Srv.Downloads(big.ID); n != 0 {
		t.Errorf("an attachment declared over 20 MiB was downloaded %d times", n)
	}
	// Lying about its size: the download limit stops it.
	liar := e.Srv.AddAttachment("liar.txt", "text/plain", bytes20MiBPlus())
	liar.Size = 1000
	ae("lying size", add(discordtest.Attach("file", liar)), "over the 20 MiB")

	ae("EPUB bomb", addFile(e, e.General, e.Alice, "bomb.epub", epubBomb(t)), "more than 100 MiB")
	ae("EPUB not a zip", addFile(e, e.General, e.Alice, "broken.epub", []byte("this is not a zip at all, just words")), "isn't really an EPUB")
	ae("HTML without prose", addFile(e, e.General, e.Alice, "empty.html", []byte("<!DOCTYPE html><html><head><title>x</title></head><body><div><img src=\"a.png\"/></div></body></html>")), "couldn't find any story text")
	ae("empty file", addFile(e, e.General, e.Alice, "empty.txt", []byte("   \n")), "empty")
	cyrillic := []byte("\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xc4\xee\xe1\xf0\xee\xe5 \xf3\xf2\xf0\xee \xe8 \xf7\xe0\xe9.")
	ae("unknown 8-bit encoding", addFile(e, e.General, e.Alice, "cp1251.txt", cyrillic), "save it as UTF-8")

	for _, link := range []string{"https://example.com/works/1", "https://archiveofourown.org/users/someone", "https://example.com/series/12", "not a link"} {
		ae("link "+link, add(discordtest.String("link", link)), "isn't a link to an AO3 work")
	}
	// A series link is good input (series_test.go); with AO3 down, a sentence.
	ae("series, AO3 down", add(discordtest.String("link", "https://archiveofourown.org/series/12")), "couldn't read that series from AO3")
	// With the AO3 look-up down (nothing listens): the importer's sentence.
	ae("AO3 down", add(discordtest.String("link", "https://archiveofourown.org/works/1")), "AO3")

	// An attachment whose URL points away from Discord.
	away := e.Srv.AddAttachment("away.txt", "text/plain", []byte(plainStory))
	away.URL = "https://example.com/attachments/away.txt"
	away.ProxyURL = away.URL
	ae("forbidden host", add(discordtest.Attach("file", away)), "only download files uploaded to Discord")

	if titles := libraryTitles(t, e, e.General, e.Alice); len(titles) != 0 {
		t.Errorf("library after bad inputs: %q", titles)
	}
	ae("empty library list", e.Slash(e.General, e.Alice, "story", storySub("list")), "library is empty")
	if ch := e.Autocomplete(e.General, e.Alice, "story", storySub("info", discordtest.Focused(discordtest.String("story", "")))); len(ch) != 0 {
		t.Errorf("autocomplete after bad inputs: %d choices", len(ch))
	}
}

func bytes20MiBPlus() []byte {
	line := []byte("The river ran on and on past the town and nobody minded at all.\n")
	var b []byte
	for len(b) <= fic.MaxFileSize {
		b = append(b, line...)
	}
	return b
}

func TestStoryAutocompleteInfoListRemove(t *testing.T) {
	forEachEngine(t, testStoryAutocompleteInfoListRemove)
}

func testStoryAutocompleteInfoListRemove(t *testing.T, db Option) {
	var recs []shelf.StoryRecord
	e := Start(t, db, WithSeed(func(t *testing.T, st shelf.Store, e *Env) {
		for i := 0; i < 23; i++ {
			s := &fic.Story{Title: fmt.Sprintf("Lantern Tale %02d", i), Authors: []string{"moth"}, Rating: fic.RatingGeneral,
				Fandoms: []string{"Canal Town"}, Tags: []string{"Boats"}, Words: 1000 + i, ChaptersPosted: 1, ChaptersExpected: 1}
			if i%3 == 0 {
				s.Fandoms = []string{"Star: Crossed"} // a colon in a filter
				s.Rating = fic.RatingExplicit
			}
			rec, err := st.AddStory(context.Background(), e.Guild.ID, s, nil, e.Alice.User.ID, false, timeAt(i))
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
		recs = append(recs, SeedStory(t, st, e.Guild.ID, e.Bob.User.ID, "winter.txt", "Winter Harbour\n\nThe harbour froze in a single night, and the boats slept in the ice.", false))
	}))

	// Autocomplete: words anywhere in title and author.
	ac := func(q string) []*discordgo.ApplicationCommandOptionChoice {
		return e.Autocomplete(e.General, e.Bob, "story", storySub("info", discordtest.Focused(discordtest.String("story", q))))
	}
	if got := ac("harb"); len(got) != 1 || got[0].Value != recs[23].ID {
		t.Errorf("autocomplete harb: %v", got)
	}
	if got := ac("tale 07"); len(got) == 0 || got[0].Value != recs[7].ID {
		t.Errorf("autocomplete 'tale 07': %v", got)
	}
	if got := ac("moth"); len(got) != 23 {
		t.Errorf("autocomplete by author: %d choices, want 23", len(got))
	}
	if got := e.Autocomplete(e.General, e.Bob, "story", storySub("remove", discordtest.Focused(discordtest.String("story", "winter")))); len(got) != 1 {
		t.Errorf("remove autocomplete: %v", got)
	}

	// info by typed title, with its buttons.
	a := e.Slash(e.General, e.Bob, "story", storySub("info", discordtest.String("story", "Winter Harbour")))
	id := wantCard(t, "info", a, "Winter Harbour")
	if ids := strings.Join(a.Original.CustomIDs(), " "); !strings.Contains(ids, "rl-add:"+id) || !strings.Contains(ids, "ex-card:"+id) {
		t.Errorf("info buttons %q", ids)
	}
	wantEphemeral(t, "info unknown", e.Slash(e.General, e.Bob, "story", storySub("info", discordtest.String("story", "No Such Tale"))), "no story called")

	// list: 24 stories, 3 pages, Next/Previous update the message.
	a = e.Slash(e.General, e.Bob, "story", storySub("list", discordtest.String("sort", "title")))
	if a.Ephemeral() || !strings.Contains(a.Original.Embeds[0].Footer.Text, "Page 1 of 3") {
		t.Fatalf("list page 1: %q", a.Original.Embeds[0].Footer.Text)
	}
	if !strings.HasPrefix(strings.TrimSpace(a.Original.Embeds[0].Description), "**1.** **Lantern Tale 00**") {
		t.Errorf("title sort: %q", a.Original.Embeds[0].Description)
	}
	var next string
	for _, cid := range a.Original.CustomIDs() {
		if len(cid) > 100 {
			t.Errorf("custom ID over 100: %q", cid)
		}
		if button(t, a.Original, cid).Label == "Next" {
			next = cid
		}
	}
	p2 := e.Click(e.Alice, a.Original, next) // anyone may page a public list
	if p2.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(p2.Original.Embeds[0].Footer.Text, "Page 2 of 3") ||
		!strings.Contains(p2.Original.Embeds[0].Description, "**11.** **Lantern Tale 10**") {
		t.Errorf("page 2: type %d %q", p2.Type, p2.Original.Embeds[0].Description)
	}
	if titles := libraryTitles(t, e, e.General, e.Bob); len(titles) != 24 {
		t.Errorf("all pages: %d titles", len(titles))
	}

	// Filters, including a colon, survive paging.
	a = e.Slash(e.General, e.Bob, "story", storySub("list", discordtest.String("fandom", "star: cross"), discordtest.String("rating", "Explicit")))
	if d := a.Original.Embeds[0].Description; strings.Count(d, "Lantern Tale") != 8 || !strings.Contains(a.Original.Embeds[0].Footer.Text, "8 stories") {
		t.Errorf("filtered list: %q / %q", d, a.Original.Embeds[0].Footer.Text)
	}
	a = e.Slash(e.General, e.Bob, "story", storySub("list", discordtest.String("tag", "boats")))
	if !strings.Contains(a.Original.Embeds[0].Footer.Text, "23 stories") {
		t.Errorf("tag filter footer %q", a.Original.Embeds[0].Footer.Text)
	}
	for _, cid := range a.Original.CustomIDs() {
		if b := button(t, a.Original, cid); b.Label == "Next" {
			p := e.Click(e.Bob, a.Original, cid)
			if !strings.Contains(p.Original.Embeds[0].Footer.Text, "Page 2 of 3 · 23 stories") {
				t.Errorf("tag filter page 2 footer %q", p.Original.Embeds[0].Footer.Text)
			}
		}
	}
	wantEphemeral(t, "no match", e.Slash(e.General, e.Bob, "story", storySub("list", discordtest.String("fandom", "Nowhere"))), "No stories in this server's library match fandom")

	// remove: only the adder or a moderator, after confirmation.
	winter := discordtest.String("story", id)
	wantEphemeral(t, "remove by another member", e.Slash(e.General, e.Alice, "story", storySub("remove", winter)), "Only the member who added")
	a = e.Slash(e.General, e.Bob, "story", storySub("remove", winter))
	wantEphemeral(t, "remove asks", a, "Remove **Winter Harbour** from the library?")
	yes, no := "sr-yes:"+id+":"+e.Bob.User.ID, "sr-no:"+id+":"+e.Bob.User.ID
	if c := e.Click(e.Bob, a.Original, no); c.Type != discordgo.InteractionResponseUpdateMessage || !strings.Contains(c.Content(), "Nothing changed") {
		t.Errorf("cancel: type %d %q", c.Type, c.Content())
	}
	a = e.Slash(e.General, e.Bob, "story", storySub("remove", winter))
	second := e.Slash(e.General, e.Bob, "story", storySub("remove", winter)) // a second prompt, confirmed late
	wantEphemeral(t, "confirm by someone else", e.Click(e.Alice, a.Original, yes), "belongs to the member who asked")
	if c := e.Click(e.Bob, a.Original, yes); !strings.Contains(c.Content(), "Removed **Winter Harbour**") || len(c.Original.Components) != 0 {
		t.Errorf("confirm: %q (buttons %q)", c.Content(), c.Original.CustomIDs())
	}
	if c := e.Click(e.Bob, second.Original, yes); !strings.Contains(c.Content(), "already gone") {
		t.Errorf("confirm after removal: %q", c.Content())
	}
	if got := ac("winter"); len(got) != 0 {
		t.Errorf("removed story still offered: %v", got)
	}
	// A moderator removes anyone's story.
	a = e.Slash(e.General, e.Mod, "story", storySub("remove", discordtest.String("story", recs[0].ID)))
	if c := e.Click(e.Mod, a.Original, "sr-yes:"+recs[0].ID+":"+e.Mod.User.ID); !strings.Contains(c.Content(), "Removed **Lantern Tale 00**") {
		t.Errorf("moderator remove: %q", c.Content())
	}
	if titles := libraryTitles(t, e, e.General, e.Bob); len(titles) != 22 {
		t.Errorf("after removals: %d titles, want 22", len(titles))
	}
}

func TestStoryServersNeverSeeEachOther(t *testing.T) {
	forEachEngine(t, testStoryServersNeverSeeEachOther)
}

func testStoryServersNeverSeeEachOther(t *testing.T, db Option) {
	e := Start(t, db)
	id := wantCard(t, "add", addFile(e, e.General, e.Alice, "ferry.txt", []byte(plainStory)), "The Ferryman's Daughter")

	if got := e.Autocomplete(e.OtherGeneral, e.OtherMember, "story", storySub("info", discordtest.Focused(discordtest.String("story", "ferry")))); len(got) != 0 {
		t.Errorf("other server's autocomplete: %v", got)
	}
	for _, q := range []string{id, "The Ferryman's Daughter"} {
		wantEphemeral(t, "other server's info "+q, e.Slash(e.OtherGeneral, e.OtherMember, "story", storySub("info", discordtest.String("story", q))), "no story called")
		wantEphemeral(t, "other server's remove "+q, e.Slash(e.OtherGeneral, e.OtherMember, "story", storySub("remove", discordtest.String("story", q))), "no story called")
	}
	wantEphemeral(t, "other server's list", e.Slash(e.OtherGeneral, e.OtherMember, "story", storySub("list")), "library is empty")
	// The same file in the other server is its own story.
	wantCard(t, "add elsewhere", addFile(e, e.OtherGeneral, e.OtherMember, "ferry.txt", []byte(plainStory)), "The Ferryman's Daughter")
	if titles := libraryTitles(t, e, e.General, e.Alice); len(titles) != 1 {
		t.Errorf("main server's library: %q", titles)
	}
}
