package filtering

// rule selects header fields by lower-case name: the whole name, or with
// prefix set every name that starts with it. The first rule that matches a
// name decides its family.
type rule struct {
	name   string
	prefix bool
	fam    *family
}

// Wants reports whether Read uses the field called name (case-insensitive),
// so a header reader can keep only those. It does not allocate. It takes a
// string or the name's bytes as the header reader has them.
func Wants[S string | []byte](name S) bool {
	if len(name) < 6 {
		return false
	}
	switch name[0] | 0x20 {
	case 'a', 'x', 'i':
	default:
		return false
	}
	return findRule(name) >= 0
}

// findRule returns the index in rules of the first rule matching name, or -1.
func findRule[S string | []byte](name S) int {
	for i := range rules {
		r := &rules[i]
		if len(name) < len(r.name) || (!r.prefix && len(name) != len(r.name)) {
			continue
		}
		if hasPrefixFold(name, r.name) {
			return i
		}
	}
	return -1
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix,
// ignoring ASCII case.
func hasPrefixFold[S string | []byte](s S, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}
