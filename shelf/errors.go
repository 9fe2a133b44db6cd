package shelf

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors returned (wrapped) by every engine; test with errors.Is.
var (
	// ErrLocked means another running process holds an embedded database.
	ErrLocked = errors.New("database is in use by another running instance")
	// ErrNotFound means the guild has no such story, entry or record.
	ErrNotFound = errors.New("not found")
	// ErrInvalidID means an ID argument is not a positive decimal integer.
	ErrInvalidID = errors.New("invalid ID")
	// ErrInvalid means an argument is outside its allowed values.
	ErrInvalid = errors.New("invalid value")
	// ErrDuplicate means the guild already has this AO3 work; see DuplicateError.
	ErrDuplicate = errors.New("story already in the library")
	// ErrAlreadyGiven means the member already gave kudos to the story.
	ErrAlreadyGiven = errors.New("kudos already given")
	// ErrOwnStory means the member wrote the story (mine) and cannot give it kudos.
	ErrOwnStory = errors.New("cannot give kudos to your own story")
	// ErrAmbiguous means a title matched more than one story; see ResolveError.
	ErrAmbiguous = errors.New("ambiguous story title")
	// ErrClubActive means the channel already has an active club.
	ErrClubActive = errors.New("channel already has an active club")
	// ErrNotMember means the member has not joined the club.
	ErrNotMember = errors.New("not a member of the club")
	// ErrClubEnded means the club has ended.
	ErrClubEnded = errors.New("club has ended")
	// ErrSchemaTooNew means the database was written by a newer Ficshelf.
	ErrSchemaTooNew = errors.New("database schema is newer than this program")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("store is closed")
	// ErrNotEmpty means a copy's destination already holds data.
	ErrNotEmpty = errors.New("destination database is not empty")
)

// ParseID parses an ID as it crosses the interface: a positive decimal
// integer of at most 20 digits with no sign. kind names it in the error
// ("guild", "story", …), which wraps ErrInvalidID.
func ParseID(kind, s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 || len(s) > 20 || s[0] == '+' {
		return 0, fmt.Errorf("%s ID %q: %w", kind, Truncate(s, 40), ErrInvalidID)
	}
	return v, nil
}

// FormatID is the decimal form of an ID.
func FormatID(v uint64) string { return strconv.FormatUint(v, 10) }

// Truncate cuts s to at most n bytes, marking a cut with "…"; for echoing
// input in error messages.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
