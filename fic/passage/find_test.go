package passage

import (
	"strings"
	"testing"
	"unicode"
)

// TestNoCase checks that the ranges noCase skips really have no case.
func TestNoCase(t *testing.T) {
	for r := rune(tableSize); r <= unicode.MaxRune; r++ {
		if noCase(r) && unicode.SimpleFold(r) != r {
			t.Fatalf("%U has case", r)
		}
	}
}

func TestFind(t *testing.T) {
	tests := []struct {
		text, phrase string
		want         int // byte offset, -1 for no match
		match        string
	}{
		{"Harry said hello.", "said", 6, "said"},
		{"Harry SAID hello.", "said", 6, "SAID"},
		{"Harry said hello.", "HARRY", 0, "Harry"},
		{"un café noir", "cafe", 3, "café"},
		{"un cafe noir", "café", 3, "cafe"},
		{"un cafe\u0301 noir", "café", 3, "cafe\u0301"},
		{"un café noir", "cafe\u0301", 3, "café"},
		{"NAÏVE", "naive", 0, "NAÏVE"},
		{"Éowyn rode", "eowyn", 0, "Éowyn"},
		{"don’t go", "don't", 0, "don’t"},
		{"don't go", "don’t", 0, "don't"},
		{"‘quoted’ word", "'quoted'", 0, "‘quoted’"},
		{"he said “stop” twice", `"stop"`, 8, "“stop”"},
		{`he said "stop" twice`, "„stop“", 8, `"stop"`},
		{"well—known", "well-known", 0, "well—known"},
		{"well-known", "well–known", 0, "well-known"},
		{"1990 ― 2000", "1990 - 2000", 0, "1990 ― 2000"},
		{"so  \n\n many   spaces", "so many spaces", 0, "so  \n\n many   spaces"},
		{"so many spaces", "so \t many\n\nspaces", 0, "so many spaces"},
		{"  padded phrase  ", "  padded  ", 2, "padded"},
		{"Wait… what", "wait... what", 0, "Wait… what"},
		{"Straße", "STRASSE", 0, "Straße"},
		{"ΣΊΣΥΦΟΣ", "σίσυφος", 0, "ΣΊΣΥΦΟΣ"},
		{"Kelvin 3K", "3k", 7, "3K"},
		{"first match wins: cat, Cat, CAT", "cat", 18, "cat"},
		{"nothing here", "absent", -1, ""},
		{"nothing here", "   ", -1, ""},
		{"nothing here", "", -1, ""},
		{"words run", "word run", -1, ""},
		{"wordrun", "word run", -1, ""},
		{"end", "end ", 0, "end"},
		{"en", "end", -1, ""},
		{"他走了。她留下了。", "她留下", 12, "她留下"},
		{"apostrophe ′ prime", "' prime", 11, "′ prime"},
		{"かがみ", "がみ", 3, "がみ"},
		{"かかみ", "がみ", -1, ""},
		{"他说：＂走吧＂。", `"走吧"`, 9, "＂走吧＂"},
		{"走　吧", "走 吧", 0, "走　吧"},
		{"ＡＢＣ", "ａｂｃ", 0, "ＡＢＣ"},
		{"Ɪ and ɪ", "ɪ", 0, "Ɪ"},
	}
	for _, tt := range tests {
		start, end, ok := FindSpan(tt.text, tt.phrase)
		if tt.want < 0 {
			if ok {
				t.Errorf("FindSpan(%q, %q) = %d..%d, want no match", tt.text, tt.phrase, start, end)
			}
			continue
		}
		if !ok || start != tt.want || tt.text[start:end] != tt.match {
			t.Errorf("FindSpan(%q, %q) = %d..%d %v, want %d %q", tt.text, tt.phrase, start, end, ok, tt.want, tt.match)
		}
		if off, ok := Find(tt.text, tt.phrase); !ok || off != start {
			t.Errorf("Find(%q, %q) = %d %v", tt.text, tt.phrase, off, ok)
		}
	}
}

// TestFindPassage finds phrases in long generated chapters and checks the
// passage around each match holds it.
func TestFindPassage(t *testing.T) {
	for kind, chapters := range corpus(t) {
		for _, text := range chapters {
			idx := Segment(text)
			if idx.Len() == 0 {
				continue
			}
			words := strings.Fields(text)
			for i := 0; i+3 < len(words); i += 37 {
				phrase := strings.Join(words[i:i+3], " ")
				// Make the phrase differ in style from the text.
				phrase = strings.NewReplacer("’", "'", "—", "-", "é", "e", "“", `"`, "”", `"`).Replace(strings.ToUpper(phrase))
				from, to, ok := FindSpan(text, phrase)
				if !ok {
					t.Fatalf("%s: %q not found", kind, phrase)
				}
				if want := strings.Index(text, strings.Join(words[i:i+3], " ")); want >= 0 && from > want {
					t.Fatalf("%s: %q found at %d, after the exact match at %d", kind, phrase, from, want)
				}
				for _, l := range lengths {
					p := Around(text, idx, from, to, l)
					checkPassage(t, kind, text, idx, p, l)
					if p.Truncated && idx.SentenceAt(from) == p.EndSentence-1 && from >= p.EndByte {
						continue // in a sentence too long to show up to the match
					}
					if isBreakAt(text, idx, idx.SentenceAt(from)) {
						continue // a scene break is never shown
					}
					if from < p.StartByte || from >= p.EndByte {
						t.Fatalf("%s/%d: match %d..%d %q outside passage %d..%d %q", kind, l, from, to, text[from:to], p.StartByte, p.EndByte, p.Text)
					}
				}
			}
		}
	}
}
