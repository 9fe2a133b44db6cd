package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"ficshelf/shelf"
)

// Reading clubs: a club reads one story in one channel on a schedule of
// checkpoints. Buckets (see the package doc's tree): clubs/, club_channels/,
// club_stories/, club_members/, club_by_member/ under the guild, and the
// global due/ index that the checkpoint scheduler reads.

var (
	bClubs        = []byte("clubs")
	bClubChannels = []byte("club_channels")
	bClubStories  = []byte("club_stories")
	bClubMembers  = []byte("club_members")
	bClubByMember = []byte("club_by_member")
	bucketDue     = []byte("due")
)

func dueKey(at time.Time, guild, club uint64, n int) []byte {
	return key(uint64(at.UnixNano()), guild, club, uint64(n))
}

func dueBucket(tx *bbolt.Tx) (*bbolt.Bucket, error) {
	if b := tx.Bucket(bucketDue); b != nil {
		return b, nil
	}
	return tx.CreateBucket(bucketDue)
}

func getClub(g *guildTx, id uint64) (*shelf.Club, error) {
	v := g.get(bClubs, u64(id))
	if v == nil {
		return nil, fmt.Errorf("club %d: %w", id, shelf.ErrNotFound)
	}
	var c shelf.Club
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("club %d: %w", id, err)
	}
	return &c, nil
}

func putClub(g *guildTx, id uint64, c *shelf.Club) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return g.bucket(bClubs).Put(u64(id), v)
}

// StartClub creates a club in p.ChannelID reading p.StoryID, hosted (and
// joined) by p.HostID, with its schedule up to the story's posted chapters,
// and indexes its checkpoints as due. shelf.ErrClubActive (wrapped, with the
// active club returned) when the channel has one; shelf.ErrNotFound when the
// story does not exist; shelf.ErrInvalid for bad numbers, date or zone.
func (s *Store) StartClub(ctx context.Context, guild string, p shelf.ClubStart) (shelf.Club, error) {
	var out shelf.Club
	err := func() error {
		ch, err := shelf.ParseID("channel", p.ChannelID)
		if err != nil {
			return err
		}
		a, err := parseClubStart(p)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			c, err := startClubTx(g, ch, a)
			out = c
			return err
		})
	}()
	if err != nil {
		return out, fmt.Errorf("start club: %w", err)
	}
	return out, nil
}

// clubStart is a shelf.ClubStart checked before its transaction: its
// host and story IDs parsed, its zone loaded (p.Timezone set).
type clubStart struct {
	p         shelf.ClubStart
	host, sid uint64
	loc       *time.Location
}

// parseClubStart checks p's host, story and zone (the channel is the
// caller's: a poll's club starts in the poll's channel).
func parseClubStart(p shelf.ClubStart) (clubStart, error) {
	host, err := shelf.ParseID("user", p.HostID)
	if err != nil {
		return clubStart{}, err
	}
	sid, err := parseStoryID(p.StoryID)
	if err != nil {
		return clubStart{}, err
	}
	loc, err := p.Zone()
	if err != nil {
		return clubStart{}, err
	}
	return clubStart{p: p, host: host, sid: sid, loc: loc}, nil
}

