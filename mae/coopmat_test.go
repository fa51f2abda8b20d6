package mae

import (
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
	"github.com/mae-vk/mae-vk/vk/vktest"
)

// TestCoopMatStepMatchesHalf runs one fp16 training step of micro (4
// images, one seed) twice: with the plain 16-bit GEMMs and attention
// (AttentionAs) and with the cooperative-matrix family forced to its
// emulation, GEMMs (forward and backward) and attention (micro's head
// dimensions, 32 and 16, are multiples of the fragments'). Both families must have run the products
// and every block's forward and backward attention. The loss must agree
// within 5e-5 (relative) and every gradient within 4e-3 of its tensor's
// largest element: the GEMMs accumulate the same fp16 products in fp32 in
// another order (an fp16-stored activation can round the other way), and
// the cooperative-matrix attention rounds P, dO and dS to binary16 (2⁻¹¹
// relative each) before their products where AttentionAs keeps them in
// float32, and the backward GEMMs read the output gradients rounded to
// binary16. Seen: 5.4e-6 and 9.8e-4.
func TestCoopMatStepMatchesHalf(t *testing.T) {
	d := vktest.Open(t)
	if !ops.FP16.Supported(d.Info) {
		t.Skipf("%s has no 16-bit storage", d.Info.Name)
	}
	cfg, _ := Preset("micro")
	p, err := Init(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	step := func(coop bool) (float32, []float32) {
		loss, g, o := coopMatStep(t, d, cfg, p, ops.FP16, coop)
		checkCoopMatGemms(t, cfg, o, coop)
		// At least the forward and the backward of every block of both
		// stacks (encoder head dim 32, decoder 16: both multiples of 16).
		fwd, bwd := o.CoopMatAttentions()
		if blocks := cfg.EncDepth + cfg.DecDepth; coop && (fwd < blocks || bwd < blocks) || !coop && fwd+bwd != 0 {
			t.Fatalf("coopmat %v: %d forward and %d backward attentions on the cooperative-matrix family (%d blocks)", coop, fwd, bwd, blocks)
		}
		return loss, g
	}
	loss, grads := step(false)
	closs, cgrads := step(true)
	worst := compareCoopMatStep(t, p, loss, closs, grads, cgrads, 5e-5, 4e-3)
	t.Logf("loss %.6f / %.6f; worst scaled gradient difference %.3g", closs, loss, worst)
}

// compareCoopMatStep checks a step's loss and gradients with the
// cooperative-matrix family (closs, cgrads) against those without: the
// loss within lossTol (relative), every trainable tensor's gradient within
// gradTol of its largest element. It returns the worst gradient difference.
func compareCoopMatStep(t *testing.T, p *Params, loss, closs float32, grads, cgrads []float32, lossTol, gradTol float64) float64 {
	t.Helper()
	if rel := math.Abs(float64(closs-loss)) / math.Abs(float64(loss)); !(rel < lossTol) {
		t.Errorf("loss %v with cooperative matrices, %v without (relative difference %.3g)", closs, loss, rel)
	}
	worst := 0.0
	for _, tn := range p.Layout.Tensors {
		if !tn.Trainable {
			continue
		}
		w := make([]float64, tn.Len())
		for i := range w {
			w[i] = float64(grads[tn.Offset+i])
		}
		e := scaledMaxErr(cgrads[tn.Offset:tn.Offset+tn.Len()], w)
		worst = max(worst, e)
		if !(e < gradTol) {
			t.Errorf("%s: gradients with and without cooperative matrices differ by %.3g (scaled)", tn.Name, e)
		}
	}
	return worst
}

// coopMatStep runs one training step of cfg (4 images, one seed) from p at
// precision prec, with the cooperative-matrix family forced to its
// emulation when coop is set, and returns the loss, the gradient and the
// ops (to count what ran on the family). The family must have run GEMMs
// exactly when coop is set.
func coopMatStep(t *testing.T, d *vk.Device, cfg Config, p *Params, prec ops.Precision, coop bool) (float32, []float32, *ops.Ops) {
	t.Helper()
	const n = 4
	rng := NewRNG(14)
	images, mk := randomImages(cfg, n, rng), RandomMasking(cfg, n, rng)
	o := ops.New(d)
	if coop {
		warn := func(msg string) { t.Errorf("unexpected warning: %s", msg) }
		if on, err := o.EnableCoopMat(ops.CoopMatEmulate, t.TempDir(), warn); err != nil || !on {
			t.Fatalf("EnableCoopMat(emulate) = %v, %v", on, err)
		}
	}
	m, err := NewModelPrecision(o, cfg, n, prec)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	if err := m.SetParams(p); err != nil {
		t.Fatal(err)
	}
	st, err := NewStepper(m, ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Release()
	if _, err := st.Submit([][]float32{images}, []Masking{mk}, StepInfo{Step: 1, LR: 0}, 0.9, 0.95, 0); err != nil {
		t.Fatal(err)
	}
	done, err := st.Flush()
	if err != nil || len(done) != 1 {
		t.Fatalf("flush: %v, %d steps", err, len(done))
	}
	g, err := st.UpdateGradient()
	if err != nil {
		t.Fatal(err)
	}
	return done[0].Loss, g, o
}

// checkCoopMatGemms checks the products coopMatStep ran on the
// cooperative-matrix family: with it, every product with two 16-bit
// operands. Per block the 4 linears' forward products and their 8
// backward ones (the output gradient cast to the 16-bit format);
// decoder_embed (latent 16-bit) forward, weight and input gradients;
// decoder_pred's input gradient (its input, like patch_embed's, stays
// fp32). The stepper records the step twice, once per input slot.
func checkCoopMatGemms(t *testing.T, cfg Config, o *ops.Ops, coop bool) {
	t.Helper()
	if want := 2 * (12*(cfg.EncDepth+cfg.DecDepth) + 4); coop && o.CoopMatGemms() != want || !coop && o.CoopMatGemms() != 0 {
		t.Fatalf("coopmat %v: %d products on the cooperative-matrix family, want %d", coop, o.CoopMatGemms(), want)
	}
}

// TestCoopMatStepMatchesBF16 runs one bf16 training step of micro with the
// plain 16-bit GEMMs and attention (AttentionAs at bf16) and with the bf16
// cooperative-matrix family forced to its emulation, GEMMs (forward and
// backward) and attention. The family must have run the products and at
// least every block's forward and backward attention. The loss must agree
// within 5e-4 (relative, an eighth of one bf16 rounding): the forward
// products are the same bf16 products accumulated in fp32, possibly in
// another order, and the cooperative-matrix attention rounds P to bf16
// (2⁻⁸ relative per element, averaging out over keys and tokens) before
// its product with V where AttentionAs keeps it in float32 (with the
// attention off the family this was 0; 5e-5 is too tight with it). Every
// gradient must agree within 1.6e-2 (four bf16 roundings, 4·2⁻⁸) of its
// tensor's largest element: the backward GEMMs read the output gradients rounded
// to bf16 (2⁻⁸ relative) where the plain families read them in fp32, and
// the attention rounds dO, P and dS to bf16. Seen on llvmpipe: loss
// 9.2e-5, gradients 4.8e-3 (before the attention ran on the family: 0 and
// 3.9e-3).
func TestCoopMatStepMatchesBF16(t *testing.T) {
	const lossTol, gradTol = 5e-4, 1.6e-2
	d := vktest.Open(t)
	if !ops.BF16.Supported(d.Info) {
		t.Skipf("%s has no 16-bit storage", d.Info.Name)
	}
	cfg, _ := Preset("micro")
	p, err := Init(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	loss, grads, plain := coopMatStep(t, d, cfg, p, ops.BF16, false)
	checkCoopMatGemms(t, cfg, plain, false)
	closs, cgrads, o := coopMatStep(t, d, cfg, p, ops.BF16, true)
	checkCoopMatGemms(t, cfg, o, true)
	if plan, ok := o.CoopMatInUseFor(ops.BF16); !ok || plan.Inputs() != ops.BF16 {
		t.Fatalf("bf16 plan in use: %v, %v", plan, ok)
	}
	fwd, bwd := o.CoopMatAttentions()
	if blocks := cfg.EncDepth + cfg.DecDepth; fwd < blocks || bwd < blocks {
		t.Errorf("%d forward and %d backward bf16 attentions on the cooperative-matrix family, want at least %d each (every block)", fwd, bwd, blocks)
	}
	if fwd, bwd := plain.CoopMatAttentions(); fwd+bwd != 0 {
		t.Errorf("%d forward and %d backward attentions on the cooperative-matrix family without it, want 0", fwd, bwd)
	}
	worst := compareCoopMatStep(t, p, loss, closs, grads, cgrads, lossTol, gradTol)
	t.Logf("%d bf16 products and %d+%d attentions on the family; loss %.6f / %.6f (relative difference %.3g); worst scaled gradient difference %.3g",
		o.CoopMatGemms(), fwd, bwd, closs, loss, math.Abs(float64(closs-loss))/math.Abs(float64(loss)), worst)
}

// TestBenchTrainCountsCoopMat: `bench train` reports what one step runs on
// the cooperative-matrix family (emulated, fp16, micro): every product
// checkCoopMatGemms counts, and both attention passes of every block.
func TestBenchTrainCountsCoopMat(t *testing.T) {
	d := vktest.Open(t)
	if !ops.FP16.Supported(d.Info) {
		t.Skipf("%s has no 16-bit storage", d.Info.Name)
	}
	o := ops.New(d)
	if on, err := o.EnableCoopMat(ops.CoopMatEmulate, t.TempDir(), func(msg string) { t.Error(msg) }); err != nil || !on {
		t.Fatalf("EnableCoopMat(emulate) = %v, %v", on, err)
	}
	cfg, _ := Preset("micro")
	res, err := BenchTrain(o, cfg, "micro", 4, 1, ops.FP16)
	if err != nil {
		t.Fatal(err)
	}
	blocks := cfg.EncDepth + cfg.DecDepth
	if res.CoopMat == "" || res.CoopMatGemms != 12*blocks+4 || res.CoopMatAttentions != 2*blocks {
		t.Errorf("bench train: plan %q, %d products and %d attention passes per step on the family; want a plan, %d and %d",
			res.CoopMat, res.CoopMatGemms, res.CoopMatAttentions, 12*blocks+4, 2*blocks)
	}
}
