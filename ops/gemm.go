package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// GemmConfig is the per-device choice of GEMM kernels: which family, and
// its tile shape. DefaultGemmConfig picks by device type; mae-vk bench gemm
// --tune measures the alternatives and stores the best per device.
type GemmConfig struct {
	// Family is "reg" (CPU-shaped: register tiles, vec4 or texel loads,
	// no shared memory) or "tiled" (GPU-shaped: shared-memory blocks).
	Family string `json:"family"`
	// Reg family: invocations per workgroup, tile per invocation, and
	// whether A and B are read through texel buffers where they fit.
	Local int  `json:"local,omitempty"`
	TM    int  `json:"tm"`
	TN    int  `json:"tn"`
	Texel bool `json:"texel,omitempty"`
	// Tiled family: workgroup of LX×LY invocations, each TM×TN outputs,
	// K staged in slices of BK.
	LX int `json:"lx,omitempty"`
	LY int `json:"ly,omitempty"`
	BK int `json:"bk,omitempty"`
	// CoopMat is tuning's choice for fp16 × fp16 products (EnableCoopMat):
	// "" untuned (PlanCoopMat's plan), "off" (slower here than the family
	// above), or a cooperative-matrix variant run with workgroups of
	// CoopWM×CoopWN subgroups of CoopFM×CoopFN fragments each, K staged
	// CoopKSteps fragments at a time (0: one).
	CoopMat    string `json:"coopmat,omitempty"`
	CoopWM     int    `json:"coop_wm,omitempty"`
	CoopWN     int    `json:"coop_wn,omitempty"`
	CoopFM     int    `json:"coop_fm,omitempty"`
	CoopFN     int    `json:"coop_fn,omitempty"`
	CoopKSteps int    `json:"coop_ksteps,omitempty"`
}

func (c GemmConfig) String() string {
	if c.Family == "tiled" {
		return fmt.Sprintf("tiled %dx%d threads, %dx%d each, bk %d", c.LX, c.LY, c.TM, c.TN, c.BK)
	}
	texel := ""
	if c.Texel {
		texel = ", texel"
	}
	return fmt.Sprintf("reg local %d, %dx%d%s", c.Local, c.TM, c.TN, texel)
}

// DefaultGemmConfig is the untuned choice for a device: the CPU-shaped
// family on CPU drivers (VULKAN-NOTES: texel buffers and workgroup = one
// subgroup win on llvmpipe), the GPU-shaped family elsewhere.
func DefaultGemmConfig(info vk.DeviceInfo) GemmConfig {
	if info.Type == vk.TypeCPU {
		return GemmConfig{Family: "reg", Local: max(info.SubgroupSize, 1), TM: 8, TN: 16, Texel: info.MaxTexelElements >= 1<<20}
	}
	lx := 16
	if info.MaxInvocations < 256 {
		lx = 8
	}
	return GemmConfig{Family: "tiled", LX: lx, LY: lx, TM: 4, TN: 4, BK: 16}
}

// GemmConfig returns the configuration in use.
func (o *Ops) GemmConfig() GemmConfig { return o.gemm }

// SetGemmConfig replaces the configuration (after tuning, or in tests).
func (o *Ops) SetGemmConfig(c GemmConfig) error {
	if err := o.checkGemmConfig(c); err != nil {
		return err
	}
	o.gemm = c
	return nil
}

// checkGemmConfig reports whether c is valid on this device.
func (o *Ops) checkGemmConfig(c GemmConfig) error {
	switch c.Family {
	case "reg":
		if c.Local < 1 || c.Local > o.d.Info.MaxInvocations || c.TM < 1 || c.TN < 4 || c.TN%4 != 0 {
			return fmt.Errorf("ops: gemm config %v: need 1 ≤ local ≤ %d, TM ≥ 1, TN a multiple of 4", c, o.d.Info.MaxInvocations)
		}
	case "tiled":
		if c.LX < 1 || c.LY < 1 || c.LX*c.LY > o.d.Info.MaxInvocations || c.TM < 1 || c.TN < 1 || c.BK < 1 ||
			4*c.BK*(c.LX*c.TN+c.LY*c.TM) > o.d.Info.SharedMemoryBytes {
			return fmt.Errorf("ops: gemm config %v does not fit the device (%d invocations, %d bytes shared)",
				c, o.d.Info.MaxInvocations, o.d.Info.SharedMemoryBytes)
		}
	default:
		return fmt.Errorf("ops: gemm family %q: want reg or tiled", c.Family)
	}
	return nil
}

