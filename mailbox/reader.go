package mailbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Options configure a Reader.
type Options struct {
	// MaxHeaderBytes caps one header section; 0 means
	// DefaultMaxHeaderBytes.
	MaxHeaderBytes int
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
}

// Limits of the decompressors.
const (
	// maxZstdWindow rejects zstd frames that need a larger window (zstd
	// levels up to 19 use at most 8 MiB; --long=27 uses 128 MiB).
	maxZstdWindow = 128 << 20
	// maxLayers bounds nested compression (a gzip of a gzip ...).
	maxLayers = 3
)

// Reader reads the header sections of all messages of a list of inputs:
// single-message files, mbox files, Maildirs and directory trees, gzip or zstd
// compressed files, and standard input ("-"). Inputs are read in the order
// given, directory entries in lexical order, each file once, front to back, in
// bounded memory.
//
// The format of each file is told by its content (see Detect), never by its
// name. Files found in directories that are neither messages nor mboxes are
// skipped and noted (see Notes); a file named explicitly is an input error
// then. Empty files are noted.
//
// Next, Notes and Close must be called from one goroutine; BytesRead and
// TotalBytes may be called from any.
type Reader struct {
	opts   Options
	fsys   fs.FS
	inputs []input
	idx    int
	notes  []string
	total  int64
	read   atomic.Int64

	cur     *scanner      // reader of the current input, nil between inputs
	file    io.Closer     // current file
	zdec    *zstd.Decoder // current zstd decoder
	count   *countingReader
	size    int64  // size of the current file, -1 if unknown
	buf     []byte // scanner buffer kept between inputs
	slabs   *slabs // header memory, shared by the inputs
	peekBuf []byte // buffer for sniffing the format of a file
	stdin   bool   // stdin already handed out
	closed  bool
}

// Open returns a Reader of the given paths on the operating system's file
// system. Directories are walked at once (to know TotalBytes); problems with
// paths are reported by Next in their place in the order.
func Open(paths []string, opts Options) *Reader {
	return open(osFS{}, true, paths, opts)
}

// OpenFS is like Open on the file system fsys; paths are names in fsys.
func OpenFS(fsys fs.FS, paths []string, opts Options) *Reader {
	return open(fsys, false, paths, opts)
}

func open(fsys fs.FS, isOS bool, paths []string, opts Options) *Reader {
	w := &walker{fsys: fsys, os: isOS}
	for _, p := range paths {
		w.add(p)
	}
	r := &Reader{opts: opts, fsys: fsys, inputs: w.inputs, notes: w.notes, slabs: newSlabs()}
	for _, in := range w.inputs {
		if in.err != nil {
			continue
		}
		if in.stdin || in.size < 0 {
			r.total = -1
			break
		}
		r.total += in.size
	}
	return r
}

// countingReader adds the bytes it reads to a shared counter.
type countingReader struct {
	r     io.Reader
	total *atomic.Int64
	n     int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		c.total.Add(int64(n))
	}
	return n, err
}

// Next returns the next message of the inputs. It returns io.EOF when all
// inputs are done. Any other error is a problem with one input (it names
// the path: not found, unreadable, not a message, corrupt compression, read
// failure); Next may be called again to go on with the next input. Problems
// with single messages are in Message.Err instead.
func (r *Reader) Next() (Message, error) {
	for {
		if r.closed {
			return Message{}, io.EOF
		}
		if r.cur == nil {
			if r.idx >= len(r.inputs) {
				return Message{}, io.EOF
			}
			in := r.inputs[r.idx]
			r.idx++
			if err := r.start(in); err != nil {
				r.finish()
				return Message{}, err
			}
			if r.cur == nil {
				continue
			}
		}
		msg, err := r.cur.next()
		if err == io.EOF {
			r.finish()
			continue
		}
		if err != nil {
			if r.cur.done {
				r.finish()
			}
			return Message{}, err
		}
		return msg, nil
	}
}

