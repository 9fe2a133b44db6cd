package fic

import (
	"reflect"
	"strings"
	"testing"
)

func TestPlainOneParagraphNotesMidParagraph(t *testing.T) {
	text := "Wren’s lantern guttered twice before she noticed the door. “Who’s there?” she said, and nobody answered. " +
		"She waited until the wax ran cold. Notes: Thank you for reading! Leave kudos if you liked it, and find me at example-blog dot com"
	st := mustImport(t, "wren_and_the_door.txt", []byte(text))
	if st.Title != "wren and the door" {
		t.Errorf("title %q", st.Title)
	}
	if len(st.Chapters) != 1 || st.Chapters[0].Text != "Wren’s lantern guttered twice before she noticed the door. “Who’s there?” she said, and nobody answered. She waited until the wax ran cold." {
		t.Errorf("chapters %#v", st.Chapters)
	}
	if st.EndNotes != "Thank you for reading! Leave kudos if you liked it, and find me at example-blog dot com" {
		t.Errorf("end notes %q", st.EndNotes)
	}
	if strings.Contains(st.Chapters[0].Text, "kudos") {
		t.Error("notes in text")
	}
}

func TestPlainNotesVariants(t *testing.T) {
	body := "The River Road\n\nThey walked all day.\n\nAt dusk they stopped.\n\n"
	for _, label := range []string{"Notes:", "Notes", "Author's Note:", "Author’s Notes:", "A/N:", "End Notes:", "**Notes:**"} {
		for _, sep := range []string{"\n\n", "\n"} {
			st := mustImport(t, "river.txt", []byte(body+label+sep+"Thanks, friends."))
			if st.EndNotes != "Thanks, friends." || st.Chapters[0].Text != "They walked all day.\n\nAt dusk they stopped." || st.Title != "The River Road" {
				t.Errorf("%q%q: title %q text %q end %q", label, sep, st.Title, st.Chapters[0].Text, st.EndNotes)
			}
		}
	}
	// "Notes" as an ordinary word in the story is not a notes block.
	st := mustImport(t, "n.txt", []byte("He kept notes: on everything. She did not.\n\nThe end came."))
	if st.EndNotes != "" {
		t.Errorf("false notes %q", st.EndNotes)
	}
}

func TestPlainCRLFAndBOM(t *testing.T) {
	for name, data := range map[string]string{
		"crlf+bom": "\ufeffSea Glass\r\n\r\nFirst paragraph here.\r\n\r\nSecond “paragraph” here.\r\n",
		"cr":       "Sea Glass\r\rFirst paragraph here.\r\rSecond “paragraph” here.\r",
		"lf":       "Sea Glass\n\nFirst paragraph here.\n\nSecond “paragraph” here.\n",
	} {
		st := mustImport(t, "x.txt", []byte(data))
		if st.Title != "Sea Glass" || len(st.Chapters) != 1 || st.Chapters[0].Text != "First paragraph here.\n\nSecond “paragraph” here." {
			t.Errorf("%s: %q %#v", name, st.Title, st.Chapters)
		}
	}
}

func TestPlainSingleNewlineParagraphs(t *testing.T) {
	text := "Kestrel\n" +
		"The morning was loud with birds and the creak of the old barn door that nobody had oiled since spring, and Tamsin hated it.\n" +
		"“Up,” said her brother.\n" +
		"She threw a pillow at him and missed, which was the story of her whole summer so far if she was honest with herself.\n"
	st := mustImport(t, "k.txt", []byte(text))
	if st.Title != "Kestrel" {
		t.Errorf("title %q", st.Title)
	}
	if got := strings.Count(st.Chapters[0].Text, "\n\n"); got != 2 {
		t.Errorf("want 3 paragraphs, got %q", st.Chapters[0].Text)
	}
}

func TestPlainHardWrapped(t *testing.T) {
	text := `It was the kind of harbour town where everybody knew the tide tables by
heart and nobody admitted to reading them, and the ferry ran late on
purpose.

Odile had lived there for eleven years without once being asked to the
regatta dinner, which suited her, because she did not own a hat.

    “You’ll come this year,” said the mayor, who had decided it.
`
	st := mustImport(t, "harbour.txt", []byte(text))
	want := "It was the kind of harbour town where everybody knew the tide tables by heart and nobody admitted to reading them, and the ferry ran late on purpose.\n\n" +
		"Odile had lived there for eleven years without once being asked to the regatta dinner, which suited her, because she did not own a hat.\n\n" +
		"“You’ll come this year,” said the mayor, who had decided it."
	if st.Chapters[0].Text != want {
		t.Errorf("got %q", st.Chapters[0].Text)
	}
}

