package vk

// #include "cvk.h"
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// loaderState is the Vulkan loader, opened once per process. vulkan-go keeps
// its function pointers in process-wide C variables, so this is the one place
// where mae-vk holds global state, and it is written exactly once.
type loaderState struct {
	once sync.Once
	gipa C.PFN_vkGetInstanceProcAddr
	err  error
}

var theLoader loaderState

// errNoLoader explains what to install when libvulkan.so.1 is missing.
var errNoLoader = errors.New("vulkan: cannot load libvulkan.so.1, the Vulkan loader: " +
	"install it (Debian/Ubuntu: apt-get install libvulkan1 mesa-vulkan-drivers, or run make setup), " +
	"plus your GPU vendor's Vulkan driver for a real GPU")

// loadVulkan opens libvulkan.so.1 and initialises vulkan-go with its
// vkGetInstanceProcAddr.
func loadVulkan() (C.PFN_vkGetInstanceProcAddr, error) {
	theLoader.once.Do(func() {
		var msg *C.char
		gipa := C.mvk_load_loader(&msg)
		if gipa == nil {
			theLoader.err = errNoLoader
			return
		}
		vkg.SetGetInstanceProcAddr(unsafe.Pointer(gipa))
		if err := vkg.Init(); err != nil {
			theLoader.err = fmt.Errorf("vulkan: initialise vulkan-go: %w", err)
			return
		}
		theLoader.gipa = gipa
	})
	return theLoader.gipa, theLoader.err
}

// ValidationAvailable reports whether the Khronos validation layer is installed.
func ValidationAvailable() bool {
	gipa, err := loadVulkan()
	if err != nil {
		return false
	}
	name := C.CString("VK_LAYER_KHRONOS_validation")
	defer C.free(unsafe.Pointer(name))
	return C.mvk_has_layer(gipa, name) != 0
}