// start opens an input and sets r.cur, or adds a note and leaves it nil.
func (r *Reader) start(in input) error {
	if in.err != nil {
		return in.err
	}
	var src io.Reader
	r.size = -1
	if in.stdin {
		if r.stdin {
			r.notes = append(r.notes, "-: skipped: standard input already read")
			return nil
		}
		r.stdin = true
		src = r.opts.Stdin
		if src == nil {
			src = os.Stdin
		}
	} else {
		f, err := r.fsys.Open(in.name)
		if err != nil {
			return inputErr(in.display, err)
		}
		r.file = f
		src = f
		r.size = in.size
	}
	r.count = &countingReader{r: src, total: &r.read}
	src = r.count

	compressed := false
	for layer := 0; ; layer++ {
		var buf []byte
		if layer == 0 {
			// The first layer's prefix buffer is reused between
			// inputs; deeper layers read while it is still in use.
			if r.peekBuf == nil {
				r.peekBuf = make([]byte, SniffLen)
			}
			buf = r.peekBuf
		}
		prefix, err := peek(src, buf)
		if err != nil {
			if len(prefix) == 0 {
				return &InputError{Path: in.display, Err: fmt.Errorf("read: %w", err)}
			}
			// Read what came before the error; the error follows it.
			src = io.MultiReader(bytes.NewReader(prefix), errReader{err})
		} else {
			src = io.MultiReader(bytes.NewReader(prefix), src)
		}
		kind := Detect(prefix)
		if (kind == KindGzip || kind == KindZstd) && layer >= maxLayers {
			return &InputError{Path: in.display, Err: fmt.Errorf("more than %d layers of compression", maxLayers)}
		}
		switch kind {
		case KindGzip:
			gz, err := gzip.NewReader(src)
			if err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
					err = fmt.Errorf("%w: gzip header ends early", ErrTruncated)
				}
				return &InputError{Path: in.display, Err: fmt.Errorf("gzip: %w", err)}
			}
			src = labelled{r: gz, label: "gzip"}
			compressed = true
			continue
		case KindZstd:
			if r.zdec != nil {
				return &InputError{Path: in.display, Err: errors.New("zstd inside zstd is not supported")}
			}
			zd, err := zstd.NewReader(src, zstd.WithDecoderMaxWindow(maxZstdWindow))
			if err != nil {
				return &InputError{Path: in.display, Err: fmt.Errorf("zstd: %w", err)}
			}
			r.zdec = zd
			src = labelled{r: zd, label: "zstd"}
			compressed = true
			continue
		case KindMessage, KindMbox:
			r.cur = newScanner(src, in.display, r.opts, kind == KindMbox)
			r.cur.buf, r.cur.slabs = r.buf, r.slabs
			if kind == KindMessage && !compressed && r.size >= 0 {
				r.cur.sizeHint = r.size
			}
			return nil
		}
		if err != nil {
			return &InputError{Path: in.display, Err: fmt.Errorf("read: %w", err)}
		}
		what := "file"
		if compressed {
			what = "decompressed file"
		}
		if len(prefix) == 0 {
			r.notes = append(r.notes, in.display+": skipped: empty "+what)
			return nil
		}
		err = fmt.Errorf("%w (%s starts with %q)", ErrNotMessage, what, prefix[:min(len(prefix), 16)])
		if in.explicit {
			return &InputError{Path: in.display, Err: err}
		}
		r.notes = append(r.notes, in.display+": skipped: "+err.Error())
		return nil
	}
}

// peek reads up to SniffLen bytes (less at the end of src) into buf, or a
// new buffer when buf is nil. On a read error it returns the bytes read
// before it too.
func peek(src io.Reader, buf []byte) ([]byte, error) {
	if buf == nil {
		buf = make([]byte, SniffLen)
	}
	n, zero := 0, 0
	for n < len(buf) {
		m, err := src.Read(buf[n:])
		n += m
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf[:n], err
		}
		if m == 0 {
			if zero++; zero >= 100 {
				return buf[:n], io.ErrNoProgress
			}
		}
	}
	return buf[:n], nil
}

// errReader returns its error.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// labelled names the decompressor in its errors, and marks an unexpected end
// of the compressed data as ErrTruncated.
type labelled struct {
	r     io.Reader
	label string
}

func (l labelled) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %s data ends early: %w", ErrTruncated, l.label, err)
		} else {
			err = fmt.Errorf("%s: %w", l.label, err)
		}
	}
	return n, err
}

// finish closes the current input. The unread rest of a file whose body was
// skipped counts as read.
func (r *Reader) finish() {
	if r.count != nil && r.size >= 0 && r.count.n < r.size && r.cur != nil && r.cur.sizeHint >= 0 {
		r.read.Add(r.size - r.count.n)
	}
	if r.zdec != nil {
		r.zdec.Close()
		r.zdec = nil
	}
	if r.file != nil {
		_ = r.file.Close()
		r.file = nil
	}
	if r.cur != nil {
		// Reuse the buffer (unless it grew for a huge header or a
		// Content-Length lookahead).
		r.buf = nil
		if len(r.cur.buf) <= 2*chunkSize {
			r.buf = r.cur.buf[:cap(r.cur.buf)]
		}
	}
	r.cur = nil
	r.count = nil
}

// Notes returns what was skipped and why, one line each ("path: skipped:
// reason"), so far.
func (r *Reader) Notes() []string { return slices.Clone(r.notes) }

// BytesRead returns the number of bytes consumed from the inputs so far, as
// stored (compressed bytes for compressed files). Safe for concurrent use.
func (r *Reader) BytesRead() int64 { return r.read.Load() }

// TotalBytes returns the sum of the sizes of the input files, or -1 when it
// is unknown (standard input). Safe for concurrent use.
func (r *Reader) TotalBytes() int64 { return r.total }

// Close closes the current input; Next then returns io.EOF.
func (r *Reader) Close() error {
	r.finish()
	r.closed = true
	return nil
}
