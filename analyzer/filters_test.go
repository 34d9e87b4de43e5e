package analyzer

import (
	"testing"
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
