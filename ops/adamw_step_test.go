package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestAdamWStepCount: with AdamWBuffers.Step bound, the update takes t
// from the device's count and advances it only when it applies the step.
// Four steps from a count of 5, the second with a NaN gradient (skipped);
// the host writes the t it would guess without knowing of the skip (6, 7,
// 8, 9), so the last two steps run on t = 7 and 8 computed on the device,
// the first on the host's bias corrections. Reference: AdamWRef with t =
// the applied steps, tolerance 1e-5 as TestAdamWDevice; the count must end
// at 8.
func TestAdamWStepCount(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(613)
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}
	for _, n := range []int{7, 1000} {
		t.Run(fmt.Sprintf("n%d", n), func(t *testing.T) {
			p, m, v := randF32(rng, n, 1), randF32(rng, n, 0.01), randF32(rng, n, 1e-4)
			for k := range v {
				v[k] = math.Abs(v[k])
			}
			pB, mB, vB, gradB := g.upload("p", p), g.upload("m", m), g.upload("v", v), g.output("grad", n)
			hyper, err := g.d.NewHostBuffer("hyper", 4*AdamWHyperFloats)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(hyper.Release)
			const start = 5
			step := g.uploadInt32("step", []int32{start})
			norm, work := g.output("norm", 1), g.output("work", GradNormWorkFloats)
			r, err := g.d.NewRecording()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Release()
			if err := g.o.GradNorm(r, gradB, norm, work, n); err != nil {
				t.Fatal(err)
			}
			bufs := AdamWBuffers{Param: pB, Grad: gradB, M: mB, V: vB, Hyper: hyper, Norm: norm, Step: step}
			if err := g.o.AdamW(r, cfg, bufs, n); err != nil {
				t.Fatal(err)
			}
			applied := start
			for k := 1; k <= 4; k++ {
				grad := randF32(rng, n, 0.1)
				if k == 2 {
					grad[n/2] = math.NaN()
				}
				const lr = 1e-2
				if err := hyper.WriteFloat32(0, AdamWHyperValues(lr, float64(cfg.Beta1), float64(cfg.Beta2), start+k, 0)); err != nil {
					t.Fatal(err)
				}
				if err := gradB.WriteFloat32(0, toF32(grad)); err != nil {
					t.Fatal(err)
				}
				if err := r.Run(); err != nil {
					t.Fatal(err)
				}
				if k == 2 {
					continue
				}
				applied++
				AdamWRef(AdamWSpec{LR: float64(float32(lr)), Beta1: float64(cfg.Beta1), Beta2: float64(cfg.Beta2),
					Eps: float64(cfg.Eps), WeightDecay: float64(cfg.WeightDecay), Step: applied}, p, grad, m, v, make([]bool, n))
			}
			checkClose(t, "p", g.download(pB, n), p, 1e-5)
			checkClose(t, "m", g.download(mB, n), m, 1e-5)
			checkClose(t, "v", g.download(vB, n), v, 1e-5)
			got := make([]uint32, 1)
			if err := step.ReadUint32(0, got); err != nil {
				t.Fatal(err)
			}
			if got[0] != uint32(applied) {
				t.Errorf("step count %d after 3 applied steps from %d, want %d", got[0], start, applied)
			}
		})
	}
}

// TestAdamWStepHostBits: when the host's t is right, the counted update
// uses the host's bias corrections and gives the bits of the plain one.
func TestAdamWStepHostBits(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(617)
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	const n = 513
	p0, grad := randF32(rng, n, 1), randF32(rng, n, 0.1)
	var got [2][]float64
	for i, counted := range []bool{false, true} {
		pB, gradB := g.upload("p", p0), g.upload("grad", grad)
		bufs := AdamWBuffers{Param: pB, Grad: gradB, M: g.output("m", n), V: g.output("v", n), Hyper: g.upload("hyper", make([]float64, AdamWHyperFloats))}
		if counted {
			bufs.Step = g.uploadInt32("step", []int32{0})
		}
		hv := AdamWHyperValues(1e-2, float64(cfg.Beta1), float64(cfg.Beta2), 1, 0)
		g.run(func(r *vk.Recording) error {
			if err := bufs.Hyper.(*vk.Buffer).WriteFloat32(0, hv); err != nil {
				return err
			}
			return g.o.AdamW(r, cfg, bufs, n)
		})
		got[i] = g.download(pB, n)
	}
	for i := range got[0] {
		if math.Float64bits(got[0][i]) != math.Float64bits(got[1][i]) {
			t.Fatalf("p[%d]: %g counted, %g plain", i, got[1][i], got[0][i])
		}
	}
}
