package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailroute/mailroute/geo/geotest"
	"github.com/mailroute/mailroute/internal/dnstest"
	"github.com/mailroute/mailroute/internal/golden"
	"github.com/mailroute/mailroute/mailbox"
)

// fixtureNets is what the test geolocation databases know: the networks of
// the providers whose relays appear in samples/, with their real countries.
// A more specific network must come after the one containing it.
func fixtureNets() []geotest.Network {
	return []geotest.Network{
		{Prefix: "212.227.0.0/16", Country: "DE", CountryName: "Germany", City: "Karlsruhe", InEU: true, ASN: 8560, ASOrg: "IONOS SE"},
		{Prefix: "213.165.64.0/19", Country: "DE", CountryName: "Germany", City: "Karlsruhe", InEU: true, ASN: 8560, ASOrg: "IONOS SE"},
		{Prefix: "217.72.192.0/20", Country: "DE", CountryName: "Germany", City: "Karlsruhe", InEU: true, ASN: 8560, ASOrg: "IONOS SE"},
		{Prefix: "209.85.128.0/17", Country: "US", CountryName: "United States", ASN: 15169, ASOrg: "GOOGLE"},
		{Prefix: "2a00:1450::/32", Country: "IE", CountryName: "Ireland", City: "Dublin", InEU: true, ASN: 15169, ASOrg: "GOOGLE"},
		{Prefix: "40.92.0.0/15", Country: "US", CountryName: "United States", ASN: 8075, ASOrg: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Prefix: "40.107.0.0/16", Country: "NL", CountryName: "Netherlands", City: "Amsterdam", InEU: true, ASN: 8075, ASOrg: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Prefix: "2603:1000::/24", Country: "US", CountryName: "United States", ASN: 8075, ASOrg: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Prefix: "2603:10a6::/32", Country: "NL", CountryName: "Netherlands", City: "Amsterdam", InEU: true, ASN: 8075, ASOrg: "MICROSOFT-CORP-MSN-AS-BLOCK"},
		{Prefix: "66.163.160.0/19", Country: "US", CountryName: "United States", ASN: 36646, ASOrg: "YAHOO-NE1"},
		{Prefix: "194.25.134.0/24", Country: "DE", CountryName: "Germany", City: "Darmstadt", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "79.192.0.0/10", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "84.128.0.0/10", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "87.128.0.0/10", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "93.192.0.0/10", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "217.224.0.0/11", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "2003::/19", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "62.153.0.0/16", Country: "DE", CountryName: "Germany", InEU: true, ASN: 3320, ASOrg: "Deutsche Telekom AG"},
		{Prefix: "91.64.0.0/14", Country: "DE", CountryName: "Germany", City: "Berlin", InEU: true, ASN: 31334, ASOrg: "Vodafone Kabel Deutschland GmbH"},
		{Prefix: "185.67.36.0/22", Country: "DE", CountryName: "Germany", City: "Berlin", InEU: true, ASN: 8495, ASOrg: "Posteo e.K."},
		{Prefix: "185.70.40.0/22", Country: "CH", CountryName: "Switzerland", City: "Geneva", ASN: 62371, ASOrg: "Proton AG"},
		{Prefix: "17.0.0.0/8", Country: "US", CountryName: "United States", City: "Cupertino", ASN: 714, ASOrg: "APPLE-ENGINEERING"},
		{Prefix: "80.241.56.0/21", Country: "DE", CountryName: "Germany", City: "Berlin", InEU: true, ASN: 199118, ASOrg: "Heinlein Support GmbH"},
		{Prefix: "2001:67c:2050::/48", Country: "DE", CountryName: "Germany", City: "Berlin", InEU: true, ASN: 199118, ASOrg: "Heinlein Support GmbH"},
		{Prefix: "54.240.0.0/18", Country: "US", CountryName: "United States", City: "Ashburn", ASN: 14618, ASOrg: "AMAZON-AES"},
		{Prefix: "195.201.0.0/16", Country: "DE", CountryName: "Germany", City: "Falkenstein", InEU: true, ASN: 24940, ASOrg: "Hetzner Online GmbH"},
		{Prefix: "82.195.75.0/24", Country: "DE", CountryName: "Germany", InEU: true, ASN: 8365, ASOrg: "MANDA-AS"},
		{Prefix: "45.134.26.0/24", Country: "NL", CountryName: "Netherlands", InEU: true, ASN: 49505, ASOrg: "OOO Network of data-centers Selectel"},
		{Prefix: "185.234.219.0/24", Country: "PL", CountryName: "Poland", InEU: true, ASN: 201814, ASOrg: "MEVSPACE sp. z o.o."},
		{Prefix: "148.163.128.0/19", Country: "US", CountryName: "United States", ASN: 22843, ASOrg: "PROOFPOINT-ASN-US-EAST"},
	}
}

