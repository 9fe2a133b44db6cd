package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ficshelf/shelf"
)

// Test hooks for package postgres_test (which may import pgtest).

var Migrations = migrations

func MigrateTo(ctx context.Context, s *Store, v int) error { return migrateTo(ctx, s, v) }

func Connect(ctx context.Context, dbURL string) (*Store, error) {
	s, _, err := connect(ctx, dbURL, Options{})
	return s, err
}

func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Deadlocks is how many transactions PostgreSQL broke out of a deadlock
// (and the store ran again) since Open.
func (s *Store) Deadlocks() int64 { return s.deadlocks.Load() }

// ScaleQuery is one statement the engine runs, with arguments, for
// EXPLAIN-based tests.
type ScaleQuery struct {
	Name     string
	SQL      string
	Args     []any
	Limit    bool // the plan must cut with LIMIT
	Filtered bool // a /story list with a fandom or tag filter
}

// ScaleQueries are the statements behind /kudos top, /story list,
// autocomplete and a title miss on guild, as the engine runs them.
func ScaleQueries(guild int64, now time.Time) []ScaleQuery {
	out := []ScaleQuery{
		{"top all", topAllSQL, []any{guild, 10}, true, false},
		{"top week", topWeekSQL, []any{guild, shelf.PeriodWeek.Since(now).UnixNano(), 10, int16(1)}, true, false},
		{"top month", topMonthSQL, []any{guild, shelf.PeriodMonth.Since(now).UnixNano(), 10, int16(2)}, true, false},
		{"title miss candidates", missSQL, missArgs(guild, "zephyr nothing"), true, false},
		{"search title starts", searchTitleStartsSQL, []any{guild, "or", "or\U0010FFFF", popularRareCap + 1}, true, false},
		{"search exact", searchExactSQL, []any{guild, "orchard", popularRareCap + 1}, true, false},
		{"search decode", searchDecodeSQL, []any{guild, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25}}, false, false},
	}
	// A filter matching few stories (cut from all of them) and many (the
	// sort order walked, each story probed).
	few := &facetMatch{values: []string{"fandom 3"}, stories: 100}
	many := &facetMatch{values: []string{"trope 2"}, stories: 5000}
	for _, sort := range []shelf.Sort{shelf.SortNewest, shelf.SortKudos, shelf.SortTitle, shelf.SortWords} {
		for _, c := range []struct {
			q             shelf.ListQuery
			fandoms, tags *facetMatch
		}{{shelf.ListQuery{Sort: sort}, nil, nil}, {shelf.ListQuery{Sort: sort, Offset: 40}, nil, nil},
			{shelf.ListQuery{Sort: sort, Fandom: "fandom 3"}, few, nil}, {shelf.ListQuery{Sort: sort, Tag: "trope 2"}, nil, many}} {
			sql, args, err := listSQL(guild, "", c.q, c.fandoms, c.tags)
			if err != nil {
				panic(err)
			}
			out = append(out, ScaleQuery{fmt.Sprintf("list %+v", c.q), sql, args, true, false})
		}
	}
	return out
}

// RecountGuilds is recountGuilds for tests that write rows in bulk.
func RecountGuilds(ctx context.Context, tx pgx.Tx) error { return recountGuilds(ctx, tx) }

// SetBulkFlush sets the bulk load's batch bounds and returns a function
// that restores them.
func SetBulkFlush(rows, bytes int) func() {
	r, b := bulkFlushRows, bulkFlushBytes
	bulkFlushRows, bulkFlushBytes = rows, bytes
	return func() { bulkFlushRows, bulkFlushBytes = r, b }
}

// PopularWalks returns how many searches the most-popular-first walk
// answered and how many it handed to the ranking statement.
func PopularWalks() (answered, gaveUp int64) { return popularAnswered.Load(), popularGaveUp.Load() }

// SetPopularMinStories sets the guild size from which SearchStories tries
// the most-popular-first walk and returns a function that restores it.
func SetPopularMinStories(n int64) func() {
	old := popularMinStories
	popularMinStories = n
	return func() { popularMinStories = old }
}

// RareListed returns how many searches walked the title-starting class
// first (searchpop.go).
func RareListed() int64 { return popularRareListed.Load() }

// SetRareFirst turns the title-starting class's listing on or off and
// returns a function that restores it.
func SetRareFirst(on bool) func() {
	old := rareFirst
	rareFirst = on
	return func() { rareFirst = old }
}

// SetPopularRareCap sets the most title-starting stories listed and
// returns a function that restores it.
func SetPopularRareCap(n int) func() {
	old := popularRareCap
	popularRareCap = n
	return func() { popularRareCap = old }
}
