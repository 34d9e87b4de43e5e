package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// recorder captures failures instead of failing the test.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, got string
		fail            bool
	}{
		{"same", path, "hello\n", false},
		{"different", path, "bye\n", true},
		{"missing", filepath.Join(dir, "none.txt"), "x", true},
	}
	for _, tt := range tests {
		r := &recorder{TB: t}
		Check(r, tt.path, []byte(tt.got))
		if r.failed != tt.fail {
			t.Errorf("%s: failed = %v, want %v", tt.name, r.failed, tt.fail)
		}
	}
}