// geoDir writes fixture GeoLite2 City and ASN databases into a temporary
// directory for MAILROUTE_GEOIP_DIR.
func geoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	built := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	geotest.WriteFile(t, dir, "GeoLite2-City.mmdb", geotest.City(t, built, fixtureNets()...))
	geotest.WriteFile(t, dir, "GeoLite2-ASN.mmdb", geotest.ASN(t, built, fixtureNets()...))
	return dir
}

type runResult struct {
	code           int
	stdout, stderr string
}

// run runs the command line with a fixed clock, the given geo directory and
// stdin, in the repository root so that sample paths are stable.
func run(t *testing.T, geoDirPath string, stdin string, args ...string) runResult {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string {
			if k == "MAILROUTE_GEOIP_DIR" {
				return geoDirPath
			}
			return ""
		},
		Now:        func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) },
		IsTerminal: func(any) bool { return false },
	}
	code := Run(context.Background(), args, env)
	return runResult{code, out.String(), errb.String()}
}

// chdirRoot moves the test to the repository root, so that sample paths in
// the output are "samples/...", and returns the package's testdata folder.
func chdirRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("..")
	return filepath.Join(wd, "testdata")
}

func checkGolden(t *testing.T, dir, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join(dir, name), []byte(got))
}

func TestTraceSamples(t *testing.T) {
	td := chdirRoot(t)
	geo := geoDir(t)
	for _, format := range []string{"table", "json"} {
		t.Run(format, func(t *testing.T) {
			r := run(t, geo, "", "trace", "--format", format, "samples/")
			if r.code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			ext := map[string]string{"table": "txt", "json": "jsonl"}[format]
			checkGolden(t, td, "trace-samples."+ext, r.stdout)
		})
	}
}

func TestTraceJSONShape(t *testing.T) {
	chdirRoot(t)
	r := run(t, geoDir(t), "", "trace", "--format", "json", "samples/")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	emls, _ := filepath.Glob("samples/*.eml")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < len(emls) {
		t.Fatalf("%d JSON lines for %d sample files", len(lines), len(emls))
	}
	required := []string{"schema_version", "source", "message_id", "from_domain", "received", "nodes", "segments", "summary", "error"}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		for _, k := range required {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d (%v) lacks %q", i+1, m["source"], k)
			}
		}
		for _, rc := range m["received"].([]any) {
			f := rc.(map[string]any)
			for _, k := range []string{"index", "parsed", "from_helo", "helo_cmd", "from_rdns", "from_ip", "ident", "by", "by_ip", "via", "with", "tls", "auth", "id", "for", "envelope_from", "date", "date_raw", "raw", "warnings"} {
				if _, ok := f[k]; !ok {
					t.Fatalf("line %d: received entry lacks %q", i+1, k)
				}
			}
		}
	}
}

func TestStdinIsTrace(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	msg, err := os.ReadFile("samples/gmx-to-posteo.eml")
	if err != nil {
		t.Fatal(err)
	}
	viaStdin := run(t, geo, string(msg), "--format", "json")
	viaFile := run(t, geo, "", "trace", "--format", "json", "samples/gmx-to-posteo.eml")
	if viaStdin.code != 0 || viaFile.code != 0 {
		t.Fatalf("exit codes %d, %d: %s %s", viaStdin.code, viaFile.code, viaStdin.stderr, viaFile.stderr)
	}
	if got, want := strings.Replace(viaStdin.stdout, `"source":"-"`, `"source":"samples/gmx-to-posteo.eml"`, 1), viaFile.stdout; got != want {
		t.Errorf("stdin and file results differ:\n%s\n%s", got, want)
	}
}

