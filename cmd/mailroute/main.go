// Command mailroute shows where an e-mail really travelled: it rebuilds the
// relay path from the Received header fields, geolocates every relay and
// counts the organisations and jurisdictions the mail crossed.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mailroute/mailroute/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.OSEnv())
	stop()
	os.Exit(code)
}
