package loadtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FloorMix is the mix issue 18 measures Ficshelf against the bare
// discordgo bot on: /kudos give, the Kudos button on a card (whose payload
// carries the whole card message), story autocomplete and /help, in equal
// shares. Every kudos is a durable write for Ficshelf.
var FloorMix = []Weighted{{KudosGive, 1}, {KudosButton, 1}, {Autocomplete, 1}, {Help, 1}}

// Figures are one load run's headline numbers.
type Figures struct {
	CPU      time.Duration // the bot process's CPU time (user + system) per interaction
	P50, P99 time.Duration // dispatch → answer
	PeakRSS  int64         // the bot process's VmHWM, bytes
}

// BareBaselinePrebuilt, when set before the first BareBinary call, is the
// bare bot BareBinary returns instead of building it.
var BareBaselinePrebuilt string

var bareBuild = &moduleProgram{pkg: "./loadtest/internal/barebot", name: "barebot"}

// BareBinary builds the bare discordgo bot (loadtest/internal/barebot) once
// per test process and returns its path; CleanupBare removes it.
func BareBinary(t testing.TB) string {
	t.Helper()
	if BareBaselinePrebuilt != "" {
		return BareBaselinePrebuilt
	}
	return bareBuild.path(t)
}

// CleanupBare removes the binary BareBinary built.
func CleanupBare() { bareBuild.cleanup() }

// ProcCPU is the CPU time (user + system) process pid has used so far,
// from /proc/<pid>/stat (in clock ticks of 10 ms).
func ProcCPU(t testing.TB, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("CPU time of process %d: %v", pid, err)
	}
	// Fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		t.Fatalf("CPU time of process %d: short /proc stat %q", pid, s)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("CPU time of process %d: stat %q", pid, s)
	}
	return time.Duration(u+st) * 10 * time.Millisecond
}
