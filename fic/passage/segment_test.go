package passage

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func sentences(text string) []string {
	idx := Segment(text)
	out := make([]string, idx.Len())
	for i := range out {
		s, e := idx.Span(text, i)
		out[i] = text[s:e]
	}
	return out
}

func TestSegment(t *testing.T) {
	long := strings.Repeat("and on and on they walked ", 1200) + "until dawn."
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", []string{}},
		{"blank", " \n\n \t ", []string{}},
		{"simple", "He left. She stayed.", []string{"He left.", "She stayed."}},
		{"question and bang", "Who? Me! Yes.", []string{"Who?", "Me!", "Yes."}},
		{"titles", "Mr. Potter met Mrs. Weasley and Dr. Who at St. Mungo's. Lt. Dan, Capt. Kirk, Col. Mustard, Gen. Grievous, Sgt. Pepper, Prof. McGonagall and Rev. Green came too.",
			[]string{"Mr. Potter met Mrs. Weasley and Dr. Who at St. Mungo's.", "Lt. Dan, Capt. Kirk, Col. Mustard, Gen. Grievous, Sgt. Pepper, Prof. McGonagall and Rev. Green came too."}},
		{"ms and jr", "Ms. Granger and Arthur Weasley Sr. Said hello to Harry Potter Jr. Then they ate.",
			[]string{"Ms. Granger and Arthur Weasley Sr. Said hello to Harry Potter Jr. Then they ate."}},
		{"versus and latin", "It was Gryffindor vs. Slytherin, e.g. Harry vs. Draco. Spells, i.e. Charms, failed. Then rain.",
			[]string{"It was Gryffindor vs. Slytherin, e.g. Harry vs. Draco.", "Spells, i.e. Charms, failed.", "Then rain."}},
		{"etc ends a sentence", "They bought quills, ink, etc. The shop closed.", []string{"They bought quills, ink, etc.", "The shop closed."}},
		{"etc goes on", "They bought quills, ink, etc. and left.", []string{"They bought quills, ink, etc. and left."}},
		{"initials", "J. K. Rowling wrote it. C.S. Lewis did not. A. A. Milne neither.",
			[]string{"J. K. Rowling wrote it.", "C.S. Lewis did not.", "A. A. Milne neither."}},
		{"initial ends sentence", "They chose Plan B. The plan failed.", []string{"They chose Plan B.", "The plan failed."}},
		{"number", "He lived at No. 4 Privet Drive. No. He did not.", []string{"He lived at No. 4 Privet Drive.", "No.", "He did not."}},
		{"ellipsis lowercase", "Wait... what? Oh… right.", []string{"Wait... what?", "Oh… right."}},
		{"ellipsis capital", "Wait... What? Oh… Right.", []string{"Wait...", "What?", "Oh…", "Right."}},
		{"ellipsis stutter", "I… I don't know. W-what... What now?", []string{"I… I don't know.", "W-what... What now?"}},
		{"ellipsis inside", "He paused… then went on.", []string{"He paused… then went on."}},
		{"quote after stop", "“No.” She left.", []string{"“No.”", "She left."}},
		{"straight quote after stop", `"No." She left.`, []string{`"No."`, "She left."}},
		{"speech tag", `"No!" she said. “Why?” he asked. "Fine," he said.`, []string{`"No!" she said.`, "“Why?” he asked.", `"Fine," he said.`}},
		{"speech tag with a name", "“Stop!” Harry said. “No?” Professor McGonagall asked. “Why—” Ginny began. “Go!” Harry left. “Go.” Harry said it.",
			[]string{"“Stop!” Harry said.", "“No?” Professor McGonagall asked.", "“Why—” Ginny began.", "“Go!”", "Harry left.", "“Go.”", "Harry said it."}},
		{"crlf left in", "One.\r\n\r\nTwo\r\nthree.", []string{"One.", "Two\r\nthree."}},
		{"single quotes", "‘Go.’ He went. 'Now!' she said.", []string{"‘Go.’", "He went.", "'Now!' she said."}},
		{"quote before", "He left. “Come back!” She ran.", []string{"He left.", "“Come back!”", "She ran."}},
		{"ellipsis in quotes", "“Wait…” She stopped. “But…” he began.", []string{"“Wait…”", "She stopped.", "“But…” he began."}},
		{"broken off", "“I was going to—” “Stop.” “But—” he tried.", []string{"“I was going to—”", "“Stop.”", "“But—” he tried."}},
		{"em dash", "He was—as always—late. She—Hermione—was not. It was late — very late — and dark.",
			[]string{"He was—as always—late.", "She—Hermione—was not.", "It was late — very late — and dark."}},
		{"dash before capital", "He turned—Harry was there. Then—", []string{"He turned—Harry was there.", "Then—"}},
		{"paragraphs", "First para\n\nSecond para. Still second\n\n\nThird", []string{"First para", "Second para.", "Still second", "Third"}},
		{"paragraph with spaces", "One.  \n \n  Two.", []string{"One.", "Two."}},
		{"line break", "Roses are red\nviolets are blue\n\nEnd.", []string{"Roses are red\nviolets are blue", "End."}},
		{"line break after stop", "He left.\nShe stayed.", []string{"He left.", "She stayed."}},
		{"no punctuation", "just words and more words\nand a line\n\nthen another paragraph", []string{"just words and more words\nand a line", "then another paragraph"}},
		{"no space after stop", "Hi!World. Yahoo!News is 3.5 times better.", []string{"Hi!World.", "Yahoo!News is 3.5 times better."}},
		{"url", "See archiveofourown.org for more. Thanks.", []string{"See archiveofourown.org for more.", "Thanks."}},
		{"cjk", "他走了。她留下了。", []string{"他走了。", "她留下了。"}},
		{"cjk with spaces", "他走了。 她留下了。", []string{"他走了。", "她留下了。"}},
		{"no final stop", "He left. She", []string{"He left.", "She"}},
		{"brackets", "(He left.) She stayed.", []string{"(He left.)", "She stayed."}},
		{"scene break", "End.\n\n* * *\n\nStart.", []string{"End.", "* * *", "Start."}},
		{"interrobang", "What‽ No.", []string{"What‽", "No."}},
		{"spaced ellipsis", "Well . . . maybe. Fine.", []string{"Well . . . maybe.", "Fine."}},
		{"markdown", "*He left.* _She_ stayed.", []string{"*He left.*", "_She_ stayed."}},
		{"leading space", "   He left.   ", []string{"He left."}},
		{"huge sentence", long, []string{long}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sentences(tt.text)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Segment(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
			checkIndex(t, tt.name, tt.text, Segment(tt.text))
		})
	}
}

