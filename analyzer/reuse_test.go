package analyzer

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mailroute/mailroute/operator"
	"github.com/mailroute/mailroute/placement"
)

// spreadLocator places addresses in countries and ASes by their last byte,
// so that results have countries, organisations and jurisdictions of
// several kinds.
type spreadLocator struct{}

func (spreadLocator) Locate(a netip.Addr) Location {
	b := a.As16()[15]
	countries := []string{"DE", "US", "FR", "CH", "CN", "", "IE", "JP"}
	c := countries[int(b)%len(countries)]
	if c == "" {
		return Location{Source: []DataSource{}}
	}
	return Location{Country: c, ASN: uint(b%5) + 64500, ASOrg: fmt.Sprintf("AS Org %d", b%5), Source: []DataSource{{Name: "spread", Type: "test"}}}
}

// reuseInputs are header sections of every kind Analyze meets: the samples
// and odd ones (no Received field, no fields, a loop, a header too large).
func reuseInputs(t *testing.T) [][]byte {
	hdrs := seedHeaders(t)
	var loop strings.Builder
	for i := range MaxReceived + 5 {
		fmt.Fprintf(&loop, "Received: from h%d.example.org ([192.0.2.%d]) by h%d.example.org with ESMTPS; Tue, 1 Dec 2026 10:00:%02d +0000\n", i+1, i%250, i, i%60)
	}
	hdrs = append(hdrs,
		[]byte("From: a@example.org\nSubject: no trace\n\n"),
		[]byte("\n"),
		nil,
		[]byte(loop.String()+"\n"),
		bytes.Repeat([]byte("X-Pad: 0123456789\n"), 200),
	)
	return hdrs
}

// allFields makes cmp compare unexported fields too, and addresses by
// value; the memory a result lends its header (Result.scratch) is not part
// of it.
var allFields = cmp.Options{
	cmp.Exporter(func(reflect.Type) bool { return true }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
	noScratch,
}

// noScratch leaves Result.scratch out of a comparison.
var noScratch = cmpopts.IgnoreFields(Result{}, "scratch")

// TestAnalyzeIntoReuse checks that a result analysed into the memory of
// earlier ones is the result Analyze gives, for every input after every
// other (large results before small ones and the reverse).
func TestAnalyzeIntoReuse(t *testing.T) {
	ops, err := operator.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	places, err := placement.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Locator: spreadLocator{}, Operators: ops, Placements: places, Domains: NewDomainCache(0), MaxHeaderBytes: 3000}
	hdrs := reuseInputs(t)
	ctx := context.Background()
	want := make([]Result, len(hdrs))
	for i, h := range hdrs {
		want[i] = Analyze(ctx, h, fmt.Sprintf("m%d", i), opts)
	}
	order := make([]int, 0, 3*len(hdrs))
	for i := range hdrs {
		order = append(order, i)
	}
	for i := range hdrs {
		order = append(order, len(hdrs)-1-i)
	}
	for i := range hdrs {
		order = append(order, i, (i*7)%len(hdrs))
	}
	var res Result
	for _, i := range order {
		AnalyzeInto(ctx, hdrs[i], fmt.Sprintf("m%d", i), opts, &res)
		if diff := cmp.Diff(want[i], res, allFields); diff != "" {
			t.Fatalf("input %d analysed into a reused result differs (-Analyze +AnalyzeInto):\n%s", i, diff)
		}
	}
	if !slices.ContainsFunc(want, func(r Result) bool { return len(r.Summary.Countries) > 1 && len(r.Parties) > 1 }) {
		t.Fatal("no input has several countries and parties: the test shows little")
	}
}
