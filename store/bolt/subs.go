package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Subscriptions and AO3 update checks (shelf.Subscriptions,
// shelf.WorkChecks). New buckets, created on write (no migration):
//
//	guilds/<guild>/
//	  subs/          <story u64>|<user u64> -> i64 unix ns subscribed
//	  subs_by_user/  <user u64>|<story u64> -> (empty)   (reverse of subs/)
//	  dms_closed/    <user u64>             -> (empty)   (DMs refused: 50007)
//	  alerts/        (sequence = last alert ID)
//	    <alert u64>  -> JSON shelf.Alert (without GuildID and ID)
//	ao3_works/                                (global: one row per AO3 work)
//	  <work u64>     -> JSON workDoc: next check, last check, AO3's last
//	                    copy of the work, state
//	ao3_due/                                  (global; works not gone)
//	  <next u64 unix ns>|<work u64> -> (empty)
//	alerts_pending/                           (global; alerts not posted)
//	  <created u64 unix ns>|<guild u64>|<alert u64> -> (empty)
//
// The AO3 request gap is kept in memory: one process holds the file.

var (
	bSubs          = []byte("subs")
	bSubsByUser    = []byte("subs_by_user")
	bDMsClosed     = []byte("dms_closed")
	bAlerts        = []byte("alerts")
	bucketWorks    = []byte("ao3_works")
	bucketWorkDue  = []byte("ao3_due")
	bucketAlertDue = []byte("alerts_pending")
)

// workDoc is the JSON value under ao3_works/<work>.
type workDoc struct {
	Next        int64      `json:"next"`
	LastChecked int64      `json:"last_checked,omitempty"`
	Last        *fic.Story `json:"last,omitempty"`
	State       string     `json:"state,omitempty"`
}

// ao3Gap is the in-process AO3 request gap.
type ao3Gap struct {
	mu   sync.Mutex
	next time.Time
}

func (s *Store) gap() *ao3Gap { return &s.ao3gap }

// storyWork returns story sid's AO3 work ID; ErrNotFound for no story.
func storyWork(g *guildTx, sid uint64) (int64, *storyDoc, error) {
	doc, err := getStoryDoc(g, sid)
	if err != nil {
		return 0, nil, err
	}
	return doc.Story.AO3ID, &doc, nil
}

func getWork(tx *bbolt.Tx, work int64) (*workDoc, error) {
	b := tx.Bucket(bucketWorks)
	if b == nil {
		return nil, nil
	}
	v := b.Get(u64(uint64(work)))
	if v == nil {
		return nil, nil
	}
	var w workDoc
	if err := json.Unmarshal(v, &w); err != nil {
		return nil, fmt.Errorf("AO3 work %d: %w", work, err)
	}
	return &w, nil
}

// putWork writes w and moves its due key from oldNext (0: none).
func putWork(tx *bbolt.Tx, work int64, w *workDoc, oldNext int64) error {
	b, err := tx.CreateBucketIfNotExists(bucketWorks)
	if err != nil {
		return err
	}
	due, err := tx.CreateBucketIfNotExists(bucketWorkDue)
	if err != nil {
		return err
	}
	v, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if err := b.Put(u64(uint64(work)), v); err != nil {
		return err
	}
	if oldNext != 0 {
		if err := due.Delete(key(uint64(oldNext), uint64(work))); err != nil {
			return err
		}
	}
	if shelf.WorkStateGone(w.State) {
		return nil
	}
	return due.Put(key(uint64(w.Next), uint64(work)), nil)
}

func deleteWork(tx *bbolt.Tx, work int64, w *workDoc) error {
	if b := tx.Bucket(bucketWorks); b != nil {
		if err := b.Delete(u64(uint64(work))); err != nil {
			return err
		}
	}
	if due := tx.Bucket(bucketWorkDue); due != nil {
		return due.Delete(key(uint64(w.Next), uint64(work)))
	}
	return nil
}

// scheduleWork puts work on the schedule, due at now, unless it is there.
func scheduleWork(tx *bbolt.Tx, work int64, now time.Time) error {
	w, err := getWork(tx, work)
	if err != nil || w != nil {
		return err
	}
	return putWork(tx, work, &workDoc{Next: nanos(now)}, 0)
}

// Subscribe subscribes user to story and schedules its work.
func (s *Store) Subscribe(ctx context.Context, guild, user, story string, now time.Time) (shelf.Subscription, bool, error) {
	var (
		sub   shelf.Subscription
		added bool
	)
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(story)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			added = false
			work, _, err := storyWork(g, sid)
			if err != nil {
				return err
			}
			if work <= 0 {
				return fmt.Errorf("story %d: %w", sid, shelf.ErrNoAO3Work)
			}
			k := key(sid, uid)
			if g.get(bSubs, k) == nil {
				added = true
				if err := g.bucket(bSubs).Put(k, u64(uint64(nanos(now)))); err != nil {
					return err
				}
				if err := g.bucket(bSubsByUser).Put(key(uid, sid), nil); err != nil {
					return err
				}
			}
			if err := scheduleWork(g.tx, work, now); err != nil {
				return err
			}
			sub, err = subscriptionOf(g, uid, sid)
			return err
		})
	}()
	if err != nil {
		return shelf.Subscription{}, false, fmt.Errorf("subscribe: %w", err)
	}
	return sub, added, nil
}

