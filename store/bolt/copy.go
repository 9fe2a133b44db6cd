package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Copier ("ficshelf copy", and a PostgreSQL backup into a BoltDB file):
// Dump reads every guild's records from one read transaction; Load writes
// them into an empty file in one write transaction, rebuilding every
// derived bucket (heads, facets, counts, the AO3 index, the reverse
// indexes, the due index) from the records as they arrive and setting the
// buckets' sequences, then reloads the autocomplete index. Leases are not
// copied: they belong to the processes of one deployment.

// Dump calls emit with every record, guild by guild in ascending guild ID
// (the guild buckets' key order), each guild's records in shelf.Item's
// field order.
func (s *Store) Dump(ctx context.Context, emit func(guild string, it shelf.Item) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		guilds := tx.Bucket(bucketGuilds)
		if guilds == nil {
			return nil
		}
		return guilds.ForEachBucket(func(gk []byte) error {
			if len(gk) != 8 {
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			g := newGuildTx(tx, readU64(gk, 0))
			return dumpGuild(g, func(it shelf.Item) error { return emit(shelf.FormatID(g.guild), it) })
		})
	})
	if err != nil {
		return fmt.Errorf("dump: %w", engineErr(err))
	}
	return nil
}

// dumpGuild emits one guild's records in shelf.Item's field order.
func dumpGuild(g *guildTx, emit func(shelf.Item) error) error {
	if v := g.g.Get(keySettings); v != nil {
		var st shelf.Settings
		if err := json.Unmarshal(v, &st); err != nil {
			return fmt.Errorf("settings: %w", err)
		}
		if err := emit(shelf.Item{Settings: &st}); err != nil {
			return err
		}
	}
	seq := func(name []byte) uint64 {
		if b := g.bucket(name); b != nil {
			return b.Sequence()
		}
		return 0
	}
	sq := shelf.Sequences{Stories: seq(bStories), Recs: seq(bRecs), RecRequests: seq(bRecRequests), Clubs: seq(bClubs)}
	if sq != (shelf.Sequences{}) {
		if err := emit(shelf.Item{Sequences: &sq}); err != nil {
			return err
		}
	}
	err := forEachPrefix(g.bucket(bStories), nil, func(k, _ []byte) error {
		rec, err := loadStory(g, readU64(k, 0))
		if err != nil {
			return err
		}
		return emit(shelf.Item{Story: &rec})
	})
	if err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bChapters), nil, func(k, v []byte) error {
		if len(k) != 12 {
			return nil
		}
		c, err := decodeChapter(v)
		if err != nil {
			return err
		}
		n := int(k[8])<<24 | int(k[9])<<16 | int(k[10])<<8 | int(k[11])
		return emit(shelf.Item{Chapter: &shelf.ChapterItem{StoryID: shelf.FormatID(readU64(k, 0)), Number: n,
			Chapter:   fic.Chapter{Title: c.title, Notes: c.notes, EndNotes: c.endNotes, Text: c.text},
			Sentences: c.sentences}})
	})
	if err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bKudos), nil, func(k, v []byte) error {
		return emit(shelf.Item{Kudo: &shelf.KudoItem{StoryID: shelf.FormatID(readU64(k, 0)), UserID: shelf.FormatID(readU64(k, 1)), At: fromNanos(readI64(v))}})
	})
	if err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bLists), nil, func(k, v []byte) error {
		r, err := decodeList(v)
		if err != nil {
			return err
		}
		li := &shelf.ListEntryItem{UserID: shelf.FormatID(readU64(k, 0)), Entry: shelf.ListEntry{
			StoryID: shelf.FormatID(readU64(k, 1)), Status: shelf.Status(r.status), Chapter: r.chapter, Note: r.note,
			Added: fromNanos(r.added), Updated: fromNanos(r.updated)}}
		if fv := g.get(bListFinished, k); fv != nil {
			li.FinishedAt = fromNanos(readI64(fv))
		}
		return emit(shelf.Item{ListEntry: li})
	})
	if err != nil {
		return err
	}
	if err := dumpProgress(g, emit); err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bRecThreads), nil, func(k, v []byte) error {
		var t shelf.RecThread
		if err := json.Unmarshal(v, &t); err != nil {
			return err
		}
		return emit(shelf.Item{RecThread: &shelf.RecThreadItem{StoryID: shelf.FormatID(readU64(k, 0)), Thread: t}})
	})
	if err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bRecs), nil, func(_, v []byte) error {
		var r shelf.Rec
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		r.StoryTitle = "" // filled when read, not stored
		return emit(shelf.Item{Rec: &r})
	})
	if err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bRecRequests), nil, func(_, v []byte) error {
		var r shelf.RecRequest
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		return emit(shelf.Item{RecRequest: &r})
	})
	if err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bClubs), nil, func(_, v []byte) error {
		var c shelf.Club
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		return emit(shelf.Item{Club: &c})
	})
	if err != nil {
		return err
	}
	err = forEachPrefix(g.bucket(bClubMembers), nil, func(k, v []byte) error {
		m, err := decodeMember(readU64(k, 1), v)
		if err != nil {
			return err
		}
		return emit(shelf.Item{ClubMember: &shelf.ClubMemberItem{ClubID: shelf.FormatID(readU64(k, 0)), Member: m}})
	})
	if err != nil {
		return err
	}
	if err := dumpSubs(g, emit); err != nil {
		return err
	}
	return dumpClubChoices(g, emit) // clubpolls.go
}