func TestExitCodes(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	noReceived := "From: a@example.org\nSubject: hi\n\nbody\n"
	bigHeader := "Received: from a by b; Thu, 1 Jan 2026 10:00:00 +0000\nX-Big: " + strings.Repeat("x", 500) + "\n\nbody\n"
	tests := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		inStderr string
	}{
		{"missing file", "", []string{"trace", "no/such/file.eml"}, ExitError, "no message read"},
		{"missing and good file", "", []string{"trace", "--format", "json", "no/such/file.eml", "samples/gmx-to-posteo.eml"}, ExitSomeFailed, "no/such/file.eml"},
		{"scan missing dir", "", []string{"scan", "/nope"}, ExitError, "no message read"},
		{"scan empty stdin", "", []string{"scan", "-"}, ExitError, "no message found"},
		{"escape in a missing name", "", []string{"trace", "nonexist\x1b[31m.eml", "samples/gmx-to-posteo.eml"}, ExitSomeFailed, `nonexist\x1b[31m.eml`},
		{"invisible in a missing name", "", []string{"scan", "bad\x1b[2Jfile\u200b", "samples/gmx-to-posteo.eml"}, ExitSomeFailed, `bad\x1b[2Jfile\u200b`},
		{"bad home", "", []string{"trace", "--home", "Germany", "samples/gmx-to-posteo.eml"}, ExitError, "home jurisdiction"},
		{"bad format", "", []string{"trace", "--format", "xml", "samples/gmx-to-posteo.eml"}, ExitError, "unknown format"},
		{"unknown flag", "", []string{"trace", "--nope"}, ExitError, "unknown flag"},
		{"no received", noReceived, []string{"trace", "--format", "json"}, ExitSomeFailed, "1 read = 0 analysed + 1 failed"},
		{"header too large", bigHeader, []string{"trace", "--format", "json", "--max-header-bytes", "200"}, ExitSomeFailed, "1 failed"},
		{"bad city db", "", []string{"trace", "--city-db", "no/such.mmdb", "samples/gmx-to-posteo.eml"}, ExitError, "no/such.mmdb"},
		{"ok", "", []string{"trace", "--format", "json", "samples/gmx-to-posteo.eml"}, ExitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, geo, tt.stdin, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.inStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.inStderr, r.stderr)
			}
			if strings.ContainsAny(r.stderr, "\x1b\u200b") {
				t.Errorf("stderr holds an escape or invisible character:\n%q", r.stderr)
			}
			if tt.code == ExitError && r.stdout != "" {
				t.Errorf("nothing could be done, yet stdout is:\n%s", r.stdout)
			}
		})
	}
}

func TestFailedMessageInBatch(t *testing.T) {
	// One bad message never stops a batch: the good one is still traced.
	dir := t.TempDir()
	good, err := os.ReadFile("../samples/gmx-to-posteo.eml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a-bad.eml"), []byte("From: x@example.org\nSubject: no trace\n\nbody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b-good.eml"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, geoDir(t), "", "trace", "--format", "json", dir)
	if r.code != ExitSomeFailed {
		t.Errorf("exit %d, want %d", r.code, ExitSomeFailed)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d results, want 2:\n%s", len(lines), r.stdout)
	}
	if !strings.Contains(lines[0], `"fail_reason":"no-received"`) || !strings.Contains(lines[0], "a-bad.eml") {
		t.Errorf("first result is not the failure naming the message: %s", lines[0])
	}
	if !strings.Contains(lines[1], `"error":""`) {
		t.Errorf("second result failed: %s", lines[1])
	}
}

func TestGeoCommand(t *testing.T) {
	td := chdirRoot(t)
	r := run(t, geoDir(t), "", "geo", "212.227.17.5", "2a00:1450:4864:20::62f", "17.58.6.45", "10.0.0.1", "not-an-ip")
	if r.code != ExitSomeFailed {
		t.Errorf("exit %d, want %d (one argument is not an address)", r.code, ExitSomeFailed)
	}
	checkGolden(t, td, "geo.txt", r.stdout)
	if !strings.Contains(r.stderr, `"not-an-ip" is not an IP address`) {
		t.Errorf("stderr: %s", r.stderr)
	}
}

func TestScanFormats(t *testing.T) {
	td := chdirRoot(t)
	geo := geoDir(t)
	for _, format := range []string{"table", "markdown", "csv", "json"} {
		t.Run(format, func(t *testing.T) {
			r := run(t, geo, "", "scan", "--home", "DE", "--format", format, "samples/")
			if r.code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			checkGolden(t, td, "scan-samples."+format, r.stdout)
		})
	}
}

