package commands

import (
	"context"
	"errors"
	"fmt"

	"ficshelf/fic"
	"ficshelf/store"
)

// registerStory adds its commands and component routes to r.
func (c *cmds) registerStory(r *Router) {}

// addByLink imports AO3 work workID into the request's server by link
// (metadata only, through the AO3 client), added by the requesting member,
// or returns the server's existing entry for that work with existed true.
// Failures a member can act on (AO3 busy, no such work, restricted work,
// lookups not configured) are *UserError sentences.
func (c *cmds) addByLink(ctx context.Context, req *Request, workID int64) (store.StoryRecord, bool, error) {
	if rec, err := c.store.StoryByAO3(req.GuildID, workID); err == nil {
		return rec, true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.StoryRecord{}, false, fmt.Errorf("look up AO3 work %d: %w", workID, err)
	}
	st, err := c.fetchWork(ctx, workID)
	if err != nil {
		return store.StoryRecord{}, false, err
	}
	return c.addNew(req, st, nil, false)
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
func (c *cmds) addNew(req *Request, st *fic.Story, chapters []store.NewChapter, mine bool) (store.StoryRecord, bool, error) {
	rec, err := c.store.AddStory(req.GuildID, st, chapters, req.UserID, mine, c.now())
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		rec, err := c.store.Story(req.GuildID, dup.ExistingID)
		if err != nil {
			return store.StoryRecord{}, false, fmt.Errorf("existing story %s: %w", dup.ExistingID, err)
		}
		return rec, true, nil
	}
	if err != nil {
		return store.StoryRecord{}, false, fmt.Errorf("add story: %w", err)
	}
	return rec, false, nil
}
