// Package received parses one Received header field (RFC 5321 4.4,
// RFC 5322 3.6.7) into a Received record: the client's HELO name, reverse
// name and address, the receiving host, protocol, TLS, authentication, id,
// recipient and date. It is lenient: a value it only partly understands
// comes back with what was understood and warnings saying what was not.
//
// # How the parser works
//
// Parse splits the value once into words and comments (parse.go), cuts the
// date off at the last ";" outside comments (or where a date starts, for
// values without one), and gives each word to the clause whose keyword
// precedes it. Then, in the order clauseRules states with its reasons:
//
//  1. every comment is read with commentRules and every loose word with
//     wordRules (rules.go): TLS, authentication, envelope sender, kind of
//     hop, and hints such as "this is Exim";
//  2. by, with, via, id and for are read (parse.go, with.go);
//  3. from is read last (from.go): it picks the client address, HELO and
//     reverse name by priority lists whose cases name the MTA they serve,
//     skipping comments that commentRules marks as notes;
//  4. finish decides encryption, kind and Parsed, and reads the date
//     (date.go).
//
// Every rule carries the MTA (and version where known) or the RFC section it
// implements. Parse does not recover from panics: a panic is a bug, and
// FuzzParseReceived is there to find it.
//
// # How to add an MTA's format
//
//  1. Add a case file testdata/cases/NAME.txt (or a line to the file of the
//     MTA family): a first line "# MTA version: what is special", then one
//     unfolded field value per line, without "Received:". Use documentation
//     addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32)
//     and example names; never copy a real message.
//  2. Run go test ./analyzer/received -update and read the new
//     testdata/cases/NAME.golden.json: it is what the parser makes of the
//     format today.
//  3. If a comment or loose word is misread, add a row to commentRules or
//     wordRules in rules.go (a prefix, or a content matcher; the action that
//     reads it; client: true if the comment may also name the client; the
//     origin), writing a reader beside the others when no action fits. If the
//     from clause misreads the client, add a case to the priority list in
//     from.go with the MTA named in its comment.
//  4. Run go test ./analyzer/received -update again. Only NAME.golden.json may
//     change; a change in another golden file means the new rule also
//     matches another dialect. Then run make accuracy and check that the
//     figures in the README did not go down.
package received
