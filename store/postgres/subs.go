package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Subscriptions, the check schedule of AO3 works, alerts and the AO3
// request gap (shelf.Subscriptions, shelf.WorkChecks); tables of
// migration 3. Several processes claim due works with FOR UPDATE SKIP
// LOCKED (and the checker runs under a lease besides); the gap is one row
// every process moves forward atomically.

const subCols = `s.id, s.title, s.ao3_id, s.chapters_posted, s.chapter_count, s.chapters_expected, su.since,
	coalesce(w.last_checked, 0), coalesce(w.gone, false)`

const subFrom = `subscriptions su JOIN stories s ON s.guild = su.guild AND s.id = su.story
	LEFT JOIN ao3_works w ON w.work = s.ao3_id`

func scanSub(row pgx.Row) (shelf.Subscription, error) {
	var (
		sub                  shelf.Subscription
		id, since, checked   int64
		posted, stored, expd int
		gone                 bool
	)
	if err := row.Scan(&id, &sub.StoryTitle, &sub.AO3ID, &posted, &stored, &expd, &since, &checked, &gone); err != nil {
		return sub, err
	}
	sub.StoryID, sub.ChaptersPosted, sub.ChaptersExpected = fmtID(id), max(posted, stored), expd
	sub.Since, sub.Gone = fromNanos(since), gone
	if checked != 0 {
		sub.LastChecked = fromNanos(checked)
	}
	return sub, nil
}

// Subscribe subscribes user to story and schedules its work.
func (s *Store) Subscribe(ctx context.Context, guild, user, story string, now time.Time) (shelf.Subscription, bool, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.Subscription{}, false, fmt.Errorf("subscribe: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return shelf.Subscription{}, false, fmt.Errorf("subscribe: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return shelf.Subscription{}, false, fmt.Errorf("subscribe: %w", err)
	}
	var (
		sub   shelf.Subscription
		added bool
	)
	err = s.tx(ctx, "subscribe", func(tx pgx.Tx) error {
		var work int64
		if err := tx.QueryRow(ctx, `SELECT ao3_id FROM stories WHERE guild = $1 AND id = $2 FOR SHARE`, gid, sid).Scan(&work); err != nil {
			return notFound(err, "story %d", sid)
		}
		if work <= 0 {
			return fmt.Errorf("story %d: %w", sid, shelf.ErrNoAO3Work)
		}
		tag, err := tx.Exec(ctx, `INSERT INTO subscriptions (guild, story, user_id, since) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, gid, sid, uid, nanos(now))
		if err != nil {
			return err
		}
		added = tag.RowsAffected() == 1
		if _, err := tx.Exec(ctx, `INSERT INTO ao3_works (work, next_check) VALUES ($1, $2) ON CONFLICT DO NOTHING`, work, nanos(now)); err != nil {
			return err
		}
		sub, err = scanSub(tx.QueryRow(ctx, `SELECT `+subCols+` FROM `+subFrom+`
			WHERE su.guild = $1 AND su.user_id = $2 AND su.story = $3`, gid, uid, sid))
		return err
	})
	if err != nil {
		return shelf.Subscription{}, false, err
	}
	return sub, added, nil
}

// Unsubscribe ends a subscription.
func (s *Store) Unsubscribe(ctx context.Context, guild, user, story string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	return s.one(ctx, "unsubscribe", func(q querier) error {
		var one int
		err := q.QueryRow(ctx, `DELETE FROM subscriptions WHERE guild = $1 AND story = $2 AND user_id = $3 RETURNING 1`,
			gid, sid, uid).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("subscription to story %d: %w", sid, shelf.ErrNotFound)
		}
		return err
	})
}

// Subscriptions lists user's subscriptions in story-ID order.
func (s *Store) Subscriptions(ctx context.Context, guild, user string) ([]shelf.Subscription, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	var out []shelf.Subscription
	err = s.read(ctx, "subscriptions", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+subCols+` FROM `+subFrom+` WHERE su.guild = $1 AND su.user_id = $2 ORDER BY su.story`, gid, uid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sub, err := scanSub(rows)
			if err != nil {
				return err
			}
			out = append(out, sub)
		}
		return rows.Err()
	})
	return out, err
}

// Subscribed reports whether user is subscribed to story.
func (s *Store) Subscribed(ctx context.Context, guild, user, story string) (bool, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return false, fmt.Errorf("subscribed: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return false, fmt.Errorf("subscribed: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return false, fmt.Errorf("subscribed: %w", err)
	}
	if s.closed.Load() {
		return false, fmt.Errorf("subscribed: %w", shelf.ErrClosed)
	}
	var ok bool
	err = s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subscriptions WHERE guild = $1 AND story = $2 AND user_id = $3)`,
		gid, sid, uid).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("subscribed: %w", s.mapErr(err))
	}
	return ok, nil
}

func storySubscribers(ctx context.Context, q querier, gid, sid int64) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT user_id FROM subscriptions WHERE guild = $1 AND story = $2 ORDER BY user_id`, gid, sid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, fmtID(u))
	}
	return out, rows.Err()
}

// StorySubscribers lists story's subscribers in user-ID order.
func (s *Store) StorySubscribers(ctx context.Context, guild, story string) ([]string, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("story subscribers: %w", err)
	}
	sid, err := parseID("story", story)
	if err != nil {
		return nil, fmt.Errorf("story subscribers: %w", err)
	}
	if s.closed.Load() {
		return nil, fmt.Errorf("story subscribers: %w", shelf.ErrClosed)
	}
	out, err := storySubscribers(ctx, s.db, gid, sid)
	if err != nil {
		return nil, fmt.Errorf("story subscribers: %w", s.mapErr(err))
	}
	return out, nil
}

// SetDMsClosed records whether DMs to user could not be delivered.
func (s *Store) SetDMsClosed(ctx context.Context, guild, user string, closed bool) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("set DMs closed: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return fmt.Errorf("set DMs closed: %w", err)
	}
	return s.one(ctx, "set DMs closed", func(q querier) error {
		sql := `DELETE FROM dms_closed WHERE guild = $1 AND user_id = $2`
		if closed {
			sql = `INSERT INTO dms_closed (guild, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
		}
		rows, err := q.Query(ctx, sql, gid, uid)
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
}

