package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/rivo/uniseg"
)

// Discord's limits, in characters (see DISCORD.md). Lengths are measured by
// TextLen, which counts UTF-16 code units: never fewer than runes, so a text
// within a limit by TextLen is within it by Discord's rune count as well.
const (
	MaxContent          = 2000
	MaxEmbeds           = 10
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxEmbedFieldName   = 256
	MaxEmbedFieldValue  = 1024
	MaxEmbedFooter      = 2048
	MaxEmbedAuthor      = 256
	MaxEmbedTotal       = 6000
	MaxActionRows       = 5
	MaxRowButtons       = 5
	MaxCustomID         = 100
	MaxButtonLabel      = 80
	MaxSelectOptions    = 25
	MaxSelectOptionText = 100
	MaxSelectHolder     = 150
	MaxChoices          = 25
	MaxChoiceName       = 100
	MaxChoiceValue      = 100
	MaxThreadName       = 100
	MaxModalTitle       = 45
	MaxTextInputLabel   = 45
	MaxTextInputValue   = 4000
	MaxTextInputHolder  = 100
)

// ellipsis ends every text shortened by Truncate.
const ellipsis = "…"

// TextLen returns the length of s as Discord limits it: the number of UTF-16
// code units (a rune outside the Basic Multilingual Plane counts twice).
func TextLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// prefixWithin returns the byte length of the longest prefix of s made of
// whole grapheme clusters whose TextLen is at most max.
func prefixWithin(s string, max int) int {
	used, end, state := 0, 0, -1
	rest := s
	for len(rest) > 0 {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		l := TextLen(cluster)
		if used+l > max {
			break
		}
		used += l
		end += len(cluster)
	}
	return end
}

