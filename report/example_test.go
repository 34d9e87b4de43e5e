package report_test

import (
	"fmt"
	"github.com/mailroute/mailroute/jurisdiction"
	"os"
	"strings"

	"github.com/mailroute/mailroute/analyzer"
	"github.com/mailroute/mailroute/report"
)

func ExampleAggregator() {
	home, _ := jurisdiction.ParseHome("EEA")
	policy, _ := report.ParsePolicy("third-country")
	agg := report.NewAggregator(report.Options{Home: home, Policy: policy})

	agg.Add(analyzer.Result{FromDomain: "gmx.de", Summary: analyzer.Summary{
		Hops: 2, Relays: 2, Countries: []string{"DE"}, EncryptedSegments: 2,
	}}, "")
	agg.Add(analyzer.Result{FromDomain: "mail.yahoo.co.uk", Summary: analyzer.Summary{
		Hops: 3, Relays: 3, Countries: []string{"US", "DE"}, LeftHome: true, LeftEUEEA: true,
		ThirdCountry: true, EncryptedSegments: 2, PlaintextSegments: 1,
	}}, "")
	agg.Add(analyzer.Result{Error: "no Received fields", FailReason: analyzer.FailNoReceived}, "")

	rep := agg.Report()
	for _, r := range rep.Rows {
		fmt.Printf("%s: %d msgs, median hops %v, third country %.0f%%, plaintext segments %.0f%%\n",
			r.Group, r.Messages, r.MedianHops, 100*r.Share(r.ThirdCountry), 100*r.SegmentShare(r.PlaintextSegments))
	}
	fmt.Printf("read %d = analysed %d + failed %d; violations: %v\n", rep.Read, rep.Analysed, rep.Failed, rep.Violations())
	// Output:
	// United Internet: 1 msgs, median hops 2, third country 0%, plaintext segments 0%
	// Yahoo: 1 msgs, median hops 3, third country 100%, plaintext segments 33%
	// read 3 = analysed 2 + failed 1; violations: true
}

func ExampleParseProviders() {
	rules, err := report.ParseProviders(strings.NewReader(`
# our relays
example.org      Example GmbH
hotmail.*        Microsoft (consumer)
`))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	p, _ := report.NewProviders(rules)
	for _, d := range []string{"mx1.example.org", "hotmail.co.uk", "gmail.com", "news.shop.co.uk"} {
		fmt.Println(d, "->", p.Group(d))
	}
	// Output:
	// mx1.example.org -> Example GmbH
	// hotmail.co.uk -> Microsoft (consumer)
	// gmail.com -> Google
	// news.shop.co.uk -> shop.co.uk
}
