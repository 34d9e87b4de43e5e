package report

import (
	"github.com/mailroute/mailroute/jurisdiction"
	"net/netip"

	"github.com/mailroute/mailroute/analyzer"
)

// item is one fixture result with the folder it came from.
type item struct {
	res analyzer.Result
	dir string
}

func secs(f float64) *float64 { return &f }

const dpfNote = "US: adequate only for organisations certified under the EU-US Data Privacy Framework"

// nastyHeader is a header value built to attack each output format: a
// spreadsheet formula, a terminal colour escape, a Markdown pipe and HTML.
const nastyHeader = "=cmd|' /C calc'!A0 \x1b[31mred\x1b[0m | <script>alert(1)</script>"

// node is a shorthand for a public or internal node.
func node(role analyzer.Role, ip, org, country string, j jurisdiction.Class) analyzer.Node {
	return analyzer.Node{
		Name:         "host",
		IP:           netip.MustParseAddr(ip),
		Role:         role,
		Internal:     j == jurisdiction.ClassInternal,
		Organisation: org,
		Location:     analyzer.Location{Country: country},
		Jurisdiction: j,
	}
}

// fixtures returns a fixed set of results: several providers, a failed
// message of each reason, a third-country route, a plaintext hop, an
// internal-only route and hostile strings.
func fixtures() []item {
	return []item{
		{dir: "google", res: analyzer.Result{
			Source: "gmail-1.eml", FromDomain: "gmail.com",
			Headers: map[string]string{"X-Mailer": "Gmail"},
			Nodes: []analyzer.Node{
				node(analyzer.RoleOrigin, "10.0.0.2", "", "", jurisdiction.ClassInternal),
				node(analyzer.RoleRelay, "209.85.220.41", "Google LLC", "US", jurisdiction.ClassAdequate),
				node(analyzer.RoleFinal, "88.198.1.1", "Hetzner Online GmbH", "DE", jurisdiction.ClassHome),
			},
			Summary: analyzer.Summary{
				Hops: 2, Relays: 2, Organisations: []string{"Google LLC", "Hetzner Online GmbH"},
				Countries: []string{"US", "DE"}, LeftHome: true, LeftEUEEA: true,
				EncryptedSegments: 2, TLSVersions: []string{"TLSv1.3"}, TransitSeconds: secs(3),
			},
			Notes: []string{dpfNote},
		}},
		{dir: "google", res: analyzer.Result{
			Source: "gmail-2.eml", FromDomain: "Mail.Google.COM.",
			Headers: map[string]string{"X-Mailer": "Gmail"},
			Nodes: []analyzer.Node{
				node(analyzer.RoleOrigin, "209.85.220.42", "Google LLC", "IE", jurisdiction.ClassHome),
				node(analyzer.RoleRelay, "209.85.220.43", "Google LLC", "US", jurisdiction.ClassAdequate),
				node(analyzer.RoleRelay, "88.198.1.2", "Hetzner Online GmbH", "DE", jurisdiction.ClassHome),
				node(analyzer.RoleFinal, "88.198.1.3", "Hetzner Online GmbH", "DE", jurisdiction.ClassHome),
			},
			Summary: analyzer.Summary{
				Hops: 3, Relays: 3, Organisations: []string{"Google LLC", "Hetzner Online GmbH"},
				Countries: []string{"IE", "US", "DE"}, LeftHome: true, LeftEUEEA: true,
				EncryptedSegments: 3, TLSVersions: []string{"TLSv1.2", "TLSv1.3"}, TransitSeconds: secs(5),
			},
			Notes: []string{dpfNote},
		}},
		{dir: "gmx", res: analyzer.Result{
			Source: "gmx.eml", FromDomain: "mail.gmx.net",
			Headers: map[string]string{"X-Mailer": nastyHeader},
			Nodes: []analyzer.Node{
				node(analyzer.RoleOrigin, "82.165.1.1", "1&1 IONOS SE", "DE", jurisdiction.ClassHome),
				node(analyzer.RoleFinal, "88.198.1.1", "Hetzner Online GmbH", "DE", jurisdiction.ClassHome),
			},
			Summary: analyzer.Summary{
				Hops: 1, Relays: 1, Organisations: []string{"1&1 IONOS SE", "Hetzner Online GmbH"},
				Countries: []string{"DE"}, EncryptedSegments: 1, TLSVersions: []string{"TLSv1.3"},
				TransitSeconds: secs(125),
			},
		}},
		{dir: "gmx", res: analyzer.Result{
			Source: "webde.eml", ReturnPathDomain: "bounce.web.de",
			Nodes: []analyzer.Node{
				node(analyzer.RoleOrigin, "217.72.192.1", "1&1 IONOS SE", "DE", jurisdiction.ClassHome),
				node(analyzer.RoleFinal, "88.198.1.1", "Hetzner Online GmbH", "DE", jurisdiction.ClassHome),
			},
			Summary: analyzer.Summary{
				Hops: 1, Relays: 1, Organisations: []string{"1&1 IONOS SE", "Hetzner Online GmbH"},
				Countries: []string{"DE"}, EncryptedSegments: 1, TLSVersions: []string{"TLSv1.2"},
				TransitSeconds: secs(7),
			},
		}},
		{dir: "ru", res: analyzer.Result{
			Source: "yandex.eml", FromDomain: "yandex.ru",
			Headers: map[string]string{"X-Mailer": "Yamail"},
			Nodes: []analyzer.Node{
				node(analyzer.RoleOrigin, "5.45.198.1", "YANDEX LLC", "RU", jurisdiction.ClassThird),
				node(analyzer.RoleRelay, "5.45.198.2", "YANDEX LLC", "RU", jurisdiction.ClassThird),
				node(analyzer.RoleFinal, "88.198.1.1", "Hetzner Online GmbH", "DE", jurisdiction.ClassHome),
			},
			Summary: analyzer.Summary{
				Hops: 2, Relays: 2, Organisations: []string{"YANDEX LLC", "Hetzner Online GmbH"},
				Countries: []string{"RU", "DE"}, LeftHome: true, LeftEUEEA: true, ThirdCountry: true,
				PlaintextSegments: 1, UnknownSegments: 1, TransitSeconds: secs(3600 * 26),
			},
		}},
		{dir: "", res: analyzer.Result{
			Source: "newsletter.eml", DKIMDomains: []string{"news.example.co.uk"},
			Nodes: []analyzer.Node{
				node(analyzer.RoleOrigin, "192.0.2.10", "Evil\x1b[31m Corp <b>|", "GB", jurisdiction.ClassAdequate),
				node(analyzer.RoleFinal, "88.198.1.1", "Hetzner Online GmbH", "DE", jurisdiction.ClassHome),
			},
			Summary: analyzer.Summary{
				Hops: 1, Relays: 1, Organisations: []string{"Evil\x1b[31m Corp <b>|", "Hetzner Online GmbH"},
				Countries: []string{"GB", "DE"}, LeftHome: true, LeftEUEEA: true,
				EncryptedSegments: 1, TLSVersions: []string{"TLSv1.2"}, TransitSeconds: secs(1),
			},
		}},
		{dir: "intranet", res: analyzer.Result{
			Source: "internal.eml", FromDomain: "corp.example.com",
			Headers: map[string]string{"X-Mailer": ""},
			Nodes: []analyzer.Node{
				node(analyzer.RoleOrigin, "192.168.1.5", "", "", jurisdiction.ClassInternal),
				node(analyzer.RoleFinal, "192.168.1.1", "", "", jurisdiction.ClassInternal),
			},
			Summary: analyzer.Summary{Hops: 1, Relays: 1, UnknownSegments: 1},
		}},
		{dir: "google", res: analyzer.Result{
			Source: "huge.eml", Error: "header section larger than 1 MiB", FailReason: analyzer.FailHeaderTooLarge,
		}},
		{dir: "google", res: analyzer.Result{
			Source: "noreceived.eml", FromDomain: "gmail.com", Error: "no Received fields", FailReason: analyzer.FailNoReceived,
		}},
		{dir: "", res: analyzer.Result{
			Source: "broken.eml", Error: "malformed header line 3", FailReason: analyzer.FailUnreadable,
		}},
		{dir: "", res: analyzer.Result{
			Source: "weird.eml", Error: "something else",
		}},
	}
}

// build aggregates the fixtures with the given options.
func build(opts Options) Report {
	agg := NewAggregator(opts)
	for _, it := range fixtures() {
		agg.Add(it.res, it.dir)
	}
	return agg.Report()
}
