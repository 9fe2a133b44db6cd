package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// A club is one row: its document (the shelf.Club with its checkpoints)
// plus the columns the constraints need — the partial unique index on
// (guild, channel) WHERE active holds "one active club per channel" for
// every process. Whoever changes a club's checkpoints locks its row first
// (SELECT … FOR UPDATE), so a checkpoint is recorded posted or done once.
// club_due holds one row per checkpoint still to announce.

func getClub(ctx context.Context, tx pgx.Tx, gid, cid int64, lock bool) (*shelf.Club, error) {
	sql := `SELECT doc FROM clubs WHERE guild = $1 AND id = $2`
	if lock {
		sql += ` FOR UPDATE`
	}
	var doc []byte
	if err := tx.QueryRow(ctx, sql, gid, cid).Scan(&doc); err != nil {
		return nil, notFound(err, "club %d", cid)
	}
	var c shelf.Club
	if err := json.Unmarshal(doc, &c); err != nil {
		return nil, fmt.Errorf("club %d: %w", cid, err)
	}
	return &c, nil
}

func putClub(ctx context.Context, tx pgx.Tx, gid, cid int64, c *shelf.Club) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE clubs SET doc = $3, active = $4 WHERE guild = $1 AND id = $2`, gid, cid, doc, c.Active())
	return err
}

func addDue(ctx context.Context, tx pgx.Tx, gid, cid int64, cps []shelf.Checkpoint) error {
	if len(cps) == 0 {
		return nil
	}
	ns := make([]int32, len(cps))
	opens := make([]int64, len(cps))
	for i, cp := range cps {
		ns[i], opens[i] = int32(cp.Number), cp.Opens.UnixNano()
	}
	_, err := tx.Exec(ctx, `INSERT INTO club_due (guild, club, n, opens)
		SELECT $1, $2, n, o FROM unnest($3::int4[], $4::int8[]) AS t(n, o)
		ON CONFLICT (guild, club, n) DO UPDATE SET opens = excluded.opens`, gid, cid, ns, opens)
	return err
}

// StartClub creates a club; ErrClubActive (with the active club) when the
// channel has one, also when another process starts one at the same time.
func (s *Store) StartClub(ctx context.Context, guild string, p shelf.ClubStart) (shelf.Club, error) {
	fail := func(err error) (shelf.Club, error) { return shelf.Club{}, fmt.Errorf("start club: %w", err) }
	gid, err := parseGuild(guild)
	if err != nil {
		return fail(err)
	}
	ch, err := parseID("channel", p.ChannelID)
	if err != nil {
		return fail(err)
	}
	a, err := parseClubStart(p)
	if err != nil {
		return fail(err)
	}
	var out shelf.Club
	err = s.txRaced(ctx, "start club", func(tx pgx.Tx) error {
		c, err := startClubTx(ctx, tx, gid, ch, a)
		out = c
		return err
	})
	return out, err
}

// clubStart is a shelf.ClubStart checked before its transaction: its
// host and story IDs parsed, its zone loaded (p.Timezone set).
type clubStart struct {
	p         shelf.ClubStart
	host, sid int64
	loc       *time.Location
}

// parseClubStart checks p's host, story and zone (the channel is the
// caller's: a poll's club starts in the poll's channel).
func parseClubStart(p shelf.ClubStart) (clubStart, error) {
	host, err := parseID("user", p.HostID)
	if err != nil {
		return clubStart{}, err
	}
	sid, err := parseID("story", p.StoryID)
	if err != nil {
		return clubStart{}, err
	}
	loc, err := p.Zone()
	if err != nil {
		return clubStart{}, err
	}
	return clubStart{p: p, host: host, sid: sid, loc: loc}, nil
}

// startClubTx is StartClub's transaction, in channel ch; on
// shelf.ErrClubActive it returns the active club.
func startClubTx(ctx context.Context, tx pgx.Tx, gid, ch int64, a clubStart) (shelf.Club, error) {
	p, host, sid := a.p, a.host, a.sid
	var (
		out shelf.Club
		doc []byte
	)
	err := tx.QueryRow(ctx, `SELECT doc FROM clubs WHERE guild = $1 AND channel = $2 AND active`, gid, ch).Scan(&doc)
	if err == nil {
		if err := json.Unmarshal(doc, &out); err != nil {
			return shelf.Club{}, err
		}
		return out, fmt.Errorf("channel %d: %w", ch, shelf.ErrClubActive)
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return shelf.Club{}, err
	}
	var (
		title          string
		posted, stored int
	)
	if err := tx.QueryRow(ctx, `SELECT title, chapters_posted, chapter_count FROM stories
				WHERE guild = $1 AND id = $2 FOR KEY SHARE`, gid, sid).Scan(&title, &posted, &stored); err != nil {
		return shelf.Club{}, notFound(err, "story %d", sid)
	}
	posted = max(posted, stored)
	if posted < 1 {
		return shelf.Club{}, fmt.Errorf("story %d has no chapters: %w", sid, shelf.ErrInvalid)
	}
	cps, err := shelf.PlanCheckpoints(p.Starts, a.loc, p.PerCheckpoint, p.EveryDays, posted)
	if err != nil {
		return shelf.Club{}, err
	}
	cid, err := nextID(ctx, tx, gid, "clubs")
	if err != nil {
		return shelf.Club{}, err
	}
	name := p.Name
	if name == "" {
		name = title
	}
	c := shelf.Club{
		ID: fmtID(cid), GuildID: fmtID(gid), ChannelID: fmtID(ch), StoryID: fmtID(sid),
		StoryTitle: title, Name: name, HostID: fmtID(host), PerCheckpoint: p.PerCheckpoint,
		EveryDays: p.EveryDays, Starts: p.Starts, Timezone: p.Timezone, CreatedAt: p.Now.UTC(), Checkpoints: cps,
		Gated: p.Gated, Events: p.Events,
	}
	if doc, err = json.Marshal(&c); err != nil {
		return shelf.Club{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO clubs (guild, id, channel, story, active, doc) VALUES ($1, $2, $3, $4, true, $5)`,
		gid, cid, ch, sid, doc); err != nil {
		return shelf.Club{}, err
	}
	now := p.Now.UnixNano()
	if _, err := tx.Exec(ctx, `INSERT INTO club_members (guild, club, user_id, joined_at, chapter, updated_at)
				VALUES ($1, $2, $3, $4, 0, $4)`, gid, cid, host, now); err != nil {
		return shelf.Club{}, err
	}
	if err := addDue(ctx, tx, gid, cid, cps); err != nil {
		return shelf.Club{}, err
	}
	return c, nil
}

