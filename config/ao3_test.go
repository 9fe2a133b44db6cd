package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAO3CheckKeys(t *testing.T) {
	base := func(kv ...string) map[string]string {
		m := map[string]string{"DISCORD_TOKEN": "tok"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := Load(lookup(base("AO3_CHECK_EVERY", "30m", "AO3_REQUEST_GAP", "500ms")))
	if err != nil || c.AO3CheckEvery != 30*time.Minute || c.AO3RequestGap != 500*time.Millisecond {
		t.Errorf("got %v %v, %v", c.AO3CheckEvery, c.AO3RequestGap, err)
	}
	// Shorter than 10m only against a test server.
	c, err = Load(lookup(base("AO3_CHECK_EVERY", "2s", "AO3_BASE_URL", "http://127.0.0.1:9000")))
	if err != nil || c.AO3CheckEvery != 2*time.Second {
		t.Errorf("test server: %v %v", c.AO3CheckEvery, err)
	}
	for _, tc := range []struct {
		env map[string]string
		key string
	}{
		{base("AO3_CHECK_EVERY", "2s"), "AO3_CHECK_EVERY"},
		{base("AO3_CHECK_EVERY", "5m", "AO3_BASE_URL", "https://www.archiveofourown.org"), "AO3_CHECK_EVERY"},
		{base("AO3_CHECK_EVERY", "often"), "AO3_CHECK_EVERY"},
		{base("AO3_CHECK_EVERY", "-1h"), "AO3_CHECK_EVERY"},
		{base("AO3_REQUEST_GAP", "3"), "AO3_REQUEST_GAP"},
		{base("AO3_REQUEST_GAP", "-1s"), "AO3_REQUEST_GAP"},
	} {
		_, err := Load(lookup(tc.env))
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != tc.key || strings.Contains(ce.Error(), "\n") {
			t.Errorf("%v: %v, want one line naming %s", tc.env, err, tc.key)
		}
	}
}
