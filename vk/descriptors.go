package vk

// #include "cvk.h"
import "C"

import (
	"fmt"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// descriptorSet allocates a set for one dispatch of k and points it at uses.
func (r *Recording) descriptorSet(k *Kernel, uses []use) (vkg.DescriptorSet, bool) {
	var storage, texel int
	for _, s := range k.Spec.Slots {
		if s.Kind == TexelRGBA32F {
			texel++
		} else {
			storage++
		}
	}
	if storage > storagePerSet || texel > texelPerSet {
		panic(fmt.Sprintf("vk: kernel %s has more bindings than a descriptor pool reserves per set", k.Spec.Name))
	}
	if r.poolSets == 0 {
		var pool C.VkDescriptorPool
		err := checkC("vkCreateDescriptorPool", C.mvk_create_descriptor_pool(r.d.in.c, r.d.cdev,
			setsPerPool, setsPerPool*storagePerSet, setsPerPool*texelPerSet, &pool))
		if err != nil {
			r.fail(err)
			return nil, false
		}
		r.pools = append(r.pools, vkg.DescriptorPool(unsafe.Pointer(pool)))
		r.poolSets = setsPerPool
	}
	var cset C.VkDescriptorSet
	err := checkC("vkAllocateDescriptorSets", C.mvk_allocate_set(r.d.in.c, r.d.cdev,
		C.VkDescriptorPool(unsafe.Pointer(r.pools[len(r.pools)-1])), C.VkDescriptorSetLayout(unsafe.Pointer(k.setLay)), &cset))
	if err != nil {
		r.fail(err)
		return nil, false
	}
	set := vkg.DescriptorSet(unsafe.Pointer(cset))
	r.poolSets--
	if len(uses) > 16 {
		panic(fmt.Sprintf("vk: kernel %s has %d bindings, at most 16", k.Spec.Name, len(uses)))
	}
	var (
		types   [16]C.uint32_t
		buffers [16]C.VkBuffer
		offsets [16]C.uint64_t
		ranges  [16]C.uint64_t
		views   [16]C.VkBufferView
	)
	for i, u := range uses {
		s := u.span
		types[i] = C.uint32_t(k.Spec.Slots[i].Kind.descriptorType())
		if k.Spec.Slots[i].Kind == TexelRGBA32F {
			view, ok := r.texelView(k, i, s)
			if !ok {
				return nil, false
			}
			views[i] = C.VkBufferView(unsafe.Pointer(view))
			continue
		}
		size := s.Size
		if size == 0 {
			size = 4 // an empty span still needs a valid descriptor
		}
		buffers[i] = C.VkBuffer(unsafe.Pointer(s.Buf.buf))
		offsets[i], ranges[i] = C.uint64_t(s.Offset), C.uint64_t(size)
	}
	C.mvk_update_set(r.d.in.c, r.d.cdev, C.VkDescriptorSet(unsafe.Pointer(set)), C.uint32_t(len(uses)),
		&types[0], &buffers[0], &offsets[0], &ranges[0], &views[0])
	return set, true
}

// checkBinding checks span s against slot i of k and the device's limits:
// a texel view's element count, a storage binding's offset alignment and
// range. Caller mistakes panic; a limit exceeded fails the recording.
func (r *Recording) checkBinding(k *Kernel, i int, s Span) bool {
	if s.Buf == nil || (s.Buf.buf == nil && !r.d.opts.DryRun) {
		panic(fmt.Sprintf("vk: kernel %s binding %d: buffer released or nil", k.Spec.Name, i))
	}
	if k.Spec.Slots[i].Kind == TexelRGBA32F {
		if texels := s.Size / 16; texels < 1 || texels > r.d.Info.MaxTexelElements {
			r.fail(fmt.Errorf("vulkan: kernel %s binding %d: %d texels of %s (device allows 1..%d)",
				k.Spec.Name, i, texels, s.Buf.Name, r.d.Info.MaxTexelElements))
			return false
		}
		return true
	}
	if uint64(s.Offset)%r.d.Info.StorageAlign != 0 {
		panic(fmt.Sprintf("vk: kernel %s binding %d: offset %d of %s is not a multiple of %d",
			k.Spec.Name, i, s.Offset, s.Buf.Name, r.d.Info.StorageAlign))
	}
	if r.d.Info.MaxStorageRange > 0 && uint64(s.Size) > r.d.Info.MaxStorageRange {
		r.fail(fmt.Errorf("vulkan: kernel %s binding %d: %d bytes of %s in one storage binding (device allows %d)",
			k.Spec.Name, i, s.Size, s.Buf.Name, r.d.Info.MaxStorageRange))
		return false
	}
	return true
}

// texelView makes an RGBA32F view of s, owned by the recording.
func (r *Recording) texelView(k *Kernel, slot int, s Span) (vkg.BufferView, bool) {
	texels := s.Size / 16
	// llvmpipe compiles a shader variant per texel-buffer state, which
	// includes whether the width is a power of two; keeping every width
	// off powers of two (one texel more, which buffers leave room for)
	// means one variant, not a recompile of seconds for each new size.
	if texels > 1 && texels&(texels-1) == 0 && s.Offset+16*(texels+1) <= int(s.Buf.vkSize) && texels+1 <= r.d.Info.MaxTexelElements {
		texels++
	}
	var view vkg.BufferView
	err := check("vkCreateBufferView", vkg.CreateBufferView(r.d.dev, &vkg.BufferViewCreateInfo{
		SType:  vkg.StructureTypeBufferViewCreateInfo,
		Buffer: s.Buf.buf,
		Format: vkg.FormatR32g32b32a32Sfloat,
		Offset: vkg.DeviceSize(s.Offset),
		Range:  vkg.DeviceSize(texels * 16),
	}, nil, &view))
	if err != nil {
		r.fail(err)
		return nil, false
	}
	r.views = append(r.views, view)
	return view, true
}

func pushConstants(cmd vkg.CommandBuffer, layout vkg.PipelineLayout, push []byte) {
	// vkCmdPushConstants copies the bytes during the call.
	vkg.CmdPushConstants(cmd, layout, vkg.ShaderStageFlags(vkg.ShaderStageComputeBit), 0, uint32(len(push)), unsafe.Pointer(&push[0]))
}
