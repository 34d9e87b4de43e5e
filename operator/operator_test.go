package operator

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mailroute/mailroute/internal/domain"
)

func builtin(t testing.TB) *Table {
	t.Helper()
	tab, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestBuiltin(t *testing.T) {
	tab := builtin(t)
	if d := tab.Date(); len(d) != 10 || !strings.HasPrefix(d, "20") {
		t.Errorf("Date() = %q, want the header's YYYY-MM-DD", d)
	}
	if n := len(tab.Rules()); n < 150 {
		t.Errorf("%d rules, want the listed operators (150+)", n)
	}
	// The operators the table is for (issue 7) are all there.
	for _, name := range []string{"Google", "Microsoft", "Yahoo", "Apple", "Amazon", "Twilio SendGrid", "Mailgun",
		"Mailchimp", "Proofpoint", "Mimecast", "Cisco", "Barracuda", "United Internet", "Deutsche Telekom", "Posteo",
		"mailbox.org", "Proton", "Tuta", "Fastmail", "Zoho", "Yandex", "OVHcloud", "Hetzner", "SourceForge"} {
		found := false
		for _, r := range tab.Rules() {
			found = found || r.Operator.Name == name
		}
		if !found {
			t.Errorf("no rule names %q", name)
		}
	}
}

func TestHost(t *testing.T) {
	tab := builtin(t)
	tests := []struct {
		host, name, country string
		role                Role
	}{
		{"mail-sor-f41.google.com", "Google", "US", RoleMailbox},
		{"smtp.gmail.com", "Google", "US", RoleMailbox},
		{"mail-ed1-f65.1e100.net", "Google", "US", RoleMailbox},
		{"GoogleMail.com.", "Google", "US", RoleMailbox},
		{"mail-yw1-f184.googlegroups.com", "Google", "US", RoleList},
		{"eur01.protection.outlook.com", "Microsoft", "US", RoleMailbox},
		{"AM0PR01MB1234.eurprd01.prod.exchangelabs.com", "Microsoft", "US", RoleMailbox},
		{"hotmail.co.uk", "Microsoft", "US", RoleMailbox},
		{"mail.outlook.cn", "21Vianet", "CN", RoleMailbox}, // a suffix rule wins over outlook.*
		{"sonic301-21.consmr.mail.ne1.yahoo.com", "Yahoo", "US", RoleMailbox},
		{"mta.aol.co.uk", "Yahoo", "US", RoleMailbox},
		{"a8-1.smtp-out.amazonses.com", "Amazon", "US", RoleBulk},
		{"ec2-1-2-3-4.compute-1.amazonaws.com", "Amazon", "US", RoleHosting},
		{"o1.ptr1234.sendgrid.net", "Twilio SendGrid", "US", RoleBulk},
		{"mail123.suw11.mcsv.net", "Mailchimp", "US", RoleBulk},
		{"mx0b-00069f02.pphosted.com", "Proofpoint", "US", RoleGateway},
		{"relay.mimecast.com", "Mimecast", "GB", RoleGateway},
		{"hc1855-42.eu.iphmx.com", "Cisco", "US", RoleGateway},
		{"mout.gmx.net", "United Internet", "DE", RoleMailbox},
		{"gmx.co.uk", "United Internet", "DE", RoleMailbox},
		{"mrelayeu.kundenserver.de", "United Internet", "DE", RoleHosting},
		{"mailout01.t-online.de", "Deutsche Telekom", "DE", RoleMailbox},
		{"mout01.posteo.de", "Posteo", "DE", RoleMailbox},
		{"mailin022.protonmail.ch", "Proton", "CH", RoleMailbox},
		{"zoho.eu", "Zoho", "IN", RoleMailbox},
		{"sfi-mx-2.v28.lw.sourceforge.com", "SourceForge", "US", RoleList},
		{"static.88-198-1-2.clients.your-server.de", "Hetzner", "DE", RoleHosting},
		{"mail-out.ovh.net", "OVHcloud", "FR", RoleHosting},
		{"ovh.ca", "OVHcloud", "FR", RoleHosting},
	}
	for _, tt := range tests {
		op, ok := tab.Host(tt.host)
		want := Operator{Name: tt.name, Country: tt.country, Role: tt.role}
		if !ok || op != want {
			t.Errorf("Host(%q) = %+v, %v; want %+v", tt.host, op, ok, want)
		}
	}
	for _, host := range []string{
		"",
		"localhost",
		"mail",                // unqualified
		"co.uk",               // a public suffix
		"[192.0.2.1]",         // an address
		"2001:db8::1",         // an address
		"example.com",         // nobody in the table
		"hotmail.example.com", // a brand is the registrable label only
		"notgmail.com",
		"google.com.example.net",
		"mx.example.lan", // no delegated top-level domain
	} {
		if op, ok := tab.Host(host); ok {
			t.Errorf("Host(%q) = %+v, want no operator", host, op)
		}
	}
}

// TestNamesAgree checks that AS numbers and domains of one company give one
// name, so that a node located through an ASN database and one named by
// its host count as the same operator.
// TestHostWithin checks that HostWithin, given a name in normal form and
// its registrable domain, answers as Host does.
func TestHostWithin(t *testing.T) {
	tab := builtin(t)
	for _, h := range []string{"mail-sor-f41.google.com", "hotmail.co.uk", "mail.outlook.cn", "ec2-1-2-3-4.compute-1.amazonaws.com",
		"google.com", "example.org", "localhost", "192.0.2.1", "", "a.b.c.d.e.sendgrid.net", "mx.posteo.de", "posteo.local"} {
		op, ok := tab.HostWithin(h, domain.Registrable(h))
		wop, wok := tab.Host(h)
		if op != wop || ok != wok {
			t.Errorf("HostWithin(%q) = %v, %v; Host says %v, %v", h, op, ok, wop, wok)
		}
	}
}

func TestNamesAgree(t *testing.T) {
	tab := builtin(t)
	pairs := []struct {
		asn  uint
		host string
	}{
		{15169, "google.com"},
		{396982, "gmail.com"},
		{8075, "outlook.com"},
		{8075, "office365.com"},
		{36646, "yahoo.com"},
		{1668, "aol.com"},
		{714, "icloud.com"},
		{16509, "amazonses.com"},
		{14618, "amazonaws.com"},
		{11377, "sendgrid.net"},
		{26211, "pphosted.com"},
		{30031, "mimecast.com"},
		{16417, "iphmx.com"},
		{15324, "barracudanetworks.com"},
		{8560, "gmx.net"},
		{8560, "kundenserver.de"},
		{3320, "t-online.de"},
		{62371, "protonmail.ch"},
		{2639, "zoho.com"},
		{13238, "yandex.ru"},
		{16276, "ovh.net"},
		{24940, "your-server.de"},
	}
	for _, p := range pairs {
		a, okA := tab.ASN(p.asn)
		h, okH := tab.Host(p.host)
		if !okA || !okH || a.Name != h.Name || a.Country != h.Country {
			t.Errorf("AS%d = %+v (%v), %s = %+v (%v): want one operator", p.asn, a, okA, p.host, h, okH)
		}
	}
	if op, ok := tab.ASN(64496); ok { // documentation AS (RFC 5398)
		t.Errorf("ASN(64496) = %+v, want none", op)
	}
}

func TestParse(t *testing.T) {
	tab, err := Parse(strings.NewReader("\uFEFF# test table\n# date: 2026-01-31\n" +
		"example.org   DE  mailbox  Example GmbH   # comment\n" +
		"\n" +
		"*.Mail.Example.NET.  DE  gateway  Example GmbH\n" +
		"brand.*\tFR\tbulk\tBrand  Co\n" +
		"as64496       DE  hosting  Example GmbH\n" +
		"hash.example.com US list C#  # a # inside a word is not a comment\n"))
	if err != nil {
		t.Fatal(err)
	}
	if tab.Date() != "2026-01-31" {
		t.Errorf("Date() = %q", tab.Date())
	}
	tests := []struct {
		host string
		want Operator
	}{
		{"example.org", Operator{"Example GmbH", "DE", RoleMailbox}},
		{"a.b.example.org", Operator{"Example GmbH", "DE", RoleMailbox}},
		{"mx.mail.example.net", Operator{"Example GmbH", "DE", RoleGateway}},
		{"brand.co.uk", Operator{"Brand  Co", "FR", RoleBulk}},
	}
	for _, tt := range tests {
		if got, ok := tab.Host(tt.host); !ok || got != tt.want {
			t.Errorf("Host(%q) = %+v, %v; want %+v", tt.host, got, ok, tt.want)
		}
	}
	if _, ok := tab.Host("example.net"); ok {
		t.Error("example.net matched the mail.example.net rule")
	}
	if got, ok := tab.ASN(64496); !ok || got.Name != "Example GmbH" {
		t.Errorf("ASN(64496) = %+v, %v", got, ok)
	}
	rules := tab.Rules()
	if len(rules) != 5 || rules[1].Pattern != "mail.example.net" || rules[1].Line != 5 || rules[2].Pattern != "brand.*" ||
		rules[3].ASN != 64496 || rules[3].Pattern != "" || rules[4].Operator.Name != "C#" {
		t.Errorf("rules %+v", rules)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in   string
		line int
		want string
	}{
		{"example.org DE mailbox\n", 1, "want PATTERN COUNTRY ROLE NAME"},
		{"example.org\n", 1, "want PATTERN COUNTRY ROLE NAME"},
		{"# c\nexample.org de mailbox X\n", 2, "ISO 3166-1"},
		{"example.org DEU mailbox X\n", 1, "ISO 3166-1"},
		{"example.org DE webmail X\n", 1, "unknown role"},
		{"co.uk GB mailbox X\n", 1, "registrable domain"},
		{"com US mailbox X\n", 1, "registrable domain"},
		{"exa_mple..org DE mailbox X\n", 1, "empty label"},
		{"ex!ample.org DE mailbox X\n", 1, "invalid character"},
		{"a.b.* DE mailbox X\n", 1, "one label"},
		{"AS0 DE mailbox X\n", 1, "AS number"},
		{"AS99999999999 DE mailbox X\n", 1, "AS number"},
		{"example.org DE mailbox X\nEXAMPLE.org. DE mailbox X\n", 2, "already given on line 1"},
		{"AS1 DE mailbox X\nas1 DE mailbox X\n", 2, "already given"},
		{"example.org DE mailbox X\nexample.net FR mailbox X\n", 2, "country FR here but DE on line 1"},
		{"example.org DE mailbox X\x1b[31m\n", 1, "control character"},
		{"example.org DE mailbox X\u202e\n", 1, "control character"},
		{"example.org DE mailbox " + strings.Repeat("x", 101) + "\n", 1, "longer than 100"},
		{"example.org DE mailbox \xff\n", 1, "UTF-8"},
		{strings.Repeat("x", 5000) + "\n", 1, "longer than 4096"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(tt.in))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v; want line %d %q", tt.in, err, tt.line, tt.want)
		}
	}
}