// Counts returns, per guild, how many records of each shelf.CountKinds
// the file holds, counting the records themselves (not the counters).
func (s *Store) Counts(ctx context.Context) (map[string]map[string]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := map[string]map[string]int{}
	kinds := []struct {
		kind   string
		bucket []byte
	}{
		{"stories", bStories}, {"chapters", bChapters}, {"kudos", bKudos}, {"list_entries", bLists},
		{"rec_threads", bRecThreads}, {"recs", bRecs}, {"rec_requests", bRecRequests}, {"clubs", bClubs}, {"club_members", bClubMembers},
		{"subscriptions", bSubs},
	}
	err := s.db.View(func(tx *bbolt.Tx) error {
		guilds := tx.Bucket(bucketGuilds)
		if guilds == nil {
			return nil
		}
		return guilds.ForEachBucket(func(gk []byte) error {
			if len(gk) != 8 {
				return nil
			}
			g := newGuildTx(tx, readU64(gk, 0))
			m := make(map[string]int, len(kinds))
			for _, k := range kinds {
				n := 0
				if b := g.bucket(k.bucket); b != nil {
					n = b.Stats().KeyN
				}
				m[k.kind] = n
			}
			out[shelf.FormatID(g.guild)] = m
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("counts: %w", engineErr(err))
	}
	return out, nil
}

// Load starts the one write transaction of a copy into this file, which
// must hold no guild's data (shelf.ErrNotEmpty otherwise). Other writes
// wait until the loader commits or rolls back.
func (s *Store) Load(ctx context.Context) (shelf.Loader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tx, err := s.db.Begin(true)
	if err != nil {
		return nil, fmt.Errorf("load: %w", engineErr(err))
	}
	guilds, err := tx.CreateBucketIfNotExists(bucketGuilds)
	if err == nil {
		err = guilds.ForEachBucket(func(gk []byte) error {
			if k, _ := guilds.Bucket(gk).Cursor().First(); k != nil {
				return fmt.Errorf("guild %s holds data: %w", strconv.FormatUint(readU64(gk, 0), 10), shelf.ErrNotEmpty)
			}
			return nil
		})
	}
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("load: %w", err)
	}
	s.countCommit(tx, false)
	return &loader{s: s, tx: tx, guilds: map[uint64]*guildTx{}}, nil
}

// loader is one Load transaction.
type loader struct {
	s      *Store
	mu     sync.Mutex // Put, Commit and Rollback from one goroutine at a time
	tx     *bbolt.Tx
	guilds map[uint64]*guildTx
	done   bool
}

// Put writes one record and what derives from it.
func (l *loader) Put(ctx context.Context, guild string, it shelf.Item) (err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return errors.New("load: put after commit or rollback")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	gid, err := shelf.ParseID("guild", guild)
	if err != nil {
		return err
	}
	g := l.guilds[gid]
	if g == nil {
		g = newGuildTx(l.tx, gid)
		l.guilds[gid] = g
	}
	defer recoverBucketError(&err)
	if err := putItem(g, it); err != nil {
		return fmt.Errorf("load guild %s: %w", guild, err)
	}
	return nil
}

// Commit makes the load durable, then rebuilds the autocomplete index.
func (l *loader) Commit(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return errors.New("load: already committed or rolled back")
	}
	if err := ctx.Err(); err != nil {
		l.done = true
		l.tx.Rollback()
		return err
	}
	l.done = true
	if err := l.tx.Commit(); err != nil {
		return fmt.Errorf("load: commit: %w", engineErr(err))
	}
	if err := l.s.loadIndex(); err != nil {
		return fmt.Errorf("load: autocomplete index: %w", err)
	}
	l.s.startWarm() // the big guilds loaded
	return nil
}

// Rollback abandons the load; after Commit it does nothing.
func (l *loader) Rollback(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return nil
	}
	l.done = true
	return l.tx.Rollback()
}

