package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// storyCols are the columns scanStory reads, in order, from storyFrom.
const (
	storyCols = `s.id, s.guild, d.meta, d.infos, s.added_by, s.added_at, s.mine, sc.kudos, sc.readers`
	storyFrom = `stories s JOIN story_docs d ON d.guild = s.guild AND d.id = s.id
		JOIN story_counts sc ON sc.guild = s.guild AND sc.story = s.id`
)

func scanStory(row pgx.Row) (shelf.StoryRecord, error) {
	var (
		id, guild, addedBy, addedAt int64
		meta, infos                 []byte
		mine                        bool
		kudos, readers              int
	)
	if err := row.Scan(&id, &guild, &meta, &infos, &addedBy, &addedAt, &mine, &kudos, &readers); err != nil {
		return shelf.StoryRecord{}, err
	}
	return makeRecord(id, guild, meta, infos, addedBy, addedAt, mine, kudos, readers)
}

// makeRecord decodes a story's record from its columns.
func makeRecord(id, guild int64, meta, infos []byte, addedBy, addedAt int64, mine bool, kudos, readers int) (shelf.StoryRecord, error) {
	rec := shelf.StoryRecord{ID: fmtID(id), GuildID: fmtID(guild), AddedBy: fmtID(addedBy),
		AddedAt: fromNanos(addedAt), Mine: mine, Kudos: kudos, Readers: readers}
	if err := json.Unmarshal(meta, &rec.Story); err != nil {
		return rec, fmt.Errorf("story %d: %w", id, err)
	}
	if err := json.Unmarshal(infos, &rec.Chapters); err != nil {
		return rec, fmt.Errorf("story %d chapters: %w", id, err)
	}
	return rec, nil
}