const (
	gemmBias     = 1
	gemmGELU     = 2
	gemmResidual = 4
	gemmTransA   = 8
	gemmTransB   = 16
	gemmVecA     = 32 // gemm_coopmat: A read eight 16-bit values at a time
	gemmVecB     = 64 // and B
)

// Gemm records the strided batched product that s describes (see GemmSpec
// and GemmRef for the exact math), writing C:
//
//	C_b = epilogue(Alpha·op(A_b)·op(B_b) + Beta·C_b)
//
// bias (N floats) and residual (laid out like C) are read only when s asks
// for them and may be nil otherwise. residual may be the same range as C
// (x += proj(y)) when Beta is 0.
func (o *Ops) Gemm(r *vk.Recording, s GemmSpec, a, b, c, bias, residual vk.Binding) error {
	s.check("Gemm", bindingElems(a, s.AType), bindingElems(b, s.BType), bindingElems(c, s.CType), lenIf(s.Bias, bias), lenIf(s.Residual, residual))
	if s.AType.Half() && s.BType.Half() && s.AType != s.BType || s.CType.Half() && (s.AType != s.CType || s.BType != s.CType) {
		panic(fmt.Sprintf("ops: Gemm: A %v, B %v, C %v: one product takes one 16-bit format, and a 16-bit C needs 16-bit A and B", s.AType, s.BType, s.CType))
	}
	if s.M == 0 || s.N == 0 {
		return nil
	}
	if p := o.coopMatFor(s); p != nil {
		o.coopGemms++
		return o.dispatchCoopMat(r, *p, s, a, b, c, bias, residual)
	}
	push, bias, residual := gemmPushFor(s, c, bias, residual)
	chunk, err := o.batchChunk(s)
	if err != nil {
		return fmt.Errorf("gemm %dx%dx%d batch %d: %w", s.M, s.N, s.K, s.Batch, err)
	}
	for b0 := 0; b0 < s.Batch; b0 += chunk {
		part := s
		part.Batch = min(chunk, s.Batch-b0)
		k, groups, err := o.gemmKernel(part, a, b)
		if err != nil {
			return fmt.Errorf("gemm %dx%dx%d: %w", s.M, s.N, s.K, err)
		}
		res := residual
		if s.Residual {
			res = skipElems(residual, b0*s.StrideC, FP32)
		}
		r.Dispatch(k, groups, push, skipElems(a, b0*s.StrideA, s.AType), skipElems(b, b0*s.StrideB, s.BType),
			skipElems(c, b0*s.StrideC, s.CType), bias, res)
	}
	return nil
}

// gemmKernel picks the variant for s under the device's configuration.
func (o *Ops) gemmKernel(s GemmSpec, a, b vk.Binding) (*vk.Kernel, vk.Groups, error) {
	cfg := o.gemm
	half := gemmHalfSuffix(s)
	if cfg.Family == "tiled" {
		k, err := o.kernel("gemm_tiled"+half, uint32(cfg.LX), uint32(cfg.LY), uint32(cfg.TM), uint32(cfg.TN), uint32(cfg.BK))
		return k, o.gemmGrid(cfg, s), err
	}
	groups := o.gemmGrid(cfg, s)
	form := gemmForm(s, cfg, a, b)
	if form == "" {
		k, err := o.kernel("gemm_generic"+half, uint32(cfg.Local), uint32(cfg.TM), uint32(cfg.TN))
		return k, groups, err
	}
	// Texel buffers are RGBA32F views: fp32 operands only.
	name := gemmRegName(form, cfg.Texel && half == "" && o.texelFits(a) && o.texelFits(b), cfg.TM == 8 && cfg.TN == 16)
	k, err := o.kernel(name+half, uint32(cfg.Local), uint32(cfg.TM), uint32(cfg.TN))
	return k, groups, err
}

// gemmRegName is the gemm_reg variant of form ("nn", "nt", "tn"), texel
// reading A and B as texel buffers, tile8x16 with the default 8×16 tile
// compiled in (see gemm_reg.comp).
func gemmRegName(form string, texel, tile8x16 bool) string {
	name := "gemm_reg_" + form
	if texel {
		name += "_texel"
	}
	if tile8x16 {
		name += "_8x16"
	}
	return name
}