func TestPlainChapterHeadings(t *testing.T) {
	text := "Glasshouse\nby fernwright\n\nSummary: Plants and people.\n\n" +
		"Chapter 1\n\nOne text.\n\n" +
		"Chapter 2: The Orchid\n\nTwo text.\n\n" +
		"CHAPTER 3. Roots\n\nThree text.\n\n" +
		"Chapter IV\n\nA/N: quick note first\n\nFour text.\n\n" +
		"## Chapter Five - Bloom\n\nFive text.\n\n" +
		"Epilogue\n\nLast text.\n\nNotes: bye!"
	st := mustImport(t, "g.md", []byte(text))
	if st.Title != "Glasshouse" || !reflect.DeepEqual(st.Authors, []string{"fernwright"}) || st.Summary != "Plants and people." {
		t.Errorf("title %q authors %q summary %q", st.Title, st.Authors, st.Summary)
	}
	want := []Chapter{
		{Title: "Chapter 1", Text: "One text."},
		{Title: "The Orchid", Text: "Two text."},
		{Title: "Roots", Text: "Three text."},
		{Title: "Chapter IV", Text: "Four text.", Notes: "quick note first"},
		{Title: "Bloom", Text: "Five text."},
		{Title: "Epilogue", Text: "Last text."},
	}
	if !reflect.DeepEqual(st.Chapters, want) {
		t.Errorf("chapters\n got %#v\nwant %#v", st.Chapters, want)
	}
	if st.EndNotes != "bye!" || st.ChapterCount() != "6/6" {
		t.Errorf("end notes %q count %s", st.EndNotes, st.ChapterCount())
	}
}

func TestPlainLongPrefaceIsProse(t *testing.T) {
	long := strings.Repeat("The prologue goes on and on in the rain. ", 60)
	st := mustImport(t, "p.txt", []byte(long+"\n\nChapter 1\n\nThen the story."))
	if len(st.Chapters) != 2 || !strings.HasPrefix(st.Chapters[0].Text, "The prologue") {
		t.Errorf("lost preface prose: %#v", st.Chapters)
	}
}

func TestPlainGutenberg(t *testing.T) {
	text := "\ufeffThe Project Gutenberg EBook of The Clockmaker's Cat, by A. Person\r\n\r\n" +
		"This eBook is for the use of anyone anywhere.\r\n\r\nTitle: The Clockmaker's Cat\r\n\r\nAuthor: A. Person\r\n\r\nLanguage: English\r\n\r\n" +
		"*** START OF THIS PROJECT GUTENBERG EBOOK THE CLOCKMAKER'S CAT ***\r\n\r\n\r\n\r\nProduced by Volunteers\r\n\r\n\r\n\r\n" +
		"THE CLOCKMAKER'S CAT\r\n\r\nBy A. Person\r\n\r\n\r\n\r\n" +
		"CHAPTER I.\r\n\r\nThe cat sat upon the escapement and would not move, though\r\nthe clockmaker begged him twice and then a third time, with fish.\r\n\r\n" +
		"CHAPTER II.\r\n\r\nMr. Abernathy arrived at noon, which was to say at a quarter\r\npast eleven by every clock in the shop, the cat having seen to it.\r\n\r\n" +
		"End of the Project Gutenberg EBook of The Clockmaker's Cat, by A. Person\r\n\r\n" +
		"*** END OF THIS PROJECT GUTENBERG EBOOK THE CLOCKMAKER'S CAT ***\r\n\r\nLicense text that is not the story.\r\n"
	st := mustImport(t, "pg.txt", []byte(text))
	if st.Title != "The Clockmaker's Cat" || !reflect.DeepEqual(st.Authors, []string{"A. Person"}) || st.Language != "English" {
		t.Errorf("meta %q %q %q", st.Title, st.Authors, st.Language)
	}
	want := []Chapter{
		{Title: "CHAPTER I", Text: "The cat sat upon the escapement and would not move, though the clockmaker begged him twice and then a third time, with fish."},
		{Title: "CHAPTER II", Text: "Mr. Abernathy arrived at noon, which was to say at a quarter past eleven by every clock in the shop, the cat having seen to it."},
	}
	if !reflect.DeepEqual(st.Chapters, want) {
		t.Errorf("chapters %#v", st.Chapters)
	}
}

func TestParseHeading(t *testing.T) {
	tests := []struct {
		in, title string
		ok        bool
	}{
		{"Chapter 3", "Chapter 3", true},
		{"Chapter 3: The Title", "The Title", true},
		{"chapter 12 - Away", "Away", true},
		{"CHAPTER XI.", "CHAPTER XI", true},
		{"Chapter Seven", "Chapter Seven", true},
		{"Prologue", "Prologue", true},
		{"### Chapter 2", "Chapter 2", true},
		{"## A Markdown Title", "A Markdown Title", true},
		{"Chapter 3 of the book was long", "", false},
		{"Chapters are hard", "", false},
		{"The chapter ended.", "", false},
	}
	for _, tt := range tests {
		title, ok := parseHeading(tt.in)
		if ok != tt.ok || title != tt.title {
			t.Errorf("parseHeading(%q) = %q, %v; want %q, %v", tt.in, title, ok, tt.title, tt.ok)
		}
	}
}
