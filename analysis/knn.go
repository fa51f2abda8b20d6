package analysis

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// KNNConfig is the weighted k-NN classifier usual for self-supervised
// features (Wu et al. 2018; DINO): cosine similarity, the K most similar
// training examples vote for their class with weight exp(sim/T).
type KNNConfig struct {
	K           int     // neighbours (default 20)
	Temperature float64 // T (default 0.07)
}

// DefaultKNNConfig is k = 20, T = 0.07.
func DefaultKNNConfig() KNNConfig { return KNNConfig{K: 20, Temperature: 0.07} }

// KNN returns the top-1 accuracy on test of the weighted k-NN vote over
// train. Features of zero length are left at similarity 0.
func KNN(train, test Features, cfg KNNConfig) (float64, error) {
	train.check("KNN")
	test.check("KNN")
	if train.Dim != test.Dim {
		return 0, fmt.Errorf("analysis: k-NN: train features have %d dimensions, test %d", train.Dim, test.Dim)
	}
	if cfg.K < 1 || !(cfg.Temperature > 0) || train.N == 0 || test.N == 0 {
		return 0, fmt.Errorf("analysis: k-NN: k %d, temperature %v, %d train, %d test: all must be positive", cfg.K, cfg.Temperature, train.N, test.N)
	}
	classes := max(train.Classes, test.Classes)
	tr, te := unitRows(train), unitRows(test)
	k := min(cfg.K, train.N)
	d := train.Dim
	correct := make([]int, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range correct {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sims := make([]float64, k)
			idx := make([]int, k)
			votes := make([]float64, classes)
			for i := w; i < test.N; i += len(correct) {
				q := te[i*d : (i+1)*d]
				n := 0
				for j := range train.N {
					s := dot32(q, tr[j*d:(j+1)*d])
					if n < k {
						sims[n], idx[n] = s, j
						n++
						for a := n - 1; a > 0 && sims[a] > sims[a-1]; a-- {
							sims[a], sims[a-1], idx[a], idx[a-1] = sims[a-1], sims[a], idx[a-1], idx[a]
						}
					} else if s > sims[k-1] {
						sims[k-1], idx[k-1] = s, j
						for a := k - 1; a > 0 && sims[a] > sims[a-1]; a-- {
							sims[a], sims[a-1], idx[a], idx[a-1] = sims[a-1], sims[a], idx[a-1], idx[a]
						}
					}
				}
				clear(votes)
				for a := range n {
					votes[train.Y[idx[a]]] += math.Exp(sims[a] / cfg.Temperature)
				}
				if argmax(votes) == int(test.Y[i]) {
					correct[w]++
				}
			}
		}()
	}
	wg.Wait()
	sum := 0
	for _, c := range correct {
		sum += c
	}
	return float64(sum) / float64(test.N), nil
}

// unitRows returns the rows of f scaled to unit length.
func unitRows(f Features) []float32 {
	out := make([]float32, len(f.X))
	for i := range f.N {
		r := f.X[i*f.Dim : (i+1)*f.Dim]
		n := math.Sqrt(dot32(r, r))
		if n > 0 {
			for j, v := range r {
				out[i*f.Dim+j] = float32(float64(v) / n)
			}
		}
	}
	return out
}

func dot32(a, b []float32) float64 {
	var s float32
	for i, v := range a {
		s += v * b[i]
	}
	return float64(s)
}
