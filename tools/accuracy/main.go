// Command accuracy measures received.Parse against the real-mail
// corpus and SpamAssassin's parse of it (the "oracle").
//
// Usage:
//
//	go run ./tools/accuracy [-corpus DIR] [-v] [-fail-under]
//
// DIR is laid out like ../shared/corpus: dev-messages.tar.gz (read as a
// stream, never extracted), oracle-spamassassin.jsonl.gz and
// suites/spamassassin_rcvd_parser.jsonl. When DIR or its files are absent the
// command says so and exits 0.
//
// For every Received field SpamAssassin parsed into a relay, the field with
// the same index is parsed here and counted as matched when the client IP is
// the same and the by-host is the same (case-insensitive, trailing dot
// dropped). When SpamAssassin's by is not a host name ("!Postfix!", empty)
// the IP alone counts. Fields where SpamAssassin is wrong by a rule listed in
// disputeReason are counted separately as "disputed".
//
// For the rcvd_parser suite (cases with status "parsed"), ip, rdns, helo and
// by are compared after this normalisation:
//   - names: case-insensitive, trailing dot dropped;
//   - helo: SpamAssassin writes an address-literal HELO as "!1.2.3.4!", the
//     parser keeps it as written ("[1.2.3.4]"): brackets, "!" and "IPv6:" are
//     dropped on both sides; when SpamAssassin leaves helo empty and ours is
//     the client address itself, it counts as the same (no information).
//
// -fail-under makes the command exit 1 when a floor is not met: 98% of
// SpamAssassin's relays overall, 95% in every source with 100 or more relays,
// 95% of the suite's parsed cases on all four fields.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/mailroute/mailroute/internal/corpus"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/emersion/go-message/textproto"

	"github.com/mailroute/mailroute/analyzer/received"
)

// Floors checked by -fail-under.
const (
	floorOverall   = 98.0
	floorPerSource = 95.0
	floorMinRelays = 100
	floorSuite     = 95.0
)

// headerCap bounds the bytes read for one message's header section.
const headerCap = 1 << 20

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	fl.SetOutput(stderr)
	corpus := fl.String("corpus", "../shared/corpus", "corpus directory")
	verbose := fl.Bool("v", false, "list mismatches")
	failUnder := fl.Bool("fail-under", false, "exit 1 when a floor is not met")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	tarPath := path.Join(*corpus, "dev-messages.tar.gz")
	oraclePath := path.Join(*corpus, "oracle-spamassassin.jsonl.gz")
	if !exists(tarPath) || !exists(oraclePath) {
		fmt.Fprintf(stdout, "accuracy: corpus not found at %s, skipping\n", *corpus)
		return 0
	}
	rep, err := measure(*corpus, stdout, *verbose)
	if err != nil {
		fmt.Fprintf(stderr, "accuracy: error: %v\n", err)
		return 2
	}
	rep.print(stdout)
	if *failUnder {
		if fails := rep.floorFailures(); len(fails) > 0 {
			for _, f := range fails {
				fmt.Fprintf(stderr, "accuracy: below floor: %s\n", f)
			}
			return 1
		}
	}
	return 0
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// counts is one row of the corpus table.
type counts struct {
	Fields    int // Received fields read
	Parsed    int // fields received.Parse marked Parsed
	SARelays  int // fields SpamAssassin parsed into a relay
	Matched   int // of those, same ip and by here
	Disputed  int // of those, where SpamAssassin is judged wrong (not in Matched)
	Missing   int // SpamAssassin relay index beyond our fields (header reading differs)
	Messages  int
	NoOracle  int
	ReadError int
}

// rawPct counts disputed relays as mismatches.
func (c counts) rawPct() float64 {
	if c.SARelays == 0 {
		return 100
	}
	return 100 * float64(c.Matched) / float64(c.SARelays)
}

func (c counts) pct() float64 {
	den := c.SARelays - c.Disputed
	if den <= 0 {
		return 100
	}
	return 100 * float64(c.Matched) / float64(den)
}

// suiteCounts is the result on the rcvd_parser suite.
type suiteCounts struct {
	Cases                   int // status parsed
	IP, RDNS, HELO, By, All int
}

func (s suiteCounts) pct() float64 {
	if s.Cases == 0 {
		return 100
	}
	return 100 * float64(s.All) / float64(s.Cases)
}

type report struct {
	sources  map[string]*counts
	total    counts
	suite    suiteCounts
	hasSuite bool
}

// oracleMsg is one line of oracle-spamassassin.jsonl.
type oracleMsg struct {
	File    string         `json:"file"`
	Headers []oracleHeader `json:"headers"`
}

