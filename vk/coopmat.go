package vk

// #include "cvk.h"
import "C"

import (
	"fmt"
	"strings"
)

// ComponentType is a cooperative-matrix element type
// (VkComponentTypeKHR; the NV enum has the same values).
type ComponentType uint32

// The component types mae-vk reads; others print as their number.
const (
	ComponentFloat16 ComponentType = 0
	ComponentFloat32 ComponentType = 1
	ComponentFloat64 ComponentType = 2
	ComponentSInt8   ComponentType = 3
	ComponentSInt32  ComponentType = 5
	ComponentUInt8   ComponentType = 7
	ComponentUInt32  ComponentType = 9
	// ComponentBFloat16 is VK_COMPONENT_TYPE_BFLOAT16_KHR (VK_KHR_shader_bfloat16).
	ComponentBFloat16 ComponentType = 1000141000
)

func (c ComponentType) String() string {
	switch c {
	case ComponentFloat16:
		return "f16"
	case ComponentFloat32:
		return "f32"
	case ComponentFloat64:
		return "f64"
	case ComponentSInt8:
		return "s8"
	case ComponentSInt32:
		return "s32"
	case ComponentUInt8:
		return "u8"
	case ComponentUInt32:
		return "u32"
	case ComponentBFloat16:
		return "bf16"
	}
	return fmt.Sprintf("type%d", uint32(c))
}

// scopeSubgroup is VK_SCOPE_SUBGROUP_KHR, the only scope mae-vk's kernels use.
const scopeSubgroup = 3

// CoopMatShape is one entry of a device's cooperative-matrix list
// (vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR, or its NV twin on a
// device with only VK_NV_cooperative_matrix):
//
//	Result (M x N) = A (M x K) * B (K x N) + C (M x N)
type CoopMatShape struct {
	M, N, K    int
	A, B, C    ComponentType
	Result     ComponentType
	Saturating bool
	// Subgroup is true for subgroup scope, which the kernels need.
	Subgroup bool
	// KHR is false for a shape listed by the NV entry point.
	KHR bool
}

func (s CoopMatShape) String() string {
	return fmt.Sprintf("%dx%dx%d %s*%s+%s", s.M, s.N, s.K, s.A, s.B, s.C)
}

// CoopMatSummary says in a few words which cooperative-matrix extension a
// device has and its subgroup shapes, for `mae-vk devices`: "no",
// "KHR 16x16x16 f16*f16+f32, ..." or "NV ...".
func (d DeviceInfo) CoopMatSummary() string {
	if !d.CooperativeMatrix && !d.CooperativeMatrixNV {
		return "no"
	}
	ext := "KHR"
	if !d.CooperativeMatrix {
		ext = "NV"
	}
	var shapes []string
	for _, s := range d.CoopMatShapes {
		if s.Subgroup {
			shapes = append(shapes, s.String())
		}
	}
	if len(shapes) == 0 {
		return ext + " (no subgroup shapes)"
	}
	bf16 := ""
	if d.BFloat16CoopMat && d.BFloat16 && d.CooperativeMatrix {
		bf16 = "; bf16 matrices (VK_KHR_shader_bfloat16) enabled"
	}
	return ext + " " + strings.Join(shapes, ", ") + bf16
}

// FindCoopMat returns the first shape UsableCoopMats lists for the given
// component types; ok is false when it lists none, so a
// cooperative-matrix kernel is never chosen there.
func (d DeviceInfo) FindCoopMat(in, acc ComponentType) (CoopMatShape, bool) {
	if s := d.UsableCoopMats(in, acc); len(s) > 0 {
		return s[0], true
	}
	return CoopMatShape{}, false
}

// UsableCoopMats lists, in the device's order, the subgroup-scope shapes
// with the given component types (A and B in, C and result accumulate) on
// the extension the device prefers (KHR over NV): none when the device
// lacks the Vulkan memory model.
func (d DeviceInfo) UsableCoopMats(in, acc ComponentType) []CoopMatShape {
	if !d.VulkanMemoryModel {
		return nil
	}
	var out []CoopMatShape
	for _, s := range d.CoopMatShapes {
		if s.Subgroup && !s.Saturating && s.A == in && s.B == in && s.C == acc && s.Result == acc &&
			(s.KHR && d.CooperativeMatrix || !s.KHR && d.CooperativeMatrixNV && !d.CooperativeMatrix) {
			out = append(out, s)
		}
	}
	return out
}

func coopMatShapesFromC(c *C.mvk_device_info) []CoopMatShape {
	var out []CoopMatShape
	for i := 0; i < int(c.coopmat_count) && i < C.MVK_MAX_COOPMAT; i++ {
		s := c.coopmat[i]
		out = append(out, CoopMatShape{
			M: int(s.m), N: int(s.n), K: int(s.k),
			A: ComponentType(s.a), B: ComponentType(s.b), C: ComponentType(s.c), Result: ComponentType(s.result),
			Saturating: s.saturating != 0, Subgroup: s.scope == scopeSubgroup, KHR: s.khr != 0,
		})
	}
	return out
}
