package domain

import (
	"net/netip"
	"strings"
	"testing"
)

func TestRegistrable(t *testing.T) {
	tests := []struct{ host, want string }{
		{"mail-sor-f41.google.com", "google.com"},
		{"MX.Example.CO.UK.", "example.co.uk"},
		{"example.org", "example.org"},
		{"ec2-198-51-100-1.compute-1.amazonaws.com", "amazonaws.com"}, // private suffix ignored
		{"foo.blogspot.com", "blogspot.com"},
		{"co.uk", ""},
		{"com", ""},
		{"localhost", ""},
		{"host.lan", ""},
		{"mail.internal", ""},
		{"192.0.2.1", ""},
		{"[192.0.2.1]", ""},
		{"[IPv6:2001:db8::1]", ""},
		{"2001:db8::1", ""},
		{"", ""},
		{"  a.b.example.net  ", "example.net"},
		{"beef.example", ""}, // .example is reserved, not delegated
		{"deadbeef.de", "deadbeef.de"},
		{"0. 0.uA", ""},
		{".].AC", ""},
		{"münchen.de", "münchen.de"},
		{"a_b.example.org", "example.org"},
		{"mail.ex ample.com", ""},
		{"mx\x1b[31m.example.com", ""},
		{"mail-sor-f41.google.com.", "google.com"},
		{"AM0PR02MB1234.eurprd02.prod.outlook.com", "outlook.com"},
		{"smtp-web43-sp.uni5.net", "uni5.net"},
		{"km-c3350i.kessler.lan", ""},
		{"dovecot16.posteo.local", ""},
		{"a8-30.smtp-out.amazonses.com", "amazonses.com"},
		{"p5dd7a1c3.dip0.t-ipconnect.de", "t-ipconnect.de"},
		{"1e100.net", "1e100.net"}, // digits and hex letters, not an address
		{"mail-wr1-f41.1e100.net", "1e100.net"},
		{"1.2.3.4%eth0", ""},
		{"[ipv6:::ffff:192.0.2.1]", ""},
	}
	for _, tt := range tests {
		if got := Registrable(tt.host); got != tt.want {
			t.Errorf("Registrable(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func FuzzRegistrable(f *testing.F) {
	for _, s := range []string{"mail.google.com", "a.co.uk", "[1.2.3.4]", "x.compute-1.amazonaws.com", ".", ".."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isAddress(s), refIsAddress(s); got != want {
			t.Fatalf("isAddress(%q) = %v, netip says %v", s, got, want)
		}
		d := Registrable(s)
		if d == "" {
			return
		}
		if Registrable(d) != d {
			t.Fatalf("Registrable(%q) = %q, not a fixed point", s, d)
		}
	})
}

// refIsAddress is isAddress as it was before its IPv4 pre-check (which
// keeps names such as 1e100.net away from netip's error allocation): the
// reference the faster version must agree with.
func refIsAddress(s string) bool {
	if len(s) > 5 && strings.EqualFold(s[:5], "ipv6:") {
		s = s[5:]
	}
	if s == "" || !(s[0] >= '0' && s[0] <= '9' || strings.IndexByte(s, ':') >= 0) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == '.' || c == ':' || c == '%') {
			return false
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func TestIsAddress(t *testing.T) {
	for _, s := range []string{"192.0.2.1", "1e100.net", "1.2.3.4%eth0", "fe80::1%eth0", "fe80::1%1", "1.2.3.4%1", "::ffff:1.2.3.4",
		"ipv6:2001:db8::1", "2001:db8::1", "deadbeef", "1.2.3", "1.2.3.4.5", "", "a:b", "0"} {
		if got, want := isAddress(s), refIsAddress(s); got != want {
			t.Errorf("isAddress(%q) = %v, want %v", s, got, want)
		}
	}
}
