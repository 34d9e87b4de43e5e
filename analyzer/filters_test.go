package analyzer

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mailroute/mailroute/operator"
)

// TestFilters checks that findings are tied to nodes by host name and that
// findings from before the recipient's side are unverified.
func TestFilters(t *testing.T) {
	hdr := "Received: from mx.example.net (mx.example.net [192.0.2.2]) by mail.example.org with ESMTPS id 1; Mon, 1 Jan 2024 10:00:05 +0000\n" +
		"Received: from client.example.net (client.example.net [192.0.2.1]) by mx.example.net with ESMTP id 2; Mon, 1 Jan 2024 10:00:00 +0000\n" +
		"Authentication-Results: mail.example.org; spf=pass smtp.mailfrom=example.net\n" +
		"X-Spam-Checker-Version: SpamAssassin 4.0.0 (2022-12-13) on nowhere.invalid\n" +
		"X-Spam-Status: No, score=0.1 required=5.0\n" +
		"From: a@example.net\n\n"
	res := Analyze(t.Context(), []byte(hdr), "test", Options{})
	if res.Error != "" {
		t.Fatal(res.Error)
	}
	if len(res.Filters) != 2 {
		t.Fatalf("%d filters, want 2: %+v", len(res.Filters), res.Filters)
	}
	ar, sa := res.Filters[0], res.Filters[1]
	if ar.Node == nil || res.Nodes[*ar.Node].Name != "mail.example.org" {
		t.Errorf("Authentication-Results tied to %v, want the node mail.example.org", ar.Node)
	}
	if ar.Unverified {
		t.Error("Authentication-Results of the final node is unverified")
	}
	if sa.Node != nil || !sa.Unverified {
		t.Errorf("SpamAssassin on an unknown host: node %v, unverified %v; want nil, true", sa.Node, sa.Unverified)
	}
}

// BenchmarkFilters measures the filtering evidence of one message alone
// (filtering.Read and tying the findings to nodes), on the sample messages
// analysed once beforehand, as Analyze runs it: after the parties are known.
func BenchmarkFilters(b *testing.B) {
	tab, err := operator.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Operators: tab}.withDefaults()
	type msg struct {
		res Result
		h   Header
	}
	var msgs []msg
	for _, m := range seedMessages(b) {
		hdr, err := ReadHeader(bytes.NewReader(m), 0)
		if err != nil {
			b.Fatal(err)
		}
		res := Analyze(b.Context(), hdr, "bench", opts)
		h, _ := ParseHeader(hdr, func(name []byte) bool { return wantField(name, opts.KeepHeaders) || wantFilterField(name) })
		msgs = append(msgs, msg{res, h})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := &msgs[i%len(msgs)]
		m.res.filters(m.h)
		i++
	}
}

// TestFiltersIgnoreKeptHeaders checks that the fields Options.KeepHeaders
// adds to the header (read for --group-by header:NAME) change no filter
// finding: filters passes every kept field but Analyze's own to the
// filtering reader, which must pass over those.
func TestFiltersIgnoreKeptHeaders(t *testing.T) {
	ctx := context.Background()
	n := 0
	for i, hdr := range seedHeaders(t) {
		plain := Analyze(ctx, hdr, "m", Options{})
		kept := Analyze(ctx, hdr, "m", Options{KeepHeaders: []string{"X-Mailer", "List-Id", "MIME-Version", "To", "X-Spam-Status"}})
		if diff := cmp.Diff(plain.Filters, kept.Filters, allFields); diff != "" {
			t.Errorf("sample %d: KeepHeaders changed the filters (-without +with):\n%s", i, diff)
		}
		n += len(kept.Headers)
	}
	if n == 0 {
		t.Fatal("no sample has any of the kept headers: the test shows nothing")
	}
}
