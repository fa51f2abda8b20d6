package vk

// #include "cvk_present.h"
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// Swapchain presents frames to the device's window. A frame is a buffer of
// width·height packed 8-bit pixels, one uint32 each, row after row, in the
// byte order that BGRA says; a compute pass writes it and Present copies it
// into a swapchain image. Not safe for concurrent use.
type Swapchain struct {
	d     *Device
	p     *C.mvk_present
	vsync bool
}

// NewSwapchain prepares presenting to the window of a device opened with
// Options.Present, with vsync (FIFO) or without. There is no image until
// Resize is called with the window's framebuffer size.
func (d *Device) NewSwapchain(vsync bool) (*Swapchain, error) {
	if d.surface == nil || d.surface.handle == nil {
		return nil, fmt.Errorf("vulkan: NewSwapchain: the device was not opened with a window surface (Options.Present)")
	}
	if d.surface.p != nil {
		return nil, fmt.Errorf("vulkan: NewSwapchain: the window already has a swapchain")
	}
	p := (*C.mvk_present)(C.calloc(1, C.size_t(unsafe.Sizeof(C.mvk_present{}))))
	r := C.mvk_present_init(d.in.c, d.pd, d.cdev, C.VkQueue(unsafe.Pointer(d.queue)), C.uint32_t(d.Info.computeFamily),
		d.surface.handle, p)
	d.surface.p = p // owns the surface now, even on failure
	if r != C.VK_SUCCESS {
		d.surface.releasePresenter()
		return nil, fmt.Errorf("vulkan: prepare presenting on %s: %w", d.Info.Name, Result(r))
	}
	return &Swapchain{d: d, p: p, vsync: vsync}, nil
}

// Resize (re)creates the swapchain for a framebuffer of width×height
// pixels (the surface may fix another extent; see Extent). A zero size, a
// minimized window, leaves no swapchain: Extent is then 0×0.
func (s *Swapchain) Resize(width, height int) error {
	if s.p == nil {
		return fmt.Errorf("vulkan: swapchain used after Release")
	}
	var missing *C.char
	r := C.mvk_present_swapchain(s.p, C.uint32_t(max(width, 0)), C.uint32_t(max(height, 0)), cbool(s.vsync), &missing)
	if r != C.VK_SUCCESS {
		if m := C.GoString(missing); m != "" {
			return fmt.Errorf("vulkan: vkCreateSwapchainKHR on %s: %w: the window surface lacks %s", s.d.Info.Name, Result(r), m)
		}
		return fmt.Errorf("vulkan: vkCreateSwapchainKHR on %s: %w: this device cannot present to the window after all; "+
			"the devices that report they can: %s (choose with --device or MAEVK_DEVICE)",
			s.d.Info.Name, Result(r), strings.Join(s.d.surface.presenting, ", "))
	}
	return nil
}

// Extent is the swapchain images' size in pixels; 0×0 without a swapchain.
func (s *Swapchain) Extent() (width, height int) {
	if s.p == nil {
		return 0, 0
	}
	return int(s.p.width), int(s.p.height)
}

// BGRA reports whether frames are blue, green, red, alpha in memory order
// (else red, green, blue, alpha).
func (s *Swapchain) BGRA() bool {
	return s.p != nil && (s.p.format == C.VK_FORMAT_B8G8R8A8_UNORM || s.p.format == C.VK_FORMAT_B8G8R8A8_SRGB)
}

// FrameBytes is the size of one frame at the current extent.
func (s *Swapchain) FrameBytes() int {
	w, h := s.Extent()
	return 4 * w * h
}

// Present copies the frame at the start of src into the next swapchain
// image and presents it, waiting (with vsync) for a free image and until
// the copy is done, so src can be written again at once. stale reports
// that the swapchain no longer matches the window (out of date or
// suboptimal): call Resize before the next frame. src's writes by earlier
// recordings are visible to the copy.
func (s *Swapchain) Present(src *Buffer) (stale bool, err error) {
	if s.p == nil {
		return false, fmt.Errorf("vulkan: swapchain used after Release")
	}
	if s.p.swapchain == nil {
		return true, nil
	}
	if src.Size() < s.FrameBytes() {
		return false, fmt.Errorf("vulkan: present: frame buffer %s holds %d bytes, the %d×%d swapchain needs %d",
			src.Name, src.Size(), s.p.width, s.p.height, s.FrameBytes())
	}
	r := C.mvk_present_frame(s.p, C.VkBuffer(unsafe.Pointer(src.buf)), 0)
	switch r {
	case C.VK_SUCCESS:
		return false, nil
	case C.VK_SUBOPTIMAL_KHR, C.VK_ERROR_OUT_OF_DATE_KHR:
		return true, nil
	}
	return false, fmt.Errorf("vulkan: present on %s: %w", s.d.Info.Name, Result(r))
}

// Release destroys the swapchain and the window surface. Safe to call twice.
func (s *Swapchain) Release() {
	if s == nil || s.p == nil {
		return
	}
	s.d.surface.releasePresenter()
	s.p = nil
}