// TestScanHomeOutsideEEA: the "left EU/EEA" and "third country" columns
// follow each node's country, not --home. With --home CH the Proton sample's
// Swiss nodes are home and still outside the EU/EEA; with --home US the
// American relays are home and still third-country.
func TestScanHomeOutsideEEA(t *testing.T) {
	td := chdirRoot(t)
	geo := geoDir(t)
	for _, home := range []string{"CH", "US"} {
		t.Run(home, func(t *testing.T) {
			r := run(t, geo, "", "scan", "--home", home, "--format", "markdown", "samples/")
			if r.code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			checkGolden(t, td, "scan-samples-home-"+home+".markdown", r.stdout)
		})
	}
}

func TestScanPolicyAndAccounting(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	// A folder with a known number of good and bad messages, one per
	// provider sub-folder.
	dir := t.TempDir()
	copyFile := func(src, dst string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyFile("samples/gmx-to-posteo.eml", filepath.Join(dir, "gmx", "1.eml"))
	copyFile("samples/webde-to-tonline.eml", filepath.Join(dir, "gmx", "2.eml"))
	copyFile("samples/icloud-to-webde.eml", filepath.Join(dir, "apple", "1.eml"))
	copyFile("samples/company-postfix-to-gmx.eml", filepath.Join(dir, "company", "1.eml"))
	if err := os.WriteFile(filepath.Join(dir, "company", "2.eml"), []byte("From: a@example.org\nSubject: no trace\n\nbody\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "company", "3.eml"), []byte("Received: from a by b; Thu, 1 Jan 2026 10:00:00 +0000\nX-Big: "+strings.Repeat("x", 20000)+"\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout []string
	}{
		{"accounting", []string{"scan", "--format", "json", "--max-header-bytes", "16384", "--group-by", "dir", dir}, ExitSomeFailed,
			[]string{`"read":6`, `"analysed":4`, `"failed":2`, `"group":"gmx"`, `"group":"apple"`, `"group":"company"`}},
		{"third-country violated", []string{"scan", "--format", "csv", "--fail-on", "third-country", "--group-by", "dir", filepath.Join(dir, "apple"), filepath.Join(dir, "gmx")}, ExitPolicy,
			[]string{"third-country"}},
		{"plaintext violated", []string{"scan", "--format", "markdown", "--fail-on", "plaintext", filepath.Join(dir, "company", "1.eml")}, ExitPolicy,
			[]string{"plaintext"}},
		// The final servers' addresses are not in these headers: without
		// --allow-unknown (or --resolve) the policy cannot be verified.
		{"policy cannot be verified", []string{"scan", "--fail-on", "third-country,plaintext", "--home", "DE", filepath.Join(dir, "gmx")}, ExitPolicy,
			[]string{"CANNOT VERIFY: third-country (2)"}},
		{"policy holds", []string{"scan", "--fail-on", "third-country,plaintext", "--allow-unknown", "--home", "DE", filepath.Join(dir, "gmx")}, ExitOK,
			[]string{"accepted (--allow-unknown)"}},
		{"bad fail-on", []string{"scan", "--fail-on", "sometimes", dir}, ExitError, nil},
		{"bad group-by", []string{"scan", "--group-by", "colour", dir}, ExitError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, geo, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, tt.code, r.stderr)
			}
			for _, s := range tt.inStdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
		})
	}
}

// dnsZone is a fixture zone for the DNS features: posteo.de's published set-up
// (simplified) and the PTR/A records of relays in samples/gmx-to-posteo.eml.
const dnsZone = `
$TTL 300
posteo.de.                    IN MX   10 mx01.posteo.de.
posteo.de.                    IN MX   20 mx02.posteo.de.
mx01.posteo.de.               IN A    185.67.36.61
mx02.posteo.de.               IN A    185.67.36.62
posteo.de.                    IN TXT  "v=spf1 ip4:185.67.36.0/23 include:_spf.example-cloud.net -all"
_spf.example-cloud.net.       IN TXT  "v=spf1 ip4:54.240.0.0/18 ~all"
_mta-sts.posteo.de.           IN TXT  "v=STSv1; id=20240101"
_smtp._tls.posteo.de.         IN TXT  "v=TLSRPTv1; rua=mailto:tlsrpt@posteo.de"
_dmarc.posteo.de.             IN TXT  "v=DMARC1; p=reject; rua=mailto:dmarc@posteo.de"
_25._tcp.mx01.posteo.de.      IN TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
19.15.227.212.in-addr.arpa.   IN PTR  mout.gmx.net.
mout.gmx.net.                 IN A    212.227.15.19
142.88.235.217.in-addr.arpa.  IN PTR  pd9eb588e.dip0.t-ipconnect.de.
proxy02.posteo.de.            IN A    185.67.36.70
`

