package shelf

import (
	"context"
	"time"
)

// ReadingActivity is what /readinglist stats reads about one member in one
// guild within a time window.
type ReadingActivity struct {
	// Finished are the member's entries that are finished now and became
	// finished within the window, oldest first. Entries made finished by
	// an import carry no finishing time and are not listed.
	Finished []FinishedEntry
	// Progress are the times, oldest first, at which the member recorded
	// progress within the window (see ReadingLog).
	Progress []time.Time
	// Kudos are the times, oldest first, at which the member gave kudos
	// within the window (on stories still in the library).
	Kudos []time.Time
}

// FinishedEntry is a finished list entry with the time it became finished.
type FinishedEntry struct {
	StoryID string    `json:"story_id"`
	At      time.Time `json:"at"`
}

// ReadingLog is the history behind /readinglist stats.
//
// SetListEntry keeps it in the same transaction as the entry: it logs a
// progress event (the entry's story and at) when it changes an entry's
// chapter or status, or adds an entry that is not a plain to-read with no
// chapter; and it records an entry's finishing time when the status
// becomes finished (kept while it stays finished, cleared when it changes
// to another). Removing an entry forgets its finishing time; progress
// events stay (they are the member's days of reading) until DeleteMember,
// which removes them with the rest of the member's data (and the member's
// import jobs, running or not).
type ReadingLog interface {
	// ReadingActivity returns user's activity with times in [from, to).
	ReadingActivity(ctx context.Context, guild, user string, from, to time.Time) (ReadingActivity, error)
}

// ProgressItem is one progress event of the reading log in a dump
// (Copier).
type ProgressItem struct {
	UserID, StoryID string
	At              time.Time
}
