package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

// A kudos mark advance (TopKudos clearing the week's old kudos flags and
// their stories' counters) and /mydata delete of a member whose kudos it
// clears, run at the same moment many times: neither may deadlock with
// the other (each deadlock PostgreSQL breaks costs a deadlock_timeout's
// stall before the store runs the loser again), and the counters still
// equal the records.
func TestMarkAdvanceAndDeleteMemberNeverDeadlock(t *testing.T) {
	url := pgtest.URL(t)
	// A short deadlock_timeout finds a deadlock in milliseconds instead of
	// a second (it needs a superuser; without one the test is slower).
	if c, err := pgx.Connect(ctx, url); err == nil {
		_, _ = c.Exec(ctx, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET deadlock_timeout = %L', current_database(), '20ms'); END $$`)
		c.Close(ctx)
	}
	s := pgtest.OpenURL(t, url)
	const (
		guild   = "1"
		stories = 24
		others  = 24
		rounds  = 60
	)
	base := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range stories {
		ids = append(ids, storetest.AddAt(t, s, guild, "999", false, base.Add(time.Duration(i)*time.Second), storetest.Story(fmt.Sprintf("Story %d", i))).ID)
	}
	for r := range rounds {
		at := base.Add(time.Duration(r) * 8 * 24 * time.Hour)
		member := fmt.Sprint(10_000 + r)
		// The member has every story on their list and gave each a kudos
		// this week; other members' kudos of the week interleave.
		for i, id := range ids {
			if _, err := s.SetListEntry(ctx, guild, member, shelf.ListEntry{StoryID: id}, at); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GiveKudos(ctx, guild, id, member, at.Add(time.Duration(i)*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		for u := range others {
			if _, err := s.GiveKudos(ctx, guild, ids[(u*7+r)%stories], fmt.Sprint(20_000+r*others+u), at.Add(time.Duration(u)*time.Millisecond)); err != nil {
				t.Fatal(err)
			}
		}
		// A week and two minutes on, the week's top advances the mark
		// past every kudos above while the member deletes their data.
		now := at.Add(7*24*time.Hour + 2*time.Minute)
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			if _, err := s.TopKudos(ctx, guild, shelf.PeriodWeek, now, 5); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			<-start
			if err := s.DeleteMember(ctx, guild, member); err != nil {
				t.Error(err)
			}
		}()
		close(start)
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
	}
	if n := s.Deadlocks(); n != 0 {
		t.Errorf("%d deadlocks between a mark advance and a member's deletion in %d rounds (each a stall, then run again)", n, rounds)
	}
	checkColumns(t, s)
	if top, err := s.TopKudos(ctx, guild, shelf.PeriodWeek, base.Add(rounds*8*24*time.Hour), 5); err != nil || len(top) != 0 {
		t.Errorf("week's top long after the last kudos = %v %v, want none", top, err)
	}
}
