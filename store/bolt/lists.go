package bolt

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

var (
	bLists   = []byte("lists")
	bReaders = []byte("readers")
)

// SetListEntry adds e.StoryID to user's list or updates the entry there,
// and returns the stored entry. Chapter and Note are stored as given; an
// empty Status keeps an existing entry's status (to-read for a new one). Added is kept from an existing entry (else at), Updated is at (zero
// means now). The story's Readers counter changes in the same transaction.
// shelf.ErrNotFound when the guild has no such story; shelf.ErrInvalid for a bad status,
// a negative chapter or an over-long note.
func (s *Store) SetListEntry(ctx context.Context, guild, user string, e shelf.ListEntry, at time.Time) (shelf.ListEntry, error) {
	var out shelf.ListEntry
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(e.StoryID)
		if err != nil {
			return err
		}
		st, err := shelf.ParseStatus(string(e.Status))
		if err != nil {
			return err
		}
		keepStatus := strings.TrimSpace(string(e.Status)) == ""
		if e.Chapter < 0 || e.Chapter > 1<<30 {
			return fmt.Errorf("chapter %d: %w", e.Chapter, shelf.ErrInvalid)
		}
		if len(e.Note) > shelf.MaxNoteLength {
			return fmt.Errorf("note longer than %d bytes: %w", shelf.MaxNoteLength, shelf.ErrInvalid)
		}
		ts := nanos(at)
		return s.updateBatch(ctx, guild, func(g *guildTx) error {
			out, err = setEntry(g, uid, sid, listRec{status: string(st), chapter: e.Chapter, note: e.Note, added: ts, updated: ts}, keepStatus, true)
			return err
		})
	}()
	if err != nil {
		return shelf.ListEntry{}, fmt.Errorf("set list entry: %w", err)
	}
	return out, nil
}

// setEntry writes one entry (rec; keepStatus keeps an existing entry's
// status) with the story's Readers counter, and, when logProgress, the
// reading log (stats.go), all in g's transaction.
func setEntry(g *guildTx, uid, sid uint64, rec listRec, keepStatus, logProgress bool) (shelf.ListEntry, error) {
	cv := g.get(bCounts, u64(sid))
	if cv == nil {
		return shelf.ListEntry{}, fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
	}
	k := key(uid, sid)
	var prev *listRec
	if old := g.get(bLists, k); old != nil {
		o, err := decodeList(old)
		if err != nil {
			return shelf.ListEntry{}, err
		}
		prev = &o
		rec.added = o.added
		if keepStatus {
			rec.status = o.status
		}
	} else {
		c := decodeCounts(cv)
		c.readers++
		if err := g.bucket(bCounts).Put(u64(sid), c.encode()); err != nil {
			return shelf.ListEntry{}, err
		}
		if err := g.bucket(bReaders).Put(key(sid, uid), nil); err != nil {
			return shelf.ListEntry{}, err
		}
	}
	if err := g.bucket(bLists).Put(k, rec.encode()); err != nil {
		return shelf.ListEntry{}, err
	}
	if err := logListChange(g, uid, sid, prev, rec, logProgress); err != nil {
		return shelf.ListEntry{}, err
	}
	return joinEntry(g, sid, rec)
}

func joinEntry(g *guildTx, sid uint64, r listRec) (shelf.ListEntry, error) {
	e := shelf.ListEntry{StoryID: shelf.FormatID(sid), Status: shelf.Status(r.status), Chapter: r.chapter, Note: r.note,
		Added: fromNanos(r.added), Updated: fromNanos(r.updated)}
	if hv := g.get(bHeads, u64(sid)); hv != nil {
		h, err := decodeHead(hv)
		if err != nil {
			return shelf.ListEntry{}, err
		}
		e.Title, e.Authors, e.ChaptersPosted, e.ChaptersExpected = h.title, h.authors, h.chaptersPosted, h.chaptersExpected
	}
	return e, nil
}

// ListEntry returns user's entry for storyID, or shelf.ErrNotFound.
func (s *Store) ListEntry(ctx context.Context, guild, user, storyID string) (shelf.ListEntry, error) {
	var out shelf.ListEntry
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(storyID)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			v := g.get(bLists, key(uid, sid))
			if v == nil {
				return fmt.Errorf("story %d on list: %w", sid, shelf.ErrNotFound)
			}
			r, err := decodeList(v)
			if err != nil {
				return err
			}
			out, err = joinEntry(g, sid, r)
			return err
		})
	}()
	if err != nil {
		return shelf.ListEntry{}, fmt.Errorf("list entry: %w", err)
	}
	return out, nil
}

// RemoveListEntry removes storyID from user's list and decrements its
// Readers counter in the same transaction; shelf.ErrNotFound when not listed.
func (s *Store) RemoveListEntry(ctx context.Context, guild, user, storyID string) error {
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(storyID)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if g.get(bLists, key(uid, sid)) == nil {
				return fmt.Errorf("story %d on list: %w", sid, shelf.ErrNotFound)
			}
			return removeEntry(g, uid, sid)
		})
	}()
	if err != nil {
		return fmt.Errorf("remove list entry: %w", err)
	}
	return nil
}

