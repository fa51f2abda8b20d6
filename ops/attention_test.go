package ops

import (
	"fmt"
	"math"
	"os"
	"testing"
	"time"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// attnTol is the relative error allowed for O, lse, D and dqkv: float32
// kernels against the float64 references.
const attnTol = 1e-4

// attnCase is one attention shape with its inputs and reference outputs.
type attnCase struct {
	b, l, h, d int
	qkv, dO    []float64
	o, lse     []float64 // AttentionRef, rounded to float32
	delta      []float64 // rowsum(dO ∘ O), [B, H, L]
	dqkv       []float64 // AttentionBackwardRef on o and lse
}

func (c attnCase) String() string { return fmt.Sprintf("B%d_L%d_H%d_d%d", c.b, c.l, c.h, c.d) }

// newAttnCase draws inputs scaled so that the scores q·k/√d have a standard
// deviation near 2 (the largest around 5–10): softmaxes that are neither
// flat nor one-hot.
func newAttnCase(seed uint64, b, l, h, d int) attnCase {
	return newAttnCaseScaled(seed, b, l, h, d, 2.5)
}

// newAttnCaseScaled draws q, k, v uniform in [−scale, scale): the scores
// have a standard deviation near scale²/3.
func newAttnCaseScaled(seed uint64, b, l, h, d int, scale float64) attnCase {
	r := newTestRand(seed)
	c := attnCase{b: b, l: l, h: h, d: d}
	c.qkv = randF32(r, b*l*3*h*d, scale)
	c.dO = randF32(r, b*l*h*d, 1)
	o, lse := AttentionRef(c.qkv, b, l, h, d)
	c.o, c.lse = roundF32(o), roundF32(lse)
	c.dqkv = AttentionBackwardRef(c.qkv, c.o, c.dO, c.lse, b, l, h, d)
	s := newAttnShape("test", b, l, h, d)
	c.delta = make([]float64, b*h*l)
	for n := 0; n < b; n++ {
		for hd := 0; hd < h; hd++ {
			for t := 0; t < l; t++ {
				c.delta[s.lse(n, hd, t)] = dot(c.dO[s.o(n, t, hd):][:d], c.o[s.o(n, t, hd):][:d])
			}
		}
	}
	return c
}

// attnErrors are the relative errors of one run.
type attnErrors struct{ o, lse, delta, dqkv float64 }

// runAttention records the forward and the backward of c (the backward on
// the reference O and lse, so each is checked on its own) in one recording
// into NaN-poisoned outputs, and returns the relative errors.
func runAttention(t *testing.T, g *gpu, c attnCase) attnErrors {
	t.Helper()
	b, l, h, d := c.b, c.l, c.h, c.d
	qkv := g.upload("qkv", c.qkv)
	out := g.output("out", b*l*h*d)
	lse := g.output("lse", b*h*l)
	refO, refLse, dO := g.upload("refO", c.o), g.upload("refLse", c.lse), g.upload("dO", c.dO)
	delta := g.output("delta", b*h*l)
	dqkv := g.output("dqkv", b*l*3*h*d)
	g.run(func(r *vk.Recording) error {
		if err := g.o.Attention(r, qkv, out, lse, b, l, h, d); err != nil {
			return err
		}
		return g.o.AttentionBackward(r, qkv, refO, dO, refLse, delta, dqkv, b, l, h, d)
	})
	return attnErrors{
		o:     relErr(g.download(out, b*l*h*d), c.o),
		lse:   relErr(g.download(lse, b*h*l), c.lse),
		delta: relErr(g.download(delta, b*h*l), c.delta),
		dqkv:  relErr(g.download(dqkv, b*l*3*h*d), c.dqkv),
	}
}

func (e attnErrors) check(t *testing.T) {
	t.Helper()
	for _, x := range []struct {
		name string
		err  float64
	}{{"O", e.o}, {"lse", e.lse}, {"D", e.delta}, {"dqkv", e.dqkv}} {
		if !(x.err <= attnTol) {
			t.Errorf("%s: relative error %.3g > %.3g", x.name, x.err, attnTol)
		}
	}
}

// attnTestConfigs are the configurations every test runs: both families, and
// the cpu family with both load paths.
var attnTestConfigs = []AttentionConfig{{Family: "cpu"}, {Family: "cpu", Texel: true}, {Family: "gpu"}}

// attnFamilies runs f once per configuration on one device.
func attnFamilies(t *testing.T, f func(t *testing.T, g *gpu)) {
	g := newGPU(t)
	for _, cfg := range attnTestConfigs {
		name := cfg.Family
		if cfg.Texel {
			name += "_texel"
		}
		t.Run(name, func(t *testing.T) {
			if err := g.o.SetAttentionConfig(cfg); err != nil {
				t.Fatal(err)
			}
			defer g.o.SetAttentionConfig(AttentionConfig{})
			gt := *g
			gt.t = t
			f(t, &gt)
		})
	}
}

func TestAttentionAgainstReference(t *testing.T) {
	shapes := [][4]int{ // B, L, H, d
		{1, 1, 1, 16}, {2, 13, 2, 16}, {1, 17, 3, 32}, {2, 50, 4, 32},
		{1, 65, 2, 64}, {1, 197, 1, 80}, {1, 37, 1, 128}, {2, 9, 1, 4}, {1, 23, 2, 20},
	}
	var cases []attnCase
	for i, s := range shapes {
		cases = append(cases, newAttnCase(uint64(100+i), s[0], s[1], s[2], s[3]))
	}
	// Sharp softmaxes (scores up to ~30): the running max changes late and
	// the rescaling matters.
	cases = append(cases, newAttnCaseScaled(99, 1, 50, 1, 32, 4.5))
	attnFamilies(t, func(t *testing.T, g *gpu) {
		var worst attnErrors
		cfg := g.o.AttentionConfig()
		// The cpu family's other load path (storage on lavapipe, texel on
		// SwiftShader) gets the shapes up to d = 32: storage loads compile
		// slowly on lavapipe (each is a loop over the lanes), and every
		// shape runs on the driver where that path is the default.
		other := cfg.Family == "cpu" && cfg.Texel != DefaultAttentionConfig(g.d.Info).Texel
		for _, c := range cases {
			if other && c.d > 32 {
				continue
			}
			t.Run(c.String(), func(t *testing.T) {
				g := *g
				g.t = t
				e := runAttention(t, &g, c)
				e.check(t)
				worst.o, worst.lse = math.Max(worst.o, e.o), math.Max(worst.lse, e.lse)
				worst.delta, worst.dqkv = math.Max(worst.delta, e.delta), math.Max(worst.dqkv, e.dqkv)
			})
		}
		t.Logf("%s on %s: worst relative errors O %.2g, lse %.2g, D %.2g, dqkv %.2g",
			g.o.AttentionConfig(), g.d.Info.Name, worst.o, worst.lse, worst.delta, worst.dqkv)
	})
}

// TestAttentionBatchLoop caps the grid at one workgroup layer so that the
// kernels' loop over samples runs. (L and d as in a case above, so that
// the driver's shader cache has the kernels.)
func TestAttentionBatchLoop(t *testing.T) {
	c := newAttnCase(7, 3, 13, 2, 16)
	attnFamilies(t, func(t *testing.T, g *gpu) {
		saved := attnMaxBatchGroups
		attnMaxBatchGroups = 1
		defer func() { attnMaxBatchGroups = saved }()
		runAttention(t, g, c).check(t)
	})
}

// TestAttentionSpansDeterministic binds every tensor as a span at an offset
// inside a larger buffer, checks nothing outside the spans is written, and
// checks that a second run of the backward gives the same bits.
func TestAttentionSpansDeterministic(t *testing.T) {
	c := newAttnCase(8, 2, 21, 2, 32)
	b, l, h, d := c.b, c.l, c.h, c.d
	attnFamilies(t, func(t *testing.T, g *gpu) {
		align := max(int(g.d.Info.StorageAlign), 16)
		pad := align / 4 // floats
		// one buffer holding [pad | x | pad] for each tensor
		place := func(name string, v []float64) (*vk.Buffer, vk.Span) {
			all := make([]float64, pad+len(v)+pad)
			for i := range all {
				all[i] = 12345
			}
			copy(all[pad:], v)
			buf := g.upload(name, all)
			return buf, buf.Span(4*pad, 4*len(v))
		}
		nanOf := func(n int) []float64 {
			v := make([]float64, n)
			for i := range v {
				v[i] = math.NaN()
			}
			return v
		}
		_, qkv := place("qkv", c.qkv)
		outBuf, out := place("out", nanOf(b*l*h*d))
		lseBuf, lse := place("lse", nanOf(b*h*l))
		_, dO := place("dO", c.dO)
		_, delta := place("delta", nanOf(b*h*l))
		dqkvBuf, dqkv := place("dqkv", nanOf(b*l*3*h*d))
		rec, err := g.d.NewRecording()
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Release()
		if err := g.o.Attention(rec, qkv, out, lse, b, l, h, d); err != nil {
			t.Fatal(err)
		}
		if err := g.o.AttentionBackward(rec, qkv, out, dO, lse, delta, dqkv, b, l, h, d); err != nil {
			t.Fatal(err)
		}
		if err := rec.Run(); err != nil {
			t.Fatal(err)
		}
		inner := func(buf *vk.Buffer, n int) []float64 {
			all := g.download(buf, pad+n+pad)
			for i := range all {
				if (i < pad || i >= pad+n) && all[i] != 12345 {
					t.Errorf("%s[%d] outside the span was written: %g", buf.Name, i, all[i])
					break
				}
			}
			return all[pad : pad+n]
		}
		checkClose(t, "O", inner(outBuf, b*l*h*d), c.o, attnTol)
		checkClose(t, "lse", inner(lseBuf, b*h*l), c.lse, attnTol)
		first := inner(dqkvBuf, b*l*3*h*d)
		// The backward ran on the device's O and lse: compare loosely to
		// the reference, exactly to the second run.
		checkClose(t, "dqkv", first, c.dqkv, 1e-3)
		if err := rec.Run(); err != nil {
			t.Fatal(err)
		}
		second := inner(dqkvBuf, b*l*3*h*d)
		for i := range first {
			if math.Float64bits(first[i]) != math.Float64bits(second[i]) {
				t.Fatalf("dqkv[%d] differs between runs: %g then %g", i, first[i], second[i])
			}
		}
	})
}

func TestAttentionEmptyBatch(t *testing.T) {
	g := newGPU(t)
	buf := g.output("x", 1)
	g.run(func(r *vk.Recording) error {
		if err := g.o.Attention(r, buf, buf, buf, 0, 5, 2, 16); err != nil {
			return err
		}
		if err := g.o.AttentionBackward(r, buf, buf, buf, buf, buf, buf, 0, 5, 2, 16); err != nil {
			return err
		}
		if r.Dispatches != 0 {
			t.Errorf("B=0 recorded %d dispatches", r.Dispatches)
		}
		return nil
	})
}

func TestAttentionPanics(t *testing.T) {
	g := newGPU(t)
	small := g.output("small", 1)
	big := g.output("big", 3*4*2*16)
	r, err := g.d.NewRecording()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	for name, f := range map[string]func(){
		"d not a multiple of 4": func() { _ = g.o.Attention(r, big, big, big, 1, 4, 2, 10) },
		"d too large":           func() { _ = g.o.Attention(r, big, big, big, 1, 1, 1, 260) },
		"L zero":                func() { _ = g.o.Attention(r, big, big, big, 1, 0, 2, 16) },
		"qkv too small":         func() { _ = g.o.Attention(r, small, big, big, 1, 4, 2, 16) },
		"delta too small": func() {
			_ = g.o.AttentionBackward(r, big, big, big, big, small, big, 1, 4, 2, 16)
		},
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if len(msg) < 4 || msg[:4] != "ops:" {
					t.Errorf("%s: panic %q, want an ops: panic", name, msg)
				}
			}()
			f()
		}()
	}
	if err := g.o.SetAttentionConfig(AttentionConfig{Family: "tpu"}); err == nil {
		t.Error("SetAttentionConfig accepted family tpu")
	}
}

