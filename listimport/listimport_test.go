package listimport

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"reflect"
	"strings"
	"testing"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func mustParse(t *testing.T, name, data string, extra ...string) Result {
	t.Helper()
	res, err := Parse(name, []byte(data), extra...)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return res
}

func ids(ws []Work) []int64 {
	var out []int64
	for _, w := range ws {
		out = append(out, w.AO3ID)
	}
	return out
}

func skipped(r Result) map[Reason]int {
	m := map[Reason]int{}
	for _, t := range r.Skipped {
		m[t.Reason] = t.Count
	}
	return m
}

func TestBookmarksPage(t *testing.T) {
	p := bookmarksPage(
		blurb{id: 11, title: "Salt & Stars", authors: []string{"wren", "moth"}, fandoms: []string{"Original Work", "Sea Shanties"}, notes: "Reread <em>every</em> winter."},
		blurb{id: 12, title: "Series of Tides", authors: []string{"wren"}, kind: "series"},
		blurb{id: 13, title: "Elsewhere Story", authors: []string{"someone"}, kind: "external"},
		blurb{kind: "deleted"},
		blurb{id: 14, title: "Secret Exchange", kind: "mystery"},
		blurb{id: 15, title: "Nobody's Name", anon: true, fandoms: []string{"Original Work"}},
		blurb{id: 11, title: "Salt & Stars", authors: []string{"wren", "moth"}},
		blurb{id: 16, title: "Full Link", authors: []string{"kit"}, href: "https://archiveofourown.org/works/16"},
		blurb{id: 17, title: "Collected", authors: []string{"kit"}, href: "/collections/fest/works/17"},
		blurb{id: 18, title: "Mirror", authors: []string{"kit"}, href: "https://mirror.example/works/18"},
		blurb{id: 19, title: "Tagged Read", authors: []string{"kit"}, tags: []string{"Favourites", "Read", "DNF"}},
		blurb{id: 20, title: "Tagged Reading", authors: []string{"kit"}, tags: []string{"currently reading"}},
	)
	res := mustParse(t, "Bookmarks.html", p)
	if res.Format != FormatAO3Bookmarks {
		t.Fatalf("format %q", res.Format)
	}
	if got, want := ids(res.Works), []int64{11, 15, 16, 17, 19, 20}; !reflect.DeepEqual(got, want) {
		t.Fatalf("works %v, want %v", got, want)
	}
	w := res.Works[0]
	want := Work{AO3ID: 11, Title: "Salt & Stars", Authors: []string{"wren", "moth"}, Fandoms: []string{"Original Work", "Sea Shanties"},
		Status: shelf.StatusToRead, Note: "Reread every winter."}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("first work\n got %+v\nwant %+v", w, want)
	}
	if res.Works[4].Status != shelf.StatusFinished || res.Works[5].Status != shelf.StatusReading {
		t.Errorf("statuses from bookmarker's tags: %q %q", res.Works[4].Status, res.Works[5].Status)
	}
	if a := res.Works[1].Authors; !reflect.DeepEqual(a, []string{"Anonymous"}) {
		t.Errorf("anonymous authors %v", a)
	}
	wantSkip := map[Reason]int{ReasonSeries: 1, ReasonExternal: 1, ReasonDeleted: 1, ReasonMystery: 1, ReasonDuplicate: 1, ReasonOtherSite: 1}
	if got := skipped(res); !reflect.DeepEqual(got, wantSkip) {
		t.Errorf("skipped %v, want %v", got, wantSkip)
	}
	if res.Skipped[0].Reason != ReasonSeries || res.Skipped[0].Examples[0] != "Series of Tides" {
		t.Errorf("first skip %+v", res.Skipped[0])
	}
}

