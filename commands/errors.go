package commands

import (
	"errors"
	"fmt"

	"ficshelf/shelf"
)

// UserError is an error whose Message is meant for the member: a clear,
// human sentence saying what went wrong and, where possible, what to do.
// The Router answers it ephemerally; nothing else about it is shown.
type UserError struct {
	Message string
	// Err is an optional cause, for logs and errors.Is.
	Err error
}

func (e *UserError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *UserError) Unwrap() error { return e.Err }

// Errorf returns a *UserError with a formatted message.
func Errorf(format string, args ...any) error {
	return &UserError{Message: fmt.Sprintf(format, args...)}
}

// Sorry wraps cause in a *UserError with msg, keeping cause for errors.Is.
func Sorry(cause error, msg string) error {
	return &UserError{Message: msg, Err: cause}
}

// ---- The one mapping from the store's errors to what a member reads ----
//
// Handlers never write these sentences out: they pass the store's error to
// storeError with what the member was doing (an act) and the facts its
// sentence names. An error that is not one of shelf's domain errors (a
// failure: disk, network, a bug) comes back unchanged, so the router
// answers "Something went wrong" and logs it.

// act is what a member was doing when the store refused: it picks the
// sentence for errors whose meaning depends on it (ErrNotFound is a removed
// story for a kudos button, a missing entry for /readinglist remove).
type act int

const (
	actStory        act = iota // anything on a story named by ID (a button, a stored card)
	actResolve                 // a story option as typed
	actChapter                 // reading a chapter for an excerpt
	actKudos                   // giving kudos
	actListWrite               // adding or updating a reading-list entry
	actListRemove              // removing a reading-list entry
	actStatus                  // naming a reading-list status
	actMemberList              // showing a member's reading list
	actStoryUpdate             // updating a story from a new download
	actClubHere                // finding the club of a channel
	actClubStart               // starting a club
	actClubJoin                // joining a club
	actClubLeave               // leaving a club
	actClubProgress            // recording club progress
	actSettings                // changing /settings
	actSubscribe               // subscribing to a story or ending it
)

// facts are what a sentence names.
type facts struct {
	Story   string // the story's title
	Input   string // what the member typed
	Club    string // the club's name
	Reading string // the title of the story the club reads
	Chapter int
	Kudos   int // the story's kudos count
}

// storeError maps err, returned by the store while the member did a, to a
// *UserError carrying the sentence they read (err kept for logs and
// errors.Is); nil stays nil, a *UserError and any other error come back
// unchanged.
func storeError(err error, a act, f facts) error {
	var ue *UserError
	if err == nil || errors.As(err, &ue) {
		return err
	}
	if msg := storeSentence(err, a, f); msg != "" {
		return &UserError{Message: msg, Err: err}
	}
	return err
}

// storeSentence is the sentence for err during a, or "" when err is not a
// domain error a member can meet there.
func storeSentence(err error, a act, f facts) string {
	var re *shelf.ResolveError
	switch {
	case errors.As(err, &re):
		return resolveMessage(re)
	case errors.Is(err, shelf.ErrAlreadyGiven):
		return fmt.Sprintf("You already left kudos on %s — one per member per story, as on AO3. It has %s.", storyName(f.Story), kudosWord(f.Kudos))
	case errors.Is(err, shelf.ErrNoAO3Work):
		return fmt.Sprintf("%s has no AO3 work, so I can't follow it for new chapters: it was added from a file that doesn't name its AO3 work. Add it by its AO3 link (or from an AO3 download) with `/story add`, then subscribe.", storyName(f.Story))
	case errors.Is(err, shelf.ErrOwnStory):
		return ownStoryKudos(f.Story)
	case errors.Is(err, shelf.ErrClubActive):
		return fmt.Sprintf("This channel already has a reading club: %s, reading %s. End it with `/club end` first, or start yours in another channel.",
			quote(f.Club), quote(f.Reading))
	case errors.Is(err, shelf.ErrClubEnded):
		return "This reading club has ended."
	case errors.Is(err, shelf.ErrNotMember):
		if a == actClubLeave {
			return fmt.Sprintf("You're not in %s.", quote(f.Club))
		}
		return fmt.Sprintf("Join %s first with `/club join`.", quote(f.Club))
	case errors.Is(err, shelf.ErrInvalid):
		switch a {
		case actListWrite:
			return "I couldn't save that: a chapter can't be negative, and a note must be shorter."
		case actClubStart:
			return fmt.Sprintf("%s has no chapters to read yet, so there is nothing to schedule.", quote(f.Story))
		case actSettings:
			return "That setting isn't valid. Pick one of the choices offered."
		case actStatus:
			return "Pick a status from the list: to-read, reading, finished, on-hold or dropped."
		}
	case errors.Is(err, shelf.ErrNotFound), errors.Is(err, shelf.ErrInvalidID):
		switch a {
		case actResolve:
			return fmt.Sprintf("This server's library has no story called %s.", quote(f.Input))
		case actMemberList:
			if errors.Is(err, shelf.ErrInvalidID) {
				return "I can't find that member."
			}
			return ""
		case actChapter:
			return fmt.Sprintf("Chapter %d of %s is no longer in the library. Try `/excerpt` again.", f.Chapter, storyName(f.Story))
		case actListRemove:
			return fmt.Sprintf("%s isn't on your reading list, so there was nothing to remove.", storyName(f.Story))
		case actStoryUpdate:
			return "That story was removed from the library while I was updating it. Add it again with `/story add`."
		case actClubHere:
			return "There's no reading club in this channel. Start one with `/club start`."
		case actClubJoin:
			return "This reading club no longer exists."
		case actClubLeave, actClubProgress, actClubStart, actSettings:
			return ""
		}
		return "That story is no longer in this server's library."
	}
	return ""
}

// ownStoryKudos is the answer to kudos from the story's own author.
func ownStoryKudos(title string) string {
	return fmt.Sprintf("You wrote %s, so you can't leave kudos on it — but thank you for sharing it with the server!", storyName(title))
}

// buttonExpired answers a button whose custom ID no longer
// parses or names no handler: rerun is the command that does what it did
// (such as "/excerpt"); "" sends the member back to the command it came
// from.
func buttonExpired(rerun string) error {
	if rerun == "" {
		return Errorf("This button has expired. Run the command again for a fresh one.")
	}
	return Errorf("This button has expired. Use `%s` instead.", rerun)
}

// formExpired answers a form whose handler is gone.
func formExpired() error { return Errorf("This form has expired. Please start again.") }

// isUserError reports whether err is (or wraps) a *UserError.
func isUserError(err error) bool {
	var ue *UserError
	return errors.As(err, &ue)
}
