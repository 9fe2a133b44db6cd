package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
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

// indexCacheMin is the smallest stored index worth caching decoded: a
// 10,000-word chapter's (about 1 KB) decodes in a few microseconds; a
// 500,000-word chapter's (about 60 KB, 35,000 sentences) in a hundred or
// more, while checking a cached copy against it takes a few.
const indexCacheMin = 8 << 10

// indexCacheMax bounds the decoded indexes kept, in bytes of Index (4 per
// sentence): about 500 chapters of 500,000 words' worth of sentences.
const indexCacheMax = 64 << 20

// indexCache keeps the decoded sentence indexes of big chapters, keyed by
// server, story and chapter and checked against the stored bytes on every
// use, so a re-imported chapter is never served a stale index. Oldest
// entries go first. Safe for concurrent use; a returned Index is shared
// and read-only.
type indexCache struct {
	mu      sync.Mutex
	entries map[indexKey]indexEntry
	order   []indexKey
	size    int
}

type indexKey struct {
	guild, story string
	chapter      int
}

type indexEntry struct {
	stored []byte
	idx    passage.Index
}

// index returns the sentence index of ch (see chapterIndex), from the
// cache when ch's stored index is big and unchanged since it was decoded.
func (c *indexCache) index(guild, story string, ch shelf.ChapterRecord) passage.Index {
	if len(ch.Sentences) < indexCacheMin {
		return chapterIndex(ch)
	}
	key := indexKey{guild, story, ch.Number}
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.stored, ch.Sentences) {
		return e.idx
	}
	idx := chapterIndex(ch)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[indexKey]indexEntry{}
	}
	if old, ok := c.entries[key]; ok {
		c.size -= 4 * len(old.idx)
	} else {
		c.order = append(c.order, key)
	}
	c.entries[key] = indexEntry{stored: bytes.Clone(ch.Sentences), idx: idx}
	c.size += 4 * len(idx)
	for c.size > indexCacheMax && len(c.order) > 1 {
		k := c.order[0]
		c.order = c.order[1:]
		if old, ok := c.entries[k]; ok && k != key {
			c.size -= 4 * len(old.idx)
			delete(c.entries, k)
		} else if k == key {
			c.order = append(c.order, k)
		}
	}
	return idx
}

// chapterIndex decodes a chapter's stored sentence index, or segments the
// chapter when there is none usable.
func chapterIndex(ch shelf.ChapterRecord) passage.Index {
	var idx passage.Index
	if len(ch.Sentences) == 0 || idx.UnmarshalBinary(ch.Sentences) != nil {
		return passage.Segment(ch.Text)
	}
	return idx
}

