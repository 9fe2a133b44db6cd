package fic

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustImport(t *testing.T, name string, data []byte) *Story {
	t.Helper()
	st, err := Import(name, data)
	if err != nil {
		t.Fatalf("Import(%q): %v", name, err)
	}
	return st
}

func checkSampleWork(t *testing.T, st *Story) {
	t.Helper()
	if st.Title != "The Lamp at Gull Point" {
		t.Errorf("title %q", st.Title)
	}
	if !reflect.DeepEqual(st.Authors, []string{"saltwriter"}) {
		t.Errorf("authors %q", st.Authors)
	}
	if st.Rating != RatingMature {
		t.Errorf("rating %q", st.Rating)
	}
	if !reflect.DeepEqual(st.Warnings, []string{WarningMajorDeath, WarningUnderage}) {
		t.Errorf("warnings %q", st.Warnings)
	}
	if !reflect.DeepEqual(st.Categories, []string{"F/F", "Gen"}) {
		t.Errorf("categories %q", st.Categories)
	}
	if !reflect.DeepEqual(st.Fandoms, []string{"Lighthouse Keepers (Original Work)"}) {
		t.Errorf("fandoms %q", st.Fandoms)
	}
	if !reflect.DeepEqual(st.Relationships, []string{"Maren/Ottoline"}) {
		t.Errorf("relationships %q", st.Relationships)
	}
	if !reflect.DeepEqual(st.Characters, []string{"Maren Vell", "Ottoline Graye", "The Fog"}) {
		t.Errorf("characters %q", st.Characters)
	}
	if !reflect.DeepEqual(st.Tags, []string{"Slow Burn", "Storms", "Found Family"}) {
		t.Errorf("tags %q", st.Tags)
	}
	if st.Language != "English" {
		t.Errorf("language %q", st.Language)
	}
	if !reflect.DeepEqual(st.Series, []string{"Part 2 of The Salt Years"}) {
		t.Errorf("series %q", st.Series)
	}
	if !reflect.DeepEqual(st.SeriesRefs, []SeriesRef{{ID: 77, Title: "The Salt Years", Part: 2}}) {
		t.Errorf("series refs %+v", st.SeriesRefs)
	}
	if st.Words != 1234 || st.ChaptersPosted != 3 || st.ChaptersExpected != 0 || st.ChapterCount() != "3/?" {
		t.Errorf("stats words=%d chapters=%s", st.Words, st.ChapterCount())
	}
	if !st.Published.Equal(time.Date(2021, 5, 6, 0, 0, 0, 0, time.UTC)) || !st.Updated.Equal(time.Date(2022, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dates %v %v", st.Published, st.Updated)
	}
	if st.AO3ID != 4242 || st.AO3URL != "https://archiveofourown.org/works/4242" {
		t.Errorf("ao3 %d %q", st.AO3ID, st.AO3URL)
	}
	if st.Summary != "Maren keeps the light. Ottoline keeps secrets." {
		t.Errorf("summary %q", st.Summary)
	}
	if st.Notes != "Thanks to my beta, who knows what she did." {
		t.Errorf("notes %q", st.Notes)
	}
	if st.EndNotes != "Come say hi on my blog!" {
		t.Errorf("end notes %q", st.EndNotes)
	}
	want := []Chapter{
		{Title: "Fog Season", Text: "The fog came in *sideways* that year.\n\nMaren counted the ships & the gulls.",
			Notes: "Summary: The fog arrives.\n\nChapter one note.", EndNotes: "More soon!"},
		{Title: "Chapter 2", Text: "Ottoline arrived on a Tuesday.\nShe brought a trunk.\n\n“Is this the lamp?” she asked."},
		{Title: "Storm", Text: "The storm broke at midnight.", Notes: "Warning for weather."},
	}
	if !reflect.DeepEqual(st.Chapters, want) {
		t.Errorf("chapters:\n got %#v\nwant %#v", st.Chapters, want)
	}
}

func TestAO3HTMLMultiChapter(t *testing.T) {
	st := mustImport(t, "work.html", []byte(sampleWork().html()))
	checkSampleWork(t, st)
}

func TestAO3HTMLOneShot(t *testing.T) {
	w := sampleWork()
	w.chapters = []fixChapter{{text: "<p>Only one   chapter\n here.</p><p>&nbsp;</p><p>The end.</p>"}}
	w.meta = [][2]string{{"Rating:", tagLinks("General Audiences")}, {"Archive Warning:", tagLinks("Creator Chose Not To Use Archive Warnings")},
		{"Stats:", "Published: 2020-01-01 Words: 5 Chapters: 1/1"}}
	st := mustImport(t, "x.html", []byte(w.html()))
	if len(st.Chapters) != 1 || st.Chapters[0].Text != "Only one chapter here.\n\nThe end." {
		t.Fatalf("chapters %#v", st.Chapters)
	}
	if st.Rating != RatingGeneral || !WarningsUnknown(st.Warnings) || len(RealWarnings(st.Warnings)) != 0 {
		t.Errorf("rating %q warnings %q", st.Rating, st.Warnings)
	}
	if !st.Complete() || st.ChapterCount() != "1/1" {
		t.Errorf("chapters %s", st.ChapterCount())
	}
}

// TestAO3PrefaceLabels covers every preface label in its singular, plural
// and older wordings.
func TestAO3PrefaceLabels(t *testing.T) {
	tests := []struct {
		label, dd string
		check     func(*Story) any
		want      any
	}{
		{"Rating:", tagLinks("Explicit"), func(s *Story) any { return s.Rating }, RatingExplicit},
		{"Ratings:", tagLinks("Teen And Up Audiences"), func(s *Story) any { return s.Rating }, RatingTeen},
		{"Rating:", tagLinks("Not Rated"), func(s *Story) any { return s.Rating }, RatingNotRated},
		{"Archive Warning:", tagLinks("No Archive Warnings Apply"), func(s *Story) any { return s.Warnings }, []string{WarningNoneApply}},
		{"Archive Warnings:", tagLinks("Graphic Depictions Of Violence", "Rape/Non-Con"), func(s *Story) any { return s.Warnings }, []string{WarningViolence, WarningNonCon}},
		{"Warning:", tagLinks("Choose Not To Use Archive Warnings"), func(s *Story) any { return s.Warnings }, []string{WarningChoseNotToUse}},
		{"Warnings:", tagLinks("Underage"), func(s *Story) any { return s.Warnings }, []string{WarningUnderage}},
		{"Category:", tagLinks("M/M"), func(s *Story) any { return s.Categories }, []string{"M/M"}},
		{"Categories:", tagLinks("F/M", "Multi"), func(s *Story) any { return s.Categories }, []string{"F/M", "Multi"}},
		{"Fandom:", tagLinks("Tea Shop AU"), func(s *Story) any { return s.Fandoms }, []string{"Tea Shop AU"}},
		{"Fandoms:", tagLinks("A", "B"), func(s *Story) any { return s.Fandoms }, []string{"A", "B"}},
		{"Relationship:", tagLinks("X/Y"), func(s *Story) any { return s.Relationships }, []string{"X/Y"}},
		{"Relationships:", tagLinks("X/Y", "X & Z"), func(s *Story) any { return s.Relationships }, []string{"X/Y", "X & Z"}},
		{"Pairing:", "X/Y, Y/Z", func(s *Story) any { return s.Relationships }, []string{"X/Y", "Y/Z"}},
		{"Character:", tagLinks("X"), func(s *Story) any { return s.Characters }, []string{"X"}},
		{"Characters:", tagLinks("X", "Y"), func(s *Story) any { return s.Characters }, []string{"X", "Y"}},
		{"Additional Tags:", tagLinks("Fluff", "Angst"), func(s *Story) any { return s.Tags }, []string{"Fluff", "Angst"}},
		{"Freeform:", tagLinks("Fluff"), func(s *Story) any { return s.Tags }, []string{"Fluff"}},
		{"Language:", "Español", func(s *Story) any { return s.Language }, "Español"},
		{"Series:", `Part 1 of <a href="/series/1">One, Two</a>, Part 3 of <a href="/series/2">Other</a>`, func(s *Story) any { return s.Series }, []string{"Part 1 of One, Two", "Part 3 of Other"}},
		{"Series:", `Part 1 of <a href="/series/1">One, Two</a>, Part 3 of <a href="https://archiveofourown.org/series/2">Other</a>`, func(s *Story) any { return s.SeriesRefs }, []SeriesRef{{1, "One, Two", 1}, {2, "Other", 3}}},
		{"Series:", `Part 4 of Unlinked, Part 1 of Also`, func(s *Story) any { return s.SeriesRefs }, []SeriesRef{{0, "Unlinked", 4}, {0, "Also", 1}}},
		{"Series:", `Part 4 of Unlinked, Part 1 of Also`, func(s *Story) any { return s.Series }, []string{"Part 4 of Unlinked", "Part 1 of Also"}},
		{"Stats:", "Published: 2019-02-03 Completed: 2019-03-04 Words: 98,765 Chapters: 12/12", func(s *Story) any {
			return []any{s.Words, s.ChaptersPosted, s.ChaptersExpected, s.Updated.Format("2006-01-02")}
		}, []any{98765, 12, 12, "2019-03-04"}},
		{"Stats:", "Published: 2019-02-03 Words: 10 Chapters: 3/?", func(s *Story) any { return s.ChapterCount() }, "3/?"},
		{"Stats:", "Published: 2019-02-03 Words: 10 Chapters: 5/10", func(s *Story) any { return s.ChapterCount() }, "5/10"},
	}
	for _, tt := range tests {
		t.Run(tt.label+tt.dd, func(t *testing.T) {
			w := sampleWork()
			w.meta = [][2]string{{tt.label, tt.dd}}
			st := mustImport(t, "w.html", []byte(w.html()))
			if got := tt.check(st); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s %s: got %#v, want %#v", tt.label, tt.dd, got, tt.want)
			}
		})
	}
}

