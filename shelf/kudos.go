package shelf

import "time"

// Kudo is one member's kudos on a story.
type Kudo struct {
	UserID string
	At     time.Time
}

// TopStory is a story with the number of kudos it got in a period.
type TopStory struct {
	StoryRecord
	Count int // kudos given in the period
}

// Period is the span /kudos top counts kudos over, ending at a given now.
type Period int

// The periods of /kudos top.
const (
	PeriodAll   Period = iota // every kudos ever given
	PeriodWeek                // the 7 × 24 hours before now
	PeriodMonth               // since the same time of day and day a calendar month before now
)

// Since is the first instant counted in p ending at now; zero for
// PeriodAll. Engines that keep per-period counters must count exactly the
// kudos given at or after it.
func (p Period) Since(now time.Time) time.Time {
	switch p {
	case PeriodWeek:
		return now.Add(-7 * 24 * time.Hour)
	case PeriodMonth:
		return now.AddDate(0, -1, 0)
	}
	return time.Time{}
}

// String names p as /kudos top's option values do.
func (p Period) String() string {
	switch p {
	case PeriodWeek:
		return "week"
	case PeriodMonth:
		return "month"
	}
	return "all"
}

// KudosGiven is one kudos a member gave.
type KudosGiven struct {
	StoryID string    `json:"story_id"`
	Title   string    `json:"title"`
	At      time.Time `json:"at"`
}
