package mailbox

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// corpusMbox holds real mbox files (see /work/shared/corpus/README.md);
// the test skips when it is absent.
const corpusMbox = "../../shared/corpus/mbox"

// TestCorpusMbox reads the real mbox files of the shared corpus and checks
// that the counts are sane: as many messages as separator lines (or fewer,
// when a Content-Length joins them), each with a non-empty header section
// holding a header field, and sizes adding up to the file minus its From
// lines.
func TestCorpusMbox(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusMbox, "*.mbox"))
	if len(files) == 0 {
		t.Skip("no corpus at " + corpusMbox)
	}
	total := 0
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			seps := bytes.Count(data, []byte("\nFrom "))
			if bytes.HasPrefix(data, []byte("From ")) {
				seps++
			}
			r := Open([]string{name}, Options{})
			defer r.Close()
			n := 0
			var size int64
			for {
				m, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
				size += m.Size
				if m.Err != nil {
					t.Errorf("%v", m.Err)
				}
				if len(m.Header) == 0 || !isFieldLine(m.Header) {
					t.Errorf("%s: header %.40q does not start with a field", m.Pos, m.Header)
				}
				if m.Pos.N != n {
					t.Errorf("%s: want number %d", m.Pos, n)
				}
			}
			if n == 0 || n > seps {
				t.Errorf("%d messages, %d From lines", n, seps)
			}
			if size >= int64(len(data)) || r.BytesRead() != int64(len(data)) {
				t.Errorf("sizes add up to %d, read %d of %d bytes", size, r.BytesRead(), len(data))
			}
			t.Logf("%d messages (%d From lines)", n, seps)
			total += n
		})
	}
	t.Logf("%d messages in %d files", total, len(files))
}
