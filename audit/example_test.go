package audit_test

import (
	"fmt"

	"github.com/mailroute/mailroute/audit"
)

func ExampleParseSPF() {
	rec, err := audit.ParseSPF("v=spf1 ip4:192.0.2.0/24 a:mail.example.com/28 include:_spf.example.net exists:%{i}._spf.%{d} ~all")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range rec.Terms {
		arg := t.Domain
		if t.Prefix.IsValid() {
			arg = t.Prefix.String()
		}
		fmt.Printf("%s%-7s %-20s cidr4=%-2d macro=%-5v counts=%v\n", t.Qualifier, t.Mechanism, arg, t.CIDR4, t.Macro, t.QueriesDNS())
	}
	// Output:
	// +ip4     192.0.2.0/24         cidr4=-1 macro=false counts=false
	// +a       mail.example.com     cidr4=28 macro=false counts=true
	// +include _spf.example.net     cidr4=-1 macro=false counts=true
	// +exists  %{i}._spf.%{d}       cidr4=-1 macro=true  counts=true
	// ~all                          cidr4=-1 macro=false counts=false
}
