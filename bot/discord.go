package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/bwmarrin/discordgo"
)

// threadArchive is the auto_archive_duration of every thread the bot
// starts: a week, the longest Discord allows.
const threadArchive = 10080

// MaxNonce is the longest nonce Discord accepts.
const MaxNonce = 25

// ErrBadNonce is returned by SendMessageOnce for an empty or too long nonce.
var ErrBadNonce = errors.New("bot: nonce must be 1–25 characters")

// outgoingMessage is a MessageSend with the fields discordgo v0.29 lacks.
type outgoingMessage struct {
	*discordgo.MessageSend
	Nonce        string `json:"nonce,omitempty"`
	EnforceNonce bool   `json:"enforce_nonce,omitempty"`
}

// SendMessage posts m in channelID. The message is fitted to Discord's
// limits first: content past 2000 characters and embeds past 10 (or past
// 6000 characters of embed text) continue in further messages sent right
// after; components, files, the reply reference, stickers and a poll stay
// on the first. Without AllowedMentions nobody is pinged. It returns the
// first message; m is not modified.
func (b *Bot) SendMessage(ctx context.Context, channelID string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	return b.post(ctx, channelID, m, "")
}

// SendMessageOnce is SendMessage with a nonce (1–25 characters) and
// enforce_nonce: Discord keeps the first message sent with a nonce for a
// few minutes and answers a repeat with that message instead of posting
// again, so a send retried after a crash is not duplicated. Further
// messages of a long m get derived nonces.
func (b *Bot) SendMessageOnce(ctx context.Context, channelID, nonce string, m *discordgo.MessageSend) (*discordgo.Message, error) {
	if nonce == "" || len(nonce) > MaxNonce {
		return nil, ErrBadNonce
	}
	return b.post(ctx, channelID, m, nonce)
}

func (b *Bot) post(ctx context.Context, channelID string, m *discordgo.MessageSend, nonce string) (*discordgo.Message, error) {
	if m == nil {
		return nil, errors.New("bot: SendMessage: nil message")
	}
	embeds, files := embedsAndFiles(m)
	pieces := splitMessage(m.Content, embeds, m.Components)
	mentions := mentionsOr(m.AllowedMentions)
	var first *discordgo.Message
	for k, p := range pieces {
		out := &discordgo.MessageSend{
			Content:         p.Content,
			Embeds:          p.Embeds,
			Components:      p.Components,
			AllowedMentions: mentions,
			Flags:           m.Flags & discordgo.MessageFlagsSuppressEmbeds,
		}
		var fs []*discordgo.File
		if k == 0 {
			out.TTS, out.Reference, out.StickerIDs, out.Flags, out.Poll = m.TTS, m.Reference, m.StickerIDs, m.Flags, m.Poll
			fs = files
		}
		body := outgoingMessage{MessageSend: out}
		if nonce != "" {
			body.Nonce, body.EnforceNonce = partNonce(nonce, k), true
		}
		msg, err := b.postMessage(ctx, discordgo.EndpointChannelMessages(channelID), body, fs)
		if err != nil {
			return first, b.redact.Error(fmt.Errorf("bot: send message to channel %s (part %d of %d): %w", channelID, k+1, len(pieces), err))
		}
		if k == 0 {
			first = msg
		}
	}
	return first, nil
}

// embedsAndFiles gathers m's embeds and files, including the deprecated
// single Embed and File fields, without modifying m.
func embedsAndFiles(m *discordgo.MessageSend) ([]*discordgo.MessageEmbed, []*discordgo.File) {
	embeds, files := m.Embeds, m.Files
	if m.Embed != nil {
		embeds = append([]*discordgo.MessageEmbed{m.Embed}, embeds...)
	}
	if m.File != nil {
		files = append([]*discordgo.File{m.File}, files...)
	}
	return embeds, files
}

// partNonce derives the nonce of part k of a split message.
func partNonce(nonce string, k int) string {
	if k == 0 {
		return nonce
	}
	suffix := "~" + strconv.Itoa(k)
	if len(nonce)+len(suffix) > MaxNonce {
		nonce = nonce[:MaxNonce-len(suffix)]
	}
	return nonce + suffix
}

// request sends body to endpoint under rate-limit bucket: as JSON, or with
// files as multipart (body in payload_json). It returns the response body.
func request(ctx context.Context, s *discordgo.Session, method, endpoint, bucket string, body any, files []*discordgo.File) ([]byte, error) {
	if len(files) == 0 {
		return s.RequestWithBucketID(method, endpoint, body, bucket, discordgo.WithContext(ctx))
	}
	ct, data, err := discordgo.MultipartBodyWithJSON(withDescriptions(body, files), files)
	if err != nil {
		return nil, fmt.Errorf("bot: %s %s: encode files: %w", method, Route(endpoint), err)
	}
	return s.RequestRaw(method, endpoint, ct, data, bucket, 0, discordgo.WithContext(ctx))
}

// postMessage POSTs a JSON (or, with files, multipart) body to endpoint and
// decodes the message Discord returns.
func (b *Bot) postMessage(ctx context.Context, endpoint string, body any, files []*discordgo.File) (*discordgo.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	resp, err := request(ctx, b.s, "POST", endpoint, endpoint, body, files)
	if err != nil {
		return nil, err
	}
	var msg discordgo.Message
	if err := discordgo.Unmarshal(resp, &msg); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	return &msg, nil
}

