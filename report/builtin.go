package report

// BuiltinProviders returns the built-in table that names the sending provider
// of mail for `--group-by provider`. It covers large consumer mailbox
// providers and the bulk senders that most business mail passes through:
//
//   - Google: gmail.com, googlemail.com, google.com
//   - Microsoft: outlook.*, hotmail.*, live.*, msn.com, windowslive.com,
//     passport.com, microsoft.com, onmicrosoft.com (Microsoft 365 tenant
//     domains)
//   - Yahoo: yahoo.*, ymail.com, rocketmail.com, aol.*, aim.com (AOL mail
//     runs on Yahoo's platform)
//   - Apple: icloud.com, me.com, mac.com
//   - Proton: proton.me, protonmail.com, protonmail.ch, pm.me
//   - United Internet: gmx.*, web.de, 1und1.de, ionos.*, mail.com, email.com
//   - T-Online: t-online.de, magenta.de
//   - mailbox.org: mailbox.org
//   - Posteo: posteo.de, posteo.net
//   - Tutanota: tutanota.com, tutanota.de, tutamail.com, tuta.io, tuta.com,
//     keemail.me
//   - Zoho: zoho.*, zohomail.*
//   - Fastmail: fastmail.com, fastmail.fm, messagingengine.com
//   - Yandex: yandex.*, ya.ru
//   - Mail.ru: mail.ru, bk.ru, inbox.ru, list.ru, internet.ru
//   - Orange: orange.fr, wanadoo.fr
//   - freenet: freenet.de
//   - Other European mailbox providers: Free (free.fr), SFR (sfr.fr,
//     neuf.fr), Libero (libero.it), Seznam (seznam.cz, email.cz), WP (wp.pl,
//     o2.pl), Onet (onet.pl), Interia (interia.pl), Infomaniak (ik.me,
//     infomaniak.com), Swisscom (bluewin.ch), Vodafone (vodafone.de, arcor.de)
//   - Bulk and transactional senders: Amazon SES (amazonses.com), SendGrid
//     (sendgrid.net, sendgrid.com), Mailchimp (mailchimp.com, mcsv.net,
//     mcdlv.net, rsgsv.net, list-manage.com, mandrillapp.com), Mailgun
//     (mailgun.org, mailgun.net), Postmark (postmarkapp.com, mtasv.net),
//     SparkPost (sparkpostmail.com), Brevo (brevo.com, sendinblue.com)
//
// A domain not in the table groups under its registrable domain (the public
// suffix plus one label, e.g. example.co.uk for mail.example.co.uk). A
// providers file (see ParseProviders) adds rules and overrides these.
//
// The table names who runs the sending service, not where it runs: the
// countries and organisations columns of the report say that.
func BuiltinProviders() []ProviderRule {
	return []ProviderRule{
		{"gmail.com", "Google"},
		{"googlemail.com", "Google"},
		{"google.com", "Google"},

		{"outlook.*", "Microsoft"},
		{"hotmail.*", "Microsoft"},
		{"live.*", "Microsoft"},
		{"msn.com", "Microsoft"},
		{"windowslive.com", "Microsoft"},
		{"passport.com", "Microsoft"},
		{"microsoft.com", "Microsoft"},
		{"onmicrosoft.com", "Microsoft"},

		{"yahoo.*", "Yahoo"},
		{"ymail.com", "Yahoo"},
		{"rocketmail.com", "Yahoo"},
		{"aol.*", "Yahoo"},
		{"aim.com", "Yahoo"},

		{"icloud.com", "Apple"},
		{"me.com", "Apple"},
		{"mac.com", "Apple"},

		{"proton.me", "Proton"},
		{"protonmail.com", "Proton"},
		{"protonmail.ch", "Proton"},
		{"pm.me", "Proton"},

		{"gmx.*", "United Internet"},
		{"web.de", "United Internet"},
		{"1und1.de", "United Internet"},
		{"ionos.*", "United Internet"},
		{"mail.com", "United Internet"},
		{"email.com", "United Internet"},

		{"t-online.de", "T-Online"},
		{"magenta.de", "T-Online"},

		{"mailbox.org", "mailbox.org"},

		{"posteo.de", "Posteo"},
		{"posteo.net", "Posteo"},

		{"tutanota.com", "Tutanota"},
		{"tutanota.de", "Tutanota"},
		{"tutamail.com", "Tutanota"},
		{"tuta.io", "Tutanota"},
		{"tuta.com", "Tutanota"},
		{"keemail.me", "Tutanota"},

		{"zoho.*", "Zoho"},
		{"zohomail.*", "Zoho"},

		{"fastmail.com", "Fastmail"},
		{"fastmail.fm", "Fastmail"},
		{"messagingengine.com", "Fastmail"},

		{"yandex.*", "Yandex"},
		{"ya.ru", "Yandex"},

		{"mail.ru", "Mail.ru"},
		{"bk.ru", "Mail.ru"},
		{"inbox.ru", "Mail.ru"},
		{"list.ru", "Mail.ru"},
		{"internet.ru", "Mail.ru"},

		{"orange.fr", "Orange"},
		{"wanadoo.fr", "Orange"},

		{"freenet.de", "freenet"},

		{"free.fr", "Free"},
		{"sfr.fr", "SFR"},
		{"neuf.fr", "SFR"},
		{"libero.it", "Libero"},
		{"seznam.cz", "Seznam"},
		{"email.cz", "Seznam"},
		{"wp.pl", "WP"},
		{"o2.pl", "WP"},
		{"onet.pl", "Onet"},
		{"interia.pl", "Interia"},
		{"ik.me", "Infomaniak"},
		{"infomaniak.com", "Infomaniak"},
		{"bluewin.ch", "Swisscom"},
		{"vodafone.de", "Vodafone"},
		{"arcor.de", "Vodafone"},

		{"amazonses.com", "Amazon SES"},
		{"sendgrid.net", "SendGrid"},
		{"sendgrid.com", "SendGrid"},
		{"mailchimp.com", "Mailchimp"},
		{"mcsv.net", "Mailchimp"},
		{"mcdlv.net", "Mailchimp"},
		{"rsgsv.net", "Mailchimp"},
		{"list-manage.com", "Mailchimp"},
		{"mandrillapp.com", "Mailchimp"},
		{"mailgun.org", "Mailgun"},
		{"mailgun.net", "Mailgun"},
		{"postmarkapp.com", "Postmark"},
		{"mtasv.net", "Postmark"},
		{"sparkpostmail.com", "SparkPost"},
		{"brevo.com", "Brevo"},
		{"sendinblue.com", "Brevo"},
	}
}
