// Package golden compares test output with golden files under testdata/ and
// rewrites them when the test binary runs with -update.
//
//	go test ./render -update   # rewrite, then review the diff with git
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update is registered in every test binary that imports this package.
var update = flag.Bool("update", false, "rewrite golden files")

// Updating reports whether golden files are being rewritten (-update).
func Updating() bool { return *update }

// Check compares got with the golden file at path; with -update it writes
// got to path instead (creating the directory).
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the output (-want +got; rerun with -update if the change is intended):\n%s", path, diff)
	}
}