// DMsClosed reports the flag SetDMsClosed set.
func (s *Store) DMsClosed(ctx context.Context, guild, user string) (bool, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return false, fmt.Errorf("DMs closed: %w", err)
	}
	uid, err := parseID("user", user)
	if err != nil {
		return false, fmt.Errorf("DMs closed: %w", err)
	}
	if s.closed.Load() {
		return false, fmt.Errorf("DMs closed: %w", shelf.ErrClosed)
	}
	var ok bool
	if err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM dms_closed WHERE guild = $1 AND user_id = $2)`, gid, uid).Scan(&ok); err != nil {
		return false, fmt.Errorf("DMs closed: %w", s.mapErr(err))
	}
	return ok, nil
}

// ---- the check schedule ----

// followedSQL is true for an ao3_works row w some guild follows.
const followedSQL = `EXISTS (SELECT 1 FROM stories s WHERE s.ao3_id = w.work AND (
	EXISTS (SELECT 1 FROM subscriptions su WHERE su.guild = s.guild AND su.story = s.id)
	OR EXISTS (SELECT 1 FROM clubs c WHERE c.guild = s.guild AND c.story = s.id AND c.active)))`

// ClaimDueWorks schedules followed works, then claims due ones.
func (s *Store) ClaimDueWorks(ctx context.Context, now time.Time, hold time.Duration, limit int) ([]shelf.WatchedWork, error) {
	if limit <= 0 {
		limit = 100
	}
	var (
		out []shelf.WatchedWork
		was = map[int64]int64{} // work -> next check before the claim
	)
	err := s.tx(ctx, "claim due works", func(tx pgx.Tx) error {
		out = out[:0]
		if _, err := tx.Exec(ctx, `INSERT INTO ao3_works (work, next_check)
			SELECT s.ao3_id, $1::bigint FROM clubs c JOIN stories s ON s.guild = c.guild AND s.id = c.story WHERE c.active AND s.ao3_id > 0
			UNION SELECT s.ao3_id, $1::bigint FROM subscriptions su JOIN stories s ON s.guild = su.guild AND s.id = su.story WHERE s.ao3_id > 0
			ON CONFLICT DO NOTHING`, nanos(now)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM ao3_works WHERE work IN (
			SELECT work FROM ao3_works w WHERE NOT gone AND next_check <= $1 AND NOT `+followedSQL+`
			FOR UPDATE SKIP LOCKED)`, nanos(now)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `WITH due AS (
				SELECT work, next_check FROM ao3_works WHERE NOT gone AND next_check <= $1
				ORDER BY next_check, work LIMIT $3 FOR UPDATE SKIP LOCKED)
			UPDATE ao3_works w SET next_check = $2 FROM due WHERE w.work = due.work
			RETURNING w.work, w.next_check, w.last_checked, w.last, w.state, due.next_check`, nanos(now), now.Add(hold).UnixNano(), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				ww                 shelf.WatchedWork
				next, checked, old int64
				last               []byte
			)
			if err := rows.Scan(&ww.WorkID, &next, &checked, &last, &ww.State, &old); err != nil {
				return err
			}
			was[ww.WorkID] = old
			ww.NextCheck = fromNanos(next)
			if checked != 0 {
				ww.LastChecked = fromNanos(checked)
			}
			if last != nil {
				ww.Last = new(fic.Story)
				if err := json.Unmarshal(last, ww.Last); err != nil {
					return fmt.Errorf("AO3 work %d: %w", ww.WorkID, err)
				}
			}
			out = append(out, ww)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// In due order, as BoltDB's index returns them.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if was[a.WorkID] != was[b.WorkID] {
			return was[a.WorkID] < was[b.WorkID]
		}
		return a.WorkID < b.WorkID
	})
	return out, nil
}