func TestAO3HTMLWithoutProse(t *testing.T) {
	w := sampleWork()
	w.chapters = []fixChapter{{text: "<p>  </p><img src=\"x.png\"/>"}}
	_, err := Import("w.html", []byte(w.html()))
	if !errors.Is(err, ErrNoProse) {
		t.Fatalf("err %v", err)
	}
}

func TestGenericHTML(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>Page Title</title><script>var x = "<p>no</p>";</script><style>p{}</style></head>
<body><h1>Winter Orchard</h1><p>by Someone</p>
<h2>Chapter 1</h2><p>Snow on the <b>apples</b>.</p><p>Frost on the <i>pears</i>.</p>
<h2>Chapter 2: Thaw</h2><p>Water everywhere. Notes: thanks for reading!</p></body></html>`
	st := mustImport(t, "orchard.htm", []byte(page))
	if st.Title != "Winter Orchard" || !reflect.DeepEqual(st.Authors, []string{"Someone"}) {
		t.Errorf("title %q authors %q", st.Title, st.Authors)
	}
	want := []Chapter{{Title: "Chapter 1", Text: "Snow on the **apples**.\n\nFrost on the *pears*."}, {Title: "Thaw", Text: "Water everywhere."}}
	if !reflect.DeepEqual(st.Chapters, want) {
		t.Errorf("chapters %#v", st.Chapters)
	}
	if st.EndNotes != "thanks for reading!" {
		t.Errorf("end notes %q", st.EndNotes)
	}
}

func TestHTMLText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<p>a</p><p>b</p>", "a\n\nb"},
		{"<div>one<br>two<br><br>three</div>", "one\ntwo\n\nthree"},
		{"<p>  lots   of\n\tspace&nbsp;here </p>", "lots of space here"},
		{"<p><em> lean </em>in</p>", "*lean* in"},
		{"<p><strong>bold</strong> and <i>it<b>al</b></i></p>", "**bold** and it**al**"},
		{"<p><em>a*b</em></p>", "a*b"},
		{"<p>x &amp; y &lt;z&gt; &#8217;</p>", "x & y <z> ’"},
		{"<p>‘curly’ and 'straight'</p>", "‘curly’ and 'straight'"},
		{"<ul><li>one</li><li>two</li></ul>", "one\n\ntwo"},
		{"<p>a</p><script>alert(1)</script><style>.x{}</style><p>b</p>", "a\n\nb"},
		{"<p>a<hr>b</p>", "a\n\nb"},
		{"<blockquote><p>quoted</p></blockquote>after", "quoted\n\nafter"},
	}
	for _, tt := range tests {
		st, err := ImportHTML("x.html", "<html><body>"+tt.in+"</body></html>")
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := st.Chapters[0].Text; got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOldDownloadLayout(t *testing.T) {
	// An older download: chapters as div.chapter with h2.toc-heading and a
	// heading inside the meta group, prose paragraphs directly in a div
	// without the userstuff class.
	page := `<html><head><title>Old Work</title></head><body>
<div id="preface"><p class="message"><b>Old Work</b><br/>Posted originally on the Archive of Our Own at <a href="http://archiveofourown.org/works/99">http://archiveofourown.org/works/99</a>.</p>
<div class="meta"><dl class="tags"><dt>Rating:</dt><dd>General Audiences</dd><dt>Warnings:</dt><dd>No Archive Warnings Apply</dd>
<dt>Stats:</dt><dd>Published: 2011-01-01 Chapters: 2/2 Words: 40</dd></dl>
<h1>Old Work</h1><div class="byline">by <a rel="author" href="/users/a">alpha</a>, <a rel="author" href="/users/b">beta</a></div></div></div>
<div id="chapters">
<h2 class="toc-heading">Chapter 1</h2>
<div class="meta group"><h2 class="heading">Chapter 1: Beginnings</h2><p>Chapter Notes</p><blockquote class="userstuff"><p>Hi!</p></blockquote></div>
<div><p>First words.</p><p>More words.</p></div>
<h2 class="toc-heading">Chapter 2</h2>
<div class="meta group"><h2 class="heading">Chapter 2</h2></div>
<div><p>Second words.</p></div>
<div class="meta" id="endnotes2"><p>Chapter End Notes</p><blockquote class="userstuff"><p>Bye!</p></blockquote></div>
</div>
<div id="afterword"><p class="message">comment!</p></div></body></html>`
	st := mustImport(t, "old.html", []byte(page))
	want := []Chapter{{Title: "Beginnings", Text: "First words.\n\nMore words.", Notes: "Hi!"}, {Title: "Chapter 2", Text: "Second words.", EndNotes: "Bye!"}}
	if !reflect.DeepEqual(st.Chapters, want) {
		t.Errorf("chapters %#v", st.Chapters)
	}
	if !reflect.DeepEqual(st.Authors, []string{"alpha", "beta"}) || st.AO3ID != 99 || st.Rating != RatingGeneral || st.ChapterCount() != "2/2" {
		t.Errorf("story %+v", st)
	}
	if strings.Contains(st.Chapters[1].Text, "Bye") {
		t.Error("end notes in text")
	}
}

// AO3's classes are read as they are or as Calibre renames them
// ("message2"), not as the start of another class ("messages"): only the
// preface's message paragraph gives the work's link.
func TestPrefaceMessageClassNumberedCopyOnly(t *testing.T) {
	for class, want := range map[string]int64{"message": 5, "message2": 5, "messages": 0, "message-x": 0} {
		page := `<html><body><div id="preface"><p class="` + class + `">Kept at <a href="https://archiveofourown.org/works/5">the Archive</a>.</p>
<h1>Title</h1></div><div id="chapters"><p>Text.</p></div></body></html>`
		if st := mustImport(t, "x.html", []byte(page)); st.AO3ID != want {
			t.Errorf("class %q: AO3 ID %d, want %d", class, st.AO3ID, want)
		}
	}
}
