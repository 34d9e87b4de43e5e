package analyzer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
	"github.com/google/go-cmp/cmp"
)

// parseHeaderTextproto is the reference for ParseHeader: the lines it
// accepts (the same selection of well-formed fields and continuation lines),
// read by github.com/emersion/go-message/textproto, which ParseHeader used
// before it read fields itself.
func parseHeaderTextproto(b []byte, want func(name []byte) bool) Header {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(b, []byte("From ")) {
		b = afterLine(b)
	}
	n, _ := spaceLines(b)
	b = b[n:]
	sel := make([]byte, 0, len(b))
	keep := false
	for len(b) > 0 {
		line := b[:lineLen(b)]
		b = b[len(line):]
		content := bytes.TrimRight(line, "\r\n")
		switch {
		case len(content) == 0:
			b = nil
		case content[0] == ' ' || content[0] == '\t':
			if keep {
				sel = append(append(sel, content...), '\n')
			}
		default:
			colon := bytes.IndexByte(content, ':')
			name := bytes.TrimRight(content[:max(colon, 0)], " \t")
			if colon <= 0 || !validFieldNameRef(name) {
				keep = false
				continue
			}
			keep = want == nil || want(name)
			if keep {
				sel = append(append(sel, content...), '\n')
			}
		}
	}
	sel = append(sel, '\n')
	th, err := textproto.ReadHeader(bufio.NewReaderSize(bytes.NewReader(sel), 512))
	if err != nil && !errors.Is(err, io.EOF) {
		panic("textproto rejected a selected header: " + err.Error())
	}
	h := Header{Fields: make([]Field, 0, th.Len())}
	for f := th.Fields(); f.Next(); {
		h.Fields = append(h.Fields, Field{Key: f.Key(), Value: f.Value()})
	}
	return h
}

// headerCases are headers with the corners of field reading: folding with
// tabs and CRLF, empty and white-space values, odd but valid names,
// non-token names, bad lines, a value that is only continuation lines.
var headerCases = []string{
	"Received: from a\r\n\tby b\r\n  with ESMTP ;\r\n\t Mon, 1 Jan 2026\r\nSubject: x\r\n\r\nbody",
	"X-Empty:\nX-Spaces:   \t \nSubject:\n continued only\n\t\nTo: a\n",
	"received: lower\nRECEIVED: upper\nmessage-id: <a@b>\nDKIM-SIGNATURE: d=x\nX-weird_Name.1: v\nX(paren): v\nContent-type  : obsolete\n",
	" leading continuation\nA: b\nno colon here\n: empty name\nBad Key: v\nA\xffB: v\nC: d\n cont\n",
	"A: tab\tinside\rcr\n\r\n",
	"Subject: =?UTF-8?Q?a?=\n =?UTF-8?Q?b?=\nfrom: x\nFROM : y\n-x-: z\n1-2-3: n\n",
	"\xef\xbb\xbfFrom x@y Mon Jan  1 00:00:00 2026\n \nReceived: r\n",
	"A: " + strings.Repeat("long ", 300) + "\n " + strings.Repeat("x", 700) + "\n",
}

// TestParseHeaderMatchesTextproto compares ParseHeader with the textproto
// reference on the cases above and the sample messages, with and without
// the field filter.
func TestParseHeaderMatchesTextproto(t *testing.T) {
	inputs := [][]byte{}
	for _, c := range headerCases {
		inputs = append(inputs, []byte(c))
	}
	inputs = append(inputs, seedMessages(t)...)
	filter := func(name []byte) bool { return wantField(name, []string{"X-Weird_name.1", "x(paren)"}) }
	for _, in := range inputs {
		for _, want := range []func([]byte) bool{nil, filter} {
			got, _ := ParseHeader(in, want)
			ref := parseHeaderTextproto(in, want)
			if diff := cmp.Diff(ref, got); diff != "" {
				t.Errorf("ParseHeader(%.60q) differs from textproto (-textproto +got):\n%s", in, diff)
			}
		}
	}
}

// FuzzParseHeaderTextproto is the differential fuzz target: on any input
// ParseHeader gives the fields textproto gives for the same lines.
func FuzzParseHeaderTextproto(f *testing.F) {
	for _, c := range headerCases {
		f.Add([]byte(c))
	}
	for _, m := range seedMessages(f) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, want := range []func([]byte) bool{nil, func(name []byte) bool { return wantField(name, []string{"x-a"}) }} {
			got, _ := ParseHeader(b, want)
			ref := parseHeaderTextproto(b, want)
			if diff := cmp.Diff(ref, got); diff != "" {
				t.Fatalf("differs from textproto (-textproto +got):\n%s", diff)
			}
		}
	})
}

// BenchmarkParseHeader measures splitting the header sections of the sample
// messages into the fields Analyze reads.
func BenchmarkParseHeader(b *testing.B) {
	hdrs := seedMessages(b)
	var total int64
	for _, h := range hdrs {
		total += int64(len(h))
	}
	b.SetBytes(total / int64(len(hdrs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ParseHeader(hdrs[i%len(hdrs)], func(name []byte) bool { return wantField(name, nil) })
		i++
	}
}

// BenchmarkParseHeaderTextproto is the same with the textproto reference,
// for comparison.
func BenchmarkParseHeaderTextproto(b *testing.B) {
	hdrs := seedMessages(b)
	var total int64
	for _, h := range hdrs {
		total += int64(len(h))
	}
	b.SetBytes(total / int64(len(hdrs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		parseHeaderTextproto(hdrs[i%len(hdrs)], func(name []byte) bool { return wantField(name, nil) })
		i++
	}
}

// validFieldNameRef reports an RFC 5322 2.2 field name: printable US-ASCII
// without colon, one byte at a time, as ParseHeader did before
// validFieldName tested eight bytes at once; the reference selects lines
// with it, so the two are compared by the tests of ParseHeader.
func validFieldNameRef(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// TestValidFieldName compares validFieldName with the byte-by-byte test for
// every byte value at every position of names of 1 to 17 bytes.
func TestValidFieldName(t *testing.T) {
	for n := 1; n <= 17; n++ {
		for pos := range n {
			for c := range 256 {
				if c == ':' {
					continue // names are cut before the first colon
				}
				name := bytes.Repeat([]byte("a"), n)
				name[pos] = byte(c)
				if got, want := validFieldName(name), validFieldNameRef(name); got != want {
					t.Fatalf("validFieldName(%q) = %v, want %v", name, got, want)
				}
			}
		}
	}
	if validFieldName(nil) {
		t.Error("empty name valid")
	}
}
