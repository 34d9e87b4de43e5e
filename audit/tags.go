package audit

import (
	"strings"
)

// maxTagsLen bounds the tag-list text parsed (DMARC, MTA-STS, TLS-RPT).
const maxTagsLen = 4096

// Tag is one "name=value" pair of a DMARC, MTA-STS or TLS-RPT record.
type Tag struct {
	Name  string // lower case
	Value string // trimmed
}

// ParseTags parses a semicolon-separated tag list such as
// "v=DMARC1; p=reject; rua=mailto:d@example.com" (RFC 7489 6.4, RFC 8461
// 3.1, RFC 8460 3). It is lenient: empty parts are skipped, a part without
// "=" becomes a tag with an empty value, and text beyond 4096 bytes is
// ignored. Order is kept.
func ParseTags(s string) []Tag {
	if len(s) > maxTagsLen {
		s = s[:maxTagsLen]
	}
	var tags []Tag
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		tags = append(tags, Tag{Name: strings.ToLower(strings.TrimSpace(name)), Value: strings.TrimSpace(value)})
	}
	return tags
}

// tagValue returns the value of the first tag called name.
func tagValue(tags []Tag, name string) (string, bool) {
	for _, t := range tags {
		if t.Name == name {
			return t.Value, true
		}
	}
	return "", false
}

// splitURIs splits a comma-separated list of report URIs (rua, ruf).
func splitURIs(s string) []string {
	var out []string
	for u := range strings.SplitSeq(s, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}
