// Command mkmbox builds a large mbox for benchmarking mailroute from the
// sample messages in samples/.
//
// Usage:
//
//	go run ./tools/mkmbox -size 1GiB -o /tmp/bench.mbox [-samples samples] [-seed 1]
//
// It writes copies of the .eml files until the output reaches at least
// -size bytes. Each copy is varied deterministically (the same flags give the
// same bytes): the IPv4 addresses in its Received fields move to other
// addresses of the same /16 (consistently within a message), its dates
// (Received, Date and the From_ line) move by the same random offset of up to
// a year into the past, its Message-ID is new, and its body gets filler text
// lines so that bodies are 2–60 KB (about 23 KB on average, 25 KB per message with the header). The output is
// mboxrd: each message starts with "From <envelope sender> <asctime UTC>" and
// body lines matching ^>*From get one more ">". Filler is appended after the
// original body (for multipart messages it lands in the epilogue).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

const usage = `usage: mkmbox -size SIZE -o FILE [-samples DIR] [-seed N]

Builds an mbox of at least SIZE bytes (e.g. 1GiB, 200MiB, 500MB, 64KiB)
from the .eml files in DIR (default samples), varied deterministically.
-o - writes to standard output.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command; it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mkmbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	sizeFlag := fs.String("size", "", "minimum size of the mbox, e.g. 1GiB")
	out := fs.String("o", "", "output file, - for standard output")
	samples := fs.String("samples", "samples", "directory with the .eml files to replicate")
	seed := fs.Uint64("seed", 1, "seed of the variation")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *sizeFlag == "" || *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	size, err := parseSize(*sizeFlag)
	if err != nil {
		fmt.Fprintf(stderr, "mkmbox: error: %v\n", err)
		return 2
	}
	tmpls, err := loadSamples(os.DirFS(*samples))
	if err != nil {
		fmt.Fprintf(stderr, "mkmbox: error: %s: %v\n", *samples, err)
		return 1
	}
	var w io.Writer = stdout
	var f *os.File
	if *out != "-" {
		f, err = os.Create(*out)
		if err != nil {
			fmt.Fprintf(stderr, "mkmbox: error: %v\n", err)
			return 1
		}
		w = f
	}
	start := time.Now()
	st, err := generate(ctx, w, tmpls, size, *seed)
	if f != nil {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", *out, cerr)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "mkmbox: error: %v\n", err)
		return 1
	}
	el := time.Since(start)
	fmt.Fprintf(stderr, "mkmbox: wrote %d messages, %d bytes to %s in %.2fs (%.0f MB/s) from %d samples\n",
		st.Messages, st.Bytes, *out, el.Seconds(), float64(st.Bytes)/1e6/max(el.Seconds(), 1e-9), len(tmpls))
	return 0
}