func TestAttentionPushLayout(t *testing.T) {
	b := vk.PushBytes(shaders.AttentionPush{B: 1, L: 2, H: 3, QScale: 0.5})
	want := []byte{1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0x3f}
	if string(b) != string(want) {
		t.Errorf("shaders.AttentionPush bytes %v, want %v (B, L, H, qscale as in include/attention.glsl)", b, want)
	}
}

// TestAttentionPlansFit checks that both families have a kernel for every
// head dimension the ops accept, within the device's limits.
func TestAttentionPlansFit(t *testing.T) {
	g := newGPU(t)
	info := g.d.Info
	for _, cfg := range attnTestConfigs {
		if err := g.o.SetAttentionConfig(cfg); err != nil {
			t.Fatal(err)
		}
		fam := cfg.String()
		for d := 4; d <= 256; d += 4 {
			for _, pass := range []attnPass{attnForward, attnDQ, attnDKV} {
				p, err := g.o.attnPlanFor(pass, FP32, 197, d, true)
				if err != nil {
					t.Errorf("%s d=%d: %v", fam, d, err)
					continue
				}
				if wg := int(p.constants[0]); wg > info.MaxInvocations {
					t.Errorf("%s d=%d: %d invocations > %d", p, d, wg, info.MaxInvocations)
				}
				if cfg.Family == "gpu" {
					own, tile := int(p.constants[2]), int(p.constants[3])
					if n := attnSharedBytes(pass, own, tile, d); n > info.SharedMemoryBytes {
						t.Errorf("%s d=%d: %d bytes shared > %d", p, d, n, info.SharedMemoryBytes)
					}
				}
			}
		}
	}
	g.o.SetAttentionConfig(AttentionConfig{})
}

