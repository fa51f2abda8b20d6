package mae

import (
	"fmt"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// allocStack allocates, through mk, the activations of every block of a
// stack (each block's input is the previous block's out) and the backward
// scratch the blocks share. mkAct allocates the GEMM inputs kept for the
// backward pass (h1, the attention's qkv and output, h2, the MLP
// pre-activation and activation), which a model may store in its compute
// precision (precision.go); the attention kernels take qkv and its output
// in one precision, so both go through mkAct.
func allocStack(sh stackShape, mk, mkAct func(dst **vk.Buffer, name string, n int)) ([]blockActs, blockScratch) {
	blocks := make([]blockActs, sh.depth)
	var prev *vk.Buffer
	mk(&prev, sh.prefix+" input", sh.t*sh.d)
	for i := range blocks {
		b := &blocks[i]
		b.x = prev
		mkAct(&b.h1, "h1", sh.t*sh.d)
		mk(&b.mean1, "mean1", sh.t)
		mk(&b.rstd1, "rstd1", sh.t)
		mkAct(&b.qkv, "qkv", sh.t*3*sh.d)
		mkAct(&b.o, "attn out", sh.t*sh.d)
		mk(&b.lse, "lse", sh.n*sh.h*sh.s)
		mk(&b.x2, "x2", sh.t*sh.d)
		mkAct(&b.h2, "h2", sh.t*sh.d)
		mk(&b.mean2, "mean2", sh.t)
		mk(&b.rstd2, "rstd2", sh.t)
		mkAct(&b.u, "mlp pre-act", sh.t*sh.f)
		mkAct(&b.a, "mlp act", sh.t*sh.f)
		mk(&b.out, "block out", sh.t*sh.d)
		prev = b.out
	}
	var sc blockScratch
	mk(&sc.gx, "grad x", sh.t*sh.d)
	mk(&sc.gx2, "grad x2", sh.t*sh.d)
	mk(&sc.dh, "grad h", sh.t*sh.d)
	mk(&sc.dln, "grad ln", sh.t*sh.d)
	mk(&sc.dout, "grad attn out", sh.t*sh.d)
	mk(&sc.da, "grad act", sh.t*sh.f)
	mk(&sc.du, "grad pre-act", sh.t*sh.f)
	mk(&sc.dqkv, "grad qkv", sh.t*3*sh.d)
	mk(&sc.delta, "attn delta", sh.n*sh.h*sh.s)
	return blocks, sc
}

// StackShape is the geometry of a transformer stack: Depth pre-norm blocks
// named Prefix.<i>.* (timm's Block, as the reference builds it) over N
// sequences of Tokens tokens of width Dim.
type StackShape struct {
	Prefix          string // "blocks" for the encoder
	N, Tokens       int
	Dim, Heads, MLP int // MLP is the hidden width
	Depth           int
	LNEps           float64
}

// Stack is a transformer stack on the device, the blocks the MAE encoder
// uses, for models other than the MAE (the fine-tuning classifier). It
// owns the activations and scratch; the parameters and their gradients
// live wherever param and grad say.
type Stack struct {
	env    blockEnv
	sh     stackShape
	blocks []blockActs
	sc     blockScratch
	dp     []blockDropPath // nil: no drop path
	owned  []*vk.Buffer
}

// NewStack allocates a stack of shape s whose parameter and gradient
// tensors (Prefix.<i>.norm1.weight, …) are found by name through param
// and grad.
func NewStack(o *ops.Ops, s StackShape, param, grad func(name string) vk.Span) (*Stack, error) {
	if s.N < 1 || s.Tokens < 1 || s.Dim < 1 || s.Heads < 1 || s.Dim%s.Heads != 0 || s.MLP < 1 || s.Depth < 1 {
		return nil, fmt.Errorf("mae: stack shape %+v: sizes must be positive and Dim a multiple of Heads", s)
	}
	st := &Stack{sh: stackShape{s.Prefix, s.N, s.Tokens, s.N * s.Tokens, s.Dim, s.Heads, s.MLP, s.Depth}}
	var err error
	mk := func(dst **vk.Buffer, name string, n int) {
		if err != nil {
			return
		}
		var b *vk.Buffer
		if b, err = o.Device().NewBuffer(name, 4*max(n, 1)); err == nil {
			*dst = b
			st.owned = append(st.owned, b)
		}
	}
	st.blocks, st.sc = allocStack(st.sh, mk, mk)
	sh := st.sh
	cw := 0
	for _, cols := range []int{3 * sh.d, sh.f, sh.d} {
		cw = max(cw, ops.ColumnSumsWorkFloats(sh.t, cols))
	}
	var lnWork, colWork *vk.Buffer
	mk(&lnWork, "layernorm work", ops.LayerNormBackwardWorkFloats(sh.t, sh.d))
	mk(&colWork, "column-sum work", cw)
	if err != nil {
		st.Release()
		return nil, fmt.Errorf("mae: %w", err)
	}
	st.env = blockEnv{o: o, param: param, grad: grad, eps: float32(s.LNEps), lnWork: lnWork, colWork: colWork}
	return st, nil
}

// SetDropPath turns on stochastic depth: scales holds 2·Depth·N floats,
// for block i the attention branch's per-sample scales at [2i·N, (2i+1)·N)
// and the MLP branch's at [(2i+1)·N, (2i+2)·N) (see ops.DropPathScales;
// the host writes them before each step). It must be called before the
// stack is recorded. Every scale span must start at a multiple of the
// device's storage-buffer offset alignment, so scales is bound per block
// through spans of a buffer with ScaleStride floats per branch.
func (st *Stack) SetDropPath(scales *vk.Buffer) error {
	stride := ScaleStride(st.sh.n)
	if scales.Size() < 4*stride*2*st.sh.depth {
		return fmt.Errorf("mae: drop-path scales hold %d bytes, need %d", scales.Size(), 4*stride*2*st.sh.depth)
	}
	var branch *vk.Buffer
	b, err := st.env.o.Device().NewBuffer("drop-path branch", 4*st.sh.t*st.sh.d)
	if err != nil {
		return fmt.Errorf("mae: %w", err)
	}
	st.owned = append(st.owned, b)
	branch = b
	st.dp = make([]blockDropPath, st.sh.depth)
	for i := range st.dp {
		st.dp[i] = blockDropPath{
			attn:   scales.Span(4*stride*2*i, 4*st.sh.n),
			mlp:    scales.Span(4*stride*(2*i+1), 4*st.sh.n),
			branch: branch,
		}
	}
	return nil
}

// ScaleStride is the number of floats between two branches' drop-path
// scales in SetDropPath's buffer for n samples: n rounded up to ParamAlign
// (256 bytes), so that every span is aligned.
func ScaleStride(n int) int { return alignUp(n, ParamAlign) }

// Input is the stack's input [N·Tokens, Dim], written by the caller before
// RecordForward's work in the same recording.
func (st *Stack) Input() *vk.Buffer { return st.blocks[0].x }

// Output is the last block's output [N·Tokens, Dim].
func (st *Stack) Output() *vk.Buffer { return st.blocks[len(st.blocks)-1].out }

// Grad holds d loss/d Output when RecordBackward starts and d loss/d Input
// when it ends.
func (st *Stack) Grad() *vk.Buffer { return st.sc.gx }

// RecordForward records every block's forward pass.
func (st *Stack) RecordForward(r *vk.Recording) error {
	for i := range st.blocks {
		if err := st.env.blockForward(r, st.sh, i, &st.blocks[i], st.dropPath(i)); err != nil {
			return fmt.Errorf("%s forward: %w", st.sh.prefix, err)
		}
	}
	return nil
}

// RecordBackward records every block's backward pass, writing each block
// parameter's gradient.
func (st *Stack) RecordBackward(r *vk.Recording) error {
	for i := len(st.blocks) - 1; i >= 0; i-- {
		if err := st.env.blockBackward(r, st.sh, i, &st.blocks[i], &st.sc, st.dropPath(i)); err != nil {
			return fmt.Errorf("%s backward: %w", st.sh.prefix, err)
		}
	}
	return nil
}

// RecordLinear records the named linear layer (name.weight [out, in],
// name.bias) over rows rows of x into y, as the stack's blocks do.
func (st *Stack) RecordLinear(r *vk.Recording, name string, x, y vk.Binding, rows, in, out int) error {
	return st.env.linear(r, name, x, y, rows, in, out, nil)
}

// RecordLinearBackward records the named linear layer's weight and bias
// gradients and, when dx is not nil, its input gradient.
func (st *Stack) RecordLinearBackward(r *vk.Recording, name string, x, dy, dx vk.Binding, rows, in, out int) error {
	return st.env.linearBackward(r, name, x, dy, dx, rows, in, out)
}

func (st *Stack) dropPath(i int) *blockDropPath {
	if st.dp == nil {
		return nil
	}
	return &st.dp[i]
}

// Release frees the stack's buffers. The device must be done with them.
func (st *Stack) Release() {
	for _, b := range st.owned {
		b.Release()
	}
	st.owned = nil
}
