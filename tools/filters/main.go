// Command filters measures the filtering package on a corpus laid out like
// ../shared/corpus: for each family of filtering header fields, how many
// messages carry it and the share of those for which filtering.Read names
// the engine, and names it with a verdict; and the share of
// Authentication-Results fields that authres reads.
//
//	go run ./tools/filters -corpus ../shared/corpus
//
// It reads dev-messages.tar.gz as a stream (nothing is extracted) and skips
// with a message when the corpus is absent.
package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/mailroute/mailroute/internal/corpus"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/filtering"
	"github.com/mailroute/mailroute/mailbox"
)

// family is one row of the report: the fields that count (lower-case
// prefixes, or whole names when exact) and the engine a finding must name.
type family struct {
	label   string
	names   []string
	exact   bool
	engines []string
}

var families = []family{
	{"Authentication-Results", []string{"authentication-results"}, true, []string{filtering.EngineAuthResults}},
	{"ARC-Authentication-Results, ARC-Seal", []string{"arc-authentication-results", "arc-seal"}, true, []string{filtering.EngineARC}},
	{"X-Forefront-Antispam-Report", []string{"x-forefront-antispam-report"}, true, []string{filtering.EngineEOP}},
	{"X-Microsoft-Antispam (BCL)", []string{"x-microsoft-antispam"}, true, []string{filtering.EngineEOP}},
	{"X-MS-Exchange-Organization-SCL", []string{"x-ms-exchange-organization-scl"}, true, []string{filtering.EngineEOP}},
	{"X-Spam-Status", []string{"x-spam-status"}, true, []string{filtering.EngineSpamAssassin}},
	{"X-Spam-Score/Flag/Level, X-Spam", []string{"x-spam-score", "x-spam-flag", "x-spam-level", "x-spam"}, true, []string{filtering.EngineSpamAssassin}},
	{"X-Spam-Checker-Version", []string{"x-spam-checker-version"}, true, []string{filtering.EngineSpamAssassin}},
	{"X-Rspamd-*, X-Spamd-*", []string{"x-rspamd", "x-spamd-"}, false, []string{filtering.EngineRspamd}},
	{"X-Gm-Spam, X-Gm-Phishy", []string{"x-gm-spam", "x-gm-phishy"}, true, []string{filtering.EngineGmail}},
	{"X-Proofpoint-*", []string{"x-proofpoint-"}, false, []string{filtering.EngineProofpoint}},
	{"X-Mimecast-*", []string{"x-mimecast-"}, false, []string{filtering.EngineMimecast}},
	{"X-IronPort-*, IronPort-*", []string{"x-ironport-", "ironport-"}, false, []string{filtering.EngineIronPort}},
	{"X-Barracuda-*", []string{"x-barracuda-"}, false, []string{filtering.EngineBarracuda}},
	{"X-Sophos-*", []string{"x-sophos-"}, false, []string{filtering.EngineSophos}},
	{"X-SpamExperts-*", []string{"x-spamexperts-", "x-spampanel-"}, false, []string{filtering.EngineSpamExperts}},
	{"X-Virus-Scanned, X-Virus-Status", []string{"x-virus-scanned", "x-virus-status"}, true, []string{filtering.EngineAmavis, filtering.EngineClamAV, filtering.EngineVirusScan, filtering.EngineProofpoint}},
	{"X-Amavis-*", []string{"x-amavis-"}, false, []string{filtering.EngineAmavis}},
}

func (f family) has(name string) bool {
	name = strings.ToLower(name)
	for _, n := range f.names {
		if name == n || !f.exact && strings.HasPrefix(name, n) {
			return true
		}
	}
	return false
}

// counts are one family's figures.
type counts struct{ messages, named, verdict int }

// stats are the whole run's figures.
type stats struct {
	messages                     int
	fam                          []counts
	arFields, arDirect, arNormal int
}

func main() {
	fl := flag.NewFlagSet("filters", flag.ContinueOnError)
	corpus := fl.String("corpus", "../shared/corpus", "corpus directory with dev-messages.tar.gz")
	if err := fl.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	p := filepath.Join(*corpus, "dev-messages.tar.gz")
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Printf("filters: %s not found; skipped\n", p)
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "filters:", err)
		os.Exit(1)
	}
	defer f.Close()
	st, err := measure(f)
	if err != nil {
		fmt.Fprintf(os.Stderr, "filters: %s: %v\n", p, err)
		os.Exit(1)
	}
	st.print(os.Stdout)
}

// measure reads every .eml of a tar.gz stream.
func measure(r io.Reader) (stats, error) {
	st := stats{fam: make([]counts, len(families))}
	err := corpus.Each(r, func(name string, msg io.Reader) error {
		hdr, err := analyzer.ReadHeader(msg, 0)
		if err != nil && !errors.Is(err, mailbox.ErrHeaderTooLarge) {
			return fmt.Errorf("%s: %w", name, err)
		}
		st.add(hdr)
		return nil
	})
	return st, err
}

// add counts one message's header section.
func (st *stats) add(hdr []byte) {
	st.messages++
	h, _ := analyzer.ParseHeader(hdr, func(n []byte) bool { return filtering.Wants(n) })
	fields := make([]filtering.Field, len(h.Fields))
	for i, f := range h.Fields {
		fields[i] = filtering.Field(f)
		if strings.EqualFold(f.Key, "Authentication-Results") {
			st.arFields++
			ar, err := filtering.ParseAuthResults(f.Value)
			switch {
			case err == nil && !ar.Normalised:
				st.arDirect++
			case err == nil:
				st.arNormal++
			}
		}
	}
	findings := filtering.Read(fields)
	for i, fam := range families {
		carried := false
		for _, f := range fields {
			carried = carried || fam.has(f.Key)
		}
		if !carried {
			continue
		}
		st.fam[i].messages++
		named, verdict := false, false
		for _, fd := range findings {
			for _, e := range fam.engines {
				if fd.Engine != e || !fromFamily(fd, fam) {
					continue
				}
				named = true
				verdict = verdict || fd.Verdict != filtering.Unknown || fd.Score != nil
			}
		}
		if named {
			st.fam[i].named++
		}
		if verdict {
			st.fam[i].verdict++
		}
	}
}

// fromFamily reports whether one of the finding's fields is of the family.
func fromFamily(fd filtering.Finding, fam family) bool {
	for _, f := range fd.Fields {
		if fam.has(f.Key) {
			return true
		}
	}
	return false
}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100*float64(a)/float64(b))
}

func (st stats) print(w io.Writer) {
	fmt.Fprintf(w, "%d messages\n\n", st.messages)
	fmt.Fprintln(w, "| fields | messages | engine named | engine with a verdict or score |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for i, fam := range families {
		c := st.fam[i]
		fmt.Fprintf(w, "| %s | %d | %d (%s) | %d (%s) |\n", fam.label, c.messages, c.named, pct(c.named, c.messages), c.verdict, pct(c.verdict, c.messages))
	}
	fmt.Fprintf(w, "\nAuthentication-Results fields: %d; read by authres as written %d (%s), after removing comments or supplying the missing authserv-id %d (%s); read in all %s\n",
		st.arFields, st.arDirect, pct(st.arDirect, st.arFields), st.arNormal, pct(st.arNormal, st.arFields), pct(st.arDirect+st.arNormal, st.arFields))
}