// startClubTx is StartClub inside a write transaction, in channel ch; on
// shelf.ErrClubActive it returns the active club.
func startClubTx(g *guildTx, ch uint64, a clubStart) (shelf.Club, error) {
	p, host, sid := a.p, a.host, a.sid
	if v := g.get(bClubChannels, u64(ch)); len(v) == 8 {
		c, err := getClub(g, readU64(v, 0))
		if err != nil {
			return shelf.Club{}, err
		}
		return *c, fmt.Errorf("channel %d: %w", ch, shelf.ErrClubActive)
	}
	hv := g.get(bHeads, u64(sid))
	if hv == nil {
		return shelf.Club{}, fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
	}
	h, err := decodeHead(hv)
	if err != nil {
		return shelf.Club{}, err
	}
	posted := max(h.chaptersPosted, chapterCount(g, sid))
	if posted < 1 {
		return shelf.Club{}, fmt.Errorf("story %d has no chapters: %w", sid, shelf.ErrInvalid)
	}
	cps, err := shelf.PlanCheckpoints(p.Starts, a.loc, p.PerCheckpoint, p.EveryDays, posted)
	if err != nil {
		return shelf.Club{}, err
	}
	seq, err := g.bucket(bClubs).NextSequence()
	if err != nil {
		return shelf.Club{}, err
	}
	name := p.Name
	if name == "" {
		name = h.title
	}
	c := shelf.Club{
		ID: shelf.FormatID(seq), GuildID: shelf.FormatID(g.guild), ChannelID: shelf.FormatID(ch), StoryID: shelf.FormatID(sid),
		StoryTitle: h.title, Name: name, HostID: shelf.FormatID(host), PerCheckpoint: p.PerCheckpoint,
		EveryDays: p.EveryDays, Starts: p.Starts, Timezone: p.Timezone, CreatedAt: p.Now.UTC(), Checkpoints: cps,
		Gated: p.Gated, Events: p.Events,
	}
	if err := putClub(g, seq, &c); err != nil {
		return shelf.Club{}, err
	}
	if err := g.bucket(bClubChannels).Put(u64(ch), u64(seq)); err != nil {
		return shelf.Club{}, err
	}
	if err := g.bucket(bClubStories).Put(key(sid, seq), nil); err != nil {
		return shelf.Club{}, err
	}
	if err := putMember(g, seq, shelf.ClubMember{UserID: shelf.FormatID(host), JoinedAt: p.Now.UTC(), UpdatedAt: p.Now.UTC()}); err != nil {
		return shelf.Club{}, err
	}
	due, err := dueBucket(g.tx)
	if err != nil {
		return shelf.Club{}, err
	}
	for _, cp := range cps {
		if err := due.Put(dueKey(cp.Opens, g.guild, seq, cp.Number), nil); err != nil {
			return shelf.Club{}, err
		}
	}
	return c, nil
}

// chapterCount counts story's stored chapters (for stories whose
// metadata did not say how many are posted).
func chapterCount(g *guildTx, sid uint64) int {
	n := 0
	forEachPrefix(g.bucket(bChapters), u64(sid), func(_, _ []byte) error { n++; return nil })
	return n
}

// ActiveClub returns the active club of a channel; shelf.ErrNotFound when none.
func (s *Store) ActiveClub(ctx context.Context, guild, channel string) (shelf.Club, error) {
	ch, err := shelf.ParseID("channel", channel)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("active club: %w", err)
	}
	return viewRecord(s, ctx, guild, "active club", func(g *guildTx) (*shelf.Club, error) {
		v := g.get(bClubChannels, u64(ch))
		if len(v) != 8 {
			return nil, fmt.Errorf("channel %d: %w", ch, shelf.ErrNotFound)
		}
		return getClub(g, readU64(v, 0))
	})
}

// Club returns a club (active or ended) by ID.
func (s *Store) Club(ctx context.Context, guild, id string) (shelf.Club, error) {
	cid, err := shelf.ParseID("club", id)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("club: %w", err)
	}
	return viewRecord(s, ctx, guild, "club", func(g *guildTx) (*shelf.Club, error) { return getClub(g, cid) })
}