// loadStory reads one story's record.
func loadStory(ctx context.Context, q querier, guild, id int64) (shelf.StoryRecord, error) {
	rec, err := scanStory(q.QueryRow(ctx, `SELECT `+storyCols+` FROM `+storyFrom+` WHERE s.guild = $1 AND s.id = $2`, guild, id))
	if err != nil {
		return rec, notFound(err, "story %d", id)
	}
	return rec, nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Flags of a word in story_words, as bolt's index keeps them.
const (
	fTitle      = 1 // the word occurs in the title
	fAuthor     = 2 // the word occurs in an author's name
	fTitleFirst = 4 // the word is the title's first word
)

// wordsOf returns the distinct words of title and authors with their flags.
func wordsOf(title string, authors []string) ([]string, []int16) {
	m := map[string]int16{}
	var order []string
	add := func(w string, f int16) {
		if _, ok := m[w]; !ok {
			order = append(order, w)
		}
		m[w] |= f
	}
	for i, w := range shelf.Tokens(title) {
		f := int16(fTitle)
		if i == 0 {
			f |= fTitleFirst
		}
		add(w, f)
	}
	for _, a := range authors {
		for _, w := range shelf.Tokens(a) {
			add(w, fAuthor)
		}
	}
	flags := make([]int16, len(order))
	for i, w := range order {
		flags[i] = m[w]
	}
	return order, flags
}

func foldAll(lists ...[]string) []string {
	out := []string{}
	for _, l := range lists {
		for _, x := range l {
			out = append(out, shelf.FoldString(x))
		}
	}
	return out
}

// writeStory inserts (or, with update, replaces) story id's row, words and
// chapters. kudos and readers are left as they are.
func writeStory(ctx context.Context, tx pgx.Tx, guild, id int64, p *shelf.PreparedStory, addedBy, addedAt int64, mine, update bool) error {
	meta, err := json.Marshal(p.Meta)
	if err != nil {
		return err
	}
	infos := p.Infos
	if infos == nil {
		infos = []shelf.ChapterInfo{}
	}
	inf, err := json.Marshal(infos)
	if err != nil {
		return err
	}
	m := &p.Meta
	authors := m.Authors
	if authors == nil {
		authors = []string{}
	}
	seriesFold, seriesIDs := shelf.SeriesFacets(m.SeriesRefs)
	args := []any{guild, id, m.Title, shelf.FoldString(m.Title), authors, m.AO3ID, string(m.Rating), m.Words,
		m.ChaptersPosted, m.ChaptersExpected, len(p.Chapters), addedBy, addedAt, mine,
		foldAll(m.Fandoms), foldAll(m.Tags, m.Relationships, m.Characters, m.Categories), seriesFold, seriesIDs}
	if update {
		_, err = tx.Exec(ctx, `UPDATE stories SET title = $3, title_fold = $4, authors = $5, ao3_id = $6, rating = $7,
			words = $8, chapters_posted = $9, chapters_expected = $10, chapter_count = $11, fandoms_fold = $12,
			tags_fold = $13, series_fold = $14, series_ids = $15 WHERE guild = $1 AND id = $2`,
			append(args[:11:11], args[14:]...)...)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE story_docs SET meta = $3, infos = $4 WHERE guild = $1 AND id = $2`, guild, id, meta, inf)
		}
	} else {
		_, err = tx.Exec(ctx, `INSERT INTO stories (guild, id, title, title_fold, authors, ao3_id, rating, words,
			chapters_posted, chapters_expected, chapter_count, added_by, added_at, mine, fandoms_fold, tags_fold,
			series_fold, series_ids)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, args...)
		if err == nil {
			_, err = tx.Exec(ctx, `INSERT INTO story_docs (guild, id, meta, infos) VALUES ($1, $2, $3, $4)`, guild, id, meta, inf)
		}
	}
	if err != nil {
		return err
	}
	if update {
		if _, err := tx.Exec(ctx, `DELETE FROM story_words WHERE guild = $1 AND story = $2`, guild, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM chapters WHERE guild = $1 AND story = $2`, guild, id); err != nil {
			return err
		}
	}
	words, flags := wordsOf(m.Title, m.Authors)
	if len(words) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO story_words (guild, story, word, flags)
			SELECT $1, $2, w, f FROM unnest($3::text[], $4::int2[]) AS t(w, f)`, guild, id, words, flags); err != nil {
			return err
		}
	}
	if len(p.Chapters) > 0 {
		rows := make([][]any, len(p.Chapters))
		for i, c := range p.Chapters {
			rows[i] = []any{guild, id, int32(i + 1), c.Chapter.Title, c.Chapter.Text, c.Chapter.Notes, c.Chapter.EndNotes, c.Sentences}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"chapters"},
			[]string{"guild", "story", "n", "title", "body", "notes", "end_notes", "sentences"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
	}
	return nil
}

// ao3Owner returns the story of guild holding AO3 work id, 0 when none.
func ao3Owner(ctx context.Context, tx pgx.Tx, guild, ao3 int64) (int64, error) {
	if ao3 <= 0 {
		return 0, nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM stories WHERE guild = $1 AND ao3_id = $2`, guild, ao3).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// AddStory adds s with a new ID. Two processes adding the same AO3 work at
// once: the unique index refuses the second, which then reports the first
// as a *shelf.DuplicateError.
func (s *Store) AddStory(ctx context.Context, guild string, st *fic.Story, chapters []shelf.NewChapter, addedBy string, mine bool, at time.Time) (shelf.StoryRecord, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("add story: %w", err)
	}
	adder, err := parseID("user", addedBy)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("add story: %w", err)
	}
	p, err := shelf.PrepareStory(st, chapters)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("add story: %w", err)
	}
	ts := nanos(at)
	var rec shelf.StoryRecord
	for attempt := 0; ; attempt++ {
		err = s.tx(ctx, "add story", func(tx pgx.Tx) error {
			if dup, err := ao3Owner(ctx, tx, gid, p.Meta.AO3ID); err != nil {
				return err
			} else if dup != 0 {
				return &shelf.DuplicateError{AO3ID: p.Meta.AO3ID, ExistingID: fmtID(dup)}
			}
			id, err := nextID(ctx, tx, gid, "stories")
			if err != nil {
				return err
			}
			if err := markUpload(ctx, tx, gid, id, shelf.UploadAdded); err != nil { // uploads.go
				return err
			}
			if err := writeStory(ctx, tx, gid, id, &p, adder, ts, mine, false); err != nil {
				return err
			}
			rec, err = loadStory(ctx, tx, gid, id)
			return err
		})
		if attempt < 3 && pgCode(err) == "23505" {
			continue // the AO3 work was added concurrently: report it
		}
		break
	}
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	return rec, nil
}

// Story returns one story's record.
func (s *Store) Story(ctx context.Context, guild, id string) (shelf.StoryRecord, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story: %w", err)
	}
	sid, err := parseID("story", id)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story: %w", err)
	}
	if s.closed.Load() {
		return shelf.StoryRecord{}, fmt.Errorf("story: %w", shelf.ErrClosed)
	}
	rec, err := loadStory(ctx, s.db, gid, sid)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story: %w", s.mapErr(err))
	}
	return rec, nil
}

// StoryByAO3 returns the guild's story of AO3 work workID.
func (s *Store) StoryByAO3(ctx context.Context, guild string, workID int64) (shelf.StoryRecord, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story by AO3 ID: %w", err)
	}
	if workID <= 0 {
		return shelf.StoryRecord{}, fmt.Errorf("story by AO3 ID: AO3 work %d: %w", workID, shelf.ErrNotFound)
	}
	if s.closed.Load() {
		return shelf.StoryRecord{}, fmt.Errorf("story by AO3 ID: %w", shelf.ErrClosed)
	}
	rec, err := scanStory(s.db.QueryRow(ctx, `SELECT `+storyCols+` FROM `+storyFrom+` WHERE s.guild = $1 AND s.ao3_id = $2`, gid, workID))
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("story by AO3 ID: %w", s.mapErr(notFound(err, "AO3 work %d", workID)))
	}
	return rec, nil
}

// UpdateStory replaces a story's metadata and chapters and extends the
// schedules of the active clubs reading it, in one transaction.
func (s *Store) UpdateStory(ctx context.Context, guild, id string, st *fic.Story, chapters []shelf.NewChapter, now time.Time) (shelf.StoryRecord, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("update story: %w", err)
	}
	sid, err := parseID("story", id)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("update story: %w", err)
	}
	p, err := shelf.PrepareStory(st, chapters)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("update story: %w", err)
	}
	var rec shelf.StoryRecord
	for attempt := 0; ; attempt++ {
		err = s.tx(ctx, "update story", func(tx pgx.Tx) error {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT true FROM stories WHERE guild = $1 AND id = $2 FOR UPDATE`, gid, sid).Scan(&exists); err != nil {
				return notFound(err, "story %d", sid)
			}
			if dup, err := ao3Owner(ctx, tx, gid, p.Meta.AO3ID); err != nil {
				return err
			} else if dup != 0 && dup != sid {
				return &shelf.DuplicateError{AO3ID: p.Meta.AO3ID, ExistingID: fmtID(dup)}
			}
			if err := markUpload(ctx, tx, gid, sid, shelf.UploadUpdated); err != nil { // uploads.go
				return err
			}
			if err := writeStory(ctx, tx, gid, sid, &p, 0, 0, false, true); err != nil {
				return err
			}
			if err := extendClubs(ctx, tx, gid, sid, now); err != nil {
				return err
			}
			rec, err = loadStory(ctx, tx, gid, sid)
			return err
		})
		if attempt < 3 && pgCode(err) == "23505" {
			continue
		}
		break
	}
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	return rec, nil
}

