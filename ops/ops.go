package ops

import (
	"fmt"

	"github.com/mae-vk/mae-vk/shaders"
	"github.com/mae-vk/mae-vk/vk"
)

// Ops records mae-vk's kernels on one device. It caches the kernels it
// builds (through the device) and the per-device choices of variant. An Ops
// is not safe for concurrent use.
//
// Every op method records into a vk.Recording and returns an error only when
// a kernel cannot be built; shape mistakes panic with an "ops:" message.
// Tensors are float32, row-major, passed as vk.Binding (a *vk.Buffer or a
// vk.Span) with their shape in element counts.
type Ops struct {
	d *vk.Device
	// local is the workgroup size of the 1-D element-wise kernels.
	local int
	// maxGroups bounds grid-stride grids in x and y; kernels loop over
	// the rest. At most 4096, and within every dimension's device limit.
	maxGroups int
	gemm      GemmConfig
	attn      AttentionConfig
	// coopWarned holds the cooperative-matrix variants whose failed
	// self-check has been reported (CheckCoopMat warns once).
	coopWarned map[string]bool
	// coop and coopBF are the cooperative-matrix plans Gemm runs fp16 and
	// bf16 products with (EnableCoopMat), nil for none; coopGemms counts
	// those products.
	coop      *CoopMatPlan
	coopBF    *CoopMatPlan
	coopGemms int
	// coopUse is how EnableCoopMat was called (mode, verdict directory,
	// warn), kept so that the attention family can be planned and checked
	// per precision and head dimension later (AttentionCoopMatFor);
	// coopAttn caches that choice per precision and head dimension; coopAttns counts the forward and
	// backward cooperative-matrix attentions recorded.
	coopUse   coopMatUse
	coopAttn  map[attnCoopMatKeyOf]attnCoopMatChoice
	coopAttns [2]int
}

// New returns the ops of device d.
func New(d *vk.Device) *Ops {
	local := 64
	if d.Info.MaxInvocations < local {
		local = d.Info.MaxInvocations
	}
	c := d.Info.MaxWorkgroupCount
	maxGroups := max(1, min(4096, c[0], c[1], c[2]))
	return &Ops{d: d, local: local, maxGroups: maxGroups, gemm: DefaultGemmConfig(d.Info), attn: DefaultAttentionConfig(d.Info)}
}

// Device is the device the ops record for.
func (o *Ops) Device() *vk.Device { return o.d }

// kernel returns the named variant of the shaders table as a kernel with
// the given specialization constants. Its bindings and push-constant size
// come from the table (shaders/variants.go), which TestContract checks
// against the SPIR-V; a name not in the table is an error.
func (o *Ops) kernel(name string, constants ...uint32) (*vk.Kernel, error) {
	return o.kernelSubgroup(name, 0, constants...)
}

// kernelSubgroup is kernel with the pipeline requiring subgroups of the
// given size, all full (vk.KernelSpec.SubgroupSize; 0 requires nothing).
func (o *Ops) kernelSubgroup(name string, subgroup int, constants ...uint32) (*vk.Kernel, error) {
	v, err := shaders.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	code, err := shaders.SPIRV(name)
	if err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	slots := make([]vk.Slot, len(v.Bindings))
	for i, b := range v.Bindings {
		slots[i] = slotOf(b)
	}
	k, err := o.d.Kernel(vk.KernelSpec{Name: name, SPIRV: code, Slots: slots, PushBytes: v.PushSize(), Constants: constants,
		SubgroupSize: subgroup})
	if err != nil {
		return nil, fmt.Errorf("ops: %w", err)
	}
	return k, nil
}

// slotOf is how the dispatcher binds a binding kind of the shaders table.
func slotOf(b shaders.Binding) vk.Slot {
	switch b {
	case shaders.In:
		return vk.Slot{Kind: vk.Storage, Access: vk.Read}
	case shaders.Out:
		return vk.Slot{Kind: vk.Storage, Access: vk.Write}
	case shaders.InOut:
		return vk.Slot{Kind: vk.Storage, Access: vk.ReadWrite}
	case shaders.Texel:
		return vk.Slot{Kind: vk.TexelRGBA32F, Access: vk.Read}
	}
	panic(fmt.Sprintf("ops: unknown binding kind %v", b))
}

// groups1D is the grid for n elements handled by o.local-wide workgroups
// with a grid-stride loop (FOR_EACH in common.glsl).
func (o *Ops) groups1D(n int) vk.Groups {
	g := (n + o.local - 1) / o.local
	if g < 1 {
		g = 1
	}
	if g > o.maxGroups {
		g = o.maxGroups
	}
	return vk.Groups{g, 1, 1}
}

// ceilDiv is ⌈a/b⌉ for positive b.
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// need panics unless binding b holds at least n float32s.
func need(op, what string, b vk.Binding, n int) {
	var size int
	switch v := b.(type) {
	case *vk.Buffer:
		size = v.Size()
	case vk.Span:
		size = v.Size
	default:
		panic(fmt.Sprintf("ops: %s: %s is a %T, want *vk.Buffer or vk.Span", op, what, b))
	}
	if size < 4*n {
		panic(fmt.Sprintf("ops: %s: %s holds %d bytes, needs %d float32s", op, what, size, n))
	}
}
