package readstats

import (
	"bytes"
	"fmt"
	"image/png"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ficshelf/fic"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone data for %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func sampleInput() Input {
	return Input{
		Finished: []Finish{
			// 2025-12-31 20:00 in New York: last year there.
			{Title: "Old Year", At: utc("2026-01-01T01:00:00Z"), Words: 1000, Fandoms: []string{"Roads"}, Rating: fic.RatingGeneral},
			{Title: "A", At: utc("2026-01-15T12:00:00Z"), Words: 12000, Fandoms: []string{"Roads", "Sea", "roads"}, Relationships: []string{"Wren/Moth"}, Rating: fic.RatingTeen},
			{Title: "B", At: utc("2026-01-20T12:00:00Z"), Words: 3000, Fandoms: []string{"Sea"}, Relationships: []string{"Wren/Moth", "Ash & Kit"}, Rating: fic.RatingExplicit},
			{Title: "C", At: utc("2026-03-03T12:00:00Z"), Words: 500, Fandoms: []string{"Air"}, Relationships: []string{"Ash & Kit"}},
			{Title: "D", At: utc("2026-07-04T12:00:00Z"), Words: 80000, Fandoms: []string{"Zed", "Bay", "Cove", "Dune"}, Rating: "mature"},
			// 2026-12-31 20:00 in New York: still this year there.
			{Title: "E", At: utc("2027-01-01T01:00:00Z"), Words: 700, Fandoms: []string{"Sea"}, Rating: fic.RatingTeen},
			{Title: "Future", At: utc("2027-02-01T00:00:00Z"), Words: 5},
			{Title: "No date", Words: 5},
		},
		Progress: []time.Time{
			utc("2026-01-01T01:00:00Z"),                                                           // 2025 in New York
			utc("2026-03-07T23:30:00Z"), utc("2026-03-08T12:00:00Z"), utc("2026-03-08T13:00:00Z"), // DST starts on 8 March in New York
			utc("2026-03-09T03:00:00Z"), // 8 March evening in New York
			utc("2026-03-09T15:00:00Z"),
			utc("2026-03-10T15:00:00Z"),
			utc("2026-06-01T12:00:00Z"), utc("2026-06-02T12:00:00Z"), utc("2026-06-03T12:00:00Z"), utc("2026-06-04T12:00:00Z"),
			utc("2027-01-01T02:00:00Z"), // 31 December in New York
		},
		Kudos: []time.Time{utc("2026-01-01T01:00:00Z"), utc("2026-05-05T05:05:05Z"), utc("2027-01-01T01:00:00Z")},
	}
}

func TestComputeNewYork(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	s := Compute(2026, ny, sampleInput())
	var want [12]Month
	want[0] = Month{Stories: 2, Words: 15000}
	want[2] = Month{Stories: 1, Words: 500}
	want[6] = Month{Stories: 1, Words: 80000}
	want[11] = Month{Stories: 1, Words: 700}
	if s.Months != want {
		t.Errorf("months %v", s.Months)
	}
	if s.Stories != 5 || s.Words != 96200 {
		t.Errorf("totals %d %d", s.Stories, s.Words)
	}
	wantF := []Count{{"Sea", 3}, {"Air", 1}, {"Bay", 1}, {"Cove", 1}, {"Dune", 1}}
	if !reflect.DeepEqual(s.TopFandoms, wantF) {
		t.Errorf("fandoms %v", s.TopFandoms)
	}
	wantR := []Count{{"Ash & Kit", 2}, {"Wren/Moth", 2}}
	if !reflect.DeepEqual(s.TopRelationships, wantR) {
		t.Errorf("relationships %v", s.TopRelationships)
	}
	wantRatings := []Count{{"Teen And Up Audiences", 2}, {"Mature", 1}, {"Explicit", 1}, {"Not Rated", 1}}
	if !reflect.DeepEqual(s.Ratings, wantRatings) {
		t.Errorf("ratings %v", s.Ratings)
	}
	if s.Kudos != 2 {
		t.Errorf("kudos %d", s.Kudos)
	}
	// New York days: 7, 8, 9, 10 March (the 9 March 03:00 UTC event is
	// the 8th's evening), 1-4 June, 31 December.
	if s.ProgressDays != 9 {
		t.Errorf("progress days %d", s.ProgressDays)
	}
	st := s.LongestStreak
	if st.Days != 4 || !st.First.Equal(time.Date(2026, 3, 7, 0, 0, 0, 0, ny)) || !st.Last.Equal(time.Date(2026, 3, 10, 0, 0, 0, 0, ny)) {
		t.Errorf("streak %+v", st)
	}
}

