package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
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

// Club errors; test with errors.Is.
var (
	// ErrClubActive means the channel already has an active club.
	ErrClubActive = errors.New("channel already has an active club")
	// ErrNotMember means the member has not joined the club.
	ErrNotMember = errors.New("not a member of the club")
	// ErrClubEnded means the club has ended.
	ErrClubEnded = errors.New("club has ended")
)

// MaxCheckpoints bounds one club's schedule.
const MaxCheckpoints = 1000

// Club is a reading club: who reads what, where, on which schedule.
type Club struct {
	ID            string       `json:"id"`
	GuildID       string       `json:"guild_id"`
	ChannelID     string       `json:"channel_id"`
	StoryID       string       `json:"story_id"`
	StoryTitle    string       `json:"story_title"`
	Name          string       `json:"name"`
	HostID        string       `json:"host_id"`
	PerCheckpoint int          `json:"per_checkpoint"` // chapters per checkpoint
	EveryDays     int          `json:"every_days"`
	Starts        string       `json:"starts"`   // YYYY-MM-DD, first checkpoint's date
	Timezone      string       `json:"timezone"` // IANA name the dates are in
	CreatedAt     time.Time    `json:"created_at"`
	EndedAt       time.Time    `json:"ended_at,omitzero"` // zero while active
	EndedBy       string       `json:"ended_by,omitempty"`
	Checkpoints   []Checkpoint `json:"checkpoints"`
}

// Active reports whether the club has not ended.
func (c *Club) Active() bool { return c.EndedAt.IsZero() }

// Chapters returns how many chapters the schedule covers.
func (c *Club) Chapters() int {
	if len(c.Checkpoints) == 0 {
		return 0
	}
	return c.Checkpoints[len(c.Checkpoints)-1].Last
}

// Checkpoint is one step of a club's schedule: chapters First..Last,
// opening at Opens (midnight in the club's time zone, or the moment it
// was added for chapters published after the schedule ran out).
type Checkpoint struct {
	Number int       `json:"n"`
	First  int       `json:"first"`
	Last   int       `json:"last"`
	Opens  time.Time `json:"opens"`
	// MessageID is the announcement, once posted; ThreadID its discussion
	// thread, once opened. A checkpoint is announced when ThreadID is set
	// (or Skipped says why it never will be).
	MessageID   string    `json:"message_id,omitempty"`
	ThreadID    string    `json:"thread_id,omitempty"`
	AnnouncedAt time.Time `json:"announced_at,omitzero"`
	// PostingSince is when the bot first tried to post the announcement
	// (CheckpointPosting), zero before. An attempt may have posted it
	// without MessageID being recorded (a crash in between): the retry
	// looks for it in the channel once Discord's nonce no longer would.
	// Records written before this field existed read it as zero.
	PostingSince time.Time `json:"posting_since,omitzero"`
	Late         bool      `json:"late,omitempty"`
	Skipped      string    `json:"skipped,omitempty"`
}

// Done reports whether the checkpoint needs no more work.
func (c *Checkpoint) Done() bool { return c.ThreadID != "" || c.Skipped != "" }

// ClubMember is one member's place in a club.
type ClubMember struct {
	UserID    string    `json:"user_id"`
	JoinedAt  time.Time `json:"joined_at"`
	Chapter   int       `json:"chapter"` // last chapter read, 0 = none yet
	UpdatedAt time.Time `json:"updated_at"`
}

// ClubStart describes a new club.
type ClubStart struct {
	ChannelID     string
	StoryID       string
	Name          string // "" = the story's title
	HostID        string
	PerCheckpoint int    // ≥ 1
	EveryDays     int    // ≥ 1
	Starts        string // YYYY-MM-DD in Timezone
	Timezone      string // IANA; "" = UTC
	Now           time.Time
}

// DueCheckpoint names a checkpoint whose time has come.
type DueCheckpoint struct {
	GuildID string
	ClubID  string
	Number  int
	At      time.Time
}

