// Command mailroute shows where an e-mail really travelled: it rebuilds the
// relay path from the Received header fields, geolocates every relay and
// counts the organisations and jurisdictions the mail crossed.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"

	"github.com/mailroute/mailroute/cli"
)

// memoryLimit is a soft ceiling for the Go heap (runtime/debug.SetMemoryLimit).
const memoryLimit = 64 << 20

func main() {
	// A scan's live heap is small (about 15-25 MiB: the embedded geo data,
	// buffers and the messages in flight) and does not grow with the
	// mailbox. Collecting only when the heap nears a fixed ceiling, instead
	// of at every doubling, saves about a sixth of the CPU of a scan and
	// keeps peak memory the same whatever the input size (measured with
	// scripts/bench-scan.sh). GOGC or GOMEMLIMIT, when set, win.
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(-1)
		debug.SetMemoryLimit(memoryLimit)
	}
	stopProfile, err := startCPUProfile(os.Getenv("MAILROUTE_CPUPROFILE"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "mailroute: error: MAILROUTE_CPUPROFILE: %v\n", err)
		os.Exit(cli.ExitError)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.OSEnv())
	stop()
	if err := stopProfile(); err != nil {
		fmt.Fprintf(os.Stderr, "mailroute: error: MAILROUTE_CPUPROFILE: %v\n", err)
	}
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the run to path (for go tool
// pprof, and as cmd/mailroute/default.pgo for profile-guided optimisation:
// make pgo); "" profiles nothing. The returned function ends the profile.
func startCPUProfile(path string) (func() error, error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
