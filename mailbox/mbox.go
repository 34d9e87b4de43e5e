package mailbox

import "io"

// MboxReader reads the header sections of the messages of one uncompressed
// mbox stream, front to back, in bounded memory.
//
// Separators: a line starting with "From " at the start of the stream (after
// any empty lines) or right after a newline starts a message. Like most real
// readers (and unlike a strict reading of RFC 4155) an empty line before it is
// not required, so an unescaped "From " line inside a body of an mboxo file
// splits that message in two; mboxrd and mboxo escape such lines as ">From ",
// which never split. A header line starting with "From " ends the header
// section early and starts the next message (the first message is then
// reported with ErrTruncated).
//
// Content-Length (mboxcl, mboxcl2): when a header section has a
// Content-Length field and the body of that length ends, after at most two
// line ends, exactly on a "From " line or on the end of the stream, the
// length is honoured, so unescaped "From " lines inside the body do not split
// it. Otherwise the first separator after the header section ends the
// message. The check buffers at most 16 MiB past the first separator.
//
// Line ends may be LF, CRLF or CR only (decided on the first data; CR-only
// input is turned into LF, and Header then holds LF).
type MboxReader struct {
	s *scanner
}

// NewMboxReader returns a reader of the mbox r; name is used in positions.
func NewMboxReader(r io.Reader, name string, opts Options) *MboxReader {
	return &MboxReader{s: newScanner(r, name, opts, true)}
}

// Next returns the next message. It returns io.EOF at the end of the stream.
// Any other error concerns the stream (a read error, or bytes before the
// first "From " line, which are skipped); Next may be called again after it.
func (m *MboxReader) Next() (Message, error) {
	return m.s.next()
}

// ReadMessage reads the header section of the single message r; name is used
// as its position. The rest of r is read to measure Message.Size. It returns
// io.EOF when r is empty.
func ReadMessage(r io.Reader, name string, opts Options) (Message, error) {
	return newScanner(r, name, opts, false).next()
}
