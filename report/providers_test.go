package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestBuiltinProvidersValid(t *testing.T) {
	if _, err := NewProviders(nil); err != nil {
		t.Fatalf("built-in table: %v", err)
	}
	rules, err := BuiltinProviders()
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) < 100 {
		t.Errorf("%d built-in provider rules, want the operators table's domain rules", len(rules))
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.Pattern] {
			t.Errorf("built-in pattern %q given twice", r.Pattern)
		}
		seen[r.Pattern] = true
	}
}

func TestProviderGroup(t *testing.T) {
	p, err := NewProviders(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ domain, want string }{
		{"gmail.com", "Google"},
		{"GoogleMail.com.", "Google"},
		{"mail-sor-f41.google.com", "Google"},
		{"mail.gmx.net", "United Internet"},
		{"gmx.de", "United Internet"},
		{"gmx.co.uk", "United Internet"},
		{"web.de", "United Internet"},
		{"ionos.fr", "United Internet"},
		{"hotmail.com", "Microsoft"},
		{"hotmail.co.uk", "Microsoft"},
		{"live.de", "Microsoft"},
		{"outlook.de", "Microsoft"},
		{"eur01.protection.outlook.com", "Microsoft"},
		{"contoso.onmicrosoft.com", "Microsoft"},
		{"yahoo.co.jp", "Yahoo"},
		{"aol.com", "Yahoo"},
		{"me.com", "Apple"},
		{"pm.me", "Proton"},
		{"t-online.de", "Deutsche Telekom"},
		{"mailbox.org", "mailbox.org"},
		{"posteo.net", "Posteo"},
		{"keemail.me", "Tuta"},
		{"zoho.eu", "Zoho"},
		{"messagingengine.com", "Fastmail"},
		{"ya.ru", "Yandex"},
		{"yandex.com.tr", "Yandex"},
		{"bk.ru", "VK (Mail.ru)"},
		{"eu-west-1.amazonses.com", "Amazon"},
		{"sendgrid.net", "Twilio SendGrid"},
		{"mail123.suw11.mcsv.net", "Mailchimp"},
		{"freenet.de", "freenet"},
		{"wanadoo.fr", "Orange"},
		// Not in the table: the registrable domain.
		{"news.example.co.uk", "example.co.uk"},
		{"a.b.example.com", "example.com"},
		{"Example.ORG", "example.org"},
		{"example.github.io", "example.github.io"},
		// A brand wildcard needs the brand to be the registrable label.
		{"hotmail.example.com", "example.com"},
		{"notgmail.com", "notgmail.com"},
		// No registrable domain: the name itself.
		{"localhost", "localhost"},
		{"co.uk", "co.uk"},
		{"[192.0.2.1]", "192.0.2.1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := p.Group(tt.domain); got != tt.want {
			t.Errorf("Group(%q) = %q, want %q", tt.domain, got, tt.want)
		}
	}
}

func TestProvidersOverride(t *testing.T) {
	rules, err := ParseProviders(strings.NewReader(`
# overrides
gmx.net          GMX (own row)
example.com      Example GmbH   # trailing comment
*.relay.org      Relay Co
hotmail.*        Microsoft consumer
`))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProviders(rules)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ domain, want string }{
		{"mail.gmx.net", "GMX (own row)"},
		{"gmx.de", "United Internet"},
		{"eu.example.com", "Example GmbH"},
		{"x.relay.org", "Relay Co"},
		{"relay.org", "Relay Co"},
		{"hotmail.fr", "Microsoft consumer"},
		{"outlook.com", "Microsoft"},
	}
	for _, tt := range tests {
		if got := p.Group(tt.domain); got != tt.want {
			t.Errorf("Group(%q) = %q, want %q", tt.domain, got, tt.want)
		}
	}
}

func TestParseProviders(t *testing.T) {
	in := "\uFEFF# comment\n\n  gmx.net\tUnited  Internet \nHotmail.*   Microsoft\n.Example.ORG. Ex#ample # c\n"
	got, err := ParseProviders(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []ProviderRule{
		{"gmx.net", "United  Internet"},
		{"hotmail.*", "Microsoft"},
		{"example.org", "Ex#ample"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseProvidersErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"missing name", "gmx.net Foo\nexample.com\n", 2, "missing provider name"},
		{"missing name after comment", "a.com A\n\nb.com # only comment\n", 3, "missing provider name"},
		{"bad char", "ok.com Ok\nbad!.com X\n", 2, "invalid character"},
		{"empty label", "a..com X\n", 1, "empty label"},
		{"bad wildcard", "foo.bar.* X\n", 1, "wildcard"},
		{"star alone", "* X\n", 1, "invalid character"},
		{"duplicate", "a.com X\n# c\nA.com. Y\n", 3, "already given on line 1"},
		{"control in name", "a.com X\x1bY\n", 1, "control character"},
		{"bad utf8 name", "a.com X\xffY\n", 1, "UTF-8"},
		{"long label", strings.Repeat("a", 64) + ".com X\n", 1, "63"},
		{"long name", "a.com " + strings.Repeat("n", 101) + "\n", 1, "longer than 100"},
		{"long line", "a.com A\n" + strings.Repeat("x", 5000) + "\n", 2, "longer than 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProviders(strings.NewReader(tt.in))
			var pe *ProvidersError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ProvidersError", err)
			}
			if pe.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to mention %q", err, tt.msg)
			}
		})
	}
}

