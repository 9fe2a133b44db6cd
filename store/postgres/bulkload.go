package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// The bulk load (copy.go's loader) writes the big tables — stories with
// their documents and words, chapters, kudos, reading-list entries and
// reading progress — through COPY in batches instead of one statement per
// record, and sets what the ordinary write path moves record by record
// (a story's chapter count, its kudos, week, month and readers counters,
// the guild's sequences) once at Commit from the loaded rows. The store is
// empty when a load starts (Load checks it), so the counters recounted at
// Commit count this load's rows only.

// bulkFlushRows and bulkFlushBytes bound what the loader holds in memory
// before it copies it to the server (variables for the tests).
var (
	bulkFlushRows  = 20000
	bulkFlushBytes = 16 << 20
)

// storyKey names a story across guilds.
type storyKey struct{ guild, story int64 }

// seqKey names one of a guild's ID sequences.
type seqKey struct {
	guild int64
	kind  string
}

// bulkTable is one table's buffered rows, copied in column order.
type bulkTable struct {
	name string
	cols []string
	rows [][]any
}

// bulk buffers a load's rows. Tables are copied in the order of tables,
// which puts every row after those it refers to.
type bulk struct {
	stories, docs, words, chapters, kudos, lists, progress bulkTable
	tables                                                 []*bulkTable
	rows, bytes                                            int

	// pending maps a buffered story to its row's chapter_count, so that its
	// chapters count in the row itself; lateChapters counts the chapters
	// of stories already copied, set at Commit.
	pending      map[storyKey]*int32
	lateChapters map[storyKey]int32
	// seq is the highest ID loaded per guild and sequence.
	seq map[seqKey]int64
	// marks are the kudos marks (kudos.go) present when the load began, per
	// guild: [week, month].
	marks map[int64][2]int64
}

func newBulk(marks map[int64][2]int64) *bulk {
	b := &bulk{
		stories: bulkTable{name: "stories", cols: []string{"guild", "id", "title", "title_fold", "authors", "ao3_id", "rating", "words",
			"chapters_posted", "chapters_expected", "chapter_count", "added_by", "added_at", "mine", "fandoms_fold", "tags_fold",
			"series_fold", "series_ids"}},
		docs:     bulkTable{name: "story_docs", cols: []string{"guild", "id", "meta", "infos"}},
		words:    bulkTable{name: "story_words", cols: []string{"guild", "story", "word", "flags"}},
		chapters: bulkTable{name: "chapters", cols: []string{"guild", "story", "n", "title", "body", "notes", "end_notes", "sentences"}},
		kudos:    bulkTable{name: "kudos", cols: []string{"guild", "story", "user_id", "at", "in_week", "in_month"}},
		lists: bulkTable{name: "list_entries", cols: []string{"guild", "user_id", "story", "status", "chapter", "note", "added",
			"updated", "finished_at"}},
		progress:     bulkTable{name: "progress_events", cols: []string{"guild", "user_id", "at", "story"}},
		pending:      map[storyKey]*int32{},
		lateChapters: map[storyKey]int32{},
		seq:          map[seqKey]int64{},
		marks:        marks,
	}
	b.tables = []*bulkTable{&b.stories, &b.docs, &b.words, &b.chapters, &b.kudos, &b.lists, &b.progress}
	return b
}

// loadMarks reads every guild's kudos marks.
func loadMarks(ctx context.Context, tx pgx.Tx) (map[int64][2]int64, error) {
	marks := map[int64][2]int64{}
	err := each(ctx, tx, `SELECT guild, period, mark FROM kudos_marks`, nil, func(r pgx.Rows) error {
		var g, mark int64
		var period int16
		if err := r.Scan(&g, &period, &mark); err != nil {
			return err
		}
		m := marks[g]
		if period >= 1 && period <= 2 {
			m[period-1] = mark
		}
		marks[g] = m
		return nil
	})
	return marks, err
}

