package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailroute/mailroute/internal/dnstest"
)

func checkPage(t *testing.T, page string) {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("not a whole HTML page: %.60q ... %q", page, page[max(0, len(page)-20):])
	}
	if !strings.Contains(page, `http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`) {
		t.Error("no Content-Security-Policy forbidding loads")
	}
}

func TestHTMLFormat(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	// The number of sample messages: one JSON line per message trace
	// reads, so adding a sample does not break this test.
	js := run(t, geo, "", "trace", "--format", "json", "samples/")
	msgs := strings.Count(js.stdout, "\n")
	if msgs < 20 {
		t.Fatalf("only %d messages in samples/", msgs)
	}
	t.Run("trace", func(t *testing.T) {
		r := run(t, geo, "", "trace", "--format", "html", "samples/")
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		checkPage(t, r.stdout)
		if n := strings.Count(r.stdout, `<section class="message"`); n != msgs {
			t.Errorf("%d message sections, want %d (one per message)", n, msgs)
		}
	})
	t.Run("scan", func(t *testing.T) {
		r := run(t, geo, "", "scan", "--format", "html", "--group-by", "dir", "samples/")
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		checkPage(t, r.stdout)
		for _, want := range []string{fmt.Sprintf("%d read = %d analysed + 0 failed", msgs, msgs), "Example messages (5 of"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("scan page lacks %q", want)
			}
		}
	})
	t.Run("provider", func(t *testing.T) {
		srv := dnstest.Start(t, dnsZone, dnstest.Options{AD: []string{"_25._tcp.mx01.posteo.de"}})
		r := run(t, geo, "", "provider", "--resolver", srv.Addr, "--home", "DE", "--format", "html", "posteo.de")
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		checkPage(t, r.stdout)
		if !strings.Contains(r.stdout, "Transport security") {
			t.Error("provider page lacks the transport-security table")
		}
	})
}

func TestOutputFile(t *testing.T) {
	chdirRoot(t)
	geo := geoDir(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"trace json", []string{"trace", "--format", "json"}},
		{"trace html", []string{"trace", "--format", "html"}},
		{"scan csv", []string{"scan", "--format", "csv"}},
		{"scan html", []string{"scan", "--format", "html"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "."))
			want := run(t, geo, "", append(tt.args, "samples/gmx-to-posteo.eml")...)
			got := run(t, geo, "", append(tt.args, "-o", file, "samples/gmx-to-posteo.eml")...)
			if got.code != ExitOK || got.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr %s", got.code, got.stdout, got.stderr)
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != want.stdout {
				t.Errorf("file differs from standard output")
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	t.Run("missing folder", func(t *testing.T) {
		file := filepath.Join(dir, "no", "such", "out.html")
		r := run(t, geo, "", "scan", "--format", "html", "-o", file, "samples/gmx-to-posteo.eml")
		if r.code != ExitError || !strings.Contains(r.stderr, file) {
			t.Errorf("exit %d, stderr %q: want %d and the file named", r.code, r.stderr, ExitError)
		}
	})
	t.Run("failed run leaves no file", func(t *testing.T) {
		file := filepath.Join(dir, "interrupted.json")
		r := run(t, geo, "", "trace", "--format", "json", "-o", file, "--city-db", "no/such.mmdb", "samples/gmx-to-posteo.eml")
		if r.code == ExitOK {
			t.Fatal("bad --city-db succeeded")
		}
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Errorf("%s exists after a failed run: %v", file, err)
		}
	})
}
