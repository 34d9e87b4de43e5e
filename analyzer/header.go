package analyzer

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unsafe"

	"github.com/mailroute/mailroute/filtering"
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
	return parseHeader(b, want, nil)
}

// headerScratch is memory for the fields of a header and their text that
// a Result lends parseHeader, so that AnalyzeInto reuses it for the next
// message: most of the allocation of a scan was these two. The arrays its
// filtering evidence shares are lent to filtering.AppendReadInto so too.
type headerScratch struct {
	fields  []Field
	text    []byte
	filters filtering.Memory
}

// Scratch bounds: a result keeps at most this much between messages, so
// that the results a scan recycles (hundreds) hold a few MiB however large
// some headers are. Real headers' kept fields take 1-10 KiB.
const (
	maxScratchText   = 16 << 10
	maxScratchFields = 256
)

// take returns memory for size bytes of text and n fields: sc's when it has
// room, else new memory, which sc keeps when within the bounds. A nil sc
// lends nothing.
func (sc *headerScratch) take(size, n int) ([]byte, []Field) {
	if sc == nil {
		return make([]byte, 0, size), make([]Field, n)
	}
	return lend(&sc.text, size, maxScratchText)[:0], lend(&sc.fields, n, maxScratchFields)
}

// lend returns *kept cut to length n when it has room for n, else new
// memory for n, which *kept takes over when n is within limit.
func lend[T any](kept *[]T, n, limit int) []T {
	if cap(*kept) < n {
		if n > limit {
			return make([]T, n)
		}
		*kept = make([]T, n, min(grown(n, cap(*kept)), limit))
	}
	return (*kept)[:n]
}

// grown is the capacity for n when old was too small: n for a first use
// (a result that is not reused wastes nothing), else room for a slightly
// larger header next time.
func grown(n, old int) int {
	if old == 0 {
		return n
	}
	return n + n/4
}

// parseHeader is ParseHeader writing the fields and their text into the
// memory sc lends (see headerScratch); the strings of the Header are valid
// until sc lends it again.
func parseHeader(b []byte, want func(name []byte) bool, sc *headerScratch) (Header, []string) {
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

	// First pass: find the kept fields and the pieces of their values (the
	// lines without the white space around them), as offsets in b. Then
	// the keys and values go into one string of exactly their size, and
	// the fields are cut from it: one allocation for all of them, no larger
	// than the kept text (the whole header would keep the collector busy).
	var spanBuf [32]fieldSpan
	var pieceBuf [96]piece
	spans, pieces := spanBuf[:0], pieceBuf[:0]
	size := 0
	keep := false
	for off := 0; off < len(b); {
		n := bytes.IndexByte(b[off:], '\n') + 1 // lineLen, written out: a call per line showed
		if n == 0 {
			n = len(b) - off
		}
		line := b[off : off+n]
		lineOff := off
		off += n
		if line[0] == ' ' || line[0] == '\t' {
			// A continuation line (never empty: it starts with white space).
			if keep {
				if pc, ok := valuePiece(line, lineOff, len(trimLineEnd(line))); ok {
					pieces = append(pieces, pc)
					size += pc.end - pc.start + 1
				}
			}
			continue
		}
		content := trimLineEnd(line)
		if len(content) == 0 {
			break // end of the header section
		}
		colon := bytes.IndexByte(content, ':')
		name := trimSpaceTab(content[:max(colon, 0)])
		if colon <= 0 || !validFieldName(name) {
			warnings = append(warnings, clip(fmt.Sprintf("malformed header line skipped: %q", content), 120))
			keep = false
			continue
		}
		keep = want == nil || want(name)
		if !keep {
			continue
		}
		sp := fieldSpan{key: knownKey(name), firstPiece: len(pieces)}
		if sp.key == "" {
			sp.name = name
			size += len(name)
		}
		if pc, ok := valuePiece(content[colon+1:], lineOff+colon+1, len(content)-colon-1); ok {
			pieces = append(pieces, pc)
			size += pc.end - pc.start + 1
		}
		spans = append(spans, sp)
	}

	var text textBuf
	var h Header
	text.b, h.Fields = sc.take(size, len(spans))
	// A string taken from text stays valid as text grows: it never
	// reallocates (its capacity is enough), and bytes written are never
	// changed (until sc lends the memory again).
	for i, sp := range spans {
		key := sp.key
		if key == "" {
			start := text.Len()
			appendCanonicalKey(&text, sp.name)
			key = text.String()[start:]
		}
		start := text.Len()
		last := len(pieces)
		if i+1 < len(spans) {
			last = spans[i+1].firstPiece
		}
		for k, pc := range pieces[sp.firstPiece:last] {
			if k > 0 {
				text.WriteByte(' ')
			}
			text.Write(b[pc.start:pc.end])
		}
		h.Fields[i] = Field{Key: key, Value: text.String()[start:]}
	}
	return h, warnings
}

