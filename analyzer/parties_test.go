package analyzer

import (
	"bytes"
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailroute/mailroute/jurisdiction"
	"github.com/mailroute/mailroute/operator"
)

func operators(t *testing.T) *operator.Table {
	t.Helper()
	tab, err := operator.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// pathFrom is path with the sender's From domain set.
func pathFrom(t *testing.T, opts Options, from string, bottomFirst ...Received) Result {
	t.Helper()
	res := newResult("test")
	res.FromDomain = from
	for i := len(bottomFirst) - 1; i >= 0; i-- {
		rc := bottomFirst[i]
		rc.Index = len(res.Received)
		res.Received = append(res.Received, rc)
	}
	res.buildPath(context.Background(), opts.withDefaults())
	return res
}

func TestNameOrganisation(t *testing.T) {
	tab := operators(t)
	loc := &fakeLocator{locs: map[netip.Addr]Location{
		ip("209.85.221.54"):  {Country: "US", ASN: 15169, ASOrg: "GOOGLE"},
		ip("185.67.36.66"):   {Country: "DE", ASN: 64500, ASOrg: "Posteo e.K."}, // an AS the table does not know
		ip("185.234.219.47"): {Country: "PL", ASN: 64501, ASOrg: "EVIL HOSTING"},
		ip("82.195.75.100"):  {Country: "DE", ASN: 8365, ASOrg: "MANDA-AS"},
	}}
	tests := []struct {
		host, addr string
		ops        bool
		org, src   string
		op         *NodeOperator
		note       string
		hostRole   string
	}{
		{"mail-sor-f41.google.com", "192.0.2.1", true, "Google", OrgSourceTable, &NodeOperator{"Google", "US", "mailbox"}, "", ""},
		{"mail-sor-f41.google.com", "192.0.2.1", false, "google.com", OrgSourceDomain, nil, "", ""},
		{"mail-wr1-f54.google.com", "209.85.221.54", true, "Google", OrgSourceASN, &NodeOperator{"Google", "US", "mailbox"}, "", ""},
		{"mail-wr1-f54.google.com", "209.85.221.54", false, "GOOGLE", OrgSourceASN, nil, "", ""},
		{"mout02.posteo.de", "185.67.36.66", true, "Posteo", OrgSourceASN, &NodeOperator{"Posteo", "DE", "mailbox"}, "", ""},
		// A host name the ASN data contradicts: the AS organisation wins.
		{"mail.google.com", "185.234.219.47", true, "EVIL HOSTING", OrgSourceASN, nil, "points to Google", "mailbox"},
		// A list host in a hosting network: the network's operator, the list's role.
		{"bendel.debian.org", "82.195.75.100", true, "man-da.de", OrgSourceASN, &NodeOperator{"man-da.de", "DE", "hosting"}, "points to Debian", "list"},
		{"host.example.org", "192.0.2.1", true, "example.org", OrgSourceDomain, nil, "", ""},
	}
	for _, tt := range tests {
		opts := Options{Locator: loc}
		if tt.ops {
			opts.Operators = tab
		}
		res := path(t, opts, relay(tt.host, tt.addr, "mx.example.net", "ESMTPS", EncryptionYes, ""))
		n := res.Nodes[0]
		if n.Organisation != tt.org || n.OrgSource != tt.src || !cmp.Equal(n.Operator, tt.op) || n.hostRole != tt.hostRole {
			t.Errorf("%s %s (table %v): organisation %q (%s), operator %+v, host role %q; want %q (%s), %+v, %q",
				tt.host, tt.addr, tt.ops, n.Organisation, n.OrgSource, n.Operator, n.hostRole, tt.org, tt.src, tt.op, tt.hostRole)
		}
		if got := strings.Join(n.Notes, "; "); tt.note != "" && !strings.Contains(got, tt.note) || tt.note == "" && strings.Contains(got, "points to") {
			t.Errorf("%s %s: notes %q, want %q", tt.host, tt.addr, got, tt.note)
		}
	}
}

// partyLine is a party in short: side/kind/operator/nodes/in/out.
func partyLine(p Party) string {
	enc := func(e *Encryption) string {
		if e == nil {
			return "-"
		}
		return string(*e)
	}
	nodes := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		nodes[i] = string(rune('0' + n))
	}
	return string(p.Side) + "/" + p.Kind + "/" + p.Operator + "/" + strings.Join(nodes, ",") + "/" + enc(p.EncryptionIn) + ">" + enc(p.EncryptionOut) + "/" + string(p.Jurisdiction)
}

