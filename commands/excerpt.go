package commands

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"ficshelf/fic"
	"ficshelf/fic/passage"
	"ficshelf/shelf"
)

// routeExcerptNext is the Next passage button:
//
//	ex1:<story>:<chapter>:<byte>:<length>
//
// chapter is 1-based, byte the offset in that chapter's text where the next
// passage begins (0: the chapter's start; inside a sentence: the rest of a
// sentence cut for length), length one of s, m, l. A chapter one past the
// story's last means the story has ended (a work in progress that gained a
// chapter since goes on into it). The button carries everything it needs,
// so it works after restarts; a chapter re-imported since is still read
// from the nearest place (passage.CutAt copes with stale offsets).
const routeExcerptNext = "ex1"

// excerptNext is where a Next passage button starts reading.
type excerptNext struct {
	Story   string
	Chapter int // 1-based
	Byte    int
	Length  passage.Length
}

// lengthCodes map /excerpt's length choices to custom ID letters.
var lengthCodes = map[passage.Length]string{passage.Short: "s", passage.Medium: "m", passage.Long: "l"}

// customID encodes n as a Next passage custom ID.
func (n excerptNext) customID() string {
	code, ok := lengthCodes[n.Length]
	if !ok {
		code = "m"
	}
	return CustomID(routeExcerptNext, n.Story, strconv.Itoa(n.Chapter), strconv.Itoa(n.Byte), code)
}

// parseExcerptNext decodes the arguments of a Next passage custom ID.
func parseExcerptNext(args []string) (excerptNext, bool) {
	if len(args) != 4 {
		return excerptNext{}, false
	}
	if _, err := strconv.ParseUint(args[0], 10, 64); err != nil {
		return excerptNext{}, false
	}
	ch, err1 := strconv.Atoi(args[1])
	off, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || ch < 1 || off < 0 {
		return excerptNext{}, false
	}
	n := excerptNext{Story: args[0], Chapter: ch, Byte: off}
	for l, code := range lengthCodes {
		if code == args[3] {
			n.Length = l
		}
	}
	if n.Length == 0 {
		return excerptNext{}, false
	}
	return n, true
}

// excerpter answers /excerpt, Next passage and the card's Excerpt button.
// Its random source is seeded once per process (tests inject their own);
// *rand.Rand is not safe for concurrent use, hence the lock.
type excerpter struct {
	*cmds
	mu      sync.Mutex
	rng     *rand.Rand
	indexes indexCache
}

// intN returns a random int in [0, n), n > 0.
func (x *excerpter) intN(n int) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.rng.IntN(n)
}

// pick is passage.Pick with the shared source.
func (x *excerpter) pick(lengths []int) (passage.Cursor, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return passage.Pick(x.rng, lengths)
}

