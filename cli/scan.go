package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/mailroute/mailroute/htmlreport"
	"github.com/mailroute/mailroute/internal/format"
	"github.com/mailroute/mailroute/mailbox"
	"github.com/mailroute/mailroute/pipeline"
	"github.com/mailroute/mailroute/report"
)

type scanFlags struct {
	commonFlags
	format       string
	output       string
	groupBy      string
	failOn       string
	allowUnknown bool
	providers    string
}

func newScanCmd(env Env) *cobra.Command {
	f := &scanFlags{}
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Scan mailboxes and print one row per sending provider: hops, organisations, countries, jurisdictions, encryption",
		Long: `scan reads whole mailboxes (mbox, Maildir, folders of messages, gzip/zstd
compressed) and aggregates the paths of all messages into one table: per
sending provider (or another --group-by key), how many relays and
organisations the mail went through, which countries it crossed, how often it
left the home jurisdiction or the EU/EEA, and how much travelled unencrypted.

--fail-on takes a comma-separated list of rules; a message violates one when
its path shows

` + report.RulesHelp("  ") + `

When any message violates a rule, scan exits with code 4 and the table marks
the groups that do. A message whose path does not show a violation but has a
node of unknown location (outside-home, third-country) or a transfer of
unknown encryption (plaintext) cannot be verified: it is counted as
CANNOT VERIFY and fails the run too (exit 4) unless --allow-unknown.`,
		Example: `  mailroute scan ~/Mail/export.mbox
  mailroute scan --home DE --format markdown Maildir/ testmails/*.eml > providers.md
  mailroute scan --group-by dir testmails/    # one sub-folder per candidate provider
  mailroute scan --fail-on third-country,plaintext export.mbox.gz && echo "policy holds"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, env, f, args)
		},
	}
	f.commonFlags.register(cmd)
	fl := cmd.Flags()
	registerFormat(cmd, &f.format, "table", scanFormats(), " (json: JSON Lines)")
	registerOutput(cmd, &f.output)
	fl.StringVar(&f.groupBy, "group-by", "provider", "row key: provider, sender-domain, first-org, dir or header:NAME")
	fl.StringVar(&f.failOn, "fail-on", "", "exit 4 when a message violates any of: "+strings.Join(report.RuleNames(), ", "))
	fl.BoolVar(&f.allowUnknown, "allow-unknown", false, "with --fail-on: do not fail for messages that cannot be verified (location or encryption unknown)")
	fl.StringVar(&f.providers, "providers", "", "file of extra sender-domain to provider mappings (see README)")
	_ = cmd.RegisterFlagCompletionFunc("group-by", cobra.FixedCompletions([]string{"provider", "sender-domain", "first-org", "dir", "header:"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions(report.RuleNames(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runScan(cmd *cobra.Command, env Env, f *scanFlags, args []string) error {
	outFormat, err := format.Parse(f.format, scanFormats())
	if err != nil {
		return usageErr(err)
	}
	groupBy, err := report.ParseGroupBy(f.groupBy)
	if err != nil {
		return usageErr(err)
	}
	policy, err := report.ParsePolicy(f.failOn)
	if err != nil {
		return usageErr(err)
	}
	var providers *report.Providers
	if f.providers != "" {
		if providers, err = loadProviders(f.providers); err != nil {
			return usageErr(err)
		}
	}
	s, err := f.setup(env)
	if err != nil {
		return err
	}
	defer s.Close()
	if groupBy.Kind == report.GroupHeader {
		s.opts.KeepHeaders = []string{groupBy.Header}
	}
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
	aggOpts := report.Options{GroupBy: groupBy, Providers: providers, Home: s.opts.Home, Policy: policy, AllowUnknown: f.allowUnknown}
	if outFormat == format.HTML {
		aggOpts.Examples = htmlExamples
	}
	agg := report.NewAggregator(aggOpts)

	dirKey := mailbox.DirGroups(args)
	var messages atomic.Int64
	stopProgress := func() {}
	if !f.quiet && env.IsTerminal(env.Stderr) {
		stopProgress = startProgress(env.Stderr, rd, &messages)
	}
	// Problems are printed after the table; the first screenful is kept,
	// the rest only counted (the table counts every failed message).
	const maxShown = 20
	var problems []string
	hidden := 0
	note := func(p string) {
		if len(problems) < maxShown {
			problems = append(problems, p)
		} else {
			hidden++
		}
	}
	// The aggregator copies what it keeps (report.Aggregator.AddRef), so
	// results may be recycled.
	st, err := pipeline.Run(cmd.Context(), rd, pipeline.Config{Analyzer: s.opts, Workers: f.workers, Recycle: true}, func(it pipeline.Item) error {
		if it.InputErr != nil {
			note(it.InputErr.Error())
			addInputError(agg, it.InputErr)
			return nil
		}
		messages.Add(1)
		agg.AddRef(&it.Result, dirKey(it.Pos.File))
		if it.Result.Error != "" {
			note(strings.Clone(it.Result.Error)) // the result is recycled
		}
		return nil
	})
	stopProgress()
	if err != nil {
		if cmd.Context().Err() != nil {
			return &exitError{code: ExitInterrupted, err: errors.New("interrupted")}
		}
		return err
	}
	if !f.quiet {
		for _, p := range problems {
			stderrLine(env.Stderr, "error", p)
		}
		if hidden > 0 {
			fmt.Fprintf(env.Stderr, "mailroute: ... and %d more problems (counted in the table)\n", hidden)
		}
		for _, n := range rd.Notes() {
			stderrLine(env.Stderr, "note", n)
		}
		writeSources(env.Stderr, s)
	}
	if st.Read == 0 {
		// Nothing could be done: no table of nothing.
		return &exitError{code: ExitError, err: nothingRead(st)}
	}
	rep := agg.Report()
	if outFormat == format.HTML {
		info := htmlreport.ScanInfo{InputErrors: st.InputErrors, Problems: problems, Hidden: hidden}
		for _, src := range s.db.Sources() {
			info.Sources = append(info.Sources, fmt.Sprintf("%s (%s, built %s)", src.Name, src.Type, src.Built.UTC().Format("2006-01-02")))
		}
		err = htmlreport.WriteScan(dst, rep, info)
	} else {
		err = report.Write(dst, outFormat, rep)
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := dst.Commit(); err != nil {
		return err
	}
	if !f.quiet {
		fmt.Fprintf(env.Stderr, "mailroute: %d read = %d analysed + %d failed; %d inputs unreadable\n", st.Read, st.Analysed, st.Failed, st.InputErrors)
	}
	switch {
	case rep.Violations():
		return &exitError{code: ExitPolicy}
	case rep.PolicyFails():
		return &exitError{code: ExitPolicy, err: fmt.Errorf("policy %s: %d of %d messages cannot be verified (location or encryption unknown); --allow-unknown accepts them", policy, rep.Total.CannotVerifyMessages, rep.Analysed)}
	case st.Failed > 0 || st.InputErrors > 0:
		return &exitError{code: ExitSomeFailed}
	}
	return nil
}

// addInputError counts an unreadable input in the report, with its path
// and reason.
func addInputError(agg *report.Aggregator, err error) {
	var ie *mailbox.InputError
	if errors.As(err, &ie) {
		agg.AddInputError(ie.Path, ie.Err.Error())
		return
	}
	agg.AddInputError("", err.Error())
}

// scanFormats are the formats scan writes: report's and HTML.
func scanFormats() []format.Format { return append(report.Formats(), format.HTML) }

// htmlExamples is the number of example messages per group of an HTML
// scan report: enough to drill down, few enough that a scan of a whole
// mailbox stays a few MB.
const htmlExamples = 5

func loadProviders(path string) (*report.Providers, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--providers: %w", err)
	}
	defer fh.Close()
	rules, err := report.ParseProviders(fh)
	if err != nil {
		return nil, fmt.Errorf("--providers %s: %w", path, err)
	}
	p, err := report.NewProviders(rules)
	if err != nil {
		return nil, fmt.Errorf("--providers %s: %w", path, err)
	}
	return p, nil
}

// startProgress draws a progress bar on w (a terminal) from the reader's
// byte counter, updated on a ticker; the returned function stops and clears
// it.
func startProgress(w io.Writer, rd *mailbox.Reader, messages *atomic.Int64) func() {
	total := rd.TotalBytes()
	bar := progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("scanning"),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				bar.Describe(fmt.Sprintf("scanning, %d messages", messages.Load()))
				_ = bar.Set64(rd.BytesRead())
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		_ = bar.Finish()
		_ = bar.Clear()
	}
}
