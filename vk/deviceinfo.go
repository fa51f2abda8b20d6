package vk

// #include "cvk.h"
import "C"

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// DeviceType is VkPhysicalDeviceType in words.
type DeviceType string

// Device types, as Vulkan reports them.
const (
	TypeOther      DeviceType = "other"
	TypeIntegrated DeviceType = "integrated"
	TypeDiscrete   DeviceType = "discrete"
	TypeVirtual    DeviceType = "virtual"
	TypeCPU        DeviceType = "cpu"
)

// rank orders device types for the default choice; lower is better.
func (t DeviceType) rank() int {
	switch t {
	case TypeDiscrete:
		return 0
	case TypeIntegrated:
		return 1
	case TypeVirtual:
		return 2
	case TypeCPU:
		return 3
	}
	return 4
}

// MemoryHeap is one VkMemoryHeap.
type MemoryHeap struct {
	Bytes       uint64 `json:"bytes"`
	DeviceLocal bool   `json:"device_local"`
}

// DeviceInfo is what mae-vk knows of a device before opening it.
type DeviceInfo struct {
	Index             int        `json:"index"`
	Name              string     `json:"name"`
	Type              DeviceType `json:"type"`
	VendorID          uint32     `json:"vendor_id"`
	DeviceID          uint32     `json:"device_id"`
	Driver            string     `json:"driver"`
	DriverInfo        string     `json:"driver_info"`
	APIVersion        string     `json:"api_version"`
	SubgroupSize      int        `json:"subgroup_size"`
	SubgroupMin       int        `json:"subgroup_min"`
	SubgroupMax       int        `json:"subgroup_max"`
	SubgroupArith     bool       `json:"subgroup_arithmetic"`
	SubgroupShuffle   bool       `json:"subgroup_shuffle"`
	SubgroupSizeCtl   bool       `json:"subgroup_size_control"`
	MaxInvocations    int        `json:"max_invocations"`
	MaxWorkgroupSize  [3]int     `json:"max_workgroup_size"`
	MaxWorkgroupCount [3]int     `json:"max_workgroup_count"`
	SharedMemoryBytes int        `json:"shared_memory_bytes"`
	MaxPushConstants  int        `json:"max_push_constants"`
	MaxStorageRange   uint64     `json:"max_storage_buffer_range"`
	StorageAlign      uint64     `json:"storage_offset_alignment"`
	MaxTexelElements  int        `json:"max_texel_buffer_elements"`
	TexelAlign        uint64     `json:"texel_offset_alignment"`
	Float16           bool       `json:"float16"`
	Int8              bool       `json:"int8"`
	Storage16         bool       `json:"storage16"`
	Storage8          bool       `json:"storage8"`
	CooperativeMatrix bool       `json:"cooperative_matrix"`
	// CooperativeMatrixNV is VK_NV_cooperative_matrix (NVIDIA lists both).
	CooperativeMatrixNV bool `json:"cooperative_matrix_nv"`
	// DriverVersion is the driver's own version number
	// (VkPhysicalDeviceProperties.driverVersion, vendor-encoded).
	DriverVersion uint32 `json:"driver_version"`
	// VulkanMemoryModel is the feature every cooperative-matrix module
	// (compiled by glslang) needs; it is enabled when present.
	VulkanMemoryModel bool `json:"vulkan_memory_model"`
	// BFloat16 and BFloat16CoopMat are VK_KHR_shader_bfloat16's
	// shaderBFloat16Type and shaderBFloat16CooperativeMatrix, enabled at
	// device creation when reported (the cooperative matrices only with
	// CooperativeMatrix): the bf16 cooperative-matrix GEMM needs both.
	BFloat16        bool `json:"shader_bfloat16"`
	BFloat16CoopMat bool `json:"shader_bfloat16_cooperative_matrix"`
	// CoopMatShapes is the device's cooperative-matrix list (coopmat.go).
	CoopMatShapes     []CoopMatShape `json:"cooperative_matrix_shapes,omitempty"`
	TimestampPeriodNs float64        `json:"timestamp_period_ns"`
	TimestampBits     int            `json:"timestamp_bits"`
	DeviceLocalBytes  uint64         `json:"device_local_bytes"`
	Heaps             []MemoryHeap   `json:"heaps"`
	// Clamped says the limits above were lowered by Options.Clamp.
	Clamped bool `json:"clamped,omitempty"`

	// FullSubgroups is computeFullSubgroups, SubgroupSizeCompute whether
	// the compute stage is in requiredSubgroupSizeStages, and
	// MaxWorkgroupSubgroups is maxComputeWorkgroupSubgroups: with
	// SubgroupSizeCtl they decide CanRequireSubgroupSize (kernel.go).
	FullSubgroups         bool `json:"compute_full_subgroups"`
	SubgroupSizeCompute   bool `json:"subgroup_size_compute"`
	MaxWorkgroupSubgroups int  `json:"max_workgroup_subgroups"`

	hostQueryReset bool
	computeFamily  uint32
	memTypes       []memoryType
}

