package analyzer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message/textproto"

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

// ParseHeader splits a header section into fields with
// github.com/emersion/go-message/textproto. When want is not nil, only the
// fields it accepts (by name, case-insensitively) are handed to textproto,
// which keeps analysis of large headers cheap. It is lenient: a line that is
// neither a field nor a continuation is skipped with a warning.
func ParseHeader(b []byte, want func(name []byte) bool) (Header, []string) {
	var h Header
	var warnings []string
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	// An mbox "From " line is not part of the header.
	if bytes.HasPrefix(b, []byte("From ")) {
		b = afterLine(b)
	}
	// Select well-formed fields; textproto stops at the first bad line, so
	// bad lines are dropped here with a warning instead.
	sel := make([]byte, 0, len(b)/2)
	keep := false
	for len(b) > 0 {
		line := b[:lineLen(b)]
		b = b[len(line):]
		content := bytes.TrimRight(line, "\r\n")
		switch {
		case len(content) == 0:
			b = nil // end of the header section
		case content[0] == ' ' || content[0] == '\t':
			if keep {
				sel = append(sel, content...)
				sel = append(sel, '\n')
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
			if keep {
				sel = append(sel, content...)
				sel = append(sel, '\n')
			}
		}
	}
	sel = append(sel, '\n')
	th, err := textproto.ReadHeader(bufio.NewReaderSize(bytes.NewReader(sel), 512))
	if err != nil && !errors.Is(err, io.EOF) {
		warnings = append(warnings, clip(err.Error(), 120))
	}
	h.Fields = make([]Field, 0, th.Len())
	fields := th.Fields()
	for fields.Next() {
		h.Fields = append(h.Fields, Field{Key: fields.Key(), Value: fields.Value()})
	}
	return h, warnings
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