type oracleHeader struct {
	I      int          `json:"i"`
	Status string       `json:"status"`
	Fields oracleFields `json:"fields"`
}

type oracleFields struct {
	IP   string `json:"ip"`
	RDNS string `json:"rdns"`
	HELO string `json:"helo"`
	By   string `json:"by"`
}

func measure(corpus string, out io.Writer, verbose bool) (*report, error) {
	oracle, err := readOracle(path.Join(corpus, "oracle-spamassassin.jsonl.gz"))
	if err != nil {
		return nil, err
	}
	rep := &report{sources: map[string]*counts{}}
	f, err := os.Open(path.Join(corpus, "dev-messages.tar.gz"))
	if err != nil {
		return nil, fmt.Errorf("open messages: %w", err)
	}
	defer f.Close()
	if err := rep.corpus(f, oracle, out, verbose); err != nil {
		return nil, err
	}
	suitePath := path.Join(corpus, "suites", "spamassassin_rcvd_parser.jsonl")
	if sf, err := os.Open(suitePath); err == nil {
		defer sf.Close()
		rep.hasSuite = true
		if err := rep.runSuite(sf, out, verbose); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("open suite: %w", err)
	}
	return rep, nil
}

func readOracle(p string) (map[string]oracleMsg, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open oracle: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read oracle %s: %w", p, err)
	}
	m := map[string]oracleMsg{}
	dec := json.NewDecoder(zr)
	for {
		var o oracleMsg
		if err := dec.Decode(&o); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("read oracle %s: %w", p, err)
		}
		m[o.File] = o
	}
	return m, nil
}

// sourceOf is "owner/repo" from "messages/owner+repo/name.eml".
func sourceOf(name string) string {
	name = strings.TrimPrefix(name, "./")
	name = strings.TrimPrefix(name, "messages/")
	dir, _, _ := strings.Cut(name, "/")
	return strings.Replace(dir, "+", "/", 1)
}

