// Package received parses one Received header field (RFC 5321 4.4,
// RFC 5322 3.6.7) into a Received record: the client's HELO name, reverse
// name and address, the receiving host, protocol, TLS, authentication, id,
// recipient and date. It is lenient: a value it only partly understands
// comes back with what was understood and warnings saying what was not.
package received