// removeEntry deletes one entry, its reverse record and one reader.
func removeEntry(g *guildTx, uid, sid uint64) error {
	if err := forgetFinished(g, uid, sid); err != nil {
		return err
	}
	if err := g.bucket(bLists).Delete(key(uid, sid)); err != nil {
		return err
	}
	if err := g.bucket(bReaders).Delete(key(sid, uid)); err != nil {
		return err
	}
	if cv := g.get(bCounts, u64(sid)); cv != nil {
		c := decodeCounts(cv)
		if c.readers > 0 {
			c.readers--
		}
		return g.bucket(bCounts).Put(u64(sid), c.encode())
	}
	return nil
}

// MemberList returns user's whole list in this guild in story-ID order
// (oldest story first), each entry joined with its story's title, authors
// and chapter counts. An empty list is not an error.
func (s *Store) MemberList(ctx context.Context, guild, user string) ([]shelf.ListEntry, error) {
	out := []shelf.ListEntry{}
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			var err error
			out, err = memberList(g, uid)
			return err
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("member list: %w", err)
	}
	return out, nil
}

// removeStoryReaders deletes every list entry for story (for RemoveStory).
func removeStoryReaders(g *guildTx, story uint64) error {
	keys, err := deletePrefix(g.bucket(bReaders), u64(story))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := g.bucket(bLists).Delete(key(readU64(k, 1), story)); err != nil {
			return err
		}
		if err := forgetFinished(g, readU64(k, 1), story); err != nil {
			return err
		}
	}
	return nil
}

// removeMemberList deletes user's whole list, keeping counters right (for
// DeleteMember).
func removeMemberList(g *guildTx, user uint64) error {
	keys, err := deletePrefix(g.bucket(bLists), u64(user))
	if err != nil {
		return err
	}
	for _, k := range keys {
		sid := readU64(k, 1)
		if err := removeEntry(g, user, sid); err != nil {
			return err
		}
	}
	return nil
}

// memberList reads user's entries joined with their stories' heads. A
// member may have thousands of entries, so every string of the result is
// cut from one buffer (one allocation instead of six per entry) and the
// heads are read by one cursor walking alongside: entries come in story
// order, as heads do (Next for near neighbours, Seek for jumps).
func memberList(g *guildTx, uid uint64) ([]shelf.ListEntry, error) {
	type span struct{ from, to int }
	type pending struct {
		id, note, title span
		authors         span // indexes into authorSpans
	}
	lists := g.bucket(bLists)
	n, size := 0, 0
	forEachPrefix(lists, u64(uid), func(_, v []byte) error { n++; size += len(v) + 20; return nil })
	out := make([]shelf.ListEntry, 0, n)
	pend := make([]pending, 0, n)
	var authorSpans []span
	buf := make([]byte, 0, size+64*n)
	put := func(b []byte) span {
		from := len(buf)
		buf = append(buf, b...)
		return span{from, len(buf)}
	}
	var hc *bbolt.Cursor
	var hk, hv []byte
	if hb := g.bucket(bHeads); hb != nil {
		hc = hb.Cursor()
		hk, hv = hc.First()
	}
	err := forEachPrefix(lists, u64(uid), func(k, v []byte) error {
		d := decoder{b: v}
		if err := d.version("list entry"); err != nil {
			return err
		}
		sid := readU64(k, 1)
		var p pending
		from := len(buf)
		buf = strconv.AppendUint(buf, sid, 10)
		p.id = span{from, len(buf)}
		e := shelf.ListEntry{Status: shelf.Status(internStatus(d.raw())), Chapter: int(d.uint())}
		p.note = put(d.raw())
		e.Added, e.Updated = fromNanos(d.int()), fromNanos(d.int())
		if err := d.done("list entry"); err != nil {
			return err
		}
		if hc != nil {
			for steps := 0; hk != nil && readU64(hk, 0) < sid; steps++ {
				if steps == 8 {
					hk, hv = hc.Seek(u64(sid))
					break
				}
				hk, hv = hc.Next()
			}
			if hk != nil && readU64(hk, 0) == sid {
				h := decoder{b: hv}
				if err := h.version("story head"); err != nil {
					return err
				}
				p.title = put(h.raw())
				na := h.uint()
				if h.err == nil && na > uint64(len(h.b)) {
					h.fail()
				}
				p.authors.from = len(authorSpans)
				for i := uint64(0); i < na && h.err == nil; i++ {
					authorSpans = append(authorSpans, put(h.raw()))
				}
				p.authors.to = len(authorSpans)
				e.ChaptersPosted, e.ChaptersExpected = int(h.uint()), int(h.uint())
				if err := h.done("story head"); err != nil {
					return err
				}
			}
		}
		out = append(out, e)
		pend = append(pend, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	all := string(buf)
	authors := make([]string, len(authorSpans))
	for i, a := range authorSpans {
		authors[i] = all[a.from:a.to]
	}
	str := func(sp span) string { return all[sp.from:sp.to] }
	for i, p := range pend {
		e := &out[i]
		e.StoryID, e.Note, e.Title = str(p.id), str(p.note), str(p.title)
		if p.authors.to > p.authors.from {
			e.Authors = authors[p.authors.from:p.authors.to:p.authors.to]
		}
	}
	return out, nil
}
