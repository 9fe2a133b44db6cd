package bolt_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"ficshelf/shelf"
	"ficshelf/storetest"
)

// TestConcurrentKudosExactCount has each member give kudos several times at
// once; the conformance suite's Concurrency/Kudos64 has each member's two
// tries run one after the other.
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
