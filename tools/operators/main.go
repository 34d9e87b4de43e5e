// Command operators measures, on a corpus laid out like ../shared/corpus,
// how often one company is split into several organisations in a message's
// path, before and after organisations are named by the operators table
// (package operator), and the share of relay nodes the table names an
// operator for.
//
// Usage:
//
//	go run ./tools/operators [-corpus DIR] [-top N]
//
// DIR holds dev-messages.tar.gz, read as a stream and never extracted.
// When it is absent the command says so and exits 0.
//
// A message splits a company when two or more of its nodes belong to that
// company (by the operators table: the node's AS number, else its host
// name) and the nodes' organisations are not all the same string. "Before"
// is the organisation the analyser gives without the table (the AS
// organisation or the registrable domain of the host name); "after" is the
// one it gives with the table.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"github.com/mailroute/mailroute/internal/corpus"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/operator"
)

// headerCap bounds the bytes read for one message's header section.
const headerCap = 1 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("operators", flag.ContinueOnError)
	fl.SetOutput(stderr)
	corpus := fl.String("corpus", "../shared/corpus", "corpus directory")
	top := fl.Int("top", 10, "companies listed by split messages")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	tarPath := path.Join(*corpus, "dev-messages.tar.gz")
	f, err := os.Open(tarPath)
	if err != nil {
		fmt.Fprintf(stdout, "operators: corpus not found at %s, skipping\n", *corpus)
		return 0
	}
	defer f.Close()
	tab, err := operator.Builtin()
	if err != nil {
		fmt.Fprintf(stderr, "operators: error: %v\n", err)
		return 2
	}
	st, err := measure(context.Background(), f, tab)
	if err != nil {
		fmt.Fprintf(stderr, "operators: error: %v\n", err)
		return 2
	}
	st.print(stdout, tab, *top)
	return 0
}

// stats is what measure counts.
type stats struct {
	Messages, Failed int
	SplitBefore      int            // messages that split some company, before
	SplitAfter       int            // ... after
	CompanyBefore    map[string]int // company -> messages split, before
	CompanyAfter     map[string]int
	OrgsBefore       int // organisations summed over messages, before
	OrgsAfter        int
	Relays           int // nodes other than the origin
	RelaysNamed      int // of those, with an operator from the table
	Public           int // relays not internal and with an organisation (AS or registrable domain)
	PublicNamed      int
	Intermediaries   map[string]int // party kind -> messages with an intermediary of that kind
	WithIntermediary int            // messages with any intermediary party
}

