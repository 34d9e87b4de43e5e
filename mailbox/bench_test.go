package mailbox

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// synthMessage appends the i-th message of a deterministic synthetic mbox:
// a header section of a few KB (several Received fields) and a body of
// 5-50 KB of text and base64-like lines, with an escaped ">From " line.
func synthMessage(dst []byte, rng *rand.Rand, i int) []byte {
	dst = fmt.Appendf(dst, "From sender%d@example.org Mon Jan  2 15:04:05 2006\n", i)
	dst = fmt.Appendf(dst, "Return-Path: <sender%d@example.org>\n", i)
	hops := 4 + rng.IntN(8)
	for h := range hops {
		dst = fmt.Appendf(dst, "Received: from mx%d.relay%d.example.net (mx%d.relay%d.example.net [192.0.2.%d])\n"+
			"\tby mx%d.relay%d.example.com (Postfix) with ESMTPS id %08X\n"+
			"\t(version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256)\n"+
			"\tfor <rcpt%d@example.com>; Mon, 2 Jan 2006 15:%02d:05 +0000\n",
			h, i%97, h, i%97, (i+h)%250+1, h+1, i%89, rng.Uint32(), i, h%60)
	}
	dst = fmt.Appendf(dst, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel%d;\n"+
		"\th=from:to:subject:date:message-id; bh=%032x;\n\tb=%064x\n", i%7, rng.Uint64(), rng.Uint64())
	dst = fmt.Appendf(dst, "Message-ID: <%d.%x@example.org>\nDate: Mon, 2 Jan 2006 15:04:05 +0000\n"+
		"From: Sender %d <sender%d@example.org>\nTo: rcpt%d@example.com\nSubject: synthetic message %d\n"+
		"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n", i, rng.Uint64(), i, i, i, i)
	body := 5<<10 + rng.IntN(45<<10)
	start := len(dst)
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for len(dst)-start < body {
		switch rng.IntN(8) {
		case 0:
			dst = append(dst, "Some ordinary text of a mail body that goes on for a while.\n"...)
		case 1:
			dst = append(dst, ">From the archive, an escaped line.\n\n"...)
		default:
			for range 76 {
				dst = append(dst, b64[rng.IntN(64)])
			}
			dst = append(dst, '\n')
		}
	}
	return append(dst, '\n')
}

// synthMbox returns a deterministic synthetic mbox of at least size bytes
// and the number of messages in it.
func synthMbox(size int) ([]byte, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, size+64<<10)
	n := 0
	for len(b) < size {
		b = synthMessage(b, rng, n)
		n++
	}
	return b, n
}

// countMbox reads an mbox to the end and returns the number of messages.
func countMbox(tb testing.TB, r io.Reader) (n int, size int64) {
	m := NewMboxReader(r, "bench", Options{})
	for {
		msg, err := m.Next()
		if err == io.EOF {
			return n, size
		}
		if err != nil {
			tb.Fatal(err)
		}
		if msg.Err != nil || len(msg.Header) == 0 {
			tb.Fatalf("message %d: %v, %d header bytes", n, msg.Err, len(msg.Header))
		}
		n++
		size += msg.Size
	}
}

// cpuMeter reports the throughput per CPU second of the whole process
// (the reader is single-threaded; GC work is small as it allocates little).
type cpuMeter struct {
	b     *testing.B
	start time.Duration
	bytes int64
}

func startCPU(b *testing.B, bytes int64) *cpuMeter {
	return &cpuMeter{b: b, start: cpuTime(), bytes: bytes}
}

func (m *cpuMeter) stop() {
	used := cpuTime() - m.start
	if used > 0 && m.b.N > 0 {
		m.b.ReportMetric(float64(m.bytes)*float64(m.b.N)/1e6/used.Seconds(), "MB/cpu-s")
	}
}

