package listimport

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// looksMHTML reports whether text is a web page saved as a single MIME
// file (.mhtml, .mht), as Chrome saves pages on Android and on request
// on desktop: mail-style headers announcing a multipart/related body.
func looksMHTML(text string) bool {
	head := strings.ToLower(text[:min(len(text), 4096)])
	end := strings.Index(head, "\n\n")
	if e := strings.Index(head, "\r\n\r\n"); e >= 0 && (end < 0 || e < end) {
		end = e
	}
	if end < 0 {
		return false
	}
	head = head[:end]
	return strings.Contains(head, "mime-version:") && strings.Contains(head, "multipart/related")
}

// mhtmlPage returns the HTML of a saved MIME page: its first text/html
// part, with its transfer encoding undone. ok is false when there is none.
func mhtmlPage(text string) (page []byte, ok bool) {
	msg, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(text)))
	if err != nil {
		return nil, false
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return nil, false
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for range 1000 { // a saved page has a few hundred parts at most
		// NextRawPart leaves the transfer encoding for htmlPart to undo.
		part, err := mr.NextRawPart()
		if err != nil {
			return nil, false
		}
		if pt, _, err := mime.ParseMediaType(part.Header.Get("Content-Type")); err == nil && pt == "text/html" {
			return htmlPart(part, part.Header)
		}
	}
	return nil, false
}

func htmlPart(r io.Reader, h textproto.MIMEHeader) ([]byte, bool) {
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r) // it skips the line breaks
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil || len(data) > MaxFileSize {
		return nil, false
	}
	return data, true
}
