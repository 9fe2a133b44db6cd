package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bwmarrin/discordgo"

	"ficshelf/shelf"
)

// routeMyDataDelete is the confirmation of /mydata delete:
// "md-del:yes:<user>" deletes, "md-del:no:<user>" cancels.
const routeMyDataDelete = "md-del"

// registerMyData adds /mydata (export, delete) and delete's confirmation
// buttons.
func (c *cmds) registerMyData(r *Router) {
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "mydata",
			Description: "See or delete everything Ficshelf keeps about you in this server",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "export",
					Description: "Everything Ficshelf keeps about you in this server, as a JSON file",
				},
				{
					Type:        discordgo.ApplicationCommandOptionSubCommand,
					Name:        "delete",
					Description: "Delete your reading list, kudos and club progress in this server (asks first)",
				},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"export": c.myDataExport,
			"delete": c.myDataDelete,
		},
		Ephemeral: true,
	})
	r.Component(routeMyDataDelete, c.myDataDeleteConfirm)
}

// MyDataExport is the JSON document of /mydata export (schema version 1):
// shelf.MemberExport (reading list, kudos given, stories added, and each
// feature's data under "other") with a format marker and the time.
type MyDataExport struct {
	Format     string    `json:"format"` // "ficshelf-member-data/1"
	ExportedAt time.Time `json:"exported_at"`
	shelf.MemberExport
	// ReadingList is MemberExport's with each story's AO3 work ID, so
	// that /readinglist import matches it by work.
	ReadingList []ExportEntry `json:"reading_list"`
	// ReadingLog is what /readinglist stats reads: when entries became
	// finished, and when progress was recorded.
	ReadingLog *ReadingLogExport `json:"reading_log,omitempty"`
	// Subscriptions are the member's /subscribe subscriptions; DMsRefused
	// says their last alert by direct message was refused.
	Subscriptions []SubscriptionExport `json:"subscriptions,omitempty"`
	DMsRefused    bool                 `json:"direct_messages_refused,omitempty"`
	// ClubNominations are the member's /club nominate nominations;
	// ClubRemindersOff says they turned club reminders off.
	ClubNominations  []shelf.Nomination `json:"club_nominations,omitempty"`
	ClubRemindersOff bool               `json:"club_reminders_off,omitempty"`
	// QueuedUploads are the member's /story add uploads kept as jobs
	// while they wait their turn or until the member is told the result
	// (story_upload_job.go).
	QueuedUploads []UploadExport `json:"queued_uploads,omitempty"`
}

// UploadExport is one queued upload in /mydata export: what it adds and
// where it stands (the interaction token it edits is left out).
type UploadExport struct {
	ID          string              `json:"id"`
	File        *shelf.UploadFile   `json:"file,omitempty"`
	AO3ID       int64               `json:"ao3_work_id,omitempty"`
	ChannelID   string              `json:"channel_id"`
	QueuedAt    time.Time           `json:"queued_at"`
	State       shelf.ImportState   `json:"state"`
	Outcome     shelf.UploadOutcome `json:"outcome,omitempty"`
	StoryID     string              `json:"story_id,omitempty"`
	Message     string              `json:"message,omitempty"`
	MemberTold  bool                `json:"member_told"`
	OptionsJSON json.RawMessage     `json:"options,omitempty"`
}

// exportUploads adds the member's upload jobs to doc.
func (c *cmds) exportUploads(ctx context.Context, req *Request, doc *MyDataExport) error {
	if c.uploads == nil {
		return nil
	}
	jobs, err := c.uploads.MemberUploadJobs(ctx, req.GuildID, req.UserID)
	if err != nil {
		return fmt.Errorf("export queued uploads: %w", err)
	}
	for _, j := range jobs {
		var in uploadRequest
		opts := j.Options
		if json.Unmarshal(j.Options, &in) == nil {
			opts, _ = json.Marshal(in.Options) // without the member's permissions
		}
		doc.QueuedUploads = append(doc.QueuedUploads, UploadExport{ID: j.ID, File: j.File, AO3ID: j.WorkID, ChannelID: j.ChannelID,
			QueuedAt: j.Created, State: j.State, Outcome: j.Outcome, StoryID: j.StoryID, Message: j.Message, MemberTold: j.Notified, OptionsJSON: opts})
	}
	return nil
}

// SubscriptionExport is one subscription in /mydata export.
type SubscriptionExport struct {
	StoryID string    `json:"story_id"`
	Title   string    `json:"title"`
	AO3ID   int64     `json:"ao3_work_id"`
	Since   time.Time `json:"since"`
}

