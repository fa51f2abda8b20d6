package vk

import (
	"errors"
	"fmt"

	vkg "github.com/vulkan-go/vulkan"
)

// ErrDeviceLost is wrapped by every error that reports VK_ERROR_DEVICE_LOST:
// the device is gone and must be closed; test with errors.Is.
var ErrDeviceLost = errors.New("vulkan: device lost")

// ErrNoDevice is returned when the loader works but lists no device, or no
// device matches the selection.
var ErrNoDevice = errors.New("vulkan: no device")

// Result is a VkResult that is not VK_SUCCESS.
type Result int32

var resultNames = map[Result]string{
	1: "VK_NOT_READY", 2: "VK_TIMEOUT", 5: "VK_INCOMPLETE",
	-1: "VK_ERROR_OUT_OF_HOST_MEMORY", -2: "VK_ERROR_OUT_OF_DEVICE_MEMORY",
	-3: "VK_ERROR_INITIALIZATION_FAILED", -4: "VK_ERROR_DEVICE_LOST",
	-5: "VK_ERROR_MEMORY_MAP_FAILED", -6: "VK_ERROR_LAYER_NOT_PRESENT",
	-7: "VK_ERROR_EXTENSION_NOT_PRESENT", -8: "VK_ERROR_FEATURE_NOT_PRESENT",
	-9: "VK_ERROR_INCOMPATIBLE_DRIVER", -10: "VK_ERROR_TOO_MANY_OBJECTS",
	-11: "VK_ERROR_FORMAT_NOT_SUPPORTED", -12: "VK_ERROR_FRAGMENTED_POOL",
	-13: "VK_ERROR_UNKNOWN", -1000069000: "VK_ERROR_OUT_OF_POOL_MEMORY",
	-1000012000: "VK_ERROR_INVALID_SHADER_NV", -1000011001: "VK_ERROR_VALIDATION_FAILED_EXT",
	-1000000000: "VK_ERROR_SURFACE_LOST_KHR", -1000000001: "VK_ERROR_NATIVE_WINDOW_IN_USE_KHR",
	-1000001004: "VK_ERROR_OUT_OF_DATE_KHR", 1000001003: "VK_SUBOPTIMAL_KHR",
}

func (r Result) Error() string {
	if name, ok := resultNames[r]; ok {
		return name
	}
	return fmt.Sprintf("VkResult(%d)", int32(r))
}

// Is lets errors.Is(err, ErrDeviceLost) see a lost device.
func (r Result) Is(target error) bool {
	return target == ErrDeviceLost && r == -4
}

// check turns a VkResult into nil or an error naming the call.
func check(call string, r vkg.Result) error {
	if r == vkg.Success {
		return nil
	}
	return fmt.Errorf("vulkan: %s: %w", call, Result(r))
}
