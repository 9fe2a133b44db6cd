package postgres

import (
	"cmp"
	"context"
	"fmt"
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
// best rank is TitleStart's and rare (few titles start with the first
// typed word, while a common word matches), those few stories are listed
// first from the title-first words' index, and likewise the stories
// holding a typed word whole (walkRareClasses). When the best rank is
// rare otherwise the walk gives up after popularBudget stories and the
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

// guildStories returns guild's story count as last read (guild_counts),
// reading it again after guildSizeTTL.
func (s *Store) guildStories(ctx context.Context, gid int64) (int64, error) {
	if v, ok := s.sizes.Load(gid); ok && time.Since(v.(guildSize).at) < guildSizeTTL {
		return v.(guildSize).stories, nil
	}
	var n int64
	err := s.db.QueryRow(ctx, `SELECT coalesce((SELECT stories FROM guild_counts WHERE guild = $1), 0)`, gid).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("guild size: %w", err)
	}
	s.sizes.Store(gid, guildSize{n, time.Now()})
	return n, nil
}

// popularAnswered and popularGaveUp count the searches the walk answered
// and those it handed to the ranking statement (for tests).
// popularRareListed counts the rare classes listed (walkListed).
var popularAnswered, popularGaveUp, popularRareListed atomic.Int64

// searchPlanSQL returns, per typed word in order, its word rows (counted
// up to $4) and, when there are any, the stories holding a word equal to
// it (counted up to $5), whether one starts with it in a title, and (first
// typed word only) the stories whose title's first word starts with it
// (counted up to $5, from story_words_first).
const searchPlanSQL = `
SELECT c.n,
	CASE WHEN c.n > 0 THEN (SELECT count(*) FROM (SELECT 1 FROM story_words w WHERE w.guild = $1 AND w.word = t.tok LIMIT $5) x)
		ELSE 0 END,
	CASE WHEN c.n > 0 THEN EXISTS (SELECT 1 FROM story_words w WHERE w.guild = $1 AND w.word >= t.tok AND w.word < t.up
		AND w.flags & 1 <> 0) ELSE false END,
	CASE WHEN c.n > 0 AND t.ord = 1 THEN (SELECT count(*) FROM (SELECT 1 FROM story_words w WHERE w.guild = $1
		AND w.word >= t.tok AND w.word < t.up AND w.flags & 4 <> 0 LIMIT $5) x) ELSE 0 END
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

// searchTitleStartsSQL lists the stories whose title's first word starts
// with a prefix ($2 to $3, from the partial index story_words_first),
// most popular first, when there are at most $4 - 1 of them; $4 rows say
// there are more (the order is then meaningless). OFFSET 0 keeps the
// counters a lookup per listed story: the planner would otherwise hash
// the guild's.
const searchTitleStartsSQL = `
WITH t AS (SELECT story FROM story_words WHERE guild = $1 AND word >= $2 AND word < $3 AND flags & 4 <> 0 LIMIT $4)
SELECT sc.story, sc.kudos, sc.added_at FROM t CROSS JOIN LATERAL (
	SELECT story, kudos, added_at FROM story_counts WHERE guild = $1 AND story = t.story OFFSET 0) sc
ORDER BY sc.kudos DESC, sc.added_at DESC, sc.story DESC`

// searchExactSQL is searchTitleStartsSQL for the stories holding word $2
// (anywhere), at most $3 - 1 of them.
const searchExactSQL = `
WITH t AS (SELECT story FROM story_words WHERE guild = $1 AND word = $2 LIMIT $3)
SELECT sc.story, sc.kudos, sc.added_at FROM t CROSS JOIN LATERAL (
	SELECT story, kudos, added_at FROM story_counts WHERE guild = $1 AND story = t.story OFFSET 0) sc
