package parse

import "time"

// now is the clock used to infer the year of formats that omit it. Tests
// replace it.
var now = time.Now

// futureSlack is how far ahead of now an inferred-year time may lie before
// the previous year is assumed instead. It covers clock skew and zone-less
// local times read as UTC (up to UTC+14).
const futureSlack = 48 * time.Hour

const (
	minYear = 1678 // int64 nanoseconds cover 1678..2262
	maxYear = 2261
)

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// num parses the n ASCII digits at s[i:].
func num(s string, i, n int) (int, bool) {
	if i < 0 || i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// daysIn is the number of days of month m (1-12) in year y.
func daysIn(y, m int) int {
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

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm); it avoids
// time.Date's normalisation on the hot path.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// civil is a broken-down time; off is the zone offset east of UTC in
// seconds.
type civil struct {
	y, mo, d, h, mi, s, ns, off int
}

// unixNano converts c, or reports false when a field is out of range.
func (c civil) unixNano() (int64, bool) {
	if c.y < minYear || c.y > maxYear || c.mo < 1 || c.mo > 12 || c.d < 1 || c.d > daysIn(c.y, c.mo) ||
		c.h > 23 || c.mi > 59 || c.s > 60 {
		return 0, false
	}
	secs := daysFromCivil(c.y, c.mo, c.d)*86400 + int64(c.h*3600+c.mi*60+c.s) - int64(c.off)
	return secs*1e9 + int64(c.ns), true
}

// withInferredYear sets c.y for a format that omits the year: the current
// year, or the one before when that would put the time in the future (a
// December line read in January).
func (c civil) withInferredYear() (int64, bool) {
	n := now().UTC()
	c.y = n.Year()
	t, ok := c.unixNano()
	if ok && t <= n.Add(futureSlack).UnixNano() {
		return t, true
	}
	// Feb 29 of a non-leap current year lands here too.
	c.y--
	if t, ok := c.unixNano(); ok && t <= n.Add(futureSlack).UnixNano() {
		return t, true
	}
	if c.mo == 2 && c.d == 29 {
		for y := n.Year() - 2; y >= n.Year()-8; y-- {
			c.y = y
			if t, ok := c.unixNano(); ok {
				return t, true
			}
		}
	}
	return 0, false
}

// clock parses "hh:mm:ss" with an optional ".frac" or ",frac" at s[i:]
// into c and returns the index after it.
func clock(s string, i int, c *civil) (int, bool) {
	var ok1, ok2, ok3 bool
	c.h, ok1 = num(s, i, 2)
	c.mi, ok2 = num(s, i+3, 2)
	c.s, ok3 = num(s, i+6, 2)
	if !ok1 || !ok2 || !ok3 || s[i+2] != ':' || s[i+5] != ':' {
		return i, false
	}
	return fraction(s, i+8, c), true
}

// fraction parses an optional ".frac" or ",frac" at s[i:] into c.ns and
// returns the index after it.
func fraction(s string, i int, c *civil) int {
	if i+1 < len(s) && (s[i] == '.' || s[i] == ',') && isDigit(s[i+1]) {
		i++
		c.ns = 0
		n := 0
		for ; i < len(s) && isDigit(s[i]); i++ {
			if n < 9 {
				c.ns = c.ns*10 + int(s[i]-'0')
				n++
			}
		}
		for ; n < 9; n++ {
			c.ns *= 10
		}
	}
	return i
}

// monthDay parses Proxifier's "MM.DD hh:mm:ss" at s[i:]. The year is
// inferred; local time, read as UTC.
func monthDay(s string, i int) (int64, int, bool) {
	if i+14 > len(s) || s[i+2] != '.' || s[i+5] != ' ' {
		return 0, 0, false
	}
	var c civil
	var ok1, ok2 bool
	c.mo, ok1 = num(s, i, 2)
	c.d, ok2 = num(s, i+3, 2)
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	j, ok := clock(s, i+6, &c)
	if !ok {
		return 0, 0, false
	}
	ns, ok := c.withInferredYear()
	return ns, j, ok
}

// zone parses an optional zone at s[i:]: "Z", "+hh:mm", "+hhmm" or "+hh".
func zone(s string, i int, c *civil) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case 'Z', 'z':
		return i + 1
	case '+', '-':
		h, ok := num(s, i+1, 2)
		if !ok || h > 14 {
			return i
		}
		j, m := i+3, 0
		if j+2 < len(s) && s[j] == ':' {
			if m, ok = num(s, j+1, 2); ok {
				j += 3
			}
		} else if m, ok = num(s, j, 2); ok {
			j += 2
		}
		if !ok || m > 59 {
			m, j = 0, i+3
		}
		c.off = h*3600 + m*60
		if s[i] == '-' {
			c.off = -c.off
		}
		return j
	}
	return i
}

// iso parses "YYYY-MM-DD[T ]hh:mm:ss[.frac][zone]" at the start of s.
// Without a zone the time is read as UTC: the line does not say which
// local zone it was written in.
func iso(s string) (ns int64, n int, ok bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') {
		return 0, 0, false
	}
	c, ok := ymd(s)
	if !ok {
		return 0, 0, false
	}
	i, ok := clock(s, 11, &c)
	if !ok {
		return 0, 0, false
	}
	if j := zone(s, i, &c); j > i {
		i = j
	} else if len(s) >= i+4 && (s[i+1:i+4] == "UTC" || s[i+1:i+4] == "GMT") && s[i] == ' ' && (len(s) == i+4 || s[i+4] == ' ') {
		i += 4 // PostgreSQL's "2026-01-02 15:04:05.123 UTC"
	}
	ns, ok = c.unixNano()
	return ns, i, ok
}