// EditMessage edits a message the bot sent. Content past 2000 characters is
// truncated (ending "…"), and embeds that do not fit in one message (10, and
// 6000 characters together) are dropped with a warning, since an edit
// cannot add messages. Without AllowedMentions nobody is pinged. e is not
// modified.
func (b *Bot) EditMessage(ctx context.Context, channelID, messageID string, e *discordgo.MessageEdit) (*discordgo.Message, error) {
	if e == nil {
		return nil, errors.New("bot: EditMessage: nil edit")
	}
	c := *e
	c.Channel, c.ID = channelID, messageID
	if c.Content != nil {
		s := Truncate(*c.Content, MaxContent)
		if s != *c.Content {
			b.log.Warn("edit content truncated", "channel", channelID, "message", messageID)
		}
		c.Content = &s
	}
	if c.Embeds != nil || c.Embed != nil {
		var embeds []*discordgo.MessageEmbed
		if c.Embed != nil {
			embeds = append(embeds, c.Embed)
		}
		if c.Embeds != nil {
			embeds = append(embeds, *c.Embeds...)
		}
		groups := GroupEmbeds(embeds)
		fitted := []*discordgo.MessageEmbed{}
		if len(groups) > 0 {
			fitted = groups[0]
		}
		if len(groups) > 1 {
			b.log.Warn("edit embeds dropped: they do not fit in one message", "channel", channelID, "message", messageID, "dropped", len(embeds)-len(fitted))
		}
		c.Embeds, c.Embed = &fitted, nil
	}
	if c.Components != nil {
		cs := FitComponents(*c.Components)
		c.Components = &cs
	}
	c.AllowedMentions = mentionsOr(c.AllowedMentions)
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	msg, err := b.s.ChannelMessageEditComplex(&c, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: edit message %s in channel %s: %w", messageID, channelID, err))
	}
	return msg, nil
}

// StartThread starts a public thread from message messageID in channelID,
// named ThreadName(name), archived after a week of inactivity.
func (b *Bot) StartThread(ctx context.Context, channelID, messageID, name string) (*discordgo.Channel, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	ch, err := b.s.MessageThreadStartComplex(channelID, messageID, &discordgo.ThreadStart{
		Name:                ThreadName(name),
		AutoArchiveDuration: threadArchive,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: start thread on message %s in channel %s: %w", messageID, channelID, err))
	}
	return ch, nil
}

// CreateThread starts a public thread in channelID without a starter
// message, named ThreadName(name), archived after a week of inactivity.
func (b *Bot) CreateThread(ctx context.Context, channelID, name string) (*discordgo.Channel, error) {
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	ch, err := b.s.ThreadStartComplex(channelID, &discordgo.ThreadStart{
		Name:                ThreadName(name),
		AutoArchiveDuration: threadArchive,
		Type:                discordgo.ChannelTypeGuildPublicThread,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: create thread in channel %s: %w", channelID, err))
	}
	return ch, nil
}

// StartForumPost opens a post (a thread) named ThreadName(name) in the
// forum channelID with first as its opening message, fitted like
// SendMessage; what does not fit in the opening message is posted in the
// new thread right after. It returns the thread.
func (b *Bot) StartForumPost(ctx context.Context, channelID, name string, first *discordgo.MessageSend) (*discordgo.Channel, error) {
	if first == nil {
		return nil, errors.New("bot: StartForumPost: nil message")
	}
	embeds, files := embedsAndFiles(first)
	pieces := splitMessage(first.Content, embeds, first.Components)
	opening := &discordgo.MessageSend{
		Content:         pieces[0].Content,
		Embeds:          pieces[0].Embeds,
		Components:      pieces[0].Components,
		Files:           files,
		AllowedMentions: mentionsOr(first.AllowedMentions),
		StickerIDs:      first.StickerIDs,
		Flags:           first.Flags,
		Poll:            first.Poll,
	}
	rctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	th, err := b.s.ForumThreadStartComplex(channelID, &discordgo.ThreadStart{
		Name:                ThreadName(name),
		AutoArchiveDuration: threadArchive,
	}, opening, discordgo.WithContext(rctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: start forum post in channel %s: %w", channelID, err))
	}
	for _, p := range pieces[1:] {
		_, err := b.SendMessage(ctx, th.ID, &discordgo.MessageSend{
			Content: p.Content, Embeds: p.Embeds, AllowedMentions: first.AllowedMentions,
			Flags: first.Flags & discordgo.MessageFlagsSuppressEmbeds,
		})
		if err != nil {
			return th, err
		}
	}
	return th, nil
}

// OwnMessages returns the messages the bot posted among the latest limit
// (1–100) messages of a channel, newest first.
func (b *Bot) OwnMessages(ctx context.Context, channelID string, limit int) ([]*discordgo.Message, error) {
	limit = max(1, min(limit, 100))
	self := b.ApplicationID() // a bot's user ID is its application ID
	if self == "" {
		return nil, errors.New("bot: own messages: not connected to Discord yet")
	}
	ctx, cancel := context.WithTimeout(ctx, restTimeout)
	defer cancel()
	msgs, err := b.s.ChannelMessages(channelID, limit, "", "", "", discordgo.WithContext(ctx))
	if err != nil {
		return nil, b.redact.Error(fmt.Errorf("bot: messages of channel %s: %w", channelID, err))
	}
	own := msgs[:0]
	for _, m := range msgs {
		if m.Author != nil && m.Author.ID == self {
			own = append(own, m)
		}
	}
	return own, nil
}