func TestProviderCommand(t *testing.T) {
	td := chdirRoot(t)
	srv := dnstest.Start(t, dnsZone, dnstest.Options{AD: []string{"_25._tcp.mx01.posteo.de"}})
	geo := geoDir(t)
	for _, format := range []string{"table", "json", "markdown"} {
		t.Run(format, func(t *testing.T) {
			r := run(t, geo, "", "provider", "--resolver", srv.Addr, "--home", "DE", "--format", format, "posteo.de")
			if r.code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
			checkGolden(t, td, "provider-posteo."+format, r.stdout)
		})
	}
	t.Run("missing domain", func(t *testing.T) {
		r := run(t, geo, "", "provider", "--resolver", srv.Addr, "--format", "json", "no-such-domain.example")
		if r.code != ExitSomeFailed {
			t.Errorf("exit %d, want %d", r.code, ExitSomeFailed)
		}
		if !strings.Contains(r.stdout, `"exists":false`) {
			t.Errorf("missing domain not reported:\n%s", r.stdout)
		}
	})
}

func TestProviderFailsClosed(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	// A port nobody listens on: every query is refused at once.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close()
	t.Run("dead resolver", func(t *testing.T) {
		for _, format := range []string{"table", "markdown", "json"} {
			r := run(t, geo, "", "provider", "--resolver", dead, "--dns-timeout", "300ms", "--format", format, "posteo.de")
			if r.code != ExitSomeFailed {
				t.Errorf("%s: exit %d, want %d; stderr:\n%s", format, r.code, ExitSomeFailed, r.stderr)
			}
			want := "unknown (DNS error: "
			if format == "json" {
				want = `"mta_sts":{"status":"unknown","error":"TXT _mta-sts.posteo.de: `
			}
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: output lacks %q:\n%s", format, want, r.stdout)
			}
			for _, bad := range []string{"| missing", "Missing:", `"status":"missing"`} {
				if strings.Contains(r.stdout, bad) {
					t.Errorf("%s: a failed look-up is shown as missing (%q):\n%s", format, bad, r.stdout)
				}
			}
			if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), "Could not be checked (DNS error): MTA-STS, TLS-RPT, DANE (the MX hosts are unknown) and DMARC") {
				t.Errorf("%s: verdict does not say what could not be checked:\n%s", format, r.stdout)
			}
			if !strings.Contains(r.stderr, "could not be fully checked") {
				t.Errorf("%s: stderr does not say why the exit code is 3:\n%s", format, r.stderr)
			}
		}
	})
	for _, tt := range []struct {
		name     string
		args     []string
		inStderr string
	}{
		{"no port", []string{"--resolver", "bogus", "posteo.de"}, `resolver address "bogus"`},
		{"port out of range", []string{"--resolver", "127.0.0.1:99999", "posteo.de"}, `port "99999" is not a number from 1 to 65535`},
		{"bad domain", []string{"--resolver", dead, "foo bar"}, `invalid domain name "foo bar"`},
		{"escape in domain", []string{"--resolver", dead, "a\x1b[2J.example"}, `invalid domain name "a\x1b[2j.example"`},
		{"zero timeout", []string{"--resolver", dead, "--dns-timeout", "0s", "posteo.de"}, "--dns-timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, geo, "", append([]string{"provider"}, tt.args...)...)
			if r.code != ExitError {
				t.Errorf("exit %d, want %d; stdout:\n%s", r.code, ExitError, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.inStderr) || strings.Contains(r.stderr, "\x1b") {
				t.Errorf("stderr lacks %q (or holds an escape):\n%q", tt.inStderr, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("a usage error printed a report:\n%s", r.stdout)
			}
		})
	}
	t.Run("scan resolver flag", func(t *testing.T) {
		r := run(t, geo, "", "scan", "--resolve", "--resolver", "127.0.0.1:99999", "samples/gmx-to-posteo.eml")
		if r.code != ExitError || !strings.Contains(r.stderr, "99999") {
			t.Errorf("exit %d, want %d; stderr:\n%s", r.code, ExitError, r.stderr)
		}
	})
	t.Run("one default timeout", func(t *testing.T) {
		for _, cmd := range []string{"provider", "scan", "trace"} {
			r := run(t, "", "", cmd, "--help")
			if !strings.Contains(r.stdout, `--dns-timeout duration   timeout of one DNS query (default 2s)`) {
				t.Errorf("%s --help lacks the shared --dns-timeout:\n%s", cmd, r.stdout)
			}
		}
	})
}

