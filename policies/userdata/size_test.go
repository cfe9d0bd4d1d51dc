package userdata

import "testing"

func TestParseMTUBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"9001", 9001, true},
		{" 8500 ", 8500, true},
		{"8.3K", 8499, true}, // 8*1024 + 0.3*1024 truncated
		{"8K", 8192, true},
		{"8 K", 8192, true},
		{"8K 307", 8499, true},
		{"8K307B", 8499, true},
		{"1M", 1 << 20, true},
		{"10.M", 10 << 20, true},
		{"9001B", 9001, true},
		{"8.3k", 0, false},   // suffixes are upper-case
		{"307 8K", 0, false}, // suffixes must shrink
		{"8K8K", 0, false},
		{"-1", 0, false},
		{"+9001", 0, false},
		{"", 0, false},
		{"jumbo", 0, false},
		{"9001 # comment", 0, false}, // networkd has no trailing comments
		{"3G", 3 << 30, true},
		{"5G", 0, false}, // parse_mtu refuses more than 32 bits
		{"5E", 0, false},
	} {
		got, ok := parseMTUBytes(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMTUBytes(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
