package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// dataTables are the tables that hold guild data, for the emptiness check.
var dataTables = []string{"settings", "guild_seq", "stories", "rec_requests", "clubs"}

// Dump emits every record from one repeatable-read snapshot, guild by guild
// in ascending guild ID, each guild's records in shelf.Item's field order.
func (s *Store) Dump(ctx context.Context, emit func(guild string, it shelf.Item) error) error {
	return s.read(ctx, "dump", func(tx pgx.Tx) error {
		guilds, err := allGuilds(ctx, tx)
		if err != nil {
			return err
		}
		for _, gid := range guilds {
			if err := dumpGuild(ctx, tx, gid, func(it shelf.Item) error { return emit(fmtID(gid), it) }); err != nil {
				return fmt.Errorf("guild %d: %w", gid, err)
			}
		}
		return nil
	})
}

func allGuilds(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	sql := ""
	for i, t := range dataTables {
		if i > 0 {
			sql += " UNION "
		}
		sql += "SELECT guild FROM " + t
	}
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	var gs []int64
	for rows.Next() {
		var g int64
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return nil, err
		}
		gs = append(gs, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Ascending as unsigned snowflakes, as BoltDB orders them.
	sort.Slice(gs, func(i, j int) bool { return uint64(gs[i]) < uint64(gs[j]) })
	return gs, nil
}

// each runs sql and calls fn for every row.
func each(ctx context.Context, tx pgx.Tx, sql string, args []any, fn func(pgx.Rows) error) error {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func dumpGuild(ctx context.Context, tx pgx.Tx, gid int64, emit func(shelf.Item) error) error {
	g := []any{gid}
	var doc []byte
	err := tx.QueryRow(ctx, `SELECT doc FROM settings WHERE guild = $1`, gid).Scan(&doc)
	if err == nil {
		var st shelf.Settings
		if err := json.Unmarshal(doc, &st); err != nil {
			return err
		}
		st = st.WithDefaults()
		if err := emit(shelf.Item{Settings: &st}); err != nil {
			return err
		}
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	var seq shelf.Sequences
	found := false
	err = each(ctx, tx, `SELECT kind, last FROM guild_seq WHERE guild = $1`, g, func(r pgx.Rows) error {
		var kind string
		var last int64
		if err := r.Scan(&kind, &last); err != nil {
			return err
		}
		found = true
		switch kind {
		case "stories":
			seq.Stories = uint64(last)
		case "recs":
			seq.Recs = uint64(last)
		case "rec_requests":
			seq.RecRequests = uint64(last)
		case "clubs":
			seq.Clubs = uint64(last)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if found {
		if err := emit(shelf.Item{Sequences: &seq}); err != nil {
			return err
		}
	}
	err = each(ctx, tx, `SELECT `+storyCols+` FROM `+storyFrom+` WHERE s.guild = $1 ORDER BY s.id`, g, func(r pgx.Rows) error {
		rec, err := scanStory(r)
		if err != nil {
			return err
		}
		return emit(shelf.Item{Story: &rec})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT story, n, title, body, notes, end_notes, sentences FROM chapters WHERE guild = $1 ORDER BY story, n`, g, func(r pgx.Rows) error {
		var c shelf.ChapterItem
		var sid int64
		if err := r.Scan(&sid, &c.Number, &c.Chapter.Title, &c.Chapter.Text, &c.Chapter.Notes, &c.Chapter.EndNotes, &c.Sentences); err != nil {
			return err
		}
		c.StoryID = fmtID(sid)
		return emit(shelf.Item{Chapter: &c})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT story, user_id, at FROM kudos WHERE guild = $1 ORDER BY story, user_id`, g, func(r pgx.Rows) error {
		var sid, uid, at int64
		if err := r.Scan(&sid, &uid, &at); err != nil {
			return err
		}
		return emit(shelf.Item{Kudo: &shelf.KudoItem{StoryID: fmtID(sid), UserID: fmtID(uid), At: fromNanos(at)}})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT user_id, story, status, chapter, note, added, updated, finished_at FROM list_entries WHERE guild = $1 ORDER BY user_id, story`, g, func(r pgx.Rows) error {
		var uid, sid, added, updated, finished int64
		var e shelf.ListEntry
		if err := r.Scan(&uid, &sid, &e.Status, &e.Chapter, &e.Note, &added, &updated, &finished); err != nil {
			return err
		}
		e.StoryID, e.Added, e.Updated = fmtID(sid), fromNanos(added), fromNanos(updated)
		li := &shelf.ListEntryItem{UserID: fmtID(uid), Entry: e}
		if finished != 0 {
			li.FinishedAt = fromNanos(finished)
		}
		return emit(shelf.Item{ListEntry: li})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT user_id, at, story FROM progress_events WHERE guild = $1 ORDER BY user_id, at, story`, g, func(r pgx.Rows) error {
		var uid, at, sid int64
		if err := r.Scan(&uid, &at, &sid); err != nil {
			return err
		}
		return emit(shelf.Item{Progress: &shelf.ProgressItem{UserID: fmtID(uid), At: fromNanos(at), StoryID: fmtID(sid)}})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT story, doc FROM rec_threads WHERE guild = $1 ORDER BY story`, g, func(r pgx.Rows) error {
		var sid int64
		var doc []byte
		if err := r.Scan(&sid, &doc); err != nil {
			return err
		}
		var t shelf.RecThread
		if err := json.Unmarshal(doc, &t); err != nil {
			return err
		}
		return emit(shelf.Item{RecThread: &shelf.RecThreadItem{StoryID: fmtID(sid), Thread: t}})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT doc FROM recs WHERE guild = $1 ORDER BY id`, g, func(r pgx.Rows) error {
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return err
		}
		var rec shelf.Rec
		if err := json.Unmarshal(doc, &rec); err != nil {
			return err
		}
		return emit(shelf.Item{Rec: &rec})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT doc FROM rec_requests WHERE guild = $1 ORDER BY id`, g, func(r pgx.Rows) error {
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return err
		}
		var req shelf.RecRequest
		if err := json.Unmarshal(doc, &req); err != nil {
			return err
		}
		return emit(shelf.Item{RecRequest: &req})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT doc FROM clubs WHERE guild = $1 ORDER BY id`, g, func(r pgx.Rows) error {
		var doc []byte
		if err := r.Scan(&doc); err != nil {
			return err
		}
		var c shelf.Club
		if err := json.Unmarshal(doc, &c); err != nil {
			return err
		}
		return emit(shelf.Item{Club: &c})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT club, user_id, joined_at, chapter, updated_at FROM club_members WHERE guild = $1 ORDER BY club, user_id`, g, func(r pgx.Rows) error {
		var cid, uid, j, u int64
		var ch int
		if err := r.Scan(&cid, &uid, &j, &ch, &u); err != nil {
			return err
		}
		return emit(shelf.Item{ClubMember: &shelf.ClubMemberItem{ClubID: fmtID(cid),
			Member: shelf.ClubMember{UserID: fmtID(uid), JoinedAt: fromNanos(j), Chapter: ch, UpdatedAt: fromNanos(u)}}})
	})
	if err != nil {
		return err
	}
	err = each(ctx, tx, `SELECT story, user_id, since FROM subscriptions WHERE guild = $1 ORDER BY story, user_id`, g, func(r pgx.Rows) error {
		var sid, uid, since int64
		if err := r.Scan(&sid, &uid, &since); err != nil {
			return err
		}
		return emit(shelf.Item{Subscription: &shelf.SubscriptionItem{StoryID: fmtID(sid), UserID: fmtID(uid), Since: fromNanos(since)}})
	})
	if err != nil {
		return err
	}
	return dumpClubChoices(ctx, tx, g, emit) // clubpolls.go
}

// Counts returns, per guild, how many records of each shelf.CountKinds the
// store holds; every kind is present (zero included) for every guild that
// holds anything.
func (s *Store) Counts(ctx context.Context) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	err := s.read(ctx, "counts", func(tx pgx.Tx) error {
		guilds, err := allGuilds(ctx, tx)
		if err != nil {
			return err
		}
		for _, g := range guilds {
			m := map[string]int{}
			for _, k := range shelf.CountKinds {
				m[k] = 0
			}
			out[fmtID(g)] = m
		}
		for _, k := range shelf.CountKinds {
			err := each(ctx, tx, `SELECT guild, count(*) FROM `+k+` GROUP BY guild`, nil, func(r pgx.Rows) error {
				var g int64
				var n int
				if err := r.Scan(&g, &n); err != nil {
					return err
				}
				if out[fmtID(g)] == nil {
					out[fmtID(g)] = map[string]int{}
				}
				out[fmtID(g)][k] = n
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Load opens one transaction that fills an empty store.
func (s *Store) Load(ctx context.Context) (shelf.Loader, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("load: %w", shelf.ErrClosed)
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("load: %w", s.mapErr(err))
	}
	// Lock the tables first so that nothing writes between the check and the load.
	if _, err := tx.Exec(ctx, `LOCK TABLE settings, guild_seq, stories, rec_requests, clubs IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		_ = tx.Rollback(ctx)
		return nil, fmt.Errorf("load: %w", err)
	}
	for _, t := range dataTables {
		var any bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&any); err != nil {
			_ = tx.Rollback(ctx)
			return nil, fmt.Errorf("load: %w", err)
		}
		if any {
			_ = tx.Rollback(ctx)
			return nil, fmt.Errorf("load: table %s holds data: %w", t, shelf.ErrNotEmpty)
		}
	}
	// Guild-wide counts are recounted once at Commit (migrate.go, step 7).
	if _, err := tx.Exec(ctx, `SET LOCAL ficshelf.bulk = 'on'`); err != nil {
		_ = tx.Rollback(ctx)
		return nil, fmt.Errorf("load: %w", err)
	}
	marks, err := loadMarks(ctx, tx)
	if err != nil {
		_ = tx.Rollback(ctx)
		return nil, fmt.Errorf("load: %w", err)
	}
	return &loader{s: s, tx: tx, bulk: newBulk(marks)}, nil
}

// recountGuilds sets every guild's story count and each fandom and tag
// value's story count from the rows, after a bulk load that did not move
// them row by row (ficshelf.bulk).
func recountGuilds(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `INSERT INTO guild_counts (guild, stories) SELECT guild, count(*) FROM stories GROUP BY guild
		ON CONFLICT (guild) DO UPDATE SET stories = excluded.stories`); err != nil {
		return fmt.Errorf("recount stories: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO guild_facets (guild, kind, value, stories)
		SELECT guild, kind, value, count(*) FROM story_facets GROUP BY guild, kind, value
		ON CONFLICT (guild, kind, value) DO UPDATE SET stories = excluded.stories`); err != nil {
		return fmt.Errorf("recount fandoms and tags: %w", err)
	}
	return nil
}

// loader is one load transaction. The big tables' records are buffered
// and copied in batches (bulkload.go), so a bad record may be reported by a
// later Put or by Commit; either way the transaction is rolled back and
// nothing is written.
type loader struct {
	s    *Store
	tx   pgx.Tx
	bulk *bulk
	done bool
}

func (l *loader) Commit(ctx context.Context) error {
	if l.done {
		return fmt.Errorf("load: commit: already finished")
	}
	l.done = true
	if err := l.bulk.finish(ctx, l.tx); err != nil {
		_ = l.tx.Rollback(ctx)
		return fmt.Errorf("load: commit: %w", l.s.mapErr(err))
	}
	if err := recountGuilds(ctx, l.tx); err != nil {
		_ = l.tx.Rollback(ctx)
		return fmt.Errorf("load: commit: %w", l.s.mapErr(err))
	}
	if err := l.tx.Commit(ctx); err != nil {
		return fmt.Errorf("load: commit: %w", l.s.mapErr(err))
	}
	l.s.commits.Add(1)
	return nil
}

func (l *loader) Rollback(ctx context.Context) error {
	if l.done {
		return nil
	}
	l.done = true
	return l.tx.Rollback(ctx)
}

func (l *loader) Put(ctx context.Context, guild string, it shelf.Item) error {
	if l.done {
		return fmt.Errorf("load: put after commit or rollback")
	}
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if err := l.put(ctx, gid, it); err != nil {
		// The transaction is aborted: later calls fail, and Rollback ends it.
		return fmt.Errorf("load guild %d: %w", gid, l.s.mapErr(err))
	}
	return nil
}

func (l *loader) put(ctx context.Context, gid int64, it shelf.Item) error {
	tx := l.tx
	bulked := it.Story != nil || it.Chapter != nil || it.Kudo != nil || it.ListEntry != nil || it.Progress != nil
	if !bulked && it.Settings == nil && it.Sequences == nil {
		// The records written one by one below refer to stories: the
		// buffered ones go in first.
		if err := l.bulk.flush(ctx, tx); err != nil {
			return err
		}
	}
	switch {
	case it.Settings != nil:
		st, err := it.Settings.Normalize()
		if err != nil {
			return err
		}
		doc, err := json.Marshal(st)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO settings (guild, doc) VALUES ($1, $2)`, gid, doc)
		return err
	case it.Sequences != nil:
		sq := it.Sequences
		_, err := tx.Exec(ctx, `INSERT INTO guild_seq (guild, kind, last)
			SELECT $1, k, v FROM unnest($2::text[], $3::int8[]) AS t(k, v) WHERE v > 0
			ON CONFLICT (guild, kind) DO UPDATE SET last = greatest(guild_seq.last, excluded.last)`, gid,
			[]string{"stories", "recs", "rec_requests", "clubs"},
			[]int64{int64(sq.Stories), int64(sq.Recs), int64(sq.RecRequests), int64(sq.Clubs)})
		return err
	case it.Story != nil:
		return l.bulk.story(ctx, tx, gid, it.Story)
	case it.Chapter != nil:
		return l.bulk.chapter(ctx, tx, gid, it.Chapter)
	case it.Kudo != nil:
		return l.bulk.kudo(ctx, tx, gid, it.Kudo)
	case it.ListEntry != nil:
		return l.bulk.listEntry(ctx, tx, gid, it.ListEntry)
	case it.Progress != nil:
		return l.bulk.progressEvent(ctx, tx, gid, it.Progress)
	case it.RecThread != nil:
		sid, err := parseID("story", it.RecThread.StoryID)
		if err != nil {
			return err
		}
		doc, err := json.Marshal(it.RecThread.Thread)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO rec_threads (guild, story, doc) VALUES ($1, $2, $3)`, gid, sid, doc)
		return err
	case it.Rec != nil:
		r := *it.Rec
		id, err := parseID("rec", r.ID)
		if err != nil {
			return err
		}
		sid, err := parseID("story", r.StoryID)
		if err != nil {
			return err
		}
		uid, err := parseID("user", r.UserID)
		if err != nil {
			return err
		}
		r.StoryTitle = ""
		doc, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO recs (guild, id, story, user_id, doc) VALUES ($1, $2, $3, $4, $5)`, gid, id, sid, uid, doc); err != nil {
			return err
		}
		return bumpSeq(ctx, tx, gid, "recs", id)
	case it.RecRequest != nil:
		r := it.RecRequest
		id, err := parseID("request", r.ID)
		if err != nil {
			return err
		}
		uid, err := parseID("user", r.UserID)
		if err != nil {
			return err
		}
		th, err := parseID("thread", r.ThreadID)
		if err != nil {
			return err
		}
		doc, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rec_requests (guild, id, user_id, thread, doc) VALUES ($1, $2, $3, $4, $5)`, gid, id, uid, th, doc); err != nil {
			return err
		}
		return bumpSeq(ctx, tx, gid, "rec_requests", id)
	case it.Club != nil:
		c := *it.Club
		cid, err := parseID("club", c.ID)
		if err != nil {
			return err
		}
		ch, err := parseID("channel", c.ChannelID)
		if err != nil {
			return err
		}
		sid, err := parseID("story", c.StoryID)
		if err != nil {
			return err
		}
		c.GuildID = fmtID(gid)
		doc, err := json.Marshal(&c)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO clubs (guild, id, channel, story, active, doc) VALUES ($1, $2, $3, $4, $5, $6)`,
			gid, cid, ch, sid, c.Active(), doc); err != nil {
			return err
		}
		if c.Active() {
			var due []shelf.Checkpoint
			for _, cp := range c.Checkpoints {
				if !cp.Done() {
					due = append(due, cp)
				}
			}
			if err := addDue(ctx, tx, gid, cid, due); err != nil {
				return err
			}
		}
		return bumpSeq(ctx, tx, gid, "clubs", cid)
	case it.ClubMember != nil:
		m := it.ClubMember.Member
		cid, err := parseID("club", it.ClubMember.ClubID)
		if err != nil {
			return err
		}
		uid, err := parseID("user", m.UserID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO club_members (guild, club, user_id, joined_at, chapter, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, gid, cid, uid, m.JoinedAt.UnixNano(), m.Chapter, m.UpdatedAt.UnixNano())
		return err
	case it.Subscription != nil:
		sid, err := parseID("story", it.Subscription.StoryID)
		if err != nil {
			return err
		}
		uid, err := parseID("user", it.Subscription.UserID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO subscriptions (guild, story, user_id, since) VALUES ($1, $2, $3, $4)`,
			gid, sid, uid, it.Subscription.Since.UnixNano())
		return err
	case it.Nomination != nil || it.ClubRemindersOff != nil:
		return loadClubChoice(ctx, tx, gid, it) // clubpolls.go
	}
	return fmt.Errorf("empty item: %w", shelf.ErrInvalid)
}

// bumpSeq makes sure guild's sequence of kind is at least id, so that a
// copy whose dump lacked Sequences never hands out a loaded ID again.
func bumpSeq(ctx context.Context, tx pgx.Tx, gid int64, kind string, id int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO guild_seq (guild, kind, last) VALUES ($1, $2, $3)
		ON CONFLICT (guild, kind) DO UPDATE SET last = greatest(guild_seq.last, excluded.last)`, gid, kind, id)
	return err
}
