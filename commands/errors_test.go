package commands

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"ficshelf/shelf"
)

// storeError is the one place domain errors become sentences: each maps
// to its sentence for the act, keeps the cause for errors.Is, and a
// failure (not a domain error) passes through to "Something went wrong".
func TestStoreErrorMapping(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("store: %w", err) }
	for _, tc := range []struct {
		err  error
		a    act
		f    facts
		want string // "" = not a UserError
	}{
		{wrap(shelf.ErrNotFound), actStory, facts{}, "no longer in this server's library"},
		{wrap(shelf.ErrInvalidID), actStory, facts{}, "no longer in this server's library"},
		{wrap(shelf.ErrNotFound), actKudos, facts{}, "no longer in this server's library"},
		{wrap(shelf.ErrNotFound), actListWrite, facts{}, "no longer in this server's library"},
		{wrap(shelf.ErrNotFound), actListRemove, facts{Story: "Dawn"}, "isn't on your reading list"},
		{wrap(shelf.ErrNotFound), actResolve, facts{Input: "dusk"}, "no story called"},
		{wrap(shelf.ErrNotFound), actChapter, facts{Story: "Dawn", Chapter: 3}, "Chapter 3 of"},
		{wrap(shelf.ErrNotFound), actClubHere, facts{}, "no reading club in this channel"},
		{wrap(shelf.ErrNotFound), actClubJoin, facts{}, "no longer exists"},
		{wrap(shelf.ErrNotFound), actSettings, facts{}, ""},
		{wrap(shelf.ErrAlreadyGiven), actKudos, facts{Story: "Dawn", Kudos: 2}, "already left kudos"},
		{wrap(shelf.ErrOwnStory), actKudos, facts{Story: "Dawn"}, "You wrote"},
		{wrap(shelf.ErrClubActive), actClubStart, facts{Club: "Book Club", Reading: "Dawn"}, "already has a reading club"},
		{wrap(shelf.ErrClubEnded), actClubJoin, facts{}, "has ended"},
		{wrap(shelf.ErrNotMember), actClubLeave, facts{Club: "Book Club"}, "You're not in"},
		{wrap(shelf.ErrNotMember), actClubProgress, facts{Club: "Book Club"}, "Join"},
		{wrap(shelf.ErrInvalid), actListWrite, facts{}, "couldn't save that"},
		{wrap(shelf.ErrInvalid), actSettings, facts{}, "isn't valid"},
		{wrap(shelf.ErrInvalid), actStatus, facts{}, "Pick a status"},
		{wrap(shelf.ErrInvalid), actKudos, facts{}, ""},
		{&shelf.ResolveError{Input: "x", Ambiguous: true, Suggestions: []shelf.StoryRef{{ID: "1", Title: "Xa"}, {ID: "2", Title: "Xb"}}}, actResolve, facts{}, "Xa"},
		{errors.New("disk on fire"), actStory, facts{}, ""},
		{wrap(shelf.ErrClosed), actKudos, facts{}, ""},
	} {
		got := storeError(tc.err, tc.a, tc.f)
		var ue *UserError
		switch {
		case tc.want == "":
			if errors.As(got, &ue) || got != tc.err {
				t.Errorf("%v during act %d: got %v, want it unchanged", tc.err, tc.a, got)
			}
		case !errors.As(got, &ue) || !strings.Contains(ue.Message, tc.want):
			t.Errorf("%v during act %d: got %v, want a sentence with %q", tc.err, tc.a, got, tc.want)
		case !errors.Is(got, errors.Unwrap(tc.err)) && !errors.Is(got, tc.err):
			t.Errorf("%v: the cause is lost", tc.err)
		}
	}
	if storeError(nil, actStory, facts{}) != nil {
		t.Error("nil became an error")
	}
	already := Errorf("said already")
	if storeError(already, actStory, facts{}) != already {
		t.Error("a UserError was rewritten")
	}
}