// A blurb whose heading links off AO3 (a saved page's rewritten link) is
// told by its class: AO3 names series and external-work blurbs by a class
// prefix ("series-<id>", "external-work-<id>"), and the prefix decides
// whatever follows it.
func TestBlurbOffAO3ToldByClassPrefix(t *testing.T) {
	p := bookmarksPage(
		blurb{id: 1, title: "Series", kind: "series", href: "https://example.org/s"},
		blurb{id: 2, title: "External", kind: "external", href: "https://example.org/e"},
		blurb{id: 3, title: "Other", href: "https://example.org/o"},
		blurb{id: 4, title: "Series too", kind: "series", href: "https://example.org/s2"},
		blurb{id: 5, title: "External too", kind: "external", href: "https://example.org/e2"},
		blurb{id: 6, title: "On AO3"},
	)
	p = strings.NewReplacer("series-4 ", "series-four ", `external-work-5"`, `external-work-five"`).Replace(p)
	res := mustParse(t, "b.html", p)
	want := map[Reason]int{ReasonSeries: 2, ReasonExternal: 2, ReasonOtherSite: 1}
	if got := skipped(res); !reflect.DeepEqual(ids(res.Works), []int64{6}) || !reflect.DeepEqual(got, want) {
		t.Errorf("works %v, skipped %v, want %v", ids(res.Works), got, want)
	}
}

func TestReadingsPages(t *testing.T) {
	works := []blurb{
		{id: 21, title: "Lanterns", authors: []string{"ash"}, fandoms: []string{"Lamps"}},
		{id: 22, title: "Later Maybe", authors: []string{"ash"}, viewed: "<span>Last visited:</span> 01 May 2024 (Update available.) Visited once (Marked for Later.)"},
		{kind: "deleted"},
		{id: 23, title: "Hidden", kind: "mystery"},
	}
	hist := mustParse(t, "history.html", readingsPage(false, works...))
	if hist.Format != FormatAO3History {
		t.Fatalf("format %q", hist.Format)
	}
	if got := ids(hist.Works); !reflect.DeepEqual(got, []int64{21, 22}) {
		t.Fatalf("works %v", got)
	}
	if hist.Works[0].Status != shelf.StatusReading || hist.Works[1].Status != shelf.StatusToRead {
		t.Errorf("statuses %q %q", hist.Works[0].Status, hist.Works[1].Status)
	}
	if got := skipped(hist); !reflect.DeepEqual(got, map[Reason]int{ReasonDeleted: 1, ReasonMystery: 1}) {
		t.Errorf("skipped %v", got)
	}
	later := mustParse(t, "x.html", readingsPage(true, works[:2]...))
	if later.Format != FormatAO3MarkedLater {
		t.Fatalf("format %q", later.Format)
	}
	for _, w := range later.Works {
		if w.Status != shelf.StatusToRead {
			t.Errorf("%s: status %q", w.Title, w.Status)
		}
	}
}

func TestWorksAndSeriesPages(t *testing.T) {
	bs := []blurb{
		{id: 31, title: "Part One", authors: []string{"wren"}, fandoms: []string{"Roads"}, complete: true},
		{id: 32, title: "Part Two", authors: []string{"wren"}},
	}
	for _, tc := range []struct {
		series bool
		want   Format
	}{{false, FormatAO3Works}, {true, FormatAO3Series}} {
		res := mustParse(t, "page.htm", worksPage(tc.series, bs...))
		if res.Format != tc.want || !reflect.DeepEqual(ids(res.Works), []int64{31, 32}) {
			t.Errorf("series=%v: %q %v", tc.series, res.Format, ids(res.Works))
		}
		if res.Works[0].Title != "Part One" || res.Works[0].Status != shelf.StatusToRead || res.Works[0].Fandoms[0] != "Roads" {
			t.Errorf("work %+v", res.Works[0])
		}
	}
}

func TestAO3PageExtraHost(t *testing.T) {
	p := worksPage(false, blurb{id: 41, title: "Local", authors: []string{"a"}, href: "http://127.0.0.1:8080/works/41"})
	if _, err := Parse("p.html", []byte(p)); !errors.Is(err, ErrNoWorks) {
		t.Errorf("without the extra host: %v", err)
	}
	res := mustParse(t, "p.html", p, "127.0.0.1:8080")
	if !reflect.DeepEqual(ids(res.Works), []int64{41}) {
		t.Errorf("works %v", ids(res.Works))
	}
}

