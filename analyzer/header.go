package analyzer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mailroute/mailroute/mailbox"
)

// ReadHeader reads the header section of a message from r: every line up to
// and including the first empty line, or up to the end of input. It never
// reads more than limit bytes (mailbox.DefaultMaxHeaderBytes when limit <= 0)
// and returns mailbox.ErrHeaderTooLarge when the section is longer. The body is not read.
func ReadHeader(r io.Reader, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = mailbox.DefaultMaxHeaderBytes
	}
	br := bufio.NewReaderSize(io.LimitReader(r, int64(limit)+1), 4096)
	var buf bytes.Buffer
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: keep reading it.
			buf.Write(line)
			if buf.Len() > limit {
				return buf.Bytes()[:limit], mailbox.ErrHeaderTooLarge
			}
			continue
		}
		buf.Write(line)
		if buf.Len() > limit {
			return buf.Bytes()[:limit], mailbox.ErrHeaderTooLarge
		}
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			return buf.Bytes(), fmt.Errorf("read header: %w", err)
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return buf.Bytes(), nil
		}
	}
}

// Field is one header field, unfolded.
type Field struct {
	Key   string // canonical form, e.g. "Received", "Dkim-Signature"
	Value string
}

// Header is a message's header fields in their order, topmost first.
type Header struct {
	Fields []Field
}

// Get returns the first value of the field named key (case-insensitive), or "".
func (h Header) Get(key string) string {
	for _, f := range h.Fields {
		if strings.EqualFold(f.Key, key) {
			return f.Value
		}
	}
	return ""
}