// ActiveClub returns the channel's active club.
func (s *Store) ActiveClub(ctx context.Context, guild, channel string) (shelf.Club, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("active club: %w", err)
	}
	ch, err := parseID("channel", channel)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("active club: %w", err)
	}
	return s.clubWhere(ctx, "active club", `guild = $1 AND channel = $2 AND active`, gid, ch)
}

// Club returns a club, active or ended.
func (s *Store) Club(ctx context.Context, guild, id string) (shelf.Club, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("club: %w", err)
	}
	cid, err := parseID("club", id)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("club: %w", err)
	}
	return s.clubWhere(ctx, "club", `guild = $1 AND id = $2`, gid, cid)
}

func (s *Store) clubWhere(ctx context.Context, what, where string, a, b int64) (shelf.Club, error) {
	if s.closed.Load() {
		return shelf.Club{}, fmt.Errorf("%s: %w", what, shelf.ErrClosed)
	}
	var doc []byte
	if err := s.db.QueryRow(ctx, `SELECT doc FROM clubs WHERE `+where, a, b).Scan(&doc); err != nil {
		return shelf.Club{}, fmt.Errorf("%s: %w", what, s.mapErr(notFound(err, "%d", b)))
	}
	var c shelf.Club
	if err := json.Unmarshal(doc, &c); err != nil {
		return shelf.Club{}, fmt.Errorf("%s: %w", what, err)
	}
	return c, nil
}

// activeClub reads and share-locks an active club.
func activeClub(ctx context.Context, tx pgx.Tx, gid int64, club string) (int64, *shelf.Club, error) {
	cid, err := parseID("club", club)
	if err != nil {
		return 0, nil, err
	}
	var doc []byte
	if err := tx.QueryRow(ctx, `SELECT doc FROM clubs WHERE guild = $1 AND id = $2 FOR SHARE`, gid, cid).Scan(&doc); err != nil {
		return 0, nil, notFound(err, "club %d", cid)
	}
	var c shelf.Club
	if err := json.Unmarshal(doc, &c); err != nil {
		return 0, nil, err
	}
	if !c.Active() {
		return 0, nil, fmt.Errorf("club %d: %w", cid, shelf.ErrClubEnded)
	}
	return cid, &c, nil
}