// PlanCheckpoints builds a schedule: checkpoint k covers chapters
// (k-1)*per+1 .. min(k*per, chapters) and opens at 00:00 in loc on
// starts + (k-1)*every days. starts is YYYY-MM-DD.
func PlanCheckpoints(starts string, loc *time.Location, per, every, chapters int) ([]Checkpoint, error) {
	if per < 1 || every < 1 {
		return nil, fmt.Errorf("plan checkpoints: chapters %d, every %d: %w", per, every, ErrInvalid)
	}
	day, err := time.ParseInLocation("2006-01-02", starts, loc)
	if err != nil {
		return nil, fmt.Errorf("plan checkpoints: start date %q: %w", truncate(starts, 20), ErrInvalid)
	}
	return appendCheckpoints(nil, day, per, every, chapters, time.Time{}), nil
}

// appendCheckpoints extends cps up to chapters: a last checkpoint that is
// short and not yet announced grows first, then new ones follow on the
// grid (never opening before notBefore).
func appendCheckpoints(cps []Checkpoint, day time.Time, per, every, chapters int, notBefore time.Time) []Checkpoint {
	last := 0
	if n := len(cps); n > 0 {
		lc := &cps[n-1]
		last = lc.Last
		if lc.MessageID == "" && !lc.Done() && lc.Last-lc.First+1 < per && chapters > lc.Last {
			lc.Last = min(lc.First+per-1, chapters)
			last = lc.Last
		}
	}
	for last < chapters && len(cps) < MaxCheckpoints {
		k := len(cps) + 1
		y, m, d := day.Date()
		opens := time.Date(y, m, d+(k-1)*every, 0, 0, 0, 0, day.Location())
		if opens.Before(notBefore) {
			opens = notBefore
		}
		cp := Checkpoint{Number: k, First: last + 1, Last: min(last+per, chapters), Opens: opens.UTC()}
		cps = append(cps, cp)
		last = cp.Last
	}
	return cps
}

func loadZone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", truncate(tz, 60), ErrInvalid)
	}
	return loc, nil
}

func dueKey(at time.Time, guild, club uint64, n int) []byte {
	return key(uint64(at.UnixNano()), guild, club, uint64(n))
}

func dueBucket(tx *bolt.Tx) (*bolt.Bucket, error) {
	if b := tx.Bucket(bucketDue); b != nil {
		return b, nil
	}
	return tx.CreateBucket(bucketDue)
}

func getClub(g *guildTx, id uint64) (*Club, error) {
	v := g.get(bClubs, u64(id))
	if v == nil {
		return nil, fmt.Errorf("club %d: %w", id, ErrNotFound)
	}
	var c Club
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("club %d: %w", id, err)
	}
	return &c, nil
}

func putClub(g *guildTx, id uint64, c *Club) error {
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return g.bucket(bClubs).Put(u64(id), v)
}

// StartClub creates a club in p.ChannelID reading p.StoryID, hosted (and
// joined) by p.HostID, with its schedule up to the story's posted chapters,
// and indexes its checkpoints as due. ErrClubActive (wrapped, with the
// active club returned) when the channel has one; ErrNotFound when the
// story does not exist; ErrInvalid for bad numbers, date or zone.
func (s *Store) StartClub(guild string, p ClubStart) (Club, error) {
	var out Club
	err := func() error {
		ch, err := parseSnowflake("channel", p.ChannelID)
		if err != nil {
			return err
		}
		host, err := parseSnowflake("user", p.HostID)
		if err != nil {
			return err
		}
		sid, err := parseStoryID(p.StoryID)
		if err != nil {
			return err
		}
		loc, err := loadZone(p.Timezone)
		if err != nil {
			return err
		}
		if p.Timezone == "" {
			p.Timezone = "UTC"
		}
		return s.update(guild, func(g *guildTx) error {
			if v := g.get(bClubChannels, u64(ch)); len(v) == 8 {
				c, err := getClub(g, readU64(v, 0))
				if err != nil {
					return err
				}
				out = *c
				return fmt.Errorf("channel %d: %w", ch, ErrClubActive)
			}
			hv := g.get(bHeads, u64(sid))
			if hv == nil {
				return fmt.Errorf("story %d: %w", sid, ErrNotFound)
			}
			h, err := decodeHead(hv)
			if err != nil {
				return err
			}
			posted := max(h.chaptersPosted, chapterCount(g, sid))
			if posted < 1 {
				return fmt.Errorf("story %d has no chapters: %w", sid, ErrInvalid)
			}
			cps, err := PlanCheckpoints(p.Starts, loc, p.PerCheckpoint, p.EveryDays, posted)
			if err != nil {
				return err
			}
			seq, err := g.bucket(bClubs).NextSequence()
			if err != nil {
				return err
			}
			name := p.Name
			if name == "" {
				name = h.title
			}
			c := Club{
				ID: formatID(seq), GuildID: formatID(g.guild), ChannelID: formatID(ch), StoryID: formatID(sid),
				StoryTitle: h.title, Name: name, HostID: formatID(host), PerCheckpoint: p.PerCheckpoint,
				EveryDays: p.EveryDays, Starts: p.Starts, Timezone: p.Timezone, CreatedAt: p.Now.UTC(), Checkpoints: cps,
			}
			if err := putClub(g, seq, &c); err != nil {
				return err
			}
			if err := g.bucket(bClubChannels).Put(u64(ch), u64(seq)); err != nil {
				return err
			}
			if err := g.bucket(bClubStories).Put(key(sid, seq), nil); err != nil {
				return err
			}
			if err := putMember(g, seq, ClubMember{UserID: formatID(host), JoinedAt: p.Now.UTC(), UpdatedAt: p.Now.UTC()}); err != nil {
				return err
			}
			due, err := dueBucket(g.tx)
			if err != nil {
				return err
			}
			for _, cp := range cps {
				if err := due.Put(dueKey(cp.Opens, g.guild, seq, cp.Number), nil); err != nil {
					return err
				}
			}
			out = c
			return nil
		})
	}()
	if err != nil {
		return out, fmt.Errorf("start club: %w", err)
	}
	return out, nil
}

