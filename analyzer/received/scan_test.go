package received

import (
	"strings"
	"testing"
)

// scanTopBytes and commentEndBytes are scanTop and commentEnd as they were
// before they read eight bytes at a time: the references the fast versions
// must agree with on every input.
func scanTopBytes(v string) int {
	depth, last := 0, -1
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if depth > 0 {
				i++
			}
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ';':
			if depth == 0 {
				last = i
			}
		}
	}
	if depth > 0 {
		if i := strings.LastIndexByte(v, ';'); i > last {
			if looksDate(v[i+1:]) {
				return i
			}
		}
	}
	return last
}

func commentEndBytes(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// checkScanners compares scanTop and commentEnd with their references on v
// and on every comment start in it.
func checkScanners(t *testing.T, v string) {
	t.Helper()
	if got, _ := scanTop(v); got != scanTopBytes(v) {
		t.Fatalf("scanTop(%q) = %d, want %d", v, got, scanTopBytes(v))
	}
	for i := 0; i < len(v); i++ {
		if v[i] != '(' {
			continue
		}
		if got, want := commentEnd(v[i:]), commentEndBytes(v[i:]); got != want {
			t.Fatalf("commentEnd(%q) = %d, want %d", v[i:], got, want)
		}
	}
}

// TestScannersMatchReference checks the eight-byte scanners on the test
// cases and on hand-made values that put syntax at every offset of a word
// of eight, quoted pairs across word boundaries and at the end.
func TestScannersMatchReference(t *testing.T) {
	values := []string{
		"", ";", "(", ")", "\\", "(\\", "(\\)", "(\\))", "a;b", "(a;b);c", "((a)", "(a\\)b);c",
		"(\\\\);x", "(\\\\\\);x", "x (a;b", "x (a; Thu, 11 Jan 2024 10:00:00 +0000",
		"from a (b) by c; Thu, 11 Jan 2024 10:00:00 +0000 (CET)",
	}
	for n := range 20 {
		pad := strings.Repeat("x", n)
		for _, core := range []string{"(a\\;b);c", "(a\\(b);c", "((\\)));d", "\\(;)", "(;)\\", "(\\"} {
			values = append(values, pad+core, pad+core+pad, core+pad)
		}
	}
	values = append(values, allCases(t)...)
	for _, v := range values {
		checkScanners(t, v)
	}
}