// add buffers one row of t, size bytes large, and copies every table when
// the buffer is full.
func (b *bulk) add(ctx context.Context, tx pgx.Tx, t *bulkTable, size int, row ...any) error {
	t.rows = append(t.rows, row)
	b.rows++
	b.bytes += size
	if b.rows >= bulkFlushRows || b.bytes >= bulkFlushBytes {
		return b.flush(ctx, tx)
	}
	return nil
}

// flush copies every buffered row, table by table.
func (b *bulk) flush(ctx context.Context, tx pgx.Tx) error {
	for _, t := range b.tables {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %d rows into %s: %w", len(t.rows), t.name, err)
		}
		clear(t.rows)
		t.rows = t.rows[:0]
	}
	clear(b.pending)
	b.rows, b.bytes = 0, 0
	return nil
}

// bumpSeq notes that guild's sequence of kind must reach at least id.
func (b *bulk) bumpSeq(guild int64, kind string, id int64) {
	k := seqKey{guild, kind}
	b.seq[k] = max(b.seq[k], id)
}

// story buffers a story's row, documents and words.
func (b *bulk) story(ctx context.Context, tx pgx.Tx, gid int64, r *shelf.StoryRecord) error {
	sid, err := parseID("story", r.ID)
	if err != nil {
		return err
	}
	var by int64 // records older than the adder field read as 0
	if r.AddedBy != "" && r.AddedBy != "0" {
		if by, err = parseID("user", r.AddedBy); err != nil {
			return err
		}
	}
	m := r.Story
	m.Chapters = nil
	meta, err := json.Marshal(m)
	if err != nil {
		return err
	}
	infos := r.Chapters
	if infos == nil {
		infos = []shelf.ChapterInfo{}
	}
	inf, err := json.Marshal(infos)
	if err != nil {
		return err
	}
	authors := m.Authors
	if authors == nil {
		authors = []string{}
	}
	seriesFold, seriesIDs := shelf.SeriesFacets(m.SeriesRefs)
	k := storyKey{gid, sid}
	count := new(int32)
	// chapter_count is a pointer, read when the row is copied: the story's
	// chapters still buffered with it count in it (pgx encodes *int32 as
	// the value it points to).
	b.stories.rows = append(b.stories.rows, []any{gid, sid, m.Title, shelf.FoldString(m.Title), authors, m.AO3ID,
		string(m.Rating), int32(m.Words), int32(m.ChaptersPosted), int32(m.ChaptersExpected), count, by,
		r.AddedAt.UnixNano(), r.Mine, foldAll(m.Fandoms), foldAll(m.Tags, m.Relationships, m.Characters, m.Categories),
		seriesFold, seriesIDs})
	b.pending[k] = count
	b.bumpSeq(gid, "stories", sid)
	words, flags := wordsOf(m.Title, m.Authors)
	for i, w := range words {
		b.words.rows = append(b.words.rows, []any{gid, sid, w, flags[i]})
	}
	b.rows += 1 + len(words)
	// Last, as it may copy everything buffered, the story's row included.
	return b.add(ctx, tx, &b.docs, len(meta)+len(inf), gid, sid, meta, inf)
}

// chapter buffers one chapter and counts it in its story.
func (b *bulk) chapter(ctx context.Context, tx pgx.Tx, gid int64, c *shelf.ChapterItem) error {
	sid, err := parseID("story", c.StoryID)
	if err != nil {
		return err
	}
	k := storyKey{gid, sid}
	if n, ok := b.pending[k]; ok {
		*n++
	} else {
		b.lateChapters[k]++
	}
	size := len(c.Chapter.Title) + len(c.Chapter.Text) + len(c.Chapter.Notes) + len(c.Chapter.EndNotes) + len(c.Sentences)
	return b.add(ctx, tx, &b.chapters, size, gid, sid, int32(c.Number), c.Chapter.Title, c.Chapter.Text,
		c.Chapter.Notes, c.Chapter.EndNotes, c.Sentences)
}

