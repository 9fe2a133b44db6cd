package passage

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Segmentation rules of a careful editor (SPEC.md, /excerpt).

func TestIsSceneBreak(t *testing.T) {
	for _, line := range []string{"* * *", "***", "* * * * *", "~~~", "—", "o0o", "#",
		"oOo", "xXx", "-x-", "~*~", "———", "---", "___", "=====", "◇◆◇", "§", "o-o-o",
		"~o~", "+++", "# # #", "*", "❦", "• • •", "  ***  ", "OoOoO", "(* * *)"} {
		if !IsSceneBreak(line) {
			t.Errorf("IsSceneBreak(%q) = false", line)
		}
	}
	for _, line := range []string{"", "   ", "...", "…", "?!", ". . .", "“—”", `"***"`, "'—'",
		"Ox", "XO", "x", "Oh", "No.", "I", "A", "It was late.", "* a list item",
		"- a dash item", "Chapter 3", "1", "II", "#1", "xox hugs", strings.Repeat("*", 200)} {
		if IsSceneBreak(line) {
			t.Errorf("IsSceneBreak(%q) = true", line)
		}
	}
}

func TestSegmentEditorRules(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		// An exclamation or question followed by a lowercase word goes on.
		{"exclamation inside", "Hush! they're coming. Run.", []string{"Hush! they're coming.", "Run."}},
		{"question inside", "What? you here? Yes.", []string{"What? you here?", "Yes."}},
		{"exclamation then ellipsis", "Hush! …they're coming.", []string{"Hush! …they're coming."}},
		{"exclamation across a wrapped line", "Good heavens!\nwhat a noise. Quiet.", []string{"Good heavens!\nwhat a noise.", "Quiet."}},
		{"exclamation inside quotes", "“Hush! they're coming!” She ran.", []string{"“Hush! they're coming!”", "She ran."}},
		{"capital after exclamation", "Hush! They're coming.", []string{"Hush!", "They're coming."}},
		// Rules that held before and still hold.
		{"dialogue tag", `"Stop!" she said. “Why?” he asked.`, []string{`"Stop!" she said.`, "“Why?” he asked."}},
		{"named dialogue tag", "“Stop!” Harry said. “Go!” Harry left.", []string{"“Stop!” Harry said.", "“Go!”", "Harry left."}},
		{"ellipsis before emphasis", "He waited… *Then* he left.", []string{"He waited…", "*Then* he left."}},
		// A scene-break line is a sentence of its own, even inside a
		// paragraph of wrapped lines.
		{"break between wrapped lines", "It was late.\n* * *\nThey woke.", []string{"It was late.", "* * *", "They woke."}},
		{"break after unpunctuated line", "the night went on\n~~~\nand on.", []string{"the night went on", "~~~", "and on."}},
		{"break paragraph", "End.\n\no0o\n\nStart.", []string{"End.", "o0o", "Start."}},
		{"dash paragraph", "End.\n\n—\n\nStart.", []string{"End.", "—", "Start."}},
		{"list item stays", "He wrote:\n* eggs\n* milk", []string{"He wrote:\n* eggs\n* milk"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sentences(tt.text); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Segment(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
			checkIndex(t, tt.name, tt.text, Segment(tt.text))
		})
	}
}

func TestIndexVersion1IsSegmentedAgain(t *testing.T) {
	b, _ := Segment("It was late.\n* * *\nThey woke.").MarshalBinary()
	b[0] = 1 // written by the rules before scene-break lines
	var idx Index
	if err := idx.UnmarshalBinary(b); !errors.Is(err, ErrIndexVersion) {
		t.Fatalf("a version 1 index read: %v", err)
	}
}