func TestNewProvidersInvalid(t *testing.T) {
	if _, err := NewProviders([]ProviderRule{{"bad domain", "X"}}); err == nil {
		t.Error("invalid pattern accepted")
	}
	if _, err := NewProviders([]ProviderRule{{"a.com", " "}}); err == nil {
		t.Error("empty provider name accepted")
	}
}

func FuzzParseProviders(f *testing.F) {
	f.Add("gmx.net United Internet\n")
	f.Add("# c\nhotmail.*\tMicrosoft\n*.a.b X # y\n")
	f.Add("a..b X\n")
	f.Add("\uFEFFa.com \x1b[31m\n")
	if files, _ := filepath.Glob(filepath.Join("testdata", "*.providers")); len(files) > 0 {
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(string(b))
			}
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		rules, err := ParseProviders(strings.NewReader(in))
		if err != nil {
			var pe *ProvidersError
			if errors.As(err, &pe) && pe.Line < 1 {
				t.Fatalf("error with line %d: %v", pe.Line, err)
			}
			return
		}
		// Accepted rules must build a table, and lookups must agree with
		// the rule for the pattern itself.
		p, err := NewProviders(rules)
		if err != nil {
			t.Fatalf("parsed rules rejected: %v", err)
		}
		for _, r := range rules {
			if strings.HasSuffix(r.Pattern, ".*") {
				continue
			}
			if got, ok := p.Lookup(r.Pattern); !ok || got != r.Provider {
				t.Fatalf("Lookup(%q) = %q, %v; want %q", r.Pattern, got, ok, r.Provider)
			}
		}
	})
}

// TestFormerBuiltinProviders keeps every domain of the provider table that
// report kept before the operators table took over: each still names the
// same company (under the operator's name where it was renamed: T-Online is
// Deutsche Telekom, Tutanota is Tuta, Amazon SES is Amazon, SendGrid is
// Twilio SendGrid, Mail.ru is VK (Mail.ru), Libero is Italiaonline, WP is
// Wirtualna Polska).
func TestFormerBuiltinProviders(t *testing.T) {
	p, err := NewProviders(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"Google":           {"gmail.com", "googlemail.com", "google.com"},
		"Microsoft":        {"outlook.com", "hotmail.de", "live.co.uk", "msn.com", "windowslive.com", "passport.com", "microsoft.com", "x.onmicrosoft.com"},
		"Yahoo":            {"yahoo.fr", "ymail.com", "rocketmail.com", "aol.de", "aim.com"},
		"Apple":            {"icloud.com", "me.com", "mac.com"},
		"Proton":           {"proton.me", "protonmail.com", "protonmail.ch", "pm.me"},
		"United Internet":  {"gmx.at", "web.de", "1und1.de", "ionos.de", "mail.com", "email.com"},
		"Deutsche Telekom": {"t-online.de", "magenta.de"},
		"mailbox.org":      {"mailbox.org"},
		"Posteo":           {"posteo.de", "posteo.net"},
		"Tuta":             {"tutanota.com", "tutanota.de", "tutamail.com", "tuta.io", "tuta.com", "keemail.me"},
		"Zoho":             {"zoho.com", "zohomail.eu"},
		"Fastmail":         {"fastmail.com", "fastmail.fm", "messagingengine.com"},
		"Yandex":           {"yandex.ru", "ya.ru"},
		"VK (Mail.ru)":     {"mail.ru", "bk.ru", "inbox.ru", "list.ru", "internet.ru"},
		"Orange":           {"orange.fr", "wanadoo.fr"},
		"freenet":          {"freenet.de"},
		"Free":             {"free.fr"},
		"SFR":              {"sfr.fr", "neuf.fr"},
		"Italiaonline":     {"libero.it"},
		"Seznam":           {"seznam.cz", "email.cz"},
		"Wirtualna Polska": {"wp.pl", "o2.pl"},
		"Onet":             {"onet.pl"},
		"Interia":          {"interia.pl"},
		"Infomaniak":       {"ik.me", "infomaniak.com"},
		"Swisscom":         {"bluewin.ch"},
		"Vodafone":         {"vodafone.de", "arcor.de"},
		"Amazon":           {"amazonses.com"},
		"Twilio SendGrid":  {"sendgrid.net", "sendgrid.com"},
		"Mailchimp":        {"mailchimp.com", "mcsv.net", "mcdlv.net", "rsgsv.net", "list-manage.com", "mandrillapp.com"},
		"Mailgun":          {"mailgun.org", "mailgun.net"},
		"Postmark":         {"postmarkapp.com", "mtasv.net"},
		"SparkPost":        {"sparkpostmail.com"},
		"Brevo":            {"brevo.com", "sendinblue.com"},
	}
	for name, domains := range want {
		for _, d := range domains {
			if got, ok := p.Lookup(d); !ok || got != name {
				t.Errorf("Lookup(%q) = %q, %v; want %q", d, got, ok, name)
			}
		}
	}
}
