// Package readstats computes the figures of /readinglist stats: one
// member's reading in one year, from records the caller reads out of the
// store, and draws its month chart. It knows neither Discord nor the store.
package readstats

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"ficshelf/fic"
)

// TopN is how many fandoms and relationships Stats ranks.
const TopN = 5

// Finish is one story the member finished.
type Finish struct {
	Title         string
	At            time.Time // when the entry became finished
	Words         int
	Fandoms       []string
	Relationships []string
	Rating        fic.Rating // "" or an unknown word counts as Not Rated
}

// Input is what the store knows of the member's reading in this server.
// Records outside the year asked for are ignored, so a caller may pass a
// wider window.
type Input struct {
	Finished []Finish
	// Progress are the times at which the member recorded progress
	// (a chapter read, a status set), on any story.
	Progress []time.Time
	// Kudos are the times at which the member gave kudos.
	Kudos []time.Time
}

// Month is one month's figures: stories finished, and the words of those
// stories (a finished story's words count as read in the month it was
// finished).
type Month struct {
	Stories int
	Words   int
}

// Count is a name with how many finished stories carry it.
type Count struct {
	Name string
	N    int
}

// Streak is a run of consecutive days with progress recorded: First and
// Last are those days' midnights in the member's zone (zero when Days is 0).
type Streak struct {
	Days        int
	First, Last time.Time
}

// Stats are the figures of one member's year.
type Stats struct {
	Year     int
	Location *time.Location
	Months   [12]Month
	Stories  int // finished in the year
	Words    int // of the stories finished in the year
	// TopFandoms and TopRelationships rank the tags of the stories
	// finished, each story counting once per tag; at most TopN, most
	// frequent first, ties by name.
	TopFandoms       []Count
	TopRelationships []Count
	// Ratings counts the stories finished by rating, in fic.Ratings order,
	// leaving out ratings with none.
	Ratings []Count
	Kudos   int // kudos given in the year
	// ProgressDays is the number of days with progress recorded;
	// LongestStreak the longest run of them (the earliest of equal runs).
	ProgressDays  int
	LongestStreak Streak
}

// Compute returns the figures of year in loc (nil means UTC): a record
// belongs to the year in which its time falls on the member's calendar.
func Compute(year int, loc *time.Location, in Input) Stats {
	if loc == nil {
		loc = time.UTC
	}
	s := Stats{Year: year, Location: loc}
	inYear := func(t time.Time) bool { return !t.IsZero() && t.In(loc).Year() == year }

	fandoms, rels := newCounter(), newCounter()
	ratings := map[fic.Rating]int{}
	for _, f := range in.Finished {
		if !inYear(f.At) {
			continue
		}
		m := &s.Months[f.At.In(loc).Month()-1]
		words := max(f.Words, 0)
		m.Stories++
		m.Words += words
		s.Stories++
		s.Words += words
		fandoms.addStory(f.Fandoms)
		rels.addStory(f.Relationships)
		r, _ := fic.ParseRating(string(f.Rating))
		ratings[r]++
	}
	s.TopFandoms = fandoms.top(TopN)
	s.TopRelationships = rels.top(TopN)
	for _, r := range fic.Ratings {
		if n := ratings[r]; n > 0 {
			s.Ratings = append(s.Ratings, Count{Name: string(r), N: n})
		}
	}
	for _, t := range in.Kudos {
		if inYear(t) {
			s.Kudos++
		}
	}
	s.ProgressDays, s.LongestStreak = streak(year, loc, in.Progress)
	return s
}

// counter counts names case-insensitively, keeping the first spelling.
type counter struct {
	n     map[string]int
	shown map[string]string
}

func newCounter() *counter { return &counter{n: map[string]int{}, shown: map[string]string{}} }

// addStory counts each of a story's names once.
func (c *counter) addStory(names []string) {
	seen := map[string]bool{}
	for _, name := range names {
		name = strings.Join(strings.Fields(name), " ")
		key := strings.ToLower(name)
		if name == "" || seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := c.shown[key]; !ok {
			c.shown[key] = name
		}
		c.n[key]++
	}
}

