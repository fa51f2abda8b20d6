package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// lnCache is CACHE in layernorm.comp: the row elements (float or vec4) each
// invocation keeps in registers.
const lnCache = 4

// lnShape is the launch shape of the LN_FWD and LN_BWD kernels for rows of
// dim floats. A row is split over tpr invocations (a power of two): enough
// that their tpr·lnCache registers hold the row, but no more than a
// subgroup when the device has subgroup shuffles (so that the row sums need
// no barriers; the CPU drivers' subgroups are 4 and 8 lanes, and they
// re-read the rest of long rows). A workgroup of
// local invocations (a power of two, 64 where the device allows, at most
// 256) handles local/tpr rows at a time.
type lnShape struct {
	vec, subgroup bool
	dimT          int
	tpr           int
	local, groups int
}

// lnShape picks the launch shape; bs are the row-shaped bindings, which
// must all start on 16 bytes for vec4 loads.
func (o *Ops) lnShape(rows, dim int, bs ...vk.Binding) lnShape {
	info := o.d.Info
	s := lnShape{vec: vec4Fits(dim, bs...), dimT: dim, subgroup: info.SubgroupShuffle && info.SubgroupSize >= 1}
	if s.vec {
		s.dimT = dim / 4
	}
	maxLocal := 1
	for maxLocal*2 <= min(256, info.MaxInvocations) {
		maxLocal *= 2
	}
	s.tpr = 1
	for s.tpr*lnCache < s.dimT && s.tpr < maxLocal && !(s.subgroup && s.tpr*2 > info.SubgroupSize) {
		s.tpr *= 2
	}
	if lnShapeOverride != nil {
		lnShapeOverride(&s)
	}
	s.local = min(max(s.tpr, 64), maxLocal)
	s.groups = min(ceilDiv(rows, s.local/s.tpr), o.maxGroups)
	return s
}

// lnShapeOverride, when set (by tests), may change the subgroup and tpr
// choices of lnShape.
var lnShapeOverride func(s *lnShape)

// lnKernel returns the variant of base (layernorm_fwd or layernorm_bwd) for s.
// A 16-bit yType selects the _y16 variant (layernorm_fwd only).
func (o *Ops) lnKernel(base string, s lnShape, yType Precision) (*vk.Kernel, error) {
	return o.kernel(lnName(base, s.subgroup, s.vec)+halfSuffix("y16", yType), uint32(s.local), uint32(s.tpr))
}

// lnName is the variant of base (layernorm_fwd or layernorm_bwd) using
// subgroup shuffles or not, reading vec4s or floats.
func lnName(base string, subgroup, vec bool) string {
	if subgroup {
		base += "_sg"
	}
	return vec4Name(base, vec)
}

// LayerNorm records LayerNorm over the last dimension of x [rows, dim] into
// y [rows, dim], with PyTorch semantics (biased variance; see
// LayerNormRef), saving mean [rows] and rstd [rows] for the backward pass:
//
//	mean_r = (1/dim) Σ_j x[r,j]
//	var_r  = (1/dim) Σ_j (x[r,j] − mean_r)²
//	rstd_r = 1/√(var_r + eps)
//	y[r,j] = (x[r,j] − mean_r) · rstd_r · gamma[j] + beta[j]
//
// eps is DefaultLNEps in MAE. Each row is normalized by a group of
// invocations that reads it once into registers (4 floats or vec4s each;
// the rest of a longer row is re-read) and sums in a fixed order (a
// subgroup shuffle butterfly or a shared-memory tree): two passes over the
// row, deterministic. y must not overlap x. It panics on rows or dim < 1
// or a binding that is too small.
func (o *Ops) LayerNorm(r *vk.Recording, x, gamma, beta, y, mean, rstd vk.Binding, rows, dim int, eps float32) error {
	return o.LayerNormTo(r, FP32, x, gamma, beta, y, mean, rstd, rows, dim, eps)
}

// LayerNormTo is LayerNorm with y stored in precision yType (the
// statistics and the arithmetic stay fp32; a 16-bit y is rounded to
// nearest even once, at the store).
func (o *Ops) LayerNormTo(r *vk.Recording, yType Precision, x, gamma, beta, y, mean, rstd vk.Binding, rows, dim int, eps float32) error {
	const op = "LayerNorm"
	checkRowsDim(op, rows, dim)
	need(op, "x", x, rows*dim)
	need(op, "gamma", gamma, dim)
	need(op, "beta", beta, dim)
	needT(op, "y", y, rows*dim, yType)
	need(op, "mean", mean, rows)
	need(op, "rstd", rstd, rows)
	fitU32(op, rows*dim)
	s := o.lnShape(rows, dim, x, gamma, beta, y)
	push := vk.PushBytes(shaders.LayerNormPush{Rows: uint32(rows), Dim: uint32(dim), DimT: uint32(s.dimT), Eps: eps})
	k, err := o.lnKernel("layernorm_fwd", s, yType)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, vk.Groups{s.groups, 1, 1}, push, x, gamma, beta, y, mean, rstd)
	return nil
}

