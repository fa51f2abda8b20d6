package vk

// #cgo LDFLAGS: -ldl
// #include "cvk.h"
import "C"

import "fmt"

// checkC turns a VkResult returned by our own C into nil or an error naming
// the call.
func checkC(call string, r C.VkResult) error {
	if r == C.VK_SUCCESS {
		return nil
	}
	return fmt.Errorf("vulkan: %s: %w", call, Result(r))
}