func TestSegmentSixThousandWordParagraph(t *testing.T) {
	text := newGen(3).oneParagraph(6000)
	if strings.Contains(text, "\n") {
		t.Fatal("generator made more than one paragraph")
	}
	idx := Segment(text)
	if idx.Len() < 200 {
		t.Fatalf("only %d sentences in a 6,000-word paragraph", idx.Len())
	}
	checkIndex(t, "paragraph", text, idx)
	noPunct := strings.Repeat("word ", 6000) + "end"
	idx = Segment(noPunct)
	if idx.Len() != 1 || int(idx[0]) != len(noPunct) {
		t.Fatalf("unpunctuated paragraph: %v", idx)
	}
}

func TestIndexBinary(t *testing.T) {
	text := newGen(5).chapter(3000, 4)
	idx := Segment(text)
	b, err := idx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 3*idx.Len()+1 {
		t.Errorf("%d bytes for %d sentences", len(b), idx.Len())
	}
	var got Index
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, idx) {
		t.Fatal("round trip differs")
	}
	var empty Index
	b, _ = empty.MarshalBinary()
	if err := got.UnmarshalBinary(b); err != nil || got.Len() != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	b[0] = IndexVersion + 1
	if err := got.UnmarshalBinary(b); !errors.Is(err, ErrIndexVersion) {
		t.Fatalf("other version: %v", err)
	}
	for _, bad := range [][]byte{nil, {IndexVersion, 0}, {IndexVersion, 0x80}, {IndexVersion, 0xff, 0xff, 0xff, 0xff, 0x7f}} {
		if err := got.UnmarshalBinary(bad); err == nil {
			t.Errorf("UnmarshalBinary(%v) accepted", bad)
		}
	}
	if _, err := (Index{3, 3}).MarshalBinary(); err == nil {
		t.Error("non-increasing index marshalled")
	}
}

func TestIndexValidAndSentenceAt(t *testing.T) {
	text := "He left.  She stayed.\n\nEnd."
	idx := Segment(text)
	if !idx.Valid(text) || idx.Valid("short") || (Index{4, 2}).Valid(text) || (Index{9}).Valid(text) {
		t.Fatal("Valid wrong")
	}
	for off, want := range map[int]int{-1: 0, 0: 0, 7: 0, 8: 1, 9: 1, 10: 1, 21: 2, 26: 2, 27: 2, 100: 2} {
		if got := idx.SentenceAt(off); got != want {
			t.Errorf("SentenceAt(%d) = %d, want %d", off, got, want)
		}
	}
	if (Index{}).SentenceAt(3) != -1 {
		t.Error("empty index")
	}
	// A stale index never panics.
	stale := Index{5, 40, 400}
	for i := -1; i < 4; i++ {
		s, e := stale.Span("tiny", i)
		if s > e || e > 4 {
			t.Errorf("stale span %d: %d..%d", i, s, e)
		}
	}
}
