package bolt

import (
	"context"
	"errors"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Big stories are added in steps, so that a kudos or a reading-list write
// (whose group commit waits for bbolt's single writer) waits behind at
// most one slice of a 20 MiB story, not all of it (issue 19); the write
// lane (lane.go) lets every small write waiting go before the next step:
//
//  1. a small transaction takes the story's ID and marks it pending
//     (pendingstories/<id>);
//  2. the chapters are written in transactions of about bigWriteSlice
//     bytes each, under that ID;
//  3. a small transaction checks the AO3 work is still new, writes the
//     story's document, head, counters, facets and AO3 entry — the story
//     becomes visible only now, whole — and clears the pending mark.
//
// Until step 3 nothing refers to the ID (no document, head, list index or
// AO3 entry), so the chapters are invisible: every command finds a story
// through its document first. When a step fails the chapters are deleted
// at once; after a crash between the steps, Open deletes every pending
// story's chapters (cleanPendingStories) before anything can read them.

var bPending = []byte("pendingstories")

const (
	// bigWriteAbove is the size of chapter records (text and sentence
	// indexes) above which AddStory writes in steps.
	bigWriteAbove = 1 << 20
	// bigWriteSlice is about how much chapter data one step-2
	// transaction writes (a single larger chapter goes alone).
	bigWriteSlice = 256 << 10
)

// afterBigStep, when set (by tests), runs after each chapter step.
var afterBigStep func()

// chapterBytes is the encoded size of recs, roughly.
func chapterBytes(recs []chapterRec) int {
	n := 0
	for _, r := range recs {
		n += len(r.text) + len(r.sentences) + len(r.notes) + len(r.endNotes) + len(r.title)
	}
	return n
}

// addStoryInSteps is AddStory for a story whose chapters are big: doc is
// prepared (AddedBy, AddedAt, Mine set), recs its chapters, c its
// counters. visible, when not nil, is also done in step 3's transaction
// (the one that makes story id visible); its error undoes the story.
func (s *Store) addStoryInSteps(ctx context.Context, guild string, doc *storyDoc, recs []chapterRec, c counts, visible func(g *guildTx, id uint64) error) (shelf.StoryRecord, error) {
	var id uint64
	err := s.update(ctx, guild, func(g *guildTx) error {
		if doc.Story.AO3ID > 0 {
			if v := g.get(bAO3, u64(uint64(doc.Story.AO3ID))); len(v) == 8 {
				return &shelf.DuplicateError{AO3ID: doc.Story.AO3ID, ExistingID: shelf.FormatID(readU64(v, 0))}
			}
		}
		var err error
		if id, err = g.bucket(bStories).NextSequence(); err != nil {
			return err
		}
		return g.bucket(bPending).Put(u64(id), []byte{1})
	})
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	rec, err := s.finishSteps(ctx, guild, id, doc, recs, c, visible)
	// The story's pages need not stay resident (residency_linux.go).
	dropMappedPages(s.db)
	if err != nil {
		// Leave nothing behind; a failure here too is cleaned at the next
		// Open.
		if cerr := s.update(context.WithoutCancel(ctx), guild, func(g *guildTx) error { return dropPending(g, id) }); cerr != nil {
			err = errors.Join(err, fmt.Errorf("remove the chapters of unfinished story %d: %w", id, cerr))
		}
		return shelf.StoryRecord{}, err
	}
	return rec, nil
}

// finishSteps writes the chapters in slices (step 2), then the story
// (step 3, with visible).
func (s *Store) finishSteps(ctx context.Context, guild string, id uint64, doc *storyDoc, recs []chapterRec, c counts, visible func(g *guildTx, id uint64) error) (shelf.StoryRecord, error) {
	for i := 0; i < len(recs); {
		j, size := i, 0
		for j < len(recs) && (j == i || size+chapterBytes(recs[j:j+1]) <= bigWriteSlice) {
			size += chapterBytes(recs[j : j+1])
			j++
		}
		err := s.updateStep(ctx, guild, func(g *guildTx) error {
			chb := g.bucket(bChapters)
			for n := i; n < j; n++ {
				if err := chb.Put(chapterKey(id, n+1), recs[n].encode()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return shelf.StoryRecord{}, fmt.Errorf("chapters %d–%d: %w", i+1, j, err)
		}
		// The slice is on disk: its memory may go before the next one.
		for n := i; n < j; n++ {
			recs[n] = chapterRec{}
		}
		i = j
		if afterBigStep != nil {
			afterBigStep()
		}
	}
	var rec shelf.StoryRecord
	err := s.update(ctx, guild, func(g *guildTx) error {
		if doc.Story.AO3ID > 0 {
			if v := g.get(bAO3, u64(uint64(doc.Story.AO3ID))); len(v) == 8 {
				return &shelf.DuplicateError{AO3ID: doc.Story.AO3ID, ExistingID: shelf.FormatID(readU64(v, 0))}
			}
		}
		if err := writeStoryHead(g, id, doc, c); err != nil {
			return err
		}
		if err := g.bucket(bPending).Delete(u64(id)); err != nil {
			return err
		}
		if visible != nil {
			if err := visible(g, id); err != nil {
				return err
			}
		}
		var err error
		rec, err = loadStory(g, id)
		return err
	})
	return rec, err
}

// dropPending deletes pending story id's chapters and its mark.
func dropPending(g *guildTx, id uint64) error {
	if _, err := deletePrefix(g.bucket(bChapters), u64(id)); err != nil {
		return err
	}
	return g.bucket(bPending).Delete(u64(id))
}

// cleanPendingStories deletes the chapters of every story left pending by
// a crash between addStoryInSteps' steps, in every guild. Open calls it:
// with the file open, no other process can be in the middle of adding.
//
// It writes only when there is something to clean: a commit at every Open
// would write pages (bbolt's freelist among them) even when nothing
// changed, and fail an Open that only needs to read (a full disk).
func cleanPendingStories(db *bbolt.DB) error {
	var gids []uint64
	if err := db.View(func(tx *bbolt.Tx) error {
		guilds := tx.Bucket(bucketGuilds)
		if guilds == nil {
			return nil
		}
		return guilds.ForEachBucket(func(gk []byte) error {
			if len(gk) == 8 {
				if gb := guilds.Bucket(gk); gb != nil {
					if pb := gb.Bucket(bPending); pb != nil {
						if k, _ := pb.Cursor().First(); k != nil {
							gids = append(gids, readU64(gk, 0))
						}
					}
				}
			}
			return nil
		})
	}); err != nil {
		return err
	}
	if len(gids) == 0 {
		return nil
	}
	return db.Update(func(tx *bbolt.Tx) (err error) {
		defer recoverBucketError(&err)
		for _, gid := range gids {
			g := newGuildTx(tx, gid)
			var ids []uint64
			if err := g.bucket(bPending).ForEach(func(k, _ []byte) error {
				if len(k) == 8 {
					ids = append(ids, readU64(k, 0))
				}
				return nil
			}); err != nil {
				return err
			}
			for _, id := range ids {
				if err := dropPending(g, id); err != nil {
					return fmt.Errorf("guild %d: unfinished story %d: %w", gid, id, err)
				}
			}
		}
		return nil
	})
}
