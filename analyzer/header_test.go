package analyzer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/mailroute/mailroute/mailbox"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		limit   int
		want    string
		wantErr error
	}{
		{"lf", "A: 1\nB: 2\n\nbody\n", 0, "A: 1\nB: 2\n\n", nil},
		{"crlf", "A: 1\r\nB: 2\r\n\r\nbody\r\n", 0, "A: 1\r\nB: 2\r\n\r\n", nil},
		{"no body", "A: 1\nB: 2\n", 0, "A: 1\nB: 2\n", nil},
		{"no final newline", "A: 1", 0, "A: 1", nil},
		{"empty", "", 0, "", nil},
		{"exactly at limit", "A: 12\n\n", 8, "A: 12\n\n", nil},
		{"over limit", "A: 123456789\n\n", 8, "A: 12345", mailbox.ErrHeaderTooLarge},
		{"white-space-only lines first", " \n\t\r\nA: 1\n\nbody\n", 0, " \n\t\r\nA: 1\n\n", nil},
		{"long line over limit", strings.Repeat("x", 200000), 1000, strings.Repeat("x", 1000), mailbox.ErrHeaderTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadHeader(strings.NewReader(tt.in), tt.limit)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		_, err := ReadHeader(iotest.ErrReader(errors.New("disk on fire")), 0)
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("err = %v, want the reader's error wrapped", err)
		}
	})
}

func TestParseHeaderLenient(t *testing.T) {
	in := "From mbox-sep@example.org Thu Jan  1 00:00:00 2026\n" +
		"Received: from a.example.org ([198.51.100.1])\n\tby b.example.org with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000\n" +
		"this line has no colon\n" +
		"Bad Key: value\n" +
		"Received: from c.example.org ([198.51.100.2]) by a.example.org with ESMTP; Thu, 1 Jan 2026 09:59:00 +0000\n" +
		"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n\nbody"
	h, warnings := ParseHeader([]byte(in), nil)
	if got := len(h.Values("Received")); got != 2 {
		t.Fatalf("kept %d Received fields, want 2 (fields after a bad line must survive)", got)
	}
	if !strings.Contains(h.Values("Received")[0], "by b.example.org") {
		t.Errorf("first Received not unfolded/top-first: %q", h.Values("Received")[0])
	}
	if len(warnings) != 2 {
		t.Errorf("warnings = %q, want 2", warnings)
	}
	if h.Get("subject") == "" {
		t.Errorf("Get is not case-insensitive")
	}
}

// TestLeadingSpaceLines checks that lines holding only white space before
// the header section are skipped with a warning, by ParseHeader and by
// AnalyzeReader (which reads the header with ReadHeader), in LF and CRLF.
func TestLeadingSpaceLines(t *testing.T) {
	const rcvd = "Received: from a.example.org (a.example.org [198.51.100.1]) by mx.example.net with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000\n"
	tests := []struct {
		name, in string
		want     string // warning, "" for none
	}{
		{"one space line", " \n" + rcvd + "\nbody\n", "skipped 1 white-space-only line before the header section"},
		{"tabs and CRLF", "\t\r\n \t \r\n" + strings.ReplaceAll(rcvd, "\n", "\r\n") + "\r\nbody\r\n", "skipped 2 white-space-only lines before the header section"},
		{"after the mbox From line", "From a@example.org Thu Jan  1 00:00:00 2026\n \n" + rcvd + "\n", "skipped 1 white-space-only line before the header section"},
		{"none", rcvd + "\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, warnings := ParseHeader([]byte(tt.in), nil)
			var want []string
			if tt.want != "" {
				want = []string{tt.want}
			}
			if fmt.Sprint(warnings) != fmt.Sprint(want) {
				t.Errorf("ParseHeader warnings = %q, want %q", warnings, want)
			}
			if len(h.Values("Received")) != 1 {
				t.Errorf("ParseHeader: %d Received fields, want 1", len(h.Values("Received")))
			}
			res := AnalyzeReader(context.Background(), strings.NewReader(tt.in), "m", Options{})
			if res.Error != "" || len(res.Received) != 1 || res.Received[0].FromIP.String() != "198.51.100.1" {
				t.Fatalf("AnalyzeReader: error %q, %d Received fields", res.Error, len(res.Received))
			}
			if fmt.Sprint(res.Warnings) != fmt.Sprint(want) && !(len(want) == 0 && len(res.Warnings) == 0) {
				t.Errorf("AnalyzeReader warnings = %q, want %q", res.Warnings, want)
			}
		})
	}
}