// chapterCount counts story's stored chapters (for stories whose
// metadata did not say how many are posted).
func chapterCount(g *guildTx, sid uint64) int {
	n := 0
	forEachPrefix(g.bucket(bChapters), u64(sid), func(_, _ []byte) error { n++; return nil })
	return n
}

// ActiveClub returns the active club of a channel; ErrNotFound when none.
func (s *Store) ActiveClub(guild, channel string) (Club, error) {
	var out Club
	err := func() error {
		ch, err := parseSnowflake("channel", channel)
		if err != nil {
			return err
		}
		return s.view(guild, func(g *guildTx) error {
			v := g.get(bClubChannels, u64(ch))
			if len(v) != 8 {
				return fmt.Errorf("channel %d: %w", ch, ErrNotFound)
			}
			c, err := getClub(g, readU64(v, 0))
			if err != nil {
				return err
			}
			out = *c
			return nil
		})
	}()
	if err != nil {
		return Club{}, fmt.Errorf("active club: %w", err)
	}
	return out, nil
}

// Club returns a club (active or ended) by ID.
func (s *Store) Club(guild, id string) (Club, error) {
	var out Club
	err := func() error {
		cid, err := parseSnowflake("club", id)
		if err != nil {
			return err
		}
		return s.view(guild, func(g *guildTx) error {
			c, err := getClub(g, cid)
			if err != nil {
				return err
			}
			out = *c
			return nil
		})
	}()
	if err != nil {
		return Club{}, fmt.Errorf("club: %w", err)
	}
	return out, nil
}

func encodeMember(m ClubMember) []byte {
	b := []byte{codecV1}
	b = binary.AppendVarint(b, m.JoinedAt.UnixNano())
	b = binary.AppendUvarint(b, uint64(m.Chapter))
	b = binary.AppendVarint(b, m.UpdatedAt.UnixNano())
	return b
}

func decodeMember(user uint64, v []byte) (ClubMember, error) {
	d := decoder{b: v}
	if err := d.version("club member"); err != nil {
		return ClubMember{}, err
	}
	m := ClubMember{UserID: formatID(user)}
	m.JoinedAt = fromNanos(d.int())
	m.Chapter = int(d.uint())
	m.UpdatedAt = fromNanos(d.int())
	return m, d.done("club member")
}

func putMember(g *guildTx, club uint64, m ClubMember) error {
	uid, err := parseSnowflake("user", m.UserID)
	if err != nil {
		return err
	}
	if err := g.bucket(bClubMembers).Put(key(club, uid), encodeMember(m)); err != nil {
		return err
	}
	return g.bucket(bClubByMember).Put(key(uid, club), nil)
}