// kudo buffers one kudos, counted in the week and month unless given
// before the guild's marks.
func (b *bulk) kudo(ctx context.Context, tx pgx.Tx, gid int64, k *shelf.KudoItem) error {
	sid, err := parseID("story", k.StoryID)
	if err != nil {
		return err
	}
	uid, err := parseID("user", k.UserID)
	if err != nil {
		return err
	}
	at := k.At.UnixNano()
	m := b.marks[gid]
	return b.add(ctx, tx, &b.kudos, 48, gid, sid, uid, at, at >= m[0], at >= m[1])
}

// listEntry buffers one reading-list entry.
func (b *bulk) listEntry(ctx context.Context, tx pgx.Tx, gid int64, it *shelf.ListEntryItem) error {
	e := it.Entry
	uid, err := parseID("user", it.UserID)
	if err != nil {
		return err
	}
	sid, err := parseID("story", e.StoryID)
	if err != nil {
		return err
	}
	st, err := shelf.ParseStatus(string(e.Status))
	if err != nil {
		return err
	}
	var finished int64
	if !it.FinishedAt.IsZero() && st == shelf.StatusFinished {
		finished = it.FinishedAt.UnixNano()
	}
	return b.add(ctx, tx, &b.lists, 64+len(e.Note), gid, uid, sid, string(st), int32(e.Chapter), e.Note,
		e.Added.UnixNano(), e.Updated.UnixNano(), finished)
}

// progressEvent buffers one reading-progress event.
func (b *bulk) progressEvent(ctx context.Context, tx pgx.Tx, gid int64, p *shelf.ProgressItem) error {
	uid, err := parseID("user", p.UserID)
	if err != nil {
		return err
	}
	sid, err := parseID("story", p.StoryID)
	if err != nil {
		return err
	}
	return b.add(ctx, tx, &b.progress, 32, gid, uid, p.At.UnixNano(), sid)
}

// finish copies what is left and sets the chapter counts of stories
// copied before their chapters, the guilds' sequences, and every loaded
// story's counters from its kudos and reading-list rows.
func (b *bulk) finish(ctx context.Context, tx pgx.Tx) error {
	if err := b.flush(ctx, tx); err != nil {
		return err
	}
	if len(b.lateChapters) > 0 {
		var gs, ss []int64
		var ns []int32
		for k, n := range b.lateChapters {
			gs, ss, ns = append(gs, k.guild), append(ss, k.story), append(ns, n)
		}
		if _, err := tx.Exec(ctx, `UPDATE stories s SET chapter_count = s.chapter_count + c.n
			FROM unnest($1::int8[], $2::int8[], $3::int4[]) AS c(guild, story, n)
			WHERE s.guild = c.guild AND s.id = c.story`, gs, ss, ns); err != nil {
			return fmt.Errorf("count chapters: %w", err)
		}
	}
	if len(b.seq) > 0 {
		var gs, ids []int64
		var kinds []string
		for k, id := range b.seq {
			gs, kinds, ids = append(gs, k.guild), append(kinds, k.kind), append(ids, id)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO guild_seq (guild, kind, last)
			SELECT * FROM unnest($1::int8[], $2::text[], $3::int8[])
			ON CONFLICT (guild, kind) DO UPDATE SET last = greatest(guild_seq.last, excluded.last)`, gs, kinds, ids); err != nil {
			return fmt.Errorf("sequences: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE story_counts c SET kudos = k.n, week = k.w, month = k.m
		FROM (SELECT guild, story, count(*)::int AS n, (count(*) FILTER (WHERE in_week))::int AS w,
			(count(*) FILTER (WHERE in_month))::int AS m FROM kudos GROUP BY guild, story) k
		WHERE c.guild = k.guild AND c.story = k.story`); err != nil {
		return fmt.Errorf("count kudos: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE story_counts c SET readers = l.n
		FROM (SELECT guild, story, count(*)::int AS n FROM list_entries GROUP BY guild, story) l
		WHERE c.guild = l.guild AND c.story = l.story`); err != nil {
		return fmt.Errorf("count readers: %w", err)
	}
	return nil
}
