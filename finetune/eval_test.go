package finetune

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestEvaluateScoresEveryImage scores the first 13 Fashion-MNIST test
// images in batches of 4 and of 5 (the last batch padded with 3 and 2
// repeated images) and compares each with a per-image computation
// (batches of 1): the image count and top-1/top-5 must be equal, the loss
// equal to rounding.
func TestEvaluateScoresEveryImage(t *testing.T) {
	const n = 13
	if _, err := os.Stat(loader.FashionMNISTDir); err != nil {
		t.Fatalf("Fashion-MNIST missing (%v): run make setup", err)
	}
	cfg, _ := mae.Preset("micro")
	p, err := RandomInit(cfg, 10, 5)
	if err != nil {
		t.Fatal(err)
	}
	// A head with weights of order 0.3, so that the logits differ clearly
	// (the initial head is near zero: every image would tie).
	rng := mae.NewRNG(14)
	for _, name := range []string{"head.weight", "head.bias"} {
		v := p.View(name)
		for i := range v {
			v[i] = float32(0.3 * rng.Normal())
		}
	}
	weights := filepath.Join(t.TempDir(), mae.ModelFile)
	if err := saveWeights(weights, p); err != nil {
		t.Fatal(err)
	}
	o := ops.New(vktest.Open(t))
	score := func(batch int) EvalResult {
		t.Helper()
		res, err := Evaluate(context.Background(), o, weights, "fashion-mnist", "test", batch, n, nil)
		if err != nil {
			t.Fatalf("batch %d: %v", batch, err)
		}
		return res
	}
	want := score(1)
	if want.Images != n || want.Top1 == 0 || want.Top5 == 1 {
		t.Fatalf("per-image scores %+v: want %d images, top-1 above 0 and top-5 below 1 (no ties)", want, n)
	}
	t.Logf("image by image: %+v", want)
	for _, batch := range []int{4, 5} {
		got := score(batch)
		if got.Images != n || got.Top1 != want.Top1 || got.Top5 != want.Top5 ||
			!(math.Abs(got.Loss-want.Loss) <= 1e-5*want.Loss) {
			t.Errorf("batches of %d: %+v; image by image %+v", batch, got, want)
		}
	}
}
