package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writeCorpus builds a tiny corpus in dir: messages (tar.gz), the
// SpamAssassin oracle (jsonl.gz) and the rcvd_parser suite (jsonl).
func writeCorpus(t *testing.T, dir string, msgs map[string]string, oracle []map[string]any, suite []map[string]any) {
	t.Helper()
	var tb bytes.Buffer
	zw := gzip.NewWriter(&tb)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	// Deterministic order.
	for i := 0; i < len(names); i++ {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "messages/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		body := msgs[n]
		if err := tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dev-messages.tar.gz"), tb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	var ob bytes.Buffer
	ozw := gzip.NewWriter(&ob)
	enc := json.NewEncoder(ozw)
	for _, o := range oracle {
		if err := enc.Encode(o); err != nil {
			t.Fatal(err)
		}
	}
	if err := ozw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oracle-spamassassin.jsonl.gz"), ob.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	if suite != nil {
		if err := os.MkdirAll(filepath.Join(dir, "suites"), 0o755); err != nil {
			t.Fatal(err)
		}
		var sb bytes.Buffer
		senc := json.NewEncoder(&sb)
		for _, c := range suite {
			if err := senc.Encode(c); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, "suites", "spamassassin_rcvd_parser.jsonl"), sb.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func parsedHeader(i int, ip, rdns, helo, by string) map[string]any {
	return map[string]any{"i": i, "status": "parsed", "relay": i,
		"fields": map[string]string{"ip": ip, "rdns": rdns, "helo": helo, "by": by}}
}

func testCorpus(t *testing.T) string {
	dir := t.TempDir()
	msgs := map[string]string{
		// mbox separator line, CRLF, a folded field.
		"messages/alice+mails/one.eml": "From someone@example.net  Thu Jan 11 10:00:00 2024\r\n" +
			"Received: from mail.example.net (mail.example.net [198.51.100.25])\r\n" +
			"\tby mx.example.org (Postfix) with ESMTPS id 4TB\r\n" +
			"\tfor <a@example.org>; Thu, 11 Jan 2024 10:15:02 +0000 (UTC)\r\n" +
			"Received: from [203.0.113.5] (helo=laptop) by mail.example.net with esmtpsa (Exim 4.96) id 1r; Thu, 11 Jan 2024 10:15:01 +0000\r\n" +
			"Received: (qmail 1 invoked by uid 89); 11 Jan 2024 10:15:00 -0000\r\n" +
			"Subject: hi\r\n\r\nbody\r\n",
		// CR-only line ends.
		"messages/bob+list/two.eml": "Received: from a.example.com (a.example.com [192.0.2.7]) by b.example.com (Postfix) with SMTP id 1; Thu, 11 Jan 2024 10:00:00 +0000\r" +
			"Received: from [192.0.2.8] (helo=[10.0.0.8]) by c.example.com with esmtp (Exim 4.96) id 2; Thu, 11 Jan 2024 09:00:00 +0000\r" +
			"Received: from d.example.com ([192.0.2.9]) by e.example.com with esmtp id 3; Thu, 11 Jan 2024 08:00:00 +0000\r" +
			"Subject: x\r\r",
	}
	oracle := []map[string]any{
		{"file": "messages/alice+mails/one.eml", "headers": []map[string]any{
			parsedHeader(0, "198.51.100.25", "mail.example.net", "mail.example.net", "mx.example.org."),
			parsedHeader(1, "203.0.113.5", "", "laptop", "!Exim!"), // by not a host name: ip alone counts
			{"i": 2, "status": "skipped"},
		}},
		{"file": "messages/bob+list/two.eml", "headers": []map[string]any{
			parsedHeader(0, "192.0.2.7", "a.example.com", "a.example.com", "B.EXAMPLE.COM"),
			parsedHeader(1, "10.0.0.8", "", "", "c.example.com"),   // the HELO argument: disputed
			parsedHeader(2, "192.0.2.99", "", "", "e.example.com"), // wrong ip: mismatch
		}},
	}
	suite := []map[string]any{
		{"case": 1, "status": "parsed", "received": "from [10.0.0.1] (e.example [198.51.100.1]) by mx.example.org with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"expect": map[string]string{"ip": "198.51.100.1", "rdns": "e.example", "helo": "!10.0.0.1!", "by": "mx.example.org"}},
		{"case": 2, "status": "parsed", "received": "from a.example (a.example [192.0.2.1]) by b.example with ESMTP; Thu, 11 Jan 2024 10:00:00 +0000",
			"expect": map[string]string{"ip": "192.0.2.1", "rdns": "other.example", "helo": "a.example", "by": "b.example"}},
		{"case": 3, "status": "skipped", "received": "(qmail 1 invoked by uid 1); 11 Jan 2024 10:00:00 -0000",
			"expect": map[string]string{}},
	}
	writeCorpus(t, dir, msgs, oracle, suite)
	return dir
}

func TestMeasureCounts(t *testing.T) {
	dir := testCorpus(t)
	var out bytes.Buffer
	rep, err := measure(dir, &out, true)
	if err != nil {
		t.Fatal(err)
	}
	wantA := counts{Fields: 3, Parsed: 3, SARelays: 2, Matched: 2, Messages: 1}
	wantB := counts{Fields: 3, Parsed: 3, SARelays: 3, Matched: 1, Disputed: 1, Messages: 1}
	if diff := cmp.Diff(wantA, *rep.sources["alice/mails"]); diff != "" {
		t.Errorf("alice/mails (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantB, *rep.sources["bob/list"]); diff != "" {
		t.Errorf("bob/list (-want +got):\n%s", diff)
	}
	if rep.total.SARelays != 5 || rep.total.Matched != 3 || rep.total.Disputed != 1 {
		t.Errorf("total %+v", rep.total)
	}
	if got, want := rep.total.pct(), 75.0; got != want {
		t.Errorf("overall pct = %v, want %v", got, want)
	}
	wantSuite := suiteCounts{Cases: 2, IP: 2, RDNS: 1, HELO: 2, By: 2, All: 1}
	if diff := cmp.Diff(wantSuite, rep.suite); diff != "" {
		t.Errorf("suite (-want +got):\n%s", diff)
	}
	for _, want := range []string{"MISMATCH messages/bob+list/two.eml #2", "DISPUTED messages/bob+list/two.eml #1", "SUITE case 2"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verbose output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunFailUnder(t *testing.T) {
	dir := testCorpus(t)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-corpus", dir}, &stdout, &stderr); code != 0 {
		t.Errorf("exit %d without -fail-under, stderr %s", code, stderr.String())
	}
	for _, want := range []string{"alice/mails", "bob/list", "overall", "summary: 3/4 SpamAssassin relays matched (75.00%, 1 disputed excluded; 3/5 = 60.00% counting them as mismatches)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-corpus", dir, "-fail-under"}, &stdout, &stderr); code != 1 {
		t.Errorf("exit %d with -fail-under below the floors, want 1", code)
	}
	if !strings.Contains(stderr.String(), "below floor: overall 75.00%") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestRunCorpusMissing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-corpus", dir, "-fail-under"}, &stdout, &stderr); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if want := "accuracy: corpus not found at " + dir + ", skipping\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
}

func TestUnfold(t *testing.T) {
	for in, want := range map[string]string{
		"a\r\n b":     "a b",
		"a\n\tb":      "a\tb",
		"a\r b\r\n c": "a b c",
		"  a  ":       "a",
	} {
		if got := unfold(in); got != want {
			t.Errorf("unfold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSourceOf(t *testing.T) {
	if got := sourceOf("messages/rf-peixoto+phishing_pot/email__sample-1.eml"); got != "rf-peixoto/phishing_pot" {
		t.Errorf("sourceOf = %q", got)
	}
}