func (rep *report) corpus(r io.Reader, oracle map[string]oracleMsg, out io.Writer, verbose bool) error {
	err := corpus.Each(r, func(name string, msg io.Reader) error {
		src := sourceOf(name)
		c := rep.sources[src]
		if c == nil {
			c = &counts{}
			rep.sources[src] = c
		}
		c.Messages++
		values, err := receivedValues(msg)
		if err != nil {
			c.ReadError++
		}
		parsed := make([]received.Received, len(values))
		for i, v := range values {
			parsed[i] = received.Parse(v)
			parsed[i].Index = i
			c.Fields++
			if parsed[i].Parsed {
				c.Parsed++
			}
		}
		o, ok := oracle[name]
		if !ok {
			c.NoOracle++
			return nil
		}
		for _, h := range o.Headers {
			if h.Status != "parsed" {
				continue
			}
			c.SARelays++
			if h.I >= len(parsed) {
				c.Missing++
				if verbose {
					fmt.Fprintf(out, "MISSING %s #%d: only %d fields read\n", name, h.I, len(parsed))
				}
				continue
			}
			got := parsed[h.I]
			if relayMatches(h.Fields, got) {
				c.Matched++
				continue
			}
			if why := disputeReason(h.Fields, got); why != "" {
				c.Disputed++
				if verbose {
					fmt.Fprintf(out, "DISPUTED %s #%d: %s\n  %s\n", name, h.I, why, got.Raw)
				}
				continue
			}
			if verbose {
				fmt.Fprintf(out, "MISMATCH %s #%d: sa ip=%q by=%q | ours ip=%q by=%q\n  %s\n",
					name, h.I, h.Fields.IP, h.Fields.By, addrString(got.FromIP), got.By, got.Raw)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range rep.sources {
		rep.total.add(*c)
	}
	return nil
}

func (c *counts) add(o counts) {
	c.Fields += o.Fields
	c.Parsed += o.Parsed
	c.SARelays += o.SARelays
	c.Matched += o.Matched
	c.Disputed += o.Disputed
	c.Missing += o.Missing
	c.Messages += o.Messages
	c.NoOracle += o.NoOracle
	c.ReadError += o.ReadError
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// receivedValues reads the header section of one message and returns its
// Received values, topmost first, unfolded.
func receivedValues(r io.Reader) ([]string, error) {
	buf, err := io.ReadAll(io.LimitReader(r, headerCap))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	// Messages stored with CR-only line ends: bufio reads lines at LF.
	if bytes.IndexByte(buf, '\n') < 0 && bytes.IndexByte(buf, '\r') >= 0 {
		buf = bytes.ReplaceAll(buf, []byte{'\r'}, []byte{'\n'})
	}
	// An mbox "From " separator line before the header section.
	if bytes.HasPrefix(buf, []byte("From ")) {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(buf)))
	vals := h.Values("Received")
	for i, v := range vals {
		vals[i] = unfold(v)
	}
	if err != nil {
		return vals, fmt.Errorf("read header: %w", err)
	}
	return vals, nil
}

// unfold removes CR and LF of folded lines (RFC 5322 2.2.3) and trims.
func unfold(v string) string {
	if strings.ContainsAny(v, "\r\n") {
		var b strings.Builder
		b.Grow(len(v))
		for i := 0; i < len(v); i++ {
			if v[i] != '\r' && v[i] != '\n' {
				b.WriteByte(v[i])
			}
		}
		v = b.String()
	}
	return strings.TrimSpace(v)
}

// normName is a host name for comparison.
func normName(s string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
}

// isHostName reports whether SpamAssassin's by value is a host name (not
// "!Postfix!", "" or ":").
func isHostName(s string) bool {
	if s == "" {
		return false
	}
	hasAlnum := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			hasAlnum = true
		case c == '.', c == '-', c == '_', c == ':':
		default:
			return false
		}
	}
	return hasAlnum
}

func sameIP(sa string, ours netip.Addr) bool {
	a, err := netip.ParseAddr(strings.Trim(sa, "[]"))
	if err != nil {
		return sa == "" && !ours.IsValid()
	}
	return ours.IsValid() && a.Unmap() == ours.Unmap()
}

func relayMatches(sa oracleFields, got received.Received) bool {
	if !sameIP(sa.IP, got.FromIP) {
		return false
	}
	if !isHostName(sa.By) {
		return true
	}
	return normName(sa.By) == normName(got.By)
}

// disputeReason says why SpamAssassin's relay is judged wrong, or "". The
// rules, each checked on the raw field:
//   - SpamAssassin's address is the client's HELO argument ("helo=[x]",
//     "(HELO [x])", "from [x] ([ip] name)") while the field states another
//     connecting address, which the parser took;
//   - SpamAssassin's by-host follows a second "by" keyword (Microsoft
//     "with MailboxResubmission by AntispamTT": an agent, not the host);
//   - SpamAssassin's address does not occur in the from part of the field
//     (it took it from the by, with, id or for clause or the date).
func disputeReason(sa oracleFields, got received.Received) string {
	if sa.IP == "" {
		return ""
	}
	if got.FromIP.IsValid() {
		if h, err := netip.ParseAddr(normHELO(got.FromHELO)); err == nil && sameIP(sa.IP, h) && h != got.FromIP {
			return fmt.Sprintf("SpamAssassin's ip %s is the HELO argument; the connecting address is %s", sa.IP, got.FromIP)
		}
	}
	if sameIP(sa.IP, got.FromIP) && isHostName(sa.By) && got.By != "" {
		low := strings.ToLower(got.Raw)
		if i := strings.Index(low, " by "+normName(sa.By)); i >= 0 && strings.Count(low[:i+1], " by ") >= 1 {
			return fmt.Sprintf("SpamAssassin's by %q follows a second \"by\"; the receiving host is %s", sa.By, got.By)
		}
	}
	from := fromPart(got.Raw)
	if strings.Contains(strings.ToLower(from), strings.ToLower(sa.IP)) {
		return ""
	}
	if !strings.Contains(strings.ToLower(got.Raw), strings.ToLower(sa.IP)) {
		return ""
	}
	return fmt.Sprintf("SpamAssassin's ip %s is not in the from part but later in the field (ours %s)", sa.IP, addrString(got.FromIP))
}

// fromPart is the text before the first " by " keyword outside comments.
func fromPart(raw string) string {
	depth := 0
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case 'b', 'B':
			if depth == 0 && i+3 <= len(raw) && strings.EqualFold(raw[i:i+2], "by") &&
				(i == 0 || raw[i-1] == ' ' || raw[i-1] == '\t' || raw[i-1] == ')') &&
				(i+2 == len(raw) || raw[i+2] == ' ' || raw[i+2] == '\t') {
				return raw[:i]
			}
		}
	}
	return raw
}

// suiteCase is one line of spamassassin_rcvd_parser.jsonl.
type suiteCase struct {
	Case     int          `json:"case"`
	Status   string       `json:"status"`
	Received string       `json:"received"`
	Expect   oracleFields `json:"expect"`
}

