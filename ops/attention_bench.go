package ops

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// AttentionBenchSpec is the shape of an attention benchmark.
type AttentionBenchSpec struct {
	B, H, L int // batch, heads, tokens
	D       int // head dimension (the model width is H·D)
	// Backward also times AttentionBackward (both of its passes).
	Backward bool
	// Compare also times the same forward done the plain way
	// (AttentionUnfused: GEMM + softmax + GEMM, scores in memory).
	Compare bool
}

func (s AttentionBenchSpec) String() string {
	return fmt.Sprintf("B%d H%d L%d d%d", s.B, s.H, s.L, s.D)
}

// AttentionFLOPs is the forward's useful work, the two products Q·Kᵀ and
// P·V of every (sample, head):
//
//	F = 4·B·H·L²·d
//
// The backward is counted as 2.5·F, the FlashAttention-2 convention (five
// L×L×d products: dV, dP, dQ, dK and the recomputed S); the two passes of
// AttentionBackward actually do seven, S and dP being recomputed in both.
func AttentionFLOPs(b, h, l, d int) float64 {
	return 4 * float64(b) * float64(h) * float64(l) * float64(l) * float64(d)
}

// attnBenchCase is one timed op of BenchAttention: its result row and how
// to record one instance of it.
type attnBenchCase struct {
	res    BenchResult
	record func(r *vk.Recording) error
}

// BenchAttention times the fused attention forward (and, with s.Backward,
// the backward) at shape s under the configuration in use, on random
// inputs, with benchRecording (a warm-up run, then runs until budget is
// spent; device timestamps when the device profiles). It returns one
// BenchResult per op: "attention" and "attention_bwd".
//
// To compare another way of computing the same thing (e.g. GEMM + softmax +
// GEMM), append a case to cases below reading the same buffers.
func (o *Ops) BenchAttention(s AttentionBenchSpec, budget time.Duration) ([]BenchResult, error) {
	b, h, l, d := s.B, s.H, s.L, s.D
	attnCheck("BenchAttention", b, l, h, d)
	bufs := &benchBuffers{d: o.d}
	defer bufs.release()
	mk := bufs.make
	qkv, err := mk("qkv", b*l*3*h*d)
	if err != nil {
		return nil, err
	}
	out, err := mk("out", b*l*h*d)
	if err != nil {
		return nil, err
	}
	lse, err := mk("lse", b*h*l)
	if err != nil {
		return nil, err
	}
	// The variant names the configuration and the kernels it picks here
	// (the cpu family falls back from texel to storage loads where qkv
	// exceeds the device's texel limit).
	variant := func(passes ...attnPass) string {
		v := o.AttentionConfig().String() + ":"
		for _, p := range passes {
			if plan, err := o.attnPlanOn(p, FP32, l, d, []vk.Binding{qkv, out, out}); err == nil {
				v += " " + plan.String()
			}
		}
		return v
	}
	flops := AttentionFLOPs(b, h, l, d)
	row := func(op, v string, f float64) BenchResult {
		return BenchResult{Op: op, Shape: s.String(), Device: o.d.Info.Name, Variant: v, FLOPs: f}
	}
	cases := []attnBenchCase{{
		res:    row("attention", variant(attnForward), flops),
		record: func(r *vk.Recording) error { return o.Attention(r, qkv, out, lse, b, l, h, d) },
	}}
	if s.Compare {
		work, err := mk("unfused work", UnfusedAttentionWorkFloats(b, l, h, d))
		if err != nil {
			return nil, err
		}
		unfused, err := mk("unfused out", b*l*h*d)
		if err != nil {
			return nil, err
		}
		cases = append(cases, attnBenchCase{
			res: row("attention_unfused", "split heads + GEMM + softmax + GEMM + merge heads ("+o.GemmConfig().String()+")", flops),
			record: func(r *vk.Recording) error {
				return o.AttentionUnfused(r, qkv, unfused, work, b, l, h, d)
			},
		})
	}
	if s.Backward {
		dout, err := mk("dout", b*l*h*d)
		if err != nil {
			return nil, err
		}
		delta, err := mk("delta", b*h*l)
		if err != nil {
			return nil, err
		}
		dqkv, err := mk("dqkv", b*l*3*h*d)
		if err != nil {
			return nil, err
		}
		cases = append(cases, attnBenchCase{
			res: row("attention_bwd", variant(attnDQ, attnDKV), 2.5*flops),
			record: func(r *vk.Recording) error {
				return o.AttentionBackward(r, qkv, out, dout, lse, delta, dqkv, b, l, h, d)
			},
		})
	}
	return o.attnBenchAll(cases, s.String(), budget)
}

// attnBenchAll runs cases[0], the forward, once (a backward reads a real
// forward's O and lse), then times every case; what names the shape (and
// the plan) in errors.
func (o *Ops) attnBenchAll(cases []attnBenchCase, what string, budget time.Duration) ([]BenchResult, error) {
	if err := o.attnBenchRun(cases[0].record); err != nil {
		return nil, err
	}
	var results []BenchResult
	for _, c := range cases {
		r, err := o.attnBenchCase(c, budget)
		if err != nil {
			return results, fmt.Errorf("bench %s %s: %w", c.res.Op, what, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// attnBenchRun records rec once and runs it.
func (o *Ops) attnBenchRun(rec func(r *vk.Recording) error) error {
	r, err := o.d.NewRecording()
	if err != nil {
		return err
	}
	defer r.Release()
	if err := rec(r); err != nil {
		return err
	}
	return r.Run()
}

// attnBenchCase times c with enough instances per run that submission
// overhead does not count when timing by wall clock.
func (o *Ops) attnBenchCase(c attnBenchCase, budget time.Duration) (BenchResult, error) {
	res := c.res
	rec, err := o.d.NewRecording()
	if err != nil {
		return res, err
	}
	defer rec.Release()
	return res, o.timeRepeated(rec, &res, budget, c.record)
}