// viewRecord reads one record of guild in a read transaction: read finds
// it (decoded inside the transaction). Errors are wrapped with what.
func viewRecord[T any](s *Store, ctx context.Context, guild, what string, read func(g *guildTx) (*T, error)) (T, error) {
	var out T
	err := s.view(ctx, guild, func(g *guildTx) error {
		v, err := read(g)
		if err == nil {
			out = *v
		}
		return err
	})
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

func encodeMember(m shelf.ClubMember) []byte {
	b := []byte{codecV1}
	b = binary.AppendVarint(b, m.JoinedAt.UnixNano())
	b = binary.AppendUvarint(b, uint64(m.Chapter))
	b = binary.AppendVarint(b, m.UpdatedAt.UnixNano())
	return b
}

func decodeMember(user uint64, v []byte) (shelf.ClubMember, error) {
	d := decoder{b: v}
	if err := d.version("club member"); err != nil {
		return shelf.ClubMember{}, err
	}
	m := shelf.ClubMember{UserID: shelf.FormatID(user)}
	m.JoinedAt = fromNanos(d.int())
	m.Chapter = int(d.uint())
	m.UpdatedAt = fromNanos(d.int())
	return m, d.done("club member")
}

func putMember(g *guildTx, club uint64, m shelf.ClubMember) error {
	uid, err := shelf.ParseID("user", m.UserID)
	if err != nil {
		return err
	}
	if err := g.bucket(bClubMembers).Put(key(club, uid), encodeMember(m)); err != nil {
		return err
	}
	return g.bucket(bClubByMember).Put(key(uid, club), nil)
}

// activeClubTx opens club id for a member's change: shelf.ErrClubEnded when over.
func activeClubTx(g *guildTx, id string) (uint64, *shelf.Club, error) {
	cid, err := shelf.ParseID("club", id)
	if err != nil {
		return 0, nil, err
	}
	c, err := getClub(g, cid)
	if err != nil {
		return 0, nil, err
	}
	if !c.Active() {
		return 0, nil, fmt.Errorf("club %d: %w", cid, shelf.ErrClubEnded)
	}
	return cid, c, nil
}

// JoinClub adds user to club; joined is false when they already were in
// it. shelf.ErrClubEnded for an ended club.
func (s *Store) JoinClub(ctx context.Context, guild, club, user string, now time.Time) (joined bool, err error) {
	err = func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			cid, _, err := activeClubTx(g, club)
			if err != nil {
				return err
			}
			if g.get(bClubMembers, key(cid, uid)) != nil {
				return nil
			}
			joined = true
			return putMember(g, cid, shelf.ClubMember{UserID: shelf.FormatID(uid), JoinedAt: now.UTC(), UpdatedAt: now.UTC()})
		})
	}()
	if err != nil {
		return false, fmt.Errorf("join club: %w", err)
	}
	return joined, nil
}

// LeaveClub removes user from club (their progress goes with them);
// shelf.ErrNotMember when they were not in it.
func (s *Store) LeaveClub(ctx context.Context, guild, club, user string) error {
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			cid, _, err := activeClubTx(g, club)
			if err != nil {
				return err
			}
			if g.get(bClubMembers, key(cid, uid)) == nil {
				return shelf.ErrNotMember
			}
			if err := g.bucket(bClubMembers).Delete(key(cid, uid)); err != nil {
				return err
			}
			return g.bucket(bClubByMember).Delete(key(uid, cid))
		})
	}()
	if err != nil {
		return fmt.Errorf("leave club: %w", err)
	}
	return nil
}

// SetClubProgress records the last chapter user has read (1..the club's
// chapters; shelf.ErrInvalid otherwise). shelf.ErrNotMember when they have not joined.
func (s *Store) SetClubProgress(ctx context.Context, guild, club, user string, chapter int, now time.Time) error {
	err := func() error {
		uid, err := shelf.ParseID("user", user)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			cid, c, err := activeClubTx(g, club)
			if err != nil {
				return err
			}
			if chapter < 0 || chapter > c.Chapters() {
				return fmt.Errorf("chapter %d of %d: %w", chapter, c.Chapters(), shelf.ErrInvalid)
			}
			v := g.get(bClubMembers, key(cid, uid))
			if v == nil {
				return shelf.ErrNotMember
			}
			m, err := decodeMember(uid, v)
			if err != nil {
				return err
			}
			m.Chapter, m.UpdatedAt = chapter, now.UTC()
			return putMember(g, cid, m)
		})
	}()
	if err != nil {
		return fmt.Errorf("club progress: %w", err)
	}
	return nil
}