// Values returns every value of the field named key, topmost first.
func (h Header) Values(key string) []string {
	var vs []string
	for _, f := range h.Fields {
		if strings.EqualFold(f.Key, key) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// ParseHeader splits a header section into fields, unfolded, in their
// order. When want is not nil, only the fields it accepts (by name,
// case-insensitively) are kept, which keeps analysis of large headers cheap:
// the others are skipped without copying. It is lenient: a line that is
// neither a field nor a continuation is skipped with a warning, and so are
// lines holding only white space before the first field.
//
// Keys are in canonical form (net/textproto.CanonicalMIMEHeaderKey); a value
// is its lines with the white space around each line end removed, joined by
// one space (as github.com/emersion/go-message/textproto reads them). The
// values (and unusual keys) of one header share one string, so a header
// costs a few allocations, not a few per field.
func ParseHeader(b []byte, want func(name []byte) bool) (Header, []string) {
	var warnings []string
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	// An mbox "From " line is not part of the header.
	if bytes.HasPrefix(b, []byte("From ")) {
		b = afterLine(b)
	}
	// Lines holding only white space before the first field are skipped
	// with a warning, as SpamAssassin and Python's email package do (the
	// mailbox readers skip them already).
	if n, lines := spaceLines(b); lines > 0 {
		b = b[n:]
		if lines == 1 {
			warnings = append(warnings, "skipped 1 white-space-only line before the header section")
		} else {
			warnings = append(warnings, fmt.Sprintf("skipped %d white-space-only lines before the header section", lines))
		}
	}

	// One pass: the kept keys and values go into text, the fields record
	// where; the strings are cut from text at the end. text never needs
	// more than the header's length, so for a header section of usual
	// size it is allocated once, and its String does not copy.
	var spanBuf [32]fieldSpan
	spans := spanBuf[:0]
	var text strings.Builder
	text.Grow(min(len(b), 32<<10))
	keep := false
	for len(b) > 0 {
		n := lineLen(b)
		content := trimLineEnd(b[:n])
		b = b[n:]
		switch {
		case len(content) == 0:
			b = nil // end of the header section
		case content[0] == ' ' || content[0] == '\t':
			if keep {
				appendPiece(&text, spans[len(spans)-1].valStart, content)
			}
		default:
			colon := bytes.IndexByte(content, ':')
			name := bytes.TrimRight(content[:max(colon, 0)], " \t")
			if colon <= 0 || !validFieldName(name) {
				warnings = append(warnings, clip(fmt.Sprintf("malformed header line skipped: %q", content), 120))
				keep = false
				continue
			}
			keep = want == nil || want(name)
			if !keep {
				continue
			}
			sp := fieldSpan{key: knownKey(name)}
			if sp.key == "" {
				sp.keyStart = text.Len()
				appendCanonicalKey(&text, name)
				sp.keyEnd = text.Len()
			}
			sp.valStart = text.Len()
			appendPiece(&text, sp.valStart, content[colon+1:])
			spans = append(spans, sp)
		}
		if keep {
			spans[len(spans)-1].valEnd = text.Len()
		}
	}
	all := text.String()
	h := Header{Fields: make([]Field, len(spans))}
	for i, sp := range spans {
		key := sp.key
		if key == "" {
			key = all[sp.keyStart:sp.keyEnd]
		}
		h.Fields[i] = Field{Key: key, Value: all[sp.valStart:sp.valEnd]}
	}
	return h, warnings
}

// fieldSpan is where ParseHeader put one field's key and value.
type fieldSpan struct {
	key              string // a known key, else keyStart:keyEnd
	keyStart, keyEnd int
	valStart, valEnd int
}

// trimLineEnd drops the line end of line: every trailing CR and LF.
func trimLineEnd(line []byte) []byte {
	n := len(line)
	for n > 0 && (line[n-1] == '\n' || line[n-1] == '\r') {
		n--
	}
	return line[:n]
}

// appendPiece writes one line of a field value (the part after the colon,
// or a continuation line) to the value that starts at text[start:]: without
// the spaces and tabs around it, after one space when the value already has
// something.
func appendPiece(text *strings.Builder, start int, piece []byte) {
	i, n := 0, len(piece)
	for i < n && (piece[i] == ' ' || piece[i] == '\t') {
		i++
	}
	for n > i && (piece[n-1] == ' ' || piece[n-1] == '\t') {
		n--
	}
	if i == n {
		return
	}
	if text.Len() > start {
		text.WriteByte(' ')
	}
	text.Write(piece[i:n])
}

// knownKeys are the canonical names of the fields Analyze reads, so that
// their keys need no copy.
var knownKeys = [...]string{"Received", "From", "Date", "Subject", "Message-Id", "Return-Path", "Content-Type", "Dkim-Signature", "To"}

// knownKey returns the canonical form of name when it is one of knownKeys,
// else "". name is a valid field name (ASCII).
func knownKey(name []byte) string {
	for _, k := range knownKeys {
		if len(k) == len(name) && asciiEqualFold(name, k) {
			return k
		}
	}
	return ""
}

// asciiEqualFold compares ASCII b and s case-insensitively.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
		c := b[i] | 0x20
		if c < 'a' || c > 'z' {
			// Not a letter: the bytes must be equal, not just
			// equal in bit 5 ('@' and '`', '[' and '{', ...).
			if b[i] != s[i] {
				return false
			}
		}
	}
	return true
}

// appendCanonicalKey writes the canonical form of the field name key, as
// net/textproto.CanonicalMIMEHeaderKey gives it: when every byte is a token
// character (RFC 7230), the first letter and each letter after a hyphen
// upper case and the rest lower case; otherwise key unchanged.
func appendCanonicalKey(text *strings.Builder, key []byte) {
	for _, c := range key {
		if !isTokenByte(c) {
			text.Write(key)
			return
		}
	}
	upper := true
	for _, c := range key {
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		text.WriteByte(c)
		upper = c == '-'
	}
}

// isTokenByte reports an RFC 7230 token character.
func isTokenByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// spaceLines measures the lines at the start of b that hold only white
// space: spaces, tabs and CRs, at least one space or tab, ended by LF (an
// empty line ends the header section instead). It returns their length and
// number.
func spaceLines(b []byte) (n, lines int) {
	for {
		j, blank := n, false
		for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r') {
			blank = blank || b[j] != '\r'
			j++
		}
		if j == len(b) || b[j] != '\n' || !blank {
			return n, lines
		}
		n = j + 1
		lines++
	}
}

// lineLen returns the length of the first line of b including its LF.
func lineLen(b []byte) int {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return i + 1
	}
	return len(b)
}

func afterLine(b []byte) []byte { return b[lineLen(b):] }

// validFieldName reports an RFC 5322 2.2 field name: printable US-ASCII
// without colon.
func validFieldName(name []byte) bool {
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

// clip shortens s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