// writeStoryMeta replaces a story's metadata, keeping its chapters.
func writeStoryMeta(ctx context.Context, tx pgx.Tx, gid, sid int64, m *fic.Story) error {
	meta, err := json.Marshal(m)
	if err != nil {
		return err
	}
	authors := m.Authors
	if authors == nil {
		authors = []string{}
	}
	seriesFold, seriesIDs := shelf.SeriesFacets(m.SeriesRefs)
	if _, err := tx.Exec(ctx, `UPDATE stories SET title = $3, title_fold = $4, authors = $5, rating = $6, words = $7,
		chapters_posted = $8, chapters_expected = $9, fandoms_fold = $10, tags_fold = $11,
		series_fold = $12, series_ids = $13 WHERE guild = $1 AND id = $2`,
		gid, sid, m.Title, shelf.FoldString(m.Title), authors, string(m.Rating), m.Words, m.ChaptersPosted, m.ChaptersExpected,
		foldAll(m.Fandoms), foldAll(m.Tags, m.Relationships, m.Characters, m.Categories), seriesFold, seriesIDs); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE story_docs SET meta = $3 WHERE guild = $1 AND id = $2`, gid, sid, meta); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM story_words WHERE guild = $1 AND story = $2`, gid, sid); err != nil {
		return err
	}
	words, flags := wordsOf(m.Title, m.Authors)
	if len(words) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO story_words (guild, story, word, flags)
			SELECT $1, $2, w, f FROM unnest($3::text[], $4::int2[]) AS t(w, f)`, gid, sid, words, flags); err != nil {
			return err
		}
	}
	return nil
}

// alertDoc is an alert's JSON document.
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

func (d *alertDoc) alert(gid, id int64) shelf.Alert {
	a := shelf.Alert{GuildID: fmtID(gid), ID: fmtID(id), StoryID: d.StoryID, WorkID: d.WorkID,
		Kind: d.Kind, Title: d.Title, Summary: d.Summary, Recipients: d.Recipients, Delivered: d.Delivered,
		Created: fromNanos(d.Created), Posted: d.Posted, ChannelID: d.ChannelID, MessageID: d.MessageID}
	if d.FirstAttempt != 0 {
		a.FirstAttempt = fromNanos(d.FirstAttempt)
	}
	return a
}

// RecordWorkCheck records a check with its effects in every guild.
func (s *Store) RecordWorkCheck(ctx context.Context, c shelf.WorkCheck) (int, error) {
	made := 0
	err := s.tx(ctx, "record work check", func(tx pgx.Tx) error {
		made = 0
		var (
			last  []byte
			state string
		)
		if err := tx.QueryRow(ctx, `SELECT last, state FROM ao3_works WHERE work = $1 FOR UPDATE`, c.WorkID).Scan(&last, &state); err != nil {
			return notFound(err, "AO3 work %d", c.WorkID)
		}
		var base *fic.Story
		if last != nil {
			base = new(fic.Story)
			if err := json.Unmarshal(last, base); err != nil {
				return fmt.Errorf("AO3 work %d: %w", c.WorkID, err)
			}
		}
		newState := c.State != "" && c.State != state
		type row struct {
			gid, sid int64
			meta     []byte
		}
		var stories []row
		rows, err := tx.Query(ctx, `SELECT s.guild, s.id, d.meta FROM stories s JOIN story_docs d ON d.guild = s.guild AND d.id = s.id
			WHERE s.ao3_id = $1 ORDER BY s.guild, s.id FOR UPDATE OF s`, c.WorkID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.gid, &r.sid, &r.meta); err != nil {
				rows.Close()
				return err
			}
			stories = append(stories, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range stories {
			var before fic.Story
			if err := json.Unmarshal(r.meta, &before); err != nil {
				return fmt.Errorf("story %d: %w", r.sid, err)
			}
			title := before.Title
			var a *alertDoc
			if c.Fetched != nil {
				merged := shelf.MergeAO3(before, base, c.Fetched)
				ch := fic.CompareWork(&before, &merged)
				if ch.Differs() {
					if err := writeStoryMeta(ctx, tx, r.gid, r.sid, &merged); err != nil {
						return err
					}
					if err := extendClubs(ctx, tx, r.gid, r.sid, c.At); err != nil {
						return err
					}
					title = merged.Title
				}
				if ch.Any() {
					a = &alertDoc{Kind: shelf.AlertUpdate, Summary: ch.Summary()}
				}
			} else if newState {
				a = &alertDoc{Kind: c.State}
			}
			if a == nil {
				continue
			}
			subs, err := storySubscribers(ctx, tx, r.gid, r.sid)
			if err != nil {
				return err
			}
			if len(subs) == 0 {
				continue
			}
			a.StoryID, a.WorkID, a.Title, a.Recipients, a.Created = fmtID(r.sid), c.WorkID, title, subs, nanos(c.At)
			id, err := nextID(ctx, tx, r.gid, "alerts")
			if err != nil {
				return err
			}
			doc, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO alerts (guild, id, created, doc) VALUES ($1, $2, $3, $4)`, r.gid, id, a.Created, doc); err != nil {
				return err
			}
			made++
		}
		switch {
		case c.Fetched != nil:
			doc, err := json.Marshal(c.Fetched)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE ao3_works SET last = $2, state = '', gone = false, last_checked = $3, next_check = $4 WHERE work = $1`,
				c.WorkID, doc, nanos(c.At), nanos(c.NextCheck))
			return err
		case c.State != "":
			_, err := tx.Exec(ctx, `UPDATE ao3_works SET state = $2, gone = $3, last_checked = $4, next_check = $5 WHERE work = $1`,
				c.WorkID, c.State, shelf.WorkStateGone(c.State), nanos(c.At), nanos(c.NextCheck))
			return err
		default:
			_, err := tx.Exec(ctx, `UPDATE ao3_works SET next_check = $2 WHERE work = $1`, c.WorkID, nanos(c.NextCheck))
			return err
		}
	})
	if err != nil {
		return 0, err
	}
	return made, nil
}

// PendingAlerts returns alerts not yet posted, oldest first.
func (s *Store) PendingAlerts(ctx context.Context, limit int) ([]shelf.Alert, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []shelf.Alert
	err := s.read(ctx, "pending alerts", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT guild, id, doc FROM alerts WHERE NOT posted ORDER BY created, guild, id LIMIT $1`, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				gid, id int64
				doc     []byte
				d       alertDoc
			)
			if err := rows.Scan(&gid, &id, &doc); err != nil {
				return err
			}
			if err := json.Unmarshal(doc, &d); err != nil {
				return fmt.Errorf("alert %d: %w", id, err)
			}
			out = append(out, d.alert(gid, id))
		}
		return rows.Err()
	})
	return out, err
}