func TestComputeUTC(t *testing.T) {
	s := Compute(2026, nil, sampleInput())
	if s.Months[0].Stories != 3 || s.Months[11].Stories != 0 || s.Stories != 5 {
		t.Errorf("months %v, stories %d", s.Months, s.Stories)
	}
	if s.Kudos != 2 {
		t.Errorf("kudos %d", s.Kudos)
	}
	// UTC days: 1 Jan; 7, 8, 9, 10 March; 1-4 June. Two runs of four: the
	// earlier wins.
	if s.ProgressDays != 9 || s.LongestStreak.Days != 4 || s.LongestStreak.First.Month() != time.March {
		t.Errorf("progress %d, streak %+v", s.ProgressDays, s.LongestStreak)
	}
}

func TestComputeTokyoYearBoundary(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	in := Input{
		Finished: []Finish{{Title: "X", At: utc("2025-12-31T16:00:00Z"), Words: 10}}, // 1 Jan 2026 01:00 in Tokyo
		Progress: []time.Time{utc("2025-12-31T15:30:00Z"), utc("2025-12-31T14:00:00Z")},
	}
	s := Compute(2026, tokyo, in)
	if s.Stories != 1 || s.Months[0].Stories != 1 || s.ProgressDays != 1 || s.LongestStreak.Days != 1 {
		t.Errorf("%+v", s)
	}
	if got := Compute(2025, tokyo, in); got.Stories != 0 || got.ProgressDays != 1 {
		t.Errorf("2025: %+v", got)
	}
}

func TestComputeEmpty(t *testing.T) {
	s := Compute(2026, nil, Input{})
	if s.Stories != 0 || s.Words != 0 || s.TopFandoms == nil && len(s.TopFandoms) != 0 || len(s.Ratings) != 0 || s.Kudos != 0 || s.LongestStreak != (Streak{}) {
		t.Errorf("%+v", s)
	}
	text := s.Text()
	if !strings.Contains(text, "0 stories finished") || !strings.Contains(text, "No reading progress") {
		t.Errorf("text %q", text)
	}
}

func TestTopLimitAndTies(t *testing.T) {
	var in Input
	for i, f := range []string{"g", "F", "e", "d", "c", "b", "a"} {
		in.Finished = append(in.Finished, Finish{At: utc("2026-05-01T00:00:00Z"), Fandoms: []string{f}})
		if i < 2 {
			in.Finished = append(in.Finished, Finish{At: utc("2026-05-01T00:00:00Z"), Fandoms: []string{strings.ToLower(f)}})
		}
	}
	s := Compute(2026, nil, in)
	want := []Count{{"F", 2}, {"g", 2}, {"a", 1}, {"b", 1}, {"c", 1}}
	if !reflect.DeepEqual(s.TopFandoms, want) {
		t.Errorf("top %v", s.TopFandoms)
	}
}

