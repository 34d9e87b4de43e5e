// Package cli is mailroute's command line: it parses flags, wires the
// mailbox reader, analyzer, geolocation, DNS and renderers together, prints,
// and decides the exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/mailroute/mailroute/internal/safe"
)

// Exit codes.
const (
	ExitOK          = 0 // every input analysed
	ExitError       = 1 // usage error or nothing could be done
	ExitSomeFailed  = 3 // some inputs or messages could not be read or analysed
	ExitPolicy      = 4 // a --fail-on rule was violated
	ExitInterrupted = 130
)

// Env is what the command line gets from the outside world.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	// IsTerminal reports whether a stream (Stdin, Stdout or Stderr) is a
	// terminal: for the default format, progress bars, and help instead of
	// waiting for a message typed at a terminal.
	IsTerminal func(stream any) bool
}

// OSEnv returns the process's real environment.
func OSEnv() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
		IsTerminal: func(stream any) bool {
			f, ok := stream.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
	}
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

// ExitCode returns the process exit code the error stands for.
func (e *exitError) ExitCode() int { return e.code }

// Run runs the command line with args (without the program name) and
// returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.IsTerminal == nil {
		env.IsTerminal = func(any) bool { return false }
	}
	root := newRoot(env)
	if args == nil {
		args = []string{} // cobra would read os.Args for nil
	}
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			stderrLine(env.Stderr, "error", ee.err.Error())
		}
		return ee.code
	}
	if ctx.Err() != nil {
		fmt.Fprintln(env.Stderr, "mailroute: interrupted")
		return ExitInterrupted
	}
	stderrLine(env.Stderr, "error", err.Error())
	if strings.Contains(err.Error(), "flag") || strings.Contains(err.Error(), "unknown command") || strings.Contains(err.Error(), "arg(s)") {
		fmt.Fprintln(env.Stderr, "mailroute: hint: see mailroute --help")
	}
	return ExitError
}

const rootLong = `mailroute shows where an e-mail really travelled. It reads the Received
header fields of messages, rebuilds the relay path hop by hop, geolocates every
relay, and counts the gateways, organisations and jurisdictions the mail
crossed and whether each hop was encrypted.

Without a command, mailroute traces the messages named as arguments, or one
message (or mbox) on standard input.

Geolocation data: a GeoLite2/GeoIP2/DB-IP .mmdb found by --city-db/--asn-db,
in $MAILROUTE_GEOIP_DIR or in /usr/share/GeoIP, /var/lib/GeoIP,
/usr/local/share/GeoIP; otherwise the embedded country-level IP2Location LITE
data. No network access unless --resolve or the provider command is used.

This site or product includes IP2Location LITE data available from
https://lite.ip2location.com (embedded, CC BY-SA 4.0). With GeoLite2: this
product includes GeoLite2 data created by MaxMind, available from
https://www.maxmind.com. With DB-IP lite: IP Geolocation by DB-IP.

Exit codes: 0 all analysed, 1 error or nothing read, 3 some inputs or messages failed,
4 a --fail-on policy was violated or could not be verified, 130 interrupted.`

// stderrLine prints one "mailroute: KIND: MSG" line. The message often
// names files and holds text from mail, so escape sequences and invisible
// characters in it are shown escaped (safe.Name), never passed to the
// terminal.
func stderrLine(w io.Writer, kind, msg string) {
	fmt.Fprintf(w, "mailroute: %s: %s\n", kind, safe.Name(msg))
}

func newRoot(env Env) *cobra.Command {
	tf := &traceFlags{}
	root := &cobra.Command{
		Use:   "mailroute [flags] [FILE|DIR|-]...",
		Short: "Show where an e-mail really travelled",
		Long:  rootLong,
		Example: `  mailroute < message.eml
  mailroute trace samples/gmx-to-posteo.eml
  mailroute trace --format json samples/*.eml | jq .summary
  mailroute trace --home DE message.eml
  mailroute scan --home DE --format markdown Maildir/ > providers.md
  mailroute geo 212.227.17.5
  mailroute provider --resolver 127.0.0.1:53 posteo.de`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrace(cmd, env, tf, args)
		},
	}
	root.Version = version()
	tf.register(root)
	root.AddCommand(newTraceCmd(env), newScanCmd(env), newGeoCmd(env), newProviderCmd(env))
	return root
}

// version is the module version mailroute was built as ("(devel)" for a
// source build), with the VCS revision when the build recorded one.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}