// Truncate returns s unchanged when TextLen(s) <= max; otherwise it returns
// the longest prefix of whole grapheme clusters, trailing white space
// removed, followed by "…", whose TextLen is at most max. Truncate(s, 0) of a
// non-empty s is "".
func Truncate(s string, max int) string {
	if TextLen(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	return strings.TrimRight(s[:prefixWithin(s, max-1)], " \t\r\n") + ellipsis
}

// SplitContent cuts s into pieces of at most max UTF-16 units each, breaking
// at a line end when one lies in the last three quarters of the window, else
// at a space, else between grapheme clusters. The separator at a break is
// dropped, as are pieces that would hold only white space. A string that
// already fits is returned as the only piece; "" gives no pieces.
func SplitContent(s string, max int) []string {
	if max <= 0 {
		return nil
	}
	var out []string
	add := func(p string) {
		if strings.TrimSpace(p) != "" {
			out = append(out, strings.TrimRight(p, " \t\r\n"))
		}
	}
	for TextLen(s) > max {
		cut := prefixWithin(s, max)
		if cut == 0 { // one grapheme cluster longer than max: cut by runes
			cut = runesWithin(s, max)
			if cut == 0 {
				_, cut = utf8.DecodeRuneInString(s)
			}
		}
		if s[cut] == '\n' || s[cut] == ' ' {
			add(s[:cut])
			s = s[cut+1:]
			continue
		}
		if i := strings.LastIndexByte(s[:cut], '\n'); i > 0 && i >= cut/4 {
			add(s[:i])
			s = s[i+1:]
			continue
		}
		if i := strings.LastIndexAny(s[:cut], " \t"); i > 0 {
			add(s[:i])
			s = s[i+1:]
			continue
		}
		add(s[:cut])
		s = s[cut:]
	}
	add(s)
	return out
}

// runesWithin returns the byte length of the longest prefix of s whose
// TextLen is at most max, cutting between runes.
func runesWithin(s string, max int) int {
	used := 0
	for i, r := range s {
		l := 1
		if r >= 0x10000 {
			l = 2
		}
		if used+l > max {
			return i
		}
		used += l
	}
	return len(s)
}

// FitEmbed returns a copy of e within Discord's embed limits: title,
// description, field names and values, footer and author name truncated, at
// most 25 fields (empty field names or values become a zero-width space,
// which Discord requires), and, if all its text together passes 6000, its
// largest parts shortened in turn until it fits. e itself is not modified.
func FitEmbed(e *discordgo.MessageEmbed) *discordgo.MessageEmbed {
	if e == nil {
		return nil
	}
	c := *e
	c.Title = Truncate(c.Title, MaxEmbedTitle)
	c.Description = Truncate(c.Description, MaxEmbedDescription)
	if e.Footer != nil {
		f := *e.Footer
		f.Text = Truncate(f.Text, MaxEmbedFooter)
		c.Footer = &f
	}
	if e.Author != nil {
		a := *e.Author
		a.Name = Truncate(a.Name, MaxEmbedAuthor)
		c.Author = &a
	}
	if len(e.Fields) > 0 {
		fields := e.Fields
		if len(fields) > MaxEmbedFields {
			fields = fields[:MaxEmbedFields]
		}
		c.Fields = make([]*discordgo.MessageEmbedField, 0, len(fields))
		for _, f := range fields {
			if f == nil {
				continue
			}
			nf := *f
			nf.Name = nonEmpty(Truncate(nf.Name, MaxEmbedFieldName))
			nf.Value = nonEmpty(Truncate(nf.Value, MaxEmbedFieldValue))
			c.Fields = append(c.Fields, &nf)
		}
	}
	parts := []*string{&c.Title, &c.Description}
	if c.Footer != nil {
		parts = append(parts, &c.Footer.Text)
	}
	if c.Author != nil {
		parts = append(parts, &c.Author.Name)
	}
	for _, f := range c.Fields {
		parts = append(parts, &f.Name, &f.Value)
	}
	for {
		total, largest, largestLen := 0, -1, 0
		for i, p := range parts {
			l := TextLen(*p)
			total += l
			if l > largestLen {
				largest, largestLen = i, l
			}
		}
		if total <= MaxEmbedTotal || largestLen <= 1 {
			break
		}
		keep := largestLen - (total - MaxEmbedTotal)
		if keep < 1 {
			keep = 1
		}
		*parts[largest] = Truncate(*parts[largest], keep)
	}
	for _, f := range c.Fields {
		f.Name, f.Value = nonEmpty(f.Name), nonEmpty(f.Value)
	}
	return &c
}

// EmbedLen is the text of e that counts toward the 6000 limit per message.
func EmbedLen(e *discordgo.MessageEmbed) int {
	if e == nil {
		return 0
	}
	n := TextLen(e.Title) + TextLen(e.Description)
	if e.Footer != nil {
		n += TextLen(e.Footer.Text)
	}
	if e.Author != nil {
		n += TextLen(e.Author.Name)
	}
	for _, f := range e.Fields {
		if f != nil {
			n += TextLen(f.Name) + TextLen(f.Value)
		}
	}
	return n
}

func nonEmpty(s string) string {
	if strings.TrimSpace(s) == "" {
		return "\u200b"
	}
	return s
}

// GroupEmbeds fits each embed (FitEmbed) and groups them, in order, into
// messages of at most 10 embeds and 6000 characters of embed text each.
// Nil embeds are dropped.
func GroupEmbeds(embeds []*discordgo.MessageEmbed) [][]*discordgo.MessageEmbed {
	var groups [][]*discordgo.MessageEmbed
	var cur []*discordgo.MessageEmbed
	curLen := 0
	for _, e := range embeds {
		if e == nil {
			continue
		}
		f := FitEmbed(e)
		if f.Type == "" {
			f.Type = discordgo.EmbedTypeRich
		}
		l := EmbedLen(f)
		if len(cur) > 0 && (len(cur) == MaxEmbeds || curLen+l > MaxEmbedTotal) {
			groups = append(groups, cur)
			cur, curLen = nil, 0
		}
		cur = append(cur, f)
		curLen += l
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// FitComponents returns a copy of a message's or modal's components within
// Discord's limits: at most 5 action rows, at most 5 buttons in a row,
// custom_id 100, button label 80, select placeholder 150, at most 25 select
// options with label, value and description 100, text input label 45,
// placeholder 100 and value 4000. Components of other kinds pass unchanged.
// A custom_id that is cut no longer routes: callers should keep theirs short;
// cutting only keeps Discord from refusing the whole message.
func FitComponents(cs []discordgo.MessageComponent) []discordgo.MessageComponent {
	if cs == nil {
		return nil
	}
	out := make([]discordgo.MessageComponent, 0, len(cs))
	rows := 0
	for _, c := range cs {
		var row *discordgo.ActionsRow
		switch v := c.(type) {
		case discordgo.ActionsRow:
			row = &v
		case *discordgo.ActionsRow:
			if v == nil {
				continue
			}
			r := *v
			row = &r
		default:
			out = append(out, c)
			continue
		}
		if rows == MaxActionRows {
			continue
		}
		rows++
		inner := make([]discordgo.MessageComponent, 0, len(row.Components))
		buttons := 0
		for _, ic := range row.Components {
			fc, isButton := fitInner(ic)
			if fc == nil {
				continue
			}
			if isButton {
				if buttons == MaxRowButtons {
					continue
				}
				buttons++
			}
			inner = append(inner, fc)
		}
		row.Components = inner
		out = append(out, *row)
	}
	return out
}

func fitInner(c discordgo.MessageComponent) (discordgo.MessageComponent, bool) {
	switch v := c.(type) {
	case *discordgo.Button:
		if v == nil {
			return nil, false
		}
		return fitInner(*v)
	case discordgo.Button:
		v.Label = Truncate(v.Label, MaxButtonLabel)
		v.CustomID = truncBytes(v.CustomID, MaxCustomID)
		return v, true
	case *discordgo.SelectMenu:
		if v == nil {
			return nil, false
		}
		return fitInner(*v)
	case discordgo.SelectMenu:
		v.CustomID = truncBytes(v.CustomID, MaxCustomID)
		v.Placeholder = Truncate(v.Placeholder, MaxSelectHolder)
		opts := v.Options
		if len(opts) > MaxSelectOptions {
			opts = opts[:MaxSelectOptions]
		}
		if opts != nil {
			v.Options = make([]discordgo.SelectMenuOption, len(opts))
			for i, o := range opts {
				o.Label = Truncate(o.Label, MaxSelectOptionText)
				o.Value = truncBytes(o.Value, MaxSelectOptionText)
				o.Description = Truncate(o.Description, MaxSelectOptionText)
				v.Options[i] = o
			}
		}
		return v, false
	case *discordgo.TextInput:
		if v == nil {
			return nil, false
		}
		return fitInner(*v)
	case discordgo.TextInput:
		v.CustomID = truncBytes(v.CustomID, MaxCustomID)
		v.Label = Truncate(v.Label, MaxTextInputLabel)
		v.Placeholder = Truncate(v.Placeholder, MaxTextInputHolder)
		v.Value = Truncate(v.Value, MaxTextInputValue)
		return v, false
	}
	return c, false
}

// truncBytes shortens an identifier (custom_id, option value) without adding
// an ellipsis: it is machine-read, so an ellipsis would only add confusion.
func truncBytes(s string, max int) string {
	if TextLen(s) <= max {
		return s
	}
	return s[:prefixWithin(s, max)]
}

// FitChoices returns at most 25 autocomplete choices with names of 1–100
// characters (longer names truncated). A choice whose string value is longer
// than 100 is dropped rather than cut, since a cut value would select
// something else; so is a choice with an empty name.
func FitChoices(cs []*discordgo.ApplicationCommandOptionChoice) []*discordgo.ApplicationCommandOptionChoice {
	out := make([]*discordgo.ApplicationCommandOptionChoice, 0, min(len(cs), MaxChoices))
	for _, c := range cs {
		if len(out) == MaxChoices {
			break
		}
		if c == nil || strings.TrimSpace(c.Name) == "" {
			continue
		}
		if s, ok := c.Value.(string); ok && TextLen(s) > MaxChoiceValue {
			continue
		}
		nc := *c
		nc.Name = Truncate(nc.Name, MaxChoiceName)
		out = append(out, &nc)
	}
	return out
}

// ThreadName makes a valid thread name (1–100 characters, one line) of
// name: line breaks become spaces, surrounding space is trimmed, a long name
// is truncated, and an empty one becomes "Thread".
func ThreadName(name string) string {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "Thread"
	}
	return Truncate(name, MaxThreadName)
}

// noMentions is the default allowed_mentions: it marshals as
// {"parse":[],"replied_user":false}, so the message pings nobody.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// mentionsOr returns m, or noMentions when m is nil.
func mentionsOr(m *discordgo.MessageAllowedMentions) *discordgo.MessageAllowedMentions {
	if m == nil {
		return noMentions()
	}
	return m
}

// piece is the part of a message that fits in one Discord message.
type piece struct {
	Content    string
	Embeds     []*discordgo.MessageEmbed
	Components []discordgo.MessageComponent
}

// splitMessage fits a message and spreads what does not fit in one over
// further pieces: content cut by SplitContent, embeds grouped by
// GroupEmbeds; piece k carries content chunk k and embed group k. The
// components stay on the first piece. There is always at least one piece.
func splitMessage(content string, embeds []*discordgo.MessageEmbed, components []discordgo.MessageComponent) []piece {
	var texts []string
	if TextLen(content) <= MaxContent {
		texts = []string{content} // keep short content byte for byte
	} else {
		texts = SplitContent(content, MaxContent)
	}
	groups := GroupEmbeds(embeds)
	n := max(len(texts), len(groups), 1)
	out := make([]piece, n)
	for k := range out {
		if k < len(texts) {
			out[k].Content = texts[k]
		}
		if k < len(groups) {
			out[k].Embeds = groups[k]
		}
	}
	if embeds != nil && out[0].Embeds == nil {
		out[0].Embeds = []*discordgo.MessageEmbed{} // an update that clears embeds
	}
	out[0].Components = FitComponents(components)
	return out
}

// fitModal returns a copy of a modal answer within Discord's limits.
func fitModal(d *discordgo.InteractionResponseData) *discordgo.InteractionResponseData {
	c := *d
	c.Title = Truncate(c.Title, MaxModalTitle)
	c.CustomID = truncBytes(c.CustomID, MaxCustomID)
	c.Components = FitComponents(c.Components)
	return &c
}
