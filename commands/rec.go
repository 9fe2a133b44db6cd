package commands

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/bot"
	"ficshelf/shelf"
)

// Rec routes.
const (
	routeRecList = "rec-list" // rec-list:<page>:<member or ->:<fandom, escaped>
	recsPerPage  = 10
	maxWhy       = 1000
	maxRequest   = 1000
	// maxRecFandom is the most characters (escaped) of a /rec list fandom
	// filter the page buttons carry.
	maxRecFandom = 60
)

// registerRec adds /rec and its pagination buttons.
func (c *cmds) registerRec(r *Router) {
	one := 1
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "rec",
			Description: "Recommend stories and discuss them in threads",
			Options: []*discordgo.ApplicationCommandOption{
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: "post",
					Description: "Recommend a story from the library, with a discussion thread",
					Options: []*discordgo.ApplicationCommandOption{
						storyOption("The story you recommend", true),
						{Type: discordgo.ApplicationCommandOptionString, Name: "why", Description: "Why others should read it (up to 1000 characters)",
							Required: true, MinLength: &one, MaxLength: maxWhy},
					},
				},
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: "ask",
					Description: "Ask for recommendations; answers go in a thread",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionString, Name: "request", Description: "What you are looking for",
							Required: true, MinLength: &one, MaxLength: maxRequest},
					},
				},
				{
					Type: discordgo.ApplicationCommandOptionSubCommand, Name: "list",
					Description: "Browse recommendations, newest first",
					Options: []*discordgo.ApplicationCommandOption{
						{Type: discordgo.ApplicationCommandOptionUser, Name: "member", Description: "Only this member's recs"},
						{Type: discordgo.ApplicationCommandOptionString, Name: "fandom", Description: "Only stories in this fandom", MaxLength: 100},
					},
				},
			},
		},
		Subcommands: map[string]HandlerFunc{
			"post": c.recPost,
			"ask":  c.recAsk,
			"list": c.recList,
		},
		Autocomplete:  c.autocompleteStories,
		EphemeralSubs: map[string]bool{"post": true, "ask": true},
	})
	r.Component(routeRecList, c.recListPage)
}

// keyedLocks serialises work per key (one story's rec thread): the zero
// value is ready; entries are dropped when unused.
type keyedLocks struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	mu    sync.Mutex
	users int
}

// lock takes key's lock and returns its release.
func (k *keyedLocks) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyedLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.users--
		if l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// messageLink is a jump link to a message.
func messageLink(guild, channel, message string) string {
	return "https://discord.com/channels/" + guild + "/" + channel + "/" + message
}

// channelLink is a jump link to a channel or thread.
func channelLink(guild, channel string) string {
	return "https://discord.com/channels/" + guild + "/" + channel
}

