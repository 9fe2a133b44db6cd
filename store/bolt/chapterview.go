package bolt

import (
	"context"
	"fmt"
	"unsafe"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// ViewChapter calls fn with chapter n (1-based) of story id read in place,
// without the copy Chapter makes (3 MB for a 500,000-word chapter): an
// excerpt needs a few hundred bytes of it. rec.Text, rec.Notes,
// rec.EndNotes and rec.Sentences are borrowed from the database file's
// memory map and are valid only until fn returns: fn must not keep them or
// anything sharing their memory (substrings included) and must copy what
// it keeps (strings.Clone). rec.Title is a copy. fn runs inside a read
// transaction, so it must not write to the store. shelf.ErrNotFound when the
// story or the chapter does not exist; fn's error is returned as is.
func (s *Store) ViewChapter(ctx context.Context, guild, id string, n int, fn func(rec shelf.ChapterRecord) error) error {
	sid, err := parseStoryID(id)
	if err != nil {
		return fmt.Errorf("view chapter: %w", err)
	}
	if n < 1 || n > 1<<30 {
		return fmt.Errorf("view chapter %d of story %d: %w", n, sid, shelf.ErrNotFound)
	}
	var found bool
	var fnErr error
	err = s.view(ctx, guild, func(g *guildTx) error {
		v := g.get(bChapters, chapterKey(sid, n))
		if v == nil {
			return nil
		}
		found = true
		d := decoder{b: v}
		if err := d.version("chapter"); err != nil {
			return err
		}
		title := d.str()
		notes, endNotes, text, sentences := d.raw(), d.raw(), d.raw(), d.raw()
		if err := d.done("chapter"); err != nil {
			return err
		}
		fnErr = fn(shelf.ChapterRecord{StoryID: shelf.FormatID(sid), Number: n,
			Chapter:   fic.Chapter{Title: title, Notes: borrow(notes), EndNotes: borrow(endNotes), Text: borrow(text)},
			Sentences: sentences})
		return nil
	})
	switch {
	case err != nil:
		return fmt.Errorf("view chapter %d of story %d: %w", n, sid, err)
	case !found:
		return fmt.Errorf("view chapter %d of story %d: %w", n, sid, shelf.ErrNotFound)
	}
	return fnErr
}

// borrow is a string sharing b's memory: valid while b is.
func borrow(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