func TestText(t *testing.T) {
	s := Compute(2026, mustZone(t, "America/New_York"), sampleInput())
	text := s.Text()
	for _, want := range []string{
		"2026: 5 stories finished, 96,200 words read.",
		"By month: Jan 2, Mar 1, Jul 1, Dec 1.",
		"Top fandoms: Sea (3), Air (1)",
		"Top relationships: Ash & Kit (2), Wren/Moth (2).",
		"Ratings: Teen And Up Audiences (2), Mature (1), Explicit (1), Not Rated (1).",
		"Kudos given: 2.",
		"longest run: 4 days in a row (7 Mar – 10 Mar)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
}

func TestChart(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Stats
		w, h int
	}{
		{"year", Compute(2026, nil, sampleInput()), 0, 0},
		{"empty", Compute(2026, nil, Input{}), 0, 0},
		{"small", Compute(2026, nil, sampleInput()), 400, 200},
	} {
		data, alt, err := Chart(tc.s, tc.w, tc.h)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", tc.name, err)
		}
		w, h := tc.w, tc.h
		if w == 0 {
			w, h = DefaultWidth, DefaultHeight
		}
		if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
			t.Errorf("%s: %v, want %d×%d", tc.name, b, w, h)
		}
		if n := utf8.RuneCountInString(alt); n == 0 || n > MaxAltLength {
			t.Errorf("%s: alt of %d characters", tc.name, n)
		}
		if len(data) > 200<<10 {
			t.Errorf("%s: %d bytes", tc.name, len(data))
		}
	}
	if _, _, err := Chart(Stats{Year: 2026}, 5000, 10); err == nil {
		t.Error("accepted a 5000×10 chart")
	}
}

func TestAlt(t *testing.T) {
	s := Compute(2026, nil, sampleInput())
	alt := Alt(s)
	for _, want := range []string{"in 2026", "Jan 3 (16,000 words)", "Feb 0", "Jul 1 (80,000 words)", "Dec 0", "In all: 5 stories, 96,500 words."} {
		if !strings.Contains(alt, want) {
			t.Errorf("alt lacks %q: %s", want, alt)
		}
	}
	// The largest figures still fit.
	var big Stats
	for i := range big.Months {
		big.Months[i] = Month{Stories: 1 << 30, Words: 1 << 62}
	}
	if n := utf8.RuneCountInString(Alt(big)); n > MaxAltLength {
		t.Errorf("alt of %d characters", n)
	}
}

func TestCompact(t *testing.T) {
	for n, want := range map[int]string{0: "0", 950: "950", 1000: "1k", 1234: "1.2k", 12345: "12k", 1_000_000: "1M", 1_250_000: "1.2M", 12_600_000: "13M"} {
		if got := compact(n); got != want {
			t.Errorf("compact(%d) = %q, want %q", n, got, want)
		}
	}
	if got := thousands(-1234567); got != "-1,234,567" {
		t.Error(got)
	}
}

func BenchmarkChart(b *testing.B) {
	s := Compute(2026, nil, sampleInput())
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Chart(s, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompute(b *testing.B) {
	// A heavy reader: 1,000 finished stories and 10,000 progress events.
	var in Input
	start := utc("2026-01-01T00:00:00Z")
	for i := range 1000 {
		in.Finished = append(in.Finished, Finish{At: start.Add(time.Duration(i) * 8 * time.Hour), Words: 5000,
			Fandoms: []string{fmt.Sprint("F", i%40)}, Relationships: []string{fmt.Sprint("R", i%90)}, Rating: fic.RatingTeen})
	}
	for i := range 10000 {
		in.Progress = append(in.Progress, start.Add(time.Duration(i)*53*time.Minute))
	}
	b.ReportAllocs()
	for b.Loop() {
		Compute(2026, nil, in)
	}
}

func TestIntTicks(t *testing.T) {
	for hi, want := range map[float64][]float64{
		0.9: {0},
		1.5: {0, 1},
		5:   {0, 1, 2, 3, 4, 5},
		7.2: {0, 2, 4, 6},
		30:  {0, 10, 20, 30},
		118: {0, 20, 40, 60, 80, 100},
		260: {0, 50, 100, 150, 200, 250},
	} {
		var got []float64
		for _, tk := range (intTicks{}).Ticks(0, hi) {
			got = append(got, tk.Value)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Ticks(0, %v) = %v, want %v", hi, got, want)
		}
	}
}
