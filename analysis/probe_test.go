package analysis

import (
	"math/rand/v2"
	"testing"
)

// separable draws n points in dim dimensions whose class is the argmax of
// a fixed random linear map with a margin: linearly separable.
func separable(rng *rand.Rand, w []float64, n, dim, classes int) Features {
	f := Features{N: n, Dim: dim, Classes: classes, X: make([]float32, n*dim), Y: make([]int32, n)}
	scores := make([]float64, classes)
	for i := 0; i < n; {
		x := f.X[i*dim : (i+1)*dim]
		for j := range x {
			x[j] = float32(rng.NormFloat64()*3 + 5) // an offset and scale the BatchNorm removes
		}
		clear(scores)
		for j, v := range x {
			for c := range classes {
				scores[c] += float64(v) * w[j*classes+c]
			}
		}
		best, second := argmax(scores), -1
		for c := range classes {
			if c != best && (second < 0 || scores[c] > scores[second]) {
				second = c
			}
		}
		if scores[best]-scores[second] < 1 {
			continue // keep a margin
		}
		f.Y[i] = int32(best)
		i++
	}
	return f
}

func TestLinearProbeSeparable(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const dim, classes = 24, 5
	w := make([]float64, dim*classes)
	for i := range w {
		w[i] = rng.NormFloat64()
	}
	train, test := separable(rng, w, 3000, dim, classes), separable(rng, w, 1000, dim, classes)
	acc, err := LinearProbe(train, test, DefaultProbeConfig())
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.97 {
		t.Errorf("probe top-1 on separable features = %.3f, want ~1", acc)
	}
	// Shuffled labels: nothing to learn, chance level.
	noise := test
	noise.Y = append([]int32(nil), test.Y...)
	rng.Shuffle(len(noise.Y), func(i, j int) { noise.Y[i], noise.Y[j] = noise.Y[j], noise.Y[i] })
	if acc, _ := LinearProbe(train, noise, DefaultProbeConfig()); acc > 0.5 {
		t.Errorf("probe top-1 against shuffled test labels = %.3f, want near chance", acc)
	}
	bad := train
	bad.X = append([]float32(nil), train.X...)
	bad.X[7] = float32(nan())
	if _, err := LinearProbe(bad, test, DefaultProbeConfig()); err == nil {
		t.Error("NaN feature: no error")
	}
}

func nan() float64 { var z float64; return z / z }

func TestKNNClusters(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const dim, classes = 16, 4
	centres := make([][]float64, classes)
	for c := range centres {
		centres[c] = make([]float64, dim)
		for j := range dim {
			centres[c][j] = rng.NormFloat64()
		}
	}
	draw := func(n int, spread float64) Features {
		f := Features{N: n, Dim: dim, Classes: classes, X: make([]float32, n*dim), Y: make([]int32, n)}
		for i := range n {
			c := rng.IntN(classes)
			f.Y[i] = int32(c)
			for j := range dim {
				f.X[i*dim+j] = float32(centres[c][j] + spread*rng.NormFloat64())
			}
		}
		return f
	}
	train, test := draw(800, 0.1), draw(200, 0.1)
	acc, err := KNN(train, test, DefaultKNNConfig())
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.99 {
		t.Errorf("k-NN on tight clusters = %.3f, want 1", acc)
	}
	// Labels unrelated to the features: chance.
	for i := range train.Y {
		train.Y[i] = int32(rng.IntN(classes))
	}
	if acc, _ := KNN(train, test, DefaultKNNConfig()); acc > 0.45 {
		t.Errorf("k-NN with random train labels = %.3f, want near 0.25", acc)
	}
}
