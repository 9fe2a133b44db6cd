package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// setEntrySQL adds or updates an entry and, for a new one, moves the
// story's readers counter in the same statement under its story_counts
// row's lock.
// xmax = 0 tells an inserted row from an updated one.
const setEntrySQL = `
WITH e AS (
	INSERT INTO list_entries (guild, user_id, story, status, chapter, note, added, updated)
	SELECT guild, $2, id, $4, $5, $6, $7, $7 FROM stories WHERE guild = $1 AND id = $3
	ON CONFLICT (guild, user_id, story) DO UPDATE SET
		status = CASE WHEN $8 THEN list_entries.status ELSE excluded.status END,
		chapter = excluded.chapter, note = excluded.note, updated = excluded.updated
	RETURNING status, chapter, note, added, updated, xmax = 0 AS inserted),
u AS (
	UPDATE story_counts SET readers = readers + 1
	WHERE guild = $1 AND story = $3 AND (SELECT inserted FROM e)
	RETURNING 1)
SELECT e.status, e.chapter, e.note, e.added, e.updated, s.title, s.authors, s.chapters_posted, s.chapters_expected
FROM e, stories s WHERE s.guild = $1 AND s.id = $3`

// SetListEntry adds or updates an entry of user's list.
func (s *Store) SetListEntry(ctx context.Context, guild, user string, e shelf.ListEntry, at time.Time) (shelf.ListEntry, error) {
	fail := func(err error) (shelf.ListEntry, error) {
		return shelf.ListEntry{}, fmt.Errorf("set list entry: %w", err)
	}
	gid, err := parseGuild(guild)
	if err != nil {
		return fail(err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fail(err)
	}
	sid, err := parseID("story", e.StoryID)
	if err != nil {
		return fail(err)
	}
	st, err := shelf.ParseStatus(string(e.Status))
	if err != nil {
		return fail(err)
	}
	keep := strings.TrimSpace(string(e.Status)) == ""
	if e.Chapter < 0 || e.Chapter > 1<<30 {
		return fail(fmt.Errorf("chapter %d: %w", e.Chapter, shelf.ErrInvalid))
	}
	if len(e.Note) > shelf.MaxNoteLength {
		return fail(fmt.Errorf("note longer than %d bytes: %w", shelf.MaxNoteLength, shelf.ErrInvalid))
	}
	ts := nanos(at)
	var out shelf.ListEntry
	err = s.tx(ctx, "set list entry", func(tx pgx.Tx) error {
		var err error
		out, err = setEntry(ctx, tx, gid, uid, sid, st, e.Chapter, e.Note, ts, keep, true)
		return err
	})
	if err != nil {
		return shelf.ListEntry{}, err
	}
	return out, nil
}

// setEntry writes one entry in tx with the story's readers counter and,
// when logProgress, the reading log (stats.go).
func setEntry(ctx context.Context, tx pgx.Tx, gid, uid, sid int64, st shelf.Status, chapter int, note string, ts int64, keep, logProgress bool) (shelf.ListEntry, error) {
	var prevStatus *string
	var prevChapter *int
	err := tx.QueryRow(ctx, `SELECT status, chapter FROM list_entries WHERE guild = $1 AND user_id = $2 AND story = $3 FOR UPDATE`,
		gid, uid, sid).Scan(&prevStatus, &prevChapter)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return shelf.ListEntry{}, err
	}
	out := shelf.ListEntry{StoryID: fmtID(sid)}
	var added, updated int64
	var authors []string
	err = tx.QueryRow(ctx, setEntrySQL, gid, uid, sid, string(st), chapter, note, ts, keep).
		Scan(&out.Status, &out.Chapter, &out.Note, &added, &updated, &out.Title, &authors, &out.ChaptersPosted, &out.ChaptersExpected)
	if errors.Is(err, pgx.ErrNoRows) || pgCode(err) == "23503" {
		return shelf.ListEntry{}, fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
	}
	if err != nil {
		return shelf.ListEntry{}, err
	}
	if len(authors) > 0 {
		out.Authors = authors
	}
	out.Added, out.Updated = fromNanos(added), fromNanos(updated)
	var prev *entryState
	if prevStatus != nil {
		prev = &entryState{status: shelf.Status(*prevStatus), chapter: *prevChapter}
	}
	if err := logListChange(ctx, tx, gid, uid, sid, prev, entryState{status: out.Status, chapter: out.Chapter}, ts, logProgress); err != nil {
		return shelf.ListEntry{}, err
	}
	return out, nil
}