func BenchmarkMboxReader(b *testing.B) {
	data, want := synthMbox(64 << 20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := startCPU(b, int64(len(data)))
	for b.Loop() {
		if n, _ := countMbox(b, bytes.NewReader(data)); n != want {
			b.Fatalf("read %d messages, want %d", n, want)
		}
	}
	cpu.stop()
	b.ReportMetric(float64(want), "msgs/op")
}

func BenchmarkMboxReaderGzip(b *testing.B) {
	data, want := synthMbox(32 << 20)
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.DefaultCompression)
	zw.Write(data)
	zw.Close()
	b.SetBytes(int64(len(data))) // uncompressed bytes per second
	b.ReportAllocs()
	cpu := startCPU(b, int64(len(data)))
	for b.Loop() {
		zr, err := gzip.NewReader(bytes.NewReader(zb.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		if n, _ := countMbox(b, zr); n != want {
			b.Fatalf("read %d messages, want %d", n, want)
		}
	}
	cpu.stop()
}

func BenchmarkReaderZstdFile(b *testing.B) {
	data, want := synthMbox(32 << 20)
	var zb bytes.Buffer
	zw, _ := zstd.NewWriter(&zb)
	zw.Write(data)
	zw.Close()
	dir := b.TempDir()
	writeFile(b, dir+"/box.zst", zb.Bytes())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := startCPU(b, int64(len(data)))
	defer cpu.stop()
	for b.Loop() {
		if n, _ := countAll(b, dir+"/box.zst"); n != want {
			b.Fatalf("read %d messages, want %d", n, want)
		}
	}
}

func BenchmarkReaderFile(b *testing.B) {
	data, want := synthMbox(64 << 20)
	dir := b.TempDir()
	writeFile(b, dir+"/box", data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := startCPU(b, int64(len(data)))
	defer cpu.stop()
	for b.Loop() {
		if n, _ := countAll(b, dir+"/box"); n != want {
			b.Fatalf("read %d messages, want %d", n, want)
		}
	}
}

// repeatReader yields its data over and over up to a total, without holding
// more than one copy.
type repeatReader struct {
	data []byte
	off  int
	left int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if r.off == len(r.data) {
		r.off = 0
	}
	n := copy(p, r.data[r.off:])
	if int64(n) > r.left {
		n = int(r.left)
	}
	r.off += n
	r.left -= int64(n)
	return n, nil
}

// TestMemoryFlat reads a 256 MB generated stream (MAILBOX_FLAT_MB sets
// another size) and checks that the heap
// stays small: the reader holds neither the input nor the bodies, and the
// caller drops each header.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 256 MB")
	}
	data, per := synthMbox(8 << 20)
	total := int64(256 << 20)
	if v := os.Getenv("MAILBOX_FLAT_MB"); v != "" {
		// For a manual check at scale, e.g. MAILBOX_FLAT_MB=4096.
		mb, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("MAILBOX_FLAT_MB: %v", err)
		}
		total = mb << 20
	}
	rounds := int(total / int64(len(data)))
	src := &repeatReader{data: data, left: int64(rounds * len(data))}
	m := NewMboxReader(src, "big", Options{})
	var ms runtime.MemStats
	var peak uint64
	n := 0
	for {
		msg, err := m.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if msg.Err != nil {
			t.Fatalf("%v", msg.Err)
		}
		n++
		if n%2000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if n != rounds*per {
		t.Errorf("read %d messages, want %d", n, rounds*per)
	}
	// The test's own 8 MB of data plus the reader's 1 MiB buffer and a
	// header slab; anything growing with the input would be far above.
	const limit = 24 << 20
	t.Logf("%d messages, %d MB read, peak live heap %.1f MB, %d MB allocated in all", n, total>>20, float64(peak)/(1<<20), ms.TotalAlloc>>20)
	if peak > limit {
		t.Errorf("peak live heap %d bytes, want < %d", peak, limit)
	}
}

func writeFile(tb testing.TB, name string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(name, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// countAll reads every message below path with Open and returns how many
// there were and how many bytes the reader consumed.
func countAll(b *testing.B, path string) (int, int64) {
	b.Helper()
	r := Open([]string{path}, Options{})
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			return n, r.BytesRead()
		}
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkReaderMaildir reads a Maildir of 2000 messages (5-50 KB each);
// bodies of single-message files are not read at all.
func BenchmarkReaderMaildir(b *testing.B) {
	dir := b.TempDir()
	rng := rand.New(rand.NewPCG(9, 10))
	var total int64
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(dir+"/"+sub, 0o755); err != nil {
			b.Fatal(err)
		}
	}
	const n = 2000
	for i := range n {
		m := synthMessage(nil, rng, i)
		m = m[bytes.IndexByte(m, '\n')+1:] // no From line in a Maildir
		writeFile(b, fmt.Sprintf("%s/cur/%d.%d.host:2,S", dir, 1700000000+i, i), m)
		total += int64(len(m))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		if got, read := countAll(b, dir); got != n || read != total {
			b.Fatalf("read %d messages, %d bytes; want %d, %d", got, read, n, total)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkReaderBenchFile reads the file named by $MAILROUTE_BENCH_MBOX,
// such as the mbox of scripts/bench-scan.sh (KEEP=1 keeps it); it skips
// when the variable is unset.
func BenchmarkReaderBenchFile(b *testing.B) {
	name := os.Getenv("MAILROUTE_BENCH_MBOX")
	if name == "" {
		b.Skip("MAILROUTE_BENCH_MBOX not set")
	}
	fi, err := os.Stat(name)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	cpu := startCPU(b, fi.Size())
	defer cpu.stop()
	for b.Loop() {
		countAll(b, name)
	}
}
