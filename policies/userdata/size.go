package userdata

import (
	"math"
	"strconv"
	"strings"
)

// sizeFactors are the suffixes systemd's parse_size accepts with base 1024 (which
// parse_mtu, behind networkd's and udev's MTUBytes=, uses), largest first: "8.3K" is
// 8499 bytes. They are case-sensitive; "" is bytes.
var sizeFactors = []struct {
	suffix string
	factor float64
}{
	{"E", 1 << 60}, {"P", 1 << 50}, {"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}, {"", 1},
}

// parseMTUBytes reads an MTUBytes= value as systemd does: one or more terms
// "<integer>[.<fraction>]<suffix>", whitespace allowed between them, each suffix smaller
// than the one before ("8K 307" is 8499), summed; the fraction times the factor is
// truncated. A value systemd would refuse (a lower-case suffix, a sign, text) is not
// an MTU: networkd logs it and ignores the line, so ok is false.
func parseMTUBytes(v string) (mtu int, ok bool) {
	total, next := 0.0, 0
	rest := strings.TrimSpace(v)
	if rest == "" {
		return 0, false
	}
	for rest != "" {
		whole, frac, after, ok := sizeNumber(rest)
		if !ok {
			return 0, false
		}
		i := next
		for i < len(sizeFactors) && !strings.HasPrefix(after, sizeFactors[i].suffix) {
			i++
		}
		if i == len(sizeFactors) {
			return 0, false
		}
		total += math.Floor(whole*sizeFactors[i].factor) + math.Floor(frac*sizeFactors[i].factor)
		rest = strings.TrimLeft(after[len(sizeFactors[i].suffix):], " \t")
		next = i + 1
	}
	if total > math.MaxUint32 {
		return 0, false
	}
	return int(total), true
}

// sizeNumber splits "<integer>[.<fraction>]" (and the whitespace after it) off s.
func sizeNumber(s string) (whole, frac float64, rest string, ok bool) {
	n := digits(s)
	if n == 0 {
		return 0, 0, "", false
	}
	whole, _ = strconv.ParseFloat(s[:n], 64)
	rest = s[n:]
	if strings.HasPrefix(rest, ".") {
		m := digits(rest[1:])
		if m > 0 {
			frac, _ = strconv.ParseFloat("0."+rest[1:1+m], 64)
		}
		rest = rest[1+m:] // "10.M" is valid: an empty fraction
	}
	return whole, frac, strings.TrimLeft(rest, " \t"), true
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