func TestTraceResolve(t *testing.T) {
	td := chdirRoot(t)
	srv := dnstest.Start(t, dnsZone, dnstest.Options{})
	r := run(t, geoDir(t), "", "trace", "--resolve", "--resolver", srv.Addr, "--format", "json", "samples/gmx-to-posteo.eml")
	if r.code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	var res struct {
		Nodes []struct {
			Name     string
			IP       string
			Location struct {
				Country string
				ViaDNS  bool `json:"via_dns"`
			}
			DNS *struct {
				PTR    string
				FCrDNS string
				Notes  []string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range res.Nodes {
		s := n.Name + " " + n.IP + " " + n.Location.Country
		if n.Location.ViaDNS {
			s += " via-dns"
		}
		if n.DNS != nil {
			s += " ptr=" + n.DNS.PTR + " fcrdns=" + n.DNS.FCrDNS
		}
		got = append(got, s)
	}
	checkGolden(t, td, "trace-resolve.txt", strings.Join(got, "\n")+"\n")
	// The final server's address is found through DNS and located.
	last := res.Nodes[len(res.Nodes)-1]
	if last.IP != "185.67.36.70" || !last.Location.ViaDNS || last.Location.Country != "DE" {
		t.Errorf("final node = %+v, want 185.67.36.70 in DE via DNS", last)
	}
}

func TestHelpAndCompletion(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Exit codes: 0 all analysed"},
		{[]string{"scan", "--help"}, "--fail-on"},
		{[]string{"completion", "bash"}, "bash completion"},
		{[]string{"completion", "zsh"}, "compdef"},
		{[]string{"--version"}, "mailroute version"},
	}
	for _, tt := range tests {
		r := run(t, "", "", tt.args...)
		if r.code != ExitOK || !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%v: exit %d, stdout lacks %q", tt.args, r.code, tt.want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	chdirRoot(t)
	rd := mailbox.Open([]string{"samples/"}, mailbox.Options{})
	defer rd.Close()
	for {
		if _, err := rd.Next(); err != nil {
			break
		}
	}
	var buf bytes.Buffer
	var n atomic.Int64
	n.Store(23)
	stop := startProgress(&buf, rd, &n)
	time.Sleep(600 * time.Millisecond)
	stop()
	if out := buf.String(); !strings.Contains(out, "scanning, 23 messages") {
		t.Errorf("progress output lacks the message count:\n%q", out)
	}
}

func TestNoProgressWhenNotTerminal(t *testing.T) {
	chdirRoot(t)
	r := run(t, geoDir(t), "", "scan", "samples/")
	if strings.Contains(r.stderr, "scanning") {
		t.Errorf("progress bar drawn on a non-terminal stderr:\n%s", r.stderr)
	}
}

func TestTerminalStdinShowsHelp(t *testing.T) {
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		IsTerminal: func(s any) bool { _, ok := s.(*strings.Reader); return ok }}
	if code := Run(context.Background(), nil, env); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "Usage:") {
		t.Errorf("no help on an interactive stdin:\n%s", out.String())
	}
}

// TestGroupDirArguments is issue 11's case: two directory arguments are two
// groups, not one "(top level)" row (the rule itself: mailbox.DirGroups).
func TestGroupDirArguments(t *testing.T) {
	chdirRoot(t)
	dir := t.TempDir()
	for _, f := range []struct{ src, dst string }{
		{"samples/gmx-to-posteo.eml", "google/a.eml"},
		{"samples/icloud-to-webde.eml", "apple/b.eml"},
	} {
		b, err := os.ReadFile(f.src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, f.dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := run(t, geoDir(t), "", "scan", "--group-by", "dir", "--format", "json", filepath.Join(dir, "google"), filepath.Join(dir, "apple"))
	for _, want := range []string{`"group":"` + filepath.ToSlash(filepath.Join(dir, "google")) + `"`, `"group":"` + filepath.ToSlash(filepath.Join(dir, "apple")) + `"`, `"groups":2`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %s:\n%s", want, r.stdout)
		}
	}
}

// TestScanPartialInput checks that a report of a half-read compressed mbox
// says so in every format, not only on standard error.
func TestScanPartialInput(t *testing.T) {
	chdirRoot(t)
	good, err := os.ReadFile("samples/gmx-to-posteo.eml")
	if err != nil {
		t.Fatal(err)
	}
	var mbox bytes.Buffer
	for range 50 {
		mbox.WriteString("From sender@example.org Thu Jan  1 00:00:00 2026\n")
		mbox.Write(good)
		mbox.WriteString("\n")
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(mbox.Bytes())
	zw.Close()
	path := filepath.Join(t.TempDir(), "half.mbox.gz")
	if err := os.WriteFile(path, gz.Bytes()[:gz.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	geo := geoDir(t)
	for _, tt := range []struct{ format, want string }{
		{"table", "INCOMPLETE: 1 input could not be read (to the end)"},
		{"markdown", "**INCOMPLETE: 1 input could not be read (to the end)"},
		{"csv", "\nincomplete,INCOMPLETE: 1 input could not be read"},
		{"json", `"incomplete":true`},
	} {
		r := run(t, geo, "", "scan", "--format", tt.format, path)
		if r.code != ExitSomeFailed {
			t.Errorf("%s: exit %d, want %d", tt.format, r.code, ExitSomeFailed)
		}
		if !strings.Contains(r.stdout, tt.want) {
			t.Errorf("%s: output lacks %q:\n%s", tt.format, tt.want, r.stdout)
		}
		wantCount := map[string]string{"table": "inputs unreadable: 1", "markdown": "inputs unreadable: 1",
			"csv": "accounting,inputs_unreadable,1", "json": `"inputs_unreadable":1,"unreadable":[{"input":"` + path}[tt.format]
		if !strings.Contains(r.stdout, wantCount) {
			t.Errorf("%s: output lacks %q:\n%s", tt.format, wantCount, r.stdout)
		}
	}
}

// closedPipe is standard output after `| head` has exited: the first write
// may land, every later one fails.
type closedPipe struct{ writes int }

func (c *closedPipe) Write(p []byte) (int, error) {
	c.writes++
	if c.writes > 1 {
		return 0, errors.New("write |1: broken pipe")
	}
	return len(p), nil
}

// TestTraceClosedStdout is `mailroute trace samples/ | head -1`: trace stops
// with an error, and (under -race, as make test runs it) closing the
// mailbox reader does not race with a Next still running in the pipeline.
func TestTraceClosedStdout(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	for _, format := range []string{"table", "json"} {
		t.Run(format, func(t *testing.T) {
			var errb bytes.Buffer
			env := Env{
				Stdin:      strings.NewReader(""),
				Stdout:     &closedPipe{},
				Stderr:     &errb,
				Getenv:     func(k string) string { return map[string]string{"MAILROUTE_GEOIP_DIR": geo}[k] },
				Now:        func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) },
				IsTerminal: func(any) bool { return false },
			}
			code := Run(context.Background(), []string{"trace", "--format", format, "samples/", "samples/", "samples/"}, env)
			if code == ExitOK {
				t.Fatalf("exit 0 although standard output failed; stderr:\n%s", errb.String())
			}
			if !strings.Contains(errb.String(), "broken pipe") {
				t.Errorf("stderr does not name the write error:\n%s", errb.String())
			}
		})
	}
}

// TestScanCannotVerify is issue 11's case: the final node (Proton) has no
// known location, so outside-home cannot be shown to hold.
func TestScanCannotVerify(t *testing.T) {
	chdirRoot(t)
	r := run(t, "", "", "scan", "--home", "DE", "--fail-on", "outside-home", "samples/posteo-to-proton.eml")
	if r.code != ExitPolicy {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, ExitPolicy, r.stderr)
	}
	if !strings.Contains(r.stdout, "CANNOT VERIFY: outside-home (1)") || !strings.Contains(r.stderr, "cannot be verified") {
		t.Errorf("the group is not marked CANNOT VERIFY:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	r = run(t, "", "", "scan", "--home", "DE", "--fail-on", "outside-home", "--allow-unknown", "samples/posteo-to-proton.eml")
	if r.code != ExitOK || !strings.Contains(r.stdout, "accepted (--allow-unknown)") {
		t.Errorf("--allow-unknown: exit %d, want 0:\n%s", r.code, r.stdout)
	}
	r = run(t, "", "", "scan", "--help")
	if !strings.Contains(r.stdout, "  unknown-encryption   a transfer whose encryption is unknown") || !strings.Contains(r.stdout, "--allow-unknown") {
		t.Errorf("scan --help lacks the rule table:\n%s", r.stdout)
	}
	r = run(t, "", "", "__complete", "scan", "--fail-on", "")
	for _, rule := range []string{"outside-home", "third-country", "plaintext", "unknown-encryption", "third-party-gateway"} {
		if !strings.Contains(r.stdout, rule+"\n") {
			t.Errorf("completion lacks %s:\n%s", rule, r.stdout)
		}
	}
}

// TestScanThirdPartyGateway is issue 7's case: Proofpoint, neither Gmail
// nor Microsoft, read the message on its way to Microsoft 365.
func TestScanThirdPartyGateway(t *testing.T) {
	chdirRoot(t)
	r := run(t, "", "", "scan", "--fail-on", "third-party-gateway", "samples/gmail-via-proofpoint-to-m365.eml")
	if r.code != ExitPolicy {
		t.Errorf("exit %d, want %d; stderr:\n%s", r.code, ExitPolicy, r.stderr)
	}
	if !strings.Contains(r.stdout, "third-party-gateway (1)") {
		t.Errorf("the violation is not shown:\n%s", r.stdout)
	}
	r = run(t, "", "", "scan", "--fail-on", "third-party-gateway", "samples/gmail-to-gmx.eml")
	if r.code != ExitOK || strings.Contains(r.stdout, "third-party-gateway (") {
		t.Errorf("gmail-to-gmx: exit %d, want 0:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestTransitAgrees is issue 11's case: the dates of the forged sample run
// backwards; trace and scan report the same, negative, transit.
func TestTransitAgrees(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	const sample = "samples/forged-gmail-to-tonline.eml"
	tr := run(t, geo, "", "trace", "--format", "json", sample)
	var res struct {
		Summary struct {
			TransitSeconds *float64 `json:"transit_seconds"`
		}
		Flags []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(tr.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if res.Summary.TransitSeconds == nil || *res.Summary.TransitSeconds >= 0 {
		t.Fatalf("trace transit = %v, want negative", res.Summary.TransitSeconds)
	}
	flagged := false
	for _, f := range res.Flags {
		flagged = flagged || f.Code == "negative-transit"
	}
	if !flagged {
		t.Errorf("negative transit not flagged: %+v", res.Flags)
	}
	sc := run(t, geo, "", "scan", "--format", "json", sample)
	lines := strings.Split(strings.TrimSpace(sc.stdout), "\n")
	var tot struct {
		Median   *float64 `json:"median_transit_seconds"`
		Negative int      `json:"negative_transit_messages"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &tot); err != nil {
		t.Fatal(err)
	}
	if tot.Median == nil || *tot.Median != *res.Summary.TransitSeconds || tot.Negative != 1 {
		t.Errorf("scan median transit %v (%d negative), trace %v", tot.Median, tot.Negative, *res.Summary.TransitSeconds)
	}
	if table := run(t, geo, "", "scan", sample); !strings.Contains(table.stdout, "-8h31m (1 negative)") {
		t.Errorf("table does not show the negative transit:\n%s", table.stdout)
	}
}

// TestManyHops is issue 11's case: a 10,000-field message has as many hops
// in scan as in trace.
func TestManyHops(t *testing.T) {
	var b strings.Builder
	for i := 10000; i > 0; i-- {
		fmt.Fprintf(&b, "Received: from h%d by h%d; Thu, 1 Jan 2026 10:00:00 +0000\n", i-1, i)
	}
	b.WriteString("From: a@example.org\nSubject: loop\n\nbody\n")
	path := filepath.Join(t.TempDir(), "loop.eml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := run(t, "", "", "trace", "--format", "json", path)
	var res struct{ Summary struct{ Hops int } }
	if err := json.Unmarshal([]byte(tr.stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, tr.stderr)
	}
	sc := run(t, "", "", "scan", "--format", "json", path)
	lines := strings.Split(strings.TrimSpace(sc.stdout), "\n")
	var tot struct {
		MedianHops float64 `json:"median_hops"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &tot); err != nil {
		t.Fatal(err)
	}
	if res.Summary.Hops < 1000 || tot.MedianHops != float64(res.Summary.Hops) {
		t.Errorf("trace %d hops, scan median %v", res.Summary.Hops, tot.MedianHops)
	}
}