func TestWorkPageRefused(t *testing.T) {
	p := `<html><body><div id="main"><dl class="work meta group"><dt class="rating tags">Rating:</dt></dl><div id="workskin"><p>Text <a href="https://archiveofourown.org/works/5">x</a></p></div></div></body></html>`
	_, err := Parse("work.html", []byte(p))
	var ie *fic.ImportError
	if !errors.As(err, &ie) || !errors.Is(err, ErrNotList) || !strings.Contains(ie.Message, "one work's page") {
		t.Fatalf("err %v", err)
	}
}

func TestHTMLLinks(t *testing.T) {
	p := `<html><body><p>My recs:</p><ul>
<li><a href="https://archiveofourown.org/works/51/chapters/9">first</a></li>
<li><a href="https://archiveofourown.org/series/52">a series</a></li>
<li><a href="https://www.fanfiction.net/s/1">elsewhere</a></li>
<li><a href="/works/53">relative: the page's own, ignored</a></li>
<li><a href="http://archiveofourown.org/works/54?view_adult=true">second</a></li></ul></body></html>`
	res := mustParse(t, "recs.html", p)
	if res.Format != FormatLinks || !reflect.DeepEqual(ids(res.Works), []int64{51, 54}) {
		t.Errorf("%q %v", res.Format, ids(res.Works))
	}
	if got := skipped(res); !reflect.DeepEqual(got, map[Reason]int{ReasonSeries: 1}) {
		t.Errorf("skipped %v", got)
	}
}

// exportEntry is the JSON of one store.ListEntry as the exports write it.
type exportEntry struct {
	StoryID          string   `json:"story_id"`
	Status           string   `json:"status"`
	Chapter          int      `json:"chapter"`
	Note             string   `json:"note,omitempty"`
	Added            string   `json:"added"`
	Updated          string   `json:"updated"`
	Title            string   `json:"title"`
	Authors          []string `json:"authors,omitempty"`
	ChaptersPosted   int      `json:"chapters_posted"`
	ChaptersExpected int      `json:"chapters_expected"`
}

var exportEntries = []exportEntry{
	{StoryID: "7", Status: "reading", Chapter: 3, Note: "the lighthouse chapter!", Added: "2026-01-02T03:04:05Z", Updated: "2026-02-02T03:04:05Z", Title: "The Keeper", Authors: []string{"gull"}, ChaptersPosted: 5, ChaptersExpected: 5},
	{StoryID: "9", Status: "finished", Chapter: 1, Added: "2026-01-02T03:04:05Z", Updated: "2026-01-02T03:04:05Z", Title: "Short One", ChaptersPosted: 1, ChaptersExpected: 1},
	{StoryID: "12", Status: "On-Hold", Title: "Paused", Authors: []string{"a", "b"}},
	{StoryID: "13", Status: "someday", Title: "Odd Status"},
	{StoryID: "14", Status: "dropped", Title: ""},
	{StoryID: "15", Status: "dropped", Title: "The Keeper", Authors: []string{"gull"}},
}

func TestFicshelfReadingListExport(t *testing.T) {
	doc := map[string]any{"format": "ficshelf-reading-list/1", "guild_id": "1", "user_id": "2", "exported_at": "2026-03-01T00:00:00Z", "entries": exportEntries}
	data, _ := json.MarshalIndent(doc, "", "  ")
	res := mustParse(t, "reading-list.json", string(data))
	checkFicshelf(t, res, FormatFicshelfList)
}

func TestFicshelfMemberExport(t *testing.T) {
	doc := map[string]any{"format": "ficshelf-member-data/1", "exported_at": "2026-03-01T00:00:00Z", "guild_id": "1", "user_id": "2",
		"reading_list": exportEntries, "kudos_given": []any{map[string]any{"story_id": "7", "title": "The Keeper", "at": "2026-01-01T00:00:00Z"}},
		"stories_added": []any{}, "other": map[string]any{"recs": map[string]any{"recs": []any{}}}}
	data, _ := json.Marshal(doc)
	// Renamed to .txt: the content decides.
	res := mustParse(t, "my data.txt", "\ufeff"+string(data))
	checkFicshelf(t, res, FormatFicshelfMember)
}