// JoinClub adds user to an active club.
func (s *Store) JoinClub(ctx context.Context, guild, club, user string, now time.Time) (bool, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return false, fmt.Errorf("join club: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return false, fmt.Errorf("join club: %w", err)
	}
	var joined bool
	err = s.tx(ctx, "join club", func(tx pgx.Tx) error {
		cid, _, err := activeClub(ctx, tx, gid, club)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO club_members (guild, club, user_id, joined_at, chapter, updated_at)
			VALUES ($1, $2, $3, $4, 0, $4) ON CONFLICT DO NOTHING`, gid, cid, uid, now.UnixNano())
		joined = err == nil && tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return false, err
	}
	return joined, nil
}

// LeaveClub removes user from an active club.
func (s *Store) LeaveClub(ctx context.Context, guild, club, user string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("leave club: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("leave club: %w", err)
	}
	return s.tx(ctx, "leave club", func(tx pgx.Tx) error {
		cid, _, err := activeClub(ctx, tx, gid, club)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM club_members WHERE guild = $1 AND club = $2 AND user_id = $3`, gid, cid, uid)
		if err == nil && tag.RowsAffected() == 0 {
			return shelf.ErrNotMember
		}
		return err
	})
}

// SetClubProgress records the last chapter user has read.
func (s *Store) SetClubProgress(ctx context.Context, guild, club, user string, chapter int, now time.Time) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("club progress: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("club progress: %w", err)
	}
	return s.tx(ctx, "club progress", func(tx pgx.Tx) error {
		cid, c, err := activeClub(ctx, tx, gid, club)
		if err != nil {
			return err
		}
		if chapter < 0 || chapter > c.Chapters() {
			return fmt.Errorf("chapter %d of %d: %w", chapter, c.Chapters(), shelf.ErrInvalid)
		}
		tag, err := tx.Exec(ctx, `UPDATE club_members SET chapter = $4, updated_at = $5
			WHERE guild = $1 AND club = $2 AND user_id = $3`, gid, cid, uid, chapter, now.UnixNano())
		if err == nil && tag.RowsAffected() == 0 {
			return shelf.ErrNotMember
		}
		return err
	})
}

