package report

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/operator"
)

// TestAggregatorWithRecycledResults aggregates the sample messages twice:
// from fresh results (Analyze) and from one result that AnalyzeInto reuses
// for every message, as scan does, which overwrites the header text the
// strings of the previous message point into. Both reports, examples
// included, must be the same: the Aggregator must keep copies only.
func TestAggregatorWithRecycledResults(t *testing.T) {
	paths, err := filepath.Glob("../samples/*.eml")
	if err != nil || len(paths) < 10 {
		t.Fatalf("samples: %d, %v", len(paths), err)
	}
	type sample struct {
		name string
		hdr  []byte
	}
	var samples []sample
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, sample{filepath.Base(p), b})
	}
	// Largest first, so that the reused result's memory fits every later
	// header and each one overwrites the one before.
	slices.SortStableFunc(samples, func(a, b sample) int { return len(b.hdr) - len(a.hdr) })
	ops, err := operator.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	opts := analyzer.Options{Operators: ops}
	ctx := context.Background()
	for _, by := range []string{"provider", "sender-domain", "first-org"} {
		t.Run(by, func(t *testing.T) {
			g, err := ParseGroupBy(by)
			if err != nil {
				t.Fatal(err)
			}
			aopts := Options{GroupBy: g, Examples: 3}
			fresh, recycled := NewAggregator(aopts), NewAggregator(aopts)
			var res analyzer.Result
			for _, sm := range samples {
				fresh.Add(analyzer.Analyze(ctx, sm.hdr, sm.name, opts), "")
				analyzer.AnalyzeInto(ctx, sm.hdr, sm.name, opts, &res)
				recycled.AddRef(&res, "")
			}
			want := fresh.Report()
			if len(want.Rows) < 3 || len(want.Rows[0].Examples) == 0 {
				t.Fatalf("the samples give %d rows: the test shows little", len(want.Rows))
			}
			if diff := cmp.Diff(want, recycled.Report(), cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
				cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
				t.Errorf("report from recycled results differs (-fresh +recycled):\n%s", diff)
			}
		})
	}
}