func checkFicshelf(t *testing.T, res Result, f Format) {
	t.Helper()
	if res.Format != f {
		t.Fatalf("format %q", res.Format)
	}
	want := []Work{
		{Title: "The Keeper", Authors: []string{"gull"}, Status: shelf.StatusReading, Chapter: 3, Note: "the lighthouse chapter!"},
		{Title: "Short One", Status: shelf.StatusFinished, Chapter: 1},
		{Title: "Paused", Authors: []string{"a", "b"}, Status: shelf.StatusOnHold},
		{Title: "Odd Status", Status: shelf.StatusToRead},
	}
	if !reflect.DeepEqual(res.Works, want) {
		t.Errorf("works\n got %+v\nwant %+v", res.Works, want)
	}
	if got := skipped(res); !reflect.DeepEqual(got, map[Reason]int{ReasonNoTitle: 1, ReasonDuplicate: 1}) {
		t.Errorf("skipped %v", got)
	}
	if len(res.Adjusted) != 1 || res.Adjusted[0].Reason != ReasonUnknownStatus || res.Adjusted[0].Examples[0] != "Odd Status" {
		t.Errorf("adjusted %+v", res.Adjusted)
	}
}

func TestFicshelfAO3Fields(t *testing.T) {
	doc := `{"format":"ficshelf-reading-list/1","entries":[
{"story_id":"1","status":"to-read","title":"A","ao3_id":101},
{"story_id":"2","status":"to-read","title":"B","ao3_url":"https://archiveofourown.org/works/102"},
{"story_id":"3","status":"to-read","title":"C","ao3_id":"103","chapter":-4},
{"story_id":"4","status":"to-read","title":"A again","ao3_id":101}]}`
	res := mustParse(t, "x.json", doc)
	if !reflect.DeepEqual(ids(res.Works), []int64{101, 102, 103}) {
		t.Errorf("ids %v", ids(res.Works))
	}
	if skipped(res)[ReasonDuplicate] != 1 || len(res.Adjusted) != 1 || res.Adjusted[0].Reason != ReasonBadChapter {
		t.Errorf("skipped %v adjusted %v", res.Skipped, res.Adjusted)
	}
}

func TestFicshelfErrors(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		kind error
		msg  string
	}{
		{`{"format":"ficshelf-reading-list/2","entries":[]}`, ErrNewFormat, "newer version"},
		{`{"format":"something-else","entries":[]}`, ErrNotList, "isn't a Ficshelf export"},
		{`{"entries": [}`, ErrNotList, "isn't a Ficshelf export"},
		{`{"format":"ficshelf-reading-list/1","entries":{"x":1}}`, ErrNotList, "damaged"},
		{`{"format":"ficshelf-reading-list/1","entries":[]}`, ErrNoWorks, "no works"},
	} {
		_, err := Parse("x.json", []byte(tc.doc))
		var ie *fic.ImportError
		if !errors.Is(err, tc.kind) || !errors.As(err, &ie) || !strings.Contains(ie.Message, tc.msg) {
			t.Errorf("%s: %v", tc.doc, err)
		}
	}
}

func TestCSV(t *testing.T) {
	csv := "\ufefftitle,author,rating,fandom,Status,Chapter,Notes,link\r\n" +
		"Salt,\"['wren', 'moth']\",Teen,Sea,Finished,3/3,loved it,https://archiveofourown.org/works/61\r\n" +
		"Wind,kit,General,Air,CURRENTLY READING,2,,https://archiveofourown.org/works/62/chapters/7\r\n" +
		"Fire,kit,General,Air,,,,\r\n" +
		"Earth,kit,General,Air,on hold,x,,https://www.fanfiction.net/s/9\r\n" +
		"Water,kit,General,Air,wishlist,,,archiveofourown.org/works/63\r\n" +
		"Salt again,wren,Teen,Sea,to-read,,,https://archiveofourown.org/works/61\r\n" +
		"Whole,kit,General,Air,,,,https://archiveofourown.org/series/5\r\n"
	res := mustParse(t, "links_12012026.csv", csv)
	if res.Format != FormatCSV {
		t.Fatalf("format %q", res.Format)
	}
	want := []Work{
		{AO3ID: 61, Title: "Salt", Authors: []string{"wren", "moth"}, Fandoms: []string{"Sea"}, Status: shelf.StatusFinished, Chapter: 3, Note: "loved it"},
		{AO3ID: 62, Title: "Wind", Authors: []string{"kit"}, Fandoms: []string{"Air"}, Status: shelf.StatusReading, Chapter: 2},
		{AO3ID: 63, Title: "Water", Authors: []string{"kit"}, Fandoms: []string{"Air"}, Status: shelf.StatusToRead},
	}
	if !reflect.DeepEqual(res.Works, want) {
		t.Errorf("works\n got %+v\nwant %+v", res.Works, want)
	}
	if got := skipped(res); !reflect.DeepEqual(got, map[Reason]int{ReasonNoLink: 1, ReasonOtherSite: 1, ReasonDuplicate: 1, ReasonSeries: 1}) {
		t.Errorf("skipped %v", got)
	}
	if len(res.Adjusted) != 1 || res.Adjusted[0].Reason != ReasonUnknownStatus {
		t.Errorf("adjusted %+v", res.Adjusted)
	}
}

