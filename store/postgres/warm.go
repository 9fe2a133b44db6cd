package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ficshelf/shelf"
)

// Warming the pool. A new connection is a new server backend, whose
// catalog caches are empty, and pgx prepares each statement on a
// connection the first time it runs there; a pool opened by the first
// burst of interactions pays all of that inside their answers (issue 11:
// the first tenth of a load run held most of PostgreSQL's p99). So every
// Open makes the pool's connections (MaxConns) before it returns and runs
// the hot statements once on each, on a guild no Discord server can have
// (warmGuild) and with inputs that change nothing. Idle connections then
// close by the pool's own rules (MaxConnIdleTime); one made later starts
// cold, as every connection did before.

// warmGuild is the guild the warm-up statements name: the largest int64,
// a snowflake dated 2084, so no server's data is ever read or written.
const warmGuild = "9223372036854775807"

// warmTimeout bounds the warm-up of one connection and Open's wait for
// the whole pool.
const warmTimeout = 3 * time.Second

// warmConn runs the hot statements once on conn. Failures are ignored:
// a statement not warmed is prepared at its first real use, as without
// warm-up.
func warmConn(ctx context.Context, conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(ctx, warmTimeout)
	defer cancel()
	w := &Store{db: conn}
	g := warmGuild
	now := time.Now()
	_, _ = w.Settings(ctx, g)
	_, _ = w.Story(ctx, g, "1")
	_, _ = w.ResolveStory(ctx, g, "1")
	_, _ = w.ResolveStory(ctx, g, "warm up")
	_, _ = w.SearchStories(ctx, g, "", 25)
	_, _ = w.SearchStories(ctx, g, "warm up", 25)
	warmSearchWalk(ctx, conn, g) // searchpop.go: only big guilds run it
	_, _ = w.Chapter(ctx, g, "1", 1)
	_, _ = w.GiveKudos(ctx, g, "1", "1", now) // no such story: nothing written
	_, _ = w.Kudos(ctx, g, "1")
	_, _ = w.SetListEntry(ctx, g, "1", shelf.ListEntry{StoryID: "1", Status: shelf.StatusReading}, now) // idem
	_, _ = w.ListEntry(ctx, g, "1", "1")
	_, _ = w.MemberList(ctx, g, "1")
	_, _, _ = w.ListRecs(ctx, g, shelf.RecQuery{})
	for _, sort := range []shelf.Sort{shelf.SortNewest, shelf.SortKudos, shelf.SortTitle, shelf.SortWords} {
		_, _, _ = w.ListStories(ctx, g, shelf.ListQuery{Sort: sort})
		_, _, _ = w.ListStories(ctx, g, shelf.ListQuery{Sort: sort, Fandom: "warm"})
	}
	_, _ = w.TopKudos(ctx, g, shelf.PeriodAll, now, 10)
	// The periods' reads without TopKudos's mark advance, which would
	// write the warm guild's mark.
	gid, _ := parseGuild(g)
	for _, p := range []shelf.Period{shelf.PeriodWeek, shelf.PeriodMonth} {
		_, _, key := periodColumns(p)
		var mark int64
		_ = conn.QueryRow(ctx, `SELECT mark FROM kudos_marks WHERE guild = $1 AND period = $2`, gid, key).Scan(&mark)
		sql := topWeekSQL
		if p == shelf.PeriodMonth {
			sql = topMonthSQL
		}
		if rows, err := conn.Query(ctx, sql, gid, p.Since(now).UnixNano(), 10, key); err == nil {
			rows.Close()
		}
	}
}

// warmPool makes the pool's connections by holding up to max of them at
// once, runs warmConn on each, then gives them back. It waits at most
// warmTimeout; a connection not made by then is made on demand, cold.
func warmPool(ctx context.Context, pool *pgxpool.Pool, max int32) {
	ctx, cancel := context.WithTimeout(ctx, warmTimeout)
	defer cancel()
	var got, done sync.WaitGroup
	got.Add(int(max))
	done.Add(int(max))
	for range max {
		go func() {
			defer done.Done()
			c, err := pool.Acquire(ctx)
			got.Done()
			if err != nil {
				return
			}
			got.Wait() // hold it until all are out, so that each goroutine has its own
			warmConn(ctx, c.Conn())
			c.Release()
		}()
	}
	done.Wait()
}
