package ops

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// BenchAttentionCoopMat times the cooperative-matrix attention of plan at
// shape s the way BenchAttention times the other families: the forward
// ("attention") and, with s.Backward, both backward passes
// ("attention_bwd"), on random inputs (qkv cast to binary16 once
// beforehand; the backward reads a real forward's O). s.Compare is
// ignored.
func (o *Ops) BenchAttentionCoopMat(s AttentionBenchSpec, plan AttnCoopMatPlan, budget time.Duration) ([]BenchResult, error) {
	b, h, l, d := s.B, s.H, s.L, s.D
	attnCheck("BenchAttentionCoopMat", b, l, h, d)
	bufs := &benchBuffers{d: o.d}
	defer bufs.release()
	in := newAttnCoopMatInputs(o, plan)
	defer in.release()
	mk := bufs.make
	sizes := []int{b * l * 3 * h * d, b * h * l, b * l * h * d, b * h * l, b * l * 3 * h * d}
	var f32 [5]*vk.Buffer // qkv (cast below), lse, dout, delta, dqkv
	for i, n := range sizes {
		buf, err := mk("attention coopmat bench", n)
		if err != nil {
			return nil, err
		}
		f32[i] = buf
	}
	out, err := in.stored("attention coopmat bench O", b*l*h*d)
	if err != nil {
		return nil, err
	}
	var qkv vk.Binding
	err = o.attnBenchRun(func(r *vk.Recording) error {
		var err error
		qkv, err = in.cast(r, "qkv", f32[0], sizes[0])
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
		record: func(r *vk.Recording) error { return o.AttentionCoopMat(r, plan, qkv, out, f32[1], b, l, h, d) },
	}}
	if s.Backward {
		cases = append(cases, attnBenchCase{
			res: row("attention_bwd", 2.5*flops),
			record: func(r *vk.Recording) error {
				return o.AttentionBackwardCoopMat(r, plan, qkv, out, f32[2], f32[1], f32[3], f32[4], b, l, h, d)
			},
		})
	}
	return o.attnBenchAll(cases, fmt.Sprintf("%s (%v)", s, plan), budget)
}
