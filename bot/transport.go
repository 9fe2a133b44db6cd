package bot

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// DefaultBaseURL is Discord's own origin, used when Config.BaseURL is empty.
const DefaultBaseURL = "https://discord.com"

// discordHost is the host discordgo's Endpoint variables point at.
const discordHost = "discord.com"

// parseBaseURL checks a base URL: http or https, a host, no query, fragment
// or user info. A trailing slash on its path is dropped.
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bot: base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("bot: base URL %q: want http(s)://host[:port][/path]", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// rewriteTransport sends every request addressed to https://discord.com to
// base instead (scheme and host replaced, base's path prefixed to the
// request's path) and reports failed responses to an Observer. Requests to
// other hosts pass through unchanged.
type rewriteTransport struct {
	base *url.URL
	next http.RoundTripper
	obs  Observer
}

// RoundTrip implements http.RoundTripper. It does not modify req.
func (t *rewriteTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == discordHost {
		r2 := req.Clone(req.Context())
		u := *req.URL
		u.Scheme = t.base.Scheme
		u.Host = t.base.Host
		if t.base.Path != "" {
			u.Path = t.base.Path + req.URL.Path
			if req.URL.RawPath != "" {
				u.RawPath = t.base.Path + req.URL.RawPath
			}
		}
		r2.URL = &u
		r2.Host = ""
		req = r2
	}
	resp, err := t.next.RoundTrip(req)
	if t.obs != nil {
		switch {
		case err != nil:
			t.obs.RESTError(Route(req.URL.Path), 0)
		case resp.StatusCode >= 400:
			t.obs.RESTError(Route(req.URL.Path), resp.StatusCode)
		}
	}
	return resp, err
}

var (
	snowflakePart = regexp.MustCompile(`^[0-9]{5,20}$`)
)

// Route turns a REST path into a label with no IDs and no secrets, for
// metrics and logs: numeric IDs become ":id", the token after an
// interaction's or webhook's ID becomes ":token", and a query is dropped.
// For example "/api/v9/interactions/1234567/aW50ZXI.../callback" becomes
// "/api/v9/interactions/:id/:token/callback".
func Route(path string) string {
	path, _, _ = strings.Cut(path, "?")
	parts := strings.Split(path, "/")
	for i, p := range parts {
		switch {
		case snowflakePart.MatchString(p):
			parts[i] = ":id"
		case i >= 2 && parts[i-1] == ":id" && (parts[i-2] == "interactions" || parts[i-2] == "webhooks") && p != "":
			parts[i] = ":token"
		}
	}
	return strings.Join(parts, "/")
}

// tokenShape matches strings shaped like a Discord bot token (base64 user
// ID, timestamp, signature), so that even a token we were not told about is
// not logged.
var tokenShape = regexp.MustCompile(`[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}`)

// redactor removes a bot token from text.
type redactor struct {
	secrets []string // longest first
}

func newRedactor(token string) redactor {
	raw := strings.TrimSpace(strings.TrimPrefix(token, "Bot "))
	var r redactor
	if raw != "" {
		r.secrets = []string{"Bot " + raw, raw}
	}
	return r
}

// String returns s with every secret, and anything shaped like a token,
// replaced by "[redacted]".
func (r redactor) String(s string) string {
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, "[redacted]")
	}
	return tokenShape.ReplaceAllString(s, "[redacted]")
}

// Error returns err with its message redacted; errors.Is and errors.As
// still see the original chain.
func (r redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := r.String(msg); clean != msg {
		return &redactedError{msg: clean, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