type memoryType struct {
	flags uint32
	heap  uint32
}

// Vulkan bits used when reading capabilities.
const (
	heapDeviceLocal    = 0x1
	memDeviceLocal     = 0x1
	memHostVisible     = 0x2
	memHostCoherent    = 0x4
	memHostCached      = 0x8
	subgroupArithmetic = 0x8
	subgroupShuffle    = 0x10
)

func apiString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>22, (v>>12)&0x3ff, v&0xfff)
}

func deviceInfoFromC(index int, c *C.mvk_device_info) DeviceInfo {
	d := DeviceInfo{
		Index:               index,
		Name:                C.GoString(&c.name[0]),
		VendorID:            uint32(c.vendor_id),
		DeviceID:            uint32(c.device_id),
		Driver:              C.GoString(&c.driver_name[0]),
		DriverInfo:          C.GoString(&c.driver_info[0]),
		APIVersion:          apiString(uint32(c.api_version)),
		SubgroupSize:        int(c.subgroup_size),
		SubgroupMin:         int(c.subgroup_min),
		SubgroupMax:         int(c.subgroup_max),
		SubgroupArith:       c.subgroup_ops&subgroupArithmetic != 0,
		SubgroupShuffle:     c.subgroup_ops&subgroupShuffle != 0,
		SubgroupSizeCtl:     c.size_control != 0,
		MaxInvocations:      int(c.max_invocations),
		SharedMemoryBytes:   int(c.shared_memory),
		MaxPushConstants:    int(c.max_push_constants),
		MaxStorageRange:     uint64(c.max_storage_range),
		StorageAlign:        uint64(c.storage_align),
		MaxTexelElements:    int(c.max_texel_elements),
		TexelAlign:          uint64(c.texel_align),
		Float16:             c.float16 != 0,
		Int8:                c.int8 != 0,
		Storage16:           c.storage16 != 0,
		Storage8:            c.storage8 != 0,
		CooperativeMatrix:   c.cooperative_matrix != 0,
		CooperativeMatrixNV: c.cooperative_matrix_nv != 0,
		BFloat16:            c.bfloat16_type != 0,
		BFloat16CoopMat:     c.bfloat16_coopmat != 0,
		CoopMatShapes:       coopMatShapesFromC(c),
		TimestampPeriodNs:   float64(c.timestamp_period),
		TimestampBits:       int(c.timestamp_bits),
		hostQueryReset:      c.host_query_reset != 0,
		computeFamily:       uint32(c.compute_family),
	}
	d.FullSubgroups = c.full_subgroups != 0
	d.SubgroupSizeCompute = c.required_size_compute != 0
	d.MaxWorkgroupSubgroups = int(c.max_workgroup_subgroups)
	if d.Driver == "" {
		d.Driver = d.Name
	}
	switch c.device_type {
	case C.VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
		d.Type = TypeIntegrated
	case C.VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
		d.Type = TypeDiscrete
	case C.VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
		d.Type = TypeVirtual
	case C.VK_PHYSICAL_DEVICE_TYPE_CPU:
		d.Type = TypeCPU
	default:
		d.Type = TypeOther
	}
	for i := 0; i < 3; i++ {
		d.MaxWorkgroupSize[i] = int(c.max_size[i])
		d.MaxWorkgroupCount[i] = int(c.max_count[i])
	}
	for i := 0; i < int(c.heap_count); i++ {
		h := MemoryHeap{Bytes: uint64(c.heap_size[i]), DeviceLocal: c.heap_flags[i]&heapDeviceLocal != 0}
		d.Heaps = append(d.Heaps, h)
		if h.DeviceLocal {
			d.DeviceLocalBytes += h.Bytes
		}
	}
	for i := 0; i < int(c.type_count); i++ {
		d.memTypes = append(d.memTypes, memoryType{flags: uint32(c.type_flags[i]), heap: uint32(c.type_heap[i])})
	}
	return d
}

