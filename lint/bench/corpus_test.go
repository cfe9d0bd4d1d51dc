package bench

import (
	"os"
	"testing"
)

// TestGenerate writes a corpus for manual runs: MTUGUARD_CORPUS=dir MTUGUARD_OBJECTS=n.
func TestGenerate(t *testing.T) {
	dir := os.Getenv("MTUGUARD_CORPUS")
	if dir == "" {
		t.Skip("set MTUGUARD_CORPUS to write a corpus")
	}
	n := 10000
	if v := os.Getenv("MTUGUARD_OBJECTS"); v != "" {
		n = atoi(v)
	}
	files, err := Corpus(dir, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d objects in %d files", n, files)
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