// LayerNormBackwardWorkFloats is how many float32s the work buffer of
// LayerNormBackward holds for rows of dim floats: the partial dgamma and
// dbeta of every block of rows.
func LayerNormBackwardWorkFloats(rows, dim int) int {
	_, blocks := colBlocks(rows)
	return 2 * blocks * dim
}

// LayerNormBackward records the gradients of LayerNorm given dy [rows, dim]
// and the saved mean and rstd (see LayerNormBackwardRef). With
// x̂ = (x − mean)·rstd and g = dy·gamma, per row:
//
//	dx[j]     = rstd · (g[j] − mean_k g[k] − x̂[j] · mean_k(g[k]·x̂[k]))
//	dgamma[j] = Σ_r dy[r,j] · x̂[r,j]
//	dbeta[j]  = Σ_r dy[r,j]
//
// dx [rows, dim] is computed row by row as LayerNorm's forward; dgamma and
// dbeta [dim] (written, not accumulated) are column sums without atomics:
// partial sums over blocks of rows into work, then a second pass over the
// blocks, so they are the same on every run. work holds
// LayerNormBackwardWorkFloats(rows, dim) float32s. dx must not overlap x or
// dy. It panics on rows or dim < 1 or a binding that is too small.
func (o *Ops) LayerNormBackward(r *vk.Recording, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, work vk.Binding, rows, dim int) error {
	const op = "LayerNormBackward"
	checkRowsDim(op, rows, dim)
	need(op, "x", x, rows*dim)
	need(op, "gamma", gamma, dim)
	need(op, "mean", mean, rows)
	need(op, "rstd", rstd, rows)
	need(op, "dy", dy, rows*dim)
	need(op, "dx", dx, rows*dim)
	need(op, "dgamma", dgamma, dim)
	need(op, "dbeta", dbeta, dim)
	need(op, "work", work, LayerNormBackwardWorkFloats(rows, dim))
	fitU32(op, rows*dim)
	fitU32(op, LayerNormBackwardWorkFloats(rows, dim))

	s := o.lnShape(rows, dim, x, gamma, dy, dx)
	push := vk.PushBytes(shaders.LayerNormBackwardPush{Rows: uint32(rows), Dim: uint32(dim), DimT: uint32(s.dimT)})
	k, err := o.lnKernel("layernorm_bwd", s, FP32)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, vk.Groups{s.groups, 1, 1}, push, x, gamma, mean, rstd, dy, dx)

	rowsPerBlock, blocks := colBlocks(rows)
	vec := vec4Fits(dim, x, dy, work)
	dimT := dim
	if vec {
		dimT = dim / 4
	}
	name := "layernorm_bwd_params"
	if vec {
		name = vec4Name(name, true)
	}
	ppush := vk.PushBytes(shaders.LayerNormParamsPush{Rows: uint32(rows), DimT: uint32(dimT), RowsPerBlock: uint32(rowsPerBlock), BetaOff: uint32(blocks * dimT)})
	kp, err := o.kernel(name, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(kp, vk.Groups{min(ceilDiv(dimT, o.local), o.maxGroups), min(blocks, o.maxGroups), 1}, ppush, x, mean, rstd, dy, work)

	// Add up the blocks: work holds dgamma partials [blocks, dim], then dbeta's.
	vec = vec && aligned16(dgamma, dbeta)
	for i, out := range []vk.Binding{dgamma, dbeta} {
		p := shaders.ReduceColsPush{Rows: uint32(blocks), Cols: uint32(dim), Ld: uint32(dim), XOff: uint32(i * blocks * dim), OutOff: 0, RowsPerBlock: uint32(blocks)}
		if err := o.colPass(r, op, work, out, p, vec); err != nil {
			return err
		}
	}
	return nil
}

func checkRowsDim(op string, rows, dim int) {
	if rows < 1 || dim < 1 {
		panic(fmt.Sprintf("ops: %s: rows, dim = %d, %d, want ≥ 1", op, rows, dim))
	}
}
