package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

func TestTextLen(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"é", 1},     // one rune, two bytes
		{"😀", 2},     // outside the BMP: a surrogate pair
		{"a😀b", 4},   // mixed
		{"日本語", 3},   // BMP CJK
		{"👩‍👩‍👧", 8}, // ZWJ sequence: 3 emoji (2 each) + 2 ZWJ
	} {
		if got := TextLen(tc.in); got != tc.want {
			t.Errorf("TextLen(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello", 10, "hello"},
		{"hello world", 8, "hello w…"},
		{"hello world", 7, "hello…"}, // trailing space before the ellipsis is dropped
		{"hello", 1, "…"},
		{"hello", 0, ""},
		{"", 0, ""},
		{"ab😀cd", 4, "ab…"}, // the emoji (2 units) would not fit with the ellipsis
		{"ab😀cd", 5, "ab😀…"},
		{"e\u0301e\u0301e\u0301", 4, "e\u0301…"}, // combining accents stay with their letter
	} {
		got := Truncate(tc.in, tc.max)
		if got != tc.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
		if TextLen(got) > tc.max {
			t.Errorf("Truncate(%q, %d) = %q: length %d over the limit", tc.in, tc.max, got, TextLen(got))
		}
		if !utf8.ValidString(got) {
			t.Errorf("Truncate(%q, %d) = %q: invalid UTF-8", tc.in, tc.max, got)
		}
	}
}

func TestSplitContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"empty", "", 10, nil},
		{"fits", "short", 10, []string{"short"}},
		{"lines", "line one\nline two\nline three", 18, []string{"line one\nline two", "line three"}},
		{"words", "alpha beta gamma delta", 11, []string{"alpha beta", "gamma delta"}},
		{"break exactly at the space", "aaaa bbbb", 4, []string{"aaaa", "bbbb"}},
		{"hard cut", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"whitespace pieces dropped", "aaaa\n\n\n\nbbbb", 5, []string{"aaaa", "bbbb"}},
		{"surrogates not split", "😀😀😀", 4, []string{"😀😀", "😀"}},
		{"early newline ignored for a word break", "a\nbbbbbbbb cccc", 12, []string{"a\nbbbbbbbb", "cccc"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitContent(tc.in, tc.max)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tc.want) {
				t.Errorf("SplitContent(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
		})
	}
}

func TestSplitContentLong(t *testing.T) {
	var sb strings.Builder
	for i := 0; sb.Len() < 9000; i++ {
		fmt.Fprintf(&sb, "Paragraph %d has some words in it, and an emoji 😀 now and then.", i)
		if i%7 == 6 {
			sb.WriteString("\n\n")
		} else {
			sb.WriteString(" ")
		}
	}
	in := sb.String()
	parts := SplitContent(in, MaxContent)
	if len(parts) < 5 {
		t.Fatalf("got %d parts, want at least 5", len(parts))
	}
	for i, p := range parts {
		if TextLen(p) > MaxContent {
			t.Errorf("part %d: length %d > %d", i, TextLen(p), MaxContent)
		}
	}
	// No text is lost: the words, in order, are the same.
	if got, want := strings.Fields(strings.Join(parts, " ")), strings.Fields(in); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("words changed by splitting")
	}
}

func embedText(n int, c string) string { return strings.Repeat(c, n) }

func TestFitEmbed(t *testing.T) {
	fields := make([]*discordgo.MessageEmbedField, 30)
	for i := range fields {
		fields[i] = &discordgo.MessageEmbedField{Name: embedText(300, "n"), Value: embedText(2000, "v")}
	}
	fields[0] = &discordgo.MessageEmbedField{Name: "", Value: "  "}
	in := &discordgo.MessageEmbed{
		Title:       embedText(300, "t"),
		Description: embedText(5000, "d"),
		Footer:      &discordgo.MessageEmbedFooter{Text: embedText(3000, "f")},
		Author:      &discordgo.MessageEmbedAuthor{Name: embedText(300, "a")},
		Fields:      fields,
	}
	got := FitEmbed(in)
	if TextLen(got.Title) > MaxEmbedTitle || TextLen(got.Description) > MaxEmbedDescription ||
		TextLen(got.Footer.Text) > MaxEmbedFooter || TextLen(got.Author.Name) > MaxEmbedAuthor {
		t.Errorf("a part is over its limit: title %d, description %d, footer %d, author %d",
			TextLen(got.Title), TextLen(got.Description), TextLen(got.Footer.Text), TextLen(got.Author.Name))
	}
	if len(got.Fields) != MaxEmbedFields {
		t.Errorf("fields = %d, want %d", len(got.Fields), MaxEmbedFields)
	}
	for i, f := range got.Fields {
		if TextLen(f.Name) > MaxEmbedFieldName || TextLen(f.Value) > MaxEmbedFieldValue || f.Name == "" || strings.TrimSpace(f.Value) == "" && f.Value != "\u200b" {
			t.Errorf("field %d: name %d, value %d (%q)", i, TextLen(f.Name), TextLen(f.Value), f.Value[:min(len(f.Value), 8)])
		}
	}
	if got.Fields[0].Name != "\u200b" || got.Fields[0].Value != "\u200b" {
		t.Errorf("empty field = %q/%q, want zero-width spaces", got.Fields[0].Name, got.Fields[0].Value)
	}
	if n := EmbedLen(got); n > MaxEmbedTotal {
		t.Errorf("total = %d, want <= %d", n, MaxEmbedTotal)
	}
	// The input is untouched.
	if len(in.Title) != 300 || len(in.Fields) != 30 || len(in.Fields[1].Value) != 2000 || len(in.Footer.Text) != 3000 {
		t.Errorf("FitEmbed modified its argument")
	}
	if !strings.HasSuffix(got.Description, ellipsis) {
		t.Errorf("shortened description does not end with an ellipsis")
	}
}

