package passage

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBalanceMarkdown(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text.", "plain text."},
		{"She was *very* **sure** of it.", "She was *very* **sure** of it."},
		{"He said *no. And then", `He said \*no. And then`},
		{"over now.* She left.", `over now.\* She left.`},
		{"**Bold start and no end.", `\*\*Bold start and no end.`},
		{"a ||secret|| and ||another", `a ||secret|| and \|\|another`},
		{"code `x * y` here and `open", "code `x * y` here and \\`open"},
		{"```\nfenced\n", "\\`\\`\\`\nfenced\n"},
		{"snake_case_name stays", "snake_case_name stays"},
		{"_italic_ and _open", `_italic_ and \_open`},
		{"* a list item\n* another", "* a list item\n* another"},
		{"* * *", `\* \* \*`},
		{"~~struck~~ and ~~not", `~~struck~~ and \~\~not`},
		{`already \*escaped\* text`, `already \*escaped\* text`},
		{`ends with a backslash \`, `ends with a backslash \\`},
		{"***both*** fine", "***both*** fine"},
		{"*a **b* c", `*a \*\*b* c`},
		{"“Stop!” *he thought.*", "“Stop!” *he thought.*"},
	} {
		if got := BalanceMarkdown(tc.in, false); got != tc.want {
			t.Errorf("BalanceMarkdown(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
	if got, want := Markdown("one || two | three\n\n*four", true), `||one \|\| two \| three||`+"\n\n"+`||\*four||`; got != want {
		t.Errorf("spoilered: got %q, want %q", got, want)
	}
}

// TestBalanceMarkdownFuzzish checks, over random marker soups, that the
// balanced text never has an unescaped backslash at its end and only
// grows by backslashes.
func TestBalanceMarkdownFuzzish(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"*", "**", "_", "__", "||", "|", "~~", "`", "```", "\\", " ", "word", "\n", "\n\n", "é"}
	for n := 0; n < 2000; n++ {
		var b strings.Builder
		for k := rng.IntN(20); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		in := b.String()
		for _, spoiler := range []bool{false, true} {
			out := Markdown(in, spoiler)
			if strings.ReplaceAll(strings.ReplaceAll(out, `\`, ""), "||", "") != strings.ReplaceAll(strings.ReplaceAll(in, `\`, ""), "||", "") && !spoiler {
				t.Fatalf("%q became %q: more than escapes changed", in, out)
			}
			if !utf8.ValidString(out) {
				t.Fatalf("%q became invalid UTF-8", in)
			}
		}
	}
}