// ClubMembers lists a club's members in join order (ties by user ID).
func (s *Store) ClubMembers(ctx context.Context, guild, club string) ([]shelf.ClubMember, error) {
	var out []shelf.ClubMember
	err := func() error {
		cid, err := shelf.ParseID("club", club)
		if err != nil {
			return err
		}
		return s.view(ctx, guild, func(g *guildTx) error {
			return forEachPrefix(g.bucket(bClubMembers), u64(cid), func(k, v []byte) error {
				m, err := decodeMember(readU64(k, 1), v)
				out = append(out, m)
				return err
			})
		})
	}()
	if err != nil {
		return nil, fmt.Errorf("club members: %w", err)
	}
	sortMembers(out)
	return out, nil
}

func sortMembers(ms []shelf.ClubMember) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].JoinedAt.Before(ms[j-1].JoinedAt); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// endClubTx ends club cid: no more checkpoints, the channel is free.
func endClubTx(g *guildTx, cid uint64, c *shelf.Club, by string, now time.Time) error {
	c.EndedAt, c.EndedBy = now.UTC(), by
	due, err := dueBucket(g.tx)
	if err != nil {
		return err
	}
	for _, cp := range c.Checkpoints {
		if !cp.Done() {
			if err := due.Delete(dueKey(cp.Opens, g.guild, cid, cp.Number)); err != nil {
				return err
			}
		}
	}
	ch, err := shelf.ParseID("channel", c.ChannelID)
	if err != nil {
		return err
	}
	if v := g.get(bClubChannels, u64(ch)); len(v) == 8 && readU64(v, 0) == cid {
		if err := g.bucket(bClubChannels).Delete(u64(ch)); err != nil {
			return err
		}
	}
	sid, err := parseStoryID(c.StoryID)
	if err != nil {
		return err
	}
	if err := g.bucket(bClubStories).Delete(key(sid, cid)); err != nil {
		return err
	}
	return putClub(g, cid, c)
}

// EndClub ends a club: its remaining checkpoints are never announced and
// the channel may start another; the club, its members and announced
// checkpoints stay as history. shelf.ErrClubEnded when it already ended.
func (s *Store) EndClub(ctx context.Context, guild, club, by string, now time.Time) (shelf.Club, error) {
	var out shelf.Club
	err := s.update(ctx, guild, func(g *guildTx) error {
		cid, c, err := activeClubTx(g, club)
		if err != nil {
			return err
		}
		if err := endClubTx(g, cid, c, by, now); err != nil {
			return err
		}
		out = *c
		return nil
	})
	if err != nil {
		return shelf.Club{}, fmt.Errorf("end club: %w", err)
	}
	return out, nil
}

// extendClubs extends the schedules of story's active clubs to its posted
// chapters (a work in progress got new ones): a short last checkpoint not
// yet announced grows, then new checkpoints follow on the club's grid of
// dates, none opening before now. UpdateStory runs it in its transaction
// (registered in init below).
func extendClubs(g *guildTx, sid uint64, now time.Time) error {
	hv := g.get(bHeads, u64(sid))
	if hv == nil {
		return nil
	}
	h, err := decodeHead(hv)
	if err != nil {
		return err
	}
	posted := max(h.chaptersPosted, chapterCount(g, sid))
	var due *bbolt.Bucket
	for _, cid := range clubsOfStory(g, sid) {
		c, err := getClub(g, cid)
		if err != nil {
			return err
		}
		if !c.Active() || posted <= c.Chapters() {
			continue
		}
		loc, err := shelf.LoadZone(c.Timezone)
		if err != nil {
			return err
		}
		day, err := time.ParseInLocation("2006-01-02", c.Starts, loc)
		if err != nil {
			return fmt.Errorf("club %d start date: %w", cid, err)
		}
		// A grown short checkpoint keeps its time and due key.
		before := len(c.Checkpoints)
		c.Checkpoints = shelf.AppendCheckpoints(c.Checkpoints, day, c.PerCheckpoint, c.EveryDays, posted, now)
		if due == nil {
			if due, err = dueBucket(g.tx); err != nil {
				return err
			}
		}
		for _, cp := range c.Checkpoints[before:] {
			if err := due.Put(dueKey(cp.Opens, g.guild, cid, cp.Number), nil); err != nil {
				return err
			}
		}
		if err := putClub(g, cid, c); err != nil {
			return err
		}
	}
	return nil
}