// ymd reads the date of "YYYY?MM?DD" at the start of s; the caller checked
// the separators and that s is long enough.
func ymd(s string) (c civil, ok bool) {
	var ok1, ok2, ok3 bool
	c.y, ok1 = num(s, 0, 4)
	c.mo, ok2 = num(s, 5, 2)
	c.d, ok3 = num(s, 8, 2)
	return c, ok1 && ok2 && ok3
}

// goLog parses Go's log package date "YYYY/MM/DD hh:mm:ss[.frac]" (local
// time, read as UTC).
func goLog(s string) (int64, int, bool) {
	if len(s) < 19 || s[4] != '/' || s[7] != '/' || s[10] != ' ' {
		return 0, 0, false
	}
	c, ok := ymd(s)
	if !ok {
		return 0, 0, false
	}
	i, ok := clock(s, 11, &c)
	if !ok {
		return 0, 0, false
	}
	ns, ok := c.unixNano()
	return ns, i, ok
}

// year2 expands a two-digit year: 69 and below are 20xx.
func year2(y int) int {
	if y < 70 {
		return 2000 + y
	}
	return 1900 + y
}

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// month parses a three-letter English month abbreviation at s[i:].
func month(s string, i int) (int, bool) {
	if i+3 > len(s) {
		return 0, false
	}
	m := s[i : i+3]
	for k, name := range months {
		if m == name {
			return k + 1, true
		}
	}
	return 0, false
}

func isWeekday(w string) bool {
	switch w {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}

// ctime parses Apache's error-log time "Sun Dec 04 04:47:44[.frac] 2005"
// (also asctime's space-padded day) at the start of s. Local time, read as
// UTC.
func ctime(s string) (int64, int, bool) {
	if len(s) < 24 || !isWeekday(s[:3]) || s[3] != ' ' || s[7] != ' ' {
		return 0, 0, false
	}
	var c civil
	var ok bool
	if c.mo, ok = month(s, 4); !ok {
		return 0, 0, false
	}
	if s[8] == ' ' {
		c.d, ok = num(s, 9, 1)
	} else {
		c.d, ok = num(s, 8, 2)
	}
	if !ok || s[10] != ' ' {
		return 0, 0, false
	}
	i, ok := clock(s, 11, &c)
	if !ok || i >= len(s) || s[i] != ' ' {
		return 0, 0, false
	}
	if c.y, ok = num(s, i+1, 4); !ok {
		return 0, 0, false
	}
	ns, ok := c.unixNano()
	return ns, i + 5, ok
}

// bsdTime parses RFC 3164's "Dec 10 06:55:46" / "Dec  1 06:55:46" at
// s[i:]. The year is inferred; local time, read as UTC.
func bsdTime(s string, i int) (int64, int, bool) {
	if i+15 > len(s) || s[i+3] != ' ' || s[i+6] != ' ' {
		return 0, 0, false
	}
	var c civil
	var ok bool
	if c.mo, ok = month(s, i); !ok {
		return 0, 0, false
	}
	if s[i+4] == ' ' {
		c.d, ok = num(s, i+5, 1)
	} else {
		c.d, ok = num(s, i+4, 2)
	}
	if !ok {
		return 0, 0, false
	}
	j, ok := clock(s, i+7, &c)
	if !ok {
		return 0, 0, false
	}
	ns, ok := c.withInferredYear()
	return ns, j, ok
}

// clf parses the access-log time "10/Oct/2000:13:55:36 -0700" at s[i:].
func clf(s string, i int) (int64, int, bool) {
	if i+20 > len(s) || s[i+2] != '/' || s[i+6] != '/' || s[i+11] != ':' {
		return 0, 0, false
	}
	var c civil
	var ok1, ok2, ok3 bool
	c.d, ok1 = num(s, i, 2)
	c.mo, ok2 = month(s, i+3)
	c.y, ok3 = num(s, i+7, 4)
	if !ok1 || !ok2 || !ok3 {
		return 0, 0, false
	}
	j, ok := clock(s, i+12, &c)
	if !ok {
		return 0, 0, false
	}
	if j < len(s) && s[j] == ' ' {
		if k := zone(s, j+1, &c); k > j+1 {
			j = k
		}
	}
	ns, ok := c.unixNano()
	return ns, j, ok
}

// unixNumber reads a Unix time given as a decimal number ("1700000000",
// "1700000000.25", "1700000000123"), choosing the unit by magnitude:
// seconds, milliseconds, microseconds or nanoseconds.
func unixNumber(s string) (int64, bool) {
	if s == "" || len(s) > 40 {
		return 0, false
	}
	i := 0
	var ip int64
	digits := 0
	for ; i < len(s) && isDigit(s[i]); i++ {
		if digits >= 19 {
			return 0, false
		}
		ip = ip*10 + int64(s[i]-'0')
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	var frac int64 // fraction in units of 1e-9
	if i < len(s) && s[i] == '.' {
		i++
		n := 0
		for ; i < len(s) && isDigit(s[i]); i++ {
			if n < 9 {
				frac = frac*10 + int64(s[i]-'0')
				n++
			}
		}
		if n == 0 {
			return 0, false
		}
		for ; n < 9; n++ {
			frac *= 10
		}
	}
	if i != len(s) {
		return 0, false
	}
	var unit int64
	switch {
	case ip < 1e11:
		unit = 1e9
	case ip < 1e14:
		unit = 1e6
	case ip < 1e17:
		unit = 1e3
	default:
		unit = 1
	}
	if ip > (1<<63-1)/unit {
		return 0, false
	}
	return ip*unit + frac*unit/1e9, true
}