// raiseSequence makes the bucket's sequence at least v, so that new IDs
// never reuse a copied one.
func raiseSequence(b *bbolt.Bucket, v uint64) error {
	if v > b.Sequence() {
		return b.SetSequence(v)
	}
	return nil
}

// putItem writes it into g with everything derived from it. Records that
// refer to a story (chapters, kudos, list entries, rec threads) need the
// story first, as Dump orders them.
func putItem(g *guildTx, it shelf.Item) error {
	switch {
	case it.Settings != nil:
		st, err := it.Settings.Normalize()
		if err != nil {
			return err
		}
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		g.bucket(bStories) // makes sure the guild bucket exists
		return g.g.Put(keySettings, v)
	case it.Sequences != nil:
		sq := it.Sequences
		for _, x := range []struct {
			b []byte
			v uint64
		}{{bStories, sq.Stories}, {bRecs, sq.Recs}, {bRecRequests, sq.RecRequests}, {bClubs, sq.Clubs}} {
			if err := raiseSequence(g.bucket(x.b), x.v); err != nil {
				return err
			}
		}
		return nil
	case it.Story != nil:
		return loadStoryItem(g, it.Story)
	case it.Chapter != nil:
		c := it.Chapter
		sid, err := storyOf(g, c.StoryID)
		if err != nil {
			return err
		}
		if c.Number < 1 {
			return fmt.Errorf("chapter %d: %w", c.Number, shelf.ErrInvalid)
		}
		r := chapterRec{title: c.Chapter.Title, notes: c.Chapter.Notes, endNotes: c.Chapter.EndNotes, text: c.Chapter.Text, sentences: c.Sentences}
		return g.bucket(bChapters).Put(chapterKey(sid, c.Number), r.encode())
	case it.Kudo != nil:
		return loadKudo(g, it.Kudo)
	case it.ListEntry != nil:
		return loadListEntry(g, it.ListEntry)
	case it.Progress != nil:
		return loadProgress(g, it.Progress)
	case it.RecThread != nil:
		sid, err := storyOf(g, it.RecThread.StoryID)
		if err != nil {
			return err
		}
		return putJSON(g, bRecThreads, u64(sid), it.RecThread.Thread)
	case it.Rec != nil:
		return loadRec(g, *it.Rec)
	case it.RecRequest != nil:
		r := *it.RecRequest
		rid, err := shelf.ParseID("request", r.ID)
		if err != nil {
			return err
		}
		if err := putJSON(g, bRecRequests, u64(rid), r); err != nil {
			return err
		}
		if th, err := shelf.ParseID("thread", r.ThreadID); err == nil {
			if err := g.bucket(bRecRequestThreads).Put(u64(th), u64(rid)); err != nil {
				return err
			}
		}
		return raiseSequence(g.bucket(bRecRequests), rid)
	case it.Club != nil:
		return loadClub(g, it.Club)
	case it.ClubMember != nil:
		cid, err := shelf.ParseID("club", it.ClubMember.ClubID)
		if err != nil {
			return err
		}
		if g.get(bClubs, u64(cid)) == nil {
			return fmt.Errorf("member of club %d before the club: %w", cid, shelf.ErrNotFound)
		}
		return putMember(g, cid, it.ClubMember.Member)
	case it.Subscription != nil:
		return loadSub(g, it.Subscription)
	case it.Nomination != nil || it.ClubRemindersOff != nil:
		return loadClubChoice(g, it) // clubpolls.go
	}
	return errors.New("empty item")
}

