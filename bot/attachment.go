package bot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrForbiddenHost is returned (wrapped) by FetchAttachment for a URL
// outside Discord's CDN and the configured base URL's host, including when
// a redirect leads there.
var ErrForbiddenHost = errors.New("bot: attachment host not allowed")

// ErrTooLarge is returned (wrapped) by FetchAttachment for a file larger
// than its limit.
var ErrTooLarge = errors.New("bot: attachment too large")

// cdnHosts serve Discord attachments; only over https.
var cdnHosts = map[string]bool{"cdn.discordapp.com": true, "media.discordapp.net": true}

const (
	fetchTimeout = 60 * time.Second
	maxRedirects = 3
)

// allowedAttachmentURL reports whether u may be downloaded: https on a
// Discord CDN host (default port), or base's host and port over https or
// base's own scheme (http only when the base URL is http, as in tests).
func allowedAttachmentURL(u, base *url.URL) bool {
	if u.User != nil {
		return false
	}
	if u.Scheme == "https" && cdnHosts[strings.ToLower(u.Hostname())] && (u.Port() == "" || u.Port() == "443") {
		return true
	}
	return (u.Scheme == "https" || u.Scheme == base.Scheme) && strings.EqualFold(u.Host, base.Host)
}

// newFetchClient makes the client for attachment downloads: no URL
// rewriting, at most 3 redirects, each to the same host as the first
// request.
func newFetchClient(next http.RoundTripper, base *url.URL) *http.Client {
	return &http.Client{
		Transport: next,
		Timeout:   fetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return errors.New("too many redirects")
			}
			if !strings.EqualFold(req.URL.Host, via[0].URL.Host) || !allowedAttachmentURL(req.URL, base) {
				return fmt.Errorf("%w: redirect to %s", ErrForbiddenHost, req.URL.Host)
			}
			return nil
		},
	}
}

// FetchAttachment downloads an attachment of at most maxBytes bytes. Only
// https URLs on cdn.discordapp.com and media.discordapp.net, and any URL on
// the host of Config.BaseURL, are fetched; anything else fails with
// ErrForbiddenHost before a request is made. A response whose
// Content-Length passes maxBytes fails with ErrTooLarge before its body is
// read, and reading stops with ErrTooLarge after maxBytes. A status other
// than 200 is an error.
func (b *Bot) FetchAttachment(ctx context.Context, rawURL string, maxBytes int64) ([]byte, error) {
	if maxBytes <= 0 {
		return nil, errors.New("bot: FetchAttachment: maxBytes must be positive")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bot: attachment URL: %w", err)
	}
	if !allowedAttachmentURL(u, b.base) {
		return nil, fmt.Errorf("%w: %s://%s", ErrForbiddenHost, u.Scheme, u.Host)
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("bot: attachment request: %w", err)
	}
	req.Header.Set("User-Agent", b.s.UserAgent)
	resp, err := b.fetch.Do(req)
	if err != nil {
		return nil, fmt.Errorf("bot: download attachment from %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bot: download attachment from %s: HTTP %s", u.Host, resp.Status)
	}
	if resp.ContentLength > maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, resp.ContentLength, maxBytes)
	}
	// Read into one buffer of the announced size (plus a byte to see an
	// overrun), not io.ReadAll's doubling: a 20 MiB file then costs 20 MiB,
	// not up to twice that in discarded smaller buffers (issue 19).
	size := int64(32 << 10)
	if resp.ContentLength > 0 {
		size = resp.ContentLength + 1
	}
	buf := make([]byte, 0, size)
	body := io.LimitReader(resp.Body, maxBytes+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow (only when the length was not announced or was wrong)
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("bot: download attachment from %s: %w", u.Host, err)
		}
	}
	if int64(len(buf)) > maxBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBytes)
	}
	return buf, nil
}
