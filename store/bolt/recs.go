package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"ficshelf/shelf"
)

// Recommendations: each story recommended in a guild has one discussion
// thread (rec_threads/); each rec is a record (recs/, newest = highest ID)
// indexed by member and story; requests ("looking for…") have their own
// threads (rec_requests/, rec_request_threads/).

var (
	bRecThreads        = []byte("rec_threads")
	bRecs              = []byte("recs")
	bRecsByUser        = []byte("recs_by_user")
	bRecsByStory       = []byte("recs_by_story")
	bRecRequests       = []byte("rec_requests")
	bRecRequestThreads = []byte("rec_request_threads")
)

// RecThread returns story's rec discussion thread; false when it has none.
func (s *Store) RecThread(ctx context.Context, guild, story string) (shelf.RecThread, bool, error) {
	var (
		out shelf.RecThread
		ok  bool
	)
	err := func() error {
		sid, err := parseStoryID(story)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			v := g.get(bRecThreads, u64(sid))
			if v == nil {
				return nil
			}
			ok = true
			return json.Unmarshal(v, &out)
		})
	}()
	if err != nil {
		return shelf.RecThread{}, false, fmt.Errorf("rec thread: %w", err)
	}
	return out, ok, nil
}

// SetRecThread records (or replaces, when the old one was deleted) story's
// rec discussion thread. shelf.ErrNotFound when the story does not exist.
func (s *Store) SetRecThread(ctx context.Context, guild, story string, t shelf.RecThread) error {
	err := func() error {
		sid, err := parseStoryID(story)
		if err != nil {
			return err
		}
		v, err := json.Marshal(t)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if g.get(bHeads, u64(sid)) == nil {
				return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
			}
			return g.bucket(bRecThreads).Put(u64(sid), v)
		})
	}()
	if err != nil {
		return fmt.Errorf("set rec thread: %w", err)
	}
	return nil
}

// AddRec stores a recommendation (its ID is assigned) and, when it answers
// a request, adds it to the request's answers. shelf.ErrNotFound when the story
// (or the request) does not exist.
func (s *Store) AddRec(ctx context.Context, guild string, r shelf.Rec) (shelf.Rec, error) {
	err := func() error {
		sid, err := parseStoryID(r.StoryID)
		if err != nil {
			return err
		}
		uid, err := shelf.ParseID("user", r.UserID)
		if err != nil {
			return err
		}
		var reqID uint64
		if r.RequestID != "" {
			if reqID, err = shelf.ParseID("request", r.RequestID); err != nil {
				return err
			}
		}
		r.At = r.At.UTC()
		return s.update(ctx, guild, func(g *guildTx) error {
			hv := g.get(bHeads, u64(sid))
			if hv == nil {
				return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
			}
			seq, err := g.bucket(bRecs).NextSequence()
			if err != nil {
				return err
			}
			r.ID = shelf.FormatID(seq)
			r.StoryTitle = ""
			if reqID != 0 {
				req, err := getRequest(g, reqID)
				if err != nil {
					return err
				}
				req.Answers = append(req.Answers, r.ID)
				if err := putJSON(g, bRecRequests, u64(reqID), req); err != nil {
					return err
				}
			}
			if err := putJSON(g, bRecs, u64(seq), r); err != nil {
				return err
			}
			if err := g.bucket(bRecsByUser).Put(key(uid, seq), nil); err != nil {
				return err
			}
			if err := g.bucket(bRecsByStory).Put(key(sid, seq), nil); err != nil {
				return err
			}
			if err := addLibRecs(g, 1); err != nil {
				return err
			}
			if h, err := decodeHead(hv); err == nil {
				r.StoryTitle = h.title
			}
			return nil
		})
	}()
	if err != nil {
		return shelf.Rec{}, fmt.Errorf("add rec: %w", err)
	}
	return r, nil
}

func putJSON(g *guildTx, bucket, k []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return g.bucket(bucket).Put(k, b)
}

func getRequest(g *guildTx, id uint64) (*shelf.RecRequest, error) {
	v := g.get(bRecRequests, u64(id))
	if v == nil {
		return nil, fmt.Errorf("request %d: %w", id, shelf.ErrNotFound)
	}
	var r shelf.RecRequest
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("request %d: %w", id, err)
	}
	return &r, nil
}