// textBuf is a strings.Builder over memory that may be reused: String
// returns its bytes without copying them, so they must not change while the
// string is in use.
type textBuf struct{ b []byte }

func (t *textBuf) Len() int               { return len(t.b) }
func (t *textBuf) WriteByte(c byte) error { t.b = append(t.b, c); return nil }
func (t *textBuf) Write(p []byte)         { t.b = append(t.b, p...) }
func (t *textBuf) String() string         { return unsafe.String(unsafe.SliceData(t.b), len(t.b)) }

// fieldSpan is a field ParseHeader keeps: its key when it is one of
// knownKeys, else its name as written, and its first value piece (the
// pieces of a field run up to the next field's first).
type fieldSpan struct {
	key        string
	name       []byte
	firstPiece int
}

// piece is one line of a field value, b[start:end] of the header.
type piece struct{ start, end int }

// valuePiece returns the piece of a value line: line[:n] (the part after
// the colon, or a continuation line, without its line end), which starts
// at offset off of the header, without the spaces and tabs around it. ok
// is false when nothing is left: such a line adds nothing to the value.
func valuePiece(line []byte, off, n int) (piece, bool) {
	i := 0
	for i < n && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	for n > i && (line[n-1] == ' ' || line[n-1] == '\t') {
		n--
	}
	return piece{off + i, off + n}, i < n
}

// trimLineEnd drops the line end of line: every trailing CR and LF.
func trimLineEnd(line []byte) []byte {
	n := len(line)
	for n > 0 && (line[n-1] == '\n' || line[n-1] == '\r') {
		n--
	}
	return line[:n]
}

// knownKeys are the canonical names of the fields Analyze reads and of the
// filtering evidence most messages carry, so that their keys need no copy.
var knownKeys = [...]string{"Received", "From", "Date", "Subject", "Message-Id", "Return-Path", "Content-Type", "Dkim-Signature", "To",
	"Authentication-Results", "Arc-Authentication-Results", "Arc-Seal", "X-Spam-Status", "X-Virus-Scanned"}

// knownKey returns the canonical form of name when it is one of knownKeys,
// else "". name is a valid field name (ASCII).
func knownKey(name []byte) string {
	if len(name) >= len(knownKeyByLen) {
		return ""
	}
	for _, k := range knownKeyByLen[len(name)] {
		// Most names are written in canonical form: an exact comparison
		// (no allocation) settles them.
		if string(name) == k || asciiEqualFold(name, k) {
			return k
		}
	}
	return ""
}

// knownKeyByLen lists knownKeys by length, so that knownKey compares a name
// with at most two of them.
var knownKeyByLen = func() (t [32][]string) {
	for _, k := range knownKeys {
		t[len(k)] = append(t[len(k)], k)
	}
	return t
}()

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
func appendCanonicalKey(text *textBuf, key []byte) {
	// Most keys are written in canonical form: one pass tells, and the
	// key is then written in one copy.
	canonical, upper := true, true
	for _, c := range key {
		if !tokenBytes[c] {
			text.Write(key)
			return
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
		}
		upper = c == '-'
	}
	if canonical {
		text.Write(key)
		return
	}
	upper = true
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

// tokenBytes is isTokenByte as a table.
var tokenBytes = func() (t [256]bool) {
	for c := range 256 {
		t[c] = isTokenByte(byte(c))
	}
	return t
}()

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

// trimSpaceTab returns b without trailing spaces and tabs (the white space
// a field name may have before its colon); bytes.TrimRight builds a set for
// its cutset on every call.
func trimSpaceTab(b []byte) []byte {
	n := len(b)
	for n > 0 && (b[n-1] == ' ' || b[n-1] == '\t') {
		n--
	}
	return b[:n]
}

// validFieldName reports an RFC 5322 2.2 field name: printable US-ASCII
// without colon, for a name cut before the first colon of its line (so only
// the range is tested), eight bytes at a time: every field line of every message
// passes here, and names are long ("X-Microsoft-Antispam-Message-Info").
func validFieldName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for len(name) >= 8 {
		if !printable8(binary.LittleEndian.Uint64(name)) {
			return false
		}
		name = name[8:]
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// printable8 reports whether every byte of x is in '!'..'~' (0x21-0x7e).
// Each test is exact for its byte: on the low seven bits no carry crosses
// into the next byte.
func printable8(x uint64) bool {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
		low7 = 0x7f7f7f7f7f7f7f7f
	)
	atLeast21 := (x&low7 + (0x80-0x21)*ones) & high // high bit set: low 7 bits >= 0x21
	is7f := (x&low7 + ones) & high                  // high bit set: low 7 bits == 0x7f
	return (^atLeast21|is7f|x)&high == 0
}

// clip shortens s to at most n bytes, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
