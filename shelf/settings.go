package shelf

import (
	"fmt"
	"strings"
	"time"
)

// AdultContent says where Mature, Explicit and Not Rated stories may be
// excerpted.
type AdultContent string

// The adult-content policies.
const (
	AdultAgeRestrictedOnly AdultContent = "age-restricted-only" // the default: NSFW channels only
	AdultSpoilered         AdultContent = "spoilered"           // anywhere, behind spoiler bars
	AdultOff               AdultContent = "off"                 // never excerpted
)

// Settings are a guild's configuration. The zero values of AdultContent and
// Timezone are never returned: engines fill the defaults.
type Settings struct {
	RecsChannelID string       `json:"recs_channel_id,omitempty"` // "" = post recs where asked
	AdultContent  AdultContent `json:"adult_content,omitempty"`
	Timezone      string       `json:"timezone,omitempty"` // IANA name
	// UpdatesChannelID is where /subscribe alerts are posted; "" = by
	// direct message to each subscriber.
	UpdatesChannelID string `json:"updates_channel_id,omitempty"`
}

// WithDefaults returns st with empty fields set to their defaults
// (age-restricted-only, UTC).
func (st Settings) WithDefaults() Settings {
	if st.AdultContent == "" {
		st.AdultContent = AdultAgeRestrictedOnly
	}
	if st.Timezone == "" {
		st.Timezone = "UTC"
	}
	return st
}

// Normalize checks st as SetSettings must before storing it and returns it
// cleaned, with defaults filled: the recs channel empty or a snowflake,
// AdultContent one of the three policies in any case (empty: default),
// Timezone a known IANA name (empty: UTC; "Local" refused).
func (st Settings) Normalize() (Settings, error) {
	if st.RecsChannelID != "" {
		if _, err := ParseID("channel", st.RecsChannelID); err != nil {
			return Settings{}, err
		}
	}
	if st.UpdatesChannelID != "" {
		if _, err := ParseID("channel", st.UpdatesChannelID); err != nil {
			return Settings{}, err
		}
	}
	st.AdultContent = AdultContent(strings.ToLower(strings.TrimSpace(string(st.AdultContent))))
	switch st.AdultContent {
	case "", AdultAgeRestrictedOnly, AdultSpoilered, AdultOff:
	default:
		return Settings{}, fmt.Errorf("adult content %q: %w", Truncate(string(st.AdultContent), 40), ErrInvalid)
	}
	st.Timezone = strings.TrimSpace(st.Timezone)
	if st.Timezone != "" {
		if strings.EqualFold(st.Timezone, "local") {
			return Settings{}, fmt.Errorf("timezone %q: %w", st.Timezone, ErrInvalid)
		}
		if _, err := time.LoadLocation(st.Timezone); err != nil {
			return Settings{}, fmt.Errorf("timezone %q: %w", Truncate(st.Timezone, 60), ErrInvalid)
		}
	}
	return st.WithDefaults(), nil
}
