package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// ReduceWorkFloats is how many float32s the work buffer of Mean holds: one
// partial sum per first-pass workgroup.
const ReduceWorkFloats = 256

// Mean records the mean of x [n] into out [1] (NaN for n = 0):
//
//	out[0] = (1/n) Σ_i x[i]
//
// Two passes, no atomics: up to ReduceWorkFloats workgroups each write the
// sum of their grid-stride share into work, then one workgroup adds those
// and scales by 1/n. The order of the additions depends only on n and the
// device, so the result is the same on every run. It panics on n < 0 or a
// binding that is too small (work must hold ReduceWorkFloats).
func (o *Ops) Mean(r *vk.Recording, x, out, work vk.Binding, n int) error {
	const op = "Mean"
	needReduction(op, "x", "out", x, out, work, n, 0, ReduceWorkFloats)
	first, nT := "reduce_sum", n
	if vec4Fits(n, x) {
		first, nT = vec4Name(first, true), n/4
	}
	groups := max(1, min(ceilDiv(nT, o.local), ReduceWorkFloats, o.maxGroups))
	push1 := vk.PushBytes(shaders.ReducePush{N: fitU32(op, nT)})
	k1, err := o.kernel(first, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	final, push2 := "reduce_sum_scale", vk.PushBytes(shaders.ReduceScalePush{N: uint32(groups), Scale: 1 / float32(n)})
	k2, err := o.kernel(final, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	r.Dispatch(k1, vk.Groups{groups, 1, 1}, push1, x, work)
	r.Dispatch(k2, vk.Groups{1, 1, 1}, push2, work, out)
	return nil
}

// needReduction checks the arguments of a two-pass reduction of x [n] into
// out [1] through work [workFloats]: it panics, as need does, unless
// n ≥ minN and every binding is large enough; xName and outName are the
// arguments' names in the message.
func needReduction(op, xName, outName string, x, out, work vk.Binding, n, minN, workFloats int) {
	if n < minN {
		panic(fmt.Sprintf("ops: %s: n = %d, want ≥ %d", op, n, minN))
	}
	need(op, xName, x, n)
	need(op, outName, out, 1)
	need(op, "work", work, workFloats)
}

// colBlocks is how ColumnSums splits rows: blocks of rowsPerBlock rows
// (at least 32, at most 64 blocks but for tall matrices), summed in order.
func colBlocks(rows int) (rowsPerBlock, blocks int) {
	rowsPerBlock = max(32, ceilDiv(rows, 64))
	return rowsPerBlock, ceilDiv(rows, rowsPerBlock)
}

// ColumnSumsWorkFloats is how many float32s the work buffer of ColumnSums
// holds for a rows × cols matrix: 0 when one pass suffices (rows ≤ 32),
// one partial row per block of rows otherwise.
func ColumnSumsWorkFloats(rows, cols int) int {
	if _, blocks := colBlocks(rows); blocks > 1 {
		return blocks * cols
	}
	return 0
}

// ColumnSums records the column sums of x, a rows × cols row-major matrix,
// into out [cols] (the gradient of a per-column bias, see BiasGradRef):
//
//	out[j] = Σ_i x[i,j]
//
// Each invocation owns a column (four with vec4 loads when cols % 4 == 0)
// and adds a block of rows in order into work; a second pass adds the
// blocks. No atomics: the result is the same on every run. work holds
// ColumnSumsWorkFloats(rows, cols) float32s (it may be nil when that is
// 0). It panics on rows or cols < 1 or a binding that is too small.
func (o *Ops) ColumnSums(r *vk.Recording, x, out, work vk.Binding, rows, cols int) error {
	return o.colSums(r, "ColumnSums", x, out, work, rows, cols, cols, 0, 0)
}

// StridedColumnSums is ColumnSums over a matrix view: row i of x starts at
// element xOff + i·ld, and the sums go to out[outOff : outOff+cols]:
//
//	out[outOff + j] = Σ_i x[xOff + i·ld + j]
//
// (e.g. the class-token gradient: row 0 of every sample of dy [N, 1+T, D]
// is rows = N, cols = D, ld = (1+T)·D, xOff = 0). work is as for
// ColumnSums. It panics on rows or cols < 1, ld < cols or a binding that is
// too small.
func (o *Ops) StridedColumnSums(r *vk.Recording, x, out, work vk.Binding, rows, cols, ld, xOff, outOff int) error {
	return o.colSums(r, "StridedColumnSums", x, out, work, rows, cols, ld, xOff, outOff)
}

// ColumnSumsCast is ColumnSums that also writes x, rows × cols fp32, to
// copy in the 16-bit format p (rounded as Cast rounds), reading x once:
// the bias gradient of a linear layer and the 16-bit output gradient its
// cooperative-matrix backward products read, in one pass. It panics as
// ColumnSums does, on a p that is not 16-bit, or a copy that is too small.
func (o *Ops) ColumnSumsCast(r *vk.Recording, p Precision, x, out, work, copy vk.Binding, rows, cols int) error {
	const op = "ColumnSumsCast"
	if !p.Half() {
		panic(fmt.Sprintf("ops: %s: precision %v is not 16-bit", op, p))
	}
	if rows >= 1 && cols >= 1 {
		needT(op, "copy", copy, rows*cols, p)
	}
	return o.colSumsCast(r, op, x, out, work, rows, cols, cols, 0, 0, colCast{p, copy})
}

// colCast is the 16-bit copy a column-sum pass over x also writes (p
// fp32: none).
type colCast struct {
	p    Precision
	copy vk.Binding
}

func (o *Ops) colSums(r *vk.Recording, op string, x, out, work vk.Binding, rows, cols, ld, xOff, outOff int) error {
	return o.colSumsCast(r, op, x, out, work, rows, cols, ld, xOff, outOff, colCast{})
}

// colSumsCast is colSums whose pass over x also writes cast's copy.
func (o *Ops) colSumsCast(r *vk.Recording, op string, x, out, work vk.Binding, rows, cols, ld, xOff, outOff int, cast colCast) error {
	if rows < 1 || cols < 1 || ld < cols || xOff < 0 || outOff < 0 {
		panic(fmt.Sprintf("ops: %s: rows, cols, ld, xOff, outOff = %d, %d, %d, %d, %d, want rows, cols ≥ 1, ld ≥ cols, offsets ≥ 0",
			op, rows, cols, ld, xOff, outOff))
	}
	need(op, "x", x, xOff+(rows-1)*ld+cols)
	need(op, "out", out, outOff+cols)
	fitU32(op, xOff+(rows-1)*ld+cols)
	fitU32(op, outOff+cols)
	rowsPerBlock, blocks := colBlocks(rows)
	vec := cols%4 == 0 && ld%4 == 0 && xOff%4 == 0 && outOff%4 == 0 && aligned16(x, out)
	if cast.p.Half() {
		vec = vec && byteOffset(cast.copy)%8 == 0
	}
	if blocks == 1 {
		return o.colPassCast(r, op, x, out, shaders.ReduceColsPush{Rows: uint32(rows), Cols: uint32(cols), Ld: uint32(ld), XOff: uint32(xOff), OutOff: uint32(outOff), RowsPerBlock: uint32(rows)}, vec, cast)
	}
	need(op, "work", work, blocks*cols)
	vec = vec && aligned16(work)
	err := o.colPassCast(r, op, x, work, shaders.ReduceColsPush{Rows: uint32(rows), Cols: uint32(cols), Ld: uint32(ld), XOff: uint32(xOff), OutOff: 0, RowsPerBlock: uint32(rowsPerBlock)}, vec, cast)
	if err != nil {
		return err
	}
	return o.colPass(r, op, work, out, shaders.ReduceColsPush{Rows: uint32(blocks), Cols: uint32(cols), Ld: uint32(cols), XOff: 0, OutOff: uint32(outOff), RowsPerBlock: uint32(blocks)}, vec)
}

// colPass records one reduce_cols dispatch; p counts floats, and is turned
// into vec4s when vec.
func (o *Ops) colPass(r *vk.Recording, op string, x, out vk.Binding, p shaders.ReduceColsPush, vec bool) error {
	return o.colPassCast(r, op, x, out, p, vec, colCast{})
}

// reduceColsName is the reduce_cols variant: vec4 or scalar columns,
// writing a copy of x in cast when it is 16-bit.
func reduceColsName(vec bool, cast Precision) string {
	name := vec4Name("reduce_cols", vec)
	if cast.Half() {
		name += "_cast_" + cast.String()
	}
	return name
}

// colPassCast is colPass writing cast's copy of x too (when cast.p is
// 16-bit).
func (o *Ops) colPassCast(r *vk.Recording, op string, x, out vk.Binding, p shaders.ReduceColsPush, vec bool, cast colCast) error {
	name := reduceColsName(vec, cast.p)
	if vec {
		p.Cols, p.Ld, p.XOff, p.OutOff = p.Cols/4, p.Ld/4, p.XOff/4, p.OutOff/4
	}
	bindings := []vk.Binding{x, out}
	if cast.p.Half() {
		bindings = append(bindings, cast.copy)
	}
	push := vk.PushBytes(p)
	k, err := o.kernel(name, uint32(o.local))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	blocks := ceilDiv(int(p.Rows), int(p.RowsPerBlock))
	r.Dispatch(k, vk.Groups{min(ceilDiv(int(p.Cols), o.local), o.maxGroups), min(blocks, o.maxGroups), 1}, push, bindings...)
	return nil
}

// byteOffset is where binding b starts in its buffer.
func byteOffset(b vk.Binding) int {
	if s, ok := b.(vk.Span); ok {
		return s.Offset
	}
	return 0
}

// aligned16 reports whether every binding starts on a 16-byte boundary, so
// that a kernel may read it as vec4.
func aligned16(bs ...vk.Binding) bool {
	for _, b := range bs {
		if byteOffset(b)%16 != 0 {
			return false
		}
	}
	return true
}

// vec4Fits reports whether a 1-D kernel over n floats may use its _vec4
// variant on bindings bs.
func vec4Fits(n int, bs ...vk.Binding) bool {
	return n%4 == 0 && aligned16(bs...)
}