// random answers with a passage from a random place: anywhere in the
// story, chapters weighted by their words (chapter 0), or within chapter n.
func (x *excerpter) random(ctx context.Context, req *Request, rec shelf.StoryRecord, n int, length passage.Length, place adultPlacement) (*discordgo.InteractionResponse, error) {
	if n == 0 {
		words := make([]int, len(rec.Chapters))
		for i, c := range rec.Chapters {
			words[i] = c.Words
		}
		if at, ok := x.pick(words); ok {
			n = at.Chapter + 1
		} else {
			n = x.intN(len(rec.Chapters)) + 1
		}
	}
	var resp *discordgo.InteractionResponse
	err := x.withChapter(ctx, req, rec, n, func(ch shelf.ChapterRecord, idx passage.Index) error {
		if idx.Len() == 0 {
			return Errorf("Chapter %d of %s has no text to quote.", n, storyName(rec.Story.Title))
		}
		off := x.intN(len(ch.Text))
		p := passage.Around(ch.Text, idx, off, off, length)
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
	body := passageMarkdown(v.p.Text, v.spoiler)
	if room := maxDescription - utf8.RuneCountInString(b.String()); utf8.RuneCountInString(body) > room {
		// Never with passage lengths up to Long (at most 2 × 1,800 runes
		// even fully escaped), but keep Discord's limit whatever happens.
		body = passageMarkdown(clip(v.p.Text, room/2-8), v.spoiler)
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
	parts := []string{fmt.Sprintf("Chapter %d of %d", v.number, len(v.rec.Chapters))}
	n := v.idx.Len()
	first, last := v.p.StartSentence+1, v.p.EndSentence
	switch {
	case v.p.Continued || v.p.Truncated:
		parts = append(parts, fmt.Sprintf("part of sentence %s of %s", formatInt(first), formatInt(n)))
	case first == last:
		parts = append(parts, fmt.Sprintf("sentence %s of %s", formatInt(first), formatInt(n)))
	default:
		parts = append(parts, fmt.Sprintf("sentences %s–%s of %s", formatInt(first), formatInt(last), formatInt(n)))
	}
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

// passageMarkdown shows a passage as the author wrote it, emphasis and all,
// but so that a cut can never break the embed: markers a passage cut off
// from their partner are escaped (balanceMarkdown). With spoiler, each
// paragraph goes behind its own spoiler bars and every "|" of the text is
// escaped, so nothing in the text can close the bars early.
func passageMarkdown(text string, spoiler bool) string {
	if !spoiler {
		return balanceMarkdown(text, false)
	}
	paras := strings.Split(text, "\n\n")
	for i, p := range paras {
		if strings.TrimSpace(p) == "" {
			continue
		}
		paras[i] = "||" + balanceMarkdown(p, true) + "||"
	}
	return strings.Join(paras, "\n\n")
}

// mdToken is one emphasis, strike or spoiler marker of a passage.
type mdToken struct {
	pos, n   int    // byte range of the marker
	kind     string // "*", "**", "***", "_", "__", "___", "~~", "||"
	canOpen  bool
	canClose bool
	matched  bool
}

// balanceMarkdown returns s with every markdown marker that has no partner
// inside s escaped with a backslash, so that an emphasis, strike, spoiler
// or code span opened before a cut (or closed after it) cannot swallow
// what follows it in the message. Paired markers, code spans and the
// author's own escapes are kept as written; so is a "* " list bullet. A
// lone backslash at the end is doubled. With allPipes, every "|" outside
// code is escaped (the text goes inside spoiler bars of its own).
func balanceMarkdown(s string, allPipes bool) string {
	var escape []int // byte offsets to put a backslash before, ascending
	var toks []mdToken
	space := func(i int) bool { // white space (or no character) at i
		if i < 0 || i >= len(s) {
			return true
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		return unicode.IsSpace(r)
	}
	before := func(i int) int { // offset of the rune before i
		if i <= 0 {
			return -1
		}
		_, w := utf8.DecodeLastRuneInString(s[:i])
		return i - w
	}
	wordAt := func(i int) bool {
		if i < 0 || i >= len(s) {
			return false
		}
		r, _ := utf8.DecodeRuneInString(s[i:])
		return isWordRune(r)
	}
	run := func(i int, c byte) int {
		j := i
		for j < len(s) && s[j] == c {
			j++
		}
		return j - i
	}
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				escape = append(escape, i)
				i++
				continue
			}
			_, w := utf8.DecodeRuneInString(s[i+1:])
			i += 1 + w
		case '`':
			k := run(i, '`')
			if end := closingRun(s, i+k, k); end >= 0 {
				i = end + k // a code span: kept whole, nothing inside is markdown
				continue
			}
			for j := 0; j < k; j++ {
				escape = append(escape, i+j)
			}
			i += k
		case '|':
			if i+1 < len(s) && s[i+1] == '|' {
				if allPipes {
					escape = append(escape, i, i+1)
				} else {
					toks = append(toks, mdToken{pos: i, n: 2, kind: "||", canOpen: true, canClose: true})
				}
				i += 2
				continue
			}
			if allPipes {
				escape = append(escape, i)
			}
			i++
		case '~':
			if i+1 < len(s) && s[i+1] == '~' {
				toks = append(toks, mdToken{pos: i, n: 2, kind: "~~", canOpen: true, canClose: true})
				i += 2
				continue
			}
			i++
		case '*', '_':
			k := run(i, c)
			prev, next := before(i), i+k
			lineStart := i == 0 || s[i-1] == '\n'
			if c == '*' && k == 1 && lineStart && next < len(s) && s[next] == ' ' && listItem(s[next:]) {
				i += k // a list bullet
				continue
			}
			t := mdToken{pos: i, n: k, kind: strings.Repeat(string(c), min(k, 3))}
			t.canOpen = !space(next)
			t.canClose = prev >= 0 && !space(prev)
			if c == '_' {
				// Underscores inside a word (snake_case) are plain text.
				t.canOpen = t.canOpen && !wordAt(prev)
				t.canClose = t.canClose && !wordAt(next)
				if !t.canOpen && !t.canClose && (wordAt(prev) || wordAt(next)) {
					i += k
					continue
				}
			}
			toks = append(toks, t)
			i += k
		default:
			i++
		}
	}
	// Pair markers: a closer takes the nearest open marker of its kind;
	// markers opened inside that pair and never closed stay unpaired.
	var open []int
	for ti := range toks {
		t := &toks[ti]
		paired := false
		if t.canClose {
			for k := len(open) - 1; k >= 0; k-- {
				if toks[open[k]].kind == t.kind {
					toks[open[k]].matched, t.matched = true, true
					open = open[:k]
					paired = true
					break
				}
			}
		}
		if !paired && t.canOpen {
			open = append(open, ti)
		}
	}
	for _, t := range toks {
		if !t.matched {
			for j := 0; j < t.n; j++ {
				escape = append(escape, t.pos+j)
			}
		}
	}
	if len(escape) == 0 {
		return s
	}
	slices.Sort(escape)
	var b strings.Builder
	b.Grow(len(s) + len(escape))
	last := 0
	for _, p := range escape {
		b.WriteString(s[last:p])
		b.WriteByte('\\')
		last = p
	}
	b.WriteString(s[last:])
	return b.String()
}

// closingRun returns the offset of the next run of exactly k backticks at
// or after from, or -1.
func closingRun(s string, from, k int) int {
	for i := from; i < len(s); {
		j := strings.IndexByte(s[i:], '`')
		if j < 0 {
			return -1
		}
		i += j
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		if n == k {
			return i
		}
		i += n
	}
	return -1
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// listItem reports whether the rest of a line after "* " has words (a
// list item, not a "* * *" scene break).
func listItem(rest string) bool {
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return strings.IndexFunc(rest, isWordRune) >= 0
}
