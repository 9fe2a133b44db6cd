package commands

import (
	"context"
	"errors"
	"fmt"

	"ficshelf/fic"
	"ficshelf/shelf"
)

// Adding a story by its AO3 link (metadata only), shared by /story add and
// the reading list's message command, and the one place a new story is
// stored.

// addByLink imports AO3 work workID into the request's server by link
// (metadata only, through the AO3 client), added by the requesting member,
// or returns the server's existing entry for that work with existed true.
// Failures a member can act on (AO3 busy, no such work, restricted work,
// lookups not configured) are *UserError sentences.
func (c *cmds) addByLink(ctx context.Context, req *Request, workID int64) (shelf.StoryRecord, bool, error) {
	if rec, err := c.stories.StoryByAO3(ctx, req.GuildID, workID); err == nil {
		return rec, true, nil
	} else if !errors.Is(err, shelf.ErrNotFound) {
		return shelf.StoryRecord{}, false, fmt.Errorf("look up AO3 work %d: %w", workID, err)
	}
	st, err := c.fetchWork(ctx, workID)
	if err != nil {
		return shelf.StoryRecord{}, false, err
	}
	return c.addNew(ctx, req, st, nil, false)
}

// fetchWork reads AO3 work workID's metadata. Errors a member should see
// are *UserError with the importer's sentence.
func (c *cmds) fetchWork(ctx context.Context, workID int64) (*fic.Story, error) {
	if c.ao3 == nil {
		return nil, Errorf("Looking up AO3 links isn't available right now. Upload the work's download (HTML or EPUB) instead.")
	}
	st, err := c.ao3.Work(ctx, workID)
	if err != nil {
		var ie *fic.ImportError
		if errors.As(err, &ie) {
			return nil, &UserError{Message: ie.Message, Err: err}
		}
		if ctx.Err() != nil {
			return nil, Sorry(err, "AO3 took too long to answer; please try again in a minute.")
		}
		return nil, fmt.Errorf("AO3 work %d: %w", workID, err)
	}
	return st, nil
}

// addNew stores a new story added by the requesting member. When another
// request added the same AO3 work meanwhile, the existing entry is
// returned with existed true.
func (c *cmds) addNew(ctx context.Context, req *Request, st *fic.Story, chapters []shelf.NewChapter, mine bool) (shelf.StoryRecord, bool, error) {
	rec, err := c.stories.AddStory(ctx, req.GuildID, st, chapters, req.UserID, mine, c.now())
	var dup *shelf.DuplicateError
	if errors.As(err, &dup) {
		rec, err := c.stories.Story(ctx, req.GuildID, dup.ExistingID)
		if err != nil {
			return shelf.StoryRecord{}, false, fmt.Errorf("existing story %s: %w", dup.ExistingID, err)
		}
		return rec, true, nil
	}
	if err != nil {
		return shelf.StoryRecord{}, false, fmt.Errorf("add story: %w", err)
	}
	return rec, false, nil
}
