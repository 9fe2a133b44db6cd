package commands

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestParseAddOptions(t *testing.T) {
	req, err := newRequest(slash("5", "story", "add",
		strOpt("title", "  The   Long  Way  "), strOpt("author", "a, b ,, A"), strOpt("rating", "Explicit"),
		strOpt("warnings", "Underage, choose not to use archive warnings"), strOpt("fandom", "X"), strOpt("tags", " ,"),
		&discordgo.ApplicationCommandInteractionDataOption{Name: "mine", Type: discordgo.ApplicationCommandOptionBoolean, Value: true}))
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseAddOptions(req)
	if err != nil {
		t.Fatal(err)
	}
	if o.Title != "The Long Way" || !slices.Equal(o.Authors, []string{"a", "b"}) || o.Rating != fic.RatingExplicit || !o.Mine {
		t.Errorf("options %+v", o)
	}
	if !slices.Equal(o.Warnings, []string{fic.WarningUnderage, fic.WarningChoseNotToUse}) {
		t.Errorf("warnings %q", o.Warnings)
	}
	if o.Tags != nil {
		t.Errorf("blank tags should not override: %q", o.Tags)
	}
	st := &fic.Story{Title: "File Title", Authors: []string{"f"}, Tags: []string{"keep"}, Rating: fic.RatingGeneral}
	o.apply(st)
	if st.Title != "The Long Way" || st.Rating != fic.RatingExplicit || !slices.Equal(st.Tags, []string{"keep"}) || !slices.Equal(st.Fandoms, []string{"X"}) {
		t.Errorf("applied %+v", st)
	}

	bad, _ := newRequest(slash("5", "story", "add", strOpt("rating", "PG-13")))
	if _, err := parseAddOptions(bad); err == nil || !strings.Contains(err.Error(), "isn't an AO3 rating") {
		t.Errorf("bad rating: %v", err)
	}
}

func TestFillMissing(t *testing.T) {
	file := &fic.Story{Title: "From File", Summary: "file summary", Rating: fic.RatingNotRated}
	link := &fic.Story{Title: "From Link", Summary: "link summary", Rating: fic.RatingTeen, Fandoms: []string{"F"},
		AO3ID: 7, AO3URL: "https://archiveofourown.org/works/7", ChaptersExpected: 4, Kudos: 9}
	fillMissing(file, link)
	if file.Title != "From File" || file.Summary != "file summary" || file.Rating != fic.RatingTeen || file.AO3ID != 7 ||
		file.ChaptersExpected != 4 || file.Kudos != 9 || !slices.Equal(file.Fandoms, []string{"F"}) {
		t.Errorf("filled %+v", file)
	}
	link.Fandoms[0] = "changed"
	if file.Fandoms[0] != "F" {
		t.Error("fillMissing shares slices")
	}
}

func TestListCustomIDRoundTrip(t *testing.T) {
	cases := []listQuery{
		{Page: 0, Sort: shelf.SortNewest},
		{Page: 12, Sort: shelf.SortKudos, Rating: fic.RatingNotRated, Fandom: "Star: Crossed", Tag: "100% fluff"},
		{Page: 3, Sort: shelf.SortTitle, Rating: fic.RatingTeen, Fandom: "%3A literally", Tag: "a:b:c"},
		{Page: 1, Sort: shelf.SortWords, Rating: fic.RatingExplicit, Fandom: "僕のヒーローアカデミア | Boku no Hero Academia", Tag: "Found Family"},
	}
	for _, q := range cases {
		id := q.customID()
		if len(id) > maxCustomID {
			t.Errorf("%q: %d bytes", id, len(id))
		}
		route, args := splitCustomID(id)
		got, ok := parseListArgs(args)
		if route != routeStoryList || !ok || got != q {
			t.Errorf("%q → %+v (ok %v), want %+v", id, got, ok, q)
		}
	}
	for _, args := range [][]string{nil, {"x", "n", "-", "", ""}, {"1", "z", "-", "", ""}, {"1", "n", "q", "", ""}, {"-1", "n", "-", "", ""}} {
		if _, ok := parseListArgs(args); ok {
			t.Errorf("parseListArgs(%q) accepted", args)
		}
	}
}

func TestListFitShortensLongFiltersConsistently(t *testing.T) {
	long := strings.Repeat("東京", 50) // 100 runes, 300 bytes
	q := listQuery{Sort: shelf.SortTitle, Rating: fic.RatingMature, Fandom: long, Tag: "Tag: with colon " + strings.Repeat("x", 80)}
	q.fit()
	for _, page := range []int{0, 1, 99999} {
		p := q
		p.Page = page
		if id := p.customID(); len(id) > maxCustomID || utf8.RuneCountInString(id) > maxCustomID {
			t.Errorf("page %d: %d bytes", page, len(id))
		}
		_, args := splitCustomID(p.customID())
		if got, ok := parseListArgs(args); !ok || got.Fandom != q.Fandom || got.Tag != q.Tag {
			t.Errorf("page %d: filters changed across pages: %+v", page, got)
		}
	}
	if !strings.HasPrefix(long, q.Fandom) || !strings.HasPrefix("Tag: with colon "+strings.Repeat("x", 80), q.Tag) || q.Fandom == "" || q.Tag == "" {
		t.Errorf("shortened filters %q / %q are not prefixes", q.Fandom, q.Tag)
	}
	short := listQuery{Sort: shelf.SortNewest, Fandom: "Short", Tag: "Also short"}
	before := short
	short.fit()
	if short != before {
		t.Errorf("fit changed filters that fit: %+v", short)
	}
}

