package mailbox

import "testing"

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want Kind
	}{
		{"\x1f\x8b\x08\x00", KindGzip},
		{"\x1f\x8b", KindGzip},
		{"\x1f", KindUnknown},
		{"\x28\xb5\x2f\xfd\x04", KindZstd},
		{"\x28\xb5\x2f", KindUnknown},
		{"From a@example.org Mon Jan  2 15:04:05 2006\n", KindMbox},
		{"From - \n", KindMbox},
		{"\n\r\nFrom a@example.org Mon Jan  2 15:04:05 2006\n", KindMbox},
		{">From a\n", KindUnknown},
		{"From  :<a@example.org>\n", KindMessage},
		{"From\t: a@example.org\n", KindMessage},
		{"From ", KindMbox},
		{"From: a@example.org\n", KindMessage},
		{"Received: from a by b; Mon, 2 Jan 2006 15:04:05 +0000\r\n", KindMessage},
		{"Return-Path: <>\n", KindMessage},
		{"X-Mozilla-Status: 0001\n", KindMessage},
		{"Subject : obsolete space before the colon\n", KindMessage},
		{"Subject", KindUnknown},
		{": no name\n", KindUnknown},
		{" Folded: continuation first\n", KindUnknown},
		{"\nSubject: empty line first\n", KindUnknown},
		{" \nSubject: white-space-only line first\n", KindMessage},
		{"\t \r\n \r\nReceived: from a by b; Mon, 2 Jan 2006 15:04:05 +0000\r\n", KindMessage},
		{" \n\nSubject: then an empty line\n", KindUnknown},
		{" \n Folded: continuation after white space\n", KindUnknown},
		{" \nFrom a@example.org Mon Jan  2 15:04:05 2006\n", KindUnknown},
		{"  ", KindUnknown},
		{"not a header line\nSubject: x\n", KindUnknown},
		{"\x89PNG\r\n\x1a\n", KindUnknown},
		{"%PDF-1.7\n", KindUnknown},
		{"Name\xff: value\n", KindUnknown},
		{"", KindUnknown},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestKindString(t *testing.T) {
	want := map[Kind]string{KindUnknown: "unknown", KindMessage: "message", KindMbox: "mbox", KindGzip: "gzip", KindZstd: "zstd", Kind(99): "unknown"}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), s)
		}
	}
}
