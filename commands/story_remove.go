package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// /story remove: the confirmation it asks for and its two buttons.

// storyRemove is /story remove: the adder or a moderator is asked to
// confirm with a button (ephemeral); nothing is removed yet.
func (c *cmds) storyRemove(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	if !c.mayUpdate(ctx, req, rec) {
		return nil, Errorf("Only the member who added %s (<@%s>) or a moderator can remove it.", storyName(rec.Story.Title), rec.AddedBy)
	}
	msg := fmt.Sprintf("Remove %s from the library? Its %s, %s on reading lists and excerpt history go with it. This can't be undone.",
		storyName(rec.Story.Title), kudosWord(rec.Kudos), countOf(rec.Readers, "entry", "entries"))
	resp := Ephemeral(msg)
	resp.Data.Components = []discordgo.MessageComponent{Row(
		Button("Remove it", discordgo.DangerButton, routeStoryRemove, rec.ID, req.UserID),
		Button("Cancel", discordgo.SecondaryButton, routeStoryKeep, rec.ID, req.UserID),
	)}
	return resp, nil
}

// removeArgs reads "<story>:<requester>" and checks the clicker asked.
func removeArgs(req *Request) (story string, err error) {
	if len(req.Args) != 2 {
		return "", buttonExpired("/story remove")
	}
	if req.Args[1] != req.UserID {
		return "", Errorf("This confirmation belongs to the member who asked to remove the story; run `/story remove` yourself if you mean to.")
	}
	return req.Args[0], nil
}

func (c *cmds) storyRemoveConfirm(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	id, err := removeArgs(req)
	if err != nil {
		return nil, err
	}
	rec, err := c.stories.Story(ctx, req.GuildID, id)
	if errors.Is(err, shelf.ErrNotFound) || errors.Is(err, shelf.ErrInvalidID) {
		return Update("That story is already gone from the library; nothing more to do.", nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("story %s: %w", id, err)
	}
	if !c.mayUpdate(ctx, req, rec) {
		return Update(fmt.Sprintf("Only the member who added %s or a moderator can remove it; nothing changed.", storyName(rec.Story.Title)), nil), nil
	}
	err = c.stories.RemoveStory(ctx, req.GuildID, id)
	if errors.Is(err, shelf.ErrNotFound) {
		return Update("That story is already gone from the library; nothing more to do.", nil), nil
	}
	if err != nil {
		return nil, fmt.Errorf("remove story %s: %w", id, err)
	}
	c.log.Info("story removed", "guild", req.GuildID, "story", id, "by", req.UserID)
	return Update(fmt.Sprintf("Removed %s from the library, with its kudos and reading-list entries.", storyName(rec.Story.Title)), nil), nil
}

func (c *cmds) storyRemoveCancel(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	id, err := removeArgs(req)
	if err != nil {
		return nil, err
	}
	title := "The story"
	if rec, err := c.stories.Story(ctx, req.GuildID, id); err == nil {
		title = storyName(rec.Story.Title)
	}
	return Update(fmt.Sprintf("Nothing changed: %s stays in the library.", title), nil), nil
}
