package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// blockEnv is what recording a linear layer or a transformer block needs:
// the ops, where each named parameter and its gradient live, LayerNorm's
// epsilon and the reduction scratch. The MAE model and the fine-tuning
// classifier (through Stack) share it.
type blockEnv struct {
	o               *ops.Ops
	param, grad     func(name string) vk.Span
	eps             float32
	lnWork, colWork *vk.Buffer
	// weight and prec say where a GEMM weight is read from and in which
	// precision, and the storage precision of a buffer (precision.go);
	// nil: everything fp32 in param.
	weight func(name string) (vk.Span, ops.Precision)
	prec   func(b vk.Binding) ops.Precision
	// dy16, when not nil, is where linearBackward casts an output
	// gradient to the compute precision for its products with 16-bit
	// operands (activations.dy16).
	dy16 *vk.Buffer
}

// weightOf is the GEMM operand of the weight tensor name and its precision.
func (e blockEnv) weightOf(name string) (vk.Span, ops.Precision) {
	if e.weight == nil {
		return e.param(name), ops.FP32
	}
	return e.weight(name)
}

// typeOf is the storage precision of b.
func (e blockEnv) typeOf(b vk.Binding) ops.Precision {
	if e.prec == nil {
		return ops.FP32
	}
	return e.prec(b)
}

// coopAttention is the cooperative-matrix attention plan for b's
// attention when it runs at fp16 or bf16 and the ops have the family for
// that precision and sh's head dimension (ops.AttentionCoopMatFor); ok is
// false otherwise.
func (e blockEnv) coopAttention(sh stackShape, b *blockActs) (plan ops.AttnCoopMatPlan, ok bool, err error) {
	prec := e.typeOf(b.qkv)
	if prec != ops.FP16 && prec != ops.BF16 {
		return plan, false, nil
	}
	plan, ok, err = e.o.AttentionCoopMatFor(prec, sh.d/sh.h)
	if err != nil {
		return plan, false, fmt.Errorf("%s attention: %w", sh.prefix, err)
	}
	return plan, ok, nil
}

// attention records the attention of a block: O and lse from qkv, on the
// cooperative-matrix family when coopAttention has it, else AttentionAs.
func (e blockEnv) attention(r *vk.Recording, sh stackShape, b *blockActs) error {
	plan, coop, err := e.coopAttention(sh, b)
	if err != nil {
		return err
	}
	if coop {
		return e.o.AttentionCoopMat(r, plan, b.qkv, b.o, b.lse, sh.n, sh.s, sh.h, sh.d/sh.h)
	}
	return e.o.AttentionAs(r, e.typeOf(b.qkv), b.qkv, b.o, b.lse, sh.n, sh.s, sh.h, sh.d/sh.h)
}

// attentionBackward records the gradient of attention: dqkv (and the
// delta scratch) from dout, on the same family as the forward.
func (e blockEnv) attentionBackward(r *vk.Recording, sh stackShape, b *blockActs, sc *blockScratch) error {
	plan, coop, err := e.coopAttention(sh, b)
	if err != nil {
		return err
	}
	if coop {
		return e.o.AttentionBackwardCoopMat(r, plan, b.qkv, b.o, sc.dout, b.lse, sc.delta, sc.dqkv, sh.n, sh.s, sh.h, sh.d/sh.h)
	}
	return e.o.AttentionBackwardAs(r, e.typeOf(b.qkv), b.qkv, b.o, sc.dout, b.lse, sc.delta, sc.dqkv, sh.n, sh.s, sh.h, sh.d/sh.h)
}

// env is the model's block environment.
func (m *Model) env() blockEnv {
	return blockEnv{o: m.o, param: m.param, grad: m.grad, eps: float32(m.Cfg.LNEps), lnWork: m.acts.lnWork, colWork: m.acts.colWork,
		weight: m.weight, prec: m.typeOf, dy16: m.acts.dy16}
}

func (m *Model) linear(r *vk.Recording, name string, x, y vk.Binding, rows, in, out int, residual vk.Binding) error {
	return m.env().linear(r, name, x, y, rows, in, out, residual)
}

func (m *Model) linearBackward(r *vk.Recording, name string, x, dy, dx vk.Binding, rows, in, out int) error {
	return m.env().linearBackward(r, name, x, dy, dx, rows, in, out)
}

func (m *Model) blockForward(r *vk.Recording, sh stackShape, i int, b *blockActs) error {
	return m.env().blockForward(r, sh, i, b, nil)
}

func (m *Model) blockBackward(r *vk.Recording, sh stackShape, i int, b *blockActs, sc *blockScratch) error {
	return m.env().blockBackward(r, sh, i, b, sc, nil)
}

