package shelf

import (
	"errors"
	"fmt"
	"testing"
)

func TestSettlePoll(t *testing.T) {
	errDisk := errors.New("disk on fire")
	decided := ClubPoll{ID: "7", Decided: true, Winner: 1, Answers: []ClubPollAnswer{{AnswerID: 1, StoryID: "3"}}}
	for _, tc := range []struct {
		name        string
		poll        ClubPoll
		start       error
		wantChanged bool
		wantClub    string
		wantNoClub  string
		wantErr     error
	}{
		{"started", decided, nil, true, "9", "", nil},
		{"channel taken", decided, fmt.Errorf("channel 1: %w", ErrClubActive), true, "", NoClubActive, nil},
		{"story gone", decided, fmt.Errorf("story 3: %w", ErrNotFound), true, "", NoClubStoryGone, nil},
		{"no schedule", decided, fmt.Errorf("plan: %w", ErrInvalid), true, "", NoClubInvalid, nil},
		{"other failure", decided, errDisk, false, "", "", errDisk},
		{"not decided", ClubPoll{ID: "7"}, nil, false, "", "", ErrInvalid},
		{"settled already", ClubPoll{ID: "7", Decided: true, NoClub: NoClubNoVotes}, nil, false, "", NoClubNoVotes, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := tc.poll.Clone()
			started := false
			np, changed, err := SettlePoll(old, func() (Club, error) {
				started = true
				return Club{ID: "9"}, tc.start
			})
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if changed != tc.wantChanged {
				t.Fatalf("changed = %v, want %v", changed, tc.wantChanged)
			}
			if started != (tc.poll.Decided && !tc.poll.Settled()) {
				t.Fatalf("start called = %v for poll %+v", started, tc.poll)
			}
			if err != nil {
				return
			}
			if np.ClubID != tc.wantClub || np.NoClub != tc.wantNoClub {
				t.Fatalf("poll = club %q, no club %q; want %q, %q", np.ClubID, np.NoClub, tc.wantClub, tc.wantNoClub)
			}
			if changed && (old.ClubID != "" || old.NoClub != "") {
				t.Fatalf("SettlePoll changed the poll it was given: %+v", old)
			}
		})
	}
}

func TestClubStartZone(t *testing.T) {
	p := ClubStart{}
	if loc, err := p.Zone(); err != nil || loc.String() != "UTC" || p.Timezone != "UTC" {
		t.Fatalf("empty zone: %v %v, Timezone %q", loc, err, p.Timezone)
	}
	p = ClubStart{Timezone: "Europe/Berlin"}
	if loc, err := p.Zone(); err != nil || loc.String() != "Europe/Berlin" || p.Timezone != "Europe/Berlin" {
		t.Fatalf("Berlin: %v %v, Timezone %q", loc, err, p.Timezone)
	}
	p = ClubStart{Timezone: "Mars/Olympus"}
	if _, err := p.Zone(); !errors.Is(err, ErrInvalid) || p.Timezone != "Mars/Olympus" {
		t.Fatalf("unknown zone: %v, Timezone %q", err, p.Timezone)
	}
}
