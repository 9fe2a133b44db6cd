package bolt_test

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/storetest"
)

func TestGiveKudos(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.Story("Kudosable"))
	own, err := s.AddStory(ctx, guildA, storetest.Story("My Own"), nil, carol, true, t0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		story     string
		user      string
		wantCount int
		wantErr   error
	}{
		{"first", rec.ID, alice, 1, nil},
		{"second member", rec.ID, bob, 2, nil},
		{"again", rec.ID, alice, 2, shelf.ErrAlreadyGiven},
		{"author of mine", own.ID, carol, 0, shelf.ErrOwnStory},
		{"others on mine", own.ID, alice, 1, nil},
		{"missing story", "99", alice, 0, shelf.ErrNotFound},
	}
	for _, tt := range tests {
		got, err := s.GiveKudos(ctx, guildA, tt.story, tt.user, t0)
		if got != tt.wantCount || !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: GiveKudos = %d, %v; want %d, %v", tt.name, got, err, tt.wantCount, tt.wantErr)
		}
	}
	if r, _ := s.Story(ctx, guildA, rec.ID); r.Kudos != 2 {
		t.Errorf("Kudos counter = %d, want 2", r.Kudos)
	}
	// A story added by someone who did not write it can get kudos from its adder.
	if _, err := s.GiveKudos(ctx, guildA, rec.ID, alice, t0); !errors.Is(err, shelf.ErrAlreadyGiven) {
		t.Errorf("%v", err)
	}
}

func TestKudosListNewestFirst(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.Story("Listed"))
	for i, u := range []string{alice, bob, carol} {
		if _, err := s.GiveKudos(ctx, guildA, rec.ID, u, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Kudos(ctx, guildA, rec.ID)
	want := []shelf.Kudo{{UserID: carol, At: t0.Add(2 * time.Hour)}, {UserID: bob, At: t0.Add(time.Hour)}, {UserID: alice, At: t0}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Kudos = %v, %v; want %v", got, err, want)
	}
	if _, err := s.Kudos(ctx, guildA, "42"); !errors.Is(err, shelf.ErrNotFound) {
		t.Errorf("Kudos(missing) = %v", err)
	}
}

func TestTopKudos(t *testing.T) {
	s := openTest(t)
	old := add(t, s, guildA, storetest.Story("Old Favourite"))
	fresh := add(t, s, guildA, storetest.Story("Fresh"))
	add(t, s, guildA, storetest.Story("Ignored"))
	week := t0.AddDate(0, 0, -7)
	// Old Favourite: 3 kudos long ago; Fresh: 2 kudos this week.
	for i, u := range []string{alice, bob, carol} {
		if _, err := s.GiveKudos(ctx, guildA, old.ID, u, week.AddDate(0, -2, i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{alice, bob} {
		if _, err := s.GiveKudos(ctx, guildA, fresh.ID, u, t0); err != nil {
			t.Fatal(err)
		}
	}
	name := func(ts []shelf.TopStory) []string {
		var out []string
		for _, x := range ts {
			out = append(out, fmt.Sprintf("%s:%d", x.Story.Title, x.Count))
		}
		return out
	}
	tests := []struct {
		period shelf.Period
		now    time.Time
		limit  int
		want   []string
	}{
		{shelf.PeriodAll, t0, 10, []string{"Old Favourite:3", "Fresh:2"}},
		{shelf.PeriodWeek, week.Add(7 * 24 * time.Hour), 10, []string{"Fresh:2"}},
		{shelf.PeriodAll, t0, 1, []string{"Old Favourite:3"}},
		{shelf.PeriodWeek, t0.Add(time.Hour + 7*24*time.Hour), 10, nil},
	}
	for _, tt := range tests {
		got, err := s.TopKudos(ctx, guildA, tt.period, tt.now, tt.limit)
		if err != nil || !reflect.DeepEqual(name(got), tt.want) {
			t.Errorf("TopKudos(%v, %v, %d) = %v, %v; want %v", tt.period, tt.now, tt.limit, name(got), err, tt.want)
		}
	}
}

func TestConcurrentKudosExactCount(t *testing.T) {
	s := openTest(t)
	rec := add(t, s, guildA, storetest.Story("Popular"))
	const members, tries = 50, 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, already := 0, 0
	for m := 0; m < members; m++ {
		for try := 0; try < tries; try++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.GiveKudos(ctx, guildA, rec.ID, fmt.Sprint(10_000+m), time.Time{})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, shelf.ErrAlreadyGiven):
					already++
				default:
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	if ok != members || already != members*(tries-1) {
		t.Errorf("accepted %d, refused %d; want %d and %d", ok, already, members, members*(tries-1))
	}
	got, _ := s.Story(ctx, guildA, rec.ID)
	list, _ := s.Kudos(ctx, guildA, rec.ID)
	if got.Kudos != members || len(list) != members {
		t.Errorf("counter %d, records %d; want %d", got.Kudos, len(list), members)
	}
	if refs, _ := s.SearchStories(ctx, guildA, "", 1); len(refs) != 1 || refs[0].ID != rec.ID {
		t.Errorf("search after kudos: %v", refs)
	}
}
