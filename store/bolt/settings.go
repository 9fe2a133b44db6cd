package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	"ficshelf/shelf"
)

var keySettings = []byte("settings")

// Settings returns guild's settings, defaults for a guild that set none.
func (s *Store) Settings(ctx context.Context, guild string) (shelf.Settings, error) {
	var st shelf.Settings
	err := s.view(ctx, guild, func(g *guildTx) error {
		if g.g == nil {
			return nil
		}
		if v := g.g.Get(keySettings); v != nil {
			return json.Unmarshal(v, &st)
		}
		return nil
	})
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("settings: %w", err)
	}
	return st.WithDefaults(), nil
}

// SetSettings replaces guild's settings after checking them
// (shelf.Settings.Normalize) and returns the stored settings.
func (s *Store) SetSettings(ctx context.Context, guild string, st shelf.Settings) (shelf.Settings, error) {
	err := func() error {
		var err error
		if st, err = st.Normalize(); err != nil {
			return err
		}
		v, err := json.Marshal(st)
		if err != nil {
			return err
		}
		return s.update(ctx, guild, func(g *guildTx) error {
			g.bucket(bStories) // makes sure the guild bucket exists
			return g.g.Put(keySettings, v)
		})
	}()
	if err != nil {
		return shelf.Settings{}, fmt.Errorf("set settings: %w", err)
	}
	return st, nil
}
