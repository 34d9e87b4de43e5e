package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// testSamples are small hand-written messages: LF and CRLF endings, a body
// line starting with "From ", a folded Received field, IPv4 addresses,
// version strings that look almost like addresses.
func testSamples() fstest.MapFS {
	a := "Return-Path: <alice@example.org>\n" +
		"Received: from mx.example.org (mx.example.org [198.51.100.7])\n" +
		"\tby mail.example.net (Postfix 3.7.11) with ESMTPS id 4Xy; Mon, 13 Jan 2025 11:14:09 +0100\n" +
		"Received: from [10.1.2.3] (client.example.org [198.51.100.7]) by mx.example.org\n" +
		" with ESMTPSA id abc.2025.01.13.02.14.07\n" +
		" (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\n" +
		" Mon, 13 Jan 2025 02:14:07 -0800 (PST)\n" +
		"From: Alice <alice@example.org>\n" +
		"Date: Mon, 13 Jan 2025 11:14:05 +0100\n" +
		"Message-ID: <abc@example.org>\n" +
		"Subject: hi\n" +
		"\n" +
		"Hello\nFrom the team\n>From quoted\nbye\n"
	b := "Received: from relay.example.com ([203.0.113.250]) by mx.example.net; Tue, 14 Jan 2025 08:00:00 +0000\r\n" +
		"From: bob@example.com\r\n" +
		"Subject: crlf\r\n" +
		"\r\n" +
		"Body line\r\n"
	return fstest.MapFS{
		"a.eml":      {Data: []byte(a)},
		"b.eml":      {Data: []byte(b)},
		"ignore.txt": {Data: []byte("not a message")},
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"1GiB", 1 << 30, false},
		{"1gib", 1 << 30, false},
		{"200MiB", 200 << 20, false},
		{"500MB", 500e6, false},
		{"64KiB", 64 << 10, false},
		{"1.5K", 1500, false},
		{"12345", 12345, false},
		{"2 GB", 2e9, false},
		{"", 0, true},
		{"GiB", 0, true},
		{"5 parsecs", 0, true},
		{"0", 0, true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestFindIPv4(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"from x ([198.51.100.7]) by y", []string{"198.51.100.7"}},
		{"(1.2.3.4) and 10.0.0.1;", []string{"1.2.3.4", "10.0.0.1"}},
		{"id abc.2025.01.13.02.14.07", nil},
		{"Postfix 3.7.11", nil},
		{"1.2.3.4.5", nil},
		{"256.1.1.1 01.2.3.4", nil},
		{"[IPv6:::ffff:192.0.2.1]", []string{"192.0.2.1"}},
		{"end 192.0.2.1.", []string{"192.0.2.1"}},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range findIPv4([]byte(tt.in)) {
			got = append(got, tt.in[m.start:m.end])
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("findIPv4(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeFrom(t *testing.T) {
	in := "From x\n>From y\n>>From z\nFromage\n From a\n"
	want := ">From x\n>>From y\n>>>From z\nFromage\n From a\n"
	if got := string(escapeFrom([]byte(in))); got != want {
		t.Errorf("escapeFrom = %q, want %q", got, want)
	}
}

// splitMbox splits an mboxrd file into messages (without the From_ line and
// the blank separator line), and returns the From_ lines.
func splitMbox(t *testing.T, b []byte) (fromLines []string, msgs [][]byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("From ")) {
		t.Fatal("mbox does not start with a From_ line")
	}
	var cur *bytes.Buffer
	prevBlank := true
	for line := range bytes.Lines(b) {
		if bytes.HasPrefix(line, []byte("From ")) {
			if !prevBlank {
				t.Fatalf("From_ line %q not preceded by a blank line (unescaped body line?)", line)
			}
			fromLines = append(fromLines, string(line))
			if cur != nil {
				msgs = append(msgs, bytes.TrimSuffix(cur.Bytes(), []byte("\n")))
			}
			cur = &bytes.Buffer{}
			prevBlank = false
			continue
		}
		cur.Write(line)
		prevBlank = string(line) == "\n"
	}
	if !prevBlank {
		t.Error("mbox does not end with a blank line")
	}
	msgs = append(msgs, bytes.TrimSuffix(cur.Bytes(), []byte("\n")))
	return fromLines, msgs
}

var ipRe = regexp.MustCompile(`\b(\d+)\.(\d+)\.(\d+)\.(\d+)\b`)

func TestGenerate(t *testing.T) {
	tmpls, err := loadSamples(testSamples())
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpls) != 2 {
		t.Fatalf("loaded %d samples, want 2", len(tmpls))
	}
	const size = 600 << 10
	var out bytes.Buffer
	st, err := generate(t.Context(), &out, tmpls, size, 1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes != int64(out.Len()) || st.Bytes < size || st.Bytes > size+bodyMax+4096 {
		t.Errorf("wrote %d bytes (stats %d), want at least %d and not much more", out.Len(), st.Bytes, size)
	}
	if bytes.Contains(out.Bytes(), []byte("\r")) {
		t.Error("output contains CR")
	}
	fromLines, msgs := splitMbox(t, out.Bytes())
	if int64(len(msgs)) != st.Messages || len(fromLines) != len(msgs) {
		t.Fatalf("%d messages in the file, stats say %d", len(msgs), st.Messages)
	}
	ids := map[string]bool{}
	var total int
	sawEscaped := false
	for i, m := range msgs {
		total += len(m)
		msg, err := mail.ReadMessage(bytes.NewReader(m))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		for _, r := range msg.Header["Received"] {
			for _, ip := range ipRe.FindAllStringSubmatch(strings.ReplaceAll(r, "abc.2025.01.13.02.14.07", ""), -1) {
				prefix := ip[1] + "." + ip[2]
				if prefix != "198.51" && prefix != "203.0" && prefix != "10.1" {
					t.Errorf("message %d: address %s left its /16", i, ip[0])
				}
			}
			if !strings.Contains(r, "abc.2025.01.13.02.14.07") && strings.Contains(r, "ESMTPSA") {
				t.Errorf("message %d: queue id rewritten: %q", i, r)
			}
		}
		d, err := msg.Header.Date()
		if err != nil && msg.Header.Get("Date") != "" {
			t.Fatalf("message %d: Date: %v", i, err)
		}
		if err == nil && (d.After(time.Date(2025, 1, 14, 9, 0, 0, 0, time.UTC)) || d.Before(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))) {
			t.Errorf("message %d: date %v outside the shift range", i, d)
		}
		if id := msg.Header.Get("Message-ID"); id != "" {
			if ids[id] {
				t.Errorf("message %d: Message-ID %s repeated", i, id)
			}
			ids[id] = true
		}
		body, _ := io.ReadAll(msg.Body)
		if bytes.Contains(body, []byte("\n>From the team\n")) || bytes.HasPrefix(body, []byte(">From")) {
			sawEscaped = true
		}
		if len(body) < bodyMin-1024 {
			t.Errorf("message %d: body only %d bytes", i, len(body))
		}
	}
	if !sawEscaped {
		t.Error("no escaped From line seen")
	}
	if avg := total / len(msgs); avg < 15<<10 || avg > 35<<10 {
		t.Errorf("average message size %d bytes, want 15–35 KiB", avg)
	}
	// The From_ lines carry the envelope sender and an asctime date.
	fromRe := regexp.MustCompile(`^From (alice@example\.org|MAILER-DAEMON) [A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d 20\d\d\n$`)
	for _, l := range fromLines {
		if !fromRe.MatchString(l) {
			t.Fatalf("bad From_ line %q", l)
		}
	}
	// Deterministic: the same seed gives the same bytes, another seed not.
	var again, other bytes.Buffer
	if _, err := generate(t.Context(), &again, tmpls, size, 1); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), again.Bytes()) {
		t.Error("two runs with the same seed differ")
	}
	if _, err := generate(t.Context(), &other, tmpls, size, 2); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(out.Bytes(), other.Bytes()) {
		t.Error("another seed gives the same bytes")
	}
}