func TestRoleIntermediary(t *testing.T) {
	want := map[Role]bool{RoleMailbox: false, RoleHosting: false, RoleBulk: true, RoleGateway: true, RoleList: true, RoleForwarder: true}
	for _, r := range Roles() {
		if r.Intermediary() != want[r] {
			t.Errorf("%s.Intermediary() = %v", r, r.Intermediary())
		}
	}
}

func ExampleTable_Host() {
	tab, err := Builtin()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, host := range []string{"mail-sor-f41.google.com", "mx0b-00069f02.pphosted.com", "mout.gmx.net"} {
		op, _ := tab.Host(host)
		fmt.Println(host, "->", op.Name, op.Country, op.Role)
	}
	op, _ := tab.ASN(15169)
	fmt.Println("AS15169 ->", op.Name)
	// Output:
	// mail-sor-f41.google.com -> Google US mailbox
	// mx0b-00069f02.pphosted.com -> Proofpoint US gateway
	// mout.gmx.net -> United Internet DE mailbox
	// AS15169 -> Google
}

func FuzzParse(f *testing.F) {
	f.Add(builtinText)
	f.Add("example.org DE mailbox Example\n")
	f.Add("AS1 US hosting X\nbrand.* FR bulk Y # c\n")
	f.Add("# date: 2026-01-01\n*.a.b.example.co.uk GB list  Z  Z\n")
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		// Every rule it accepted answers for its own pattern.
		for _, r := range tab.Rules() {
			if r.Operator.Name == "" || len(r.Operator.Country) != 2 {
				t.Fatalf("rule %+v accepted", r)
			}
			if r.Pattern != "" && !strings.HasSuffix(r.Pattern, ".*") {
				if _, ok := tab.Host(r.Pattern); !ok {
					t.Fatalf("Host(%q) finds no operator after parsing its rule", r.Pattern)
				}
			}
			if r.ASN != 0 {
				if _, ok := tab.ASN(r.ASN); !ok {
					t.Fatalf("ASN(%d) finds no operator after parsing its rule", r.ASN)
				}
			}
		}
	})
}

func BenchmarkHost(b *testing.B) {
	tab := builtin(b)
	hosts := []string{
		"mail-sor-f41.google.com",
		"AM0PR01MB1234.eurprd01.prod.exchangelabs.com",
		"mx0b-00069f02.pphosted.com",
		"mout.gmx.net",
		"mail.example.co.uk", // no operator
		"[192.0.2.1]",
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, h := range hosts {
			tab.Host(h)
		}
	}
}