// ClubMembers lists a club's members in join order, ties by user ID.
func (s *Store) ClubMembers(ctx context.Context, guild, club string) ([]shelf.ClubMember, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("club members: %w", err)
	}
	cid, err := parseID("club", club)
	if err != nil {
		return nil, fmt.Errorf("club members: %w", err)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("club members: %w", shelf.ErrClosed)
	}
	rows, err := s.db.Query(ctx, `SELECT user_id, joined_at, chapter, updated_at FROM club_members
		WHERE guild = $1 AND club = $2 ORDER BY joined_at, user_id`, gid, cid)
	if err != nil {
		return nil, fmt.Errorf("club members: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.ClubMember
	for rows.Next() {
		var u, j, up int64
		var ch int
		if err := rows.Scan(&u, &j, &ch, &up); err != nil {
			return nil, fmt.Errorf("club members: %w", err)
		}
		out = append(out, shelf.ClubMember{UserID: fmtID(u), JoinedAt: fromNanos(j), Chapter: ch, UpdatedAt: fromNanos(up)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("club members: %w", s.mapErr(err))
	}
	return out, nil
}

func endClubTx(ctx context.Context, tx pgx.Tx, gid, cid int64, c *shelf.Club, by string, now time.Time) error {
	c.EndedAt, c.EndedBy = now.UTC(), by
	if _, err := tx.Exec(ctx, `DELETE FROM club_due WHERE guild = $1 AND club = $2`, gid, cid); err != nil {
		return err
	}
	return putClub(ctx, tx, gid, cid, c)
}

// EndClub ends an active club.
func (s *Store) EndClub(ctx context.Context, guild, club, by string, now time.Time) (shelf.Club, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("end club: %w", err)
	}
	cid, err := parseID("club", club)
	if err != nil {
		return shelf.Club{}, fmt.Errorf("end club: %w", err)
	}
	var out shelf.Club
	err = s.tx(ctx, "end club", func(tx pgx.Tx) error {
		c, err := getClub(ctx, tx, gid, cid, true)
		if err != nil {
			return err
		}
		if !c.Active() {
			return fmt.Errorf("club %d: %w", cid, shelf.ErrClubEnded)
		}
		if err := endClubTx(ctx, tx, gid, cid, c, by, now); err != nil {
			return err
		}
		out = *c
		return nil
	})
	return out, err
}

// clubsOfStory locks and returns the active clubs reading story.
func clubsOfStory(ctx context.Context, tx pgx.Tx, gid, sid int64) (map[int64]*shelf.Club, []int64, error) {
	rows, err := tx.Query(ctx, `SELECT id, doc FROM clubs WHERE guild = $1 AND story = $2 AND active ORDER BY id FOR UPDATE`, gid, sid)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	m := map[int64]*shelf.Club{}
	var ids []int64
	for rows.Next() {
		var id int64
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, nil, err
		}
		var c shelf.Club
		if err := json.Unmarshal(doc, &c); err != nil {
			return nil, nil, err
		}
		m[id] = &c
		ids = append(ids, id)
	}
	return m, ids, rows.Err()
}

// extendClubs extends the schedules of the active clubs reading story up to
// its posted chapters, none opening before now (UpdateStory's transaction).
func extendClubs(ctx context.Context, tx pgx.Tx, gid, sid int64, now time.Time) error {
	var posted, stored int
	if err := tx.QueryRow(ctx, `SELECT chapters_posted, chapter_count FROM stories WHERE guild = $1 AND id = $2`,
		gid, sid).Scan(&posted, &stored); err != nil {
		return notFound(err, "story %d", sid)
	}
	posted = max(posted, stored)
	clubs, ids, err := clubsOfStory(ctx, tx, gid, sid)
	if err != nil {
		return err
	}
	for _, cid := range ids {
		c := clubs[cid]
		if posted <= c.Chapters() {
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
		before := len(c.Checkpoints)
		c.Checkpoints = shelf.AppendCheckpoints(c.Checkpoints, day, c.PerCheckpoint, c.EveryDays, posted, now)
		if err := addDue(ctx, tx, gid, cid, c.Checkpoints[before:]); err != nil {
			return err
		}
		if err := putClub(ctx, tx, gid, cid, c); err != nil {
			return err
		}
	}
	return nil
}

// endStoryClubs ends the active clubs reading a removed story.
func endStoryClubs(ctx context.Context, tx pgx.Tx, gid, sid int64, now time.Time) error {
	clubs, ids, err := clubsOfStory(ctx, tx, gid, sid)
	if err != nil {
		return err
	}
	for _, cid := range ids {
		if err := endClubTx(ctx, tx, gid, cid, clubs[cid], "story removed", now); err != nil {
			return err
		}
	}
	return nil
}

// NextCheckpointDue returns when the earliest due checkpoint of any guild
// is (the club_due_opens index's first entry).
func (s *Store) NextCheckpointDue(ctx context.Context) (time.Time, bool, error) {
	if s.closed.Load() {
		return time.Time{}, false, fmt.Errorf("next checkpoint due: %w", shelf.ErrClosed)
	}
	var at int64
	err := s.db.QueryRow(ctx, `SELECT opens FROM club_due ORDER BY opens, guild, club, n LIMIT 1`).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next checkpoint due: %w", s.mapErr(err))
	}
	return fromNanos(at), true, nil
}

// DueCheckpoints returns up to limit checkpoints due at or before now.
func (s *Store) DueCheckpoints(ctx context.Context, now time.Time, limit int) ([]shelf.DueCheckpoint, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("due checkpoints: %w", shelf.ErrClosed)
	}
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.Query(ctx, `SELECT opens, guild, club, n FROM club_due WHERE opens <= $1
		ORDER BY opens, guild, club, n LIMIT $2`, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("due checkpoints: %w", s.mapErr(err))
	}
	defer rows.Close()
	var out []shelf.DueCheckpoint
	for rows.Next() {
		var at, g, c int64
		var n int
		if err := rows.Scan(&at, &g, &c, &n); err != nil {
			return nil, fmt.Errorf("due checkpoints: %w", err)
		}
		out = append(out, shelf.DueCheckpoint{GuildID: fmtID(g), ClubID: fmtID(c), Number: n, At: fromNanos(at)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("due checkpoints: %w", s.mapErr(err))
	}
	return out, nil
}

// checkpoint locks club's row and returns checkpoint n.
func checkpoint(ctx context.Context, tx pgx.Tx, gid int64, club string, n int) (int64, *shelf.Club, *shelf.Checkpoint, error) {
	cid, err := parseID("club", club)
	if err != nil {
		return 0, nil, nil, err
	}
	c, err := getClub(ctx, tx, gid, cid, true)
	if err != nil {
		return 0, nil, nil, err
	}
	if n < 1 || n > len(c.Checkpoints) {
		return 0, nil, nil, fmt.Errorf("club %d checkpoint %d: %w", cid, n, shelf.ErrNotFound)
	}
	return cid, c, &c.Checkpoints[n-1], nil
}

// CheckpointPosting records the first attempt to post checkpoint n.
func (s *Store) CheckpointPosting(ctx context.Context, guild, club string, n int, now time.Time) (time.Time, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return time.Time{}, fmt.Errorf("checkpoint posting: %w", err)
	}
	var since time.Time
	err = s.tx(ctx, "checkpoint posting", func(tx pgx.Tx) error {
		cid, c, cp, err := checkpoint(ctx, tx, gid, club, n)
		if err != nil {
			return err
		}
		if !cp.PostingSince.IsZero() || cp.MessageID != "" {
			since = cp.PostingSince
			return nil
		}
		cp.PostingSince = now.UTC()
		since = cp.PostingSince
		return putClub(ctx, tx, gid, cid, c)
	})
	if err != nil {
		return time.Time{}, err
	}
	return since, nil
}

// CheckpointPosted records the announcement's message, once.
func (s *Store) CheckpointPosted(ctx context.Context, guild, club string, n int, messageID string, late bool, now time.Time) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("checkpoint posted: %w", err)
	}
	return s.tx(ctx, "checkpoint posted", func(tx pgx.Tx) error {
		cid, c, cp, err := checkpoint(ctx, tx, gid, club, n)
		if err != nil {
			return err
		}
		if cp.MessageID != "" {
			return nil
		}
		cp.MessageID, cp.Late, cp.AnnouncedAt = messageID, late, now.UTC()
		return putClub(ctx, tx, gid, cid, c)
	})
}

