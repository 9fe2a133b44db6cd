package postgres_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"ficshelf/shelf"
	. "ficshelf/store/postgres"
	"ficshelf/store/postgres/pgtest"
	"ficshelf/storetest"
)

// checkColumns checks story_counts against the kudos records: all-time,
// and each period's column equal to its flagged kudos.
func checkColumns(t *testing.T, s *Store) {
	t.Helper()
	var bad int
	err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM story_counts c LEFT JOIN LATERAL (
		SELECT count(*) AS n, count(*) FILTER (WHERE in_week) AS w, count(*) FILTER (WHERE in_month) AS m
		FROM kudos k WHERE k.guild = c.guild AND k.story = c.story) k ON true
		WHERE (c.kudos, c.week, c.month) <> (k.n, k.w, k.m)`).Scan(&bad)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d stories' counters differ from their kudos records", bad)
	}
}

// Per-period tops stay exact whatever order the nows come in (later,
// earlier, the same), across mark advances, backdated kudos, a member's
// deletion and a story's removal.
func TestTopKudosExactForAnyNow(t *testing.T) {
	s := pgtest.Open(t)
	rng := rand.New(rand.NewPCG(17, 1))
	base := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 12 {
		rec := storetest.AddAt(t, s, "1", "999", false, base.Add(time.Duration(i)*time.Minute), storetest.Story(fmt.Sprintf("Story %d", i)))
		ids = append(ids, rec.ID)
	}
	var ks []storetest.Kudo
	give := func(at time.Time) {
		k := storetest.Kudo{Story: ids[rng.IntN(len(ids))], User: fmt.Sprint(1 + rng.IntN(40)), At: at}
		if _, err := s.GiveKudos(ctx, "1", k.Story, k.User, k.At); err == nil {
			ks = append(ks, k)
		}
	}
	now := base
	for step := range 60 {
		// Time goes forward by 0–3 days, with backdated kudos mixed in.
		now = now.Add(time.Duration(rng.IntN(72)) * time.Hour)
		for range 5 {
			give(now.Add(-time.Duration(rng.IntN(40*24)) * time.Hour))
		}
		for _, p := range []shelf.Period{shelf.PeriodWeek, shelf.PeriodMonth, shelf.PeriodAll} {
			for _, at := range []time.Time{now, now.Add(-time.Duration(rng.IntN(20*24)) * time.Hour), now} {
				if got, want := storetest.GotTop(t, s, "1", p, at, 5), storetest.WantTop(ks, p, at, 5); !slices.Equal(got, want) {
					t.Fatalf("step %d: %v top at %v = %v, want %v", step, p, at, got, want)
				}
			}
		}
		if step == 30 {
			if err := s.DeleteMember(ctx, "1", "7"); err != nil {
				t.Fatal(err)
			}
			ks = slices.DeleteFunc(ks, func(k storetest.Kudo) bool { return k.User == "7" })
			if err := s.RemoveStory(ctx, "1", ids[3]); err != nil {
				t.Fatal(err)
			}
			removed := ids[3]
			ks = slices.DeleteFunc(ks, func(k storetest.Kudo) bool { return k.Story == removed })
			ids = slices.Delete(ids, 3, 4)
		}
	}
	checkColumns(t, s)
}

// Two stores (two processes' worth) giving kudos and advancing the same
// marks at once: no kudos is expired twice or missed, and the answers
// after are exact.
func TestTopKudosTwoStoresAdvancing(t *testing.T) {
	url := pgtest.URL(t)
	a, b := pgtest.OpenURL(t, url), pgtest.OpenURL(t, url)
	base := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 8 {
		ids = append(ids, storetest.AddAt(t, a, "1", "999", false, base.Add(time.Duration(i)*time.Second), storetest.Story(fmt.Sprintf("S%d", i))).ID)
	}
	var (
		mu sync.Mutex
		ks []storetest.Kudo
		wg sync.WaitGroup
	)
	for w := range 8 {
		st := []*Store{a, b}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 2))
			for i := range 60 {
				now := base.Add(time.Duration(i) * 12 * time.Hour)
				k := storetest.Kudo{Story: ids[rng.IntN(len(ids))], User: fmt.Sprint(100*w + i + 1), At: now.Add(-time.Duration(rng.IntN(10*24)) * time.Hour)}
				if _, err := st.GiveKudos(ctx, "1", k.Story, k.User, k.At); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ks = append(ks, k)
				mu.Unlock()
				for _, p := range []shelf.Period{shelf.PeriodWeek, shelf.PeriodMonth} {
					if _, err := st.TopKudos(ctx, "1", p, now, 5); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	checkColumns(t, a)
	end := base.Add(60 * 12 * time.Hour)
	for _, at := range []time.Time{end, end.Add(-9 * 24 * time.Hour), end.Add(3 * 24 * time.Hour)} {
		for _, p := range []shelf.Period{shelf.PeriodWeek, shelf.PeriodMonth} {
			for _, st := range []*Store{a, b} {
				if got, want := storetest.GotTop(t, st, "1", p, at, 8), storetest.WantTop(ks, p, at, 8); !slices.Equal(got, want) {
					t.Errorf("%v top at %v = %v, want %v", p, at, got, want)
				}
			}
		}
	}
}
