package ops

import (
	"fmt"
	"math"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Fused multi-head self-attention (flash-attention style): the L×L scores
// never reach device memory. Two kernel families compute the same thing:
//
//   - "cpu" (attention_*_cpu.comp): each invocation owns a few query (or key)
//     rows with their accumulators in registers and streams K and V with
//     vec4 loads; workgroup = one subgroup, no shared memory. Shaped for
//     lavapipe and SwiftShader (VULKAN-NOTES).
//   - "gpu" (attention_*_gpu.comp): a workgroup owns a block of rows and
//     stages tiles of K and V (or Q and dO) in shared memory, reused by the
//     whole block.
//
// The head dimension is a specialization constant, so register and shared
// arrays are sized when the pipeline is made.

// AttentionConfig is the per-device choice of attention kernels.
type AttentionConfig struct {
	// Family is "cpu" or "gpu" (see above).
	Family string `json:"family"`
	// Texel makes the cpu family read its inputs through RGBA32F texel
	// buffers (a branch-free gather on llvmpipe, where a storage load is a
	// loop over the lanes) wherever they fit the device's texel limit.
	Texel bool `json:"texel,omitempty"`
}

func (c AttentionConfig) String() string {
	if c.Texel {
		return c.Family + ", texel"
	}
	return c.Family
}

// DefaultAttentionConfig picks the CPU-shaped family on CPU drivers, with
// texel loads where the device allows large texel buffers (lavapipe, not
// SwiftShader), and the GPU-shaped family elsewhere.
func DefaultAttentionConfig(info vk.DeviceInfo) AttentionConfig {
	if info.Type == vk.TypeCPU {
		return AttentionConfig{Family: "cpu", Texel: info.MaxTexelElements >= 1<<20}
	}
	return AttentionConfig{Family: "gpu"}
}

// AttentionConfig returns the configuration in use.
func (o *Ops) AttentionConfig() AttentionConfig { return o.attn }

// SetAttentionConfig replaces the configuration; the zero value restores
// the device's default.
func (o *Ops) SetAttentionConfig(c AttentionConfig) error {
	switch c.Family {
	case "":
		o.attn = DefaultAttentionConfig(o.d.Info)
	case "cpu", "gpu":
		if c.Texel && c.Family != "cpu" {
			return fmt.Errorf("ops: attention config %v: texel loads are for the cpu family", c)
		}
		o.attn = c
	default:
		return fmt.Errorf("ops: attention family %q: want cpu or gpu", c.Family)
	}
	return nil
}

// attnMaxBatchGroups caps the z dimension of the grid (one workgroup layer
// per sample); the kernels loop over the samples beyond it. A variable so
// that a test can exercise the loop with a small batch.
var attnMaxBatchGroups = 65535

// attnPass is one of the three attention kernels.
type attnPass int

const (
	attnForward attnPass = iota // O, lse
	attnDQ                      // dQ and D (backward, owns query rows)
	attnDKV                     // dK, dV (backward, owns key rows)
)

var attnPassNames = [...]string{"fwd", "bwd_dq", "bwd_dkv"}

// attnName is the shader variant of pass in family ("cpu" or "gpu"),
// texel for the cpu family's variant reading its vec4 inputs as texel
// buffers.
func attnName(pass attnPass, family string, texel bool) string {
	name := "attention_" + attnPassNames[pass] + "_" + family
	if texel {
		name += "_texel"
	}
	return name
}

// attnHalfOperands names the 16-bit operands of pass's 16-bit variants:
// qkv, and O where the pass reads or writes it (not the dkv pass).
func attnHalfOperands(pass attnPass) string {
	if pass == attnDKV {
		return "qkv16"
	}
	return "qkv16o16"
}

// attnPlan is one pass's kernel for one shape: which module, its bindings,
// its specialization constants and how many rows a workgroup covers.
type attnPlan struct {
	name      string
	constants []uint32
	rows      int
}

// String names the plan the way benchmarks report it.
func (p attnPlan) String() string { return fmt.Sprintf("%s%v", p.name, p.constants) }

// attnPlanFor picks the kernel of pass for sequence length l and head
// dimension d with qkv and O stored in precision p, under the configuration
// in use; texel says whether the cpu family's texel variant may be used
// (the inputs fit the texel limit; fp32 only: the 16-bit variants use
// storage loads).
func (o *Ops) attnPlanFor(pass attnPass, p Precision, l, d int, texel bool) (attnPlan, error) {
	info := o.d.Info
	cfg := o.AttentionConfig()
	name := attnName(pass, cfg.Family, false) + halfSuffix(attnHalfOperands(pass), p)
	if cfg.Family == "cpu" {
		kb := attnKeyBlock
		if texel && cfg.Texel && !p.Half() {
			name, kb = attnName(pass, cfg.Family, true), attnKeyBlockTexel
		}
		// One subgroup per workgroup; R rows per invocation, as many as
		// the register budget allows but no more than the grid needs
		// (L = 50 on 8 lanes: one group of 8×7 rows, not 2 of 8×4).
		// rmax = 256/d measured best on lavapipe (B=64 H=4 L=50 d=32: 7
		// rows beat 4 and 13 in all three passes), spills and all.
		wg := max(1, min(info.SubgroupSize, info.MaxInvocations, 64))
		rmax := max(1, min(8, 256/d))
		groups := ceilDiv(l, wg*rmax)
		r := ceilDiv(l, wg*groups)
		c := []uint32{uint32(wg), uint32(d), uint32(r)}
		if pass == attnForward {
			c = append(c, uint32(kb))
		}
		return attnPlan{name: name, constants: c, rows: wg * r}, nil
	}
	// GPU family: TP invocations per row (dividing the row's d/4 vec4s),
	// at most 8 scores each per tile, the largest tiles whose shared
	// arrays fit the device.
	tp := 4
	for (d/4)%tp != 0 {
		tp /= 2
	}
	for _, t := range [][2]int{{32, 32}, {32, 16}, {16, 16}, {16, 8}, {8, 8}, {4, 4}} {
		own, tile := t[0], t[1] // rows owned by a workgroup, rows per staged tile
		if tile > 8*tp || own*tp > info.MaxInvocations || attnSharedBytes(pass, own, tile, d) > info.SharedMemoryBytes {
			continue
		}
		c := []uint32{uint32(own * tp), uint32(d), uint32(own), uint32(tile), uint32(tp)}
		return attnPlan{name: name, constants: c, rows: own}, nil
	}
	return attnPlan{}, fmt.Errorf("ops: attention %s: head dimension %d does not fit %s (%d invocations, %d bytes shared)",
		attnPassNames[pass], d, info.Name, info.MaxInvocations, info.SharedMemoryBytes)
}

// attnKeyBlock and attnKeyBlockTexel are the numbers of keys per
// online-softmax rescale of the cpu family's forward (storage and texel
// loads).
const (
	attnKeyBlock      = 4
	attnKeyBlockTexel = 2
)

// attnSharedBytes is the shared memory of a GPU-family kernel whose
// workgroup owns own rows and stages tiles of tile rows (rows padded by one
// vec4; the declarations in attention_*_gpu.comp).
func attnSharedBytes(pass attnPass, own, tile, d int) int {
	row := 16 * (d/4 + 1)
	switch pass {
	case attnForward: // Qs; Ks, Vs; Ss
		return row*(own+2*tile) + 4*own*(tile+1)
	case attnDQ: // Qs, Gs; Ks, Vs; DSs; Lse2s, Ds
		return row*(2*own+2*tile) + 4*own*(tile+1) + 8*own
	default: // Ks, Vs; Qs, Gs; Ps, DSs; Lse2s, Ds
		return row*(2*own+2*tile) + 8*own*(tile+1) + 8*tile
	}
}

// attnTexels bounds the RGBA32F texels of a view of binding b.
func attnTexels(b vk.Binding) int {
	switch v := b.(type) {
	case *vk.Buffer:
		return v.Size()/16 + 1
	case vk.Span:
		return v.Size/16 + 1
	}
	return math.MaxInt
}

// attnCheck panics on a shape the kernels do not take.
func attnCheck(fn string, b, l, h, d int) {
	if b < 0 || l < 1 || h < 1 || d < 4 || d > 256 || d%4 != 0 {
		panic(fmt.Sprintf("ops: %s: bad shape B=%d L=%d H=%d d=%d (want B ≥ 0, L ≥ 1, H ≥ 1, d a multiple of 4 in [4, 256])", fn, b, l, h, d))
	}
	if h > 65535 {
		panic(fmt.Sprintf("ops: %s: H=%d heads, at most 65535", fn, h))
	}
}

// attnPlanOn is attnPlanFor with texel loads allowed where every binding
// that the texel variant reads as a texel buffer fits the device's limit.
func (o *Ops) attnPlanOn(pass attnPass, p Precision, l, d int, bindings []vk.Binding) (attnPlan, error) {
	v, err := shaders.Lookup(attnName(pass, "cpu", true))
	if err != nil {
		return attnPlan{}, fmt.Errorf("ops: %w", err)
	}
	texel := true
	for i, b := range v.Bindings {
		if b == shaders.Texel {
			texel = texel && attnTexels(bindings[i]) <= o.d.Info.MaxTexelElements
		}
	}
	return o.attnPlanFor(pass, p, l, d, texel)
}

// attnDispatch records pass over a B×H×L attention whose qkv and O are
// stored in precision p.
func (o *Ops) attnDispatch(r *vk.Recording, pass attnPass, p Precision, b, l, h, d int, bindings ...vk.Binding) error {
	plan, err := o.attnPlanOn(pass, p, l, d, bindings)
	if err != nil {
		return err
	}
	k, err := o.kernel(plan.name, plan.constants...)
	if err != nil {
		return err
	}
	push := vk.PushBytes(shaders.AttentionPush{B: uint32(b), L: uint32(l), H: uint32(h), QScale: float32(math.Log2E / math.Sqrt(float64(d)))})
	r.Dispatch(k, vk.Groups{ceilDiv(l, plan.rows), h, min(b, attnMaxBatchGroups, o.d.Info.MaxWorkgroupCount[2])}, push, bindings...)
	return nil
}

// Attention records multi-head self-attention reading Q, K and V straight
// from the fused projection output qkv [B, L, 3, H, d] (element (n, t, s,
// hd, e) at ((n·L + t)·3 + s)·H·d + hd·d + e), writing O into out
// [B, L, H, d] (which is [B, L, H·d], ready for the output projection) and
// the per-row log-sum-exp of the scaled scores into lse [B, H, L]:
//
//	s_ij  = q_i · k_j / √d
//	lse_i = ln Σ_j exp(s_ij)
//	o_i   = Σ_j exp(s_ij − lse_i) · v_j
//
// per sample and head, with an online softmax: the scores never reach
// device memory. out and lse must not overlap qkv. It panics unless
// B ≥ 0, L ≥ 1, 1 ≤ H ≤ 65535 and d is a multiple of 4 in [4, 256], or if
// a binding is too small.
func (o *Ops) Attention(r *vk.Recording, qkv, out, lse vk.Binding, b, l, h, d int) error {
	return o.AttentionAs(r, FP32, qkv, out, lse, b, l, h, d)
}

// AttentionAs is Attention with qkv and out stored in precision p (fp32
// or a 16-bit format): it widens q, k and v on load, computes the scores,
// the softmax and the output in fp32 and rounds O once when storing it;
// lse stays fp32.
func (o *Ops) AttentionAs(r *vk.Recording, p Precision, qkv, out, lse vk.Binding, b, l, h, d int) error {
	attnCheck("Attention", b, l, h, d)
	needT("Attention", "qkv", qkv, b*l*3*h*d, p)
	needT("Attention", "out", out, b*l*h*d, p)
	need("Attention", "lse", lse, b*h*l)
	if b == 0 {
		return nil
	}
	if err := o.attnDispatch(r, attnForward, p, b, l, h, d, qkv, out, lse); err != nil {
		return fmt.Errorf("attention B=%d L=%d H=%d d=%d: %w", b, l, h, d, err)
	}
	return nil
}

// AttentionBackward records the gradient of Attention: given its input qkv,
// its outputs out (O) and lse, and the gradient dout (dO, [B, L, H, d]), it
// writes dqkv [B, L, 3, H, d] (laid out like qkv) by recomputing the
// probabilities (FlashAttention-2 style):
//
//	p_ij  = exp(q_i · k_j / √d − lse_i)
//	D_i   = dO_i · o_i
//	ds_ij = p_ij · (dO_i · v_j − D_i)
//	dq_i  = (1/√d) Σ_j ds_ij · k_j
//	dk_j  = (1/√d) Σ_i ds_ij · q_i
//	dv_j  = Σ_i p_ij · dO_i
//
// delta [B, H, L] is the caller's scratch for D. Two dispatches: one owning
// query rows (dq and D), then one owning key rows (dk and dv); every output
// is summed by one invocation in a fixed order, so the result is
// deterministic. dqkv and delta must not overlap the inputs. It panics on the
// shapes Attention panics on, or if a binding is too small.
func (o *Ops) AttentionBackward(r *vk.Recording, qkv, out, dout, lse, delta, dqkv vk.Binding, b, l, h, d int) error {
	return o.AttentionBackwardAs(r, FP32, qkv, out, dout, lse, delta, dqkv, b, l, h, d)
}

// AttentionBackwardAs is AttentionBackward with qkv and out stored in
// precision p (as AttentionAs writes them); the gradients dout and dqkv,
// lse and delta stay fp32, and every sum is fp32.
func (o *Ops) AttentionBackwardAs(r *vk.Recording, p Precision, qkv, out, dout, lse, delta, dqkv vk.Binding, b, l, h, d int) error {
	attnCheck("AttentionBackward", b, l, h, d)
	needT("AttentionBackward", "qkv", qkv, b*l*3*h*d, p)
	needT("AttentionBackward", "out", out, b*l*h*d, p)
	need("AttentionBackward", "dout", dout, b*l*h*d)
	need("AttentionBackward", "lse", lse, b*h*l)
	need("AttentionBackward", "delta", delta, b*h*l)
	need("AttentionBackward", "dqkv", dqkv, b*l*3*h*d)
	if b == 0 {
		return nil
	}
	if err := o.attnDispatch(r, attnDQ, p, b, l, h, d, qkv, out, dout, lse, dqkv, delta); err != nil {
		return fmt.Errorf("attention backward B=%d L=%d H=%d d=%d: %w", b, l, h, d, err)
	}
	if err := o.attnDispatch(r, attnDKV, p, b, l, h, d, qkv, dout, lse, delta, dqkv); err != nil {
		return fmt.Errorf("attention backward B=%d L=%d H=%d d=%d: %w", b, l, h, d, err)
	}
	return nil
}
