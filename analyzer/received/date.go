package received

import (
	"strings"
	"time"
)

// Date-time of a Received field (RFC 5322 3.3, with the obsolete forms of
// 4.3 and what servers write in practice): "Thu, 11 Jan 2024 10:00:00 +0000",
// "11 Jan 24 10:00 EST", asctime "Mon Jan  2 15:04:05 2006", ISO
// "2024-01-11 10:00:00.123 +0000 UTC", fractional seconds, "GMT+8", zone
// comments "(CET)". Fields may come in any order; the scanner classifies
// each.

// ParseDate parses the date of a Received field and returns it in UTC.
// A date without any time zone is read as UTC.
func ParseDate(s string) (time.Time, bool) {
	t, _, ok := parseDateZone(s)
	return t, ok
}

// dateFields collects the parts of a date.
type dateFields struct {
	year, month, day   int
	hour, min, sec, ns int
	haveTime           bool
	off                int // seconds east of UTC
	haveZone           bool
	numericZone        bool
	meridiem           bool // an AM/PM field was read
}

// parseDateZone is ParseDate that also says whether a zone was found.
func parseDateZone(s string) (time.Time, bool, bool) {
	d, ok := scanDateRFC5322(s)
	if !ok {
		if d, ok = scanDate(s); !ok {
			return time.Time{}, false, false
		}
	}
	return d.time()
}

// isDateSep reports whether c separates the fields of a date for scanDate:
// white space or a comma.
func isDateSep(c byte) bool {
	return isSpace(c) || c == ','
}

// skipDateSep returns the offset of the first byte at or after i that is no
// separator (isDateSep), or len(s).
func skipDateSep(s string, i int) int {
	for i < len(s) && isDateSep(s[i]) {
		i++
	}
	return i
}

// digits2 reads the two ASCII digits at s[i:i+2], which the caller has
// checked are in range.
func digits2(s string, i int) (int, bool) {
	a, b := s[i]-'0', s[i+1]-'0'
	return int(a)*10 + int(b), a <= 9 && b <= 9
}

// fieldEnds reports whether a field of scanDate ends at s[i]: at the end of
// s, a separator or a comment.
func fieldEnds(s string, i int) bool {
	return i == len(s) || isDateSep(s[i]) || s[i] == '('
}

// scanDateRFC5322 reads the form nine in ten Received dates take, RFC 5322
// 3.3 "Thu, 11 Jan 2024 10:15:02 +0100" with an optional zone comment
// "(CET)" at the end, in one pass with no field classification (the field
// scan of scanDate was a fifth of the parser's time). ok false means only
// that s is not in exactly this form: scanDate then reads it. Where it
// reads s, it gives what scanDate gives: the same fields (the day name is
// checked and dropped, a day 1-31, a three-letter month, a four-digit year,
// hh:mm:ss, a valid numeric zone) with the same separators between them
// (runs of white space and commas), and nothing but a comment after the
// zone, whose text scanDate ignores once a numeric zone was read.
func scanDateRFC5322(s string) (d dateFields, ok bool) {
	i := skipDateSep(s, 0)
	// Day of the week: three letters that are a day name, then a separator.
	if i+3 < len(s) && s[i] > '9' {
		if !isDateSep(s[i+3]) {
			return d, false
		}
		switch fold3(s[i:]) { // dayName for three letters
		case key3('m', 'o', 'n'), key3('t', 'u', 'e'), key3('w', 'e', 'd'), key3('t', 'h', 'u'),
			key3('f', 'r', 'i'), key3('s', 'a', 't'), key3('s', 'u', 'n'):
		default:
			return d, false
		}
		i = skipDateSep(s, i+3)
	}
	// Day: one or two digits, 1-31.
	switch {
	case i+1 < len(s) && fieldEnds(s, i+1):
		d.day = int(s[i] - '0')
		if s[i] < '1' || s[i] > '9' {
			return d, false
		}
		i++
	case i+2 < len(s) && fieldEnds(s, i+2):
		n, ok := digits2(s, i)
		if !ok || n < 1 || n > 31 {
			return d, false
		}
		d.day = n
		i += 2
	default:
		return d, false
	}
	if s[i] == '(' {
		return d, false
	}
	i = skipDateSep(s, i)
	// Month: three letters.
	if i+3 >= len(s) || !isDateSep(s[i+3]) {
		return d, false
	}
	if d.month = monthNum(s[i : i+3]); d.month == 0 {
		return d, false
	}
	i = skipDateSep(s, i+3)
	// Year: four digits.
	if i+4 >= len(s) || !isDateSep(s[i+4]) {
		return d, false
	}
	y1, ok1 := digits2(s, i)
	y2, ok2 := digits2(s, i+2)
	if !ok1 || !ok2 {
		return d, false
	}
	d.year = y1*100 + y2
	i = skipDateSep(s, i+4)
	// Time: hh:mm:ss.
	if i+8 >= len(s) || s[i+2] != ':' || s[i+5] != ':' || !isDateSep(s[i+8]) {
		return d, false
	}
	var okh, okm, oks bool
	d.hour, okh = digits2(s, i)
	d.min, okm = digits2(s, i+3)
	d.sec, oks = digits2(s, i+6)
	if !okh || !okm || !oks {
		return d, false
	}
	d.haveTime = true
	i = skipDateSep(s, i+8)
	// Zone: a sign and four digits, read as numericZone reads them.
	if i+5 > len(s) || s[i] != '+' && s[i] != '-' || !fieldEnds(s, i+5) {
		return d, false
	}
	zh, okzh := digits2(s, i+1)
	zm, okzm := digits2(s, i+3)
	if !okzh || !okzm || zh > 23 || zm > 59 {
		return d, false
	}
	d.off = zh*3600 + zm*60
	if s[i] == '-' {
		d.off = -d.off
	}
	d.haveZone, d.numericZone = true, true
	// Then nothing, or one comment and nothing.
	i = skipDateSep(s, i+5)
	if i < len(s) {
		if s[i] != '(' {
			return d, false
		}
		if i = skipDateSep(s, i+commentEnd(s[i:])); i < len(s) {
			return d, false
		}
	}
	return d, true
}