func TestGenerateCancelled(t *testing.T) {
	tmpls, err := loadSamples(testSamples())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := generate(ctx, io.Discard, tmpls, 1<<30, 1); err == nil {
		t.Error("cancelled generation did not stop")
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	for name, f := range testSamples() {
		if err := os.WriteFile(filepath.Join(dir, name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out.mbox")
	var stderr bytes.Buffer
	if code := run(t.Context(), []string{"-size", "100KiB", "-o", out, "-samples", dir}, io.Discard, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Size() < 100<<10 {
		t.Fatalf("output %v, %v", fi, err)
	}
	if !strings.Contains(stderr.String(), "mkmbox: wrote ") {
		t.Errorf("no summary: %q", stderr.String())
	}
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-o", out}, 2, "usage"},
		{[]string{"-size", "1x", "-o", out}, 2, "unknown unit"},
		{[]string{"-size", "1K", "-o", out, "-samples", t.TempDir()}, 1, "no .eml files"},
		{[]string{"-size", "1K", "-o", filepath.Join(dir, "missing", "x"), "-samples", dir}, 1, "error"},
	}
	for _, tt := range tests {
		stderr.Reset()
		if code := run(t.Context(), tt.args, io.Discard, &stderr); code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
			t.Errorf("run(%q) = %d, %q; want %d and %q", tt.args, code, stderr.String(), tt.code, tt.msg)
		}
	}
}

func TestProjectSamples(t *testing.T) {
	dir := filepath.Join("..", "..", "samples")
	tmpls, err := loadSamples(os.DirFS(dir))
	if err != nil {
		t.Skipf("no project samples: %v", err)
	}
	var out bytes.Buffer
	st, err := generate(t.Context(), &out, tmpls, 2<<20, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, msgs := splitMbox(t, out.Bytes())
	if int64(len(msgs)) != st.Messages {
		t.Fatalf("%d messages in the file, stats say %d", len(msgs), st.Messages)
	}
	for i, m := range msgs {
		msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(m)))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if len(msg.Header["Received"]) == 0 {
			t.Errorf("message %d has no Received field", i)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	tmpls, err := loadSamples(testSamples())
	if err != nil {
		b.Fatal(err)
	}
	const size = 64 << 20
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := generate(b.Context(), io.Discard, tmpls, size, 1); err != nil {
			b.Fatal(err)
		}
	}
}