func TestFitEmbedSmallUnchanged(t *testing.T) {
	in := &discordgo.MessageEmbed{Title: "T", Description: "D", Fields: []*discordgo.MessageEmbedField{{Name: "n", Value: "v", Inline: true}}}
	got := FitEmbed(in)
	a, _ := json.Marshal(in)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("FitEmbed changed a small embed: %s -> %s", a, b)
	}
}

func TestGroupEmbeds(t *testing.T) {
	var embeds []*discordgo.MessageEmbed
	for i := 0; i < 12; i++ {
		embeds = append(embeds, &discordgo.MessageEmbed{Title: fmt.Sprint(i)})
	}
	groups := GroupEmbeds(embeds)
	if len(groups) != 2 || len(groups[0]) != 10 || len(groups[1]) != 2 {
		t.Fatalf("12 small embeds grouped as %d groups", len(groups))
	}
	if groups[1][1].Title != "11" || groups[0][0].Type != discordgo.EmbedTypeRich {
		t.Errorf("order or type lost: %q %q", groups[1][1].Title, groups[0][0].Type)
	}

	big := []*discordgo.MessageEmbed{
		{Description: embedText(4000, "a")},
		{Description: embedText(4000, "b")},
		{Description: embedText(1000, "c")},
	}
	groups = GroupEmbeds(big)
	if len(groups) != 2 || len(groups[0]) != 1 || len(groups[1]) != 2 {
		t.Fatalf("big embeds grouped as %v", groupSizes(groups))
	}
	for i, g := range groups {
		total := 0
		for _, e := range g {
			total += EmbedLen(e)
		}
		if total > MaxEmbedTotal {
			t.Errorf("group %d has %d characters", i, total)
		}
	}
}

func groupSizes(gs [][]*discordgo.MessageEmbed) []int {
	var out []int
	for _, g := range gs {
		out = append(out, len(g))
	}
	return out
}

func TestFitComponents(t *testing.T) {
	var rows []discordgo.MessageComponent
	for r := 0; r < 7; r++ {
		var buttons []discordgo.MessageComponent
		for b := 0; b < 7; b++ {
			buttons = append(buttons, discordgo.Button{Label: embedText(100, "L"), CustomID: embedText(150, "c"), Style: discordgo.PrimaryButton})
		}
		rows = append(rows, discordgo.ActionsRow{Components: buttons})
	}
	opts := make([]discordgo.SelectMenuOption, 30)
	for i := range opts {
		opts[i] = discordgo.SelectMenuOption{Label: embedText(120, "l"), Value: fmt.Sprint(i), Description: embedText(120, "d")}
	}
	rows[1] = &discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		&discordgo.SelectMenu{CustomID: "pick", Placeholder: embedText(200, "p"), Options: opts},
	}}
	got := FitComponents(rows)
	if len(got) != MaxActionRows {
		t.Fatalf("rows = %d, want %d", len(got), MaxActionRows)
	}
	row0 := got[0].(discordgo.ActionsRow)
	if len(row0.Components) != MaxRowButtons {
		t.Errorf("buttons in a row = %d, want %d", len(row0.Components), MaxRowButtons)
	}
	b := row0.Components[0].(discordgo.Button)
	if TextLen(b.Label) != MaxButtonLabel || len(b.CustomID) != MaxCustomID {
		t.Errorf("button label %d, custom_id %d", TextLen(b.Label), len(b.CustomID))
	}
	sel := got[1].(discordgo.ActionsRow).Components[0].(discordgo.SelectMenu)
	if len(sel.Options) != MaxSelectOptions || TextLen(sel.Placeholder) != MaxSelectHolder ||
		TextLen(sel.Options[0].Label) != MaxSelectOptionText || TextLen(sel.Options[0].Description) != MaxSelectOptionText {
		t.Errorf("select: %d options, placeholder %d, label %d", len(sel.Options), TextLen(sel.Placeholder), TextLen(sel.Options[0].Label))
	}
	if len(opts[0].Label) != 120 {
		t.Errorf("FitComponents modified its argument")
	}
	// JSON still marshals as Discord expects (type 1 rows, type 2 buttons).
	data, err := json.Marshal(got)
	if err != nil || !strings.Contains(string(data), `"type":1`) || !strings.Contains(string(data), `"type":2`) {
		t.Errorf("marshal: %v %.200s", err, data)
	}
	if FitComponents(nil) != nil {
		t.Errorf("FitComponents(nil) != nil")
	}
	if got := FitComponents([]discordgo.MessageComponent{}); got == nil || len(got) != 0 {
		t.Errorf("FitComponents(empty) = %v, want empty non-nil (clears components)", got)
	}
}