// scanDate reads the fields of a date in any order, classifying each.
func scanDate(s string) (dateFields, bool) {
	var d dateFields
	d.year, d.day = -1, -1
	rest := s
	for {
		i := 0
		for i < len(rest) && (isSpace(rest[i]) || rest[i] == ',') {
			i++
		}
		rest = rest[i:]
		if rest == "" {
			break
		}
		if rest[0] == '(' {
			end := commentEnd(rest)
			inner := rest[1:end]
			if end > 1 && rest[end-1] == ')' {
				inner = rest[1 : end-1]
			}
			if !d.haveZone {
				if off, ok := zoneOffset(strings.TrimSpace(inner)); ok {
					d.off, d.haveZone = off, true
				}
			}
			rest = rest[end:]
			continue
		}
		j := 0
		for j < len(rest) && !isSpace(rest[j]) && rest[j] != ',' && rest[j] != '(' {
			j++
		}
		f := rest[:j]
		rest = rest[j:]
		if !d.field(f) {
			// Unknown text: stop once a full date-time was read ("... -0600 id 000DB").
			if d.complete() {
				break
			}
			if d.year >= 0 || d.haveTime {
				return d, false
			}
		}
	}
	return d, d.complete()
}

// time checks the fields of a complete date and returns it in UTC, whether
// it had a zone, and false when a field is out of range.
func (d *dateFields) time() (time.Time, bool, bool) {
	if d.year < 50 {
		d.year += 2000
	} else if d.year < 1000 {
		d.year += 1900
	}
	if d.day < 1 || d.day > daysIn(d.month, d.year) || d.hour > 23 || d.min > 59 || d.sec > 60 {
		return time.Time{}, false, false
	}
	if d.sec == 60 {
		d.sec = 59
	}
	if d.year > 9999 {
		t := time.Date(d.year, time.Month(d.month), d.day, d.hour, d.min, d.sec, d.ns, time.UTC)
		t = t.Add(-time.Duration(d.off) * time.Second)
		return t, d.haveZone, true
	}
	// The fields are in range: the seconds since 1970 are a sum, and
	// time.Unix(...).UTC() is the same Time as time.Date in UTC moved by
	// the offset, without time.Date's normalisation (a tenth of the date's
	// cost). Years past 9999 (which "1-Jan-123456" can give) keep time.Date.
	sec := daysSince1970(d.year, d.month, d.day)*86400 + int64(d.hour*3600+d.min*60+d.sec-d.off)
	return time.Unix(sec, int64(d.ns)).UTC(), d.haveZone, true
}

