package vk

// #include "cvk.h"
import "C"

import (
	"fmt"
	"strings"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// SlotKind is how a kernel sees a binding.
type SlotKind int

const (
	// Storage is a storage buffer (GLSL `buffer`).
	Storage SlotKind = iota
	// TexelRGBA32F is a uniform texel buffer of vec4 (GLSL `textureBuffer`).
	TexelRGBA32F
)

// Access says whether a kernel reads or writes a binding; the recording
// derives barriers from it.
type Access int

// Binding accesses.
const (
	Read Access = 1 << iota
	Write
	ReadWrite = Read | Write
)

// Slot describes binding number i of descriptor set 0.
type Slot struct {
	Kind   SlotKind
	Access Access
}

// KernelSpec is what a compute pipeline is built from.
type KernelSpec struct {
	Name  string // for errors, caching and profiles
	SPIRV []byte // a GLCompute module with entry point main
	Slots []Slot // bindings 0..n-1 of set 0
	// PushBytes is the size of the push-constant block (0 for none).
	PushBytes int
	// Constants are specialization constants with ids 0..n-1, as 32-bit
	// words (use math.Float32bits for floats).
	Constants []uint32
	// SubgroupSize, when not 0, is the subgroup size the pipeline
	// requires, with full subgroups (VK_EXT_subgroup_size_control, core
	// in Vulkan 1.3): gl_SubgroupSize is then SubgroupSize and every
	// subgroup is complete. The caller checks
	// Info.CanRequireSubgroupSize for its workgroup size first.
	SubgroupSize int
}

type kernelKey struct {
	name      string
	constants string
	subgroup  int
}

// CanRequireSubgroupSize reports whether a compute pipeline whose
// workgroup is invocations×1×1 may require subgroups of size invocations
// each, all full (KernelSpec.SubgroupSize): the device has subgroup size
// control and full compute subgroups, lets the compute stage require a
// size, size is a power of two within the device's range, and the
// workgroup is whole subgroups, at most maxComputeWorkgroupSubgroups of
// them.
func (d DeviceInfo) CanRequireSubgroupSize(size, invocations int) bool {
	return d.canRequireSize(size) && invocations > 0 && invocations%size == 0 &&
		invocations <= d.MaxWorkgroupSubgroups*size
}

// canRequireSize is CanRequireSubgroupSize without the workgroup.
func (d DeviceInfo) canRequireSize(size int) bool {
	return d.SubgroupSizeCtl && d.FullSubgroups && d.SubgroupSizeCompute &&
		size > 0 && size&(size-1) == 0 && size >= d.SubgroupMin && size <= d.SubgroupMax
}

// Kernel is a compute pipeline with its layouts.
type Kernel struct {
	Spec KernelSpec

	d      *Device
	module vkg.ShaderModule
	setLay vkg.DescriptorSetLayout
	layout vkg.PipelineLayout
	pipe   vkg.Pipeline
}

// Kernel returns the pipeline for spec, creating it on first use and
// caching it by (name, constants) for the device's lifetime.
func (d *Device) Kernel(spec KernelSpec) (*Kernel, error) {
	key := kernelKey{spec.Name, fmt.Sprint(spec.Constants), spec.SubgroupSize}
	if k, ok := d.kernels[key]; ok {
		return k, nil
	}
	if spec.SubgroupSize != 0 && !d.Info.canRequireSize(spec.SubgroupSize) {
		return nil, fmt.Errorf("vulkan: kernel %s: %s cannot require subgroups of %d (size control %v, full subgroups %v, compute %v, sizes %d..%d)",
			spec.Name, d.Info.Name, spec.SubgroupSize, d.Info.SubgroupSizeCtl, d.Info.FullSubgroups,
			d.Info.SubgroupSizeCompute, d.Info.SubgroupMin, d.Info.SubgroupMax)
	}
	if spec.PushBytes > d.Info.MaxPushConstants || spec.PushBytes%4 != 0 {
		return nil, fmt.Errorf("vulkan: kernel %s: push constants of %d bytes (device allows %d, in whole words)",
			spec.Name, spec.PushBytes, d.Info.MaxPushConstants)
	}
	words, err := spirvWords(spec.Name, spec.SPIRV)
	if err != nil {
		return nil, err
	}
	k := &Kernel{Spec: spec, d: d}
	if err := k.build(words); err != nil {
		k.destroy()
		return nil, fmt.Errorf("create pipeline %s: %w", spec.Name, err)
	}
	d.kernels[key] = k
	return k, nil
}

func (k *Kernel) build(words []uint32) error {
	d := k.d
	var module C.VkShaderModule
	err := checkC("vkCreateShaderModule", C.mvk_create_shader_module(d.in.c, d.cdev,
		(*C.uint32_t)(unsafe.Pointer(&words[0])), C.size_t(4*len(words)), &module))
	k.module = vkg.ShaderModule(unsafe.Pointer(module))
	if err != nil {
		return err
	}
	if len(k.Spec.Slots) > 16 {
		return fmt.Errorf("%d bindings, at most 16", len(k.Spec.Slots))
	}
	var types [16]C.uint32_t
	for i, s := range k.Spec.Slots {
		types[i] = C.uint32_t(s.Kind.descriptorType())
	}
	var setLay C.VkDescriptorSetLayout
	err = checkC("vkCreateDescriptorSetLayout", C.mvk_create_set_layout(d.in.c, d.cdev,
		C.uint32_t(len(k.Spec.Slots)), &types[0], &setLay))
	k.setLay = vkg.DescriptorSetLayout(unsafe.Pointer(setLay))
	if err != nil {
		return err
	}
	var layout C.VkPipelineLayout
	err = checkC("vkCreatePipelineLayout", C.mvk_create_pipeline_layout(d.in.c, d.cdev, setLay,
		C.uint32_t(k.Spec.PushBytes), &layout))
	k.layout = vkg.PipelineLayout(unsafe.Pointer(layout))
	if err != nil {
		return err
	}
	var spec *C.uint32_t
	if len(k.Spec.Constants) > 32 {
		return fmt.Errorf("%d specialization constants, at most 32", len(k.Spec.Constants))
	}
	if len(k.Spec.Constants) > 0 {
		spec = (*C.uint32_t)(unsafe.Pointer(&k.Spec.Constants[0]))
	}
	var pipe C.VkPipeline
	err = checkC("vkCreateComputePipelines", C.mvk_create_compute_pipeline(d.in.c, d.cdev,
		C.VkPipelineCache(unsafe.Pointer(d.pcache.handle())), module, layout,
		spec, C.uint32_t(len(k.Spec.Constants)), C.uint32_t(k.Spec.SubgroupSize), &pipe))
	k.pipe = vkg.Pipeline(unsafe.Pointer(pipe))
	return err
}

func (s SlotKind) descriptorType() vkg.DescriptorType {
	if s == TexelRGBA32F {
		return vkg.DescriptorTypeUniformTexelBuffer
	}
	return vkg.DescriptorTypeStorageBuffer
}

func (k *Kernel) destroy() {
	d := k.d
	if k.pipe != nil {
		vkg.DestroyPipeline(d.dev, k.pipe, nil)
	}
	if k.layout != nil {
		vkg.DestroyPipelineLayout(d.dev, k.layout, nil)
	}
	if k.setLay != nil {
		vkg.DestroyDescriptorSetLayout(d.dev, k.setLay, nil)
	}
	if k.module != nil {
		vkg.DestroyShaderModule(d.dev, k.module, nil)
	}
	*k = Kernel{Spec: k.Spec}
}

// String names the kernel and its constants.
func (k *Kernel) String() string {
	if len(k.Spec.Constants) == 0 {
		return k.Spec.Name
	}
	parts := make([]string, len(k.Spec.Constants))
	for i, c := range k.Spec.Constants {
		parts[i] = fmt.Sprint(c)
	}
	return k.Spec.Name + "<" + strings.Join(parts, ",") + ">"
}