func (s *Store) changeAlert(ctx context.Context, what, guild, id string, fn func(d *alertDoc)) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	aid, err := parseID("alert", id)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return s.tx(ctx, what, func(tx pgx.Tx) error {
		var doc []byte
		if err := tx.QueryRow(ctx, `SELECT doc FROM alerts WHERE guild = $1 AND id = $2 FOR UPDATE`, gid, aid).Scan(&doc); err != nil {
			return notFound(err, "alert %d", aid)
		}
		var d alertDoc
		if err := json.Unmarshal(doc, &d); err != nil {
			return err
		}
		fn(&d)
		doc, err := json.Marshal(&d)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE alerts SET doc = $3, posted = $4 WHERE guild = $1 AND id = $2`, gid, aid, doc, d.Posted)
		return err
	})
}

// AlertAttempt records the first attempt to send an alert.
func (s *Store) AlertAttempt(ctx context.Context, guild, id string, now time.Time) (time.Time, error) {
	var first time.Time
	err := s.changeAlert(ctx, "alert attempt", guild, id, func(d *alertDoc) {
		if d.FirstAttempt == 0 {
			d.FirstAttempt = nanos(now)
		}
		first = fromNanos(d.FirstAttempt)
	})
	return first, err
}

// AlertDelivered records one recipient's direct message.
func (s *Store) AlertDelivered(ctx context.Context, guild, id, user string) error {
	if _, err := parseID("user", user); err != nil {
		return fmt.Errorf("alert delivered: %w", err)
	}
	return s.changeAlert(ctx, "alert delivered", guild, id, func(d *alertDoc) {
		if !slices.Contains(d.Delivered, user) {
			d.Delivered = append(d.Delivered, user)
		}
	})
}

// AlertPosted records an alert as done.
func (s *Store) AlertPosted(ctx context.Context, guild, id, channelID, messageID string) error {
	return s.changeAlert(ctx, "alert posted", guild, id, func(d *alertDoc) {
		if !d.Posted {
			d.Posted, d.ChannelID, d.MessageID = true, channelID, messageID
		}
	})
}

// TakeAO3Slot takes the deployment's next AO3 request slot: one
// statement moves the shared row forward, so two processes never get
// slots closer than gap.
func (s *Store) TakeAO3Slot(ctx context.Context, now time.Time, gap time.Duration) (time.Time, error) {
	var slot int64
	err := s.one(ctx, "take AO3 slot", func(q querier) error {
		return q.QueryRow(ctx, `UPDATE ao3_gate SET next = greatest(next, $1) + $2 WHERE id = 1 RETURNING next - $2`,
			nanos(now), int64(gap)).Scan(&slot)
	})
	if err != nil {
		return time.Time{}, err
	}
	return fromNanos(slot), nil
}

// HoldAO3 lets no slot be taken before until.
func (s *Store) HoldAO3(ctx context.Context, until time.Time) error {
	return s.one(ctx, "hold AO3", func(q querier) error {
		rows, err := q.Query(ctx, `UPDATE ao3_gate SET next = greatest(next, $1) WHERE id = 1`, nanos(until))
		if err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
}