// top returns the n most frequent names, ties by name.
func (c *counter) top(n int) []Count {
	out := make([]Count, 0, len(c.n))
	for key, k := range c.n {
		out = append(out, Count{Name: c.shown[key], N: k})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		li, lj := strings.ToLower(out[i].Name), strings.ToLower(out[j].Name)
		if li != lj {
			return li < lj
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// streak counts the days of year (in loc) with progress and finds the
// longest run of consecutive ones. Days are counted on the civil calendar,
// so a daylight-saving change does not break a run.
func streak(year int, loc *time.Location, times []time.Time) (int, Streak) {
	days := map[int64]bool{}
	for _, t := range times {
		if t.IsZero() {
			continue
		}
		lt := t.In(loc)
		if lt.Year() != year {
			continue
		}
		days[civilDay(lt)] = true
	}
	if len(days) == 0 {
		return 0, Streak{}
	}
	sorted := make([]int64, 0, len(days))
	for d := range days {
		sorted = append(sorted, d)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	bestStart, bestLen := sorted[0], 1
	start, n := sorted[0], 1
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1]+1 {
			n++
		} else {
			start, n = sorted[i], 1
		}
		if n > bestLen {
			bestStart, bestLen = start, n
		}
	}
	return len(sorted), Streak{Days: bestLen, First: dayTime(bestStart, loc), Last: dayTime(bestStart+int64(bestLen)-1, loc)}
}

// civilDay numbers t's date on its own calendar (days since 1970-01-01).
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// dayTime is the start of civil day n in loc.
func dayTime(n int64, loc *time.Location) time.Time {
	u := time.Unix(n*86400, 0).UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, loc)
}

// monthNames are the chart's and the text's month labels.
var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Text is the figures as a few lines of plain text, for the answer that
// carries the chart (names are cut at 100 characters, so it stays under
// 1,500 characters).
func (s Stats) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d: %s finished, %s words read.\n", s.Year, plural(s.Stories, "story", "stories"), thousands(s.Words))
	if s.Stories > 0 {
		var ms []string
		for i, m := range s.Months {
			if m.Stories > 0 {
				ms = append(ms, fmt.Sprintf("%s %d", monthNames[i], m.Stories))
			}
		}
		fmt.Fprintf(&b, "By month: %s.\n", strings.Join(ms, ", "))
	}
	if len(s.TopFandoms) > 0 {
		fmt.Fprintf(&b, "Top fandoms: %s.\n", countList(s.TopFandoms))
	}
	if len(s.TopRelationships) > 0 {
		fmt.Fprintf(&b, "Top relationships: %s.\n", countList(s.TopRelationships))
	}
	if len(s.Ratings) > 0 {
		fmt.Fprintf(&b, "Ratings: %s.\n", countList(s.Ratings))
	}
	fmt.Fprintf(&b, "Kudos given: %s.\n", thousands(s.Kudos))
	switch {
	case s.LongestStreak.Days == 0:
		b.WriteString("No reading progress recorded this year.")
	case s.LongestStreak.Days == 1:
		fmt.Fprintf(&b, "Progress recorded on %s; longest run: 1 day.", plural(s.ProgressDays, "day", "days"))
	default:
		fmt.Fprintf(&b, "Progress recorded on %s; longest run: %d days in a row (%s – %s).", plural(s.ProgressDays, "day", "days"),
			s.LongestStreak.Days, s.LongestStreak.First.Format("2 Jan"), s.LongestStreak.Last.Format("2 Jan"))
	}
	return b.String()
}

func countList(cs []Count) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		name := c.Name
		if r := []rune(name); len(r) > 100 {
			name = string(r[:99]) + "…"
		}
		parts[i] = fmt.Sprintf("%s (%d)", name, c.N)
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return thousands(n) + " " + many
}

// thousands writes n with comma separators: 1,234,567.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