func subscriptionOf(g *guildTx, uid, sid uint64) (shelf.Subscription, error) {
	work, doc, err := storyWork(g, sid)
	if err != nil {
		return shelf.Subscription{}, err
	}
	sub := shelf.Subscription{
		StoryID: shelf.FormatID(sid), StoryTitle: doc.Story.Title, AO3ID: work,
		ChaptersPosted: max(doc.Story.ChaptersPosted, len(doc.Chapters)), ChaptersExpected: doc.Story.ChaptersExpected,
	}
	if v := g.get(bSubs, key(sid, uid)); len(v) == 8 {
		sub.Since = fromNanos(int64(readU64(v, 0)))
	}
	if work > 0 {
		w, err := getWork(g.tx, work)
		if err != nil {
			return sub, err
		}
		if w != nil {
			if w.LastChecked != 0 {
				sub.LastChecked = fromNanos(w.LastChecked)
			}
			sub.Gone = shelf.WorkStateGone(w.State)
		}
	}
	return sub, nil
}

// Unsubscribe ends a subscription.
func (s *Store) Unsubscribe(ctx context.Context, guild, user, story string) error {
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(story)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			if g.get(bSubs, key(sid, uid)) == nil {
				return fmt.Errorf("subscription to story %d: %w", sid, shelf.ErrNotFound)
			}
			if err := g.bucket(bSubs).Delete(key(sid, uid)); err != nil {
				return err
			}
			return g.bucket(bSubsByUser).Delete(key(uid, sid))
		})
	}()
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	return nil
}

// Subscriptions lists user's subscriptions in story-ID order.
func (s *Store) Subscriptions(ctx context.Context, guild, user string) ([]shelf.Subscription, error) {
	var out []shelf.Subscription
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			return forEachPrefix(g.bucket(bSubsByUser), u64(uid), func(k, _ []byte) error {
				sub, err := subscriptionOf(g, uid, readU64(k, 1))
				if err != nil {
					return err
				}
				out = append(out, sub)
				return nil
			})
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	return out, nil
}

// Subscribed reports whether user is subscribed to story.
func (s *Store) Subscribed(ctx context.Context, guild, user, story string) (bool, error) {
	var ok bool
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(story)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			ok = g.get(bSubs, key(sid, uid)) != nil
			return nil
		})
	}()
	if err != nil {
		return false, fmt.Errorf("subscribed: %w", err)
	}
	return ok, nil
}

func subscribers(g *guildTx, sid uint64) []string {
	var out []string
	forEachPrefix(peek(g, bSubs), u64(sid), func(k, _ []byte) error {
		out = append(out, shelf.FormatID(readU64(k, 1)))
		return nil
	})
	return out
}

// StorySubscribers lists story's subscribers in user-ID order.
func (s *Store) StorySubscribers(ctx context.Context, guild, story string) ([]string, error) {
	var out []string
	err := func() error {
		sid, err := parseStoryID(story)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			out = subscribers(g, sid)
			return nil
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("story subscribers: %w", err)
	}
	return out, nil
}

// SetDMsClosed records whether DMs to user could not be delivered.
func (s *Store) SetDMsClosed(ctx context.Context, guild, user string, closed bool) error {
	uid, err := shelf.ParseID("user", user)
	if err != nil {
		return fmt.Errorf("set DMs closed: %w", err)
	}
	err = s.update(ctx, guild, func(g *guildTx) error {
		if closed {
			return g.bucket(bDMsClosed).Put(u64(uid), nil)
		}
		return g.bucket(bDMsClosed).Delete(u64(uid))
	})
	if err != nil {
		return fmt.Errorf("set DMs closed: %w", err)
	}
	return nil
}

