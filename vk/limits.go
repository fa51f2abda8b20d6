package vk

import (
	"fmt"
	"os"
	"strings"
)

// Limits are the device limits mae-vk relies on. Options.Clamp lowers a
// device's reported limits to them, so that tests on a lenient driver run
// under the limits of a strict GPU.
type Limits struct {
	WorkgroupCount [3]int // maxComputeWorkGroupCount
	Invocations    int    // maxComputeWorkGroupInvocations
	SharedMemory   int    // maxComputeSharedMemorySize, bytes
	PushConstants  int    // maxPushConstantsSize, bytes
	TexelElements  int    // maxTexelBufferElements
	StorageRange   uint64 // maxStorageBufferRange, bytes per binding
}

// StrictLimits are the strictest values real GPUs report: 65535
// workgroups per dimension (the spec's minimum, Intel's value in x, y and
// z), 256 invocations, 32 KiB of shared memory, 128 bytes of push
// constants, 2^27 texel-buffer elements and 1 GiB per storage binding.
func StrictLimits() Limits {
	return Limits{
		WorkgroupCount: [3]int{65535, 65535, 65535},
		Invocations:    256,
		SharedMemory:   32 << 10,
		PushConstants:  128,
		TexelElements:  1 << 27,
		StorageRange:   1 << 30,
	}
}

// LimitsFromEnv reads MAEVK_LIMITS: "strict" is StrictLimits, empty or
// "device" is no clamp (nil).
func LimitsFromEnv() (*Limits, error) {
	switch v := strings.ToLower(os.Getenv("MAEVK_LIMITS")); v {
	case "", "device":
		return nil, nil
	case "strict":
		l := StrictLimits()
		return &l, nil
	default:
		return nil, fmt.Errorf("MAEVK_LIMITS=%q: want strict (clamp to the strictest real-GPU limits) or device", v)
	}
}

// Clamp returns d with every limit that l names lowered to l's value; a
// zero field in l leaves that limit alone. The workgroup size per
// dimension is lowered to the invocation limit too.
func (d DeviceInfo) Clamp(l Limits) DeviceInfo { return d.withLimits(l, false) }

// SetLimits returns d with every limit that l names set to l's value,
// higher or lower than the driver's: only for a dry device
// (Options.DryRun), which talks to no driver and so can stand in for any
// GPU.
func (d DeviceInfo) SetLimits(l Limits) DeviceInfo { return d.withLimits(l, true) }

func (d DeviceInfo) withLimits(l Limits, set bool) DeviceInfo {
	lower := func(v *int, to int) {
		if to > 0 && (*v > to || set) {
			*v = to
		}
	}
	for i := range d.MaxWorkgroupCount {
		lower(&d.MaxWorkgroupCount[i], l.WorkgroupCount[i])
		lower(&d.MaxWorkgroupSize[i], l.Invocations)
	}
	lower(&d.MaxInvocations, l.Invocations)
	lower(&d.SharedMemoryBytes, l.SharedMemory)
	lower(&d.MaxPushConstants, l.PushConstants)
	lower(&d.MaxTexelElements, l.TexelElements)
	if l.StorageRange > 0 && (d.MaxStorageRange > l.StorageRange || set) {
		d.MaxStorageRange = l.StorageRange
	}
	d.Clamped = true
	return d
}
