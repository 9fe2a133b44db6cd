package bolt

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"ficshelf/shelf"
)

// A typed prefix in a big guild ("a", "th") matches most of its stories,
// and ranking every match to show 25 costs in proportion to the guild
// (guildIndex.search). SearchStories then walks the guild's stories most
// popular first instead (story_sort 'k', derived.go: the popularity order
// that breaks SearchStories' ties) and ranks each (shelf.RankWords on the
// words the index keeps): the first limit stories reaching the best rank
// any story can reach (shelf.BestRank) are the answer, as none after them
// ranks higher or is more popular. When the best rank is rare the walk
// gives up after a budget and the exhaustive ranking answers, so a search
// costs at most a fraction more than before and usually a few hundred
// stories' ranking.

// popularMinPostings is the number of postings under the typed words'
// prefixes from which SearchStories walks stories most popular first;
// below it ranking every match is cheap. popularChunk is how many story
// IDs one read transaction of the walk takes.
var (
	popularMinPostings = 2000
	popularChunk       = 256
	popularMinBudget   = 256 // stories walked at least before handing over
)

// onPopularChunk, when set (by tests), is called between two chunks of
// the walk.
var onPopularChunk func()

// popularAnswered and popularGaveUp count the searches the walk answered
// and those it handed to the exhaustive ranking (for tests).
var popularAnswered, popularGaveUp atomic.Int64

// searchPlan is what the guild's index tells of typed words before a
// search: the postings under their prefixes and the best rank possible.
type searchPlan struct {
	postings int
	best     shelf.SearchRank
}

func (gi *guildIndex) plan(toks []string) searchPlan {
	var p searchPlan
	typed := make([]shelf.TypedMatch, len(toks))
	for ti, tok := range toks {
		m := &typed[ti]
		for i := sort.SearchStrings(gi.words, tok); i < len(gi.words) && strings.HasPrefix(gi.words[i], tok); i++ {
			ps := gi.posts[gi.words[i]]
			m.Any = true
			m.Exact = m.Exact || gi.words[i] == tok
			p.postings += len(ps)
			if m.InTitle && (ti > 0 || m.TitleFirst) {
				continue
			}
			for _, q := range ps {
				m.InTitle = m.InTitle || q.flags&fTitle != 0
				m.TitleFirst = m.TitleFirst || q.flags&fTitleFirst != 0
				if m.InTitle && (ti > 0 || m.TitleFirst) {
					break
				}
			}
		}
	}
	p.best = shelf.BestRank(typed)
	return p
}

// rankedRef is a story met by the popular-first walk, with its rank.
type rankedRef struct {
	rank shelf.SearchRank
	ref  shelf.StoryRef
}

// searchPopular walks guild's stories most popular first (see above). ok
// is false when the walk gave up after budget stories.
func (s *Store) searchPopular(ctx context.Context, guild string, gid uint64, toks []string, limit int, best shelf.SearchRank, budget int) (out []shelf.StoryRef, ok bool, err error) {
	var (
		found  []rankedRef
		atBest int
		walked int
		after  = []byte{sortKudos}
		ids    = make([]uint64, 0, popularChunk)
		// Chunks are read in separate transactions: a story whose kudos
		// fell between two may come again.
		seen = map[uint64]bool{}
	)
	for {
		// IDs from a read transaction, ranked under the index lock
		// afterwards: never both held at once (a writer may hold the
		// index lock while it waits for a read transaction).
		ids = ids[:0]
		first := len(after) == 1
		err := s.view(ctx, guild, func(g *guildTx) error {
			sb := g.bucket(bStorySort)
			if sb == nil {
				return nil
			}
			c := sb.Cursor()
			k, _ := c.Seek(after)
			if !first && k != nil && bytes.Equal(k, after) {
				k, _ = c.Next()
			}
			for ; k != nil && k[0] == sortKudos && len(ids) < popularChunk; k, _ = c.Next() {
				ids = append(ids, storyOfSortKey(k))
				after = append(after[:0], k...)
			}
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		if len(ids) == 0 {
			break // every story walked
		}
		err = s.withGuild(gid, func(gi *guildIndex) {
			for _, id := range ids {
				r := gi.byID[id]
				if r == nil || seen[id] {
					continue // added since the index's last refresh, removed, or met before
				}
				seen[id] = true
				walked++
				rank := shelf.RankWords(toks, r.words, r.flags)
				if rank.Matched == 0 {
					continue
				}
				found = append(found, rankedRef{rank, shelf.StoryRef{ID: shelf.FormatID(r.id), Title: r.title, Authors: slices.Clone(r.authors)}})
				if rank == best {
					atBest++
				}
				if atBest == limit {
					return
				}
			}
		})
		if err != nil {
			return nil, false, err
		}
		if atBest == limit {
			break
		}
		if onPopularChunk != nil {
			onPopularChunk()
		}
		if walked > budget {
			popularGaveUp.Add(1)
			return nil, false, nil
		}
	}
	popularAnswered.Add(1)
	// Most popular first within a rank: the walk's order.
	slices.SortStableFunc(found, func(a, b rankedRef) int { return a.rank.Compare(b.rank) })
	out = make([]shelf.StoryRef, 0, min(limit, len(found)))
	for _, f := range found[:min(limit, len(found))] {
		out = append(out, f.ref)
	}
	return out, true, nil
}
