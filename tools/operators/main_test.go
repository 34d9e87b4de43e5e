package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailroute/mailroute/operator"
)

// Two messages: a Gmail one whose relays name themselves under gmail.com
// and google.com (one company, two registrable domains), and one through
// a company's own server that the table does not know.
var corpusFiles = map[string]string{
	"messages/a+b/gmail.eml": "Received: from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41])\r\n" +
		"\tby mx.example.org with ESMTPS id x1; Mon, 2 Nov 2026 10:00:03 +0000\r\n" +
		"Received: from smtp.gmail.com (smtp.gmail.com [10.1.2.3])\r\n" +
		"\tby mail-sor-f41.google.com with ESMTPS id x2; Mon, 2 Nov 2026 10:00:02 +0000\r\n" +
		"Received: from [192.168.1.2] (dsl.example.com [198.51.100.7])\r\n" +
		"\tby smtp.gmail.com with ESMTPSA id y2; Mon, 2 Nov 2026 10:00:01 +0000\r\n" +
		"From: a@gmail.com\r\n\r\nbody\r\n",
	"messages/a+b/own.eml": "Received: from mail.example.net (mail.example.net [192.0.2.10])\r\n" +
		"\tby mx.example.org with ESMTP id z3; Mon, 2 Nov 2026 10:00:02 +0000\r\n" +
		"From: a@example.net\r\n\r\nbody\r\n",
	"messages/a+b/README": "not a message",
}

func writeCorpus(t *testing.T, dir string) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, name := range []string{"messages/a+b/README", "messages/a+b/gmail.eml", "messages/a+b/own.eml"} {
		body := corpusFiles[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}); err != nil {
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
	if err := os.WriteFile(filepath.Join(dir, "dev-messages.tar.gz"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMeasure(t *testing.T) {
	dir := t.TempDir()
	writeCorpus(t, dir)
	f, err := os.Open(filepath.Join(dir, "dev-messages.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := operator.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	st, err := measure(context.Background(), f, tab)
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != 2 || st.Failed != 0 {
		t.Errorf("messages %d, failed %d; want 2, 0", st.Messages, st.Failed)
	}
	if st.SplitBefore != 1 || st.CompanyBefore["Google"] != 1 || st.SplitAfter != 0 {
		t.Errorf("split before %d (%v), after %d; want Google split once before, never after", st.SplitBefore, st.CompanyBefore, st.SplitAfter)
	}
	if st.WithIntermediary != 0 {
		t.Errorf("%d messages with an intermediary (%v), want none: client, Google, recipient", st.WithIntermediary, st.Intermediaries)
	}
	// Relays: smtp.gmail.com, mail-sor-f41.google.com, mx.example.org, and
	// mx.example.org of the second message.
	if st.Relays != 4 || st.RelaysNamed != 2 {
		t.Errorf("relays %d, named %d; want 4, 2", st.Relays, st.RelaysNamed)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"-corpus", filepath.Join(dir, "absent")}, &out, &errb); code != 0 || !strings.Contains(out.String(), "skipping") {
		t.Errorf("absent corpus: exit %d, %q", code, out.String())
	}
	writeCorpus(t, dir)
	out.Reset()
	if code := run([]string{"-corpus", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"messages analysed: 2", "1 (50.00%)", "0 (0.00%)", "Google", "relay nodes with an operator: 2 of 4"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
