package fic

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestCompareWork(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	base := func() *Story {
		return &Story{Title: "Tidewater", Rating: RatingTeen, Warnings: []string{WarningNoneApply},
			ChaptersPosted: 3, ChaptersExpected: 12, Words: 9000, Published: day(1), Updated: day(5)}
	}
	tests := []struct {
		name    string
		change  func(s *Story)
		any     bool
		differs bool
		newCh   int
		summary string
	}{
		{"nothing", func(s *Story) {}, false, false, 0, ""},
		{"words and date only", func(s *Story) { s.Words += 40; s.Updated = day(6) }, false, true, 0, ""},
		{"two chapters", func(s *Story) { s.ChaptersPosted = 5; s.Words = 15000; s.Updated = day(9) }, true, true, 2, "2 new chapters (5/12)"},
		{"one chapter, unknown total", func(s *Story) { s.ChaptersPosted = 4; s.ChaptersExpected = 0 }, true, true, 1, "1 new chapter (4/?)"},
		{"finished", func(s *Story) { s.ChaptersPosted = 12 }, true, true, 9, "9 new chapters (12/12), now complete"},
		{"marked complete without a chapter", func(s *Story) { s.ChaptersExpected = 3 }, true, true, 0, "now complete"},
		{"total changed", func(s *Story) { s.ChaptersExpected = 15 }, true, true, 0, "now planned as 15 chapters (3/15)"},
		{"total unknown", func(s *Story) { s.ChaptersExpected = 0 }, true, true, 0, "chapter total now unknown (3/?)"},
		{"chapter removed", func(s *Story) { s.ChaptersPosted = 2 }, true, true, 0, "chapters now 2/12"},
		{"rating", func(s *Story) { s.Rating = RatingMature }, true, true, 0, "rating now Mature"},
		{"title", func(s *Story) { s.Title = "Tidewater (rewrite)" }, true, true, 0, "retitled “Tidewater (rewrite)”"},
		{"warnings", func(s *Story) { s.Warnings = []string{WarningMajorDeath, WarningViolence} }, true, true, 0,
			"new warnings: Graphic Depictions Of Violence, Major Character Death, warning removed: No Archive Warnings Apply"},
		{"old spelling is no change", func(s *Story) { s.Warnings = []string{"no archive warnings apply"} }, false, false, 0, ""},
		{"all at once", func(s *Story) {
			s.ChaptersPosted, s.ChaptersExpected = 5, 5
			s.Rating = RatingMature
		}, true, true, 2, "2 new chapters (5/5), now complete, rating now Mature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, new := base(), base()
			tt.change(new)
			c := CompareWork(old, new)
			if c.Any() != tt.any || c.Differs() != tt.differs || c.NewChapters() != tt.newCh || c.Summary() != tt.summary {
				t.Errorf("Any=%v Differs=%v NewChapters=%d Summary=%q; want %v %v %d %q",
					c.Any(), c.Differs(), c.NewChapters(), c.Summary(), tt.any, tt.differs, tt.newCh, tt.summary)
			}
		})
	}
}

func TestCompareWorkReopenedAndDates(t *testing.T) {
	old := &Story{Title: "A", ChaptersPosted: 4, ChaptersExpected: 4, Updated: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	new := &Story{Title: "A", ChaptersPosted: 4, ChaptersExpected: 0}
	c := CompareWork(old, new)
	if !c.Reopened || c.Completed || c.Summary() != "no longer complete (4/?)" {
		t.Errorf("%+v %q", c, c.Summary())
	}
	if c.UpdatedChanged {
		t.Error("an unknown new date is not a changed date")
	}
	if got := CompareWork(nil, new); got.Any() || got.Differs() {
		t.Errorf("nil old: %+v", got)
	}
	// A rating missing from a stored story is Not Rated.
	if c := CompareWork(&Story{Title: "A"}, &Story{Title: "A", Rating: RatingNotRated}); c.Any() {
		t.Errorf("empty vs Not Rated: %+v", c)
	}
}

func TestParseAO3SeriesLink(t *testing.T) {
	tests := []struct {
		in   string
		id   int64
		ok   bool
		host string
	}{
		{"https://archiveofourown.org/series/123", 123, true, ""},
		{"https://archiveofourown.org/series/123/", 123, true, ""},
		{"https://archiveofourown.org/series/123?page=2#works", 123, true, ""},
		{"archiveofourown.org/series/9", 9, true, ""},
		{"<https://www.ao3.org/series/77>", 77, true, ""},
		{"http://127.0.0.1:9/series/4", 4, true, "127.0.0.1:9"},
		{"http://127.0.0.1:9/series/4", 0, false, ""},
		{"https://archiveofourown.org/works/123", 0, false, ""},
		{"https://archiveofourown.org/series/123/bookmarks", 0, false, ""},
		{"https://archiveofourown.org/series/0", 0, false, ""},
		{"https://archiveofourown.org/users/x/series", 0, false, ""},
		{"https://evil.example/series/1", 0, false, ""},
		{"", 0, false, ""},
	}
	for _, tt := range tests {
		var hosts []string
		if tt.host != "" {
			hosts = []string{tt.host}
		}
		id, ok := ParseAO3SeriesLink(tt.in, hosts...)
		if id != tt.id || ok != tt.ok {
			t.Errorf("ParseAO3SeriesLink(%q) = %d, %v; want %d, %v", tt.in, id, ok, tt.id, tt.ok)
		}
	}
	if _, ok := ParseAO3Link("https://archiveofourown.org/series/5"); ok {
		t.Error("a series link is not a work link")
	}
}

func TestSeriesRefsJSONStaysOptional(t *testing.T) {
	// Stored stories from before SeriesRefs read as before.
	var st Story
	if err := jsonUnmarshal([]byte(`{"title":"Old","rating":"Mature","series":["Part 1 of X"],"chapters_posted":1,"chapters_expected":1,"words":5}`), &st); err != nil {
		t.Fatal(err)
	}
	if st.SeriesRefs != nil || !reflect.DeepEqual(st.Series, []string{"Part 1 of X"}) {
		t.Errorf("%+v", st)
	}
	b, _ := jsonMarshal(&Story{Title: "New", Rating: RatingGeneral})
	if string(b) != `{"title":"New","rating":"General Audiences","chapters_posted":0,"chapters_expected":0,"words":0}` {
		t.Errorf("%s", b)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
func jsonMarshal(v any) ([]byte, error)   { return json.Marshal(v) }