// registerExcerpt adds /excerpt, the Next passage button and the story
// card's Excerpt button, with a random source seeded for this process.
func (c *cmds) registerExcerpt(r *Router) {
	c.registerExcerptWith(r, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
}

// registerExcerptWith is registerExcerpt with a given random source.
func (c *cmds) registerExcerptWith(r *Router, rng *rand.Rand) {
	x := &excerpter{cmds: c, rng: rng}
	minChapter := 1.0
	r.Add(&Command{
		Def: &discordgo.ApplicationCommand{
			Name:        "excerpt",
			Description: "Post a passage from a story in the library",
			Options: []*discordgo.ApplicationCommandOption{
				storyOption("The story to quote", true),
				{
					Type:        discordgo.ApplicationCommandOptionInteger,
					Name:        "chapter",
					Description: "Take the passage from this chapter (default: anywhere in the story)",
					MinValue:    &minChapter,
				},
				{
					Type:        discordgo.ApplicationCommandOptionString,
					Name:        "find",
					Description: "A phrase to find: the passage around its first appearance",
					MaxLength:   200,
				},
				{
					Type:        discordgo.ApplicationCommandOptionString,
					Name:        "length",
					Description: "How long a passage (default: medium)",
					Choices: []*discordgo.ApplicationCommandOptionChoice{
						{Name: "short (about 300 characters)", Value: "short"},
						{Name: "medium (about 700 characters)", Value: "medium"},
						{Name: "long (about 1,500 characters)", Value: "long"},
					},
				},
			},
		},
		Run:          x.command,
		Autocomplete: c.autocompleteStories,
	})
	r.Component(routeExcerptNext, x.next)
	r.Component(routeExcerptOf, x.fromCard)
}

// command is /excerpt story [chapter] [find] [length].
func (x *excerpter) command(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := x.resolveStory(ctx, req, "story")
	if err != nil {
		return nil, err
	}
	length, _ := passage.ParseLength(req.String("length"))
	place, err := x.allowed(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	chapter, byChapter := req.Int("chapter")
	if byChapter && (chapter < 1 || chapter > int64(len(rec.Chapters))) {
		return nil, Errorf("%s has %s, so there is no chapter %d. Pick a chapter from 1 to %d.",
			storyName(rec.Story.Title), chaptersWord(len(rec.Chapters)), chapter, len(rec.Chapters))
	}
	if phrase := req.String("find"); phrase != "" {
		return x.find(ctx, req, rec, int(chapter), phrase, length, place)
	}
	return x.random(ctx, req, rec, int(chapter), length, place)
}

// fromCard is the Excerpt button on a story card ("ex-card:<story>"): a
// random medium passage, posted as a new message.
func (x *excerpter) fromCard(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	rec, err := x.storyByArg(ctx, req)
	if err != nil {
		return nil, err
	}
	place, err := x.allowed(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	return x.random(ctx, req, rec, 0, passage.Medium, place)
}

// next is the Next passage button: the passage that begins exactly where
// the button's passage ended, posted as a new public message so that a
// chain of clicks reads as a thread of passages (each message keeps its
// own text; nothing is edited away). Past the last chapter it says the
// story has ended, ephemerally.
func (x *excerpter) next(ctx context.Context, req *Request) (*discordgo.InteractionResponse, error) {
	at, ok := parseExcerptNext(req.Args)
	if !ok {
		return nil, buttonExpired("/excerpt")
	}
	rec, err := x.storyByArg(ctx, req)
	if err != nil {
		return nil, err
	}
	place, err := x.allowed(ctx, req, rec)
	if err != nil {
		return nil, err
	}
	n, off := at.Chapter, at.Byte
	for ; n <= len(rec.Chapters); n, off = n+1, 0 {
		var resp *discordgo.InteractionResponse
		err := x.withChapter(ctx, req, rec, n, func(ch shelf.ChapterRecord, idx passage.Index) error {
			if idx.Len() == 0 || off > 0 && off >= int(idx[idx.Len()-1]) {
				return nil // nothing (more) to read in this chapter
			}
			p := passage.CutAt(ch.Text, idx, off, at.Length)
			if p.Empty() {
				return nil
			}
			kind := continuedChapter
			if off == 0 {
				kind = nextChapter
			}
			resp = newExcerptView(rec, n, ch, idx, p, at.Length, place, kind).response()
			return nil
		})
		if err != nil || resp != nil {
			return resp, err
		}
	}
	return nil, Errorf("That's the end of %s: there is no more to read. Use `/excerpt` for another passage.", storyName(rec.Story.Title))
}

// allowed checks that the story has text and may be shown in the
// request's channel; a refusal is an ephemeral UserError and nothing is
// posted.
func (x *excerpter) allowed(ctx context.Context, req *Request, rec shelf.StoryRecord) (adultPlacement, error) {
	if len(rec.Chapters) == 0 {
		return showNothing, Errorf("%s is in the library by its link only, so I have no text to quote: excerpts need an uploaded file. Add the story's file with `/story add file:` to excerpt it.", storyName(rec.Story.Title))
	}
	place, err := x.placement(ctx, req, rec.Story.Rating)
	if err != nil {
		return showNothing, err
	}
	if place == showNothing {
		return showNothing, x.adultRefusal(ctx, req, rec.Story.Rating)
	}
	return place, nil
}

// withChapter calls fn with chapter n (1-based) of the story and its
// stored sentence index: one chapter per call, read in place (the chapter's
// text is borrowed from the database and valid only during fn, see
// shelf.Chapters.ViewChapter; newExcerptView copies what an answer keeps). An index
// missing or written by other segmentation rules (an old record) is made
// again from this chapter only.
func (x *excerpter) withChapter(ctx context.Context, req *Request, rec shelf.StoryRecord, n int, fn func(ch shelf.ChapterRecord, idx passage.Index) error) error {
	err := x.chapters.ViewChapter(ctx, req.GuildID, rec.ID, n, func(ch shelf.ChapterRecord) error {
		return fn(ch, x.indexes.index(req.GuildID, rec.ID, ch))
	})
	if err = storeError(err, actChapter, facts{Story: rec.Story.Title, Chapter: n}); err != nil {
		var ue *UserError
		if errors.As(err, &ue) {
			return err
		}
		return fmt.Errorf("read chapter %d of story %s: %w", n, rec.ID, err)
	}
	return nil
}

// random answers with a passage from a random place: anywhere in the
// story, chapters weighted by their words (chapter 0), or within chapter n.
// A chapter with no prose to quote (no sentences, or only scene breaks)
// is refused with a sentence when it was asked for; a random chapter
// that turns out so is replaced by another, until none is left.
func (x *excerpter) random(ctx context.Context, req *Request, rec shelf.StoryRecord, n int, length passage.Length, place adultPlacement) (*discordgo.InteractionResponse, error) {
	if n > 0 {
		resp, err := x.randomIn(ctx, req, rec, n, length, place)
		if err == nil && resp == nil {
			err = Errorf("Chapter %d of %s has no prose to quote: only scene breaks, or no text at all. Try another chapter.", n, storyName(rec.Story.Title))
		}
		return resp, err
	}
	words := make([]int, len(rec.Chapters))
	for i, c := range rec.Chapters {
		words[i] = c.Words
	}
	tried := make([]bool, len(rec.Chapters))
	for range rec.Chapters {
		ch := 0
		if at, ok := x.pick(words); ok {
			ch = at.Chapter + 1
		} else {
			var left []int
			for i, t := range tried {
				if !t {
					left = append(left, i+1)
				}
			}
			ch = left[x.intN(len(left))]
		}
		resp, err := x.randomIn(ctx, req, rec, ch, length, place)
		if err != nil || resp != nil {
			return resp, err
		}
		tried[ch-1], words[ch-1] = true, 0
	}
	return nil, Errorf("%s has no prose to quote: its chapters hold only scene breaks.", storyName(rec.Story.Title))
}

// randomIn answers with a passage from a random place in chapter n, or
// with nil when the chapter has no prose to quote.
func (x *excerpter) randomIn(ctx context.Context, req *Request, rec shelf.StoryRecord, n int, length passage.Length, place adultPlacement) (*discordgo.InteractionResponse, error) {
	var resp *discordgo.InteractionResponse
	err := x.withChapter(ctx, req, rec, n, func(ch shelf.ChapterRecord, idx passage.Index) error {
		if idx.Len() == 0 || len(ch.Text) == 0 {
			return nil
		}
		off := x.intN(len(ch.Text))
		p := passage.Around(ch.Text, idx, off, off, length)
		if p.Empty() {
			// Nothing from there (scene breaks to the chapter's end):
			// the chapter's first prose, if it has any.
			p = passage.Around(ch.Text, idx, 0, 0, length)
		}
		if p.Empty() {
			return nil
		}
		resp = newExcerptView(rec, n, ch, idx, p, length, place, freshExcerpt).response()
		return nil
	})
	return resp, err
}

// find answers with the passage around the first match of phrase, in
// chapter order (only chapter n when n > 0), reading one chapter at a time.
func (x *excerpter) find(ctx context.Context, req *Request, rec shelf.StoryRecord, n int, phrase string, length passage.Length, place adultPlacement) (*discordgo.InteractionResponse, error) {
	from, to := 1, len(rec.Chapters)
	if n > 0 {
		from, to = n, n
	}
	for i := from; i <= to; i++ {
		var resp *discordgo.InteractionResponse
		err := x.withChapter(ctx, req, rec, i, func(ch shelf.ChapterRecord, idx passage.Index) error {
			start, end, ok := passage.FindSpan(ch.Text, phrase)
			if !ok {
				return nil
			}
			if p := passage.Around(ch.Text, idx, start, end, length); !p.Empty() {
				resp = newExcerptView(rec, i, ch, idx, p, length, place, freshExcerpt).response()
			}
			return nil
		})
		if err != nil || resp != nil {
			return resp, err
		}
	}
	where := storyName(rec.Story.Title)
	if n > 0 {
		where = fmt.Sprintf("chapter %d of %s", n, where)
	}
	return nil, Errorf("I couldn't find %s in %s. Check the spelling, or try a shorter phrase.", quote(phrase), where)
}

// excerptKind says how a passage came to be shown, for its title.
type excerptKind int

const (
	freshExcerpt     excerptKind = iota // /excerpt or the card's button
	continuedChapter                    // Next passage, same chapter
	nextChapter                         // Next passage, into a new chapter
)

// excerptView is one passage with what its message shows around it. It
// shares no memory with the chapter text it was cut from.
type excerptView struct {
	rec          shelf.StoryRecord
	number       int // chapter, 1-based
	chapterTitle string
	textLen      int // bytes of the chapter's text
	idx          passage.Index
	p            passage.Passage
	length       passage.Length
	kind         excerptKind
	spoiler      bool // behind spoiler bars (the server's "spoilered" setting)
}

// newExcerptView copies what the answer needs out of a chapter read in
// place, so nothing it returns points into the database's memory.
func newExcerptView(rec shelf.StoryRecord, n int, ch shelf.ChapterRecord, idx passage.Index, p passage.Passage, length passage.Length, place adultPlacement, kind excerptKind) excerptView {
	p.Text = strings.Clone(p.Text)
	return excerptView{rec: rec, number: n, chapterTitle: strings.Clone(ch.Title), textLen: len(ch.Text),
		idx: idx, p: p, length: length, kind: kind, spoiler: place == showSpoilered}
}

// response is the public message: the embed and its buttons.
func (v excerptView) response() *discordgo.InteractionResponse {
	return EmbedReply(false, []*discordgo.MessageEmbed{v.embed()}, v.buttons()...)
}

// maxDescription is Discord's limit on an embed description.
const maxDescription = 4096

// embed is the passage's embed: story title and chapter, the passage
// (after any warnings, as spoilers), the authors, the rating colour and a
// footer placing the passage in the story.
func (v excerptView) embed() *discordgo.MessageEmbed {
	s := v.rec.Story
	e := &discordgo.MessageEmbed{
		Title: clip(v.title(), 256),
		Color: ratingColor(s.Rating),
		URL:   s.AO3URL,
	}
	if len(s.Authors) > 0 {
		e.Author = &discordgo.MessageEmbedAuthor{Name: clip("by "+strings.Join(s.Authors, ", "), 256)}
	}
	var b strings.Builder
	if w := warningsText(s.Warnings); w != "" && w != fic.WarningNoneApply {
		b.WriteString("**Warnings:** " + w + "\n\n")
	}
	if v.spoiler {
		fmt.Fprintf(&b, "*Rated %s: this passage is hidden behind spoiler bars. Click it to read.*\n\n", s.Rating)
	}
	body := passage.Markdown(v.p.Text, v.spoiler)
	if room := maxDescription - utf8.RuneCountInString(b.String()); utf8.RuneCountInString(body) > room {
		// Never with passage lengths up to Long (at most 2 × 1,800 runes
		// even fully escaped), but keep Discord's limit whatever happens.
		body = passage.Markdown(clip(v.p.Text, room/2-8), v.spoiler)
	}
	b.WriteString(body)
	e.Description = b.String()
	e.Footer = &discordgo.MessageEmbedFooter{Text: v.footer()}
	return e
}

// chapterLabel is "Chapter 3: The Lake", or the chapter's own title when
// it already says "Chapter …", or "Chapter 3" without a title.
func chapterLabel(n int, title string) string {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		return "Chapter " + strconv.Itoa(n)
	case len(title) >= len("chapter") && strings.EqualFold(title[:len("chapter")], "chapter"):
		return title
	}
	return "Chapter " + strconv.Itoa(n) + ": " + title
}

// title is the embed title: the story and where the passage is.
func (v excerptView) title() string {
	t := strings.TrimSpace(v.rec.Story.Title)
	label := chapterLabel(v.number, v.chapterTitle)
	switch {
	case v.kind == nextChapter:
		return t + " — continues in " + label
	case v.kind == continuedChapter:
		return t + " — " + label + " (continued)"
	case len(v.rec.Chapters) == 1 && strings.TrimSpace(v.chapterTitle) == "":
		return t
	}
	return t + " — " + label
}

// footer places the passage: "Chapter 3 of 12 · sentences 40–52 of 300 ·
// ~7,000 words into the chapter". Words into the chapter are estimated
// from the chapter's word count and the passage's byte offset, so no
// request counts the words of a whole chapter.
func (v excerptView) footer() string {
	parts := []string{fmt.Sprintf("Chapter %d of %d", v.number, len(v.rec.Chapters)), v.sentences()}
	words := 0
	if v.number >= 1 && v.number <= len(v.rec.Chapters) {
		words = v.rec.Chapters[v.number-1].Words
	}
	switch {
	case v.p.StartByte == 0:
		parts = append(parts, "the start of the chapter")
	case v.textLen > 0 && words > 0:
		in := int(int64(words) * int64(v.p.StartByte) / int64(v.textLen))
		parts = append(parts, fmt.Sprintf("~%s of %s words into the chapter", formatInt(roundWords(in)), formatInt(words)))
	}
	return strings.Join(parts, " · ")
}

// sentences says which sentences the passage shows: "sentence 7 of 300",
// "sentences 40–52 of 300", with the ones shown only in part named: a
// passage continuing a cut sentence shows its end, one cut at a word shows
// the start of its last sentence ("sentences 40–52 of 300 (the last in
// part)", "the end of sentence 40 of 300", "part of sentence 40 of 300").
// The last sentence is the one holding the passage's last byte, so scene
// breaks passed over after it are not counted as shown.
func (v excerptView) sentences() string {
	n := v.idx.Len()
	first, last := v.p.StartSentence+1, v.p.EndSentence
	if v.p.EndByte > v.p.StartByte && n > 0 {
		if s := v.idx.SentenceAt(v.p.EndByte-1) + 1; s >= first && s <= last {
			last = s
		}
	}
	head, tail := v.p.Continued, v.p.Truncated
	if last <= first {
		switch {
		case head && tail:
			return fmt.Sprintf("part of sentence %s of %s", formatInt(first), formatInt(n))
		case head:
			return fmt.Sprintf("the end of sentence %s of %s", formatInt(first), formatInt(n))
		case tail:
			return fmt.Sprintf("the start of sentence %s of %s", formatInt(first), formatInt(n))
		}
		return fmt.Sprintf("sentence %s of %s", formatInt(first), formatInt(n))
	}
	s := fmt.Sprintf("sentences %s–%s of %s", formatInt(first), formatInt(last), formatInt(n))
	switch {
	case head && tail:
		s += " (the first and last in part)"
	case head:
		s += " (the first in part)"
	case tail:
		s += " (the last in part)"
	}
	return s
}

// roundWords rounds an estimate to a number a reader would say: to the
// nearest 10 below 1,000, the nearest 100 above.
func roundWords(n int) int {
	switch {
	case n < 100:
		return n
	case n < 1000:
		return (n + 5) / 10 * 10
	}
	return (n + 50) / 100 * 100
}

// next is where the passage after this one begins: the rest of this
// chapter, else the next chapter with words (passage.Next, with the
// stored word counts standing in for the other chapters' sentence counts
// so that only this chapter is read), else one past the last chapter: the
// end of the story.
func (v excerptView) next() excerptNext {
	sentences := make([]int, len(v.rec.Chapters))
	for i, c := range v.rec.Chapters {
		sentences[i] = c.Words
	}
	if i := v.number - 1; i >= 0 && i < len(sentences) {
		sentences[i] = v.idx.Len()
	}
	n := excerptNext{Story: v.rec.ID, Length: v.length}
	if c, ok := passage.Next(v.p, v.number-1, sentences); ok {
		n.Chapter, n.Byte = c.Chapter+1, c.Byte
	} else {
		n.Chapter = len(v.rec.Chapters) + 1
	}
	return n
}

// buttons are Next passage, Kudos and Add to reading list.
func (v excerptView) buttons() []discordgo.MessageComponent {
	return []discordgo.MessageComponent{Row(
		discordgo.Button{Label: "Next passage", Style: discordgo.PrimaryButton, CustomID: v.next().customID(), Emoji: &discordgo.ComponentEmoji{Name: "📖"}},
		discordgo.Button{Label: kudosLabel(v.rec.Kudos), Style: discordgo.SuccessButton, CustomID: CustomID(routeKudos, v.rec.ID), Emoji: &discordgo.ComponentEmoji{Name: "❤️"}},
		Button("Add to reading list", discordgo.SecondaryButton, routeListAdd, v.rec.ID),
	)}
}
