package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/mtuguard/mtuguard/lint"
	"github.com/mtuguard/mtuguard/policies"
)

// BenchmarkLoad and BenchmarkLint measure the loader alone and a whole lint run on a
// generated corpus; -cpuprofile on them shows where a run's time goes.
func BenchmarkLoad(b *testing.B) {
	onCorpora(b, func(b *testing.B, dir string) {
		lint.Load(context.Background(), []string{dir}, lint.LoadOptions{})
	})
}

func BenchmarkLint(b *testing.B) {
	e, err := policies.NewEngine(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	cfg := policies.Config{Mesh: policies.MeshConfig{Links: []string{"aws-transit-gateway"}}}
	onCorpora(b, func(b *testing.B, dir string) {
		if _, err := lint.Run(context.Background(), e, []string{dir}, lint.Options{Config: cfg}); err != nil {
			b.Fatal(err)
		}
	})
}

// onCorpora runs op as a sub-benchmark on corpora of 1k and 10k objects, per object too.
func onCorpora(b *testing.B, op func(b *testing.B, dir string)) {
	for _, n := range []int{1000, 10000} {
		dir := b.TempDir()
		if _, err := Corpus(dir, n, 1); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("objects-%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				op(b, dir)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/object")
		})
	}
}