// daysSince1970 returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar, for y >= 1 (the days_from_civil algorithm
// of H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
func daysSince1970(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400 // [0, 399]
	mp := m - 3        // March = 0
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1            // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return int64(era)*146097 + int64(doe) - 719468
}

func (d *dateFields) complete() bool {
	return d.year >= 0 && d.month > 0 && d.day > 0 && d.haveTime
}

// field classifies one field of a date; false when it is not part of one.
func (d *dateFields) field(f string) bool {
	if f == "" {
		return true
	}
	c := f[0]
	switch {
	case c >= '0' && c <= '9':
		if len(f) >= 10 && f[4] == '-' && f[7] == '-' {
			return d.isoField(f)
		}
		if strings.IndexByte(f, ':') >= 0 {
			return d.timeField(f)
		}
		if len(f) > 4 && (strings.IndexByte(f, '-') > 0 || strings.IndexByte(f, '/') > 0) {
			return d.dashedField(f)
		}
		n, ok := atoi(f)
		if !ok {
			return false
		}
		switch {
		case d.day < 0 && len(f) <= 2 && n >= 1 && n <= 31:
			d.day = n
		case d.year < 0 && (len(f) == 4 || len(f) == 2 || len(f) == 3):
			d.year = n
		default:
			return false
		}
		return true
	case c == '+' || c == '-':
		if d.numericZone {
			return false
		}
		off, ok := numericZone(f)
		if !ok {
			return false
		}
		d.off, d.haveZone, d.numericZone = off, true, true
		return true
	}
	if m := monthNum(f); m > 0 && d.month == 0 {
		d.month = m
		return true
	}
	if dayName(f) {
		return true
	}
	if len(f) == 2 && (equalFold(f, "AM") || equalFold(f, "PM")) {
		return d.meridiemField(f)
	}
	if off, ok := zoneOffset(f); ok {
		if !d.numericZone && !d.haveZone {
			d.off, d.haveZone = off, true
		}
		return true
	}
	return false
}

// timeField reads "15:04", "15:04:05", "15:04:05.123456", "17:40:44-0500".
func (d *dateFields) timeField(f string) bool {
	if d.haveTime {
		return false
	}
	// A zone glued to the time.
	if i := indexSign(f); i > 0 {
		off, ok := numericZone(f[i:])
		if !ok {
			return false
		}
		d.off, d.haveZone, d.numericZone = off, true, true
		f = f[:i]
	}
	if len(f) > 0 && (f[len(f)-1] == 'Z' || f[len(f)-1] == 'z') {
		f = f[:len(f)-1]
		d.haveZone = true
	}
	hh, rest, _ := strings.Cut(f, ":")
	mm, ss, hasSec := strings.Cut(rest, ":")
	h, ok1 := atoi(hh)
	m, ok2 := atoi(mm)
	if !ok1 || !ok2 || len(hh) > 2 || len(mm) != 2 {
		return false
	}
	d.hour, d.min = h, m
	if hasSec {
		sec, frac, hasFrac := strings.Cut(ss, ".")
		s, ok := atoi(sec)
		if !ok || len(sec) != 2 {
			return false
		}
		d.sec = s
		if hasFrac {
			ns := 0
			digits := 0
			for i := 0; i < len(frac); i++ {
				c := frac[i]
				if c < '0' || c > '9' {
					return false
				}
				if digits < 9 {
					ns = ns*10 + int(c-'0')
					digits++
				}
			}
			for ; digits < 9; digits++ {
				ns *= 10
			}
			d.ns = ns
		}
	}
	d.haveTime = true
	return true
}