// linear records y = x·Wᵀ + b for x [rows, in] and the Linear named name
// (weight [out, in]), plus residual when it is not nil.
func (e blockEnv) linear(r *vk.Recording, name string, x, y vk.Binding, rows, in, out int, residual vk.Binding) error {
	w, wType := e.weightOf(name + ".weight")
	s := ops.GemmSpec{M: rows, N: out, K: in, Batch: 1, Alpha: 1, TransB: true, Bias: true, Residual: residual != nil,
		AType: e.typeOf(x), BType: wType, CType: e.typeOf(y)}
	if err := e.o.Gemm(r, s, x, w, y, e.param(name+".bias"), residual); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// linearBackward records, for y = x·Wᵀ + b with dy [rows, out]:
//
//	dW = dyᵀ·x,  db = Σ_rows dy,  dx = dy·W   (dx skipped when nil)
//
// With e.dy16 the products whose other operand (x or W) is 16-bit read
// dy cast to that precision into e.dy16 (by the bias gradient's pass,
// ops.ColumnSumsCast), so that both their operands are
// 16-bit and they run on the cooperative-matrix family; the loss scale
// keeps fp16 gradients in range, and an overflow reaches the fp32
// gradients as inf and skips the step (lossscale.go).
func (e blockEnv) linearBackward(r *vk.Recording, name string, x, dy, dx vk.Binding, rows, in, out int) error {
	w, wType := e.weightOf(name + ".weight")
	xType := e.typeOf(x)
	dyW, dyWType, dyX, dyXType := dy, ops.FP32, dy, ops.FP32
	if e.dy16 != nil && (xType.Half() || dx != nil && wType.Half()) {
		p := wType
		if xType.Half() {
			p = xType
		}
		// The bias gradient's pass over dy writes the 16-bit copy too.
		if err := e.o.ColumnSumsCast(r, p, dy, e.grad(name+".bias"), e.colWork, e.dy16, rows, out); err != nil {
			return fmt.Errorf("%s bias grad and %v output gradient: %w", name, p, err)
		}
		if xType == p {
			dyW, dyWType = e.dy16, p
		}
		if wType == p {
			dyX, dyXType = e.dy16, p
		}
	} else if err := e.o.ColumnSums(r, dy, e.grad(name+".bias"), e.colWork, rows, out); err != nil {
		return fmt.Errorf("%s bias grad: %w", name, err)
	}
	dw := ops.GemmSpec{M: out, N: in, K: rows, Batch: 1, Alpha: 1, TransA: true, AType: dyWType, BType: xType}
	if err := e.o.Gemm(r, dw, dyW, x, e.grad(name+".weight"), nil, nil); err != nil {
		return fmt.Errorf("%s weight grad: %w", name, err)
	}
	if dx == nil {
		return nil
	}
	dxs := ops.GemmSpec{M: rows, N: in, K: out, Batch: 1, Alpha: 1, AType: dyXType, BType: wType}
	if err := e.o.Gemm(r, dxs, dyX, w, dx, nil, nil); err != nil {
		return fmt.Errorf("%s input grad: %w", name, err)
	}
	return nil
}

// blockDropPath is stochastic depth for one block: the per-sample scales
// of its attention and MLP branches ([n] each, ops.DropPath) and a [t, d]
// buffer for a branch's output (forward) or gradient (backward).
type blockDropPath struct {
	attn, mlp vk.Binding
	branch    *vk.Buffer
}

// blockForward records one pre-norm transformer block, with drop path on
// both branches when dp is not nil:
//
//	x2  = x + s_attn·proj(attn(norm1(x)))
//	out = x2 + s_mlp·fc2(gelu(fc1(norm2(x2))))
func (e blockEnv) blockForward(r *vk.Recording, sh stackShape, i int, b *blockActs, dp *blockDropPath) error {
	o, eps := e.o, e.eps
	p := fmt.Sprintf("%s.%d.", sh.prefix, i)
	if err := o.LayerNormTo(r, e.typeOf(b.h1), b.x, e.param(p+"norm1.weight"), e.param(p+"norm1.bias"), b.h1, b.mean1, b.rstd1, sh.t, sh.d, eps); err != nil {
		return err
	}
	if err := e.linear(r, p+"attn.qkv", b.h1, b.qkv, sh.t, sh.d, 3*sh.d, nil); err != nil {
		return err
	}
	if err := e.attention(r, sh, b); err != nil {
		return err
	}
	if err := e.residualBranch(r, p+"attn.proj", b.o, b.x, b.x2, sh, sh.d, dpScale(dp, false), dp); err != nil {
		return err
	}
	if err := o.LayerNormTo(r, e.typeOf(b.h2), b.x2, e.param(p+"norm2.weight"), e.param(p+"norm2.bias"), b.h2, b.mean2, b.rstd2, sh.t, sh.d, eps); err != nil {
		return err
	}
	if err := e.linear(r, p+"mlp.fc1", b.h2, b.u, sh.t, sh.d, sh.f, nil); err != nil {
		return err
	}
	if err := o.GeluTo(r, e.typeOf(b.u), e.typeOf(b.a), b.u, b.a, sh.t*sh.f); err != nil {
		return err
	}
	return e.residualBranch(r, p+"mlp.fc2", b.a, b.x2, b.out, sh, sh.f, dpScale(dp, true), dp)
}

func dpScale(dp *blockDropPath, mlp bool) vk.Binding {
	switch {
	case dp == nil:
		return nil
	case mlp:
		return dp.mlp
	}
	return dp.attn
}

// residualBranch records out = res + s·linear(x), the linear fused with the
// residual when there is no drop path (scale nil).
func (e blockEnv) residualBranch(r *vk.Recording, name string, x, res, out vk.Binding, sh stackShape, in int, scale vk.Binding, dp *blockDropPath) error {
	if scale == nil {
		return e.linear(r, name, x, out, sh.t, in, sh.d, res)
	}
	if err := e.linear(r, name, x, dp.branch, sh.t, in, sh.d, nil); err != nil {
		return err
	}
	return e.o.DropPath(r, res, dp.branch, scale, out, sh.n, sh.s*sh.d)
}

// branchGrad returns the gradient that reaches a residual branch's output
// from d out: dy itself, or s·dy (into dp.branch) with drop path.
func (e blockEnv) branchGrad(r *vk.Recording, dy vk.Binding, sh stackShape, scale vk.Binding, dp *blockDropPath) (vk.Binding, error) {
	if scale == nil {
		return dy, nil
	}
	return dp.branch, e.o.DropPathBackward(r, dy, scale, dp.branch, sh.n, sh.s*sh.d)
}

// blockBackward records the gradients of one block. sc.gx holds d out on
// entry and d x on return; every parameter gradient of the block is
// written.
func (e blockEnv) blockBackward(r *vk.Recording, sh stackShape, i int, b *blockActs, sc *blockScratch, dp *blockDropPath) error {
	o := e.o
	p := fmt.Sprintf("%s.%d.", sh.prefix, i)
	// MLP: out = x2 + s·fc2(gelu(fc1(h2))).
	dMLP, err := e.branchGrad(r, sc.gx, sh, dpScale(dp, true), dp)
	if err != nil {
		return err
	}
	if err := e.linearBackward(r, p+"mlp.fc2", b.a, dMLP, sc.da, sh.t, sh.f, sh.d); err != nil {
		return err
	}
	if err := o.GeluBackwardFrom(r, e.typeOf(b.u), b.u, sc.da, sc.du, sh.t*sh.f); err != nil {
		return err
	}
	if err := e.linearBackward(r, p+"mlp.fc1", b.h2, sc.du, sc.dh, sh.t, sh.d, sh.f); err != nil {
		return err
	}
	if err := o.LayerNormBackward(r, b.x2, e.param(p+"norm2.weight"), b.mean2, b.rstd2, sc.dh, sc.dln,
		e.grad(p+"norm2.weight"), e.grad(p+"norm2.bias"), e.lnWork, sh.t, sh.d); err != nil {
		return err
	}
	if err := o.Add(r, sc.gx, sc.dln, sc.gx2, sh.t*sh.d); err != nil {
		return err
	}
	// Attention: x2 = x + s·proj(attn(qkv(h1))).
	dAttn, err := e.branchGrad(r, sc.gx2, sh, dpScale(dp, false), dp)
	if err != nil {
		return err
	}
	if err := e.linearBackward(r, p+"attn.proj", b.o, dAttn, sc.dout, sh.t, sh.d, sh.d); err != nil {
		return err
	}
	if err := e.attentionBackward(r, sh, b, sc); err != nil {
		return err
	}
	if err := e.linearBackward(r, p+"attn.qkv", b.h1, sc.dqkv, sc.dh, sh.t, sh.d, 3*sh.d); err != nil {
		return err
	}
	if err := o.LayerNormBackward(r, b.x, e.param(p+"norm1.weight"), b.mean1, b.rstd1, sc.dh, sc.dln,
		e.grad(p+"norm1.weight"), e.grad(p+"norm1.bias"), e.lnWork, sh.t, sh.d); err != nil {
		return err
	}
	return o.Add(r, sc.gx2, sc.dln, sc.gx, sh.t*sh.d)
}
