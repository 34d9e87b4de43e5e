// Command mailroute shows where an e-mail really travelled: it rebuilds the
// relay path from the Received header fields, geolocates every relay and
// counts the organisations and jurisdictions the mail crossed.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/mailroute/mailroute/cli"
)

// memoryLimit is a soft ceiling for the Go heap (runtime/debug.SetMemoryLimit).
const memoryLimit = 64 << 20

func main() {
	// A scan's live heap is small (about 15 MiB: the embedded geo data,
	// buffers and the messages in flight) and does not grow with the
	// mailbox; the ceiling makes the collector work harder rather than
	// let the heap grow past it, so peak memory stays bounded whatever the
	// input. GOMEMLIMIT still wins when set.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