// CheckpointDone records the checkpoint's thread; it is no longer due.
func (s *Store) CheckpointDone(ctx context.Context, guild, club string, n int, threadID string) error {
	return s.finishCheckpoint(ctx, guild, club, n, func(cp *shelf.Checkpoint) { cp.ThreadID = threadID })
}

// SkipCheckpoint gives up on checkpoint n; it is no longer due.
func (s *Store) SkipCheckpoint(ctx context.Context, guild, club string, n int, reason string) error {
	if reason == "" {
		reason = "skipped"
	}
	return s.finishCheckpoint(ctx, guild, club, n, func(cp *shelf.Checkpoint) { cp.Skipped = shelf.Truncate(reason, 200) })
}

func (s *Store) finishCheckpoint(ctx context.Context, guild, club string, n int, set func(*shelf.Checkpoint)) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("finish checkpoint: %w", err)
	}
	return s.tx(ctx, "finish checkpoint", func(tx pgx.Tx) error {
		cid, c, cp, err := checkpoint(ctx, tx, gid, club, n)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM club_due WHERE guild = $1 AND club = $2 AND n = $3`, gid, cid, n); err != nil {
			return err
		}
		if cp.Done() {
			return nil
		}
		set(cp)
		return putClub(ctx, tx, gid, cid, c)
	})
}

// DropDueCheckpoint forgets a due entry.
func (s *Store) DropDueCheckpoint(ctx context.Context, d shelf.DueCheckpoint) error {
	gid, err := parseGuild(d.GuildID)
	if err != nil {
		return fmt.Errorf("drop due checkpoint: %w", err)
	}
	cid, err := parseID("club", d.ClubID)
	if err != nil {
		return fmt.Errorf("drop due checkpoint: %w", err)
	}
	return s.tx(ctx, "drop due checkpoint", func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM club_due WHERE guild = $1 AND club = $2 AND n = $3 AND opens = $4`,
			gid, cid, d.Number, d.At.UnixNano())
		return err
	})
}
