package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

var keySettings = []byte("settings")

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
// Timezone are never returned: Settings fills the defaults.
type Settings struct {
	RecsChannelID string       `json:"recs_channel_id,omitempty"` // "" = post recs where asked
	AdultContent  AdultContent `json:"adult_content,omitempty"`
	Timezone      string       `json:"timezone,omitempty"` // IANA name
}

func (st *Settings) fillDefaults() {
	if st.AdultContent == "" {
		st.AdultContent = AdultAgeRestrictedOnly
	}
	if st.Timezone == "" {
		st.Timezone = "UTC"
	}
}

// Settings returns guild's settings, defaults for a guild that set none.
func (s *Store) Settings(guild string) (Settings, error) {
	var st Settings
	err := s.view(guild, func(g *guildTx) error {
		if g.g == nil {
			return nil
		}
		if v := g.g.Get(keySettings); v != nil {
			return json.Unmarshal(v, &st)
		}
		return nil
	})
	if err != nil {
		return Settings{}, fmt.Errorf("settings: %w", err)
	}
	st.fillDefaults()
	return st, nil
}

// SetSettings replaces guild's settings after checking them: the recs
// channel empty or a snowflake, AdultContent one of the three policies
// (empty: default), Timezone a known IANA name (empty: UTC). Returns the
// stored settings.
func (s *Store) SetSettings(guild string, st Settings) (Settings, error) {
	err := func() error {
		if st.RecsChannelID != "" {
			if _, err := parseSnowflake("channel", st.RecsChannelID); err != nil {
				return err
			}
		}
		st.AdultContent = AdultContent(strings.ToLower(strings.TrimSpace(string(st.AdultContent))))
		switch st.AdultContent {
		case "", AdultAgeRestrictedOnly, AdultSpoilered, AdultOff:
		default:
			return fmt.Errorf("adult content %q: %w", truncate(string(st.AdultContent), 40), ErrInvalid)
		}
		st.Timezone = strings.TrimSpace(st.Timezone)
		if st.Timezone != "" {
			if strings.EqualFold(st.Timezone, "local") {
				return fmt.Errorf("timezone %q: %w", st.Timezone, ErrInvalid)
			}
			if _, err := time.LoadLocation(st.Timezone); err != nil {
				return fmt.Errorf("timezone %q: %w", truncate(st.Timezone, 60), ErrInvalid)
			}
		}
		st.fillDefaults()
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return s.update(guild, func(g *guildTx) error {
			g.bucket(bStories) // makes sure the guild bucket exists
			return g.g.Put(keySettings, v)
		})
	}()
	if err != nil {
		return Settings{}, fmt.Errorf("set settings: %w", err)
	}
	return st, nil
}
