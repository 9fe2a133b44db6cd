package bolt

import (
	"encoding/json"
	"errors"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// migration moves the file from schema version n to n+1, where n is its
// index in migrations. It runs in its own write transaction together with
// the version bump, so a crash leaves the file at n or n+1, never between.
type migration struct {
	name  string
	apply func(tx *bbolt.Tx) error
}

// migrations is the ordered schema history. Append only: never reorder,
// edit or remove an entry that has shipped. Each entry has its own test in
// migrate_test.go that writes the previous version's state and checks the
// result. The schema version of a file is the number of entries applied.
var migrations = []migration{
	{"create meta and guilds buckets", migrateCreateRoots},
	{"derive story heads and counters from stories, kudos and lists", migrateDeriveHeadsCounts},
	{"derive story facets (folded fandoms, tags, title) for ListStories", migrateDeriveFacets},
	{"derive sort orders, facet postings and per-period kudos counters (issue 17)", migrateDeriveIndexes},
	{"index persisted jobs done and told, without their tokens (prune.go)", migrateIndexTold},
	{"index reading-list imports previewed or cancelled for pruning (prune.go)", migrateIndexAbandonedImports},
}

// CurrentSchemaVersion is the schema version this program writes: the
// number of migrations it knows.
func CurrentSchemaVersion() int { return len(migrations) }

func readVersion(tx *bbolt.Tx) (uint64, error) {
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return 0, nil
	}
	v := m.Get(keyVersion)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("schema version: bad length %d", len(v))
	}
	return readU64(v, 0), nil
}

// migrate applies migs[version:] to db, one transaction each.
func migrate(db *bbolt.DB, migs []migration) error {
	var version uint64
	if err := db.View(func(tx *bbolt.Tx) error {
		var err error
		version, err = readVersion(tx)
		return err
	}); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if version > uint64(len(migs)) {
		return fmt.Errorf("file has schema version %d, this program knows up to %d; use a newer Ficshelf: %w",
			version, len(migs), shelf.ErrSchemaTooNew)
	}
	for i := int(version); i < len(migs); i++ {
		m := migs[i]
		err := db.Update(func(tx *bbolt.Tx) (err error) {
			defer recoverBucketError(&err)
			if err := m.apply(tx); err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			return meta.Put(keyVersion, u64(uint64(i+1)))
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", i+1, m.name, err)
		}
	}
	return nil
}

// Migration 1: the root buckets.
func migrateCreateRoots(tx *bbolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketMeta); err != nil {
		return err
	}
	_, err := tx.CreateBucketIfNotExists(bucketGuilds)
	return err
}

// Migration 2: version 1 kept only stories/, kudos/ and readers/; version 2
// adds heads/ (derived from each story document) and counts/ (recounted
// from the kudos and readers records). Safe to re-run: it rebuilds both.
func migrateDeriveHeadsCounts(tx *bbolt.Tx) error {
	guilds := tx.Bucket(bucketGuilds)
	if guilds == nil {
		return errors.New("no guilds bucket")
	}
	return guilds.ForEachBucket(func(gk []byte) error {
		if len(gk) != 8 {
			return nil
		}
		g := &guildTx{tx: tx, g: guilds.Bucket(gk), guild: readU64(gk, 0)}
		stories := g.g.Bucket(bStories)
		if stories == nil {
			return nil
		}
		type fix struct {
			id   uint64
			head head
			cnt  counts
		}
		var fixes []fix
		err := stories.ForEach(func(k, v []byte) error {
			if len(k) != 8 || v == nil {
				return nil
			}
			var d storyDoc
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("story %d: %w", readU64(k, 0), err)
			}
			id := readU64(k, 0)
			f := fix{id: id, head: d.head()}
			if d.Mine {
				f.cnt.owner = d.AddedBy
			}
			forEachPrefix(g.g.Bucket(bKudos), u64(id), func(_, _ []byte) error { f.cnt.kudos++; return nil })
			forEachPrefix(g.g.Bucket(bReaders), u64(id), func(_, _ []byte) error { f.cnt.readers++; return nil })
			fixes = append(fixes, f)
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range fixes {
			if err := g.bucket(bHeads).Put(u64(f.id), f.head.encode()); err != nil {
				return err
			}
			if err := g.bucket(bCounts).Put(u64(f.id), f.cnt.encode()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Migration 3: version 2 filtered ListStories by decoding every story
// document; version 3 adds facets/ (rating, words, time added, folded
// title, fandoms and tags), derived from each document.
func migrateDeriveFacets(tx *bbolt.Tx) error {
	guilds := tx.Bucket(bucketGuilds)
	if guilds == nil {
		return errors.New("no guilds bucket")
	}
	return guilds.ForEachBucket(func(gk []byte) error {
		g := &guildTx{tx: tx, g: guilds.Bucket(gk)}
		stories := g.g.Bucket(bStories)
		if len(gk) != 8 || stories == nil {
			return nil
		}
		type fix struct {
			id uint64
			f  facets
		}
		var fixes []fix
		err := stories.ForEach(func(k, v []byte) error {
			if len(k) != 8 || v == nil {
				return nil
			}
			var d storyDoc
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("story %d: %w", readU64(k, 0), err)
			}
			fixes = append(fixes, fix{readU64(k, 0), d.facets()})
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range fixes {
			if err := g.bucket(bFacets).Put(u64(f.id), f.f.encode()); err != nil {
				return err
			}
		}
		return nil
	})
}

// Migration 4: version 3 answered /story list and /kudos top by reading
// every story of the guild; version 4 adds the derived buckets of
// derived.go (story_sort, facet_vals, facet_post, lib, top_*), rebuilt
// from facets/, counts/ and the kudos. Safe to re-run: it rebuilds them.
func migrateDeriveIndexes(tx *bbolt.Tx) error {
	guilds := tx.Bucket(bucketGuilds)
	if guilds == nil {
		return errors.New("no guilds bucket")
	}
	return guilds.ForEachBucket(func(gk []byte) error {
		if len(gk) != 8 {
			return nil
		}
		return rebuildDerived(&guildTx{tx: tx, g: guilds.Bucket(gk), guild: readU64(gk, 0)})
	})
}
