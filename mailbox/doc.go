// Package mailbox turns input paths into a stream of the header sections of
// the messages they hold, at disk speed and in bounded memory.
//
// Inputs are single message files (RFC 5322), mbox files (mboxo, mboxrd,
// mboxcl, mboxcl2), Maildirs, directory trees of any of these, gzip or zstd
// compressed files, and standard input ("-"). Formats are told by content,
// never by file name (see Detect). Bodies are skipped, never parsed or kept:
// each input is read once, front to back, in large chunks; separators are
// found in place and only header bytes are copied out.
//
// The layers work alone: Detect sniffs a format, NewMboxReader and
// ReadMessage read one uncompressed stream from an io.Reader, and Open (or
// OpenFS on an fs.FS) expands paths, decompresses and reports problems per
// input. Every message carries its Position ("file" or "file:N" with its
// line), every error names the position or the input, and reading goes on
// after a bad message or input.
//
// Choices for real-world mboxes (see MboxReader for the details):
//   - A line starting with "From " separates messages even without an
//     empty line before it (as Python's mailbox module does); a
//     stricter reader would miss messages in sloppy archives;
//     ">From " never does.
//   - Content-Length is honoured only when it lands exactly on the next
//     "From " line or on the end of the input.
//   - A header section ends at the first empty line, at the end of the
//     input, or (in an mbox) at a line starting with "From ", and is capped
//     at Options.MaxHeaderBytes (ErrHeaderTooLarge).
//   - LF, CRLF and CR-only line ends are accepted; CR-only input is
//     returned with LF.
package mailbox
