package vk

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
		var pool vkg.DescriptorPool
		err := check("vkCreateDescriptorPool", vkg.CreateDescriptorPool(r.d.dev, &vkg.DescriptorPoolCreateInfo{
			SType:         vkg.StructureTypeDescriptorPoolCreateInfo,
			MaxSets:       setsPerPool,
			PoolSizeCount: 2,
			PPoolSizes: []vkg.DescriptorPoolSize{
				{Type: vkg.DescriptorTypeStorageBuffer, DescriptorCount: setsPerPool * storagePerSet},
				{Type: vkg.DescriptorTypeUniformTexelBuffer, DescriptorCount: setsPerPool * texelPerSet},
			},
		}, nil, &pool))
		if err != nil {
			r.fail(err)
			return nil, false
		}
		r.pools = append(r.pools, pool)
		r.poolSets = setsPerPool
	}
	var set vkg.DescriptorSet
	err := check("vkAllocateDescriptorSets", vkg.AllocateDescriptorSets(r.d.dev, &vkg.DescriptorSetAllocateInfo{
		SType:              vkg.StructureTypeDescriptorSetAllocateInfo,
		DescriptorPool:     r.pools[len(r.pools)-1],
		DescriptorSetCount: 1,
		PSetLayouts:        []vkg.DescriptorSetLayout{k.setLay},
	}, &set))
	if err != nil {
		r.fail(err)
		return nil, false
	}
	r.poolSets--
	writes := make([]vkg.WriteDescriptorSet, len(uses))
	for i, u := range uses {
		s := u.span
		if s.Buf == nil || s.Buf.buf == nil {
			panic(fmt.Sprintf("vk: kernel %s binding %d: buffer released or nil", k.Spec.Name, i))
		}
		w := vkg.WriteDescriptorSet{
			SType:           vkg.StructureTypeWriteDescriptorSet,
			DstSet:          set,
			DstBinding:      uint32(i),
			DescriptorCount: 1,
			DescriptorType:  k.Spec.Slots[i].Kind.descriptorType(),
		}
		if k.Spec.Slots[i].Kind == TexelRGBA32F {
			view, ok := r.texelView(k, i, s)
			if !ok {
				return nil, false
			}
			w.PTexelBufferView = []vkg.BufferView{view}
		} else {
			if uint64(s.Offset)%r.d.Info.StorageAlign != 0 {
				panic(fmt.Sprintf("vk: kernel %s binding %d: offset %d of %s is not a multiple of %d",
					k.Spec.Name, i, s.Offset, s.Buf.Name, r.d.Info.StorageAlign))
			}
			size := s.Size
			if size == 0 {
				size = 4 // an empty span still needs a valid descriptor
			}
			w.PBufferInfo = []vkg.DescriptorBufferInfo{{
				Buffer: s.Buf.buf, Offset: vkg.DeviceSize(s.Offset), Range: vkg.DeviceSize(size),
			}}
		}
		writes[i] = w
	}
	vkg.UpdateDescriptorSets(r.d.dev, uint32(len(writes)), writes, 0, nil)
	return set, true
}

// texelView makes an RGBA32F view of s, owned by the recording.
func (r *Recording) texelView(k *Kernel, slot int, s Span) (vkg.BufferView, bool) {
	texels := s.Size / 16
	if texels < 1 || texels > r.d.Info.MaxTexelElements {
		r.fail(fmt.Errorf("vulkan: kernel %s binding %d: %d texels of %s (device allows 1..%d)",
			k.Spec.Name, slot, texels, s.Buf.Name, r.d.Info.MaxTexelElements))
		return nil, false
	}
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
