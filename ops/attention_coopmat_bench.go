package ops

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// BenchAttentionCoopMat times the cooperative-matrix attention of plan at
// shape s the way BenchAttention times the other families: the forward
// ("attention") and, with s.Backward, both backward passes
// ("attention_bwd"), on random inputs cast to binary16 once beforehand
// (the backward reads a real forward's O, cast too). s.Compare is ignored.
func (o *Ops) BenchAttentionCoopMat(s AttentionBenchSpec, plan AttnCoopMatPlan, budget time.Duration) ([]BenchResult, error) {
	b, h, l, d := s.B, s.H, s.L, s.D
	attnCheck("BenchAttentionCoopMat", b, l, h, d)
	bufs := &benchBuffers{d: o.d}
	defer bufs.release()
	in := newAttnCoopMatInputs(o, plan)
	defer in.release()
	mk := bufs.make
	sizes := []int{b * l * 3 * h * d, b * l * h * d, b * h * l, b * l * h * d, b * h * l, b * l * 3 * h * d}
	var f32 [6]*vk.Buffer // qkv, out, lse, dout, delta, dqkv
	for i, n := range sizes {
		buf, err := mk("attention coopmat bench", n)
		if err != nil {
			return nil, err
		}
		f32[i] = buf
	}
	var qkv, out16, dout vk.Binding
	err := o.attnBenchRun(func(r *vk.Recording) error {
		var err error
		if qkv, err = in.cast(r, "qkv", f32[0], sizes[0]); err != nil {
			return err
		}
		dout, err = in.cast(r, "dout", f32[3], sizes[3])
		return err
	})
	if err != nil {
		return nil, err
	}
	flops := AttentionFLOPs(b, h, l, d)
	row := func(op string, f float64) BenchResult {
		return BenchResult{Op: op, Shape: s.String(), Device: o.d.Info.Name, Variant: plan.String(), FLOPs: f}
	}
	cases := []attnBenchCase{{
		res:    row("attention", flops),
		record: func(r *vk.Recording) error { return o.AttentionCoopMat(r, plan, qkv, f32[1], f32[2], b, l, h, d) },
	}}
	if s.Backward {
		cases = append(cases, attnBenchCase{
			res: row("attention_bwd", 2.5*flops),
			record: func(r *vk.Recording) error {
				return o.AttentionBackwardCoopMat(r, plan, qkv, out16, dout, f32[2], f32[4], f32[5], b, l, h, d)
			},
		})
	}
	// The backward reads a real forward's O (in the plan's input format) and lse.
	err = o.attnBenchRun(func(r *vk.Recording) error {
		if err := cases[0].record(r); err != nil {
			return err
		}
		var err error
		out16, err = in.cast(r, "out", f32[1], sizes[1])
		return err
	})
	if err != nil {
		return nil, err
	}
	var results []BenchResult
	for _, c := range cases {
		r, err := o.attnBenchCase(c, budget)
		if err != nil {
			return results, fmt.Errorf("bench %s %s (%v): %w", c.res.Op, s, plan, err)
		}
		results = append(results, r)
	}
	return results, nil
}