// RemoveStory removes a story; its chapters, words, kudos, list entries,
// recs and rec thread go with it (foreign keys cascade), and the active
// clubs reading it end.
func (s *Store) RemoveStory(ctx context.Context, guild, id string) error {
	gid, err := parseGuild(guild)
	if err != nil {
		return fmt.Errorf("remove story: %w", err)
	}
	sid, err := parseID("story", id)
	if err != nil {
		return fmt.Errorf("remove story: %w", err)
	}
	return s.tx(ctx, "remove story", func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM stories WHERE guild = $1 AND id = $2`, gid, sid)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("story %d: %w", sid, shelf.ErrNotFound)
		}
		return endStoryClubs(ctx, tx, gid, sid, time.Now())
	})
}

// Chapter returns chapter n of a story.
func (s *Store) Chapter(ctx context.Context, guild, id string, n int) (shelf.ChapterRecord, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.ChapterRecord{}, fmt.Errorf("chapter: %w", err)
	}
	sid, err := parseID("story", id)
	if err != nil {
		return shelf.ChapterRecord{}, fmt.Errorf("chapter: %w", err)
	}
	if n < 1 || n > 1<<30 {
		return shelf.ChapterRecord{}, fmt.Errorf("chapter: chapter %d of story %d: %w", n, sid, shelf.ErrNotFound)
	}
	if s.closed.Load() {
		return shelf.ChapterRecord{}, fmt.Errorf("chapter: %w", shelf.ErrClosed)
	}
	rec := shelf.ChapterRecord{StoryID: fmtID(sid), Number: n}
	err = s.db.QueryRow(ctx, `SELECT title, body, notes, end_notes, sentences FROM chapters
		WHERE guild = $1 AND story = $2 AND n = $3`, gid, sid, n).
		Scan(&rec.Title, &rec.Text, &rec.Notes, &rec.EndNotes, &rec.Sentences)
	if err != nil {
		return shelf.ChapterRecord{}, fmt.Errorf("chapter: %w", s.mapErr(notFound(err, "chapter %d of story %d", n, sid)))
	}
	return rec, nil
}

// ViewChapter calls fn with chapter n (a copy: PostgreSQL's text arrives
// over the wire anyway).
func (s *Store) ViewChapter(ctx context.Context, guild, id string, n int, fn func(shelf.ChapterRecord) error) error {
	rec, err := s.Chapter(ctx, guild, id, n)
	if err != nil {
		return err
	}
	return fn(rec)
}

// ListStories returns one page of stories matching q and how many match.
// The page is read from the index of its sort order with LIMIT (kudos from
// story_counts', the others from stories'), so only the page's stories are
// decoded; a fandom or tag filter is first matched against the guild's
// distinct values (guild_facets), and the stories holding a matching value
// are read from story_facets' index (work in proportion to the stories
// that match, not to the guild's size). Without filters
// the total is the guild's story count kept by trigger; with filters it
// counts the matching stories (through the same indexes). One statement,
// one snapshot: the page and its total always agree.
func (s *Store) ListStories(ctx context.Context, guild string, q shelf.ListQuery) ([]shelf.StoryRecord, int, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, 0, fmt.Errorf("list stories: %w", err)
	}
	var rating string
	if strings.TrimSpace(q.Rating) != "" {
		r, ok := fic.ParseRating(q.Rating)
		if !ok {
			return nil, 0, fmt.Errorf("list stories: rating %q: %w", shelf.Truncate(q.Rating, 40), shelf.ErrInvalid)
		}
		rating = string(r)
	}
	if _, _, err := listSQL(gid, rating, q, nil, nil); err != nil {
		return nil, 0, fmt.Errorf("list stories: %w", err)
	}
	fandom, tag := shelf.FoldString(q.Fandom), shelf.FoldString(q.Tag)
	if fandom == "" && tag == "" {
		if s.closed.Load() {
			return nil, 0, fmt.Errorf("list stories: %w", shelf.ErrClosed)
		}
		sql, args, _ := listSQL(gid, rating, q, nil, nil)
		page, n, err := listPage(ctx, s.db, sql, args)
		if err != nil {
			return nil, 0, fmt.Errorf("list stories: %w", s.mapErr(err))
		}
		return page, n, nil
	}
	// Filtered: the values matched first, then the page and its total in
	// one statement (one snapshot: the values' story counts only choose
	// the plan; a value added in between is not listed, as if typed a
	// moment earlier).
	if s.closed.Load() {
		return nil, 0, fmt.Errorf("list stories: %w", shelf.ErrClosed)
	}
	var fandoms, tags *facetMatch
	for _, f := range []struct {
		kind, typed string
		out         **facetMatch
	}{{"f", fandom, &fandoms}, {"t", tag, &tags}} {
		if f.typed == "" {
			continue
		}
		m, err := matchFacets(ctx, s.db, gid, f.kind, f.typed)
		if err != nil {
			return nil, 0, fmt.Errorf("list stories: %w", s.mapErr(err))
		}
		if len(m.values) == 0 {
			return nil, 0, nil // no value matches: no story does
		}
		*f.out = &m
	}
	sql, args, _ := listSQL(gid, rating, q, fandoms, tags)
	page, n, err := listPage(ctx, s.db, sql, args)
	if err != nil {
		return nil, 0, fmt.Errorf("list stories: %w", s.mapErr(err))
	}
	return page, n, nil
}

// listPage runs listSQL's statement: the page's stories and the total.
func listPage(ctx context.Context, q querier, sql string, args []any) ([]shelf.StoryRecord, int, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var (
		page []shelf.StoryRecord
		n    int64
	)
	for rows.Next() {
		var (
			id, g, by, added *int64
			meta, infos      []byte
			mine             *bool
			kudos, readers   *int
		)
		if err := rows.Scan(&id, &g, &meta, &infos, &by, &added, &mine, &kudos, &readers, &n); err != nil {
			return nil, 0, err
		}
		if id == nil {
			break // an empty page: the total alone
		}
		rec, err := makeRecord(*id, *g, meta, infos, *by, *added, *mine, *kudos, *readers)
		if err != nil {
			return nil, 0, err
		}
		page = append(page, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return page, int(n), nil
}

// facetMatch is what a fandom or tag filter matched among the guild's
// values (guild_facets): the values, and how many stories hold each.
type facetMatch struct {
	values  []string
	stories int64 // the sum: at least the stories matching, at most that
}

// hashFacetLimit is the number of matching stories up to which a filtered
// page is cut from all of them (read from story_facets, sorted); past it,
// the sort order's index is walked and each story's values probed, which
// reads about guild size ÷ matches index entries per story shown — at most
// 25 per story in a 50,000-story guild.
const hashFacetLimit = 2000

// matchFacets matches a typed filter (folded) against the guild's values.
func matchFacets(ctx context.Context, q querier, gid int64, kind, typed string) (facetMatch, error) {
	var m facetMatch
	rows, err := q.Query(ctx, `SELECT value, stories FROM guild_facets WHERE guild = $1 AND kind = $2 AND stories > 0
		AND strpos(value, $3) > 0`, gid, kind, typed)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return m, err
		}
		m.values = append(m.values, v)
		m.stories += n
	}
	return m, rows.Err()
}

// listSQL is ListStories' statement for q (rating parsed; fandoms and
// tags the values their filters matched, nil when not given) and its
// arguments.
func listSQL(gid int64, rating string, q shelf.ListQuery, fandoms, tags *facetMatch) (string, []any, error) {
	from, order := "stories s", "s.added_at DESC, s.id DESC"
	switch q.Sort {
	case "", shelf.SortNewest:
	case shelf.SortKudos:
		from = "story_counts sc JOIN stories s ON s.guild = sc.guild AND s.id = sc.story"
		order = "sc.kudos DESC, sc.added_at DESC, sc.story DESC"
	case shelf.SortTitle:
		order = "s.title_fold, " + order
	case shelf.SortWords:
		order = "s.words DESC, " + order
	default:
		return "", nil, fmt.Errorf("sort %q: %w", shelf.Truncate(string(q.Sort), 40), shelf.ErrInvalid)
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	q.Limit = min(q.Limit, 100)
	q.Offset = max(q.Offset, 0)
	seriesText, seriesID := shelf.SeriesQuery(q.Series)
	// Only the filters given appear in the statement, so that each
	// combination gets a plan (prepared once per connection) that uses its
	// indexes; the page size is written in, so that the generic plan knows
	// the page is small (a parameter is planned as a tenth of the guild,
	// which joined the page to a whole scan of story_counts).
	args := []any{gid, q.Offset}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := "s.guild = $1"
	if rating != "" {
		where += " AND s.rating = " + arg(rating)
	}
	// Few matching stories (the filter with fewer drives): take them all
	// from story_facets and probe each one's row by primary key (LATERAL
	// ... LIMIT 1, which the planner cannot turn into a join), then sort
	// them; the generic plan otherwise hash-joined them to an index scan
	// of every story of the guild. Many: walk the sort order and probe
	// each story's values (a scalar subquery, which the planner never
	// turns into a join).
	var driver *facetMatch
	for _, m := range []*facetMatch{fandoms, tags} {
		if m != nil && m.stories <= hashFacetLimit && (driver == nil || m.stories < driver.stories) {
			driver = m
		}
	}
	// The total counts the matching stories through the IN form (hashed),
	// whichever form cuts the page.
	counted := where
	facets := 0
	facet := func(kind string, m *facetMatch) {
		if m == nil {
			return
		}
		facets++
		vals := arg(m.values)
		in := ` AND s.id IN (SELECT story FROM story_facets WHERE guild = $1 AND kind = '` + kind + `'
				AND value = ANY (` + vals + `::text[]))`
		counted += in
		if m == driver {
			from = drivenFrom(q.Sort, `(SELECT DISTINCT story FROM story_facets WHERE guild = $1 AND kind = '`+kind+`'
				AND value = ANY (`+vals+`::text[]))`)
		} else {
			where += ` AND (SELECT true FROM story_facets f WHERE f.guild = $1 AND f.story = s.id AND f.kind = '` + kind + `'
				AND f.value = ANY (` + vals + `::text[]) LIMIT 1)`
		}
	}
	facet("f", fandoms)
	facet("t", tags)
	if seriesText != "" {
		t, idp := arg(seriesText), arg(seriesID)
		series := ` AND (` + idp + `::bigint > 0 AND ` + idp + `::bigint = ANY (s.series_ids)
			OR EXISTS (SELECT 1 FROM unnest(s.series_fold) x WHERE strpos(x, ` + t + `) > 0))`
		where += series
		counted += series
	}
	total := `(SELECT count(*) FROM stories s WHERE ` + counted + `)`
	switch {
	case len(args) == 2:
		total = `coalesce((SELECT stories FROM guild_counts WHERE guild = $1), 0)`
	case len(args) == 3 && facets == 1:
		// One filter alone: the stories holding its values, from
		// story_facets' index (or, for one value, its kept count).
		kind, m := "f", fandoms
		if tags != nil {
			kind, m = "t", tags
		}
		total = `(SELECT count(DISTINCT story) FROM story_facets WHERE guild = $1 AND kind = '` + kind + `' AND value = ANY ($3::text[]))`
		if len(m.values) == 1 {
			total = `coalesce((SELECT stories FROM guild_facets WHERE guild = $1 AND kind = '` + kind + `' AND value = ($3::text[])[1]), 0)`
		}
	}
	// The page's keys first (an index walk that stops after LIMIT rows),
	// then their documents; the total beside each row, or alone when the
	// page is empty.
	return `WITH p AS (SELECT s.id, row_number() OVER () AS o FROM (
		SELECT s.id FROM ` + from + ` WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ` + strconv.Itoa(q.Limit) + ` OFFSET $2) s),
		t AS (SELECT ` + total + ` AS n)
		SELECT ` + storyCols + `, t.n FROM t LEFT JOIN (p JOIN (` + storyFrom + `) ON s.guild = $1 AND s.id = p.id) ON true
		ORDER BY p.o`, args, nil
}

// drivenFrom is a page's FROM for sort when the stories it may hold are
// the IDs of the subquery matched (a column story): each one's stories
// row (and for SortKudos its story_counts row) probed by primary key.
func drivenFrom(sort shelf.Sort, matched string) string {
	from := matched + ` m CROSS JOIN LATERAL (SELECT * FROM stories WHERE guild = $1 AND id = m.story LIMIT 1) s`
	if sort == shelf.SortKudos {
		from += ` CROSS JOIN LATERAL (SELECT * FROM story_counts WHERE guild = $1 AND story = m.story LIMIT 1) sc`
	}
	return from
}

// withExtra scans a row whose columns are scanStory's followed by one more,
// into extra.
type withExtra struct {
	rows  pgx.Rows
	extra any
}

func (w withExtra) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra)...) }

// SearchStories answers autocomplete from story_words: each typed word is a
// range scan of the (guild, word) index, and only the candidate stories are
// ranked, in SQL, exactly as the BoltDB engine ranks them.
func (s *Store) SearchStories(ctx context.Context, guild, query string, limit int) ([]shelf.StoryRef, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return nil, fmt.Errorf("search stories: %w", err)
	}
	toks, limit := shelf.SearchQuery(query, limit)
	if s.closed.Load() {
		return nil, fmt.Errorf("search stories: %w", shelf.ErrClosed)
	}
	var rows pgx.Rows
	if len(toks) == 0 {
		rows, err = s.db.Query(ctx, `SELECT s.id, s.title, s.authors FROM story_counts sc
			JOIN stories s ON s.guild = sc.guild AND s.id = sc.story WHERE sc.guild = $1
			ORDER BY sc.kudos DESC, sc.added_at DESC, sc.story DESC LIMIT $2`, gid, limit)
	} else {
		uppers := make([]string, len(toks))
		for i, t := range toks {
			uppers[i] = t + "\U0010FFFF"
		}
		// A broad prefix in a big guild: most popular first (searchpop.go).
		if out, ok, err := s.searchPopular(ctx, gid, toks, uppers, limit); err != nil {
			return nil, fmt.Errorf("search stories: %w", s.mapErr(err))
		} else if ok {
			return out, nil
		}
		rows, err = s.db.Query(ctx, `
WITH t AS (SELECT tok, up, ord FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(tok, up, ord)),
p AS (
	SELECT w.story, t.ord,
		bool_or(w.word = t.tok) AS ex,
		bool_or(w.flags & 1 <> 0) AS it,
		bool_or(t.ord = 1 AND w.flags & 4 <> 0) AS ts
	FROM t JOIN story_words w ON w.guild = $1 AND w.word >= t.tok AND w.word < t.up
	GROUP BY w.story, t.ord),
m AS (
	SELECT story, count(*) AS n, bool_or(ts) AS ts,
		count(*) FILTER (WHERE ex) AS ex, count(*) FILTER (WHERE it) AS it
	FROM p GROUP BY story),
cut AS (
	SELECT n, ts, ex, it FROM m ORDER BY n DESC, ts DESC, ex DESC, it DESC OFFSET $4 - 1 LIMIT 1),
r AS (
	SELECT s.id, m.n, m.ts, m.ex, m.it, s.kudos, s.added_at FROM m CROSS JOIN LATERAL (
		-- OFFSET 0 keeps this a lookup per candidate: the planner cannot
		-- estimate m and would otherwise hash the whole guild.
		SELECT story AS id, kudos, added_at FROM story_counts WHERE guild = $1 AND story = m.story OFFSET 0) s
	WHERE NOT EXISTS (SELECT 1 FROM cut) OR (m.n, m.ts, m.ex, m.it) >= (SELECT n, ts, ex, it FROM cut)
	ORDER BY m.n DESC, m.ts DESC, m.ex DESC, m.it DESC, s.kudos DESC, s.added_at DESC, s.id DESC
	LIMIT $4)
SELECT s.id, s.title, s.authors FROM r JOIN stories s ON s.guild = $1 AND s.id = r.id
ORDER BY r.n DESC, r.ts DESC, r.ex DESC, r.it DESC, r.kudos DESC, r.added_at DESC, r.id DESC
`, gid, toks, uppers, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("search stories: %w", s.mapErr(err))
	}
	out, err := scanRefs(rows)
	if err != nil {
		return nil, fmt.Errorf("search stories: %w", s.mapErr(err))
	}
	return out, nil
}

func scanRefs(rows pgx.Rows) ([]shelf.StoryRef, error) {
	defer rows.Close()
	out := []shelf.StoryRef{}
	for rows.Next() {
		var (
			id      int64
			r       shelf.StoryRef
			authors []string
		)
		if err := rows.Scan(&id, &r.Title, &authors); err != nil {
			return nil, err
		}
		r.ID = fmtID(id)
		if len(authors) > 0 {
			r.Authors = authors
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResolveStory finds the story a member meant: an ID, else an exact folded
// title, else a unique prefix (both answered by the title index), else a
// *shelf.ResolveError with the closest titles (closestTitles, only then).
func (s *Store) ResolveStory(ctx context.Context, guild, input string) (shelf.StoryRecord, error) {
	gid, err := parseGuild(guild)
	if err != nil {
		return shelf.StoryRecord{}, fmt.Errorf("resolve story: %w", err)
	}
	// Most inputs are the ID that autocomplete filled in: one statement on
	// the pool answers them (one round trip instead of BEGIN, SELECT,
	// COMMIT). Anything else, an ID that is not a story of the guild
	// included, takes the read transaction below.
	if sid, err := shelf.ParseID("story", strings.TrimSpace(input)); err == nil {
		if s.closed.Load() {
			return shelf.StoryRecord{}, fmt.Errorf("resolve story: %w", shelf.ErrClosed)
		}
		rec, err := loadStory(ctx, s.db, gid, int64(sid))
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, shelf.ErrNotFound) {
			return shelf.StoryRecord{}, fmt.Errorf("resolve story: %w", s.mapErr(err))
		}
	}
	var rec shelf.StoryRecord
	err = s.read(ctx, "resolve story", func(tx pgx.Tx) error {
		var err error
		rec, err = resolve(ctx, tx, gid, input)
		return err
	})
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	return rec, nil
}

func resolve(ctx context.Context, tx pgx.Tx, gid int64, input string) (shelf.StoryRecord, error) {
	in := strings.TrimSpace(input)
	if sid, err := shelf.ParseID("story", in); err == nil {
		rec, err := loadStory(ctx, tx, gid, int64(sid))
		if err == nil || !errors.Is(err, shelf.ErrNotFound) {
			return rec, err
		}
	}
	folded := shelf.FoldString(in)
	if folded == "" {
		return shelf.StoryRecord{}, &shelf.ResolveError{Input: input}
	}
	pick := func(sql string, args ...any) ([]shelf.StoryRef, error) {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return nil, err
		}
		return scanRefs(rows)
	}
	exact, err := pick(`SELECT id, title, authors FROM stories WHERE guild = $1 AND title_fold = $2
		ORDER BY id LIMIT 5`, gid, folded)
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	refs := exact
	if len(refs) == 0 {
		refs, err = pick(`SELECT id, title, authors FROM stories WHERE guild = $1 AND title_fold > $2
			AND title_fold < $3 AND starts_with(title_fold, $2)
			ORDER BY octet_length(title_fold), id LIMIT 5`, gid, folded, folded+"\U0010FFFF")
		if err != nil {
			return shelf.StoryRecord{}, err
		}
	}
	switch {
	case len(refs) == 1:
		sid, _ := shelf.ParseID("story", refs[0].ID)
		return loadStory(ctx, tx, gid, int64(sid))
	case len(refs) > 1:
		return shelf.StoryRecord{}, &shelf.ResolveError{Input: input, Ambiguous: true, Suggestions: refs}
	}
	closest, err := closestTitles(ctx, tx, gid, folded)
	if err != nil {
		return shelf.StoryRecord{}, err
	}
	return shelf.StoryRecord{}, &shelf.ResolveError{Input: input, Suggestions: closest}
}

// exactMissLimit is the size up to which a guild's every title is scored
// for "did you mean" (about a millisecond's work); a bigger guild's
// suggestions are ranked among candidates drawn from indexes
// (missCandidates).
const exactMissLimit = 2000

// closestTitles returns the five titles closest to folded by
// shelf.TitleDistance, ties by lower ID. In a guild of up to
// exactMissLimit stories every title is scored; in a bigger one, only the
// candidates missCandidates draws from indexes, so a miss costs the same
// in a guild of any size (a suggestion may then differ from the exact
// five: a title whose words share no three-letter start with the typed
// words and that does not sort next to them).
func closestTitles(ctx context.Context, tx pgx.Tx, gid int64, folded string) ([]shelf.StoryRef, error) {
	var big bool
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT stories FROM guild_counts WHERE guild = $1), 0) > $2`,
		gid, exactMissLimit).Scan(&big); err != nil {
		return nil, err
	}
	var rows pgx.Rows
	var err error
	if big {
		rows, err = missCandidates(ctx, tx, gid, folded)
	} else {
		rows, err = tx.Query(ctx, `SELECT id, title_fold FROM stories WHERE guild = $1`, gid)
	}
	if err != nil {
		return nil, err
	}
	// The five best by the bit-parallel scorer, each candidate cut off
	// once it cannot enter; a story drawn twice is scored once.
	best := shelf.NewNearest[int64](folded, 5)
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		var fold string
		if err := rows.Scan(&id, &fold); err != nil {
			rows.Close()
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			best.Offer(id, uint64(id), fold)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ids := best.Items()
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err = tx.Query(ctx, `SELECT s.id, s.title, s.authors FROM unnest($2::int8[]) WITH ORDINALITY AS x(id, ord)
		JOIN stories s ON s.guild = $1 AND s.id = x.id ORDER BY x.ord`, gid, ids)
	if err != nil {
		return nil, err
	}
	return scanRefs(rows)
}

// missCandidates draws a big guild's "did you mean" candidates (id,
// folded title) from indexes, each part with LIMIT: the titles sorting
// just before and after the typed text (same start), and the stories with
// a title word starting with the first three letters of a typed word.
func missCandidates(ctx context.Context, tx pgx.Tx, gid int64, folded string) (pgx.Rows, error) {
	return tx.Query(ctx, missSQL, missArgs(gid, folded)...)
}

// missArgs are missSQL's arguments: the typed text, and the ranges of
// title words starting like each typed word.
func missArgs(gid int64, folded string) []any {
	starts, uppers := []string{}, []string{}
	for _, w := range shelf.Tokens(folded) {
		r := []rune(w)
		st := string(r[:min(3, len(r))])
		if slices.Contains(starts, st) {
			continue
		}
		starts = append(starts, st)
		uppers = append(uppers, st+"\U0010FFFF")
		if len(starts) == shelf.MaxQueryWords {
			break
		}
	}
	return []any{gid, folded, starts, uppers}
}

const missSQL = `
(SELECT id, title_fold FROM stories WHERE guild = $1 AND title_fold >= $2 ORDER BY title_fold LIMIT 25)
UNION ALL
(SELECT id, title_fold FROM stories WHERE guild = $1 AND title_fold < $2 ORDER BY title_fold DESC LIMIT 25)
UNION ALL
SELECT s.id, s.title_fold FROM (SELECT DISTINCT w.story FROM unnest($3::text[], $4::text[]) AS t(lo, hi) CROSS JOIN LATERAL (
	SELECT story FROM story_words
		WHERE guild = $1 AND word >= t.lo AND word < t.hi AND flags & 1 <> 0 LIMIT 400) w) w
	CROSS JOIN LATERAL (SELECT id, title_fold FROM stories WHERE guild = $1 AND id = w.story LIMIT 1) s`
