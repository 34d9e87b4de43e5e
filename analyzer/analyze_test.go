package analyzer

import (
	"strings"
	"testing"
)

// TestContainsFold checks containsFold against the strings.EqualFold
// window it replaced, including runes that fold to ASCII letters.
func TestContainsFold(t *testing.T) {
	ref := func(s, sub string) bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if strings.EqualFold(s[i:i+len(sub)], sub) {
				return true
			}
		}
		return false
	}
	for _, s := range []string{"", "multipart/ENCRYPTED; protocol=x", "application/PKCS7-mime", "p\u212acs7",
		"\u212a\u212a pkcs", "text/plain", "encrypte", "xxencryptedxx", "ſmime", "\xffpkcs7\xff"} {
		for _, sub := range []string{"encrypted", "pkcs7"} {
			if got, want := containsFold(s, sub), ref(s, sub); got != want {
				t.Errorf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
			}
		}
	}
}

func TestTagValue(t *testing.T) {
	tests := []struct{ list, name, want string }{
		{"v=1; d=Example.ORG; s=sel", "d", "example.org"},
		{"v=1; d = exa\r\n mple.org ;", "d", "example.org"},
		{"v=1; D=x.example", "d", "x.example"},
		{"v=1; s=a", "d", ""},
		{"d=", "d", ""},
		{"d=a\u00a0b", "d", "ab"}, // a non-breaking space is white space to strings.Fields
	}
	for _, tt := range tests {
		if got := tagValue(tt.list, tt.name); got != tt.want {
			t.Errorf("tagValue(%q, %q) = %q, want %q", tt.list, tt.name, got, tt.want)
		}
	}
}