func TestFitChoices(t *testing.T) {
	var in []*discordgo.ApplicationCommandOptionChoice
	in = append(in, &discordgo.ApplicationCommandOptionChoice{Name: embedText(150, "n"), Value: "ok"})
	in = append(in, &discordgo.ApplicationCommandOptionChoice{Name: "long value", Value: embedText(101, "v")})
	in = append(in, &discordgo.ApplicationCommandOptionChoice{Name: " ", Value: "blank name"})
	in = append(in, nil)
	for i := 0; i < 30; i++ {
		in = append(in, &discordgo.ApplicationCommandOptionChoice{Name: fmt.Sprint("c", i), Value: fmt.Sprint(i)})
	}
	got := FitChoices(in)
	if len(got) != MaxChoices {
		t.Fatalf("choices = %d, want %d", len(got), MaxChoices)
	}
	if TextLen(got[0].Name) != MaxChoiceName || got[0].Value != "ok" {
		t.Errorf("first choice = %q/%v", got[0].Name, got[0].Value)
	}
	if got[1].Name != "c0" {
		t.Errorf("second choice = %q, want c0 (invalid ones dropped)", got[1].Name)
	}
	if len(in[0].Name) != 150 {
		t.Errorf("FitChoices modified its argument")
	}
	if got := FitChoices(nil); got == nil {
		t.Errorf("FitChoices(nil) = nil; want an empty list (marshals as [])")
	}
}

func TestThreadName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Recs", "Recs"},
		{"  two\nlines  ", "two lines"},
		{"", "Thread"},
		{" \n ", "Thread"},
		{embedText(150, "x"), embedText(99, "x") + ellipsis},
	} {
		if got := ThreadName(tc.in); got != tc.want {
			t.Errorf("ThreadName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNoMentionsMarshalsEmptyParse(t *testing.T) {
	data, err := json.Marshal(&discordgo.MessageSend{Content: "hi @everyone", AllowedMentions: noMentions()})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"allowed_mentions":{"parse":[]`) {
		t.Errorf("marshalled %s; want allowed_mentions.parse = []", data)
	}
	set := &discordgo.MessageAllowedMentions{Users: []string{"1"}}
	if mentionsOr(set) != set {
		t.Errorf("mentionsOr replaced an explicit setting")
	}
}

func TestSplitMessage(t *testing.T) {
	content := strings.Repeat("word ", 900) // 4500 characters
	var embeds []*discordgo.MessageEmbed
	for i := 0; i < 11; i++ {
		embeds = append(embeds, &discordgo.MessageEmbed{Title: fmt.Sprint(i)})
	}
	buttons := []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{discordgo.Button{Label: "b", CustomID: "x"}}}}
	pieces := splitMessage(content, embeds, buttons)
	if len(pieces) != 3 {
		t.Fatalf("pieces = %d, want 3", len(pieces))
	}
	if len(pieces[0].Embeds) != 10 || len(pieces[1].Embeds) != 1 || pieces[2].Embeds != nil {
		t.Errorf("embeds per piece: %d %d %d", len(pieces[0].Embeds), len(pieces[1].Embeds), len(pieces[2].Embeds))
	}
	if len(pieces[0].Components) != 1 || pieces[1].Components != nil {
		t.Errorf("components must stay on the first piece")
	}
	for i, p := range pieces {
		if TextLen(p.Content) > MaxContent || p.Content == "" {
			t.Errorf("piece %d content length %d", i, TextLen(p.Content))
		}
	}
	if one := splitMessage("", nil, nil); len(one) != 1 {
		t.Errorf("empty message gives %d pieces, want 1", len(one))
	}
	if short := splitMessage("  keep  ", nil, nil); short[0].Content != "  keep  " {
		t.Errorf("short content changed: %q", short[0].Content)
	}
	if cleared := splitMessage("", []*discordgo.MessageEmbed{}, nil); cleared[0].Embeds == nil {
		t.Errorf("an empty embed list must stay non-nil (it clears embeds in an update)")
	}
}
