package received

import (
	"strings"
	"unicode/utf8"
)

// Control characters in a Received field are never syntax. A client chooses
// its HELO name and much of what servers put in comments, so a terminal
// escape there ("evil\x1b[31m.example") must not end a clause or hide the
// address the receiver recorded. Parse removes C0 controls other than HT,
// CR and LF (which are folding white space, RFC 5322 3.2.2), DEL, and C1
// controls written in UTF-8 (U+0080-U+009F) before reading the field; the
// printable rest of an escape sequence ("[31m") stays part of its token.
// Removing whole escape sequences would let a sender erase real text: an
// ESC put before "[203.0.113.9]" would take the address literal with it.
// Raw bytes 0x80-0x9f are left alone: in a UTF-8 value they are continuation
// bytes, not C1 controls.

// ctlMask8 has the high bit of every byte set.
const ctlMask8 = 0x8080808080808080

// hasControl reports whether the 8 bytes of x may hold a byte below 0x20 or
// at or above 0x7f (false positives are possible only next to a true one).
func hasControl(x uint64) bool {
	const ones = 0x0101010101010101
	below20 := (x - 0x20*ones) &^ x
	atOrAbove7f := x | (x&^ctlMask8 + ones)
	return (below20|atOrAbove7f)&ctlMask8 != 0
}

// withoutControls returns v without the control characters described above,
// and whether any were removed. It allocates only when it removes some.
func withoutControls(v string) (string, bool) {
	i := firstControl(v)
	if i < 0 {
		return v, false
	}
	var b strings.Builder
	b.Grow(len(v))
	b.WriteString(v[:i])
	for i < len(v) {
		if n := controlAt(v, i); n > 0 {
			i += n
			continue
		}
		b.WriteByte(v[i])
		i++
	}
	return b.String(), true
}

// firstControl returns the offset of the first control character in v, or
// -1. It skips eight bytes at a time while none is there (fields are
// scanned on every parse, so this is on the hot path).
func firstControl(v string) int {
	i := 0
	for i+8 <= len(v) {
		w := v[i : i+8] // one bounds check, so that the compiler makes one load
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if !hasControl(x) {
			i += 8
			continue
		}
		for end := i + 8; i < end; i++ {
			if controlAt(v, i) > 0 {
				return i
			}
		}
	}
	for ; i < len(v); i++ {
		if controlAt(v, i) > 0 {
			return i
		}
	}
	return -1
}

// controlAt returns the length of the control character at v[i], or -1.
func controlAt(v string, i int) int {
	c := v[i]
	switch {
	case c < 0x20 && c != '\t' && c != '\r' && c != '\n', c == 0x7f:
		return 1
	case c == 0xc2 && i+1 < len(v):
		if r, n := utf8.DecodeRuneInString(v[i:]); r >= 0x80 && r <= 0x9f {
			return n
		}
	}
	return -1
}