func TestBenchAttentionSmoke(t *testing.T) {
	g := newGPU(t)
	res, err := g.o.BenchAttention(AttentionBenchSpec{B: 2, H: 2, L: 9, D: 16, Backward: true}, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Op != "attention" || res[1].Op != "attention_bwd" || !(res[0].MedianMs > 0) || res[1].FLOPs != 2.5*res[0].FLOPs {
		t.Errorf("results %+v", res)
	}
}

// TestAttentionBenchReport prints BenchAttention for every configuration
// when MAEVK_ATTN_BENCH is set (=all adds a ViT-B-like shape; MAEVK_PROFILE=1
// times with device timestamps):
//
//	MAEVK_ATTN_BENCH=1 MAEVK_PROFILE=1 MAEVK_DEVICE=llvmpipe go test -run AttentionBenchReport -v ./ops/
func TestAttentionBenchReport(t *testing.T) {
	if os.Getenv("MAEVK_ATTN_BENCH") == "" {
		t.Skip("set MAEVK_ATTN_BENCH=1")
	}
	g := newGPU(t)
	specs := []AttentionBenchSpec{{B: 64, H: 4, L: 50, D: 32, Backward: true}}
	if os.Getenv("MAEVK_ATTN_BENCH") == "all" {
		specs = append(specs, AttentionBenchSpec{B: 16, H: 6, L: 197, D: 64, Backward: true})
	}
	for _, s := range specs {
		for _, cfg := range attnTestConfigs {
			if err := g.o.SetAttentionConfig(cfg); err != nil {
				t.Fatal(err)
			}
			res, err := g.o.BenchAttention(s, 3*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				t.Logf("%v (min %.3f ms)", r, r.MinMs)
			}
		}
	}
}
