package mae

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// splitMasking returns samples [lo, hi) of mk.
func splitMasking(mk Masking, lo, hi int) Masking {
	return Masking{
		N: hi - lo, L: mk.L, Keep: mk.Keep,
		IDsShuffle: mk.IDsShuffle[lo*mk.L : hi*mk.L],
		IDsKeep:    mk.IDsKeep[lo*mk.Keep : hi*mk.Keep],
		IDsRestore: mk.IDsRestore[lo*mk.L : hi*mk.L],
		Mask:       mk.Mask[lo*mk.L : hi*mk.L],
	}
}

// TestAccumulationMatchesBigBatch checks that two accumulated
// micro-batches of n images give the gradient (and loss) of one batch of
// 2n: every micro-batch masks the same number of patches, so the mean of
// the micro-batch losses is the loss of the whole.
func TestAccumulationMatchesBigBatch(t *testing.T) {
	cfg, _ := Preset("micro")
	const n = 3
	p, err := Init(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := NewRNG(4)
	images := randomImages(cfg, 2*n, rng)
	mk := RandomMasking(cfg, 2*n, rng)

	d := vktest.Open(t)
	o := ops.New(d)
	big, err := NewModel(o, cfg, 2*n)
	if err != nil {
		t.Fatal(err)
	}
	defer big.Release()
	if err := big.SetParams(p); err != nil {
		t.Fatal(err)
	}
	in, err := big.NewInputs()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Release()
	if err := big.SetBatch(in, images, mk); err != nil {
		t.Fatal(err)
	}
	runRecording(t, big, func(r *vk.Recording) error {
		if err := big.RecordForward(r, in); err != nil {
			return err
		}
		return big.RecordBackward(r, in)
	})
	wantLoss, _, err := ReadLoss(in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := big.Grads()
	if err != nil {
		t.Fatal(err)
	}

	small, err := NewModel(o, cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Release()
	if err := small.SetParams(p); err != nil {
		t.Fatal(err)
	}
	st, err := NewStepper(small, ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	per := len(images) / 2
	if _, err := st.Submit([][]float32{images[:per], images[per:]}, []Masking{splitMasking(mk, 0, n), splitMasking(mk, n, 2*n)},
		StepInfo{Step: 1, LR: 1e-3}, 0.9, 0.95, 0); err != nil {
		t.Fatal(err)
	}
	done, err := st.Flush()
	if err != nil || len(done) != 1 {
		t.Fatalf("flush: %v, %d steps", err, len(done))
	}
	if rel := math.Abs(float64(done[0].Loss-wantLoss)) / float64(wantLoss); !(rel < 1e-6) {
		t.Errorf("accumulated loss %v, big-batch loss %v", done[0].Loss, wantLoss)
	}
	got, err := st.UpdateGradient()
	if err != nil {
		t.Fatal(err)
	}
	checkTrainableClose(t, small.Layout, "accumulated gradient vs the big batch's", got, want, 1e-5)
}

// checkTrainableClose compares two flat gradients tensor by tensor over
// the trainable parameters: scaledMaxErr below tol.
func checkTrainableClose(t *testing.T, lay *Layout, what string, got, want []float32, tol float64) {
	t.Helper()
	for _, tn := range lay.Tensors {
		if !tn.Trainable {
			continue
		}
		w := make([]float64, tn.Len())
		for i := range w {
			w[i] = float64(want[tn.Offset+i])
		}
		if e := scaledMaxErr(got[tn.Offset:tn.Offset+tn.Len()], w); !(e < tol) {
			t.Errorf("%s: %s differ by %.3g (scaled)", tn.Name, what, e)
		}
	}
}