// ListRecs returns recs newest first, filtered by q, with each story's
// title, and how many match in all.
func (s *Store) ListRecs(ctx context.Context, guild string, q shelf.RecQuery) ([]shelf.Rec, int, error) {
	if q.Limit <= 0 {
		q.Limit = 10
	}
	q.Limit = min(q.Limit, 100)
	var (
		out   []shelf.Rec
		total int
	)
	err := func() error {
		var uid uint64
		if q.UserID != "" {
			var err error
			if uid, err = shelf.ParseID("user", q.UserID); err != nil {
				return err
			}
		}
		fandom := shelf.FoldString(q.Fandom)
		return s.view(ctx, guild, func(g *guildTx) error {
			var err error
			out, total, err = listRecs(g, uid, fandom, q.Offset, q.Limit)
			return err
		})
	}()
	if err != nil {
		return nil, 0, fmt.Errorf("list recs: %w", err)
	}
	return out, total, nil
}

// AddRecRequest stores a request (its ID is assigned) and indexes its
// thread, so a rec posted there answers it.
func (s *Store) AddRecRequest(ctx context.Context, guild string, r shelf.RecRequest) (shelf.RecRequest, error) {
	err := func() error {
		if _, err := shelf.ParseID("user", r.UserID); err != nil {
			return err
		}
		th, err := shelf.ParseID("thread", r.ThreadID)
		if err != nil {
			return err
		}
		r.At = r.At.UTC()
		return s.update(ctx, guild, func(g *guildTx) error {
			seq, err := g.bucket(bRecRequests).NextSequence()
			if err != nil {
				return err
			}
			r.ID = shelf.FormatID(seq)
			if err := putJSON(g, bRecRequests, u64(seq), r); err != nil {
				return err
			}
			return g.bucket(bRecRequestThreads).Put(u64(th), u64(seq))
		})
	}()
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("add rec request: %w", err)
	}
	return r, nil
}

// RecRequestByThread returns the request whose thread is thread;
// shelf.ErrNotFound when it is no request's thread.
func (s *Store) RecRequestByThread(ctx context.Context, guild, thread string) (shelf.RecRequest, error) {
	var out shelf.RecRequest
	err := func() error {
		th, err := shelf.ParseID("thread", thread)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			v := g.get(bRecRequestThreads, u64(th))
			if len(v) != 8 {
				return fmt.Errorf("thread %d: %w", th, shelf.ErrNotFound)
			}
			r, err := getRequest(g, readU64(v, 0))
			if err != nil {
				return err
			}
			out = *r
			return nil
		})
	}()
	if err != nil {
		return shelf.RecRequest{}, fmt.Errorf("rec request: %w", err)
	}
	return out, nil
}