// measure reads the tar.gz corpus from r and analyses every .eml in it
// twice: without and with the operators table.
func measure(ctx context.Context, r io.Reader, tab *operator.Table) (*stats, error) {
	st := &stats{CompanyBefore: map[string]int{}, CompanyAfter: map[string]int{}, Intermediaries: map[string]int{}}
	err := corpus.Each(r, func(name string, msg io.Reader) error {
		h, err := analyzer.ReadHeader(msg, headerCap)
		if err != nil {
			st.Failed++
			return nil
		}
		before := analyzer.Analyze(ctx, h, name, analyzer.Options{})
		if before.Error != "" {
			st.Failed++
			return nil
		}
		st.Messages++
		after := analyzer.Analyze(ctx, h, name, analyzer.Options{Operators: tab})
		st.count(before, after, tab)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// nodeOperator is the operator of a node by the table: its AS number, else
// its host name.
func nodeOperator(n analyzer.Node, tab *operator.Table) (operator.Operator, bool) {
	if n.Location.ASN != 0 {
		if op, ok := tab.ASN(n.Location.ASN); ok {
			return op, true
		}
	}
	return tab.Host(n.Name)
}

func (st *stats) count(before, after analyzer.Result, tab *operator.Table) {
	sb := splits(before, tab)
	sa := splits(after, tab)
	if len(sb) > 0 {
		st.SplitBefore++
	}
	if len(sa) > 0 {
		st.SplitAfter++
	}
	for _, c := range sb {
		st.CompanyBefore[c]++
	}
	for _, c := range sa {
		st.CompanyAfter[c]++
	}
	kinds := map[string]bool{}
	for _, p := range after.Parties {
		if p.Side == analyzer.SideIntermediary {
			kinds[p.Kind] = true
		}
	}
	if len(kinds) > 0 {
		st.WithIntermediary++
	}
	for k := range kinds {
		st.Intermediaries[k]++
	}
	st.OrgsBefore += distinctOrgs(before)
	st.OrgsAfter += distinctOrgs(after)
	for _, n := range after.Nodes {
		if n.Role == analyzer.RoleOrigin {
			continue
		}
		named := n.Operator != nil
		st.Relays++
		if named {
			st.RelaysNamed++
		}
		if n.Organisation != "" && !n.Internal {
			st.Public++
			if named {
				st.PublicNamed++
			}
		}
	}
}

// splits returns the companies whose nodes in res carry more than one
// organisation name, sorted.
func splits(res analyzer.Result, tab *operator.Table) []string {
	orgs := map[string]map[string]bool{} // company -> organisations
	for _, n := range res.Nodes {
		op, ok := nodeOperator(n, tab)
		if !ok || n.Organisation == "" {
			continue
		}
		if orgs[op.Name] == nil {
			orgs[op.Name] = map[string]bool{}
		}
		orgs[op.Name][n.Organisation] = true
	}
	var out []string
	for c, o := range orgs {
		if len(o) > 1 {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func distinctOrgs(res analyzer.Result) int {
	seen := map[string]bool{}
	for _, n := range res.Nodes {
		if n.Organisation != "" {
			seen[n.Organisation] = true
		}
	}
	return len(seen)
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

func (st *stats) print(w io.Writer, tab *operator.Table, top int) {
	fmt.Fprintf(w, "operators table dated %s, %d rules\n", tab.Date(), len(tab.Rules()))
	fmt.Fprintf(w, "messages analysed: %d (%d could not be)\n", st.Messages, st.Failed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tbefore\tafter")
	fmt.Fprintf(tw, "messages splitting one company into several organisations\t%d (%.2f%%)\t%d (%.2f%%)\n",
		st.SplitBefore, pct(st.SplitBefore, st.Messages), st.SplitAfter, pct(st.SplitAfter, st.Messages))
	fmt.Fprintf(tw, "organisations per message (mean)\t%.2f\t%.2f\n",
		float64(st.OrgsBefore)/float64(max(st.Messages, 1)), float64(st.OrgsAfter)/float64(max(st.Messages, 1)))
	tw.Flush()
	fmt.Fprintf(w, "relay nodes with an operator: %d of %d (%.2f%%); of those with an organisation (public, named or AS): %d of %d (%.2f%%)\n",
		st.RelaysNamed, st.Relays, pct(st.RelaysNamed, st.Relays), st.PublicNamed, st.Public, pct(st.PublicNamed, st.Public))
	var ks []string
	for k := range st.Intermediaries {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	fmt.Fprintf(w, "messages with an intermediary party: %d (%.2f%%)", st.WithIntermediary, pct(st.WithIntermediary, st.Messages))
	for i, k := range ks {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(w, "%s%s %d", sep, k, st.Intermediaries[k])
	}
	fmt.Fprintln(w)
	type kv struct {
		name   string
		before int
	}
	var cs []kv
	for c, n := range st.CompanyBefore {
		cs = append(cs, kv{c, n})
	}
	slices.SortFunc(cs, func(a, b kv) int { return cmp.Or(cmp.Compare(b.before, a.before), strings.Compare(a.name, b.name)) })
	if len(cs) > 0 {
		fmt.Fprintln(w, "split messages by company (before -> after):")
		for i, c := range cs {
			if i >= top {
				break
			}
			fmt.Fprintf(w, "  %-20s %6d -> %d\n", c.name, c.before, st.CompanyAfter[c.name])
		}
	}
}