// activeClubTx opens club id for a member's change: ErrClubEnded when over.
func activeClubTx(g *guildTx, id string) (uint64, *Club, error) {
	cid, err := parseSnowflake("club", id)
	if err != nil {
		return 0, nil, err
	}
	c, err := getClub(g, cid)
	if err != nil {
		return 0, nil, err
	}
	if !c.Active() {
		return 0, nil, fmt.Errorf("club %d: %w", cid, ErrClubEnded)
	}
	return cid, c, nil
}

// JoinClub adds user to club; joined is false when they already were in
// it. ErrClubEnded for an ended club.
func (s *Store) JoinClub(guild, club, user string, now time.Time) (joined bool, err error) {
	err = func() error {
		uid, err := parseSnowflake("user", user)
		if err != nil {
			return err
		}
		return s.update(guild, func(g *guildTx) error {
			cid, _, err := activeClubTx(g, club)
			if err != nil {
				return err
			}
			if g.get(bClubMembers, key(cid, uid)) != nil {
				return nil
			}
			joined = true
			return putMember(g, cid, ClubMember{UserID: formatID(uid), JoinedAt: now.UTC(), UpdatedAt: now.UTC()})
		})
	}()
	if err != nil {
		return false, fmt.Errorf("join club: %w", err)
	}
	return joined, nil
}

