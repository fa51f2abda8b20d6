package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Push-constant blocks of shaders/elementwise.comp, one per define. Sizes,
// strides and offsets count vec4s in the _vec4 variants.

// Add records the element-wise sum of x and y [n] into z [n] (z may be x or
// y, for an in-place add; see AddRef):
//
//	z[i] = x[i] + y[i]
//
// It panics on n < 0 or a binding that is too small.
func (o *Ops) Add(r *vk.Recording, x, y, z vk.Binding, n int) error {
	const op = "Add"
	checkN(op, n)
	need(op, "x", x, n)
	need(op, "y", y, n)
	need(op, "z", z, n)
	return o.map1D(r, op, "elementwise_add", n, vec4Fits(n, x, y, z),
		func(nT uint32) []byte { return vk.PushBytes(shaders.ElementwisePush{N: nT}) }, x, y, z)
}

// Scale records x [n] scaled by alpha into y [n] (y may be x; see ScaleRef):
//
//	y[i] = alpha · x[i]
//
// It panics on n < 0 or a binding that is too small.
func (o *Ops) Scale(r *vk.Recording, x, y vk.Binding, n int, alpha float32) error {
	const op = "Scale"
	checkN(op, n)
	need(op, "x", x, n)
	need(op, "y", y, n)
	return o.map1D(r, op, "elementwise_scale", n, vec4Fits(n, x, y),
		func(nT uint32) []byte { return vk.PushBytes(shaders.ElementwiseScalePush{N: nT, Alpha: alpha}) }, x, y)
}

// map1D records a 1-D element-wise kernel (its _vec4 variant when vec) over
// n floats; push makes the push constants from the count in kernel units.
func (o *Ops) map1D(r *vk.Recording, op, name string, n int, vec bool,
	push func(nT uint32) []byte, bindings ...vk.Binding) error {
	return o.map1DSuffix(r, op, name, "", n, vec, push, bindings...)
}

// map1DSuffix is map1D with suffix appended to the variant name after
// "_vec4" (the 16-bit variants: "_y16_bf16", see halfSuffix).
func (o *Ops) map1DSuffix(r *vk.Recording, op, name, suffix string, n int, vec bool,
	push func(nT uint32) []byte, bindings ...vk.Binding) error {
	if n == 0 {
		return nil
	}
	nT := n
	if vec {
		nT /= 4
	}
	name = vec4Name(name, vec) + suffix
	pb := push(fitU32(op, nT))
	k, err := o.kernel(name, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, o.groups1D(nT), pb, bindings...)
	return nil
}

// BroadcastAdd records x [B, L, D] plus the table rows starting at element
// tableOff of table, broadcast over the batch, into y [B, L, D] (y may be
// x; see BroadcastAddRef, whose table is table[tableOff:]):
//
//	y[b,l,d] = x[b,l,d] + table[tableOff + l·D + d]
//
// The positional embedding of the patch tokens is tableOff = D (rows 1..L
// of pos_embed [1+L, D], row 0 belonging to the class token); the decoder's
// is tableOff = 0. It panics on a negative dimension or offset or a binding
// that is too small.
func (o *Ops) BroadcastAdd(r *vk.Recording, x, table, y vk.Binding, b, l, d, tableOff int) error {
	const op = "BroadcastAdd"
	if b < 0 || l < 0 || d < 0 || tableOff < 0 {
		panic(fmt.Sprintf("ops: %s: B, L, D, tableOff = %d, %d, %d, %d, want ≥ 0", op, b, l, d, tableOff))
	}
	period, n := l*d, b*l*d
	need(op, "x", x, n)
	need(op, "table", table, tableOff+period)
	need(op, "y", y, n)
	if n == 0 {
		return nil
	}
	fitU32(op, n)
	fitU32(op, tableOff+period)
	name := "elementwise_bcast_add"
	p := shaders.ElementwiseBcastPush{Period: uint32(period), Batch: uint32(b), TableOff: uint32(tableOff)}
	if period%4 == 0 && tableOff%4 == 0 && aligned16(x, table, y) {
		name = vec4Name(name, true)
		p.Period, p.TableOff = p.Period/4, p.TableOff/4
	}
	push := vk.PushBytes(p)
	k, err := o.kernel(name, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, vk.Groups{min(ceilDiv(int(p.Period), o.local), o.maxGroups), min(b, o.maxGroups), 1}, push, x, table, y)
	return nil
}

// CopyRows records a strided copy of rows × cols floats:
//
//	dst[dstOff + i·dstStride + j] = src[srcOff + i·srcStride + j]   (i < rows, j < cols)
//
// srcStride may be 0 to repeat one source row. MAE uses it to put the class
// token in front of the visible tokens (cat along dim 1), to drop it again
// and, with the gradient, to split it off:
//
//	row 0 of each sample:  CopyRows(cls, x, N, D, 0, 0, (1+Lk)·D, 0)
//	rows 1..Lk:            CopyRows(vis, x, N, Lk·D, Lk·D, 0, (1+Lk)·D, D)
//
// Rows of dst must not overlap each other or src. It panics on a negative
// size, stride or offset, or a binding that is too small.
func (o *Ops) CopyRows(r *vk.Recording, src, dst vk.Binding, rows, cols, srcStride, srcOff, dstStride, dstOff int) error {
	const op = "CopyRows"
	if rows < 0 || cols < 0 || srcStride < 0 || srcOff < 0 || dstStride < 0 || dstOff < 0 {
		panic(fmt.Sprintf("ops: %s: rows, cols, strides and offsets must be ≥ 0, got %d, %d, %d, %d, %d, %d",
			op, rows, cols, srcStride, srcOff, dstStride, dstOff))
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	srcEnd, dstEnd := srcOff+(rows-1)*srcStride+cols, dstOff+(rows-1)*dstStride+cols
	need(op, "src", src, srcEnd)
	need(op, "dst", dst, dstEnd)
	fitU32(op, srcEnd)
	fitU32(op, dstEnd)
	name := "elementwise_copy_rows"
	p := shaders.ElementwiseCopyRowsPush{Rows: uint32(rows), Cols: uint32(cols), SrcStride: uint32(srcStride), SrcOff: uint32(srcOff), DstStride: uint32(dstStride), DstOff: uint32(dstOff)}
	if (cols|srcStride|srcOff|dstStride|dstOff)%4 == 0 && aligned16(src, dst) {
		name = vec4Name(name, true)
		p.Cols, p.SrcStride, p.SrcOff, p.DstStride, p.DstOff = p.Cols/4, p.SrcStride/4, p.SrcOff/4, p.DstStride/4, p.DstOff/4
	}
	push := vk.PushBytes(p)
	k, err := o.kernel(name, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k, vk.Groups{min(ceilDiv(int(p.Cols), o.local), o.maxGroups), min(rows, o.maxGroups), 1}, push, src, dst)
	return nil
}

// checkN panics on a negative element count.
func checkN(op string, n int) {
	if n < 0 {
		panic(fmt.Sprintf("ops: %s: n = %d, want ≥ 0", op, n))
	}
}

// vec4Name is the _vec4 variant of name when vec, else name.
func vec4Name(name string, vec bool) string {
	if vec {
		return name + "_vec4"
	}
	return name
}
