package upstream

import (
	"os"
	"path/filepath"
)

// Seeds reads the fuzz seed corpus testdata/fuzz/<target>/* at the repository root, where
// the regression inputs of every fuzz target live side by side.
func Seeds(repoRoot, target string) [][]byte {
	files, _ := filepath.Glob(filepath.Join(repoRoot, "testdata", "fuzz", target, "*"))
	var out [][]byte
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			out = append(out, data)
		}
	}
	return out
}
