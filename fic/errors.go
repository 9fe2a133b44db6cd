package fic

import "errors"

// Sentinel errors for the ways an import can fail. Every error returned by
// Import wraps exactly one of them inside an *ImportError, so callers can
// test the cause with errors.Is and show ImportError.Message to the member.
var (
	ErrNotStory     = errors.New("not a story")
	ErrTooLarge     = errors.New("file too large")
	ErrEPUBTooLarge = errors.New("epub unpacks too large")
	ErrBadEPUB      = errors.New("invalid epub")
	ErrNoProse      = errors.New("no readable prose")
	ErrEmpty        = errors.New("empty file")
	// ErrTooDeep: HTML whose elements nest deeper than can be parsed (over
	// 512 levels), even with its plain wrappers flattened.
	ErrTooDeep = errors.New("html nested too deeply")
)

// ImportError is the error every importer returns. Message is one sentence
// written for a server member (no jargon, no file paths); Kind is one of the
// sentinel errors above; Err, when set, is the technical cause for logs.
type ImportError struct {
	Kind    error
	Message string
	Err     error
}

// Error returns the member-facing message, followed by the technical cause
// when there is one.
func (e *ImportError) Error() string {
	if e.Err != nil {
		return e.Message + " (" + e.Err.Error() + ")"
	}
	return e.Message
}

// Unwrap exposes both the sentinel kind and the technical cause.
func (e *ImportError) Unwrap() []error {
	out := make([]error, 0, 2)
	if e.Kind != nil {
		out = append(out, e.Kind)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

func importErr(kind error, msg string, cause error) *ImportError {
	return &ImportError{Kind: kind, Message: msg, Err: cause}
}

// Member-facing sentences, kept together so they read consistently.
const (
	msgNotStory  = "That file doesn't look like a story: I can read plain text (.txt, .md), AO3 HTML downloads and AO3 EPUB downloads."
	msgBinary    = "That file looks like a binary file (an image, a PDF or similar), not a story I can read: upload plain text, an AO3 HTML download or an AO3 EPUB download."
	msgEncoding  = "I can't read that file's text encoding: save it as UTF-8 text (in Notepad or Word: Save As, Encoding: UTF-8) and upload it again."
	msgTooLarge  = "That file is over 20 MiB, which is more than I can import."
	msgEPUBLarge = "That EPUB unpacks to more than 100 MiB, which is more than I can import."
	msgEPUBText  = "That EPUB holds more than 20 MiB of story pages, which is more than I can import."
	msgBadEPUB   = "That EPUB file is damaged or isn't really an EPUB (it isn't a valid zip with a book inside)."
	msgNoProse   = "I couldn't find any story text in that HTML file."
	msgEmpty     = "That file is empty."
	msgTooDeep   = "That HTML file's markup is nested too deeply for me to read (more than 512 tags inside one another): upload the story's HTML download as AO3 made it, or its EPUB."
)