ORDER BY sc.kudos DESC, sc.added_at DESC, sc.story DESC`

// searchDecodeSQL reads the titles and authors of the given stories.
const searchDecodeSQL = `SELECT id, title, authors FROM stories WHERE guild = $1 AND id = ANY($2::bigint[])`

// popularRareCap is the most stories of one rare class (searchTitleStartsSQL,
// searchExactSQL) SearchStories lists to answer a prefix whose best rank is
// rare; past it the class is common enough for the walk to meet it.
var popularRareCap = 1000

// rareFirst turns the rare classes' listing on (tests time the search
// without it).
var rareFirst = true

// searchPopular answers SearchStories by ranking in Go (shelf.RankWords)
// the stories the walks meet; ok is false when the prefixes hold too few
// rows for it to pay, or it gave up.
//
// The walks, each a phase of rankWalk, each most popular first over its
// stories, stopping once rankWalk.settled (see there why the answer is
// then exact):
//   - when some title's first word starts with the first typed word (the
//     best rank has TitleStart) and few titles do (rare: at most
//     popularRareCap, and few enough that the walk would take long to meet
//     limit of them), those stories (the class T, from story_words_first);
//   - then, when the bound has no TitleStart (T was listed whole, or no
//     title starts so), for each typed word equal to some story word, the
//     stories holding that word, when they are few (rare);
//   - then the guild's stories (walkPopular), up to popularBudget.
//
// A class listed whole lowers the bound: no story not met is in it, so
// none has what it shares (TitleStart; the typed word's Exact).
func (s *Store) searchPopular(ctx context.Context, gid int64, toks, uppers []string, limit int) (out []shelf.StoryRef, ok bool, err error) {
	stories, err := s.guildStories(ctx, gid)
	if err != nil || stories < popularMinStories {
		return nil, false, err
	}
	plan, err := s.readSearchPlan(ctx, gid, toks, uppers)
	if err != nil || plan.postings < popularMinPostings {
		return nil, false, err
	}
	typed := plan.typed
	w := &rankWalk{toks: toks, limit: limit, seen: map[int64]bool{}}
	w.startPhase(shelf.BestRank(typed))
	if rareFirst {
		// A class worth listing: spread evenly over the popularity
		// order, limit of its n stories would take the walk past a
		// quarter of popularBudget (limit·stories/n stories); spread
		// unevenly (a rare class is often the least popular), more.
		rare := func(n int) bool {
			return n > 0 && n <= popularRareCap && int64(n)*int64(popularBudget) < 4*int64(limit)*stories
		}
		if err := s.walkRareClasses(ctx, gid, toks, uppers, plan, rare, w); err != nil {
			return nil, false, err
		}
	}
	if !w.settled() {
		w.startPhase(w.bound)
		if ok, err := s.walkPopular(ctx, gid, w); err != nil || !ok {
			return nil, false, err
		}
	}
	popularAnswered.Add(1)
	return w.answer(), true, nil
}

// walkRareClasses walks the title-starting class, then the exact-word
// classes, those of them rare says to list (by their sizes in plan), as
// searchPopular says, lowering w's bound (and plan.typed) after each
// class listed whole, until w settles.
func (s *Store) walkRareClasses(ctx context.Context, gid int64, toks, uppers []string, plan searchPlan, rare func(int) bool, w *rankWalk) error {
	typed := plan.typed
	if w.bound.TitleStart == 1 && rare(plan.firsts) {
		listed, err := s.walkListed(ctx, gid, w, searchTitleStartsSQL, gid, toks[0], uppers[0], popularRareCap+1)
		if err != nil || !listed || w.settled() {
			return err
		}
		typed[0].TitleFirst = false
		w.startPhase(shelf.BestRank(typed))
	}
	if w.bound.TitleStart == 1 {
		return nil // T is common: its members reach the bound, not these
	}
	listedWords := map[string]bool{}
	for i, m := range typed {
		if !m.Exact || w.settled() || !rare(plan.exacts[i]) {
			continue
		}
		if !listedWords[toks[i]] {
			listed, err := s.walkListed(ctx, gid, w, searchExactSQL, gid, toks[i], popularRareCap+1)
			if err != nil || !listed || w.settled() {
				return err
			}
			listedWords[toks[i]] = true
		}
		typed[i].Exact = false
		w.startPhase(shelf.BestRank(typed))
	}
	return nil
}

// searchPlan is what the guild holds for typed words (searchPlanSQL).
type searchPlan struct {
	typed []shelf.TypedMatch
	// postings is the most word rows one typed word's prefix holds (up
	// to popularMinPostings); exacts per typed word the stories holding
	// it whole, firsts the stories whose title starts with the first
	// (each up to popularRareCap + 1).
	postings int
	exacts   []int
	firsts   int
}

// readSearchPlan runs searchPlanSQL for the typed words.
func (s *Store) readSearchPlan(ctx context.Context, gid int64, toks, uppers []string) (searchPlan, error) {
	p := searchPlan{typed: make([]shelf.TypedMatch, len(toks)), exacts: make([]int, len(toks))}
	rows, err := s.db.Query(ctx, searchPlanSQL, gid, toks, uppers, popularMinPostings, popularRareCap+1)
	if err != nil {
		return p, fmt.Errorf("search plan: %w", err)
	}
	defer rows.Close()
	for row := 0; rows.Next(); row++ {
		var n, first int
		i := min(row, len(toks)-1)
		m := &p.typed[i]
		if err := rows.Scan(&n, &p.exacts[i], &m.InTitle, &first); err != nil {
			return p, fmt.Errorf("search plan: %w", err)
		}
		m.Any, m.Exact, m.TitleFirst = n > 0, p.exacts[i] > 0, first > 0
		p.postings = max(p.postings, n)
		if i == 0 {
			p.firsts = first
		}
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("search plan: %w", err)
	}
	return p, nil
}

// walkListed walks the class of stories sql lists (searchTitleStartsSQL or
// searchExactSQL with args, its last the cap plus one) most popular first,
// limit at a time, into w, until w settles or the class runs out; listed
// is false (and nothing walked) when the class is over popularRareCap.
func (s *Store) walkListed(ctx context.Context, gid int64, w *rankWalk, sql string, args ...any) (listed bool, err error) {
	type pop struct{ id, kudos, added int64 }
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return false, fmt.Errorf("rare class: %w", err)
	}
	var class []pop
	for rows.Next() {
		var p pop
		if err := rows.Scan(&p.id, &p.kudos, &p.added); err != nil {
			rows.Close()
			return false, fmt.Errorf("rare class: %w", err)
		}
		class = append(class, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("rare class: %w", err)
	}
	if len(class) > popularRareCap {
		return false, nil
	}
	popularRareListed.Add(1)
	for len(class) > 0 && !w.settled() {
		chunk := class[:min(w.limit, len(class))]
		class = class[len(chunk):]
		ids := make([]int64, len(chunk))
		for i, p := range chunk {
			ids[i] = p.id
		}
		got, err := s.decodeStories(ctx, gid, ids)
		if err != nil {
			return false, err
		}
		for _, p := range chunk {
			// A story removed since the listing is not there.
			if st, ok := got[p.id]; ok {
				w.add(p.id, p.kudos, p.added, st.title, st.authors)
			}
		}
	}
	return true, nil
}

// titleAuthors is a story's title and authors.
type titleAuthors struct {
	title   string
	authors []string
}

// decodeStories reads the titles and authors of ids in guild.
func (s *Store) decodeStories(ctx context.Context, gid int64, ids []int64) (map[int64]titleAuthors, error) {
	rows, err := s.db.Query(ctx, searchDecodeSQL, gid, ids)
	if err != nil {
		return nil, fmt.Errorf("decode stories: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]titleAuthors, len(ids))
	for rows.Next() {
		var (
			id int64
			ta titleAuthors
		)
		if err := rows.Scan(&id, &ta.title, &ta.authors); err != nil {
			return nil, fmt.Errorf("decode stories: %w", err)
		}
		out[id] = ta
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("decode stories: %w", err)
	}
	return out, nil
}

// walkPopular walks the guild's stories most popular first, popularChunk
// at a time, into w until w settles or every story was walked; ok is
// false when it gave up after popularBudget stories.
func (s *Store) walkPopular(ctx context.Context, gid int64, w *rankWalk) (ok bool, err error) {
	var (
		walked int
		kudos  int64 = math.MaxInt32
		added  int64 = math.MaxInt64
		last   int64 = math.MaxInt64
	)
	for !w.settled() {
		if walked >= popularBudget {
			popularGaveUp.Add(1)
			return false, nil
		}
		rows, err := s.db.Query(ctx, searchWalkSQL, gid, kudos, added, last, popularChunk)
		if err != nil {
			return false, fmt.Errorf("popular walk: %w", err)
		}
		n := 0
		for rows.Next() && !w.settled() {
			var (
				id      int64
				title   string
				authors []string
			)
			if err := rows.Scan(&id, &kudos, &added, &title, &authors); err != nil {
				rows.Close()
				return false, fmt.Errorf("popular walk: %w", err)
			}
			last = id
			n++
			// Chunks are read by separate statements: a story whose
			// kudos fell between two may come again (seen).
			if w.add(id, kudos, added, title, authors) {
				walked++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, fmt.Errorf("popular walk: %w", err)
		}
		if n < popularChunk {
			break // every story walked
		}
	}
	return true, nil
}

// rankWalk collects the stories the walks meet, ranked, with their
// popularity (kudos, added_at, story: most popular first), phase by
// phase: each phase walks one set of stories (a rare class, or the whole
// guild) most popular first, with bound an upper bound on the rank of
// every story not yet met.
//
// Why settled makes the answer exact. It holds when at least limit stories
// met rank above bound, or at it and were met in the current phase. Each
// of those ranks before any story X not met: X's rank is at most bound;
// were it equal to such a story's, that story was met in the current
// phase, and X is of that phase's set too (below), so not yet walked, so
// less popular (ties on kudos and added_at go to the higher ID, as the
// walk's order). X is of the current set when its rank is bound: the
// guild's walk holds every story; T's bound has TitleStart, which no
// story outside T has; a typed word's exact class's bound counts that
// word among Exact and no more than the others left, which a story
// without the word cannot reach with the same Matched and TitleStart.
// So the limit best stories met are the answer.
type rankWalk struct {
	toks  []string
	limit int
	found []rankedStory
	seen  map[int64]bool
	// bound is the best rank a story not met can reach, phase the
	// current phase, atBound how many found count towards settled.
	bound   shelf.SearchRank
	phase   int
	atBound int
}

// rankedStory is a matching story met by a walk.
type rankedStory struct {
	rank                shelf.SearchRank
	kudos, added, story int64
	phase               int
	ref                 shelf.StoryRef
}

// startPhase starts a phase, b bounding the rank of every story not yet
// met: the stories met before count towards settled only when they rank
// above it.
func (w *rankWalk) startPhase(b shelf.SearchRank) {
	w.phase++
	w.bound, w.atBound = b, 0
	for _, f := range w.found {
		if f.rank.Compare(b) < 0 {
			w.atBound++
		}
	}
}

// add ranks story id (with its popularity, title and authors) unless it
// was met before; new reports whether it was not.
func (w *rankWalk) add(id, kudos, added int64, title string, authors []string) (new bool) {
	if w.seen[id] {
		return false
	}
	w.seen[id] = true
	words, flags := shelf.StoryWords(title, authors)
	rank := shelf.RankWords(w.toks, words, flags)
	if rank.Matched == 0 {
		return true
	}
	ref := shelf.StoryRef{ID: fmtID(id), Title: title}
	if len(authors) > 0 {
		ref.Authors = authors
	}
	w.found = append(w.found, rankedStory{rank, kudos, added, id, w.phase, ref})
	if rank.Compare(w.bound) <= 0 {
		w.atBound++
	}
	return true
}

// settled reports whether no story not yet met can enter the answer.
func (w *rankWalk) settled() bool { return w.atBound >= w.limit }

// answer is the best limit stories met: by rank, then most kudos, newest,
// highest ID.
func (w *rankWalk) answer() []shelf.StoryRef {
	slices.SortFunc(w.found, func(a, b rankedStory) int {
		if c := a.rank.Compare(b.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(b.kudos, a.kudos); c != 0 {
			return c
		}
		if c := cmp.Compare(b.added, a.added); c != 0 {
			return c
		}
		return cmp.Compare(b.story, a.story)
	})
	out := make([]shelf.StoryRef, 0, min(w.limit, len(w.found)))
	for _, f := range w.found[:min(w.limit, len(w.found))] {
		out = append(out, f.ref)
	}
	return out
}

// warmSearchWalk runs the walk's statements once on conn for guild (the
// warm guild, which has no stories).
func warmSearchWalk(ctx context.Context, conn *pgx.Conn, guild string) {
	gid, err := parseGuild(guild)
	if err != nil {
		return
	}
	if rows, err := conn.Query(ctx, searchPlanSQL, gid, []string{"warm"}, []string{"warm\U0010FFFF"}, popularMinPostings, popularRareCap+1); err == nil {
		rows.Close()
	}
	if rows, err := conn.Query(ctx, searchWalkSQL, gid, int64(math.MaxInt32), int64(math.MaxInt64), int64(math.MaxInt64), popularChunk); err == nil {
		rows.Close()
	}
	if rows, err := conn.Query(ctx, searchTitleStartsSQL, gid, "warm", "warm\U0010FFFF", popularRareCap+1); err == nil {
		rows.Close()
	}
	if rows, err := conn.Query(ctx, searchExactSQL, gid, "warm", popularRareCap+1); err == nil {
		rows.Close()
	}
	if rows, err := conn.Query(ctx, searchDecodeSQL, gid, []int64{0}); err == nil {
		rows.Close()
	}
}