func TestCSVWithoutHeader(t *testing.T) {
	csv := "Salt;https://archiveofourown.org/works/71\nWind;https://archiveofourown.org/works/72\n"
	res := mustParse(t, "x.csv", csv)
	if res.Format != FormatCSV || !reflect.DeepEqual(ids(res.Works), []int64{71, 72}) {
		t.Errorf("%q %v", res.Format, ids(res.Works))
	}
	// The same lines in a .txt file are text: both links are still read.
	res = mustParse(t, "x.txt", csv)
	if res.Format != FormatLinks || !reflect.DeepEqual(ids(res.Works), []int64{71, 72}) {
		t.Errorf("txt: %q %v", res.Format, ids(res.Works))
	}
}

func TestText(t *testing.T) {
	text := "My list, in order:\n" +
		"1. https://archiveofourown.org/works/81 (so good).\n" +
		"- [Chapter 4](https://archiveofourown.org/works/82/chapters/400)\n" +
		"<https://archiveofourown.org/works/81>\n" +
		"archiveofourown.org/collections/fest/works/83\n" +
		"https://archiveofourown.org/series/84 and https://archiveofourown.org/users/wren\n" +
		"https://example.org/works/85 http://127.0.0.1:9/works/86\n"
	res := mustParse(t, "list", text, "127.0.0.1:9")
	if res.Format != FormatLinks || !reflect.DeepEqual(ids(res.Works), []int64{81, 82, 83, 86}) {
		t.Errorf("%q %v", res.Format, ids(res.Works))
	}
	if got := skipped(res); !reflect.DeepEqual(got, map[Reason]int{ReasonDuplicate: 1, ReasonSeries: 1, ReasonOtherSite: 1}) {
		t.Errorf("skipped %v", got)
	}
	for _, w := range res.Works {
		if w.Status != shelf.StatusToRead {
			t.Errorf("status %q", w.Status)
		}
	}
}

func TestUTF16Text(t *testing.T) {
	s := "link\r\nhttps://archiveofourown.org/works/91\r\n"
	b := []byte{0xff, 0xfe}
	for _, r := range s {
		b = append(b, byte(r), 0)
	}
	res, err := Parse("excel.csv", b)
	if err != nil || !reflect.DeepEqual(ids(res.Works), []int64{91}) {
		t.Errorf("%v %v", ids(res.Works), err)
	}
}

func TestNotAccepted(t *testing.T) {
	for name, data := range map[string]string{
		"empty.txt":  " \n\t",
		"story.txt":  "Once upon a time there was no link at all.",
		"image.png":  "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
		"array.json": `[1, 2, 3]`,
		"page.html":  `<html><body><p>Nothing here</p></body></html>`,
		"other.txt":  "https://www.fanfiction.net/s/1\n",
	} {
		_, err := Parse(name, []byte(data))
		var ie *fic.ImportError
		if !errors.As(err, &ie) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.Contains(ie.Message, "I can import a Ficshelf export") {
			t.Errorf("%s: message %q does not say what is accepted", name, ie.Message)
		}
	}
	if _, err := Parse("big.txt", make([]byte, MaxFileSize+1)); !errors.Is(err, fic.ErrTooLarge) {
		t.Errorf("big: %v", err)
	}
}