// DMsClosed reports the flag SetDMsClosed set.
func (s *Store) DMsClosed(ctx context.Context, guild, user string) (bool, error) {
	uid, err := shelf.ParseID("user", user)
	if err != nil {
		return false, fmt.Errorf("DMs closed: %w", err)
	}
	var closed bool
	err = s.view(ctx, guild, func(g *guildTx) error {
		closed = g.get(bDMsClosed, u64(uid)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("DMs closed: %w", err)
	}
	return closed, nil
}

// removeStorySubs removes a removed story's subscriptions (RemoveStory's
// transaction).
func removeStorySubs(g *guildTx, sid uint64) error {
	keys, err := deletePrefix(g.bucket(bSubs), u64(sid))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := g.bucket(bSubsByUser).Delete(key(readU64(k, 1), sid)); err != nil {
			return err
		}
	}
	return nil
}

// deleteMemberSubs removes a member's subscriptions and flag
// (DeleteMember's transaction).
func deleteMemberSubs(g *guildTx, uid uint64) error {
	keys, err := deletePrefix(g.bucket(bSubsByUser), u64(uid))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := g.bucket(bSubs).Delete(key(readU64(k, 1), uid)); err != nil {
			return err
		}
	}
	return g.bucket(bDMsClosed).Delete(u64(uid))
}

// ---- the check schedule ----

