package mailbox

import (
	"errors"
	"fmt"
	"strconv"
)

// Errors a Message or an input can carry. Test for them with errors.Is.
var (
	// ErrHeaderTooLarge means a header section is longer than
	// Options.MaxHeaderBytes; Message.Header then holds its first
	// MaxHeaderBytes bytes.
	ErrHeaderTooLarge = errors.New("header section exceeds the size limit")
	// ErrTruncated means a message or an input ends early: inside a header
	// section, or because the compressed stream or the file is cut off or
	// corrupt.
	ErrTruncated = errors.New("truncated")
	// ErrNotMessage means an input is neither a message, an mbox nor a
	// compressed form of either.
	ErrNotMessage = errors.New("not a message or mbox")
	// ErrGarbage means an mbox stream has bytes before its first "From "
	// line; they are skipped.
	ErrGarbage = errors.New("data before the first From line")
)

// DefaultMaxHeaderBytes is the default cap on the size of one header section.
const DefaultMaxHeaderBytes = 1 << 20

// Position is where a message sits in the inputs.
type Position struct {
	// File is the input path as given (or found in a directory walk), "-"
	// for standard input.
	File string
	// N is the 1-based number of the message inside an mbox, 0 for a file
	// holding one message.
	N int
	// Line is the 1-based line of the message's first line: its "From "
	// line in an mbox, 1 for a single message.
	Line int
}

// String returns "file" for a single-message file and "file:N" for the Nth
// message of an mbox.
func (p Position) String() string {
	if p.N == 0 {
		return p.File
	}
	return p.File + ":" + strconv.Itoa(p.N)
}

// where is the position with its line, for error messages.
func (p Position) where() string {
	if p.N == 0 {
		return p.File
	}
	return p.String() + " (line " + strconv.Itoa(p.Line) + ")"
}

// Message is the header section of one message and where it came from.
type Message struct {
	// Pos is where the message starts.
	Pos Position
	// Header is the header section including the empty line that ends it
	// when there is one. For an mbox, the "From " separator line is not
	// part of it. The caller owns it: the reader reuses its memory only
	// after Release.
	Header []byte
	// Size is the number of bytes of the whole message (header section and
	// body, without the mbox "From " line) as stored, after decompression
	// and after CR-only line ends were turned into LF.
	Size int64
	// Err is a problem with this message (ErrHeaderTooLarge, ErrTruncated,
	// ...), wrapped with the position. Header is still usable when set.
	Err error
	// Warnings say what the reader skipped without failing the message:
	// lines holding only white space before the header section (they are
	// not part of Header, but count in Size).
	Warnings []string

	slab *slab // the memory Header was cut from, when it is shared
}

// Release tells the reader that returned m that nothing uses m.Header any
// more (no slice of it either), so that its memory can hold the headers of
// later messages, and clears m.Header. Call it at most once per message
// (not once per copy of m); a message never released is left to the
// garbage collector, which is always safe.
func (m *Message) Release() {
	if m.slab != nil {
		m.slab.release()
		m.slab = nil
	}
	m.Header = nil
}

// MessageError is a problem with one message, naming its position.
type MessageError struct {
	// Pos is the message's position.
	Pos Position
	// Err is the problem, often wrapping a sentinel such as ErrTruncated.
	Err error
}

// Error returns "file:N (line L): problem".
func (e *MessageError) Error() string { return e.Pos.where() + ": " + e.Err.Error() }

// Unwrap returns the underlying problem.
func (e *MessageError) Unwrap() error { return e.Err }

// InputError is a problem with a whole input: a file or directory that cannot
// be read, an unknown format, or a stream that fails part way.
type InputError struct {
	// Path names the input ("-" for standard input).
	Path string
	// Err is the problem, wrapping the cause (fs.ErrNotExist,
	// fs.ErrPermission, ErrTruncated, ErrNotMessage, ...).
	Err error
}

// Error returns "path: problem".
func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying problem.
func (e *InputError) Unwrap() error { return e.Err }

func tooLarge(limit int) error {
	return fmt.Errorf("%w (%d bytes)", ErrHeaderTooLarge, limit)
}