// ListDevices lists every Vulkan device the loader sees, in loader order.
func ListDevices() ([]DeviceInfo, error) {
	in, err := newInstance(Options{})
	if err != nil {
		return nil, err
	}
	defer in.close()
	_, infos, err := in.physicalDevices()
	return infos, err
}

// selectDevice picks the device that sel names (index or name substring),
// or the best one by type when sel is empty.
func selectDevice(infos []DeviceInfo, sel string) (int, error) {
	if len(infos) == 0 {
		return 0, fmt.Errorf("%w: the Vulkan loader lists no device; install mesa-vulkan-drivers (lavapipe) "+
			"or your GPU vendor's Vulkan driver, or run make setup", ErrNoDevice)
	}
	usable := func(i int) bool { return infos[i].computeFamily != ^uint32(0) }
	if sel == "" {
		order := make([]int, len(infos))
		for i := range order {
			order[i] = i
		}
		// By type; among equals (two CPU drivers, say) the one that runs
		// bigger workgroups, which on these machines is also the faster.
		sort.SliceStable(order, func(a, b int) bool {
			da, db := infos[order[a]], infos[order[b]]
			if da.Type.rank() != db.Type.rank() {
				return da.Type.rank() < db.Type.rank()
			}
			return da.MaxInvocations > db.MaxInvocations
		})
		for _, i := range order {
			if usable(i) {
				return i, nil
			}
		}
		return 0, fmt.Errorf("%w: no device has a compute queue", ErrNoDevice)
	}
	if n, err := strconv.Atoi(sel); err == nil {
		if n < 0 || n >= len(infos) {
			return 0, fmt.Errorf("%w: device index %d out of range: %d devices (see mae-vk devices)", ErrNoDevice, n, len(infos))
		}
		return n, nil
	}
	want := strings.ToLower(sel)
	for i, d := range infos {
		if strings.Contains(strings.ToLower(d.Name), want) && usable(i) {
			return i, nil
		}
	}
	names := make([]string, len(infos))
	for i, d := range infos {
		names[i] = fmt.Sprintf("%d: %s", i, d.Name)
	}
	return 0, fmt.Errorf("%w: no device name contains %q; devices are %s", ErrNoDevice, sel, strings.Join(names, ", "))
}

// FileKey names the device, its driver and the driver's version in a form
// fit for file names, for per-device caches and tuning results.
func (d DeviceInfo) FileKey() string {
	b := []byte(d.Name + "-" + d.DriverInfo)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
		if !ok {
			b[i] = '_'
		}
	}
	if len(b) > 80 {
		b = b[:80]
	}
	return fmt.Sprintf("%04x-%04x-%s", d.VendorID, d.DeviceID, b)
}
