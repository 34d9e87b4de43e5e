package report

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/filtering"
)

// TestAggregatorKeepsNoHeaderText checks that what the Aggregator keeps of
// a result does not keep the memory of the result's strings alive. In a
// scan those strings are parts of their message's header text; a key that
// shared it would hold the text of one message per distinct sender,
// organisation or TLS spelling for the whole run.
//
// Each result is added twice, from two texts: a count that went up by
// assignment (m[name]++) would have swapped the first text's key for the
// second's. With examples on, the example must keep copies too.
func TestAggregatorKeepsNoHeaderText(t *testing.T) {
	for _, by := range []string{"provider", "sender-domain", "first-org", "header:X-Group"} {
		for _, examples := range []int{0, 3} {
			t.Run(fmt.Sprintf("%s/examples=%d", by, examples), func(t *testing.T) {
				g, err := ParseGroupBy(by)
				if err != nil {
					t.Fatal(err)
				}
				agg := NewAggregator(Options{GroupBy: g, Examples: examples})
				first, second := addFromText(agg), addFromText(agg)
				for _, collected := range []<-chan struct{}{first, second} {
					if !collectedSoon(collected) {
						t.Fatal("the header text of an added result is still alive")
					}
				}
				if rows := agg.Report().Rows; len(rows) != 1 || rows[0].Messages != 2 {
					t.Fatalf("rows: %+v", rows)
				}
			})
		}
	}
}

// collectedSoon runs the collector until c is closed, for a while.
func collectedSoon(c <-chan struct{}) bool {
	for range 20 {
		runtime.GC()
		select {
		case <-c:
			return true
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// addFromText adds a result whose strings are all cut from one header
// text and returns a channel closed when that text is collected.
func addFromText(agg *Aggregator) <-chan struct{} {
	text := strings.Repeat("x", 1<<16) +
		" sender.example.org Example Org DE TLSv1.3 Relay Co Filter Co engine a note group-value"
	word := func(w string) string {
		i := strings.Index(text, w)
		return text[i : i+len(w)]
	}
	collected := make(chan struct{})
	runtime.AddCleanup(unsafe.StringData(text), func(c chan struct{}) { close(c) }, collected)
	res := analyzer.Result{
		FromDomain:  word("sender.example.org"),
		DKIMDomains: []string{word("sender.example.org")},
		Headers:     map[string]string{"X-Group": word("group-value")},
		Nodes: []analyzer.Node{
			{Role: analyzer.RoleOrigin, Organisation: word("Example Org")},
			{Role: analyzer.RoleFinal, Organisation: word("Example Org")},
		},
		Summary: analyzer.Summary{
			Hops: 1, Relays: 1,
			Organisations: []string{word("Example Org")},
			Countries:     []string{word("DE")},
			TLSVersions:   []string{word("TLSv1.3")},
		},
		Parties: []analyzer.Party{{Side: analyzer.SideIntermediary, Operator: word("Relay Co")}},
		Filters: []analyzer.Filter{{Finding: filtering.Finding{Engine: word("engine"), Operator: word("Filter Co")}}},
		Notes:   []string{word("a note")},
	}
	agg.AddRef(&res, "")
	return collected
}