func TestSplitListAndSizeText(t *testing.T) {
	if got, given, short := splitList(" a , b,,A, c "); !slices.Equal(got, []string{"a", "b", "c"}) || given != 3 || short != 0 {
		t.Errorf("splitList %q given %d shortened %d", got, given, short)
	}
	if got, given, _ := splitList(""); got != nil || given != 0 {
		t.Error("empty list not nil")
	}
	if got := firstRunes("東京 Tokyo", 3); got != "東京" {
		t.Errorf("firstRunes %q", got)
	}
	for n, want := range map[int64]string{10: "10 bytes", 2048: "2 KiB", 21 << 20: "21.0 MiB"} {
		if got := sizeText(n); got != want {
			t.Errorf("sizeText(%d) = %q", n, got)
		}
	}
}

// bigWork generates a work of about words words in chapters chapters, as
// plain text and as an AO3 HTML download.
func bigWork(words, chapters int) (plain, html string) {
	vocab := strings.Fields("the river ran past lamps and fog while Ines rowed slowly toward a harbour of quiet boats under grey skies")
	var p, h strings.Builder
	h.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Big</title></head><body>
<div id="preface"><p class="message"><b>The Long River</b><br/>Posted originally at <a href="https://archiveofourown.org/works/123">https://archiveofourown.org/works/123</a>.</p>
<div class="meta"><dl class="tags"><dt>Rating:</dt><dd><a href="#">General Audiences</a></dd><dt>Fandom:</dt><dd><a href="#">Original Work</a></dd>
<dt>Stats:</dt><dd>Words: 500,000 Chapters: 50/50</dd></dl><h1>The Long River</h1><div class="byline">by <a rel="author" href="#">w</a></div></div></div>
<div id="chapters" class="userstuff">`)
	p.WriteString("The Long River\n\n")
	per := words / chapters
	w := 0
	for c := 1; c <= chapters; c++ {
		fmt.Fprintf(&p, "Chapter %d\n\n", c)
		fmt.Fprintf(&h, `<div class="meta group"><h2 class="heading">Chapter %d</h2></div><div class="userstuff">`, c)
		for i := 0; i < per; {
			var s strings.Builder
			n := 8 + (w % 13)
			for j := 0; j < n; j++ {
				if j > 0 {
					s.WriteByte(' ')
				}
				s.WriteString(vocab[(w+j*7)%len(vocab)])
			}
			w += n
			i += n
			sentence := strings.ToUpper(s.String()[:1]) + s.String()[1:] + ". "
			p.WriteString(sentence)
			h.WriteString("<p>" + sentence + "</p>")
			if i%120 < n {
				p.WriteString("\n\n")
			}
		}
		p.WriteString("\n\n")
		h.WriteString("</div>")
	}
	h.WriteString("</div></body></html>")
	return p.String(), h.String()
}

// benchImport is what /story add does with a downloaded file: parse,
// index chapters, store.
func benchImport(b *testing.B, name, data string) {
	st := storetest.Open(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := fic.Import(name, []byte(data))
		if err != nil {
			b.Fatal(err)
		}
		if s.Words < 450_000 {
			b.Fatalf("imported %d words", s.Words)
		}
		chapters, err := IndexChapters(s)
		if err != nil {
			b.Fatal(err)
		}
		guild := fmt.Sprint(700000000000000001 + i) // a fresh server: the AO3 work ID is unique per server
		if _, err := st.AddStory(context.Background(), guild, s, chapters, "5", false, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImport500kWordsPlainText(b *testing.B) {
	plain, _ := bigWork(500_000, 50)
	benchImport(b, "long.txt", plain)
}

func BenchmarkImport500kWordsAO3HTML(b *testing.B) {
	_, html := bigWork(500_000, 50)
	benchImport(b, "long.html", html)
}

// A story given more tags (fandoms, authors, warnings) than the library
// keeps, or longer ones, or a longer title, is told what was kept.
func TestAddOptionsSayWhatWasKept(t *testing.T) {
	var tags []string
	for i := range 200 {
		tags = append(tags, fmt.Sprintf("tag %03d", i))
	}
	long := strings.Repeat("x", 160)
	req, err := newRequest(slash("5", "story", "add",
		strOpt("tags", strings.Join(tags, ", ")),
		strOpt("fandom", "Short, "+long+", "+long+"y"),
		strOpt("author", "a, b"),
		strOpt("title", strings.Repeat("T", 230))))
	if err != nil {
		t.Fatal(err)
	}
	o, err := parseAddOptions(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Tags) != maxListItems || o.Tags[0] != "tag 000" || o.Tags[49] != "tag 049" {
		t.Errorf("kept tags %q", o.Tags)
	}
	if len(o.Fandoms) != 2 || utf8.RuneCountInString(o.Fandoms[1]) != maxItemLength {
		t.Errorf("fandoms %q", o.Fandoms)
	}
	got := strings.Join(o.Kept, " ")
	for _, want := range []string{
		"Shortened the title to 200 characters.",
		"Kept the first 50 of 200 tags.",
		// The two long fandoms are the same up to the cut: one is kept.
		"Kept the first 2 of 3 fandoms.",
		"Shortened 1 fandom to 150 characters.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("kept %q; want %q", got, want)
		}
	}
	if strings.Contains(got, "author") {
		t.Errorf("authors were kept as given, yet: %q", got)
	}

	plain, _ := newRequest(slash("5", "story", "add", strOpt("tags", "a, b"), strOpt("title", "Fine")))
	if o, _ := parseAddOptions(plain); len(o.Kept) != 0 {
		t.Errorf("options kept as given, yet: %q", o.Kept)
	}
	if got := listKept(3, 3, 2, "tag", "tags"); !slices.Equal(got, []string{"Shortened 2 tags to 150 characters each."}) {
		t.Errorf("listKept %q", got)
	}
}

func TestChaptersKeptTellsChaptersWithoutProse(t *testing.T) {
	st := &fic.Story{ChaptersPosted: 5, Chapters: make([]fic.Chapter, 4)}
	if got := strings.Join(chaptersKept(st), " "); !strings.Contains(got, "text for 4 of the work's 5 chapters") {
		t.Errorf("chaptersKept %q", got)
	}
	for _, st := range []*fic.Story{{ChaptersPosted: 4, Chapters: make([]fic.Chapter, 4)}, {ChaptersPosted: 3}} {
		if got := chaptersKept(st); got != nil {
			t.Errorf("chaptersKept(%d of %d) = %q", len(st.Chapters), st.ChaptersPosted, got)
		}
	}
}

// A /story list filter longer than the page buttons can carry is
// shortened, and the list says so.
func TestStoryListSaysWhenAFilterWasShortened(t *testing.T) {
	st := storetest.Open(t)
	c := newCmds(Deps{Store: st, Now: time.Now})
	r := NewRouter(nil)
	c.registerStory(r)
	long := strings.Repeat("very ", 40) + "long tag" // 208 characters
	s := storetest.Story("Tagged", "a")
	s.Tags = []string{long}
	storetest.Add(t, st, testGuild, "501", s)

	resp := handle(t, r, slash("502", "story", "list", strOpt("tag", long)))
	if len(resp.Data.Embeds) != 1 {
		t.Fatalf("list: %q", resp.Data.Content)
	}
	d := resp.Data.Embeds[0].Description
	if !strings.Contains(d, "Tagged") || !regexp.MustCompile(`I filtered by the first 8\d characters of the tag you typed\.`).MatchString(d) {
		t.Errorf("list by a long tag:\n%s", d)
	}
	resp = handle(t, r, slash("502", "story", "list", strOpt("tag", "x"+long)))
	if !strings.Contains(resp.Data.Content, "No stories") || !strings.Contains(resp.Data.Content, "characters of the tag you typed") {
		t.Errorf("no match by a long tag: %q", resp.Data.Content)
	}
	resp = handle(t, r, slash("502", "story", "list", strOpt("tag", "very")))
	if d := resp.Data.Embeds[0].Description; strings.Contains(d, "I filtered by") {
		t.Errorf("a short filter said it was shortened:\n%s", d)
	}
}

// A page of /story list shows every one of its ten stories, however long
// their titles: the next page starts at the eleventh.
func TestStoryListPageShowsEveryStory(t *testing.T) {
	st := storetest.Open(t)
	c := newCmds(Deps{Store: st, Now: time.Now})
	r := NewRouter(nil)
	c.registerStory(r)
	for i := range 12 {
		s := storetest.Story(fmt.Sprintf("%02d %s", i, strings.Repeat("*_", 100)), strings.Repeat("|~", 60))
		s.Fandoms = []string{strings.Repeat("`[", 60)}
		storetest.Add(t, st, testGuild, "501", s)
	}
	resp := handle(t, r, slash("502", "story", "list", strOpt("sort", "title")))
	d := resp.Data.Embeds[0].Description
	if utf8.RuneCountInString(d) > maxListText {
		t.Errorf("%d characters", utf8.RuneCountInString(d))
	}
	for i := 1; i <= 10; i++ {
		if !strings.Contains(d, fmt.Sprintf("**%d.** **%02d", i, i-1)) {
			t.Errorf("story %d missing from page 1:\n%.600s", i, d)
		}
	}
}