func (rep *report) runSuite(r io.Reader, out io.Writer, verbose bool) error {
	dec := json.NewDecoder(r)
	for {
		var sc suiteCase
		if err := dec.Decode(&sc); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("read suite: %w", err)
		}
		if sc.Status != "parsed" {
			continue
		}
		got := received.Parse(sc.Received)
		s := &rep.suite
		s.Cases++
		ipOK := sameIP(sc.Expect.IP, got.FromIP)
		rdnsOK := normName(sc.Expect.RDNS) == normName(got.FromRDNS)
		heloOK := sameHELO(sc.Expect.HELO, got)
		byOK := normName(sc.Expect.By) == normName(got.By)
		if ipOK {
			s.IP++
		}
		if rdnsOK {
			s.RDNS++
		}
		if heloOK {
			s.HELO++
		}
		if byOK {
			s.By++
		}
		if ipOK && rdnsOK && heloOK && byOK {
			s.All++
		} else if verbose {
			fmt.Fprintf(out, "SUITE case %d: sa ip=%q rdns=%q helo=%q by=%q | ours ip=%q rdns=%q helo=%q by=%q\n  %s\n",
				sc.Case, sc.Expect.IP, sc.Expect.RDNS, sc.Expect.HELO, sc.Expect.By,
				addrString(got.FromIP), got.FromRDNS, got.FromHELO, got.By, sc.Received)
		}
	}
	return nil
}

// normHELO drops the marks SpamAssassin and MTAs put around address literals.
func normHELO(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, "!")
	s = strings.TrimPrefix(strings.TrimSuffix(s, "]"), "[")
	if len(s) > 5 && strings.EqualFold(s[:5], "IPv6:") {
		s = s[5:]
	}
	return normName(s)
}

func sameHELO(sa string, got received.Received) bool {
	if normHELO(sa) == normHELO(got.FromHELO) {
		return true
	}
	if sa == "" && got.FromIP.IsValid() {
		if a, err := netip.ParseAddr(normHELO(got.FromHELO)); err == nil && a.Unmap() == got.FromIP {
			return true
		}
	}
	return false
}

func (rep *report) print(w io.Writer) {
	names := make([]string, 0, len(rep.sources))
	for n := range rep.sources {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "source\tmessages\treceived\tparsed\tnot parsed\tSA relays\tmatched\tdisputed\tmatch %\tincl. disputed %\t")
	row := func(name string, c counts) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.2f\t\n", name, c.Messages, c.Fields, c.Parsed,
			c.Fields-c.Parsed, c.SARelays, c.Matched, c.Disputed, c.pct(), c.rawPct())
	}
	for _, n := range names {
		row(n, *rep.sources[n])
	}
	row("overall", rep.total)
	tw.Flush()
	if rep.total.Missing > 0 || rep.total.NoOracle > 0 || rep.total.ReadError > 0 {
		fmt.Fprintf(w, "\nnotes: %d SA relays beyond the fields read, %d messages without oracle line, %d header read errors\n",
			rep.total.Missing, rep.total.NoOracle, rep.total.ReadError)
	}
	if rep.hasSuite {
		s := rep.suite
		fmt.Fprintf(w, "\nspamassassin_rcvd_parser (status parsed): %d cases; ip %d, rdns %d, helo %d, by %d; all four %d (%.2f%%)\n",
			s.Cases, s.IP, s.RDNS, s.HELO, s.By, s.All, s.pct())
	}
	verdict := "floors met"
	if f := rep.floorFailures(); len(f) > 0 {
		verdict = "below floor: " + strings.Join(f, "; ")
	}
	fmt.Fprintf(w, "\nsummary: %d/%d SpamAssassin relays matched (%.2f%%, %d disputed excluded; %d/%d = %.2f%% counting them as mismatches); %s\n",
		rep.total.Matched, rep.total.SARelays-rep.total.Disputed, rep.total.pct(), rep.total.Disputed,
		rep.total.Matched, rep.total.SARelays, rep.total.rawPct(), verdict)
}

// floorFailures lists the floors not met.
func (rep *report) floorFailures() []string {
	var out []string
	if rep.total.pct() < floorOverall {
		out = append(out, fmt.Sprintf("overall %.2f%% < %.0f%%", rep.total.pct(), floorOverall))
	}
	names := make([]string, 0, len(rep.sources))
	for n := range rep.sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := rep.sources[n]
		if c.SARelays >= floorMinRelays && c.pct() < floorPerSource {
			out = append(out, fmt.Sprintf("%s %.2f%% < %.0f%%", n, c.pct(), floorPerSource))
		}
	}
	if rep.hasSuite && rep.suite.pct() < floorSuite {
		out = append(out, fmt.Sprintf("rcvd_parser suite %.2f%% < %.0f%%", rep.suite.pct(), floorSuite))
	}
	return out
}