// Recs returns the recs with the given IDs that still exist, in order,
// with their stories' titles.
func (s *Store) Recs(ctx context.Context, guild string, ids []string) ([]shelf.Rec, error) {
	var out []shelf.Rec
	err := s.view(ctx, guild, func(g *guildTx) error {
		for _, id := range ids {
			rid, err := shelf.ParseID("rec", id)
			if err != nil {
				return err
			}
			v := g.get(bRecs, u64(rid))
			if v == nil {
				continue
			}
			var r shelf.Rec
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			sid, _ := parseStoryID(r.StoryID)
			if hv := g.get(bHeads, u64(sid)); hv != nil {
				if h, err := decodeHead(hv); err == nil {
					r.StoryTitle = h.title
				}
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recs: %w", err)
	}
	return out, nil
}

// removeStoryRecs removes a story's rec thread and recs, in RemoveStory's
// transaction.
func removeStoryRecs(g *guildTx, story uint64) error {
	if err := g.bucket(bRecThreads).Delete(u64(story)); err != nil {
		return err
	}
	keys, err := deletePrefix(g.bucket(bRecsByStory), u64(story))
	if err != nil {
		return err
	}
	for _, k := range keys {
		rid := readU64(k, 1)
		v := g.get(bRecs, u64(rid))
		if v == nil {
			continue
		}
		var r shelf.Rec
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if uid, err := shelf.ParseID("user", r.UserID); err == nil {
			if err := g.bucket(bRecsByUser).Delete(key(uid, rid)); err != nil {
				return err
			}
		}
		if err := g.bucket(bRecs).Delete(u64(rid)); err != nil {
			return err
		}
		if err := addLibRecs(g, -1); err != nil {
			return err
		}
	}
	return nil
}

// exportMemberRecs is user's rec data for ExportMember; nil when none.
// Recs and requests have no delete: they are public posts in the server
// and stay when a member deletes their data (/mydata says so).
func exportMemberRecs(g *guildTx, user uint64) (*shelf.RecsExport, error) {
	out := &shelf.RecsExport{Recs: []shelf.Rec{}, Requests: []shelf.RecRequest{}}
	err := forEachPrefix(g.bucket(bRecsByUser), u64(user), func(k, _ []byte) error {
		v := g.get(bRecs, u64(readU64(k, 1)))
		if v == nil {
			return nil
		}
		var r shelf.Rec
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		sid, _ := parseStoryID(r.StoryID)
		if hv := g.get(bHeads, u64(sid)); hv != nil {
			if h, err := decodeHead(hv); err == nil {
				r.StoryTitle = h.title
			}
		}
		out.Recs = append(out.Recs, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	uid := shelf.FormatID(user)
	if b := g.bucket(bRecRequests); b != nil {
		err = b.ForEach(func(_, v []byte) error {
			var r shelf.RecRequest
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.UserID == uid {
				out.Requests = append(out.Requests, r)
			}
			return nil
		})
	}
	if err != nil || (len(out.Recs) == 0 && len(out.Requests) == 0) {
		return nil, err
	}
	return out, nil
}

// listRecs is ListRecs in one transaction. It decodes only the page's recs:
// the total comes from the guild's rec count (no filter), the member's
// recs_by_user keys (a member), or, with a fandom, the recs_by_story keys
// of the stories whose fandoms contain it (found from facet_vals and
// facet_post, derived.go), filtered by member when one is given.
func listRecs(g *guildTx, uid uint64, fandom string, offset, limit int) ([]shelf.Rec, int, error) {
	recs := g.bucket(bRecs)
	if recs == nil {
		return nil, 0, nil
	}
	var out []shelf.Rec
	load := func(rid uint64) error {
		v := recs.Get(u64(rid))
		if v == nil {
			return nil
		}
		var r shelf.Rec
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("rec %d: %w", rid, err)
		}
		sid, _ := parseStoryID(r.StoryID)
		if hv := g.get(bHeads, u64(sid)); hv != nil {
			if h, err := decodeHead(hv); err == nil {
				r.StoryTitle = h.title
			}
		}
		out = append(out, r)
		return nil
	}
	var ids []uint64 // every matching rec, newest first (filtered queries)
	switch {
	case fandom != "":
		stories := storiesWithFacet(g, facetFilter{facetFandom, func(v string) bool { return strings.Contains(v, fandom) }})
		byUser := g.bucket(bRecsByUser)
		for sid := range stories {
			err := forEachPrefix(g.bucket(bRecsByStory), u64(sid), func(k, _ []byte) error {
				rid := readU64(k, 1)
				if uid == 0 || (byUser != nil && byUser.Get(key(uid, rid)) != nil) {
					ids = append(ids, rid)
				}
				return nil
			})
			if err != nil {
				return nil, 0, err
			}
		}
		slices.SortFunc(ids, func(a, b uint64) int { return cmpID(b, a) })
	case uid != 0:
		err := forEachPrefix(g.bucket(bRecsByUser), u64(uid), func(k, _ []byte) error {
			ids = append(ids, readU64(k, 1))
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
		slices.Reverse(ids)
	default:
		total := libRecs(g)
		c := recs.Cursor()
		i := 0
		for k, _ := c.Last(); k != nil && len(out) < limit; k, _ = c.Prev() {
			if len(k) != 8 {
				continue
			}
			if i++; i <= offset {
				continue
			}
			if err := load(readU64(k, 0)); err != nil {
				return nil, 0, err
			}
		}
		return out, total, nil
	}
	for _, rid := range ids[min(offset, len(ids)):min(offset+limit, len(ids))] {
		if err := load(rid); err != nil {
			return nil, 0, err
		}
	}
	return out, len(ids), nil
}