const entryCols = `l.story, l.status, l.chapter, l.note, l.added, l.updated, s.title, s.authors, s.chapters_posted, s.chapters_expected`

func scanEntry(row pgx.Row) (shelf.ListEntry, error) {
	var (
		e              shelf.ListEntry
		sid            int64
		added, updated int64
		authors        []string
		title          *string
		posted, expect *int
	)
	if err := row.Scan(&sid, &e.Status, &e.Chapter, &e.Note, &added, &updated, &title, &authors, &posted, &expect); err != nil {
		return e, err
	}
	e.StoryID, e.Added, e.Updated = fmtID(sid), fromNanos(added), fromNanos(updated)
	if title != nil {
		e.Title, e.ChaptersPosted, e.ChaptersExpected = *title, *posted, *expect
	}
	if len(authors) > 0 {
		e.Authors = authors
	}
	return e, nil
}

// ListEntry returns one entry of user's list.
func (s *Store) ListEntry(ctx context.Context, guild, user, story string) (shelf.ListEntry, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ListEntry{}, fmt.Errorf("list entry: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return shelf.ListEntry{}, fmt.Errorf("list entry: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return shelf.ListEntry{}, fmt.Errorf("list entry: %w", err)
	}
	if s.closed.Load() {
		return shelf.ListEntry{}, fmt.Errorf("list entry: %w", shelf.ErrClosed)
	}
	e, err := scanEntry(s.db.QueryRow(ctx, `SELECT `+entryCols+` FROM list_entries l
		LEFT JOIN stories s ON s.guild = l.guild AND s.id = l.story
		WHERE l.guild = $1 AND l.user_id = $2 AND l.story = $3`, gid, uid, sid))
	if err != nil {
		return shelf.ListEntry{}, fmt.Errorf("list entry: %w", s.mapErr(notFound(err, "story %d on list", sid)))
	}
	return e, nil
}

// RemoveListEntry removes an entry and moves the story's readers counter.
func (s *Store) RemoveListEntry(ctx context.Context, guild, user, story string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("remove list entry: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("remove list entry: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return fmt.Errorf("remove list entry: %w", err)
	}
	return s.tx(ctx, "remove list entry", func(tx pgx.Tx) error {
		var n int64
		err := tx.QueryRow(ctx, `WITH d AS (DELETE FROM list_entries WHERE guild = $1 AND user_id = $2 AND story = $3 RETURNING story),
			u AS (UPDATE story_counts SET readers = readers - 1 WHERE guild = $1 AND story IN (SELECT story FROM d) AND readers > 0)
			SELECT count(*) FROM d`, gid, uid, sid).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("story %d on list: %w", sid, shelf.ErrNotFound)
		}
		return nil
	})
}

// MemberList returns user's whole list in story-ID order (as BoltDB keeps
// it), each entry with its story's details.
func (s *Store) MemberList(ctx context.Context, guild, user string) ([]shelf.ListEntry, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("member list: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return nil, fmt.Errorf("member list: %w", err)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("member list: %w", shelf.ErrClosed)
	}
	out, err := memberList(ctx, s.db, gid, uid)
	if err != nil {
		return nil, fmt.Errorf("member list: %w", s.mapErr(err))
	}
	return out, nil
}

func memberList(ctx context.Context, q querier, gid, uid int64) ([]shelf.ListEntry, error) {
	rows, err := q.Query(ctx, `SELECT `+entryCols+` FROM list_entries l
		LEFT JOIN stories s ON s.guild = l.guild AND s.id = l.story
		WHERE l.guild = $1 AND l.user_id = $2 ORDER BY l.story`, gid, uid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []shelf.ListEntry{}
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
