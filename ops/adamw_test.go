package ops

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// adamwCase is one AdamW device test: decay "none", "ranges" or "all";
// clip "unbound" (no norm buffer), "zero" (max_norm 0), "inactive" (max_norm
// above the norm) or "active" (below it).
type adamwCase struct {
	n     int
	decay string
	clip  string
}

func TestAdamWDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(601)
	worst := worstErrs{}
	defer worst.log(t, g.d.Info.Name)
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}
	var cases []adamwCase
	for _, n := range []int{1, 7, 1000, 4099} {
		for _, dc := range [][2]string{
			{"none", "unbound"}, {"ranges", "active"}, {"all", "inactive"}, {"ranges", "zero"}, {"all", "active"},
		} {
			cases = append(cases, adamwCase{n, dc[0], dc[1]})
		}
	}
	const steps = 4
	for i, c := range cases {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("n%d_decay_%s_clip_%s_%s", c.n, c.decay, c.clip, grid), func(t *testing.T) {
			p, m, v := randF32(rng, c.n, 1), randF32(rng, c.n, 0.01), randF32(rng, c.n, 1e-4)
			for k := range v {
				v[k] = math.Abs(v[k])
			}
			decay := make([]bool, c.n)
			var ranges [][2]int
			switch c.decay {
			case "all":
				ranges = [][2]int{{0, c.n}}
			case "ranges":
				// Alternating runs of random length, some of one element.
				for at, on := 0, true; at < c.n; on = !on {
					end := min(c.n, at+1+rng.IntN(max(1, c.n/5)))
					if on {
						ranges = append(ranges, [2]int{at, end})
					}
					at = end
				}
			}
			for _, rg := range ranges {
				for k := rg[0]; k < rg[1]; k++ {
					decay[k] = true
				}
			}
			words, err := PackDecayRanges(ranges, c.n)
			if err != nil {
				t.Fatal(err)
			}
			pB, mB, vB := g.upload("p", p), g.upload("m", m), g.upload("v", v)
			gradB := g.output("grad", c.n)
			hyper, err := g.d.NewHostBuffer("hyper", 4*AdamWHyperFloats)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(hyper.Release)
			bufs := AdamWBuffers{Param: pB, Grad: gradB, M: mB, V: vB, Hyper: hyper, DecayRanges: len(ranges)}
			if len(ranges) > 0 {
				bufs.Decay = g.uploadInt32("decay", toInt32(words))
			}
			norm, work := g.output("norm", 1), g.output("work", GradNormWorkFloats)
			if c.clip != "unbound" {
				bufs.Norm = norm
			}
			// Recorded once, replayed every step with new gradients and
			// new per-step values in the hyper buffer.
			r, err := g.d.NewRecording()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Release()
			if err := g.o.GradNorm(r, gradB, norm, work, c.n); err != nil {
				t.Fatal(err)
			}
			if err := g.o.AdamW(r, cfg, bufs, c.n); err != nil {
				t.Fatal(err)
			}
			for step := 1; step <= steps; step++ {
				grad := randF32(rng, c.n, math.Pow(10, float64(rng.IntN(3)-1)))
				gn := GradNormRef(grad)
				maxNorm := map[string]float64{"unbound": 0.5 * gn, "zero": 0, "inactive": 2 * gn, "active": 0.3 * gn}[c.clip]
				lr := 1e-2 * float64(step) / steps
				hv := AdamWHyperValues(lr, float64(cfg.Beta1), float64(cfg.Beta2), step, maxNorm)
				if err := hyper.WriteFloat32(0, hv); err != nil {
					t.Fatal(err)
				}
				if err := gradB.WriteFloat32(0, toF32(grad)); err != nil {
					t.Fatal(err)
				}
				if err := r.Run(); err != nil {
					t.Fatal(err)
				}
				// Reference: clip as clip_grad_norm_, then AdamW.
				scale := 1.0
				if c.clip != "unbound" && float64(float32(maxNorm)) > 0 {
					scale = ClipScaleRef(gn, float64(float32(maxNorm)))
				}
				if (c.clip == "active") != (scale < 1) {
					t.Fatalf("clip %s but scale %v", c.clip, scale)
				}
				gs := make([]float64, c.n)
				for k := range grad {
					gs[k] = grad[k] * scale
				}
				AdamWRef(AdamWSpec{LR: float64(float32(lr)), Beta1: float64(cfg.Beta1), Beta2: float64(cfg.Beta2),
					Eps: float64(cfg.Eps), WeightDecay: float64(cfg.WeightDecay), Step: step}, p, gs, m, v, decay)
				worst.check(t, "norm", g.download(norm, 1), []float64{gn}, 1e-5)
			}
			worst.check(t, "p", g.download(pB, c.n), p, 1e-5)
			worst.check(t, "m", g.download(mB, c.n), m, 1e-5)
			worst.check(t, "v", g.download(vB, c.n), v, 1e-5)
		})
	}
}

func toInt32(u []uint32) []int32 {
	s := make([]int32, len(u))
	for i, x := range u {
		s[i] = int32(x)
	}
	return s
}

func TestGradNormDevice(t *testing.T) {
	g := newGPU(t)
	rng := newTestRand(602)
	worst := worstErrs{}
	defer worst.log(t, g.d.Info.Name)
	for i, n := range []int{1, 5, 64, 65, 1000, 100_003, 300_007} {
		grid := smallGrid(g, i)
		t.Run(fmt.Sprintf("n%d_%s", n, grid), func(t *testing.T) {
			grad := randF32(rng, n, 1e-3)
			gradB, work := g.upload("grad", grad), g.output("work", GradNormWorkFloats)
			norm1, norm2 := g.output("norm1", 1), g.output("norm2", 1)
			g.run(func(r *vk.Recording) error {
				if err := g.o.GradNorm(r, gradB, norm1, work, n); err != nil {
					return err
				}
				return g.o.GradNorm(r, gradB, norm2, work, n)
			})
			got := g.download(norm1, 1)
			worst.check(t, "norm", got, []float64{GradNormRef(grad)}, 1e-5)
			checkSameElems(t, "second norm", g.download(norm2, 1), got)
		})
	}
}

func TestPackDecayRanges(t *testing.T) {
	w, err := PackDecayRanges([][2]int{{5, 9}, {0, 2}, {3, 3}, {2, 5}}, 10)
	if err != nil || !reflect.DeepEqual(w, []uint32{0, 2, 2, 5, 5, 9}) {
		t.Errorf("PackDecayRanges = %v, %v", w, err)
	}
	for _, bad := range [][][2]int{{{0, 11}}, {{-1, 2}}, {{3, 2}}, {{0, 5}, {4, 6}}} {
		if _, err := PackDecayRanges(bad, 10); err == nil {
			t.Errorf("PackDecayRanges(%v) did not fail", bad)
		}
	}
}

func TestAdamWHyperValues(t *testing.T) {
	h := AdamWHyperValues(0.5, 0.9, 0.95, 2, -1)
	want := []float64{0.5, 1 - 0.81, 1 - 0.9025, -1}
	checkClose(t, "hyper", toF64(h[:AdamWHyperStep]), want, 1e-7)
	if len(h) != AdamWHyperFloats || math.Float32bits(h[AdamWHyperStep]) != 2 {
		t.Errorf("hyper %v: want %d floats, the step's bits 2 last", h, AdamWHyperFloats)
	}
}