// isoField reads "2024-01-11" or "2024-01-11T10:00:00Z".
func (d *dateFields) isoField(f string) bool {
	y, ok1 := atoi(f[:4])
	m, ok2 := atoi(f[5:7])
	day, ok3 := atoi(f[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d.year >= 0 {
		return false
	}
	d.year, d.month, d.day = y, m, day
	if len(f) > 10 {
		if f[10] != 'T' && f[10] != 't' {
			return false
		}
		return d.timeField(f[11:])
	}
	return true
}

// meridiemField reads the "AM"/"PM" after a 12-hour time, as Windows
// servers in a US locale write it ("4/20/2018 11:01:16 PM -0400").
func (d *dateFields) meridiemField(f string) bool {
	if !d.haveTime || d.meridiem {
		return false
	}
	// A 24-hour time with a redundant marker ("13:01 PM") keeps its hour.
	d.meridiem = true
	pm := f[0] == 'P' || f[0] == 'p'
	switch {
	case pm && d.hour >= 1 && d.hour < 12:
		d.hour += 12
	case !pm && d.hour == 12:
		d.hour = 0
	}
	return true
}

// numericDate reads the all-numeric dates of Windows and web servers:
// "4/20/2018" (month/day/year, a US locale; day/month when the first number
// cannot be a month), "2018-4-20" and "2018/04/20" (year first, ISO 8601
// order with one-digit fields).
func (d *dateFields) numericDate(f string, sep byte) bool {
	a, rest, _ := strings.Cut(f, string(sep))
	b, c, ok := strings.Cut(rest, string(sep))
	if !ok || d.year >= 0 {
		return false
	}
	x, ok1 := atoi(a)
	y, ok2 := atoi(b)
	z, ok3 := atoi(c)
	if !ok1 || !ok2 || !ok3 || len(b) > 2 {
		return false
	}
	var year, month, day int
	switch {
	case len(a) == 4 && len(c) <= 2:
		year, month, day = x, y, z
	case len(a) <= 2 && len(c) == 4 && sep == '/':
		year, month, day = z, x, y
		if x > 12 && y <= 12 {
			month, day = y, x
		}
	default:
		return false
	}
	if month < 1 || month > 12 {
		return false
	}
	d.year, d.month, d.day = year, month, day
	return true
}

// dashedField reads "04-Apr-2006" (day-Mon-year) and the numeric dates of
// numericDate.
func (d *dateFields) dashedField(f string) bool {
	if strings.IndexByte(f, '/') > 0 {
		return d.numericDate(f, '/')
	}
	if n := strings.IndexByte(f, '-'); n == 4 {
		if _, ok := atoi(f[:4]); ok {
			return d.numericDate(f, '-')
		}
	}
	a, rest, _ := strings.Cut(f, "-")
	b, c, ok := strings.Cut(rest, "-")
	if !ok {
		return false
	}
	day, ok1 := atoi(a)
	m := monthNum(b)
	y, ok2 := atoi(c)
	if !ok1 || !ok2 || m == 0 || d.year >= 0 {
		return false
	}
	d.day, d.month, d.year = day, m, y
	return true
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func allDigits(s string) bool {
	_, ok := atoi(s)
	return ok
}

// numericZone reads "+0100", "-0800", "+01:00", "+1" (hours only is read
// as hours).
func numericZone(f string) (int, bool) {
	if len(f) < 2 {
		return 0, false
	}
	sign := 1
	if f[0] == '-' {
		sign = -1
	} else if f[0] != '+' {
		return 0, false
	}
	f = f[1:]
	var h, m int
	var ok bool
	switch {
	case len(f) == 4:
		h, ok = atoi(f[:2])
		if ok {
			m, ok = atoi(f[2:])
		}
	case len(f) == 5 && f[2] == ':':
		h, ok = atoi(f[:2])
		if ok {
			m, ok = atoi(f[3:])
		}
	case len(f) <= 2:
		h, ok = atoi(f)
	case len(f) == 3:
		// "+100" = +01:00
		h, ok = atoi(f[:1])
		if ok {
			m, ok = atoi(f[1:])
		}
	}
	if !ok || h > 23 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

// zoneOffset reads a named zone ("GMT", "PST", "CEST", "EST5EDT") or an offset
// from a named zone ("GMT-8", "UTC+05:30"). Military single letters other
// than Z are ignored as RFC 5322 4.3 advises.
func zoneOffset(f string) (int, bool) {
	if f == "" {
		return 0, false
	}
	// Offset forms: "GMT+8", "UTC-05:00", "+0100" in a comment.
	if f[0] == '+' || f[0] == '-' {
		return numericZone(f)
	}
	name := f
	off := 0
	if i := indexSign(f); i > 0 {
		name = f[:i]
		o, ok := numericZone(f[i:])
		if !ok {
			return 0, false
		}
		off = o
		if equalFold(name, "GMT") || equalFold(name, "UTC") || equalFold(name, "UT") {
			return off, true
		}
		return 0, false
	}
	// "EST5EDT": the POSIX form; take the standard-time name.
	for i := 0; i < len(name); i++ {
		if name[i] >= '0' && name[i] <= '9' {
			name = name[:i]
			break
		}
	}
	h := 0
	switch strings.ToUpper(name) {
	case "UT", "UTC", "GMT", "Z", "WET", "ZULU":
		h = 0
	case "BST", "IST", "CET", "MET", "WEST", "WAT":
		h = 1
		if equalFold(name, "IST") {
			return 5*3600 + 1800, true // India, the commoner reading in mail
		}
	case "CEST", "MEST", "MESZ", "EET", "SAST", "CAT":
		h = 2
	case "EEST", "MSK", "EAT", "IDT":
		h = 3
	case "GST":
		h = 4
	case "PKT":
		h = 5
	case "ICT", "WIB":
		h = 7
	case "HKT", "SGT", "AWST", "PHT", "MYT", "WITA":
		h = 8
	case "JST", "KST":
		h = 9
	case "ACST":
		return 9*3600 + 1800, true
	case "AEST":
		h = 10
	case "AEDT":
		h = 11
	case "NZST":
		h = 12
	case "NZDT":
		h = 13
	case "EST", "CDT":
		h = -5
	case "EDT":
		h = -4
	case "CST", "MDT":
		h = -6
	case "MST", "PDT":
		h = -7
	case "PST", "AKDT":
		h = -8
	case "AKST":
		h = -9
	case "HST":
		h = -10
	case "AST", "ADT":
		h = -4
		if equalFold(name, "ADT") {
			h = -3
		}
	case "NST":
		return -(3*3600 + 1800), true
	case "BRT", "ART":
		h = -3
	default:
		return 0, false
	}
	return h * 3600, true
}

// fold3 packs the first three bytes of s, with bit 5 set, into one number
// for a switch: exact case folding for the letters of month and day names.
func fold3(s string) uint32 {
	return uint32(s[0]|0x20)<<16 | uint32(s[1]|0x20)<<8 | uint32(s[2]|0x20)
}

// key3 is fold3 of a lower-case name, for the cases of a switch.
func key3(a, b, c byte) uint32 {
	return uint32(a)<<16 | uint32(b)<<8 | uint32(c)
}

// monthNum returns 1-12 for a month name ("Jan", "January", any case), else 0.
func monthNum(s string) int {
	if len(s) < 3 {
		return 0
	}
	// One integer switch on the first three letters (a string switch built
	// a string for them: it showed in the date profile).
	var m int
	switch fold3(s) {
	case key3('j', 'a', 'n'):
		m = 1
	case key3('f', 'e', 'b'):
		m = 2
	case key3('m', 'a', 'r'):
		m = 3
	case key3('a', 'p', 'r'):
		m = 4
	case key3('m', 'a', 'y'):
		m = 5
	case key3('j', 'u', 'n'):
		m = 6
	case key3('j', 'u', 'l'):
		m = 7
	case key3('a', 'u', 'g'):
		m = 8
	case key3('s', 'e', 'p'):
		m = 9
	case key3('o', 'c', 't'):
		m = 10
	case key3('n', 'o', 'v'):
		m = 11
	case key3('d', 'e', 'c'):
		m = 12
	default:
		return 0
	}
	if len(s) == 3 {
		return m
	}
	// Full names ("January", "Sept") only; "Mark" is not a month.
	full := [...]string{"", "january", "february", "march", "april", "may", "june", "july",
		"august", "september", "october", "november", "december"}
	if equalFold(s, full[m]) || (m == 9 && equalFold(s, "sept")) {
		return m
	}
	if s[len(s)-1] == '.' && len(s) == 4 {
		return m
	}
	return 0
}

// dayName reports whether s is a day of the week ("Mon", "Monday", "Mon.").
func dayName(s string) bool {
	s = trimRightSet(s, ",.")
	if len(s) < 3 {
		return false
	}
	switch fold3(s) {
	case key3('m', 'o', 'n'), key3('t', 'u', 'e'), key3('w', 'e', 'd'), key3('t', 'h', 'u'),
		key3('f', 'r', 'i'), key3('s', 'a', 't'), key3('s', 'u', 'n'):
	default:
		return false
	}
	if len(s) == 3 {
		return true
	}
	for _, full := range [...]string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "tues", "thur", "thurs"} {
		if equalFold(s, full) {
			return true
		}
	}
	return false
}

// daysIn is the number of days in month m of year y.
func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