// myDataExport is /mydata export: ephemeral, as a JSON file, made in a
// slot of the export pool (heavy.go).
func (c *cmds) myDataExport(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	return c.runHeavy(ctx, req, heavyJob{pool: c.pools.Export, limits: c.pools.ExportLimits, what: "export your data", ephemeral: true,
		run: func(ctx context.Context) (*discordgo.InteractionResponse, error) { return c.myDataExportWork(ctx, req) }})
}

// myDataExportWork makes /mydata export's file.
func (c *cmds) myDataExportWork(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	exp, err := c.members.ExportMember(ctx, req.GuildID, req.UserID)
	if err != nil {
		return nil, fmt.Errorf("export member: %w", err)
	}
	list, err := c.withAO3IDs(ctx, req.GuildID, exp.ReadingList)
	if err != nil {
		return nil, err
	}
	doc := MyDataExport{Format: "ficshelf-member-data/1", ExportedAt: c.now().UTC().Truncate(time.Second), MemberExport: exp, ReadingList: list}
	if doc.ReadingLog, err = c.readingLogExport(ctx, req.GuildID, req.UserID); err != nil {
		return nil, err
	}
	if c.subs != nil {
		subs, err := c.subs.Subscriptions(ctx, req.GuildID, req.UserID)
		if err != nil {
			return nil, fmt.Errorf("export subscriptions: %w", err)
		}
		for _, s := range subs {
			doc.Subscriptions = append(doc.Subscriptions, SubscriptionExport{StoryID: s.StoryID, Title: s.StoryTitle, AO3ID: s.AO3ID, Since: s.Since})
		}
		if doc.DMsRefused, err = c.subs.DMsClosed(ctx, req.GuildID, req.UserID); err != nil {
			return nil, fmt.Errorf("export subscriptions: %w", err)
		}
	}
	if err := c.exportClubData(ctx, req, &doc); err != nil {
		return nil, err
	}
	if err := c.exportUploads(ctx, req, &doc); err != nil {
		return nil, err
	}
	msg := fmt.Sprintf("Here is everything Ficshelf keeps about you in this server: %s on your reading list, %s given, %s added to the library.",
		storiesWord(len(exp.ReadingList)), kudosWord(len(exp.KudosGiven)), storiesWord(len(exp.StoriesAdded)))
	return jsonFileReply(msg, "ficshelf-my-data.json", doc)
}

// myDataDelete is /mydata delete: says what would go and asks for a
// confirmation button.
func (c *cmds) myDataDelete(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	exp, err := c.members.ExportMember(ctx, req.GuildID, req.UserID)
	if err != nil {
		return nil, fmt.Errorf("export member: %w", err)
	}
	msg := fmt.Sprintf("This deletes, in this server only: your reading list (%s), your kudos (%s given; the stories' counts go down), your reading-club progress, nominations and reminder choice, your subscriptions, and your uploads still waiting in line (they won't be added). Stories you added stay in the library, and your recs and rec requests stay too: they are posts in the server. It can't be undone — you may want `/mydata export` first.\n\nDelete your data?",
		storiesWord(len(exp.ReadingList)), formatInt(len(exp.KudosGiven)))
	r := Ephemeral(msg)
	r.Data.Components = []discordgo.MessageComponent{Row(
		Button("Delete my data", discordgo.DangerButton, routeMyDataDelete, "yes", req.UserID),
		Button("Cancel", discordgo.SecondaryButton, routeMyDataDelete, "no", req.UserID),
	)}
	return r, nil
}

// myDataDeleteConfirm handles the confirmation buttons. Only the member
// who asked can confirm (the message is ephemeral anyway).
func (c *cmds) myDataDeleteConfirm(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) != 2 {
		return nil, buttonExpired("/mydata delete")
	}
	if req.Args[1] != req.UserID {
		return nil, Errorf("Only the member who asked can confirm this. Use `/mydata delete` for your own data.")
	}
	if req.Args[0] != "yes" {
		return Update("Cancelled: nothing was deleted.", nil), nil
	}
	if err := c.members.DeleteMember(ctx, req.GuildID, req.UserID); err != nil {
		return nil, fmt.Errorf("delete member: %w", err)
	}
	if err := c.deleteClubData(ctx, req); err != nil {
		return nil, err
	}
	return Update("Done: your reading list, kudos, reading-club progress and nominations, and subscriptions in this server are deleted.", nil), nil
}