func TestParties(t *testing.T) {
	tab := operators(t)
	loc := &fakeLocator{locs: map[netip.Addr]Location{
		ip("198.51.100.7"):  {Country: "DE"},
		ip("209.85.219.63"): {Country: "US", ASN: 15169, ASOrg: "GOOGLE"},
		ip("209.85.218.45"): {Country: "US", ASN: 15169, ASOrg: "GOOGLE"},
		ip("212.227.17.21"): {Country: "DE", ASN: 8560, ASOrg: "IONOS SE"},
	}}
	opts := Options{Operators: tab, Locator: loc}
	yes, no := EncryptionYes, EncryptionNo
	tests := []struct {
		name   string
		from   string
		fields []Received
		want   []string
	}{
		{"list between two providers", "gmx.de", []Received{
			relay("dsl.example.net", "198.51.100.7", "mail.gmx.net", "ESMTPSA", yes, ""),
			relay("mout.gmx.net", "212.227.17.21", "gmr-mx.google.com", "ESMTPS", yes, ""),
			relay("mail-qv1-f63.googlegroups.com", "209.85.219.63", "mx01.posteo.de", "ESMTPS", yes, ""),
			relay("mx01.posteo.de", "10.0.0.61", "proxy01.posteo.de", "ESMTPS", yes, ""),
		}, []string{
			"sender/client/example.net/0/->yes/home",
			"sender/provider/United Internet/1/yes>yes/home",
			"intermediary/list/Google/2/yes>yes/third-country",
			"recipient/provider/Posteo/3,4/yes>-/unknown", // an internal node and an unlocated one
		}},
		{"security gateway, plaintext into the recipient", "gmail.com", []Received{
			relay("dsl.example.net", "198.51.100.7", "smtp.gmail.com", "ESMTPSA", yes, ""),
			relay("mail-ej1-f45.google.com", "209.85.218.45", "mx0b-00412a01.pphosted.com", "ESMTPS", yes, ""),
			relay("mx0b-00412a01.pphosted.com", "148.163.153.141", "mx.example-corp.de", "ESMTP", no, ""),
		}, []string{
			"sender/client/example.net/0/->yes/home",
			"sender/provider/Google/1/yes>yes/third-country",
			"intermediary/gateway/Proofpoint/2/yes>no/unknown",
			"recipient/provider/example-corp.de/3/no>-/unknown",
		}},
		{"one provider both sides", "gmail.com", []Received{
			relay("dsl.example.net", "198.51.100.7", "smtp.gmail.com", "ESMTPSA", yes, ""),
			relay("mail-ej1-f45.google.com", "209.85.218.45", "mx.google.com", "ESMTPS", yes, ""),
		}, []string{
			"sender/client/example.net/0/->yes/home",
			"both/provider/Google/1,2/yes>-/third-country",
		}},
		{"a client straight to the recipient's provider", "example.net", []Received{
			relay("dsl.example.net", "198.51.100.7", "mx.google.com", "ESMTPS", yes, ""),
		}, []string{
			"sender/client/example.net/0/->yes/home",
			"recipient/provider/Google/1/yes>-/unknown",
		}},
		{"the provider's own origin is no client", "gmx.de", []Received{
			relay("mail.gmx.net", "212.227.17.21", "mx01.posteo.de", "ESMTPS", yes, ""),
		}, []string{
			"sender/provider/United Internet/0/->yes/home",
			"recipient/provider/Posteo/1/yes>-/unknown",
		}},
	}
	for _, tt := range tests {
		res := pathFrom(t, opts, tt.from, tt.fields...)
		var got []string
		for _, p := range res.Parties {
			got = append(got, partyLine(p))
			if p.Machines != len(p.Nodes) {
				t.Errorf("%s: party %+v: machines %d for %d nodes", tt.name, p, p.Machines, len(p.Nodes))
			}
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: parties (-want +got):\n%s\nnodes %v", tt.name, diff, nodeNames(res))
		}
	}
}

func TestPartiesOperatorJurisdiction(t *testing.T) {
	home, err := jurisdiction.ParseHome("DE")
	if err != nil {
		t.Fatal(err)
	}
	loc := &fakeLocator{locs: map[netip.Addr]Location{ip("209.85.218.45"): {Country: "IE"}}}
	res := pathFrom(t, Options{Operators: operators(t), Locator: loc, Home: home}, "gmail.com",
		relay("mail-ej1-f45.google.com", "209.85.218.45", "mx.example.de", "ESMTPS", EncryptionYes, ""))
	p := res.Parties[0]
	if p.Operator != "Google" || p.OperatorCountry != "US" || p.OperatorJurisdiction != jurisdiction.ClassThird || p.Jurisdiction != jurisdiction.ClassEUEEA {
		t.Errorf("party %+v: want Google, US, third-country, machines eu-eea", p)
	}
}

