package jobs

import (
	"testing"

	"ficshelf/bot"
)

// The nonces of every kind are what earlier versions sent, so that a post
// retried across an upgrade is still deduplicated by Discord; both forms
// (base 36 and hashed) of each kind are pinned.
func TestNoncesStableAcrossVersions(t *testing.T) {
	const big, snow, small = "18446744073709551615", "1100000000000000001", "7"
	for _, tc := range []struct{ got, want string }{
		{PollNonce("pl", snow, small), "pl8cv1gfspn1fl.7"},
		{PollNonce("pr", snow, snow), "prh2nbuazbv2xs13"},
		{ReminderNonce(snow, small, 3), "rm8cv1gfspn1fl.7.3"},
		{ReminderNonce(big, big, 12), "rmh1okbl2fu4n95e"},
		{CheckpointNonce(snow, small, 2), "ck8cv1gfspn1fl.7.2"},
		{CheckpointNonce(snow, snow, 40), "ckhrhvhhug349l5"},
		{alertNonce(snow, small, ""), "al8cv1gfspn1fl.7"},
		{alertNonce(snow, small, snow), "alh3iwkueg9dg4oa"},
		{alertNonce(small, small, small), "al7.7.7"},
	} {
		if tc.got != tc.want {
			t.Errorf("nonce %q, want %q (as earlier versions sent it)", tc.got, tc.want)
		}
		if len(tc.got) > bot.MaxNonce {
			t.Errorf("nonce %q is longer than %d", tc.got, bot.MaxNonce)
		}
	}
}
