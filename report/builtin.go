package report

import "github.com/mailroute/mailroute/operator"

// BuiltinProviders returns the built-in table that names the sending provider
// of mail for `--group-by provider`: the domain rules of the operators table
// (operator/operators.txt, operator.Builtin), so that one table says which
// domains belong to which company. It covers the large consumer mailbox
// providers (Google, Microsoft, Yahoo/AOL, Apple, United Internet, Deutsche
// Telekom, Proton, Tuta, Posteo, mailbox.org, Fastmail, Zoho, Yandex, ...),
// other European mailbox providers, the bulk and transactional senders most
// business mail passes through (Amazon SES, Twilio SendGrid, Mailchimp,
// Mailgun, Postmark, SparkPost, Brevo, ...), security gateways, list hosts
// and hosting networks. Brand wildcards keep their "name.*" form.
//
// A domain not in the table groups under its registrable domain (the public
// suffix plus one label, e.g. example.co.uk for mail.example.co.uk). A
// providers file (see ParseProviders) adds rules and overrides these.
//
// The table names who runs the sending service, not where it runs: the
// countries and organisations columns of the report say that. The error is
// only possible when the embedded table is broken, which the tests rule out.
func BuiltinProviders() ([]ProviderRule, error) {
	ops, err := operator.Builtin()
	if err != nil {
		return nil, err
	}
	var rules []ProviderRule
	for _, r := range ops.Rules() {
		if r.Pattern != "" {
			rules = append(rules, ProviderRule{Pattern: r.Pattern, Provider: r.Operator.Name})
		}
	}
	return rules, nil
}
