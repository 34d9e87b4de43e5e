package analyzer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message/textproto"
)

// DefaultMaxHeaderBytes is the default cap on a message's header section.
const DefaultMaxHeaderBytes = 1 << 20

// ErrHeaderTooLarge is returned when a header section exceeds its size cap.
var ErrHeaderTooLarge = errors.New("header section exceeds the size limit")

// ReadHeader reads the header section of a message from r: every line up to
// and including the first empty line, or up to the end of input. It never
// reads more than limit bytes (DefaultMaxHeaderBytes when limit <= 0) and
// returns ErrHeaderTooLarge when the section is longer. The body is not read.
func ReadHeader(r io.Reader, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxHeaderBytes
	}
	br := bufio.NewReaderSize(io.LimitReader(r, int64(limit)+1), 64<<10)
	var buf bytes.Buffer
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A very long line: keep reading it.
			buf.Write(line)
			if buf.Len() > limit {
				return buf.Bytes()[:limit], ErrHeaderTooLarge
			}
			continue
		}
		buf.Write(line)
		if buf.Len() > limit {
			return buf.Bytes()[:limit], ErrHeaderTooLarge
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
// github.com/emersion/go-message/textproto. It is lenient: a malformed line
// (no colon, a bad field name, a continuation line at the start) is skipped
// with a warning and parsing goes on with the next line.
func ParseHeader(b []byte) (Header, []string) {
	var h Header
	var warnings []string
	// An mbox "From " line or a leading BOM is not part of the header.
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(b, []byte("From ")) {
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		} else {
			b = nil
		}
	}
	br := bufio.NewReader(bytes.NewReader(b))
	for range 1000 { // each round consumes at least one line
		th, err := textproto.ReadHeader(br)
		fields := th.Fields()
		for fields.Next() {
			h.Fields = append(h.Fields, Field{Key: fields.Key(), Value: fields.Value()})
		}
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		warnings = append(warnings, clip(err.Error(), 120))
		if _, perr := br.Peek(1); perr != nil {
			break
		}
	}
	return h, warnings
}

// clip shortens s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
