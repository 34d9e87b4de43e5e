package domain

import "testing"

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
		d := Registrable(s)
		if d == "" {
			return
		}
		if Registrable(d) != d {
			t.Fatalf("Registrable(%q) = %q, not a fixed point", s, d)
		}
	})
}
