package ops

import (
	"fmt"
	"time"

	"github.com/mae-vk/mae-vk/vk"
)

// BenchGemm times the product s (its epilogue included) under the current
// configuration. A GEMM counts 2·M·N·K·Batch FLOPs.
func (o *Ops) BenchGemm(s GemmSpec, budget time.Duration) (BenchResult, error) {
	res := BenchResult{
		Op:      "gemm",
		Shape:   gemmShape(s),
		Device:  o.d.Info.Name,
		Variant: o.gemm.String(),
		FLOPs:   2 * float64(s.M) * float64(s.N) * float64(s.K) * float64(s.Batch),
	}
	lenOf := func(stride, size int) int { return (s.Batch-1)*stride + size }
	bufs := &benchBuffers{d: o.d}
	defer bufs.release()
	mk := bufs.make
	a, err := mk("A", lenOf(s.StrideA, s.M*s.K))
	if err != nil {
		return res, err
	}
	b, err := mk("B", lenOf(s.StrideB, s.K*s.N))
	if err != nil {
		return res, err
	}
	c, err := mk("C", lenOf(s.StrideC, s.M*s.N))
	if err != nil {
		return res, err
	}
	bias, err := mk("bias", s.N)
	if err != nil {
		return res, err
	}
	rec, err := o.d.NewRecording()
	if err != nil {
		return res, err
	}
	defer rec.Release()
	return res, o.timeRepeated(rec, &res, budget, func(rec *vk.Recording) error {
		return o.Gemm(rec, s, a, b, c, bias, c)
	})
}

func gemmShape(s GemmSpec) string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	shape := fmt.Sprintf("%dx%dx%d %s%s", s.M, s.N, s.K, t(s.TransA), t(s.TransB))
	if s.Batch > 1 {
		shape += fmt.Sprintf(" x%d", s.Batch)
	}
	return shape
}
