package received

import "testing"

// benchHeaders are typical fields of the three commonest families.
var benchHeaders = []struct{ name, value string }{
	{"postfix", "from mail.example.net (mail.example.net [198.51.100.25]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256) (No client certificate requested) by mx.example.org (Postfix) with ESMTPS id 4TBx1Q0Vz5z9sWl for <alice@example.org>; Thu, 11 Jan 2024 10:15:02 +0100 (CET)"},
	{"gmail", "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id a640c23a62f3a-a2c0e1d3b4fsor1234567866b.12.2024.01.11.02.15.01 for <alice@example.org> (Google Transport Security); Thu, 11 Jan 2024 02:15:02 -0800 (PST)"},
	{"m365", "from AM0PR02MB1234.eurprd02.prod.outlook.com (2603:10a6:208:d4::12) by AM0PR02MB5678.eurprd02.prod.outlook.com (2603:10a6:208:1a0::7) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7270.28 via Frontend Transport; Thu, 11 Jan 2024 10:15:02 +0000"},
	{"exim", "from mail.example.net ([198.51.100.25] helo=smtp.example.net) by mx.example.org with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from <news@example.net>) id 1rNq2a-0004Xy-1b for alice@example.org; Thu, 11 Jan 2024 10:15:02 +0000"},
}

func BenchmarkParseReceived(b *testing.B) {
	for _, h := range benchHeaders {
		b.Run(h.name, func(b *testing.B) {
			b.SetBytes(int64(len(h.value)))
			b.ReportAllocs()
			for b.Loop() {
				r := Parse(h.value)
				if !r.Parsed {
					b.Fatal("not parsed")
				}
			}
		})
	}
}

// BenchmarkParseReceivedTable parses the whole table per iteration.
func BenchmarkParseReceivedTable(b *testing.B) {
	n := 0
	for _, h := range benchHeaders {
		n += len(h.value)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, h := range benchHeaders {
			_ = Parse(h.value)
		}
	}
}