// clubsOfStory returns the IDs of the clubs (active or ended) reading story.
func clubsOfStory(g *guildTx, sid uint64) []uint64 {
	var ids []uint64
	forEachPrefix(g.bucket(bClubStories), u64(sid), func(k, _ []byte) error {
		ids = append(ids, readU64(k, 1))
		return nil
	})
	return ids
}

// NextCheckpointDue returns the earliest time a checkpoint of any guild is
// due (false when none): one read of the due index's first key.
func (s *Store) NextCheckpointDue(ctx context.Context) (time.Time, bool, error) {
	at, ok, err := s.nextDue(ctx, bucketDue, 4)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next checkpoint due: %w", err)
	}
	return at, ok, nil
}

// DueCheckpoints returns up to limit checkpoints due at or before now, in
// time order (then guild, club, number).
func (s *Store) DueCheckpoints(ctx context.Context, now time.Time, limit int) ([]shelf.DueCheckpoint, error) {
	var out []shelf.DueCheckpoint
	err := s.dueUntil(ctx, bucketDue, 4, now, limit, func(k []byte, at time.Time) {
		out = append(out, shelf.DueCheckpoint{GuildID: shelf.FormatID(readU64(k, 1)), ClubID: shelf.FormatID(readU64(k, 2)), Number: int(readU64(k, 3)), At: at})
	})
	if err != nil {
		return nil, fmt.Errorf("due checkpoints: %w", err)
	}
	return out, nil
}

// checkpointTx opens checkpoint n of club for a change.
func checkpointTx(g *guildTx, club string, n int) (uint64, *shelf.Club, *shelf.Checkpoint, error) {
	cid, err := shelf.ParseID("club", club)
	if err != nil {
		return 0, nil, nil, err
	}
	c, err := getClub(g, cid)
	if err != nil {
		return 0, nil, nil, err
	}
	if n < 1 || n > len(c.Checkpoints) {
		return 0, nil, nil, fmt.Errorf("club %d checkpoint %d: %w", cid, n, shelf.ErrNotFound)
	}
	return cid, c, &c.Checkpoints[n-1], nil
}

