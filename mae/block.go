package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// linear records y = x·Wᵀ + b for x [rows, in] and the Linear named name
// (weight [out, in]), with the fused epilogue of s (GELU, residual).
func (m *Model) linear(r *vk.Recording, name string, x, y vk.Binding, rows, in, out int, residual vk.Binding) error {
	w, wType := m.weight(name + ".weight")
	s := ops.GemmSpec{M: rows, N: out, K: in, Batch: 1, Alpha: 1, TransB: true, Bias: true, Residual: residual != nil,
		AType: m.typeOf(x), BType: wType, CType: m.typeOf(y)}
	if err := m.o.Gemm(r, s, x, w, y, m.param(name+".bias"), residual); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// linearBackward records, for y = x·Wᵀ + b with dy [rows, out]:
//
//	dW = dyᵀ·x,  db = Σ_rows dy,  dx = dy·W   (dx skipped when nil)
func (m *Model) linearBackward(r *vk.Recording, name string, x, dy, dx vk.Binding, rows, in, out int) error {
	dw := ops.GemmSpec{M: out, N: in, K: rows, Batch: 1, Alpha: 1, TransA: true, BType: m.typeOf(x)}
	if err := m.o.Gemm(r, dw, dy, x, m.grad(name+".weight"), nil, nil); err != nil {
		return fmt.Errorf("%s weight grad: %w", name, err)
	}
	if err := m.o.ColumnSums(r, dy, m.grad(name+".bias"), m.acts.colWork, rows, out); err != nil {
		return fmt.Errorf("%s bias grad: %w", name, err)
	}
	if dx == nil {
		return nil
	}
	w, wType := m.weight(name + ".weight")
	dxs := ops.GemmSpec{M: rows, N: in, K: out, Batch: 1, Alpha: 1, BType: wType}
	if err := m.o.Gemm(r, dxs, dy, w, dx, nil, nil); err != nil {
		return fmt.Errorf("%s input grad: %w", name, err)
	}
	return nil
}

// blockForward records one pre-norm transformer block:
//
//	x2  = x + proj(attn(norm1(x)))
//	out = x2 + fc2(gelu(fc1(norm2(x2))))
func (m *Model) blockForward(r *vk.Recording, sh stackShape, i int, b *blockActs) error {
	o, eps := m.o, float32(m.Cfg.LNEps)
	p := fmt.Sprintf("%s.%d.", sh.prefix, i)
	if err := o.LayerNormTo(r, m.typeOf(b.h1), b.x, m.param(p+"norm1.weight"), m.param(p+"norm1.bias"), b.h1, b.mean1, b.rstd1, sh.t, sh.d, eps); err != nil {
		return err
	}
	if err := m.linear(r, p+"attn.qkv", b.h1, b.qkv, sh.t, sh.d, 3*sh.d, nil); err != nil {
		return err
	}
	if err := o.Attention(r, b.qkv, b.o, b.lse, sh.n, sh.s, sh.h, sh.d/sh.h); err != nil {
		return err
	}
	if err := m.linear(r, p+"attn.proj", b.o, b.x2, sh.t, sh.d, sh.d, b.x); err != nil {
		return err
	}
	if err := o.LayerNormTo(r, m.typeOf(b.h2), b.x2, m.param(p+"norm2.weight"), m.param(p+"norm2.bias"), b.h2, b.mean2, b.rstd2, sh.t, sh.d, eps); err != nil {
		return err
	}
	if err := m.linear(r, p+"mlp.fc1", b.h2, b.u, sh.t, sh.d, sh.f, nil); err != nil {
		return err
	}
	if err := o.GeluTo(r, m.typeOf(b.u), m.typeOf(b.a), b.u, b.a, sh.t*sh.f); err != nil {
		return err
	}
	return m.linear(r, p+"mlp.fc2", b.a, b.out, sh.t, sh.f, sh.d, b.x2)
}

// blockBackward records the gradients of one block. sc.gx holds d out on
// entry and d x on return; every parameter gradient of the block is
// written.
func (m *Model) blockBackward(r *vk.Recording, sh stackShape, i int, b *blockActs, sc *blockScratch) error {
	o := m.o
	p := fmt.Sprintf("%s.%d.", sh.prefix, i)
	// MLP: out = x2 + fc2(gelu(fc1(h2))).
	if err := m.linearBackward(r, p+"mlp.fc2", b.a, sc.gx, sc.da, sh.t, sh.f, sh.d); err != nil {
		return err
	}
	if err := o.GeluBackwardFrom(r, m.typeOf(b.u), b.u, sc.da, sc.du, sh.t*sh.f); err != nil {
		return err
	}
	if err := m.linearBackward(r, p+"mlp.fc1", b.h2, sc.du, sc.dh, sh.t, sh.d, sh.f); err != nil {
		return err
	}
	if err := o.LayerNormBackward(r, b.x2, m.param(p+"norm2.weight"), b.mean2, b.rstd2, sc.dh, sc.dln,
		m.grad(p+"norm2.weight"), m.grad(p+"norm2.bias"), m.acts.lnWork, sh.t, sh.d); err != nil {
		return err
	}
	if err := o.Add(r, sc.gx, sc.dln, sc.gx2, sh.t*sh.d); err != nil {
		return err
	}
	// Attention: x2 = x + proj(attn(qkv(h1))).
	if err := m.linearBackward(r, p+"attn.proj", b.o, sc.gx2, sc.dout, sh.t, sh.d, sh.d); err != nil {
		return err
	}
	if err := o.AttentionBackward(r, b.qkv, b.o, sc.dout, b.lse, sc.delta, sc.dqkv, sh.n, sh.s, sh.h, sh.d/sh.h); err != nil {
		return err
	}
	if err := m.linearBackward(r, p+"attn.qkv", b.h1, sc.dqkv, sc.dh, sh.t, sh.d, 3*sh.d); err != nil {
		return err
	}
	if err := o.LayerNormBackward(r, b.x, m.param(p+"norm1.weight"), b.mean1, b.rstd1, sc.dh, sc.dln,
		m.grad(p+"norm1.weight"), m.grad(p+"norm1.bias"), m.acts.lnWork, sh.t, sh.d); err != nil {
		return err
	}
	return o.Add(r, sc.gx2, sc.dln, sc.gx, sh.t*sh.d)
}
