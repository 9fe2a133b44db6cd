package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"ficshelf/shelf"
)

// migrationLock is the advisory lock key Open holds while it migrates, so
// that processes started together apply each step once ("ficshelf" in
// ASCII, as an int64).
const migrationLock int64 = 0x6669637368656c66

// migrations are the schema's steps, in order; step i brings the schema to
// version i+1. Never edit a released step: append a new one.
var migrations = []string{
	// 1: the library, kudos, reading lists, recs, clubs and settings.
	`
CREATE TABLE guild_seq (
	guild bigint NOT NULL,
	kind  text   NOT NULL,
	last  bigint NOT NULL,
	PRIMARY KEY (guild, kind)
);
CREATE TABLE settings (
	guild bigint PRIMARY KEY,
	doc   bytea  NOT NULL
);
CREATE TABLE stories (
	guild             bigint  NOT NULL,
	id                bigint  NOT NULL,
	title             text    NOT NULL,
	title_fold        text    COLLATE "C" NOT NULL,
	authors           text[]  NOT NULL,
	ao3_id            bigint  NOT NULL DEFAULT 0,
	rating            text    NOT NULL,
	words             integer NOT NULL,
	chapters_posted   integer NOT NULL,
	chapters_expected integer NOT NULL,
	chapter_count     integer NOT NULL,
	added_by          bigint  NOT NULL,
	added_at          bigint  NOT NULL,
	mine              boolean NOT NULL,
	kudos             integer NOT NULL DEFAULT 0 CHECK (kudos >= 0),
	readers           integer NOT NULL DEFAULT 0 CHECK (readers >= 0),
	fandoms_fold      text[]  NOT NULL,
	tags_fold         text[]  NOT NULL,
	PRIMARY KEY (guild, id)
);
-- A story's documents (fic.Story metadata, chapter summaries) are read
-- whole and only by ID, so they live apart: the stories heap, which lists
-- and autocomplete scan and every kudos rewrites, stays narrow.
CREATE TABLE story_docs (
	guild bigint NOT NULL,
	id    bigint NOT NULL,
	meta  bytea  NOT NULL,
	infos bytea  NOT NULL,
	PRIMARY KEY (guild, id),
	FOREIGN KEY (guild, id) REFERENCES stories ON DELETE CASCADE
);
CREATE UNIQUE INDEX stories_ao3 ON stories (guild, ao3_id) WHERE ao3_id > 0;
CREATE INDEX stories_title ON stories (guild, title_fold);
-- Autocomplete with nothing typed: the most-kudos, newest stories.
CREATE INDEX stories_popular ON stories (guild, kudos DESC, added_at DESC, id DESC);
CREATE INDEX stories_added_by ON stories (guild, added_by);
CREATE TABLE chapters (
	guild     bigint  NOT NULL,
	story     bigint  NOT NULL,
	n         integer NOT NULL,
	title     text    NOT NULL,
	body      text    NOT NULL,
	notes     text    NOT NULL,
	end_notes text    NOT NULL,
	sentences bytea,
	PRIMARY KEY (guild, story, n),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE TABLE story_words (
	guild bigint   NOT NULL,
	word  text     COLLATE "C" NOT NULL,
	story bigint   NOT NULL,
	flags smallint NOT NULL,
	PRIMARY KEY (guild, word, story) INCLUDE (flags),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE INDEX story_words_story ON story_words (guild, story);
CREATE TABLE kudos (
	guild   bigint NOT NULL,
	story   bigint NOT NULL,
	user_id bigint NOT NULL,
	at      bigint NOT NULL,
	PRIMARY KEY (guild, story, user_id),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE INDEX kudos_user ON kudos (guild, user_id);
CREATE INDEX kudos_at ON kudos (guild, at);
CREATE TABLE list_entries (
	guild   bigint  NOT NULL,
	user_id bigint  NOT NULL,
	story   bigint  NOT NULL,
	status  text    NOT NULL,
	chapter integer NOT NULL,
	note    text    NOT NULL,
	added   bigint  NOT NULL,
	updated bigint  NOT NULL,
	PRIMARY KEY (guild, user_id, story),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE INDEX list_entries_story ON list_entries (guild, story);
CREATE TABLE rec_threads (
	guild bigint NOT NULL,
	story bigint NOT NULL,
	doc   bytea  NOT NULL,
	PRIMARY KEY (guild, story),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE TABLE recs (
	guild   bigint NOT NULL,
	id      bigint NOT NULL,
	story   bigint NOT NULL,
	user_id bigint NOT NULL,
	doc     bytea  NOT NULL,
	PRIMARY KEY (guild, id),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE INDEX recs_user ON recs (guild, user_id, id);
CREATE INDEX recs_story ON recs (guild, story);
CREATE TABLE rec_requests (
	guild   bigint NOT NULL,
	id      bigint NOT NULL,
	user_id bigint NOT NULL,
	thread  bigint NOT NULL,
	doc     bytea  NOT NULL,
	PRIMARY KEY (guild, id)
);
CREATE INDEX rec_requests_thread ON rec_requests (guild, thread, id);
CREATE TABLE clubs (
	guild   bigint  NOT NULL,
	id      bigint  NOT NULL,
	channel bigint  NOT NULL,
	story   bigint  NOT NULL,
	active  boolean NOT NULL,
	doc     bytea   NOT NULL,
	PRIMARY KEY (guild, id)
);
CREATE UNIQUE INDEX clubs_active_channel ON clubs (guild, channel) WHERE active;
CREATE INDEX clubs_active_story ON clubs (guild, story) WHERE active;
CREATE TABLE club_members (
	guild      bigint  NOT NULL,
	club       bigint  NOT NULL,
	user_id    bigint  NOT NULL,
	joined_at  bigint  NOT NULL,
	chapter    integer NOT NULL,
	updated_at bigint  NOT NULL,
	PRIMARY KEY (guild, club, user_id),
	FOREIGN KEY (guild, club) REFERENCES clubs ON DELETE CASCADE
);
CREATE INDEX club_members_user ON club_members (guild, user_id);
-- A checkpoint is due from its opening until it is done: one row per
-- checkpoint not yet announced (or skipped) of a club not ended.
CREATE TABLE club_due (
	guild bigint  NOT NULL,
	club  bigint  NOT NULL,
	n     integer NOT NULL,
	opens bigint  NOT NULL,
	PRIMARY KEY (guild, club, n),
	FOREIGN KEY (guild, club) REFERENCES clubs ON DELETE CASCADE
);
CREATE INDEX club_due_opens ON club_due (opens, guild, club, n);
`,
	// 2: leases, so that background work runs in one process at a time.
	`
CREATE TABLE leases (
	name    text   PRIMARY KEY,
	holder  text   NOT NULL,
	expires bigint NOT NULL
);
`,
	// 3: subscriptions, the deployment-wide schedule of AO3 works to
	// check, alerts recorded before they are sent, and the AO3 request gap
	// (subs.go).
	`
CREATE INDEX stories_ao3_work ON stories (ao3_id) WHERE ao3_id > 0;
CREATE TABLE subscriptions (
	guild   bigint NOT NULL,
	story   bigint NOT NULL,
	user_id bigint NOT NULL,
	since   bigint NOT NULL,
	PRIMARY KEY (guild, story, user_id),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE INDEX subscriptions_user ON subscriptions (guild, user_id, story);
CREATE TABLE dms_closed (
	guild   bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (guild, user_id)
);
-- One row per AO3 work of the whole deployment. last is the work as AO3
-- showed it at the last successful check (JSON fic.Story), kept apart from
-- each guild's story so that a member's own options are told from AO3's.
CREATE TABLE ao3_works (
	work         bigint  PRIMARY KEY,
	next_check   bigint  NOT NULL,
	last_checked bigint  NOT NULL DEFAULT 0,
	last         bytea,
	state        text    NOT NULL DEFAULT '',
	gone         boolean NOT NULL DEFAULT false
);
CREATE INDEX ao3_works_due ON ao3_works (next_check, work) WHERE NOT gone;
CREATE TABLE alerts (
	guild   bigint  NOT NULL,
	id      bigint  NOT NULL,
	created bigint  NOT NULL,
	posted  boolean NOT NULL DEFAULT false,
	doc     bytea   NOT NULL,
	PRIMARY KEY (guild, id)
);
CREATE INDEX alerts_pending ON alerts (created, guild, id) WHERE NOT posted;
-- The next AO3 request of the deployment is not sent before next (unix ns).
CREATE TABLE ao3_gate (
	id   integer PRIMARY KEY CHECK (id = 1),
	next bigint  NOT NULL
);
INSERT INTO ao3_gate (id, next) VALUES (1, 0);
`,
	// 4: the reading log behind /readinglist stats (when each entry
	// became finished; each progress event), and reading-list imports
	// (a job's head with its cursor, its works apart).
	`
ALTER TABLE list_entries ADD COLUMN finished_at bigint NOT NULL DEFAULT 0;
CREATE TABLE progress_events (
	guild   bigint NOT NULL,
	user_id bigint NOT NULL,
	at      bigint NOT NULL,
	story   bigint NOT NULL
);
CREATE INDEX progress_events_user ON progress_events (guild, user_id, at);
CREATE TABLE import_jobs (
	guild   bigint  NOT NULL,
	id      bigint  NOT NULL,
	user_id bigint  NOT NULL,
	open    boolean NOT NULL,
	doc     bytea   NOT NULL,
	PRIMARY KEY (guild, id)
);
CREATE INDEX import_jobs_open ON import_jobs (guild, id) WHERE open;
CREATE TABLE import_works (
	guild bigint  NOT NULL,
	job   bigint  NOT NULL,
	n     integer NOT NULL,
	doc   bytea   NOT NULL,
	PRIMARY KEY (guild, job, n),
	FOREIGN KEY (guild, job) REFERENCES import_jobs ON DELETE CASCADE
);
`,
	// 5: series links: each story's AO3 series (folded titles and IDs,
	// from its SeriesRefs) for /story list's series filter, filled in for
	// the stories already stored; series jobs with their works (series.go).
	`
ALTER TABLE stories ADD COLUMN series_fold text[] NOT NULL DEFAULT '{}',
	ADD COLUMN series_ids bigint[] NOT NULL DEFAULT '{}';
UPDATE stories s SET series_fold = x.folds, series_ids = x.ids FROM (
	SELECT d.guild, d.id,
		array_agg(btrim(regexp_replace(lower(regexp_replace(normalize(coalesce(r->>'title', ''), NFKD),
			'[\u0300-\u036f''\u2019\u2018\u02bc]', '', 'g')), '\s+', ' ', 'g')) ORDER BY o) AS folds,
		array_agg(coalesce((r->>'id')::bigint, 0) ORDER BY o) AS ids
	FROM story_docs d,
		jsonb_array_elements(coalesce(convert_from(d.meta, 'UTF8')::jsonb -> 'series_refs', '[]'::jsonb)) WITH ORDINALITY AS t(r, o)
	GROUP BY d.guild, d.id) x
WHERE s.guild = x.guild AND s.id = x.id;
CREATE TABLE series_jobs (
	guild   bigint  NOT NULL,
	id      bigint  NOT NULL,
	user_id bigint  NOT NULL,
	open    boolean NOT NULL,
	doc     bytea   NOT NULL,
	PRIMARY KEY (guild, id)
);
CREATE INDEX series_jobs_open ON series_jobs (guild, id) WHERE open;
CREATE TABLE series_job_works (
	guild bigint  NOT NULL,
	job   bigint  NOT NULL,
	n     integer NOT NULL,
	doc   bytea   NOT NULL,
	PRIMARY KEY (guild, job, n),
	FOREIGN KEY (guild, job) REFERENCES series_jobs ON DELETE CASCADE
);
`,
	// 6: club nominations, the polls that choose among them, and the
	// members who turned club reminders off (clubpolls.go, clubreminders.go).
	`
CREATE TABLE club_nominations (
	guild   bigint NOT NULL,
	channel bigint NOT NULL,
	user_id bigint NOT NULL,
	story   bigint NOT NULL,
	at      bigint NOT NULL,
	PRIMARY KEY (guild, channel, user_id)
);
-- A poll is a document plus what its constraints and the due index need:
-- one poll not done per channel; open polls by their end time.
CREATE TABLE club_polls (
	guild   bigint  NOT NULL,
	id      bigint  NOT NULL,
	channel bigint  NOT NULL,
	open    boolean NOT NULL,
	ends    bigint  NOT NULL,
	doc     bytea   NOT NULL,
	PRIMARY KEY (guild, id)
);
CREATE UNIQUE INDEX club_polls_open_channel ON club_polls (guild, channel) WHERE open;
CREATE INDEX club_polls_due ON club_polls (ends, guild, id) WHERE open;
-- Members who turned club reminders off (on is the default).
CREATE TABLE club_reminders_off (
	guild   bigint NOT NULL,
	user_id bigint NOT NULL,
	PRIMARY KEY (guild, user_id)
);
`,
	// 7: big servers (issue 17). A story's counters move to a narrow
	// story_counts row, so that a kudos no longer rewrites the wide stories
	// row and its indexes, with per-period counts (week, month) kept exact
	// by flags on each kudos (in_week, in_month: counted in that period's
	// column) and a per-(guild, period) mark (kudos.go). Triggers keep a
	// story's counts row, the guild's story count and the guild's distinct
	// fandom and tag values with the stories holding each (for /story
	// list's substring filters) in the same transaction as every write of
	// stories, whichever code path writes it. Indexes per /story list sort
	// order.
	`
CREATE TABLE story_counts (
	guild    bigint  NOT NULL,
	story    bigint  NOT NULL,
	added_at bigint  NOT NULL,
	kudos    integer NOT NULL DEFAULT 0 CHECK (kudos >= 0),
	readers  integer NOT NULL DEFAULT 0 CHECK (readers >= 0),
	week     integer NOT NULL DEFAULT 0 CHECK (week >= 0),
	month    integer NOT NULL DEFAULT 0 CHECK (month >= 0),
	PRIMARY KEY (guild, story),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
) WITH (fillfactor = 80);
-- Every kudos stored so far counts in both periods until the first
-- /kudos top of each period expires the older ones.
INSERT INTO story_counts (guild, story, added_at, kudos, readers, week, month)
	SELECT s.guild, s.id, s.added_at, s.kudos, s.readers, s.kudos, s.kudos FROM stories s;
CREATE INDEX story_counts_all ON story_counts (guild, kudos DESC, added_at DESC, story DESC);
CREATE INDEX story_counts_week ON story_counts (guild, week DESC, kudos DESC, added_at DESC, story DESC) WHERE week > 0;
CREATE INDEX story_counts_month ON story_counts (guild, month DESC, kudos DESC, added_at DESC, story DESC) WHERE month > 0;
DROP INDEX stories_popular;
ALTER TABLE stories DROP COLUMN kudos, DROP COLUMN readers;
ALTER TABLE kudos ADD COLUMN in_week boolean NOT NULL DEFAULT true,
	ADD COLUMN in_month boolean NOT NULL DEFAULT true;
CREATE INDEX kudos_week ON kudos (guild, at) WHERE in_week;
CREATE INDEX kudos_month ON kudos (guild, at) WHERE in_month;
-- Kudos given before mark (unix ns) are no longer counted in the period's
-- column; period 1 is the week, 2 the month.
CREATE TABLE kudos_marks (
	guild  bigint   NOT NULL,
	period smallint NOT NULL,
	mark   bigint   NOT NULL,
	PRIMARY KEY (guild, period)
);
CREATE TABLE guild_counts (
	guild   bigint PRIMARY KEY,
	stories bigint NOT NULL CHECK (stories >= 0)
);
INSERT INTO guild_counts (guild, stories) SELECT guild, count(*) FROM stories GROUP BY guild;
-- Distinct folded fandom (kind 'f') and tag ('t') values ever stored in a
-- guild with the number of stories holding each now: /story list matches a
-- typed filter against these first. A value no story holds any more
-- (stories 0) matches no story, so it is never removed.
CREATE TABLE guild_facets (
	guild   bigint  NOT NULL,
	kind    "char"  NOT NULL,
	value   text    COLLATE "C" NOT NULL,
	stories integer NOT NULL CHECK (stories >= 0),
	PRIMARY KEY (guild, kind, value)
);
-- Each story's folded fandom and tag values, so that the stories holding
-- the matched values are found per guild by an index range.
CREATE TABLE story_facets (
	guild bigint NOT NULL,
	kind  "char" NOT NULL,
	value text   COLLATE "C" NOT NULL,
	story bigint NOT NULL,
	PRIMARY KEY (guild, kind, value, story),
	FOREIGN KEY (guild, story) REFERENCES stories ON DELETE CASCADE
);
CREATE INDEX story_facets_story ON story_facets (guild, story, kind, value);
INSERT INTO story_facets (guild, kind, value, story)
	SELECT DISTINCT guild, 'f', f, id FROM stories, unnest(fandoms_fold) f
	UNION SELECT DISTINCT guild, 't', t, id FROM stories, unnest(tags_fold) t;
INSERT INTO guild_facets (guild, kind, value, stories) SELECT guild, kind, value, count(*) FROM story_facets GROUP BY 1, 2, 3;
CREATE INDEX stories_newest ON stories (guild, added_at DESC, id DESC);
CREATE INDEX stories_words ON stories (guild, words DESC, added_at DESC, id DESC);
CREATE INDEX stories_title_sort ON stories (guild, title_fold, added_at DESC, id DESC);
DROP INDEX stories_title;

-- In a bulk load (ficshelf.bulk set for its transaction: copy.go), the
-- guild-wide counts are not moved row by row, which would rewrite one row
-- per story in one transaction (each update walking all the row's versions
-- before it), but recounted once at its end (recountGuilds).
CREATE FUNCTION ficshelf_story_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO story_counts (guild, story, added_at) VALUES (NEW.guild, NEW.id, NEW.added_at);
	IF coalesce(current_setting('ficshelf.bulk', true), '') <> 'on' THEN
		INSERT INTO guild_counts (guild, stories) VALUES (NEW.guild, 1)
			ON CONFLICT (guild) DO UPDATE SET stories = guild_counts.stories + 1;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER stories_inserted AFTER INSERT ON stories
	FOR EACH ROW EXECUTE FUNCTION ficshelf_story_inserted();
CREATE FUNCTION ficshelf_story_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE guild_counts SET stories = stories - 1 WHERE guild = OLD.guild;
	RETURN NULL;
END $$;
CREATE TRIGGER stories_deleted AFTER DELETE ON stories
	FOR EACH ROW EXECUTE FUNCTION ficshelf_story_deleted();
CREATE FUNCTION ficshelf_story_facets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'UPDATE' THEN
		IF NEW.fandoms_fold = OLD.fandoms_fold AND NEW.tags_fold = OLD.tags_fold THEN
			RETURN NULL;
		END IF;
		DELETE FROM story_facets WHERE guild = NEW.guild AND story = NEW.id;
	END IF;
	INSERT INTO story_facets (guild, kind, value, story)
		SELECT NEW.guild, 'f', f, NEW.id FROM unnest(NEW.fandoms_fold) f
		UNION SELECT NEW.guild, 't', t, NEW.id FROM unnest(NEW.tags_fold) t;
	RETURN NULL;
END $$;
CREATE TRIGGER stories_facets AFTER INSERT OR UPDATE OF fandoms_fold, tags_fold ON stories
	FOR EACH ROW EXECUTE FUNCTION ficshelf_story_facets();
-- Each value's story count follows story_facets' rows, also those a
-- story's removal deletes by cascade.
CREATE FUNCTION ficshelf_facet_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF coalesce(current_setting('ficshelf.bulk', true), '') = 'on' THEN
		RETURN NULL;
	ELSIF TG_OP = 'INSERT' THEN
		INSERT INTO guild_facets (guild, kind, value, stories) VALUES (NEW.guild, NEW.kind, NEW.value, 1)
			ON CONFLICT (guild, kind, value) DO UPDATE SET stories = guild_facets.stories + 1;
	ELSE
		UPDATE guild_facets SET stories = stories - 1
			WHERE guild = OLD.guild AND kind = OLD.kind AND value = OLD.value;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER story_facets_counted AFTER INSERT OR DELETE ON story_facets
	FOR EACH ROW EXECUTE FUNCTION ficshelf_facet_counted();
`,
	// 8: queued uploads (/story add waiting its turn) as persisted jobs
	// (uploads.go): a head per job, open while it is to be run; waiting
	// while no runner took it (the places in line).
	`
CREATE TABLE upload_jobs (
	guild   bigint  NOT NULL,
	id      bigint  NOT NULL,
	user_id bigint  NOT NULL,
	open    boolean NOT NULL,
	waiting boolean NOT NULL DEFAULT false,
	doc     bytea   NOT NULL,
	PRIMARY KEY (guild, id)
);
CREATE INDEX upload_jobs_open ON upload_jobs (guild, id) WHERE open;
CREATE INDEX upload_jobs_waiting ON upload_jobs (guild, id) WHERE waiting;
CREATE INDEX upload_jobs_user ON upload_jobs (guild, user_id);
`,
	// 9: persisted jobs done with their member told carry when they
	// finished (told_at, indexed: PruneJobs deletes the oldest, prune.go);
	// those stored before lose their token and their file's address, as
	// the finish rule now clears them.
	`
ALTER TABLE import_jobs ADD COLUMN told_at timestamptz;
ALTER TABLE series_jobs ADD COLUMN told_at timestamptz;
ALTER TABLE upload_jobs ADD COLUMN told_at timestamptz;
UPDATE import_jobs SET told_at = (convert_from(doc, 'UTF8')::jsonb ->> 'finished')::timestamptz,
	doc = convert_to((convert_from(doc, 'UTF8')::jsonb - 'token')::text, 'UTF8')
	WHERE NOT open AND convert_from(doc, 'UTF8')::jsonb ->> 'state' = 'done'
	AND (convert_from(doc, 'UTF8')::jsonb ->> 'notified')::boolean IS TRUE;
UPDATE series_jobs SET told_at = (convert_from(doc, 'UTF8')::jsonb ->> 'finished')::timestamptz,
	doc = convert_to((convert_from(doc, 'UTF8')::jsonb - 'token')::text, 'UTF8')
	WHERE NOT open AND convert_from(doc, 'UTF8')::jsonb ->> 'state' = 'done'
	AND (convert_from(doc, 'UTF8')::jsonb ->> 'notified')::boolean IS TRUE;
UPDATE upload_jobs SET told_at = (d ->> 'finished')::timestamptz,
	doc = convert_to((CASE WHEN jsonb_typeof(d -> 'file') = 'object' THEN jsonb_set(d, '{file,url}', '""')
		ELSE d END - 'token')::text, 'UTF8')
	FROM (SELECT guild AS g, id AS i, convert_from(doc, 'UTF8')::jsonb AS d FROM upload_jobs) x
	WHERE guild = x.g AND id = x.i AND NOT open AND d ->> 'state' = 'done' AND (d ->> 'notified')::boolean IS TRUE;
CREATE INDEX import_jobs_told ON import_jobs (told_at) WHERE told_at IS NOT NULL;
CREATE INDEX series_jobs_told ON series_jobs (told_at) WHERE told_at IS NOT NULL;
CREATE INDEX upload_jobs_told ON upload_jobs (told_at) WHERE told_at IS NOT NULL;
`,
	// 10: reading-list imports previewed or cancelled are pruned too:
	// told_at is when a job's retention started while it is prunable
	// (jobtable.go). Those stored before get their creation (the ones
	// cancelled carry no cancellation time), as shelf's Prunable says.
	`
UPDATE import_jobs SET told_at = (convert_from(doc, 'UTF8')::jsonb ->> 'created')::timestamptz
	WHERE NOT open AND convert_from(doc, 'UTF8')::jsonb ->> 'state' IN ('preview', 'cancelled');
`,
	// 11: the title-first words alone (one row per story), so that
	// autocomplete lists the stories whose title starts with a typed prefix
	// without reading the prefix's other words (searchpop.go).
	`
CREATE INDEX story_words_first ON story_words (guild, word, story) WHERE flags & 4 <> 0;
`,
}

// SchemaVersion is the schema version this program writes.
var SchemaVersion = len(migrations)

// migrate brings the schema up to SchemaVersion in one transaction under
// an advisory lock, one step (and one schema_version row) at a time.
func (s *Store) migrate(ctx context.Context) error {
	return migrateTo(ctx, s, len(migrations))
}

// migrateTo applies the steps up to version target.
func migrateTo(ctx context.Context, s *Store, target int) error {
	err := s.runTx(ctx, pgx.TxOptions{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&cur); err != nil {
			return err
		}
		if cur > len(migrations) {
			return fmt.Errorf("schema version %d, this program knows %d: %w", cur, len(migrations), shelf.ErrSchemaTooNew)
		}
		for v := cur + 1; v <= target; v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
