package shelf

import (
	"fmt"
	"strings"
	"time"
)

// Status is a reading-list entry's state.
type Status string

// The reading-list statuses.
const (
	StatusToRead   Status = "to-read"
	StatusReading  Status = "reading"
	StatusFinished Status = "finished"
	StatusOnHold   Status = "on-hold"
	StatusDropped  Status = "dropped"
)

// Statuses lists every status in display order.
var Statuses = []Status{StatusToRead, StatusReading, StatusFinished, StatusOnHold, StatusDropped}

// ParseStatus accepts a status in any case; "" is StatusToRead.
func ParseStatus(s string) (Status, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return StatusToRead, nil
	}
	for _, st := range Statuses {
		if s == string(st) {
			return st, nil
		}
	}
	return "", fmt.Errorf("status %q: %w", Truncate(s, 40), ErrInvalid)
}

// MaxNoteLength is the longest note (in bytes) a list entry keeps.
const MaxNoteLength = 1000

// ListEntry is one story on a member's reading list. The story fields
// (Title, Authors, ChaptersPosted, ChaptersExpected) are filled when read
// and ignored when written.
type ListEntry struct {
	StoryID string    `json:"story_id"`
	Status  Status    `json:"status"`
	Chapter int       `json:"chapter"` // last chapter read; 0 = not started
	Note    string    `json:"note,omitempty"`
	Added   time.Time `json:"added"`
	Updated time.Time `json:"updated"`

	Title            string   `json:"title"`
	Authors          []string `json:"authors,omitempty"`
	ChaptersPosted   int      `json:"chapters_posted"`
	ChaptersExpected int      `json:"chapters_expected"` // 0 = unknown (work in progress)
}