// global runs fn in one write transaction over every guild; guildTx
// values made with g are refreshed in the autocomplete index after commit.
func (s *Store) global(ctx context.Context, fn func(tx *bbolt.Tx, g func(gid uint64) *guildTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var gts []*guildTx
	err := s.db.Update(func(tx *bbolt.Tx) (err error) {
		defer recoverBucketError(&err)
		if err := ctx.Err(); err != nil {
			return err
		}
		gts = gts[:0]
		s.countCommit(tx, false)
		return fn(tx, func(gid uint64) *guildTx {
			gt := newGuildTx(tx, gid)
			gts = append(gts, gt)
			return gt
		})
	})
	if err != nil {
		return engineErr(err)
	}
	for _, gt := range gts {
		if len(gt.touched) > 0 {
			s.idx.reload(s.db, gt.guild, gt.touched)
		}
	}
	return nil
}

// peek returns the guild's sub-bucket name, or nil when missing, without
// creating it even in a write transaction (the scans over every guild
// below write nothing where there is nothing).
func peek(g *guildTx, name []byte) *bbolt.Bucket {
	if g.g == nil {
		return nil
	}
	return g.g.Bucket(name)
}

// guildIDs lists every guild with a bucket.
func guildIDs(tx *bbolt.Tx) []uint64 {
	var out []uint64
	if gs := tx.Bucket(bucketGuilds); gs != nil {
		gs.ForEachBucket(func(k []byte) error {
			if len(k) == 8 {
				out = append(out, readU64(k, 0))
			}
			return nil
		})
	}
	return out
}

// followedWorks returns the works of stories with a subscriber or an
// active club, in any guild.
func followedWorks(tx *bbolt.Tx, gtx func(uint64) *guildTx) (map[int64]bool, error) {
	out := map[int64]bool{}
	for _, gid := range guildIDs(tx) {
		g := gtx(gid)
		seen := map[uint64]bool{}
		add := func(sid uint64) error {
			if seen[sid] {
				return nil
			}
			seen[sid] = true
			work, _, err := storyWork(g, sid)
			if err != nil {
				return nil // a dangling entry follows nothing
			}
			if work > 0 {
				out[work] = true
			}
			return nil
		}
		if b := peek(g, bSubs); b != nil {
			if err := b.ForEach(func(k, _ []byte) error { return add(readU64(k, 0)) }); err != nil {
				return nil, err
			}
		}
		if b := peek(g, bClubStories); b != nil {
			err := b.ForEach(func(k, _ []byte) error {
				c, err := getClub(g, readU64(k, 1))
				if err != nil || !c.Active() {
					return nil
				}
				return add(readU64(k, 0))
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ClaimDueWorks schedules club works, then claims due followed works.
func (s *Store) ClaimDueWorks(ctx context.Context, now time.Time, hold time.Duration, limit int) ([]shelf.WatchedWork, error) {
	if limit <= 0 {
		limit = 100
	}
	// Most looks find nothing to do: a read transaction says so without a
	// commit.
	idle := true
	err := s.db.View(func(tx *bbolt.Tx) error {
		if due := tx.Bucket(bucketWorkDue); due != nil {
			if k, _ := due.Cursor().First(); k != nil && int64(readU64(k, 0)) <= now.UnixNano() {
				idle = false
				return nil
			}
		}
		followed, err := followedWorks(tx, func(gid uint64) *guildTx { return newGuildTx(tx, gid) })
		if err != nil {
			return err
		}
		for work := range followed {
			if w, err := getWork(tx, work); err != nil || w == nil {
				idle = false
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due works: %w", engineErr(err))
	}
	if idle {
		return nil, nil
	}
	var out []shelf.WatchedWork
	err = s.global(ctx, func(tx *bbolt.Tx, gtx func(uint64) *guildTx) error {
		out = out[:0]
		followed, err := followedWorks(tx, gtx)
		if err != nil {
			return err
		}
		for work := range followed {
			if err := scheduleWork(tx, work, now); err != nil {
				return err
			}
		}
		due := tx.Bucket(bucketWorkDue)
		if due == nil {
			return nil
		}
		type item struct {
			next int64
			work int64
		}
		var items []item
		c := due.Cursor()
		for k, _ := c.First(); k != nil && len(items) < limit*4+16; k, _ = c.Next() {
			if int64(readU64(k, 0)) > now.UnixNano() {
				break
			}
			items = append(items, item{int64(readU64(k, 0)), int64(readU64(k, 1))})
		}
		for _, it := range items {
			w, err := getWork(tx, it.work)
			if err != nil {
				return err
			}
			if w == nil {
				if err := due.Delete(key(uint64(it.next), uint64(it.work))); err != nil {
					return err
				}
				continue
			}
			if !followed[it.work] {
				if err := deleteWork(tx, it.work, w); err != nil {
					return err
				}
				continue
			}
			if len(out) >= limit {
				continue
			}
			old := w.Next
			w.Next = now.Add(hold).UnixNano()
			if err := putWork(tx, it.work, w, old); err != nil {
				return err
			}
			out = append(out, watched(it.work, w))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim due works: %w", err)
	}
	return out, nil
}

func watched(work int64, w *workDoc) shelf.WatchedWork {
	ww := shelf.WatchedWork{WorkID: work, NextCheck: fromNanos(w.Next), Last: w.Last, State: w.State}
	if w.LastChecked != 0 {
		ww.LastChecked = fromNanos(w.LastChecked)
	}
	return ww
}

// writeStoryMeta replaces story sid's metadata, keeping its chapters and
// counters.
func writeStoryMeta(g *guildTx, sid uint64, doc *storyDoc) error {
	v, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	if err := g.bucket(bStories).Put(u64(sid), v); err != nil {
		return err
	}
	if err := g.bucket(bHeads).Put(u64(sid), doc.head().encode()); err != nil {
		return err
	}
	if err := putFacets(g, sid, doc); err != nil {
		return err
	}
	g.refresh(sid)
	return nil
}

// RecordWorkCheck records a check with its effects in every guild.
func (s *Store) RecordWorkCheck(ctx context.Context, c shelf.WorkCheck) (int, error) {
	made := 0
	err := s.global(ctx, func(tx *bbolt.Tx, gtx func(uint64) *guildTx) error {
		made = 0
		w, err := getWork(tx, c.WorkID)
		if err != nil {
			return err
		}
		if w == nil {
			return fmt.Errorf("AO3 work %d: %w", c.WorkID, shelf.ErrNotFound)
		}
		old := w.Next
		newState := c.State != "" && c.State != w.State
		for _, gid := range guildIDs(tx) {
			g := gtx(gid)
			ao3 := peek(g, bAO3)
			if ao3 == nil {
				continue
			}
			v := ao3.Get(u64(uint64(c.WorkID)))
			if len(v) != 8 {
				continue
			}
			sid := readU64(v, 0)
			doc, err := getStoryDoc(g, sid)
			if err != nil {
				return err
			}
			var a *shelf.Alert
			if c.Fetched != nil {
				before := doc.Story
				merged := shelf.MergeAO3(before, w.Last, c.Fetched)
				ch := fic.CompareWork(&before, &merged)
				if ch.Differs() {
					doc.Story = merged
					if err := writeStoryMeta(g, sid, &doc); err != nil {
						return err
					}
					if err := extendClubs(g, sid, c.At); err != nil {
						return err
					}
				}
				if ch.Any() {
					a = &shelf.Alert{Kind: shelf.AlertUpdate, Summary: ch.Summary()}
				}
			} else if newState {
				a = &shelf.Alert{Kind: c.State}
			}
			if a == nil {
				continue
			}
			subs := subscribers(g, sid)
			if len(subs) == 0 {
				continue
			}
			a.StoryID, a.WorkID, a.Title, a.Recipients, a.Created = shelf.FormatID(sid), c.WorkID, doc.Story.Title, subs, c.At
			if err := addAlert(tx, g, a); err != nil {
				return err
			}
			made++
		}
		switch {
		case c.Fetched != nil:
			w.Last, w.State, w.LastChecked = c.Fetched, "", nanos(c.At)
		case c.State != "":
			w.State, w.LastChecked = c.State, nanos(c.At)
		}
		if !shelf.WorkStateGone(w.State) {
			w.Next = nanos(c.NextCheck)
		}
		return putWork(tx, c.WorkID, w, old)
	})
	if err != nil {
		return 0, fmt.Errorf("record work check: %w", err)
	}
	return made, nil
}

// alertDoc is the JSON value under alerts/<id>.
type alertDoc struct {
	StoryID      string   `json:"story"`
	WorkID       int64    `json:"work"`
	Kind         string   `json:"kind"`
	Title        string   `json:"title"`
	Summary      string   `json:"summary,omitempty"`
	Recipients   []string `json:"recipients,omitempty"`
	Delivered    []string `json:"delivered,omitempty"`
	Created      int64    `json:"created"`
	FirstAttempt int64    `json:"first_attempt,omitempty"`
	Posted       bool     `json:"posted,omitempty"`
	ChannelID    string   `json:"channel,omitempty"`
	MessageID    string   `json:"message,omitempty"`
}

func addAlert(tx *bbolt.Tx, g *guildTx, a *shelf.Alert) error {
	id, err := g.bucket(bAlerts).NextSequence()
	if err != nil {
		return err
	}
	d := alertDoc{StoryID: a.StoryID, WorkID: a.WorkID, Kind: a.Kind, Title: a.Title, Summary: a.Summary,
		Recipients: a.Recipients, Created: nanos(a.Created)}
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	if err := g.bucket(bAlerts).Put(u64(id), v); err != nil {
		return err
	}
	pend, err := tx.CreateBucketIfNotExists(bucketAlertDue)
	if err != nil {
		return err
	}
	return pend.Put(key(uint64(d.Created), g.guild, id), nil)
}

func getAlert(g *guildTx, id uint64) (*alertDoc, error) {
	v := g.get(bAlerts, u64(id))
	if v == nil {
		return nil, fmt.Errorf("alert %d: %w", id, shelf.ErrNotFound)
	}
	var d alertDoc
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("alert %d: %w", id, err)
	}
	return &d, nil
}

func (d *alertDoc) alert(guild, id uint64) shelf.Alert {
	a := shelf.Alert{GuildID: shelf.FormatID(guild), ID: shelf.FormatID(id), StoryID: d.StoryID, WorkID: d.WorkID,
		Kind: d.Kind, Title: d.Title, Summary: d.Summary, Recipients: d.Recipients, Delivered: d.Delivered,
		Created: fromNanos(d.Created), Posted: d.Posted, ChannelID: d.ChannelID, MessageID: d.MessageID}
	if d.FirstAttempt != 0 {
		a.FirstAttempt = fromNanos(d.FirstAttempt)
	}
	return a
}

// PendingAlerts returns alerts not yet posted, oldest first.
func (s *Store) PendingAlerts(ctx context.Context, limit int) ([]shelf.Alert, error) {
	if limit <= 0 {
		limit = 100
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []shelf.Alert
	err := s.db.View(func(tx *bbolt.Tx) error {
		pend := tx.Bucket(bucketAlertDue)
		if pend == nil {
			return nil
		}
		c := pend.Cursor()
		for k, _ := c.First(); k != nil && len(out) < limit; k, _ = c.Next() {
			gid, id := readU64(k, 1), readU64(k, 2)
			d, err := getAlert(newGuildTx(tx, gid), id)
			if err != nil {
				return err
			}
			out = append(out, d.alert(gid, id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pending alerts: %w", engineErr(err))
	}
	return out, nil
}

func (s *Store) changeAlert(ctx context.Context, what, guild, id string, fn func(tx *bbolt.Tx, g *guildTx, aid uint64, d *alertDoc) error) error {
	aid, err := shelf.ParseID("alert", id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	err = s.update(ctx, guild, func(g *guildTx) error {
		d, err := getAlert(g, aid)
		if err != nil {
			return err
		}
		if err := fn(g.tx, g, aid, d); err != nil {
			return err
		}
		v, err := json.Marshal(d)
		if err != nil {
			return err
		}
		return g.bucket(bAlerts).Put(u64(aid), v)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// AlertAttempt records the first attempt to send an alert.
func (s *Store) AlertAttempt(ctx context.Context, guild, id string, now time.Time) (time.Time, error) {
	var first time.Time
	err := s.changeAlert(ctx, "alert attempt", guild, id, func(_ *bbolt.Tx, _ *guildTx, _ uint64, d *alertDoc) error {
		if d.FirstAttempt == 0 {
			d.FirstAttempt = nanos(now)
		}
		first = fromNanos(d.FirstAttempt)
		return nil
	})
	return first, err
}

// AlertDelivered records one recipient's direct message.
func (s *Store) AlertDelivered(ctx context.Context, guild, id, user string) error {
	if _, err := shelf.ParseID("user", user); err != nil {
		return fmt.Errorf("alert delivered: %w", err)
	}
	return s.changeAlert(ctx, "alert delivered", guild, id, func(_ *bbolt.Tx, _ *guildTx, _ uint64, d *alertDoc) error {
		if !slices.Contains(d.Delivered, user) {
			d.Delivered = append(d.Delivered, user)
		}
		return nil
	})
}

// AlertPosted records an alert as done.
func (s *Store) AlertPosted(ctx context.Context, guild, id, channelID, messageID string) error {
	return s.changeAlert(ctx, "alert posted", guild, id, func(tx *bbolt.Tx, g *guildTx, aid uint64, d *alertDoc) error {
		if d.Posted {
			return nil
		}
		d.Posted, d.ChannelID, d.MessageID = true, channelID, messageID
		if pend := tx.Bucket(bucketAlertDue); pend != nil {
			return pend.Delete(key(uint64(d.Created), g.guild, aid))
		}
		return nil
	})
}

// TakeAO3Slot takes the next AO3 request slot (in this process).
func (s *Store) TakeAO3Slot(ctx context.Context, now time.Time, gap time.Duration) (time.Time, error) {
	if err := s.usable(ctx); err != nil {
		return time.Time{}, err
	}
	g := s.gap()
	g.mu.Lock()
	defer g.mu.Unlock()
	slot := now
	if g.next.After(slot) {
		slot = g.next
	}
	g.next = slot.Add(gap)
	return slot, nil
}

// HoldAO3 lets no slot be taken before until.
func (s *Store) HoldAO3(ctx context.Context, until time.Time) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	g := s.gap()
	g.mu.Lock()
	defer g.mu.Unlock()
	if until.After(g.next) {
		g.next = until
	}
	return nil
}

// dumpSubs emits a guild's subscriptions (Dump).
func dumpSubs(g *guildTx, emit func(shelf.Item) error) error {
	return forEachPrefix(g.bucket(bSubs), nil, func(k, v []byte) error {
		if len(k) != 16 || len(v) != 8 {
			return nil
		}
		return emit(shelf.Item{Subscription: &shelf.SubscriptionItem{StoryID: shelf.FormatID(readU64(k, 0)),
			UserID: shelf.FormatID(readU64(k, 1)), Since: fromNanos(int64(readU64(v, 0)))}})
	})
}

// loadSub writes one subscription of a loaded story (Load).
func loadSub(g *guildTx, it *shelf.SubscriptionItem) error {
	sid, err := storyOf(g, it.StoryID)
	if err != nil {
		return err
	}
	uid, err := shelf.ParseID("user", it.UserID)
	if err != nil {
		return err
	}
	if err := g.bucket(bSubs).Put(key(sid, uid), u64(uint64(it.Since.UnixNano()))); err != nil {
		return err
	}
	return g.bucket(bSubsByUser).Put(key(uid, sid), nil)
}
