package vk

import (
	"os"
	"strconv"
)

// Options say which device to open and how.
type Options struct {
	// Device selects a device by index ("0") or by a case-insensitive
	// substring of its name ("llvmpipe"). Empty picks the best by type:
	// discrete > integrated > virtual > CPU.
	Device string
	// Validate turns on VK_LAYER_KHRONOS_validation; an error if it is
	// not installed.
	Validate bool
	// SyncValidation adds the layer's synchronization validation.
	SyncValidation bool
	// Profile records a timestamp before and after every dispatch.
	Profile bool
	// PipelineCacheDir holds the persisted VkPipelineCache; empty uses
	// the user cache directory, "-" turns persistence off.
	PipelineCacheDir string
	// OnMessage, when set, sees every validation or driver message.
	OnMessage func(Message)
	// Staging makes device buffers go through staging copies even where
	// the device's memory is host-visible, as on a discrete GPU; for
	// tests of that path.
	Staging bool
	// Clamp, when set, lowers the device's reported limits to these (see
	// StrictLimits), so that a lenient driver behaves like a strict GPU;
	// for tests. MAEVK_LIMITS=strict sets it from the environment.
	Clamp *Limits
	// DryRun makes buffers that take no memory and recordings that record
	// nothing, while every check of a dispatch (workgroup counts, push
	// constants, binding sizes, alignment, texel and storage ranges) is
	// still made: for checking that a run of any size fits the device's
	// limits without its memory. Kernels are built for real. On a dry
	// device Clamp sets the limits exactly, higher than the driver's too,
	// so that it stands in for the GPU those limits describe.
	DryRun bool

	// Present, when set, opens a device that can also present to a
	// window surface (see PresentOptions and Device.NewSwapchain).
	Present *PresentOptions

	envErr error // a bad environment variable, reported by Open
}

// OptionsFromEnv reads MAEVK_DEVICE, MAEVK_VALIDATE (1 = validation,
// "sync" = with synchronization validation), MAEVK_PROFILE and
// MAEVK_PIPELINE_CACHE and MAEVK_LIMITS into a copy of o, where o leaves
// them unset. An unreadable MAEVK_LIMITS is reported when the device opens.
func OptionsFromEnv(o Options) Options {
	if o.Device == "" {
		o.Device = os.Getenv("MAEVK_DEVICE")
	}
	switch v := os.Getenv("MAEVK_VALIDATE"); v {
	case "sync":
		o.Validate, o.SyncValidation = true, true
	default:
		if on, err := strconv.ParseBool(v); err == nil && on {
			o.Validate = true
		}
	}
	if on, err := strconv.ParseBool(os.Getenv("MAEVK_PROFILE")); err == nil && on {
		o.Profile = true
	}
	if o.PipelineCacheDir == "" {
		o.PipelineCacheDir = os.Getenv("MAEVK_PIPELINE_CACHE")
	}
	if o.Clamp == nil && os.Getenv("MAEVK_LIMITS") != "" {
		l, err := LimitsFromEnv()
		if err != nil {
			o.envErr = err
		}
		o.Clamp = l
	}
	return o
}