func TestLimit(t *testing.T) {
	var b strings.Builder
	for i := 1; i <= MaxWorks+7; i++ {
		fmt.Fprintf(&b, "https://archiveofourown.org/works/%d\n", i)
	}
	res := mustParse(t, "many.txt", b.String())
	if len(res.Works) != MaxWorks || skipped(res)[ReasonOverLimit] != 7 {
		t.Errorf("%d works, skipped %v", len(res.Works), skipped(res))
	}
	if s := ReasonOverLimit.Describe(7); s != "7 works past the limit of 5000 per import" {
		t.Errorf("describe %q", s)
	}
	if len(res.Skipped[0].Examples) != MaxExamples {
		t.Errorf("examples %v", res.Skipped[0].Examples)
	}
}

func TestNoteCut(t *testing.T) {
	long := strings.Repeat("é", shelf.MaxNoteLength) // 2 bytes each
	doc := fmt.Sprintf(`{"format":"ficshelf-reading-list/1","entries":[{"title":"T","status":"to-read","note":%q}]}`, long)
	res := mustParse(t, "x.json", doc)
	n := res.Works[0].Note
	if len(n) > shelf.MaxNoteLength || !strings.HasPrefix(long, n) || len(res.Adjusted) != 1 || res.Adjusted[0].Reason != ReasonNoteCut {
		t.Errorf("note of %d bytes, adjusted %v", len(n), res.Adjusted)
	}
}

