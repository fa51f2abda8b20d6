package vk

// #include "cvk.h"
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// instance is a VkInstance with its message sink.
type instance struct {
	c      *C.mvk_instance
	sink   *messageSink
	handle cgo.Handle
}

// newInstance creates an instance, with the validation layer when asked.
func newInstance(o Options) (*instance, error) {
	gipa, err := loadVulkan()
	if err != nil {
		return nil, err
	}
	if o.Validate && !ValidationAvailable() {
		return nil, fmt.Errorf("vulkan: validation asked for, but VK_LAYER_KHRONOS_validation is not installed: " +
			"apt-get install vulkan-validationlayers (or run make setup)")
	}
	in := &instance{sink: &messageSink{handler: o.OnMessage}}
	in.handle = cgo.NewHandle(in.sink)
	in.c = (*C.mvk_instance)(C.calloc(1, C.size_t(unsafe.Sizeof(C.mvk_instance{}))))
	extra := newCStrings(o.Present.extensions())
	defer extra.free()
	if len(extra) > C.MVK_MAX_EXTRA_EXTENSIONS {
		in.free()
		return nil, fmt.Errorf("vulkan: %d window-system instance extensions, mae-vk takes at most %d", len(extra), C.MVK_MAX_EXTRA_EXTENSIONS)
	}
	r := C.mvk_create_instance(gipa, cbool(o.Validate), cbool(o.SyncValidation), C.uintptr_t(in.handle),
		C.uint32_t(len(extra)), extra.ptr(), in.c)
	if r != C.VK_SUCCESS {
		in.free()
		if r == C.VK_ERROR_INCOMPATIBLE_DRIVER {
			return nil, fmt.Errorf("vulkan: vkCreateInstance: %w: no Vulkan driver found; install mesa-vulkan-drivers "+
				"(software lavapipe) or your GPU vendor's Vulkan driver", Result(r))
		}
		return nil, fmt.Errorf("vulkan: vkCreateInstance: %w", Result(r))
	}
	if err := vkg.InitInstance(vkg.Instance(unsafe.Pointer(in.c.instance))); err != nil {
		in.close()
		return nil, fmt.Errorf("vulkan: load instance functions: %w", err)
	}
	return in, nil
}

// physicalDevices lists the instance's devices with their capabilities.
func (in *instance) physicalDevices() ([]C.VkPhysicalDevice, []DeviceInfo, error) {
	const most = 16
	handles := (*[most]C.VkPhysicalDevice)(C.calloc(most, C.size_t(unsafe.Sizeof(C.VkPhysicalDevice(nil)))))
	defer C.free(unsafe.Pointer(handles))
	n := C.mvk_physical_devices(in.c, &handles[0], most)
	if n < 0 {
		return nil, nil, fmt.Errorf("vulkan: vkEnumeratePhysicalDevices: %w", Result(n))
	}
	pds := make([]C.VkPhysicalDevice, n)
	infos := make([]DeviceInfo, n)
	var ci C.mvk_device_info
	for i := range pds {
		pds[i] = handles[i]
		C.mvk_query_device(in.c, pds[i], &ci)
		infos[i] = deviceInfoFromC(i, &ci)
	}
	return pds, infos, nil
}

func (in *instance) close() {
	if in.c != nil && in.c.instance != nil {
		C.mvk_destroy_instance(in.c)
	}
	in.free()
}

func (in *instance) free() {
	if in.c != nil {
		C.free(unsafe.Pointer(in.c))
		in.c = nil
	}
	if in.handle != 0 {
		in.handle.Delete()
		in.handle = 0
	}
}

func cbool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}