// storyOf parses a story ID that must already be loaded.
func storyOf(g *guildTx, id string) (uint64, error) {
	sid, err := parseStoryID(id)
	if err != nil {
		return 0, err
	}
	if g.get(bCounts, u64(sid)) == nil {
		return 0, fmt.Errorf("story %d not loaded yet: %w", sid, shelf.ErrNotFound)
	}
	return sid, nil
}

// loadStoryItem writes a story's document, head, facets, zero counters
// (kudos and list entries count themselves in) and AO3 index entry.
func loadStoryItem(g *guildTx, rec *shelf.StoryRecord) error {
	sid, err := parseStoryID(rec.ID)
	if err != nil {
		return err
	}
	if g.get(bStories, u64(sid)) != nil {
		return fmt.Errorf("story %d twice: %w", sid, shelf.ErrInvalid)
	}
	by, err := shelf.ParseID("user", rec.AddedBy)
	if err != nil {
		return err
	}
	meta := rec.Story
	meta.Chapters = nil
	doc := storyDoc{Story: meta, Chapters: rec.Chapters, AddedBy: by, AddedAt: nanos(rec.AddedAt), Mine: rec.Mine}
	if doc.Story.AO3ID > 0 {
		if v := g.get(bAO3, u64(uint64(doc.Story.AO3ID))); len(v) == 8 {
			return &shelf.DuplicateError{AO3ID: doc.Story.AO3ID, ExistingID: shelf.FormatID(readU64(v, 0))}
		}
	}
	var c counts
	if rec.Mine {
		c.owner = by
	}
	// writeStory stores no chapters here: they follow as their own items.
	if err := writeStory(g, sid, &doc, nil, c); err != nil {
		return err
	}
	return raiseSequence(g.bucket(bStories), sid)
}

// loadKudo writes a kudos with its two reverse indexes and counts it.
func loadKudo(g *guildTx, k *shelf.KudoItem) error {
	sid, err := storyOf(g, k.StoryID)
	if err != nil {
		return err
	}
	uid, err := shelf.ParseID("user", k.UserID)
	if err != nil {
		return err
	}
	if g.get(bKudos, key(sid, uid)) != nil {
		return fmt.Errorf("kudos on %d by %d: %w", sid, uid, shelf.ErrAlreadyGiven)
	}
	ts := nanos(k.At)
	if err := g.bucket(bKudos).Put(key(sid, uid), i64(ts)); err != nil {
		return err
	}
	if err := g.bucket(bKudosByUser).Put(key(uid, sid), i64(ts)); err != nil {
		return err
	}
	if err := g.bucket(bKudosByTime).Put(key(uint64(ts), sid, uid), nil); err != nil {
		return err
	}
	c := decodeCounts(g.get(bCounts, u64(sid)))
	c.kudos++
	if err := g.bucket(bCounts).Put(u64(sid), c.encode()); err != nil {
		return err
	}
	return kudosChanged(g, sid, ts, +1, c.kudos-1, c.kudos)
}