func TestReadStatus(t *testing.T) {
	for in, want := range map[string]shelf.Status{
		"": shelf.StatusToRead, "TO READ": shelf.StatusToRead, "to_read": shelf.StatusToRead, "Marked for later": shelf.StatusToRead,
		"Reading": shelf.StatusReading, "read": shelf.StatusFinished, "Finished reading": shelf.StatusFinished,
		"on hold": shelf.StatusOnHold, "DNF": shelf.StatusDropped, " dropped ": shelf.StatusDropped,
	} {
		if got, ok := readStatus(in); !ok || got != want {
			t.Errorf("readStatus(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"maybe", "Complete", "Work in Progress"} {
		if got, ok := readStatus(in); ok || got != shelf.StatusToRead {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
	if got, ok := readStatus("maybe"); ok || got != shelf.StatusToRead {
		t.Errorf("unknown: %q %v", got, ok)
	}
}

func TestDescribe(t *testing.T) {
	if s := ReasonExternal.Describe(1); s != "1 external work (not on AO3)" {
		t.Error(s)
	}
	if s := ReasonDeleted.Describe(3); s != "3 deleted works" {
		t.Error(s)
	}
	for _, f := range []Format{FormatFicshelfList, FormatFicshelfMember, FormatAO3Bookmarks, FormatAO3MarkedLater, FormatAO3History, FormatAO3Series, FormatAO3Works, FormatCSV, FormatLinks} {
		if d := f.Describe(); d == string(f) || !strings.HasPrefix(d, "a") {
			t.Errorf("%q: %q", f, d)
		}
	}
}

// mhtml wraps page as Chrome's "single file" save does: a multipart/related
// MIME message whose first part is the page, quoted-printable or base64.
func mhtml(t testing.TB, page, encoding string) string {
	t.Helper()
	var body strings.Builder
	switch encoding {
	case "quoted-printable":
		w := quotedprintable.NewWriter(&body)
		w.Write([]byte(page))
		w.Close()
	case "base64":
		enc := base64.StdEncoding.EncodeToString([]byte(page))
		for len(enc) > 76 {
			body.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		body.WriteString(enc)
	}
	return "From: <Saved by Blink>\r\n" +
		"Snapshot-Content-Location: https://archiveofourown.org/users/reader/bookmarks\r\n" +
		"Subject: reader | Bookmarks | Archive of Our Own\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related;\r\n\ttype=\"text/html\";\r\n\tboundary=\"----MultipartBoundary--abc----\"\r\n\r\n\r\n" +
		"------MultipartBoundary--abc----\r\n" +
		"Content-Type: text/css\r\nContent-Location: https://archiveofourown.org/site.css\r\n\r\nbody{}\r\n" +
		"------MultipartBoundary--abc----\r\n" +
		"Content-Type: text/html\r\nContent-ID: <frame-1@mhtml.blink>\r\nContent-Transfer-Encoding: " + encoding + "\r\n" +
		"Content-Location: https://archiveofourown.org/users/reader/bookmarks\r\n\r\n" +
		body.String() + "\r\n" +
		"------MultipartBoundary--abc------\r\n"
}

func TestMHTML(t *testing.T) {
	p := bookmarksPage(
		blurb{id: 101, title: "Über = Long Title That Wraps Past Seventy-Six Characters In Quoted Printable", authors: []string{"wren"}},
		blurb{id: 102, title: "Two", authors: []string{"moth"}, kind: "series"},
	)
	for _, enc := range []string{"quoted-printable", "base64"} {
		res := mustParse(t, "Bookmarks.mhtml", mhtml(t, p, enc))
		if res.Format != FormatAO3Bookmarks || !reflect.DeepEqual(ids(res.Works), []int64{101}) {
			t.Fatalf("%s: %q %v", enc, res.Format, ids(res.Works))
		}
		if res.Works[0].Title != "Über = Long Title That Wraps Past Seventy-Six Characters In Quoted Printable" {
			t.Errorf("%s: title %q", enc, res.Works[0].Title)
		}
		if skipped(res)[ReasonSeries] != 1 {
			t.Errorf("%s: skipped %v", enc, res.Skipped)
		}
	}
	broken := "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"x\"\r\n\r\n--x\r\nContent-Type: image/png\r\n\r\n...\r\n--x--\r\n"
	if _, err := Parse("a.mhtml", []byte(broken)); !errors.Is(err, ErrNotList) {
		t.Errorf("page without HTML: %v", err)
	}
}

// An ao3downloader "links with metadata" CSV: the link last, list cells
// written as Python lists, the work's own chapter count and completion
// (which are not the member's progress or status).
func TestAO3DownloaderCSV(t *testing.T) {
	csv := "title,author,summary,fandoms,warnings,characters,relationships,tags,words,rating,chapters,categories,complete,link\n" +
		"Tidewater,\"wren, moth\",\"<p>They sail, and sail.</p>\",\"['Sea', 'Boats']\",['No Archive Warnings Apply'],[],['Wren/Moth'],['Fluff'],\"12,000\",General Audiences,2/5,['F/M'],False,https://archiveofourown.org/works/111\n" +
		"Dry Land,kit,,['Roads'],[],[],[],[],900,Teen And Up Audiences,1/1,['Gen'],True,https://archiveofourown.org/works/112\n"
	res := mustParse(t, "links_12072026103000.csv", csv)
	want := []Work{
		{AO3ID: 111, Title: "Tidewater", Authors: []string{"wren", "moth"}, Fandoms: []string{"Sea", "Boats"}, Status: shelf.StatusToRead},
		{AO3ID: 112, Title: "Dry Land", Authors: []string{"kit"}, Fandoms: []string{"Roads"}, Status: shelf.StatusToRead},
	}
	if res.Format != FormatCSV || !reflect.DeepEqual(res.Works, want) || len(res.Skipped)+len(res.Adjusted) != 0 {
		t.Errorf("%q\n got %+v\nwant %+v\n%v %v", res.Format, res.Works, want, res.Skipped, res.Adjusted)
	}
}

func TestWindows1252CSV(t *testing.T) {
	// "Café \u201cNoir\u201d" as Excel on Windows saves it.
	csv := "title,link\r\nCaf\xe9 \x93Noir\x94,https://archiveofourown.org/works/121\r\n"
	res := mustParse(t, "list.csv", csv)
	if len(res.Works) != 1 || res.Works[0].Title != "Café \u201cNoir\u201d" {
		t.Errorf("%+v", res.Works)
	}
}

func TestCSVWorkIDColumn(t *testing.T) {
	res := mustParse(t, "ids.csv", "work_id,title,status\nwork_131,Numbered,reading\n132,Plain,\n")
	if !reflect.DeepEqual(ids(res.Works), []int64{131, 132}) || res.Works[0].Status != shelf.StatusReading {
		t.Errorf("%+v", res.Works)
	}
	// A bare id column is a row number as often as a work: not read.
	if _, err := Parse("rows.csv", []byte("id,title\n1,First\n2,Second\n")); !errors.Is(err, ErrNotList) {
		t.Errorf("bare id column: %v", err)
	}
}
