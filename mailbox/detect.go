package mailbox

import (
	"bytes"
	"strconv"
)

// Kind is the format of an input as told by its first bytes.
type Kind int

// Kinds of input.
const (
	// KindUnknown is anything else, including an empty input.
	KindUnknown Kind = iota
	// KindMessage is one RFC 5322 message: the first line is a header field.
	KindMessage
	// KindMbox is an mbox: the first non-empty line starts with "From ".
	KindMbox
	// KindGzip is a gzip stream (magic 1f 8b).
	KindGzip
	// KindZstd is a zstd frame (magic 28 b5 2f fd).
	KindZstd
)

// String returns a lower-case name of the kind.
func (k Kind) String() string {
	switch k {
	case KindMessage:
		return "message"
	case KindMbox:
		return "mbox"
	case KindGzip:
		return "gzip"
	case KindZstd:
		return "zstd"
	}
	return "unknown"
}

// SniffLen is how many leading bytes Detect needs to decide reliably; fewer
// are fine at the end of an input.
const SniffLen = 4096

// maxFieldName bounds the name of the first header field Detect accepts
// (RFC 5322 2.1.1 limits a line to 998 characters).
const maxFieldName = 998

// Detect tells the format of an input from its first bytes (up to SniffLen).
// Compression is told by magic bytes, never by file name. An mbox may start
// with empty lines before its first "From " line; a message must start with a
// header field "Name:" (RFC 5322 2.2: printable US-ASCII except colon; the
// obsolete form with white space before the colon, RFC 5322 4.5, is allowed,
// so "From  :" starts a message, not an mbox), after any lines holding only
// white space, which the readers skip with a warning (SpamAssassin and
// Python's email package read such messages too).
func Detect(prefix []byte) Kind {
	switch {
	case len(prefix) >= 2 && prefix[0] == 0x1f && prefix[1] == 0x8b:
		return KindGzip
	case len(prefix) >= 4 && prefix[0] == 0x28 && prefix[1] == 0xb5 && prefix[2] == 0x2f && prefix[3] == 0xfd:
		return KindZstd
	}
	if ok, _ := isFromLine(skipBlankLines(prefix)); ok {
		return KindMbox
	}
	if n, _, _ := spaceLines(prefix); isFieldLine(prefix[n:]) {
		return KindMessage
	}
	return KindUnknown
}

// fromWindow is how far isFromLine looks for the colon of an obsolete
// "From :" header field: "From", up to 16 blanks, the colon.
const fromWindow = 4 + 16 + 1

// isFromLine reports whether b, the start of a line, is an mbox "From "
// line: it starts with "From " and is not a header field in the obsolete
// form with white space before the colon ("From  :", RFC 5322 4.5.6), which
// real messages have. decided is false when b ends inside the blanks after
// "From" before fromWindow bytes; ok is then the answer at the end of the
// input.
func isFromLine(b []byte) (ok, decided bool) {
	if !bytes.HasPrefix(b, []byte("From ")) {
		return false, true
	}
	for i := 4; i < len(b) && i < fromWindow; i++ {
		switch b[i] {
		case ' ', '\t':
		case ':':
			return false, true
		default:
			return true, true
		}
	}
	return true, len(b) >= fromWindow
}

// skipBlankLines drops leading CR and LF bytes.
func skipBlankLines(b []byte) []byte {
	for len(b) > 0 && (b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// isFieldLine reports whether b starts with a header field name and colon.
func isFieldLine(b []byte) bool {
	i := 0
	for i < len(b) && i < maxFieldName && b[i] > 32 && b[i] < 127 && b[i] != ':' {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i < len(b) && b[i] == ':'
}

// spaceLines measures the lines at the start of b that hold only white space:
// spaces, tabs and CRs, at least one space or tab, ended by LF. An empty line
// is not one of them (it ends a header section). It returns their length in
// bytes and their number; partial reports that b ends inside one more such
// line, so more input could make it count.
func spaceLines(b []byte) (n, lines int, partial bool) {
	for {
		j, blank := n, false
		for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r') {
			blank = blank || b[j] != '\r'
			j++
		}
		if j == len(b) {
			return n, lines, j > n
		}
		if b[j] != '\n' || !blank {
			return n, lines, false
		}
		n = j + 1
		lines++
	}
}

// spaceLinesWarning is the warning for lines skipped by spaceLines.
func spaceLinesWarning(lines int) string {
	if lines == 1 {
		return "skipped 1 white-space-only line before the header section"
	}
	return "skipped " + strconv.Itoa(lines) + " white-space-only lines before the header section"
}