// CheckpointPosting records that the bot is about to post checkpoint n's
// announcement, and returns when it first did: now on the first attempt,
// the earlier time on a retry. It records nothing once the announcement is
// posted.
func (s *Store) CheckpointPosting(ctx context.Context, guild, club string, n int, now time.Time) (time.Time, error) {
	var since time.Time
	err := s.update(ctx, guild, func(g *guildTx) error {
		cid, c, cp, err := checkpointTx(g, club, n)
		if err != nil {
			return err
		}
		if !cp.PostingSince.IsZero() || cp.MessageID != "" {
			since = cp.PostingSince
			return nil
		}
		cp.PostingSince = now.UTC()
		since = cp.PostingSince
		return putClub(g, cid, c)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("checkpoint posting: %w", err)
	}
	return since, nil
}

// CheckpointPosted records that checkpoint n's announcement is posted as
// messageID (late: after its time, the bot having been away). The
// checkpoint stays due until CheckpointDone records its thread.
func (s *Store) CheckpointPosted(ctx context.Context, guild, club string, n int, messageID string, late bool, now time.Time) error {
	err := s.update(ctx, guild, func(g *guildTx) error {
		cid, c, cp, err := checkpointTx(g, club, n)
		if err != nil {
			return err
		}
		if cp.MessageID != "" {
			return nil
		}
		cp.MessageID, cp.Late, cp.AnnouncedAt = messageID, late, now.UTC()
		return putClub(g, cid, c)
	})
	if err != nil {
		return fmt.Errorf("checkpoint posted: %w", err)
	}
	return nil
}

// CheckpointDone records checkpoint n's discussion thread and removes it
// from the due index, in one transaction: it is announced.
func (s *Store) CheckpointDone(ctx context.Context, guild, club string, n int, threadID string) error {
	return s.finishCheckpoint(ctx, guild, club, n, func(cp *shelf.Checkpoint) { cp.ThreadID = threadID })
}

// SkipCheckpoint gives up on checkpoint n (its channel is gone, say),
// recording why, and removes it from the due index.
func (s *Store) SkipCheckpoint(ctx context.Context, guild, club string, n int, reason string) error {
	if reason == "" {
		reason = "skipped"
	}
	return s.finishCheckpoint(ctx, guild, club, n, func(cp *shelf.Checkpoint) { cp.Skipped = shelf.Truncate(reason, 200) })
}

func (s *Store) finishCheckpoint(ctx context.Context, guild, club string, n int, set func(*shelf.Checkpoint)) error {
	err := s.update(ctx, guild, func(g *guildTx) error {
		cid, c, cp, err := checkpointTx(g, club, n)
		if err != nil {
			return err
		}
		due, err := dueBucket(g.tx)
		if err != nil {
			return err
		}
		if err := due.Delete(dueKey(cp.Opens, g.guild, cid, n)); err != nil {
			return err
		}
		if cp.Done() {
			return nil
		}
		set(cp)
		return putClub(g, cid, c)
	})
	if err != nil {
		return fmt.Errorf("finish checkpoint: %w", err)
	}
	return nil
}

// DropDueCheckpoint removes a due entry that names no checkpoint to
// announce (its club is gone or ended), so the scheduler moves on.
func (s *Store) DropDueCheckpoint(ctx context.Context, d shelf.DueCheckpoint) error {
	g, err := shelf.ParseID("guild", d.GuildID)
	if err != nil {
		return err
	}
	c, err := shelf.ParseID("club", d.ClubID)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		s.countCommit(tx, false)
		b := tx.Bucket(bucketDue)
		if b == nil {
			return nil
		}
		return b.Delete(dueKey(d.At, g, c, d.Number))
	})
	if err != nil {
		return fmt.Errorf("drop due checkpoint: %w", engineErr(err))
	}
	return nil
}

// endClubsOfStory ends the active clubs reading a story being removed, in
// RemoveStory's transaction.
func endClubsOfStory(g *guildTx, story uint64) error {
	for _, cid := range clubsOfStory(g, story) {
		c, err := getClub(g, cid)
		if err != nil {
			return err
		}
		if c.Active() {
			// The story is gone: the club ends (at its last change, as
			// the store has no clock of its own here).
			if err := endClubTx(g, cid, c, "story removed", time.Now()); err != nil {
				return err
			}
		}
	}
	return nil
}

// exportMemberClubs is user's club data for ExportMember; nil when none.
func exportMemberClubs(g *guildTx, user uint64) ([]shelf.ClubExport, error) {
	var out []shelf.ClubExport
	err := forEachPrefix(g.bucket(bClubByMember), u64(user), func(k, _ []byte) error {
		cid := readU64(k, 1)
		c, err := getClub(g, cid)
		if err != nil {
			return err
		}
		v := g.get(bClubMembers, key(cid, user))
		if v == nil {
			return nil
		}
		m, err := decodeMember(user, v)
		if err != nil {
			return err
		}
		out = append(out, shelf.ClubExport{ClubID: c.ID, Name: c.Name, Story: c.StoryTitle, Host: c.HostID == shelf.FormatID(user),
			JoinedAt: m.JoinedAt, Chapter: m.Chapter, Active: c.Active()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// deleteMemberClubs removes user's club memberships and progress, in
// DeleteMember's transaction.
func deleteMemberClubs(g *guildTx, user uint64) error {
	keys, err := deletePrefix(g.bucket(bClubByMember), u64(user))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := g.bucket(bClubMembers).Delete(key(readU64(k, 1), user)); err != nil {
			return err
		}
	}
	return nil
}
