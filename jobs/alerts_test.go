package jobs

import "testing"

func TestAlertNonceFits(t *testing.T) {
	for _, n := range []string{alertNonce("18446744073709551615", "18446744073709551615", "18446744073709551615"), alertNonce("100000000000000001", "1", "")} {
		if len(n) == 0 || len(n) > 25 {
			t.Errorf("nonce %q", n)
		}
	}
}
