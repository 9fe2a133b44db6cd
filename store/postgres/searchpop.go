package postgres

import (
	"context"
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// A typed prefix in a big guild ("a", "th") matches most of its stories,
// and the ranking statement of SearchStories groups every matching word
// row and looks up the counters of every story in the best classes: its
// cost grows with the guild. When the typed words' prefixes hold at least
// popularMinPostings word rows, SearchStories first walks the guild's
// stories most popular first (story_counts_all, the order that breaks
// SearchStories' ties), popularChunk at a time, and ranks each in Go
// (shelf.StoryWords and shelf.RankWords: the rules story_words is written
// by): the first limit stories reaching the best rank any story can reach
// (shelf.BestRank, from what story_words holds under each prefix) are the
// answer, as none after them ranks higher or is more popular. When the
// best rank is rare the walk gives up after popularBudget stories and the
// ranking statement answers.
var (
	popularMinPostings = 2000
	popularChunk       = 128
	popularBudget      = 512
)

// popularMinStories is the guild size from which SearchStories tries the
// walk at all; guildSizeTTL how long a guild's size is trusted (either
// path answers the same, so a stale size costs time, never correctness).
var (
	popularMinStories int64 = 2000
	guildSizeTTL            = time.Minute
)

// guildSize is a guild's story count as read at a time.
type guildSize struct {
	stories int64
	at      time.Time
}

// bigGuild reports whether guild held at least popularMinStories stories
// when last read (guild_counts), reading it again after guildSizeTTL.
func (s *Store) bigGuild(ctx context.Context, gid int64) (bool, error) {
	if v, ok := s.sizes.Load(gid); ok && time.Since(v.(guildSize).at) < guildSizeTTL {
		return v.(guildSize).stories >= popularMinStories, nil
	}
	var n int64
	err := s.db.QueryRow(ctx, `SELECT coalesce((SELECT stories FROM guild_counts WHERE guild = $1), 0)`, gid).Scan(&n)
	if err != nil {
		return false, err
	}
	s.sizes.Store(gid, guildSize{n, time.Now()})
	return n >= popularMinStories, nil
}

// popularAnswered and popularGaveUp count the searches the walk answered
// and those it handed to the ranking statement (for tests).
var popularAnswered, popularGaveUp atomic.Int64

// searchPlanSQL returns, per typed word in order, its word rows (counted
// up to $4) and, when there are any, whether a word equals it, one starts
// with it in a title, and (first typed word only) one starting a title
// starts with it.
const searchPlanSQL = `
SELECT c.n,
	CASE WHEN c.n > 0 THEN EXISTS (SELECT 1 FROM story_words w WHERE w.guild = $1 AND w.word = t.tok) ELSE false END,
	CASE WHEN c.n > 0 THEN EXISTS (SELECT 1 FROM story_words w WHERE w.guild = $1 AND w.word >= t.tok AND w.word < t.up
		AND w.flags & 1 <> 0) ELSE false END,
	CASE WHEN c.n > 0 AND t.ord = 1 THEN EXISTS (SELECT 1 FROM story_words w WHERE w.guild = $1 AND w.word >= t.tok
		AND w.word < t.up AND w.flags & 4 <> 0) ELSE false END
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(tok, up, ord)
CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM story_words w
	WHERE w.guild = $1 AND w.word >= t.tok AND w.word < t.up LIMIT $4) x) c
ORDER BY t.ord`

// searchWalkSQL is one chunk of the guild's stories most popular first,
// after the story at ($2, $3, $4).
const searchWalkSQL = `
SELECT sc.story, sc.kudos, sc.added_at, s.title, s.authors FROM story_counts sc
JOIN stories s ON s.guild = sc.guild AND s.id = sc.story
WHERE sc.guild = $1 AND (sc.kudos, sc.added_at, sc.story) < ($2, $3, $4)
ORDER BY sc.kudos DESC, sc.added_at DESC, sc.story DESC LIMIT $5`

// searchPopular answers SearchStories by the walk; ok is false when the
// prefixes hold too few rows for it to pay, or it gave up.
func (s *Store) searchPopular(ctx context.Context, gid int64, toks, uppers []string, limit int) (out []shelf.StoryRef, ok bool, err error) {
	if big, err := s.bigGuild(ctx, gid); err != nil || !big {
		return nil, false, err
	}
	typed := make([]shelf.TypedMatch, len(toks))
	rows, err := s.db.Query(ctx, searchPlanSQL, gid, toks, uppers, popularMinPostings)
	if err != nil {
		return nil, false, err
	}
	postings := 0
	for i := 0; rows.Next(); i++ {
		var n int
		m := &typed[min(i, len(typed)-1)]
		if err := rows.Scan(&n, &m.Exact, &m.InTitle, &m.TitleFirst); err != nil {
			rows.Close()
			return nil, false, err
		}
		m.Any, postings = n > 0, max(postings, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if postings < popularMinPostings {
		return nil, false, nil
	}
	best := shelf.BestRank(typed)
	type ranked struct {
		rank shelf.SearchRank
		ref  shelf.StoryRef
	}
	var (
		found  []ranked
		atBest int
		walked int
		kudos  int64 = math.MaxInt32
		added  int64 = math.MaxInt64
		last   int64 = math.MaxInt64
		// Chunks are read by separate statements: a story whose kudos
		// fell between two may come again.
		seen = map[int64]bool{}
	)
	for atBest < limit {
		if walked >= popularBudget {
			popularGaveUp.Add(1)
			return nil, false, nil
		}
		rows, err := s.db.Query(ctx, searchWalkSQL, gid, kudos, added, last, popularChunk)
		if err != nil {
			return nil, false, err
		}
		n := 0
		for rows.Next() && atBest < limit {
			var (
				id      int64
				title   string
				authors []string
			)
			if err := rows.Scan(&id, &kudos, &added, &title, &authors); err != nil {
				rows.Close()
				return nil, false, err
			}
			last = id
			n++
			if seen[id] {
				continue
			}
			seen[id] = true
			walked++
			words, flags := shelf.StoryWords(title, authors)
			rank := shelf.RankWords(toks, words, flags)
			if rank.Matched == 0 {
				continue
			}
			ref := shelf.StoryRef{ID: fmtID(id), Title: title}
			if len(authors) > 0 {
				ref.Authors = authors
			}
			found = append(found, ranked{rank, ref})
			if rank == best {
				atBest++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, err
		}
		if n < popularChunk && atBest < limit {
			break // every story walked
		}
	}
	popularAnswered.Add(1)
	// Most popular first within a rank: the walk's order.
	slices.SortStableFunc(found, func(a, b ranked) int { return a.rank.Compare(b.rank) })
	out = make([]shelf.StoryRef, 0, min(limit, len(found)))
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, f.ref)
	}
	return out, true, nil
}

// warmSearchWalk runs the walk's statements once on conn for guild (the
// warm guild, which has no stories).
func warmSearchWalk(ctx context.Context, conn *pgx.Conn, guild string) {
	gid, err := parseGuild(guild)
	if err != nil {
		return
	}
	if rows, err := conn.Query(ctx, searchPlanSQL, gid, []string{"warm"}, []string{"warm\U0010FFFF"}, popularMinPostings); err == nil {
		rows.Close()
	}
	if rows, err := conn.Query(ctx, searchWalkSQL, gid, int64(math.MaxInt32), int64(math.MaxInt64), int64(math.MaxInt64), popularChunk); err == nil {
		rows.Close()
	}
}
