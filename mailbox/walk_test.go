package mailbox

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDirGroups(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, d := range []string{"testmails/gmx/sub", "testmails/posteo", "tm/google/work", "tm/apple", "Maildir/cur", "Maildir/new", "Maildir/.Work/cur", "Maildir/.Work/new", "other/posteo", "exports"} {
		if err := os.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile("exports/gmx.mbox", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		file string
		want string
	}{
		{[]string{"testmails/"}, "testmails/gmx/a.eml", "gmx"},
		{[]string{"testmails"}, "testmails/gmx/sub/a.eml", "gmx"},
		{[]string{"testmails"}, "testmails/a.eml", ""},
		{[]string{"Maildir"}, "Maildir/cur/1:2,S", ""},
		{[]string{"Maildir"}, "Maildir/.Work/cur/1:2,S", ".Work"},
		{[]string{"exports/gmx.mbox", "other/"}, "other/posteo/x.eml", "posteo"},
		{[]string{"exports/gmx.mbox"}, "exports/gmx.mbox", "exports"},
		{[]string{"-"}, "-", ""},
		// Issue 11: several directory arguments are each their own group.
		{[]string{"tm/google", "tm/apple"}, "tm/google/a.eml", "tm/google"},
		{[]string{"tm/google", "tm/apple"}, "tm/apple/b.eml", "tm/apple"},
		{[]string{"tm/google/", "tm/apple"}, "tm/google/work/c.eml", "tm/google/work"},
		{[]string{"tm/google", "tm/google/"}, "tm/google/a.eml", ""}, // the same directory twice is one
		// The most specific argument wins.
		{[]string{"tm", "tm/google"}, "tm/google/a.eml", "tm/google"},
		{[]string{"tm", "tm/google"}, "tm/apple/b.eml", "tm/apple"},
		// A missing argument is not a directory.
		{[]string{"testmails", "nope/"}, "testmails/gmx/a.eml", "gmx"},
	}
	for _, tt := range tests {
		if got := DirGroups(tt.args)(filepath.FromSlash(tt.file)); got != tt.want {
			t.Errorf("DirGroups(%q)(%q) = %q, want %q", tt.args, tt.file, got, tt.want)
		}
	}
}
