package bolt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ficshelf/fic"
	"ficshelf/shelf"
)

func TestEnginePingAndContext(t *testing.T) {
	s := openTest(t)
	if s.Engine() != "bolt" {
		t.Errorf("engine %q", s.Engine())
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("ping: %v", err)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.AddStory(done, guildA, &fic.Story{Title: "Never"}, nil, alice, false, t0); !errors.Is(err, context.Canceled) {
		t.Errorf("add with a cancelled context: %v", err)
	}
	if _, err := s.GiveKudos(done, guildA, "1", bob, t0); !errors.Is(err, context.Canceled) {
		t.Errorf("kudos with a cancelled context: %v", err)
	}
	if _, err := s.Story(done, guildA, "1"); !errors.Is(err, context.Canceled) {
		t.Errorf("read with a cancelled context: %v", err)
	}
	if c, _ := s.Counts(ctx); len(c) != 0 {
		t.Errorf("a cancelled write wrote: %v", c)
	}
	s.Close()
	if err := s.Ping(ctx); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("ping after close: %v", err)
	}
	if _, err := s.Story(ctx, guildA, "1"); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
	if _, err := s.SearchStories(ctx, guildA, "a", 5); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("autocomplete after close: %v", err)
	}
	if _, err := s.ResolveStory(ctx, guildA, "Never"); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("resolve after close: %v", err)
	}
	if _, err := s.TryLease(ctx, "x", "y", t0, time.Minute); !errors.Is(err, shelf.ErrClosed) {
		t.Errorf("lease after close: %v", err)
	}
}
