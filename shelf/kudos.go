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

// KudosGiven is one kudos a member gave.
type KudosGiven struct {
	StoryID string    `json:"story_id"`
	Title   string    `json:"title"`
	At      time.Time `json:"at"`
}