// gemmGrid is the grid of one dispatch of s under cfg (s.Batch within the
// device's z limit).
func (o *Ops) gemmGrid(cfg GemmConfig, s GemmSpec) vk.Groups {
	if cfg.Family == "tiled" {
		return o.d.Info.FoldX(ceilDiv(s.N, cfg.LX*cfg.TN)*ceilDiv(s.M, cfg.LY*cfg.TM), s.Batch)
	}
	return o.d.Info.FoldX(ceilDiv(ceilDiv(s.M, cfg.TM)*ceilDiv(s.N, cfg.TN), cfg.Local), s.Batch)
}

// gemmForm names the vectorised layout that fits s ("nn", "nt", "tn"), or
// "" when the contiguous dimensions, strides or offsets are not multiples
// of 4 floats.
func gemmForm(s GemmSpec, cfg GemmConfig, a, b vk.Binding) string {
	if s.StrideA%4 != 0 || s.StrideB%4 != 0 || bindingOffset(a)%(4*s.AType.Bytes()) != 0 || bindingOffset(b)%(4*s.BType.Bytes()) != 0 {
		return ""
	}
	switch {
	case !s.TransA && !s.TransB && s.K%4 == 0 && s.N%4 == 0:
		return "nn"
	case !s.TransA && s.TransB && s.K%4 == 0:
		return "nt"
	case s.TransA && !s.TransB && s.M%4 == 0 && s.N%4 == 0 && cfg.TM%4 == 0:
		return "tn"
	}
	return ""
}

// gemmHalfSuffix is the variant suffix for s's 16-bit operands (see
// shaders/variants_half.go): "" when both are fp32, else e.g. "_a16b16_bf16".
func gemmHalfSuffix(s GemmSpec) string {
	switch {
	case s.CType.Half():
		return halfSuffix("a16b16c16", s.CType)
	case s.AType.Half() && s.BType.Half():
		return halfSuffix("a16b16", s.AType)
	case s.AType.Half():
		return halfSuffix("a16", s.AType)
	}
	return halfSuffix("b16", s.BType)
}

// bindingElems is the number of elements of precision p that b holds.
func bindingElems(b vk.Binding, p Precision) int {
	return bindingBytes(b) / p.Bytes()
}

// texelFits reports whether b can be viewed as an RGBA32F texel buffer.
func (o *Ops) texelFits(b vk.Binding) bool {
	size := bindingFloats(b) * 4
	align := o.d.Info.TexelAlign
	return size/16 <= o.d.Info.MaxTexelElements && size >= 16 && (align == 0 || uint64(bindingOffset(b))%align == 0)
}

func bindingFloats(b vk.Binding) int { return bindingBytes(b) / 4 }

func bindingBytes(b vk.Binding) int {
	switch v := b.(type) {
	case *vk.Buffer:
		return v.Size()
	case vk.Span:
		return v.Size
	case nil:
		return 0
	}
	panic(fmt.Sprintf("ops: binding is a %T, want *vk.Buffer or vk.Span", b))
}

func bindingOffset(b vk.Binding) int {
	if s, ok := b.(vk.Span); ok {
		return s.Offset
	}
	return 0
}

func lenIf(on bool, b vk.Binding) int {
	if !on || b == nil {
		return 0
	}
	return bindingFloats(b)
}

// gemmPushFor is the push block for s, with bias and residual replaced by c
// where s does not read them (every binding must be bound).
func gemmPushFor(s GemmSpec, c, bias, residual vk.Binding) ([]byte, vk.Binding, vk.Binding) {
	return gemmPushFlags(s, 0, c, bias, residual)
}

// gemmPushFlags is gemmPushFor with flags (gemmVecA, gemmVecB) set too.
func gemmPushFlags(s GemmSpec, flags uint32, c, bias, residual vk.Binding) ([]byte, vk.Binding, vk.Binding) {
	if s.Bias {
		flags |= gemmBias
	} else {
		bias = c
	}
	if s.GELU {
		flags |= gemmGELU
	}
	if s.Residual {
		flags |= gemmResidual
	} else {
		residual = c
	}
	if s.TransA {
		flags |= gemmTransA
	}
	if s.TransB {
		flags |= gemmTransB
	}
	push := vk.PushBytes(shaders.GemmPush{
		M: uint32(s.M), N: uint32(s.N), K: uint32(s.K),
		StrideA: uint32(s.StrideA), StrideB: uint32(s.StrideB), StrideC: uint32(s.StrideC),
		Alpha: float32(s.Alpha), Beta: float32(s.Beta), Flags: flags,
	})
	return push, bias, residual
}