func TestAnalyzeMessageFields(t *testing.T) {
	in := "Received: from a.example.org (a.example.org [198.51.100.1]) by mx.example.net with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000\n" +
		"From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@Mail.Example.ORG>\n" +
		"Return-Path: <bounce@bounces.example.org>\n" +
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel;\n b=abc\n" +
		"DKIM-Signature: v=1; a=rsa-sha256; d=esp.example.com; s=sel; b=def\n" +
		"Message-ID: <abc@example.org>\n" +
		"Date: Thu, 1 Jan 2026 10:59:58 +0100\n" +
		"List-Id: <team.example.org>\n" +
		"Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=x\n\n"
	res := Analyze(context.Background(), []byte(in), "m.eml", Options{KeepHeaders: []string{"list-id"}})
	if res.Error != "" {
		t.Fatalf("error: %s", res.Error)
	}
	checks := map[string][2]string{
		"from_domain":        {res.FromDomain, "mail.example.org"},
		"return_path_domain": {res.ReturnPathDomain, "bounces.example.org"},
		"dkim":               {strings.Join(res.DKIMDomains, ","), "example.org,esp.example.com"},
		"message_id":         {res.MessageID, "abc@example.org"},
		"date":               {res.Date, "2026-01-01T09:59:58Z"},
		"kept header":        {res.Headers["List-Id"], "<team.example.org>"},
		"body encryption":    {res.Summary.BodyEncryption, "pgp"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
}

func TestBodyEncryption(t *testing.T) {
	tests := map[string]string{
		"":                          "none",
		"text/plain; charset=utf-8": "none",
		`multipart/encrypted; protocol="application/pgp-encrypted"; boundary=a`: "pgp",
		`application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m`:     "smime",
		`application/x-pkcs7-mime; name=smime.p7m`:                              "smime",
		`application/pkcs7-mime; smime-type=signed-data`:                        "none",
		`multipart/signed; protocol="application/pkcs7-signature"`:              "none",
		"garbage;;;": "none",
		// The words after the media type name no encrypted type.
		`text/plain; name="encrypted.pkcs7"`:                           "none",
		`multipart/mixed; protocol="application/pgp-encrypted"`:        "none",
		`  MULTIPART/Encrypted ; protocol="application/pgp-encrypted"`: "pgp",
		"Application/PKCS7-MIME":                                       "smime",
	}
	for ct, want := range tests {
		if got := bodyEncryption(ct); got != want {
			t.Errorf("bodyEncryption(%q) = %q, want %q", ct, got, want)
		}
	}
}

func TestAnalyzeFailures(t *testing.T) {
	tests := []struct {
		name, in, reason string
		limit            int
	}{
		{"no received", "From: a@example.org\nSubject: x\n\n", FailNoReceived, 0},
		{"empty", "", FailUnreadable, 0},
		{"too large", "Received: from a by b; Thu, 1 Jan 2026 10:00:00 +0000\nX: " + strings.Repeat("y", 100) + "\n\n", FailHeaderTooLarge, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := AnalyzeReader(context.Background(), strings.NewReader(tt.in), "src.eml", Options{MaxHeaderBytes: tt.limit})
			if res.FailReason != tt.reason {
				t.Errorf("reason = %q, want %q (error %q)", res.FailReason, tt.reason, res.Error)
			}
			if !strings.Contains(res.Error, "src.eml") {
				t.Errorf("error %q does not name the message", res.Error)
			}
		})
	}
}

// seedMessages returns the sample messages, for fuzzing and benchmarks.
func seedMessages(tb testing.TB) [][]byte {
	tb.Helper()
	files, _ := filepath.Glob("../samples/*.eml")
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// seedHeaders returns the header sections of the sample messages.
func seedHeaders(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, m := range seedMessages(tb) {
		h, err := ReadHeader(bytes.NewReader(m), 0)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, h)
	}
	return out
}

func FuzzAnalyze(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
	f.Add([]byte("Received: from [IPv6:::1] by x; \n\n"))
	// A result of a long trace, whose memory AnalyzeInto reuses.
	seeds := seedHeaders(f)
	big := seeds[len(seeds)/2]
	f.Fuzz(func(t *testing.T, msg []byte) {
		hdr, err := ReadHeader(bytes.NewReader(msg), 1<<16)
		if err != nil && !errors.Is(err, mailbox.ErrHeaderTooLarge) {
			t.Fatalf("ReadHeader: %v", err)
		}
		if len(hdr) > 1<<16 {
			t.Fatalf("header of %d bytes beyond the cap", len(hdr))
		}
		res := Analyze(context.Background(), hdr, "fuzz", Options{})
		if res.Error == "" && len(res.Received) == 0 {
			t.Fatalf("analysed without Received fields")
		}
		for i, s := range res.Segments {
			if s.From < 0 || s.To >= len(res.Nodes) || s.From >= s.To {
				t.Fatalf("segment %d joins %d->%d of %d nodes", i, s.From, s.To, len(res.Nodes))
			}
			if s.Received < 0 || s.Received >= len(res.Received) {
				t.Fatalf("segment %d names field %d of %d", i, s.Received, len(res.Received))
			}
		}
		if res.Summary.Hops != len(res.Segments) {
			t.Fatalf("hops %d != segments %d", res.Summary.Hops, len(res.Segments))
		}
		reused := Analyze(context.Background(), big, "big", Options{})
		AnalyzeInto(context.Background(), hdr, "fuzz", Options{}, &reused)
		if diff := cmp.Diff(res, reused, allFields); diff != "" {
			t.Fatalf("AnalyzeInto a reused result differs (-Analyze +AnalyzeInto):\n%s", diff)
		}
	})
}

// BenchmarkAnalyze measures the whole per-message path (header parsing,
// Received parsing, path building, summary) without geolocation.
func BenchmarkAnalyze(b *testing.B) {
	msgs := seedMessages(b)
	var hdrs [][]byte
	var total int64
	for _, m := range msgs {
		h, err := ReadHeader(bytes.NewReader(m), 0)
		if err != nil {
			b.Fatal(err)
		}
		hdrs = append(hdrs, h)
		total += int64(len(h))
	}
	b.SetBytes(total / int64(len(hdrs)))
	b.ReportAllocs()
	ctx := context.Background()
	opts := Options{}.withDefaults()
	i := 0
	for b.Loop() {
		Analyze(ctx, hdrs[i%len(hdrs)], "bench", opts)
		i++
	}
}

func TestAddressDomain(t *testing.T) {
	tests := map[string]string{
		"Jürgen <juergen@Mail.Example.ORG>":       "mail.example.org",
		"=?UTF-8?Q?J=C3=BCrgen?= <j@example.org>": "example.org",
		"<bounce+abc=x@bounces.example.org>":      "bounces.example.org",
		"j@example.org":                           "example.org",
		"j@example.org (Jürgen)":                  "example.org",
		`"Doe, John" <john@example.net>`:          "example.net",
		"a@example.org, b@example.com":            "example.org",
		"<>":                                      "",
		"":                                        "",
		"undisclosed-recipients:;":                "",
		"Evil <a@b.example> <c@d.example>":        "d.example",
		"broken <no-at-sign>":                     "",
		"x <y@[192.0.2.1]>":                       "192.0.2.1",
	}
	for in, want := range tests {
		if got := addressDomain(in); got != want {
			t.Errorf("addressDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkReadHeader measures reading and splitting the header section of
// the sample messages (the part of the per-message path before any Received
// field is parsed).
func BenchmarkReadHeader(b *testing.B) {
	msgs := seedMessages(b)
	var total int64
	for _, m := range msgs {
		total += int64(len(m))
	}
	b.SetBytes(total / int64(len(msgs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		hdr, err := ReadHeader(bytes.NewReader(msgs[i%len(msgs)]), 0)
		if err != nil {
			b.Fatal(err)
		}
		ParseHeader(hdr, func(name []byte) bool { return wantField(name, nil) })
		i++
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
	f.Add([]byte(" leading continuation\nA: b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		all, _ := ParseHeader(b, nil)
		some, _ := ParseHeader(b, func(name []byte) bool { return wantField(name, nil) })
		if len(some.Fields) > len(all.Fields) {
			t.Fatalf("filtered header has more fields (%d) than the whole (%d)", len(some.Fields), len(all.Fields))
		}
		for _, f := range all.Fields {
			if strings.Contains(f.Value, "\n") {
				t.Fatalf("field %s not unfolded: %q", f.Key, f.Value)
			}
		}
	})
}

// BenchmarkAnalyzeLongTrace analyses a header of 9000 Received fields with
// distinct hosts (about 1 MiB, the default cap): per-message work must stay
// linear in the number of fields.
func BenchmarkAnalyzeLongTrace(b *testing.B) {
	var buf bytes.Buffer
	for i := range 9000 {
		fmt.Fprintf(&buf, "Received: from h%d.ex%d.com ([198.51.%d.%d]) by h%d.ex%d.com with ESMTPS; Thu, 1 Jan 2026 10:00:00 +0000\n",
			i, i, (i/250)%250, i%250+1, i+1, i+1)
	}
	buf.WriteString("Subject: long\n\n")
	hdr := buf.Bytes()
	b.SetBytes(int64(len(hdr)))
	b.ReportAllocs()
	for b.Loop() {
		res := Analyze(context.Background(), hdr, "long", Options{})
		if len(res.Nodes) != 9001 {
			b.Fatalf("%d nodes, want 9001", len(res.Nodes))
		}
	}
}

// TestAppendCanonicalKey checks appendCanonicalKey against
// net/textproto.CanonicalMIMEHeaderKey for names with every byte value at
// the start, the middle and the end, and for names longer than its buffer.
func TestAppendCanonicalKey(t *testing.T) {
	names := []string{"x-ms-exchange-organization-scl", "ARC-Authentication-Results", "X-Forefront-Antispam-Report", "a", "-a-", "x--y",
		strings.Repeat("ab-", 30), strings.Repeat("Q", 64), strings.Repeat("q", 65)}
	for c := range 256 {
		for _, n := range []string{"x-spam", "authentication-results"} {
			names = append(names, string([]byte{byte(c)})+n, n[:3]+string([]byte{byte(c)})+n[3:], n+string([]byte{byte(c)}))
		}
	}
	for _, n := range names {
		var b textBuf
		appendCanonicalKey(&b, []byte(n))
		if got, want := b.String(), textproto.CanonicalMIMEHeaderKey(n); got != want {
			t.Errorf("appendCanonicalKey(%q) = %q, want %q", n, got, want)
		}
	}
}
