package bolt

import (
	"cmp"
	"errors"
	"slices"

	bbolt "go.etcd.io/bbolt"
)

// warmMinStories is the size from which a guild's autocomplete index is
// built in the background right after Open instead of on the guild's first
// search: a guild of 50,000 stories takes ≈0.6 s to build, which its first
// member would otherwise wait for. Smaller guilds build in milliseconds on
// first use, and a file of many small guilds is not read at start-up.
var warmMinStories uint64 = 2000

// warmBigGuilds builds, biggest first, the autocomplete index of every
// guild holding more than warmMinStories stories. It reads one counter per
// guild to find them (lib/stories, derived.go), not the guilds' records,
// and stops at Close. An autocomplete of typed words meanwhile waits for
// its guild's build under way, as on first use (index.go); title look-ups
// and the empty query do not, they read the file (titlescan.go). A failed
// build is retried by the guild's next use.
func (s *Store) warmBigGuilds() {
	defer s.warm.Done()
	type guildSize struct{ guild, stories uint64 }
	var big []guildSize
	err := s.db.View(func(tx *bbolt.Tx) error {
		gs := tx.Bucket(bucketGuilds)
		if gs == nil {
			return nil
		}
		return gs.ForEachBucket(func(gk []byte) error {
			if s.closed.Load() {
				return errWarmStopped
			}
			lib := gs.Bucket(gk).Bucket(bLib)
			if lib == nil {
				return nil
			}
			if v := lib.Get(keyLibStories); len(v) == 8 && readU64(v, 0) > warmMinStories {
				big = append(big, guildSize{readU64(gk, 0), readU64(v, 0)})
			}
			return nil
		})
	})
	if err != nil {
		return // closed, or the file unreadable: each guild builds on first use
	}
	slices.SortFunc(big, func(a, b guildSize) int { return cmp.Compare(b.stories, a.stories) })
	for _, g := range big {
		if s.closed.Load() {
			return
		}
		_ = s.idx.buildGuild(s.db, g.guild)
	}
}

var errWarmStopped = errors.New("store closed")

// startWarm starts warmBigGuilds unless the store is closed; Close waits
// for it.
func (s *Store) startWarm() {
	s.warmMu.Lock()
	defer s.warmMu.Unlock()
	if s.closed.Load() {
		return
	}
	s.warm.Add(1)
	go s.warmBigGuilds()
}
