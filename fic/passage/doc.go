// Package passage cuts excerpts out of chapter text: sentence boundaries,
// passages of a requested length, the Next-passage chain, random passages
// and phrase search. Everything here is a pure function of its arguments: no
// Discord, no database, no globals with state.
//
// The unit is one chapter's text (fic.Chapter.Text: prose only, paragraphs
// separated by "\n\n", no notes, no heading). Nothing here ever crosses a
// chapter.
//
// # Sentences
//
// [Segment] finds sentence boundaries once, at import time; the resulting
// [Index] (sentence end offsets, a few bytes per sentence with
// [Index.MarshalBinary]) is stored beside the chapter, so a request reads one
// chapter and its index and never segments again. Rules:
//
//   - candidates come from Unicode sentence segmentation (UAX #29, via
//     github.com/rivo/uniseg);
//   - a paragraph break (a run of white space holding two or more newlines)
//     always ends a sentence, and a sentence never spans paragraphs; a single
//     newline inside a paragraph ends nothing by itself;
//   - titles and Latin abbreviations do not end a sentence: Mr. Mrs. Ms. Mx.
//     Dr. St. Lt. Capt. Col. Gen. Sgt. Cpl. Maj. Prof. Rev. Fr. Sr. Jr. Mt.
//     vs. cf. e.g. i.e. viz. (and "No." before a number); "etc." and other
//     abbreviations end a sentence only when a capitalised word follows;
//   - initials do not end a sentence ("J. K. Rowling", "C.S. Lewis"), unless
//     the following word is a common sentence opener ("Plan B. The ...");
//   - an ellipsis ("..." or "…") ends a sentence only when a capitalised word
//     follows, and not in a stutter ("I… I don't");
//   - closing quotes and brackets after the stop stay with the sentence they
//     close (`“No.” She left.` is two sentences), and a lowercase word after
//     the quote continues it (`"No!" she said.` is one sentence);
//   - an exclamation or question mark followed by a lowercase word (opening
//     quotes, dashes, emphasis and "…" before it aside) does not end the
//     sentence: `Hush! they're coming.` is one sentence;
//   - a line that only marks a scene break ([IsSceneBreak]: "* * *", "***",
//     "~~~", "—", "o0o", "#", ...) is a sentence of its own, even between
//     the lines of one paragraph; passages never show it;
//   - dialogue broken off with a dash ends a sentence when a capitalised word
//     or a new quotation follows (`“I was—” “Stop.”`);
//   - after a quotation closing on "!", "?", "…" or a dash, a dialogue tag
//     continues the sentence even when capitalised (`“Stop!” Harry said.`);
//   - a sentence ends only where white space follows, except after CJK full
//     stops, so no boundary ever falls inside a word;
//   - text with no punctuation has sentence ends only at paragraph ends.
//
// # Passages
//
// A [Passage] starts at a sentence start and ends at a sentence end. Whole
// sentences are added while the total stays within the target of its
// [Length] (Short ≈ 300, Medium ≈ 700, Long ≈ 1500 characters, counted in
// runes); one more is taken when that lands nearer the target without
// passing [Length.Max] (120% of the target: 2040 at most, so even with every
// character markdown-escaped it stays under Discord's 4096-character embed
// description). A passage holds at least one sentence. A sentence longer
// than Max is cut at a word, with "…" appended (Truncated); so is the
// sentence after a passage still under half its length, rather than stop
// short: a passage reaches half its length unless its chapter ends. The
// next passage then continues inside the cut sentence, beginning with "…"
// (Continued), so the Next chain reads every word of the story exactly
// once. Only a passage cut where a Next cursor points continues a
// sentence: random and found passages ([Around]) always start where a
// sentence starts.
//
// Scene-break lines are neither the start nor a part of a passage: a
// passage starting on one starts at the next sentence of prose; a passage
// ends before one, or, while under half its length, goes on past it
// without showing it; scene breaks ending a chapter end the passage before
// them (and Next goes to the next chapter). Paragraph breaks inside a
// passage are kept as "\n\n"; the text never starts or ends with white
// space.
//
// # Positions
//
// A place in a story is a [Cursor]: a chapter and a byte offset in its text.
// [Next] gives the cursor after a passage (the rest of a cut sentence, the
// next sentence, the next chapter's first sentence, or the end of the
// story); [CutAt] cuts the passage there. [Pick] gives a random place spread
// evenly over the whole story (chapters weighted by length, every byte
// equally likely, so every sentence, the last ones included, can come up),
// and [Around] the passage holding it, taking earlier sentences when the
// chapter or the scene ends too soon; [Random] does both within one
// chapter. [Find] gives the byte offset of a phrase, and Around the
// passage around the match (starting at the sentence holding it: in a
// sentence longer than a passage, the match may lie past the cut).
//
// # Find
//
// [Find] matches regardless of case (simple Unicode case folding, plus ß =
// ss), accents (combining marks after canonical decomposition are ignored,
// in the scripts below U+3000: Latin, Greek, Cyrillic, ...; kana voicing
// marks are no accents), quote style (' ‘ ’ ‛ ′ ` ＇ are one character,
// " “ ” „ ‟ ″ « » ＂ 〝 〞 another), dash style (- ‐ ‑ ‒ – — ― − － are one),
// "…" = "...", and runs of white space (any run matches any run, newlines
// included). It scans the original text without building a normalised copy
// and returns offsets into the original text.
package passage
