package loader

import (
	"context"
	"os"
	"testing"
)

// TestFashionMNIST reads the real data set installed by make setup
// (apt-get install dataset-fashion-mnist); it is skipped without it.
func TestFashionMNIST(t *testing.T) {
	if _, err := os.Stat(FashionMNISTDir); err != nil {
		t.Skipf("%s not installed: %v", FashionMNISTDir, err)
	}
	for split, n := range map[string]int{"train": 60000, "test": 10000} {
		src, err := Open("fashion-mnist", split, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if src.Len() != n || src.NumClasses() != 10 {
			t.Errorf("%s: Len %d classes %d, want %d and 10", split, src.Len(), src.NumClasses(), n)
		}
		if c, h, w := src.Shape(); c != 1 || h != 28 || w != 28 {
			t.Errorf("%s: Shape %d×%d×%d, want 1×28×28", split, c, h, w)
		}
		if split != "train" {
			continue
		}
		// The published mean and std match the data.
		measured := statsOf(src.(*idxSource).pix)
		if d := measured.Mean[0] - src.Stats().Mean[0]; d > 1e-3 || d < -1e-3 {
			t.Errorf("measured mean %v, published %v", measured.Mean[0], src.Stats().Mean[0])
		}
		if d := measured.Std[0] - src.Stats().Std[0]; d > 1e-3 || d < -1e-3 {
			t.Errorf("measured std %v, published %v", measured.Std[0], src.Stats().Std[0])
		}
		res, err := Bench(context.Background(), src, Config{BatchSize: 256, Augment: AugmentMAE, Shuffle: true}, 20)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("fashion-mnist, MAE augmentation: %.0f images/s with %d workers", res.ImagesPerSecond, res.Workers)
	}
}