// loadListEntry writes a list entry with its reverse index and counts it.
func loadListEntry(g *guildTx, li *shelf.ListEntryItem) error {
	e := li.Entry
	sid, err := storyOf(g, e.StoryID)
	if err != nil {
		return err
	}
	uid, err := shelf.ParseID("user", li.UserID)
	if err != nil {
		return err
	}
	st, err := shelf.ParseStatus(string(e.Status))
	if err != nil {
		return err
	}
	if g.get(bLists, key(uid, sid)) != nil {
		return fmt.Errorf("list entry %d of %d twice: %w", sid, uid, shelf.ErrInvalid)
	}
	r := listRec{status: string(st), chapter: e.Chapter, note: e.Note, added: nanos(e.Added), updated: nanos(e.Updated)}
	if err := g.bucket(bLists).Put(key(uid, sid), r.encode()); err != nil {
		return err
	}
	if !li.FinishedAt.IsZero() && st == shelf.StatusFinished {
		if err := g.bucket(bListFinished).Put(key(uid, sid), i64(li.FinishedAt.UnixNano())); err != nil {
			return err
		}
	}
	if err := g.bucket(bReaders).Put(key(sid, uid), nil); err != nil {
		return err
	}
	c := decodeCounts(g.get(bCounts, u64(sid)))
	c.readers++
	return g.bucket(bCounts).Put(u64(sid), c.encode())
}

// loadRec writes a rec with its by-member and by-story indexes.
func loadRec(g *guildTx, r shelf.Rec) error {
	rid, err := shelf.ParseID("rec", r.ID)
	if err != nil {
		return err
	}
	sid, err := storyOf(g, r.StoryID)
	if err != nil {
		return err
	}
	uid, err := shelf.ParseID("user", r.UserID)
	if err != nil {
		return err
	}
	r.StoryTitle = ""
	if err := putJSON(g, bRecs, u64(rid), r); err != nil {
		return err
	}
	if err := g.bucket(bRecsByUser).Put(key(uid, rid), nil); err != nil {
		return err
	}
	if err := g.bucket(bRecsByStory).Put(key(sid, rid), nil); err != nil {
		return err
	}
	if err := addLibRecs(g, 1); err != nil {
		return err
	}
	return raiseSequence(g.bucket(bRecs), rid)
}

// loadClub writes a club; an active one also takes its channel, its
// story's club index and the due entries of its checkpoints not done.
func loadClub(g *guildTx, c *shelf.Club) error {
	cid, err := shelf.ParseID("club", c.ID)
	if err != nil {
		return err
	}
	club := *c
	club.GuildID = shelf.FormatID(g.guild)
	if err := putClub(g, cid, &club); err != nil {
		return err
	}
	if err := raiseSequence(g.bucket(bClubs), cid); err != nil {
		return err
	}
	if !club.Active() {
		return nil
	}
	ch, err := shelf.ParseID("channel", club.ChannelID)
	if err != nil {
		return err
	}
	if v := g.get(bClubChannels, u64(ch)); len(v) == 8 {
		return fmt.Errorf("channel %d: %w", ch, shelf.ErrClubActive)
	}
	sid, err := storyOf(g, club.StoryID)
	if err != nil {
		return err
	}
	if err := g.bucket(bClubChannels).Put(u64(ch), u64(cid)); err != nil {
		return err
	}
	if err := g.bucket(bClubStories).Put(key(sid, cid), nil); err != nil {
		return err
	}
	due, err := dueBucket(g.tx)
	if err != nil {
		return err
	}
	for _, cp := range club.Checkpoints {
		if !cp.Done() {
			if err := due.Put(dueKey(cp.Opens, g.guild, cid, cp.Number), nil); err != nil {
				return err
			}
		}
	}
	return nil
}
