package bolt

import (
	"fmt"
	"testing"
	"time"

	"ficshelf/fic"
)

// A step waits for the small writes waiting when it asks, and for no
// others: it is not held back by small writes that arrive later.
func TestWriteLaneStepWaitsForOneRound(t *testing.T) {
	var l writeLane
	l.stepTurn() // nobody waiting: at once

	l.smallIn()
	l.smallIn()
	turned := make(chan struct{})
	go func() { l.stepTurn(); close(turned) }()
	l.smallOut()
	select {
	case <-turned:
		t.Fatal("the step started while a small write it found waiting had not finished")
	case <-time.After(50 * time.Millisecond):
	}
	l.smallIn() // a newcomer: the step does not wait for it
	l.smallOut()
	select {
	case <-turned:
	case <-time.After(5 * time.Second):
		t.Fatal("the step still waits once the small writes it found had finished")
	}
	l.smallOut()
}

// A kudos that is waiting for the writer when a big story's step ends
// commits before the next step: the importing goroutine, which holds the
// CPU and could take bbolt's lock straight back, waits for it. (Without
// the lane, most kudos here commit only after several more steps.)
func TestSmallWriteGoesBeforeTheNextStep(t *testing.T) {
	s := tempStore(t)
	small, err := s.AddStory(ctx, bigGuild, &fic.Story{Title: "Small", Rating: fic.RatingGeneral}, nil, "300000000000000003", false, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	st, chs := bigStory(24, 512<<10, 0)
	step, launched := 0, 0
	var late []string
	afterBigStep = func() {
		step++
		// The kudos launched after the previous step must be in by now.
		if launched > 0 {
			ks, err := s.Kudos(ctx, bigGuild, small.ID)
			if err != nil {
				t.Error(err)
			}
			if len(ks) < launched {
				late = append(late, fmt.Sprintf("step %d: %d of %d kudos committed", step, len(ks), launched))
			}
		}
		// Another server's member gives kudos now; return as soon as it
		// waits for the writer, as a concurrent request would.
		user := fmt.Sprintf("4%017d", launched)
		launched++
		go func() {
			if _, err := s.GiveKudos(ctx, bigGuild, small.ID, user, time.Time{}); err != nil {
				t.Error(err)
			}
		}()
		for deadline := time.Now().Add(5 * time.Second); ; {
			s.lane.mu.Lock()
			w := s.lane.waiting
			s.lane.mu.Unlock()
			if w > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	defer func() { afterBigStep = nil }()
	if _, err := s.AddStory(ctx, bigGuild, st, chs, "300000000000000003", false, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if step < 12 {
		t.Fatalf("%d steps, want at least 12", step)
	}
	if len(late) > 0 {
		t.Fatalf("kudos waited for more than one step: %v", late)
	}
}