func TestPartiesEmpty(t *testing.T) {
	res := newResult("x")
	res.parties(Options{}.withDefaults())
	if res.Parties == nil || len(res.Parties) != 0 {
		t.Errorf("parties of an empty path: %#v, want []", res.Parties)
	}
}

// BenchmarkAnalyzeOperators is BenchmarkAnalyze with the operators table:
// the cost of naming every node's operator and grouping the parties.
func BenchmarkAnalyzeOperators(b *testing.B) {
	tab, err := operator.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	var hdrs [][]byte
	var total int64
	for _, m := range seedMessages(b) {
		h, err := ReadHeader(bytes.NewReader(m), 0)
		if err != nil {
			b.Fatal(err)
		}
		hdrs = append(hdrs, h)
		total += int64(len(h))
	}
	b.SetBytes(total / int64(len(hdrs)))
	b.ReportAllocs()
	opts := Options{Operators: tab}.withDefaults()
	i := 0
	for b.Loop() {
		Analyze(context.Background(), hdrs[i%len(hdrs)], "bench", opts)
		i++
	}
}

// FuzzParties analyses arbitrary headers with the operators table and
// checks that the parties cover every node once, in path order.
func FuzzParties(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
	f.Add([]byte("Received: from a.google.com ([192.0.2.1]) by b.pphosted.com; \nReceived: from [10.0.0.1] by a.google.com;\n\n"))
	tab, err := operator.Builtin()
	if err != nil {
		f.Fatal(err)
	}
	// A result of a long trace, whose memory AnalyzeInto reuses, with
	// operators and countries, as the scan's results have them.
	seeds := seedHeaders(f)
	big := seeds[len(seeds)/2]
	located := Options{Operators: tab, Locator: spreadLocator{}}
	f.Fuzz(func(t *testing.T, msg []byte) {
		hdr, _ := ReadHeader(bytes.NewReader(msg), 1<<16)
		want := Analyze(context.Background(), hdr, "fuzz", located)
		reused := Analyze(context.Background(), big, "big", located)
		AnalyzeInto(context.Background(), hdr, "fuzz", located, &reused)
		if diff := cmp.Diff(want, reused, allFields); diff != "" {
			t.Fatalf("AnalyzeInto a reused result differs (-Analyze +AnalyzeInto):\n%s", diff)
		}
		res := Analyze(context.Background(), hdr, "fuzz", Options{Operators: tab})
		if res.Parties == nil {
			t.Fatal("parties is nil")
		}
		next := 0
		for _, p := range res.Parties {
			if len(p.Nodes) == 0 || p.Machines != len(p.Nodes) || p.Countries == nil {
				t.Fatalf("party %+v", p)
			}
			for _, n := range p.Nodes {
				if n != next {
					t.Fatalf("party nodes %v, want node %d next (of %d)", p.Nodes, next, len(res.Nodes))
				}
				next++
			}
		}
		if next != len(res.Nodes) {
			t.Fatalf("parties cover %d of %d nodes", next, len(res.Nodes))
		}
		if n := maxNodes(res.Received); len(res.Nodes) > n {
			t.Fatalf("%d nodes, maxNodes says at most %d", len(res.Nodes), n)
		}
		// The memoised look-ups answer as the table does.
		for i := range res.Nodes {
			n := &res.Nodes[i]
			if n.OrgSource != OrgSourceTable {
				continue
			}
			if op, ok := tab.Host(n.Name); !ok || n.Operator == nil || op.Name != n.Operator.Name || string(op.Role) != n.Operator.Role {
				t.Fatalf("node %q: operator %+v, the table says %+v, %v", n.Name, n.Operator, op, ok)
			}
		}
	})
}

// TestByFromSameCompany: a hand-over between two host names of one company
// under different registrable domains is no by-from mismatch when the
// operators table names the company (Alibaba's smtp.aliyun-inc.com and
// out28-134.mail.aliyun.com), and still one without the table.
func TestByFromSameCompany(t *testing.T) {
	fields := []Received{
		relay("dsl.example.net", "198.51.100.7", "smtp.aliyun-inc.com", "ESMTPSA", EncryptionYes, ""),
		relay("out28-134.mail.aliyun.com", "115.124.28.134", "mx.example.org", "ESMTPS", EncryptionYes, ""),
	}
	if got := flagCodes(path(t, Options{}, fields...)); !slices.Contains(got, "by-from-mismatch") {
		t.Errorf("without the table: flags %v, want by-from-mismatch", got)
	}
	if got := flagCodes(path(t, Options{Operators: operators(t)}, fields...)); slices.Contains(got, "by-from-mismatch") {
		t.Errorf("with the table: flags %v, want no by-from-mismatch", got)
	}
}
