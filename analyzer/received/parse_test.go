package received

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailroute/mailroute/internal/golden"
)

// readCases reads a testdata/cases/*.txt file: one unfolded Received
// value per line; empty lines and lines starting with "#" are skipped.
func readCases(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return out
}

// allCases returns the values of every testdata/cases/*.txt file, file by
// file.
func allCases(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, file := range files {
		out = append(out, readCases(t, file)...)
	}
	return out
}

func TestParseReceivedGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("found %d testdata files, want one per MTA family", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			var got []Received
			for _, v := range readCases(t, file) {
				got = append(got, Parse(v))
			}
			b, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			golden.Check(t, strings.TrimSuffix(file, ".txt")+".golden.json", b)
		})
	}
}

func TestParseReceivedIPForms(t *testing.T) {
	tests := []struct {
		name  string
		value string
		ip    string
		port  uint16
		rdns  string
		helo  string
	}{
		{"ipv6 literal", "from a.example (a.example [IPv6:2001:db8::1]) by mx.example.org with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"2001:db8::1", 0, "a.example", "a.example"},
		{"mapped", "from a.example (a.example [::ffff:192.0.2.1]) by mx.example.org with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.1", 0, "a.example", "a.example"},
		{"zone", "from a.example (a.example [fe80::1%eth0]) by mx.example.org with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"fe80::1", 0, "a.example", "a.example"},
		{"bracket port outside", "from a.example ([192.0.2.2]:2525) by mx.example.org with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.2", 2525, "", "a.example"},
		{"bracket port inside", "from [192.0.2.3] ([192.0.2.3:12345] helo=b.example) by mx.example.org with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.3", 12345, "", "b.example"},
		{"dotted port", "from a.example (b.example) [192.0.2.4.4567] by mx.example.org with esmtp (Exim 3.36); Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.4", 4567, "a.example", "b.example"},
		{"unknown space", "from c.example (unknown [192.0.2.5]) by mx.example.org (Postfix) with SMTP id 1; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.5", 0, "", "c.example"},
		{"unknown glued", "from c.example (unknown[192.0.2.6]) by mx.example.org with SMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.6", 0, "", "c.example"},
		{"bare ipv6 comment", "from d.example (2001:db8::d2) by e.example (2001:db8::e1) with Microsoft SMTP Server id 15.20.1.2; Thu, 11 Jan 2024 10:00:00 +0000",
			"2001:db8::d2", 0, "", "d.example"},
		{"ip in helo only", "from [192.0.2.7] by mx.example.org with SMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.7", 0, "", "[192.0.2.7]"},
		{"helo literal differs", "from [10.0.0.1] (e.example [198.51.100.1]) by mx.example.org with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"198.51.100.1", 0, "e.example", "[10.0.0.1]"},
		{"helo= literal not client", "from [198.51.100.2] (helo=[10.0.0.2]) by mx.example.org with esmtp (Exim 4.96) id 1; Thu, 11 Jan 2024 10:00:00 +0000",
			"198.51.100.2", 0, "", "[10.0.0.2]"},
		{"qmail HELO literal not client", "from unknown (HELO [10.0.0.3]) (198.51.100.3) by mx.example.org with SMTP; 11 Jan 2024 10:00:00 -0000",
			"198.51.100.3", 0, "", "[10.0.0.3]"},
		{"qmail ident", "from f.example (HELO g.example) (joe@198.51.100.4) by mx.example.org with SMTP; 11 Jan 2024 10:00:00 -0000",
			"198.51.100.4", 0, "f.example", "g.example"},
		{"double brackets", "from h.example [[192.0.2.8]] by mx.example.org with XMAIL; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.8", 0, "", "h.example"},
		{"mdaemon parenthesised literal", "from h.example [(192.0.2.9)] by mx.example.org (MDaemon PRO v10.1.2) with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.9", 0, "", "h.example"},
		{"smap", "from c.example(192.0.2.10, HELO h.example) by gw.example.org via smap (V2.1) id xma1; Thu, 11 Jan 2024 10:00:00 +0000",
			"192.0.2.10", 0, "c.example", "h.example"},
		{"qmqp", "from c.example [192.0.2.11] by mx.example.org with QMQP; 11 Jan 2024 10:00:00 -0000",
			"192.0.2.11", 0, "c.example", "c.example"},
		{"no ip", "from localhost by mx.example.org with SMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"", 0, "", "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(tt.value)
			var want netip.Addr
			if tt.ip != "" {
				want = netip.MustParseAddr(tt.ip)
			}
			if r.FromIP != want {
				t.Errorf("FromIP = %v, want %v", r.FromIP, want)
			}
			if r.FromPort != tt.port {
				t.Errorf("FromPort = %d, want %d", r.FromPort, tt.port)
			}
			if r.FromRDNS != tt.rdns {
				t.Errorf("FromRDNS = %q, want %q", r.FromRDNS, tt.rdns)
			}
			if r.FromHELO != tt.helo {
				t.Errorf("FromHELO = %q, want %q", r.FromHELO, tt.helo)
			}
			if !r.Parsed {
				t.Errorf("Parsed = false, warnings %v", r.Warnings)
			}
		})
	}
}

// TestParseReceivedNoIPOutsideFrom checks that addresses in the id, with and
// for clauses or in the date are never taken as the client's.
func TestParseReceivedNoIPOutsideFrom(t *testing.T) {
	tests := []struct {
		name, value string
	}{
		{"id like address", "from a.example by mx.example.org with ESMTP id 10.11.12.13 for <x@example.org>; Thu, 11 Jan 2024 10:00:00 +0000"},
		{"id like bracket", "from a.example by mx.example.org with ESMTP id [10.11.12.13]; Thu, 11 Jan 2024 10:00:00 +0000"},
		{"with comment", "from a.example by mx.example.org with ESMTP (198.51.100.1) id 1; Thu, 11 Jan 2024 10:00:00 +0000"},
		{"for address", "from a.example by mx.example.org with ESMTP for <user@[198.51.100.2]>; Thu, 11 Jan 2024 10:00:00 +0000"},
		{"time", "from a.example by mx.example.org; Thu, 11 Jan 2024 10:11:12 +0000"},
		{"exchange id", "from a.example by b.example with Microsoft SMTP Server id 15.20.8.16; Thu, 11 Jan 2024 10:00:00 +0000"},
		{"message id", "from a.example by mx.example.org with SMTP id <20240111.1.2.3.4@example.org>; Thu, 11 Jan 2024 10:00:00 +0000"},
		{"date without semicolon", "from a.example by mx.example.org with HTTP id 1 Thu, 11 Jan 2024 10:11:12.123 +0000 (UTC)"},
		{"by address only", "from a.example by mx.example.org (198.51.100.3) with SMTP; Thu, 11 Jan 2024 10:00:00 +0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(tt.value)
			if r.FromIP.IsValid() {
				t.Errorf("FromIP = %v, want none", r.FromIP)
			}
			if r.FromHELO != "a.example" {
				t.Errorf("FromHELO = %q, want a.example", r.FromHELO)
			}
		})
	}
}

func TestParseReceivedDates(t *testing.T) {
	tests := []struct {
		raw  string
		want string // RFC 3339 UTC, "" for unreadable
	}{
		{"Thu, 11 Jan 2024 10:15:02 +0100 (CET)", "2024-01-11T09:15:02Z"},
		{"11 Jan 2024 10:15:02 -0000", "2024-01-11T10:15:02Z"},
		{"Thu, 11 Jan 24 10:15:02 PST", "2024-01-11T18:15:02Z"},
		{"Tue, 4 Apr 95 15:28:45 EDT", "1995-04-04T19:28:45Z"},
		{"Mon Jan  2 15:04:05 2006", "2006-01-02T15:04:05Z"},
		{"Mon Jan  2 15:04:05 MST 2006", "2006-01-02T22:04:05Z"},
		{"Thu, 11 Jan 2024 10:15:02 UT", "2024-01-11T10:15:02Z"},
		{"Thu, 11 Jan 2024 10:15:02 GMT", "2024-01-11T10:15:02Z"},
		{"Thu, 11 Jan 2024 10:15:02 EST5EDT", "2024-01-11T15:15:02Z"},
		{"Thu, 11 Jan 2024 10:15:02 (GMT-8)", "2024-01-11T18:15:02Z"},
		{"Thu, 11 Jan 2024 10:15:02 GMT+0530", "2024-01-11T04:45:02Z"},
		{"Mon, 01 Jan 2024 10:00:00.123 +0000 (UTC)", "2024-01-01T10:00:00Z"},
		{"Thu, 6 May 2004 17:40:44-0500", "2004-05-06T22:40:44Z"},
		{"2024-01-11 10:15:02.123456789 +0000 UTC m=+12.5", "2024-01-11T10:15:02Z"},
		{"2024-01-11T10:15:02Z", "2024-01-11T10:15:02Z"},
		{"Thu, 11 Jan 2024 10:15 +0200", "2024-01-11T08:15:00Z"},
		{"Thu, 10 Nov 2005 08:24:21 -0600 id 000000DB.43735815.00001E11", "2005-11-10T14:24:21Z"},
		{"Thursday, 11-Jan-2024 10:15:07 (GMT-8)", "2024-01-11T18:15:07Z"},
		{"Fri, 31 Dec 1999 23:59:60 +0000", "1999-12-31T23:59:59Z"},
		{"4/20/2018 23:01:06 -0400 (EDT)", "2018-04-21T03:01:06Z"},
		{"4/20/2018 11:01:16 PM -0400", "2018-04-21T03:01:16Z"},
		{"4/20/2018 12:01:16 AM -0400", "2018-04-20T04:01:16Z"},
		{"20/4/2018 23:01:06 +0000", "2018-04-20T23:01:06Z"},
		{"2018-4-20 11:01:08 PM", "2018-04-20T23:01:08Z"},
		{"2018/04/20 09:01:08 AM +0200", "2018-04-20T07:01:08Z"},
		{"Fri, 20 Apr 2018\r\n\t23:01:06 -0400", "2018-04-21T03:01:06Z"},
		{"4/20/2018 13:01:16 PM -0400", "2018-04-20T17:01:16Z"},
		{"13/20/2018 10:00:00 +0000", ""},
		{"Thu, 30 Feb 2024 10:15:02 +0000", ""},
		{"Thu, 11 Jan 2024 25:15:02 +0000", ""},
		{"not a date", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, ok := ParseDate(tt.raw)
			if tt.want == "" {
				if ok {
					t.Errorf("ParseDate(%q) = %v, want unreadable", tt.raw, got)
				}
				return
			}
			if !ok {
				t.Fatalf("ParseDate(%q) unreadable, want %s", tt.raw, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("location %v, want UTC", got.Location())
			}
			if s := got.Format(time.RFC3339); s != tt.want {
				t.Errorf("ParseDate(%q) = %s, want %s", tt.raw, s, tt.want)
			}
		})
	}
	// Fractional seconds are kept.
	got, _ := ParseDate("Mon, 01 Jan 2024 10:00:00.123 +0000")
	if got.Nanosecond() != 123000000 {
		t.Errorf("nanoseconds = %d, want 123000000", got.Nanosecond())
	}
}

func TestParseReceivedDateRawKept(t *testing.T) {
	r := Parse("from a.example by b.example with SMTP; someday soon")
	if r.DateRaw != "someday soon" || !r.Date.IsZero() {
		t.Errorf("DateRaw = %q, Date = %v", r.DateRaw, r.Date)
	}
	if !hasWarning(r, "unreadable date") {
		t.Errorf("warnings %v, want unreadable date", r.Warnings)
	}
	r = Parse("from a.example by b.example with SMTP")
	if !hasWarning(r, "no date") {
		t.Errorf("warnings %v, want no date", r.Warnings)
	}
}

func hasWarning(r Received, w string) bool {
	for _, x := range r.Warnings {
		if x == w {
			return true
		}
	}
	return false
}

func TestParseReceivedTLS(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		enc     Encryption
		version string
		cipher  string
		with    string
	}{
		{"postfix using", "from a.example (a.example [192.0.2.1]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) by b.example (Postfix) with ESMTPS id 1",
			EncryptionYes, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "ESMTPS"},
		{"sendmail version", "from a.example ([192.0.2.1]) by b.example (8.17.1/8.17.1) with ESMTP id 1 (version=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256 verify=NOT)",
			EncryptionYes, "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "ESMTP"},
		{"microsoft", "from a.example (192.0.2.1) by b.example (10.0.0.1) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.1.2",
			EncryptionYes, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ESMTPS"},
		{"microsoft plain", "from a.example (192.0.2.1) by b.example (10.0.0.1) with Microsoft SMTP Server id 15.20.1.2 via Frontend Transport",
			EncryptionNo, "", "", "ESMTP"},
		{"gmail", "from a.example (a.example. [192.0.2.1]) by mx.google.com with ESMTPS id x (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128)",
			EncryptionYes, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "ESMTPS"},
		{"exim paren", "from a.example ([192.0.2.1]) by b.example with esmtps (TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256) (Exim 4.92) id 1",
			EncryptionYes, "TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "ESMTPS"},
		{"exim tls word", "from a.example ([192.0.2.1]) by b.example with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) id 1",
			EncryptionYes, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "ESMTPS"},
		{"exim old", "from a.example ([192.0.2.1]) by b.example with esmtp (TLS-1.0:DHE_RSA_3DES_EDE_CBC_SHA:24) (Exim 4.50) id 1",
			EncryptionYes, "TLSv1.0", "DHE_RSA_3DES_EDE_CBC_SHA", "ESMTP"},
		{"opensmtpd", "from a.example (a.example [192.0.2.1]) by b.example (OpenSMTPD) with ESMTPSA id 5d3b1f2c (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO) auth=yes user=z",
			EncryptionYes, "TLSv1.3", "TLS_AES_256_GCM_SHA384", "ESMTPSA"},
		{"courier", "from a ([192.0.2.1]) (AUTH: LOGIN u, TLS: TLSv1/SSLv3,256bits,AES256-SHA) by b.example with ESMTPSA",
			EncryptionYes, "TLSv1/SSLv3", "AES256-SHA", "ESMTPSA"},
		{"ecelerity cipher", "from [192.0.2.1] ([192.0.2.1:1234] helo=a) by b.example (ecelerity 4.2) with ESMTPS (cipher=ECDHE-RSA-AES256-GCM-SHA384) id 1",
			EncryptionYes, "", "ECDHE-RSA-AES256-GCM-SHA384", "ESMTPS"},
		{"rfc8314", "from a.example ([192.0.2.1]) by b.example with ESMTPS tls TLS1.3 id 1",
			EncryptionYes, "TLSv1.3", "", "ESMTPS"},
		{"encrypted word", "from a.example ([192.0.2.1]) by b.example with ECDHE-RSA-AES256-GCM-SHA384 encrypted SMTP",
			EncryptionYes, "", "ECDHE-RSA-AES256-GCM-SHA384", "SMTP"},
		{"google transport", "from a.google.com (a.google.com. [209.85.220.41]) by mx.google.com with SMTPS id x for <u@example.org> (Google Transport Security)",
			EncryptionYes, "", "", "SMTPS"},
		{"sslv3", "from a.example ([192.0.2.1]) by b.example with esmtp (SSLv3:RC4-MD5:128) (Exim 4.50) id 1",
			EncryptionYes, "SSLv3", "RC4-MD5", "ESMTP"},
		{"plain esmtp", "from a.example ([192.0.2.1]) by b.example with ESMTP id 1", EncryptionNo, "", "", "ESMTP"},
		{"plain lowercase", "from a.example ([192.0.2.1]) by b.example with esmtpa id 1", EncryptionNo, "", "", "ESMTPA"},
		{"utf8", "from a.example ([192.0.2.1]) by b.example with UTF8SMTPSA id 1", EncryptionYes, "", "", "UTF8SMTPSA"},
		{"lmtp", "from a.example by b.example with LMTP id 1", EncryptionNo, "", "", "LMTP"},
		{"http", "from 192.0.2.1 by b.example with HTTP", EncryptionUnknown, "", "", "HTTP"}, // webmail: TLS ends at the front end,
		{"https", "from a.example (::1) by b.example with HTTPS", EncryptionYes, "", "", "HTTPS"},
		{"mapi", "from a.example ([fe80::1]) by a.example ([fe80::1%5]) with mapi id 15.20.1.2", EncryptionUnknown, "", "", "MAPI"},
		{"no with", "from a.example by b.example id 1", EncryptionUnknown, "", "", ""},
		{"unknown protocol", "from a.example by b.example with QMQP", EncryptionUnknown, "", "", "QMQP"},
		{"exim 4 Cipher", "from a.example ([192.0.2.1]) by b.example with esmtp (Cipher TLSv1:DES-CBC3-SHA:168) (Exim 4.34) id 1",
			EncryptionYes, "TLSv1.0", "DES-CBC3-SHA", "ESMTP"},
		{"exim 4 tls_cipher", "from u by b.example with local-esmtps (tls_cipher TLS-1.0:RSA_AES_256_CBC_SHA:32) (Exim 4.50) id 1",
			EncryptionYes, "TLSv1.0", "RSA_AES_256_CBC_SHA", "local"},
		{"courier spaced", "from a.example (a.example [192.0.2.1]) (TLS: TLSv1/SSLv3, 168bits,DES-CBC3-SHA) by b.example with ESMTPS",
			EncryptionYes, "TLSv1/SSLv3", "DES-CBC3-SHA", "ESMTPS"},
		{"iis smtpsvc", "from a.example ([192.0.2.1]) by b.example with Microsoft SMTPSVC(6.0.3790.4675)", EncryptionUnknown, "", "", "SMTP"},
		{"iis smtpsvc over tls", "from a ([192.0.2.1]) by b.example over TLS secured channel with Microsoft SMTPSVC(6.0.3790.4675)", EncryptionYes, "", "", "SMTP"},
		{"local", "from www by b.example with local (Exim 4.96) id 1", EncryptionNo, "", "", "local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(tt.value)
			want := TLS{Encrypted: tt.enc, Version: tt.version, Cipher: tt.cipher}
			if r.TLS != want {
				t.Errorf("TLS = %+v, want %+v", r.TLS, want)
			}
			if r.With != tt.with {
				t.Errorf("With = %q, want %q", r.With, tt.with)
			}
		})
	}
}

func TestParseReceivedKind(t *testing.T) {
	tests := []struct {
		value string
		kind  Kind
		ip    string
	}{
		{"(qmail 1234 invoked by uid 89); 11 Jan 2024 10:15:02 -0000", KindLocal, ""},
		{"(qmail 4321 invoked for bounce); 11 Jan 2024 10:15:02 -0000", KindLocal, ""},
		{"(qmail 87263 messnum 771997 invoked from network[198.51.100.2/c.example]); 11 Jan 2024 10:16:03 -0000", KindLocal, "198.51.100.2"},
		{"by mail.example.org (Postfix, from userid 1000) id 1; Thu, 11 Jan 2024 10:15:02 +0000", KindLocal, ""},
		{"from www by web.example.org with local (Exim 4.96) id 1", KindLocal, ""},
		{"from u by h.example.org with local-bsmtp (Exim 4.96) id 1", KindLocal, ""},
		{"by h.example.org with LOCAL; Thu, 11 Jan 2024 10:15:02 +0000", KindLocal, ""},
		{"(from root@localhost) by h.example.org (8.17.1/8.17.1/Submit) id 1; Thu, 11 Jan 2024 10:15:02 +0000", KindLocal, ""},
		{"from pop.example.net [198.51.100.1] by localhost with POP3 (fetchmail-6.4.37) for <a@localhost> (single-drop)", KindRetrieval, "198.51.100.1"},
		{"from imap.example.net by laptop with IMAP (getmail 6.18)", KindRetrieval, ""},
		{"from a.example (a.example [192.0.2.1]) by b.example with ESMTP id 1", KindRelay, "192.0.2.1"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			r := Parse(tt.value)
			if r.Kind != tt.kind {
				t.Errorf("Kind = %q, want %q", r.Kind, tt.kind)
			}
			var want netip.Addr
			if tt.ip != "" {
				want = netip.MustParseAddr(tt.ip)
			}
			if r.FromIP != want {
				t.Errorf("FromIP = %v, want %v", r.FromIP, want)
			}
		})
	}
}

func TestParseReceivedClauses(t *testing.T) {
	v := "from a.example (a.example [192.0.2.1]) (Authenticated sender: u@example.org) by b.example (Postfix) with ESMTPSA id ABC123 for <rcpt@example.net>; Thu, 11 Jan 2024 10:15:02 +0000"
	r := Parse(v)
	want := Received{
		Parsed: true, Kind: KindRelay, FromHELO: "a.example", FromRDNS: "a.example",
		FromIP: netip.MustParseAddr("192.0.2.1"), By: "b.example", With: "ESMTPSA", WithRaw: "ESMTPSA",
		TLS: TLS{Encrypted: EncryptionYes}, Auth: "authenticated sender", ID: "ABC123", For: "rcpt@example.net",
		Date: time.Date(2024, 1, 11, 10, 15, 2, 0, time.UTC), DateRaw: "Thu, 11 Jan 2024 10:15:02 +0000", Raw: v,
	}
	if diff := cmp.Diff(want, r, cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestParseReceivedLenient(t *testing.T) {
	for _, v := range []string{"", "   ", "(", ")", "from", "by", ";", "from (", "from [", "from [1.2.3.4", "(from", strings.Repeat("(", 1000), strings.Repeat("from x ", 500)} {
		r := Parse(v)
		if r.Raw != v {
			t.Errorf("Raw = %q, want %q", r.Raw, v)
		}
		if r.Kind == "" || r.TLS.Encrypted == "" {
			t.Errorf("%q: Kind %q, Encrypted %q must be set", v, r.Kind, r.TLS.Encrypted)
		}
	}
	r := Parse("garbage that is not a received field")
	if r.Parsed || len(r.Warnings) == 0 {
		t.Errorf("Parsed = %v, warnings %v; want false with warnings", r.Parsed, r.Warnings)
	}
}

// TestParseReceivedFoldedTolerated checks that a value whose folding was not
// removed still parses like the unfolded one.
func TestParseReceivedFoldedTolerated(t *testing.T) {
	unfolded := "from a.example (a.example [192.0.2.1]) by b.example (Postfix) with ESMTPS id 1 for <u@example.org>; Thu, 11 Jan 2024 10:15:02 +0000"
	folded := "from a.example (a.example [192.0.2.1])\r\n\tby b.example (Postfix) with ESMTPS id 1\r\n\tfor <u@example.org>;\r\n Thu, 11 Jan 2024 10:15:02 +0000"
	a, b := Parse(unfolded), Parse(folded)
	a.Raw, b.Raw = "", ""
	a.DateRaw, b.DateRaw = "", ""
	if diff := cmp.Diff(a, b, cmp.Comparer(func(x, y netip.Addr) bool { return x == y })); diff != "" {
		t.Errorf("folded differs (-unfolded +folded):\n%s", diff)
	}
}

func TestParseReceivedSendmailLocalIdent(t *testing.T) {
	r := Parse("(from alice@localhost) by h.example.org (8.17.1/8.17.1/Submit) id 40BAB4aa007788; Thu, 11 Jan 2024 11:14:15 +0100")
	if r.Kind != KindLocal || r.Ident != "alice" || r.FromHELO != "" || r.By != "h.example.org" || r.ID != "40BAB4aa007788" {
		t.Errorf("got Kind %q Ident %q FromHELO %q By %q ID %q", r.Kind, r.Ident, r.FromHELO, r.By, r.ID)
	}
}

// TestParseReceivedLinear feeds large hostile values; parsing must stay
// linear (a quadratic scan would take minutes on these).
func TestParseReceivedLinear(t *testing.T) {
	for _, v := range []string{
		strings.Repeat("(", 1<<20),
		strings.Repeat("()", 1<<19),
		strings.Repeat("[", 1<<20),
		"from " + strings.Repeat("a(b [192.0.2.1]) ", 1<<16),
		strings.Repeat(";", 1<<20),
		strings.Repeat("from (", 1<<17),
		strings.Repeat("\"", 1<<20),
		strings.Repeat("tls ", 1<<18),
		"from x (" + strings.Repeat("HELO ", 1<<18) + ")",
		"from x (" + strings.Repeat("(a", 1<<18) + ")",
	} {
		start := time.Now()
		r := Parse(v)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%.20q...: %v", v, d)
		}
		if r.Raw != v {
			t.Errorf("%.20q...: Raw not kept", v)
		}
	}
}

// TestParseReceivedParsedNeedsHost checks that Parsed means a host was
// understood (from or by) or a local injection was recorded, whatever other
// comments say: a qmail "invoked" line marks the field local, but a
// retrieval note beside it leaves no host and no local record.
func TestParseReceivedParsedNeedsHost(t *testing.T) {
	tests := []struct {
		value  string
		parsed bool
		kind   Kind
	}{
		{"(qmail 123 invoked by uid 89); 11 Jan 2024 10:15:02 -0000", true, KindLocal},
		{"(qmail 123 invoked by uid 89) (fetchmail)", false, KindRetrieval},
		{"(fetchmail)", false, KindRetrieval},
		{"by mx.example.org with POP3 (fetchmail-6.4.37)", true, KindRetrieval},
		{"(Postfix, from userid 1000)", true, KindLocal},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			r := Parse(tt.value)
			if r.Parsed != tt.parsed || r.Kind != tt.kind {
				t.Errorf("Parsed = %v, Kind = %q; want %v, %q", r.Parsed, r.Kind, tt.parsed, tt.kind)
			}
			if r.Parsed != (r.By != "" || r.FromHELO != "" || r.FromIP.IsValid() || r.Kind == KindLocal) {
				t.Errorf("Parsed = %v disagrees with from/by/kind: %+v", r.Parsed, r)
			}
		})
	}
}

// TestParseReceivedFoldedDate checks dates folded onto the next line, after
// the ";" and inside the date, as a header reader that keeps the folding
// passes them.
func TestParseReceivedFoldedDate(t *testing.T) {
	want := time.Date(2018, 4, 21, 3, 1, 6, 0, time.UTC)
	for _, v := range []string{
		"from a.example ([192.0.2.6]) by mx.example.org with SMTP;\r\n\tFri, 20 Apr 2018 23:01:06 -0400",
		"from a.example ([192.0.2.6]) by mx.example.org with SMTP id 1\r\n\tFri, 20 Apr 2018 23:01:06 -0400",
		"from a.example ([192.0.2.6]) by mx.example.org with SMTP; Fri, 20 Apr 2018\r\n 23:01:06 -0400 (EDT)",
		"from a.example ([192.0.2.6]) by mx.example.org with SMTP;\r\n\t4/20/2018 11:01:06 PM\r\n\t-0400",
	} {
		r := Parse(v)
		if !r.Date.Equal(want) {
			t.Errorf("%q: Date = %v, want %v (warnings %v)", v, r.Date, want, r.Warnings)
		}
	}
}
