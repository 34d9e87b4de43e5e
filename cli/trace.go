package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mailroute/mailroute/htmlreport"
	"github.com/mailroute/mailroute/internal/format"
	"github.com/mailroute/mailroute/mailbox"
	"github.com/mailroute/mailroute/pipeline"
	"github.com/mailroute/mailroute/render"
)

type traceFlags struct {
	commonFlags
	format string
	output string
}

func (f *traceFlags) register(cmd *cobra.Command) {
	f.commonFlags.register(cmd)
	registerFormat(cmd, &f.format, "", traceFormats(), "; default table on a terminal, json (JSON Lines) otherwise")
	registerOutput(cmd, &f.output)
}

func newTraceCmd(env Env) *cobra.Command {
	f := &traceFlags{}
	cmd := &cobra.Command{
		Use:   "trace [flags] [FILE|DIR|-]...",
		Short: "Show the relay path of messages, geolocated, with who could read them",
		Long: `trace reads messages (files, directories, mbox, Maildir, gzip/zstd, or - for
standard input), rebuilds each one's relay path from its Received fields and
prints it: one row per machine that held the message, with its address,
location, AS organisation, jurisdiction class and how the message reached it.`,
		Example: `  mailroute trace samples/gmx-to-posteo.eml
  mailroute trace --format json samples/*.eml | jq .summary
  mailroute trace --home DE message.eml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTrace(cmd, env, f, args)
		},
	}
	f.register(cmd)
	return cmd
}

func runTrace(cmd *cobra.Command, env Env, f *traceFlags, args []string) error {
	outFormat := format.JSON
	if f.output == "" && env.IsTerminal(env.Stdout) {
		outFormat = format.Table
	}
	if f.format != "" {
		var err error
		if outFormat, err = format.Parse(f.format, traceFormats()); err != nil {
			return usageErr(err)
		}
	}
	if len(args) == 0 {
		if env.IsTerminal(env.Stdin) {
			// Nothing piped in: show how to use mailroute rather than wait
			// for a message typed at the terminal.
			return cmd.Help()
		}
		args = []string{"-"}
	}
	s, err := f.setup(env)
	if err != nil {
		return err
	}
	defer s.Close()
	if !f.quiet {
		for _, w := range s.warnings {
			stderrLine(env.Stderr, "warning", w)
		}
	}
	rd := mailbox.Open(args, mailbox.Options{MaxHeaderBytes: f.maxHeaderBytes, Stdin: env.Stdin})
	defer rd.Close()
	dst, err := openOutput(f.output, env.Stdout)
	if err != nil {
		return err
	}
	defer dst.Abort()
	out, err := newTraceWriter(dst, outFormat)
	if err != nil {
		return usageErr(err)
	}
	st, err := pipeline.Run(cmd.Context(), rd, pipeline.Config{Analyzer: s.opts, Workers: f.workers}, func(it pipeline.Item) error {
		if it.InputErr != nil {
			stderrLine(env.Stderr, "error", it.InputErr.Error())
			return nil
		}
		return out.Write(it.Result)
	})
	if cerr := out.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("write results: %w", cerr)
	}
	if err == nil {
		err = dst.Commit()
	}
	if err != nil {
		if cmd.Context().Err() != nil {
			return &exitError{code: ExitInterrupted, err: errors.New("interrupted")}
		}
		return err
	}
	if !f.quiet {
		for _, n := range rd.Notes() {
			stderrLine(env.Stderr, "note", n)
		}
		if outFormat == format.Table {
			writeSources(env.Stderr, s)
		}
	}
	return statsExit(env.Stderr, st, f.quiet)
}

// traceFormats are the formats trace writes: render's and HTML.
func traceFormats() []format.Format { return append(render.Formats(), format.HTML) }

// newTraceWriter returns the per-message writer of format f.
func newTraceWriter(w io.Writer, f format.Format) (render.Writer, error) {
	if f == format.HTML {
		return htmlreport.NewTrace(w)
	}
	return render.New(w, f)
}

// registerFormat adds the --format flag with the formats a command writes;
// every command parses it with format.Parse against the same list.
func registerFormat(cmd *cobra.Command, p *string, def string, fs []format.Format, extra string) {
	cmd.Flags().StringVarP(p, "format", "f", def, "output format: "+format.List(fs)+extra)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(format.Names(fs), cobra.ShellCompDirectiveNoFileComp))
}

// writeSources says which geolocation data answered.
func writeSources(w io.Writer, s *setup) {
	for _, src := range s.db.Sources() {
		fmt.Fprintf(w, "mailroute: geolocation data: %s (%s, built %s)\n", src.Name, src.Type, src.Built.UTC().Format("2006-01-02"))
	}
}

// statsExit turns a run's counts into the exit code.
func statsExit(w io.Writer, st pipeline.Stats, quiet bool) error {
	if st.Read == 0 {
		return &exitError{code: ExitError, err: nothingRead(st)}
	}
	if st.Failed == 0 && st.InputErrors == 0 {
		return nil
	}
	if !quiet {
		fmt.Fprintf(w, "mailroute: %d read = %d analysed + %d failed; %d inputs unreadable\n", st.Read, st.Analysed, st.Failed, st.InputErrors)
	}
	return &exitError{code: ExitSomeFailed}
}

// nothingRead says why a run read no message: nothing could be done (exit 1).
func nothingRead(st pipeline.Stats) error {
	if st.InputErrors > 0 {
		if st.InputErrors == 1 {
			return errors.New("no message read: the input could not be read")
		}
		return fmt.Errorf("no message read: %d inputs could not be read", st.InputErrors)
	}
	return errors.New("no message found in the inputs")
}
