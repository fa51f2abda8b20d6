package vk

// #include "cvk_present.h"
// static VkSurfaceKHR mvk_surface_handle(uint64_t h) { return (VkSurfaceKHR)(uintptr_t)h; }
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"unsafe"
)

// PresentOptions ask Open for a device that presents to a window as well
// as computing. The window system (GLFW, say) stays outside this package:
// it names its instance extensions and makes the surface on the instance.
type PresentOptions struct {
	// InstanceExtensions are the surface extensions the window system
	// needs (GLFW: Window.GetRequiredInstanceExtensions).
	InstanceExtensions []string
	// CreateSurface makes the window's VkSurfaceKHR on instance (a
	// VkInstance) and returns the surface handle. The device owns the
	// surface from then on and destroys it in Close.
	CreateSurface func(instance unsafe.Pointer) (uint64, error)
}

// ErrNoPresent says that no device can present to the window.
var ErrNoPresent = errors.New("vulkan: no device can present to this window")

func (p *PresentOptions) extensions() []string {
	if p == nil {
		return nil
	}
	return p.InstanceExtensions
}

// surface is a device's window surface, and the presenter (swapchain and
// frame objects) once NewSwapchain has made one.
type surface struct {
	handle     C.VkSurfaceKHR
	presenting []string // names of the devices that can present to it
	p          *C.mvk_present
}

// openSurface creates the window surface and marks the devices that cannot
// present to it as unusable (their compute family becomes none); those that
// can get a family that both computes and presents.
func (d *Device) openSurface(pds []C.VkPhysicalDevice, infos []DeviceInfo) error {
	if d.opts.Present.CreateSurface == nil {
		return fmt.Errorf("vulkan: PresentOptions.CreateSurface is nil")
	}
	h, err := d.opts.Present.CreateSurface(unsafe.Pointer(d.in.c.instance))
	if err != nil {
		return fmt.Errorf("vulkan: create the window surface: %w", err)
	}
	if h == 0 {
		return fmt.Errorf("vulkan: create the window surface: null surface")
	}
	d.surface = &surface{handle: C.mvk_surface_handle(C.uint64_t(h))}
	for i := range infos {
		f := C.mvk_present_family(d.in.c, pds[i], d.surface.handle)
		if f < 0 {
			infos[i].computeFamily = ^uint32(0)
			continue
		}
		infos[i].computeFamily = uint32(f)
		d.surface.presenting = append(d.surface.presenting, fmt.Sprintf("%d %q", i, infos[i].Name))
	}
	if len(d.surface.presenting) == 0 {
		names := make([]string, len(infos))
		for i, info := range infos {
			names[i] = fmt.Sprintf("%d %q", i, info.Name)
		}
		return fmt.Errorf("%w: none of the devices (%s) has a queue that computes and presents to it; "+
			"mae-vk reconstruct writes pictures without a window", ErrNoPresent, strings.Join(names, ", "))
	}
	return nil
}

// presentSelectError explains a failed device choice when presenting:
// which devices can present.
func (d *Device) presentSelectError(infos []DeviceInfo, err error) error {
	if d.surface == nil {
		return err
	}
	return fmt.Errorf("%w; the devices that can present to this window: %s (choose with --device or MAEVK_DEVICE)",
		err, strings.Join(d.surface.presenting, ", "))
}

// releasePresenter destroys the presenter and the surface it owns, before
// the device goes. Safe on nil.
func (s *surface) releasePresenter() {
	if s == nil || s.p == nil {
		return
	}
	C.mvk_present_destroy(s.p)
	C.free(unsafe.Pointer(s.p))
	s.p = nil
	s.handle = nil
}

// destroy destroys a surface that no presenter owns. Safe on nil.
func (s *surface) destroy(in *instance) {
	if s == nil || s.handle == nil || in.c == nil {
		return
	}
	C.mvk_destroy_surface(in.c, s.handle)
	s.handle = nil
}

// cStrings are NUL-terminated copies of Go strings in C memory.
type cStrings []*C.char

func newCStrings(s []string) cStrings {
	out := make(cStrings, len(s))
	for i, v := range s {
		out[i] = C.CString(v)
	}
	return out
}

// ptr is the C array's first element, nil when empty.
func (c cStrings) ptr() **C.char {
	if len(c) == 0 {
		return nil
	}
	return &c[0]
}

func (c cStrings) free() {
	for _, p := range c {
		C.free(unsafe.Pointer(p))
	}
}
