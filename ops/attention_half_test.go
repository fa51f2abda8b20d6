package ops

import (
	"fmt"
	"math"
	"testing"

	"github.com/mae-vk/mae-vk/vk"
)

// TestAttentionHalf: the fused attention with qkv and O stored 16-bit
// (AttentionAs, AttentionBackwardAs), both families, fp16 and bf16, on
// awkward shapes. The inputs are rounded to the format first, so the
// float64 references see what the device reads. Tolerances: lse, D and
// dqkv (fp32 outputs of fp32 arithmetic on exact inputs) at the fp32
// attnTol (1e-4, relative); O, rounded once when stored, within one unit
// roundoff of the format per element plus attnTol of the largest |O|
// (checkHalfStore).
func TestAttentionHalf(t *testing.T) {
	g := halfGPU(t)
	shapes := [][4]int{ // B, L, H, d
		{1, 1, 1, 16}, {2, 13, 2, 16}, {2, 9, 1, 4}, {1, 23, 2, 20}, {2, 50, 4, 32}, {1, 65, 2, 64},
	}
	for _, fam := range []string{"cpu", "gpu"} {
		if err := g.o.SetAttentionConfig(AttentionConfig{Family: fam}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []Precision{FP16, BF16} {
			for i, s := range shapes {
				name := fmt.Sprintf("%s_%v_B%d_L%d_H%d_d%d", fam, p, s[0], s[1], s[2], s[3])
				t.Run(name, func(t *testing.T) {
					gt := *g
					gt.t = t
					runAttentionHalf(t, &gt, p, uint64(300+i), s[0], s[1], s[2], s[3])
				})
			}
		}
	}
	if err := g.o.SetAttentionConfig(AttentionConfig{}); err != nil {
		t.Fatal(err)
	}
}

// runAttentionHalf checks one shape in format p (see TestAttentionHalf):
// the forward into NaN-poisoned outputs, and the backward on the
// reference O (rounded to p, as stored) and lse.
func runAttentionHalf(t *testing.T, g *gpu, p Precision, seed uint64, b, l, h, d int) {
	t.Helper()
	r := newTestRand(seed)
	qkv := RoundHalfSliceRef(p, randF32(r, b*l*3*h*d, 2.5))
	dO := randF32(r, b*l*h*d, 1)
	o, lse := AttentionRef(qkv, b, l, h, d)
	oStored := RoundHalfSliceRef(p, append([]float64(nil), o...))
	lse32 := roundF32(lse)
	wantDqkv := AttentionBackwardRef(qkv, oStored, dO, lse32, b, l, h, d)
	s := newAttnShape("test", b, l, h, d)
	wantDelta := make([]float64, b*h*l)
	for n := 0; n < b; n++ {
		for hd := 0; hd < h; hd++ {
			for tt := 0; tt < l; tt++ {
				wantDelta[s.lse(n, hd, tt)] = dot(dO[s.o(n, tt, hd):][:d], oStored[s.o(n, tt, hd):][:d])
			}
		}
	}

	qkvBuf := g.uploadHalf("qkv", p, qkv)
	nanHalf := make([]float64, b*l*h*d)
	for i := range nanHalf {
		nanHalf[i] = math.NaN()
	}
	out := g.uploadHalf("out", p, nanHalf)
	lseBuf, delta, dqkv := g.output("lse", b*h*l), g.output("delta", b*h*l), g.output("dqkv", b*l*3*h*d)
	refO, refLse, dOBuf := g.uploadHalf("refO", p, oStored), g.upload("refLse", lse32), g.upload("dO", dO)
	g.run(func(rec *vk.Recording) error {
		if err := g.o.AttentionAs(rec, p, qkvBuf, out, lseBuf, b, l, h, d); err != nil {
			return err
		}
		return g.o.AttentionBackwardAs(rec, p, qkvBuf, refO, dOBuf, refLse, delta, dqkv, b, l, h, d)
	})
	scale := 0.0
	for _, v := range o {
		scale = math.Max(scale, math.Abs(v))
	}
	checkHalfStore(t, "O", p, g.downloadHalf(out, p, b*l*h*d), o, attnTol, scale)
	checkClose(t, "lse", g.download(lseBuf, b*h*l), lse, attnTol)
	checkClose(t, "D", g.download(delta, b*h*l), wantDelta, attnTol)
	checkClose(t, "dqkv", g.download(dqkv, b*l*3*h*d), wantDqkv, attnTol)
}