// LeaveClub removes user from club (their progress goes with them);
// ErrNotMember when they were not in it.
func (s *Store) LeaveClub(guild, club, user string) error {
	err := func() error {
		uid, err := parseSnowflake("user", user)
		if err != nil {
			return err
		}
		return s.update(guild, func(g *guildTx) error {
			cid, _, err := activeClubTx(g, club)
			if err != nil {
				return err
			}
			if g.get(bClubMembers, key(cid, uid)) == nil {
				return ErrNotMember
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
// chapters; ErrInvalid otherwise). ErrNotMember when they have not joined.
func (s *Store) SetClubProgress(guild, club, user string, chapter int, now time.Time) error {
	err := func() error {
		uid, err := parseSnowflake("user", user)
		if err != nil {
			return err
		}
		return s.update(guild, func(g *guildTx) error {
			cid, c, err := activeClubTx(g, club)
			if err != nil {
				return err
			}
			if chapter < 0 || chapter > c.Chapters() {
				return fmt.Errorf("chapter %d of %d: %w", chapter, c.Chapters(), ErrInvalid)
			}
			v := g.get(bClubMembers, key(cid, uid))
			if v == nil {
				return ErrNotMember
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
func (s *Store) ClubMembers(guild, club string) ([]ClubMember, error) {
	var out []ClubMember
	err := func() error {
		cid, err := parseSnowflake("club", club)
		if err != nil {
			return err
		}
		return s.view(guild, func(g *guildTx) error {
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

func sortMembers(ms []ClubMember) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].JoinedAt.Before(ms[j-1].JoinedAt); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// endClubTx ends club cid: no more checkpoints, the channel is free.
func endClubTx(g *guildTx, cid uint64, c *Club, by string, now time.Time) error {
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
	ch, err := parseSnowflake("channel", c.ChannelID)
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
// checkpoints stay as history. ErrClubEnded when it already ended.
func (s *Store) EndClub(guild, club, by string, now time.Time) (Club, error) {
	var out Club
	err := s.update(guild, func(g *guildTx) error {
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
		return Club{}, fmt.Errorf("end club: %w", err)
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
	var due *bolt.Bucket
	for _, cid := range clubsOfStory(g, sid) {
		c, err := getClub(g, cid)
		if err != nil {
			return err
		}
		if !c.Active() || posted <= c.Chapters() {
			continue
		}
		loc, err := loadZone(c.Timezone)
		if err != nil {
			return err
		}
		day, err := time.ParseInLocation("2006-01-02", c.Starts, loc)
		if err != nil {
			return fmt.Errorf("club %d start date: %w", cid, err)
		}
		// A grown short checkpoint keeps its time and due key.
		before := len(c.Checkpoints)
		c.Checkpoints = appendCheckpoints(c.Checkpoints, day, c.PerCheckpoint, c.EveryDays, posted, now)
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
func (s *Store) NextCheckpointDue() (time.Time, bool, error) {
	var (
		at time.Time
		ok bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDue)
		if b == nil {
			return nil
		}
		k, _ := b.Cursor().First()
		if len(k) == 32 {
			at, ok = time.Unix(0, int64(readU64(k, 0))).UTC(), true
		}
		return nil
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next checkpoint due: %w", engineErr(err))
	}
	return at, ok, nil
}

// DueCheckpoints returns up to limit checkpoints due at or before now, in
// time order (then guild, club, number).
func (s *Store) DueCheckpoints(now time.Time, limit int) ([]DueCheckpoint, error) {
	var out []DueCheckpoint
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDue)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, _ := c.First(); len(k) == 32 && len(out) < limit; k, _ = c.Next() {
			at := time.Unix(0, int64(readU64(k, 0))).UTC()
			if at.After(now) {
				break
			}
			out = append(out, DueCheckpoint{GuildID: formatID(readU64(k, 1)), ClubID: formatID(readU64(k, 2)), Number: int(readU64(k, 3)), At: at})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due checkpoints: %w", engineErr(err))
	}
	return out, nil
}

// checkpointTx opens checkpoint n of club for a change.
func checkpointTx(g *guildTx, club string, n int) (uint64, *Club, *Checkpoint, error) {
	cid, err := parseSnowflake("club", club)
	if err != nil {
		return 0, nil, nil, err
	}
	c, err := getClub(g, cid)
	if err != nil {
		return 0, nil, nil, err
	}
	if n < 1 || n > len(c.Checkpoints) {
		return 0, nil, nil, fmt.Errorf("club %d checkpoint %d: %w", cid, n, ErrNotFound)
	}
	return cid, c, &c.Checkpoints[n-1], nil
}

// CheckpointPosting records that the bot is about to post checkpoint n's
// announcement, and returns when it first did: now on the first attempt,
// the earlier time on a retry. It records nothing once the announcement is
// posted.
func (s *Store) CheckpointPosting(guild, club string, n int, now time.Time) (time.Time, error) {
	var since time.Time
	err := s.update(guild, func(g *guildTx) error {
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
func (s *Store) CheckpointPosted(guild, club string, n int, messageID string, late bool, now time.Time) error {
	err := s.update(guild, func(g *guildTx) error {
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
func (s *Store) CheckpointDone(guild, club string, n int, threadID string) error {
	return s.finishCheckpoint(guild, club, n, func(cp *Checkpoint) { cp.ThreadID = threadID })
}

// SkipCheckpoint gives up on checkpoint n (its channel is gone, say),
// recording why, and removes it from the due index.
func (s *Store) SkipCheckpoint(guild, club string, n int, reason string) error {
	if reason == "" {
		reason = "skipped"
	}
	return s.finishCheckpoint(guild, club, n, func(cp *Checkpoint) { cp.Skipped = truncate(reason, 200) })
}

func (s *Store) finishCheckpoint(guild, club string, n int, set func(*Checkpoint)) error {
	err := s.update(guild, func(g *guildTx) error {
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
func (s *Store) DropDueCheckpoint(d DueCheckpoint) error {
	g, err := parseSnowflake("guild", d.GuildID)
	if err != nil {
		return err
	}
	c, err := parseSnowflake("club", d.ClubID)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
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

// clubExport is a member's club data in /mydata export.
type clubExport struct {
	ClubID   string    `json:"club_id"`
	Name     string    `json:"name"`
	Story    string    `json:"story"`
	Host     bool      `json:"host,omitempty"`
	JoinedAt time.Time `json:"joined_at"`
	Chapter  int       `json:"chapter_read"`
	Active   bool      `json:"active"`
}

func init() {
	registerStoryUpdated(func(g *guildTx, story uint64, _, _ int, now time.Time) error {
		return extendClubs(g, story, now)
	})
	registerStoryCleanup(func(g *guildTx, story uint64) error {
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
	})
	registerMemberHook(memberHook{
		name: "clubs",
		export: func(g *guildTx, user uint64) (any, error) {
			var out []clubExport
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
				out = append(out, clubExport{ClubID: c.ID, Name: c.Name, Story: c.StoryTitle, Host: c.HostID == formatID(user),
					JoinedAt: m.JoinedAt, Chapter: m.Chapter, Active: c.Active()})
				return nil
			})
			if err != nil || out == nil {
				return nil, err
			}
			return out, nil
		},
		delete: func(g *guildTx, user uint64) error {
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
		},
	})
}