// blockquote quotes member text: every line behind "> ", markdown and
// mentions escaped.
func blockquote(s string) string {
	lines := strings.Split(strings.ReplaceAll(strings.TrimSpace(s), "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + escapeMarkdown(strings.TrimSpace(l))
	}
	return strings.Join(lines, "\n")
}

// recTarget is where recs and requests go: the server's recs channel, or
// the channel asked in (its parent when that is a thread, since a thread
// cannot hold threads).
func (c *cmds) recTarget(ctx context.Context, req *Request) (*discordgo.Channel, error) {
	settings, err := c.settings.Settings(ctx, req.GuildID)
	if err != nil {
		return nil, fmt.Errorf("read settings: %w", err)
	}
	id := req.ChannelID
	if settings.RecsChannelID != "" {
		id = settings.RecsChannelID
	}
	ch, err := c.discord.Channel(ctx, id)
	if err != nil {
		if settings.RecsChannelID != "" && bot.ChannelGone(err) {
			return nil, Sorry(err, "This server's recs channel no longer exists. Ask an admin to set a new one with `/settings recs-channel`.")
		}
		return nil, fmt.Errorf("look up channel %s: %w", id, err)
	}
	if ch.IsThread() && ch.ParentID != "" {
		parent, err := c.discord.Channel(ctx, ch.ParentID)
		if err != nil {
			return nil, fmt.Errorf("look up channel %s: %w", ch.ParentID, err)
		}
		ch = parent
	}
	return ch, nil
}

func isForum(ch *discordgo.Channel) bool {
	return ch.Type == discordgo.ChannelTypeGuildForum || ch.Type == discordgo.ChannelTypeGuildMedia
}

// recCard is the rec's message: the recommender's words above the story
// card, the summary shown as channelID's rules allow.
func (c *cmds) recCard(ctx context.Context, req *Request, rec shelf.StoryRecord, channelID, intro, why string) (*discordgo.MessageSend, error) {
	where := *req
	where.ChannelID = channelID
	p, err := c.placement(ctx, &where, rec.Story.Rating)
	if err != nil {
		return nil, err
	}
	opt := cardOptions{HideSummary: p == showNothing, SpoilerSummary: p == showSpoilered}
	return &discordgo.MessageSend{
		Content:         intro + "\n" + blockquote(why),
		Embeds:          []*discordgo.MessageEmbed{storyCard(rec, opt)},
		Components:      cardButtons(rec),
		AllowedMentions: noPings(),
	}, nil
}

// recPost is /rec post: in a request's thread it answers the request;
// elsewhere it adds the rec to the story's thread, opening one (a forum
// post in a forum) when the story has none or its thread was deleted.
func (c *cmds) recPost(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := c.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	why := req.String("why")
	if why == "" {
		return nil, Errorf("Say in a few words why you recommend it (the `why` option).")
	}
	if n := utf8.RuneCountInString(why); n > maxWhy {
		return nil, Errorf("Your reasons are %s characters long; a rec keeps at most %s. Please shorten them.", formatInt(n), formatInt(maxWhy))
	}
	request, err := c.recs.RecRequestByThread(ctx, req.GuildID, req.ChannelID)
	switch {
	case err == nil:
		return c.answerRequest(ctx, req, rec, why, request)
	case !errors.Is(err, shelf.ErrNotFound):
		return nil, err
	}
	title := "**" + escapeMarkdown(clip(rec.Story.Title, 200)) + "**"

	unlock := c.recLocks.lock(req.GuildID + "/" + rec.ID)
	defer unlock()
	th, ok, err := c.recs.RecThread(ctx, req.GuildID, rec.ID)
	if err != nil {
		return nil, err
	}
	if ok {
		msg, err := c.recCard(ctx, req, rec, th.ThreadID, fmt.Sprintf("<@%s> recommends %s too:", req.UserID, title), why)
		if err != nil && !bot.ChannelGone(err) {
			return nil, err
		}
		if err == nil {
			m, err := c.discord.SendMessage(ctx, th.ThreadID, msg)
			switch {
			case err == nil:
				if _, err := c.recs.AddRec(ctx, req.GuildID, shelf.Rec{StoryID: rec.ID, UserID: req.UserID, Why: why, At: c.now(),
					ChannelID: th.ThreadID, MessageID: m.ID, ThreadID: th.ThreadID}); err != nil {
					return nil, err
				}
				return Ephemeral(fmt.Sprintf("%s was already recommended here, so I added your rec to its discussion thread: %s",
					title, messageLink(req.GuildID, th.ThreadID, m.ID))), nil
			case !bot.ChannelGone(err):
				return nil, fmt.Errorf("post rec in thread %s: %w", th.ThreadID, err)
			}
		}
		c.log.Info("rec thread gone; opening a new one", "guild", req.GuildID, "story", rec.ID, "thread", th.ThreadID)
	}

	// Only a new thread needs the recs channel (a rec joining an existing
	// thread works even when that channel was deleted since).
	target, err := c.recTarget(ctx, req)
	if err != nil {
		return nil, err
	}

	msg, err := c.recCard(ctx, req, rec, target.ID, fmt.Sprintf("<@%s> recommends %s:", req.UserID, title), why)
	if err != nil {
		return nil, err
	}
	threadName := clip(rec.Story.Title, 100)
	var nt shelf.RecThread
	if isForum(target) {
		post, err := c.discord.StartForumPost(ctx, target.ID, threadName, msg)
		if err != nil {
			return nil, fmt.Errorf("start forum post in %s: %w", target.ID, err)
		}
		nt = shelf.RecThread{ChannelID: target.ID, ThreadID: post.ID, MessageID: post.ID, Forum: true}
	} else {
		m, err := c.discord.SendMessage(ctx, target.ID, msg)
		if err != nil {
			return nil, fmt.Errorf("post rec in %s: %w", target.ID, err)
		}
		t, err := c.discord.StartThread(ctx, target.ID, m.ID, threadName)
		if err != nil {
			return nil, fmt.Errorf("start rec thread: %w", err)
		}
		nt = shelf.RecThread{ChannelID: target.ID, ThreadID: t.ID, MessageID: m.ID}
	}
	if err := c.recs.SetRecThread(ctx, req.GuildID, rec.ID, nt); err != nil {
		return nil, err
	}
	msgChannel := nt.ChannelID
	if nt.Forum {
		msgChannel = nt.ThreadID
	}
	if _, err := c.recs.AddRec(ctx, req.GuildID, shelf.Rec{StoryID: rec.ID, UserID: req.UserID, Why: why, At: c.now(),
		ChannelID: msgChannel, MessageID: nt.MessageID, ThreadID: nt.ThreadID}); err != nil {
		return nil, err
	}
	return Ephemeral(fmt.Sprintf("Your rec of %s is up, with a thread to talk about it: %s",
		title, channelLink(req.GuildID, nt.ThreadID))), nil
}

// answerRequest posts a rec in a request's thread and lists it on the
// request.
func (c *cmds) answerRequest(ctx context.Context, req *Request, rec shelf.StoryRecord, why string, request shelf.RecRequest) (*discordgo.InteractionResponse, error) {
	title := "**" + escapeMarkdown(clip(rec.Story.Title, 200)) + "**"
	requestLink := messageLink(req.GuildID, request.ChannelID, request.MessageID)
	intro := fmt.Sprintf("<@%s> answers <@%s>'s [request](%s) with %s:", req.UserID, request.UserID, requestLink, title)
	msg, err := c.recCard(ctx, req, rec, req.ChannelID, intro, why)
	if err != nil {
		return nil, err
	}
	// One answer at a time per request, so its list of answers is edited
	// in order.
	unlock := c.recLocks.lock(req.GuildID + "/request/" + request.ID)
	defer unlock()
	m, err := c.discord.SendMessage(ctx, req.ChannelID, msg)
	if err != nil {
		return nil, fmt.Errorf("post answer in request thread: %w", err)
	}
	saved, err := c.recs.AddRec(ctx, req.GuildID, shelf.Rec{StoryID: rec.ID, UserID: req.UserID, Why: why, At: c.now(),
		ChannelID: req.ChannelID, MessageID: m.ID, ThreadID: req.ChannelID, RequestID: request.ID})
	if err != nil {
		return nil, err
	}
	// Link the answers from the request itself (read again: answers may
	// have arrived meanwhile).
	if fresh, err := c.recs.RecRequestByThread(ctx, req.GuildID, req.ChannelID); err == nil {
		request = fresh
	} else {
		request.Answers = append(request.Answers, saved.ID)
	}
	if answers, err := c.recs.Recs(ctx, req.GuildID, request.Answers); err == nil {
		content := requestContent(req.GuildID, request, answers)
		if _, err := c.discord.EditMessage(ctx, request.ChannelID, request.MessageID, &discordgo.MessageEdit{Content: &content}); err != nil {
			c.log.Warn("could not list an answer on its request", "guild", req.GuildID, "request", request.ID, "err", err)
		}
	}
	return Ephemeral(fmt.Sprintf("Thanks! Your answer is posted: %s", messageLink(req.GuildID, req.ChannelID, m.ID))), nil
}

// requestLinks is how many answers a request's message links at most
// (the latest); it counts them all.
const requestLinks = 10

// maxMessage is the room of a message's content: Discord's 2,000
// characters, counted as Discord does (textLen).
const maxMessage = 2000

// maxRequestQuote bounds the quoted request in its message, leaving room
// for links to its answers.
const maxRequestQuote = 1300

// textLen counts s as Discord limits it: UTF-16 code units.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// requestContent is a request's message, with links to its latest answers
// (at most requestLinks, fewer when the message has no room for more),
// saying so when it links fewer than there are. It fits in one message, so
// editing it in never cuts it.
func requestContent(guild string, r shelf.RecRequest, answers []shelf.Rec) string {
	quoted := blockquote(r.Text)
	for n := utf8.RuneCountInString(r.Text); textLen(quoted) > maxRequestQuote && n > 10; {
		n = n * 9 / 10
		quoted = blockquote(clip(r.Text, n))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Looking for:** <@%s> asks for recommendations.\n%s\n\nAnswer in the thread with `/rec post`.", r.UserID, quoted)
	if len(answers) == 0 {
		return b.String()
	}
	lines := make([]string, len(answers))
	for i, a := range answers {
		lines[i] = fmt.Sprintf("\n• [%s](%s) — <@%s>", escapeMarkdown(clip(a.StoryTitle, 80)), messageLink(guild, a.ChannelID, a.MessageID), a.UserID)
	}
	head := func(shown int) string {
		if shown < len(answers) {
			return fmt.Sprintf("\n\n**Answers so far (%d; the latest %d here, all of them in the thread):**", len(answers), shown)
		}
		return fmt.Sprintf("\n\n**Answers so far (%d):**", len(answers))
	}
	shown := 0
	room := maxMessage - textLen(b.String()) - textLen(head(0)) - 4
	for i := len(lines) - 1; i >= 0 && shown < requestLinks; i-- {
		if room -= textLen(lines[i]); room < 0 {
			break
		}
		shown++
	}
	b.WriteString(head(shown))
	for _, l := range lines[len(lines)-shown:] {
		b.WriteString(l)
	}
	return b.String()
}

// recAsk is /rec ask: a request message with a thread for answers.
func (c *cmds) recAsk(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	text := req.String("request")
	if text == "" {
		return nil, Errorf("Say what you are looking for (the `request` option).")
	}
	if n := utf8.RuneCountInString(text); n > maxRequest {
		return nil, Errorf("Your request is %s characters long; a request keeps at most %s. Please shorten it.", formatInt(n), formatInt(maxRequest))
	}
	target, err := c.recTarget(ctx, req)
	if err != nil {
		return nil, err
	}
	r := shelf.RecRequest{UserID: req.UserID, Text: text, At: c.now()}
	content := requestContent(req.GuildID, r, nil)
	name := clip("Looking for: "+strings.Join(strings.Fields(text), " "), 100)
	msg := &discordgo.MessageSend{Content: content, AllowedMentions: noPings()}
	if isForum(target) {
		post, err := c.discord.StartForumPost(ctx, target.ID, name, msg)
		if err != nil {
			return nil, fmt.Errorf("start request forum post: %w", err)
		}
		r.ChannelID, r.MessageID, r.ThreadID = post.ID, post.ID, post.ID
	} else {
		m, err := c.discord.SendMessage(ctx, target.ID, msg)
		if err != nil {
			return nil, fmt.Errorf("post request: %w", err)
		}
		t, err := c.discord.StartThread(ctx, target.ID, m.ID, name)
		if err != nil {
			return nil, fmt.Errorf("start request thread: %w", err)
		}
		r.ChannelID, r.MessageID, r.ThreadID = target.ID, m.ID, t.ID
	}
	if _, err := c.recs.AddRecRequest(ctx, req.GuildID, r); err != nil {
		return nil, err
	}
	return Ephemeral(fmt.Sprintf("Your request is up: %s — members can answer there with `/rec post`.", channelLink(req.GuildID, r.ThreadID))), nil
}

// recList is /rec list.
func (c *cmds) recList(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	embed, comps, err := c.recPage(ctx, req.GuildID, req.ID("member"), req.String("fandom"), 0)
	if err != nil {
		return nil, err
	}
	return EmbedReply(false, []*discordgo.MessageEmbed{embed}, comps...), nil
}

// recListPage turns the page of a /rec list.
func (c *cmds) recListPage(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	if len(req.Args) < 3 {
		return nil, buttonExpired("/rec list")
	}
	page, _ := strconv.Atoi(req.Args[0])
	member := req.Args[1]
	if member == "-" {
		member = ""
	}
	embed, comps, err := c.recPage(ctx, req.GuildID, member, unescapeArg(req.Args[2]), page)
	if err != nil {
		return nil, err
	}
	return Update("", []*discordgo.MessageEmbed{embed}, comps...), nil
}

var argEscaper = strings.NewReplacer("%", "%25", ":", "%3A")
var argUnescaper = strings.NewReplacer("%25", "%", "%3A", ":")

func escapeArg(s string) string   { return argEscaper.Replace(s) }
func unescapeArg(s string) string { return argUnescaper.Replace(s) }

// recPage renders page (0-based) of the recs matching member and fandom.
func (c *cmds) recPage(ctx context.Context, guild, member, fandom string, page int) (*discordgo.MessageEmbed, []discordgo.MessageComponent, error) {
	page = max(page, 0)
	// The fandom rides in the page buttons' custom_id (at most 60 escaped
	// characters there): shorten it before the first query, so that every
	// page lists the same recs, and say so.
	typed := fandom
	for utf8.RuneCountInString(escapeArg(fandom)) > maxRecFandom {
		r := []rune(fandom)
		fandom = string(r[:len(r)-1])
	}
	recs, total, err := c.recs.ListRecs(ctx, guild, shelf.RecQuery{UserID: member, Fandom: fandom, Offset: page * recsPerPage, Limit: recsPerPage})
	if err != nil {
		return nil, nil, err
	}
	pages := max(1, (total+recsPerPage-1)/recsPerPage)
	if page >= pages && total > 0 {
		page = pages - 1
		recs, total, err = c.recs.ListRecs(ctx, guild, shelf.RecQuery{UserID: member, Fandom: fandom, Offset: page * recsPerPage, Limit: recsPerPage})
		if err != nil {
			return nil, nil, err
		}
	}
	title := "Recommendations"
	var filters []string
	if member != "" {
		filters = append(filters, "by <@"+member+">")
	}
	if fandom != "" {
		filters = append(filters, "in "+quote(fandom))
	}
	var b strings.Builder
	if len(filters) > 0 {
		b.WriteString("Recs " + strings.Join(filters, " ") + ", newest first.")
		if fandom != typed {
			fmt.Fprintf(&b, " *(I filtered by the first %d characters of the fandom you typed.)*", utf8.RuneCountInString(fandom))
		}
		b.WriteString("\n\n")
	}
	if total == 0 {
		b.WriteString("No recommendations yet. Recommend a story with `/rec post`.")
	}
	// Every rec of the page is shown (the page buttons step by
	// recsPerPage): titles and reasons are clipped harder until it fits.
	entries := func(title, why int) string {
		var e strings.Builder
		for i, r := range recs {
			name := r.StoryTitle
			if name == "" {
				name = "Story " + r.StoryID
			}
			fmt.Fprintf(&e, "**%d.** [%s](%s) — <@%s> <t:%d:R>\n%s\n", page*recsPerPage+i+1, escapeMarkdown(clip(name, title)),
				messageLink(guild, r.ChannelID, r.MessageID), r.UserID, r.At.Unix(), blockquote(clip(r.Why, why)))
		}
		return e.String()
	}
	body := ""
	for _, lim := range [][2]int{{100, 160}, {50, 80}, {30, 40}} {
		body = entries(lim[0], lim[1])
		if utf8.RuneCountInString(b.String()+body) <= maxListText {
			break
		}
	}
	b.WriteString(body)
	embed := &discordgo.MessageEmbed{
		Title:       title,
		Description: b.String(),
		Color:       colorNeutral,
		Footer:      &discordgo.MessageEmbedFooter{Text: fmt.Sprintf("Page %d of %d · %d recs", page+1, pages, total)},
	}
	if pages == 1 {
		return embed, nil, nil
	}
	m := member
	if m == "" {
		m = "-"
	}
	f := escapeArg(fandom)
	prev := Button("Previous", discordgo.SecondaryButton, routeRecList, strconv.Itoa(page-1), m, f)
	prev.Disabled = page == 0
	next := Button("Next", discordgo.SecondaryButton, routeRecList, strconv.Itoa(page+1), m, f)
	next.Disabled = page+1 >= pages
	return embed, []discordgo.MessageComponent{Row(prev, next)}, nil
}
