package vk

// #include "cvk.h"
import "C"

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// Device is an open Vulkan device with one compute queue. A Device is not
// safe for concurrent use except where a method says so.
type Device struct {
	Info DeviceInfo

	in      *instance
	pd      C.VkPhysicalDevice
	cdev    C.VkDevice
	dev     vkg.Device
	queue   vkg.Queue
	cmdPool vkg.CommandPool
	opts    Options

	surface *surface // the window surface, when opened with Options.Present

	mem       *allocator
	kernels   map[kernelKey]*Kernel
	pcache    *pipelineCache
	live      atomic.Int64 // buffers and recordings not yet released
	closeOnce sync.Once
}

// Open opens the device that o selects (see Options.Device).
func Open(o Options) (*Device, error) {
	if o.envErr != nil {
		return nil, fmt.Errorf("vulkan: %w", o.envErr)
	}
	in, err := newInstance(o)
	if err != nil {
		return nil, err
	}
	d := &Device{in: in, opts: o, kernels: map[kernelKey]*Kernel{}}
	if err := d.init(); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *Device) init() error {
	pds, infos, err := d.in.physicalDevices()
	if err != nil {
		return err
	}
	if d.opts.Present != nil {
		if err := d.openSurface(pds, infos); err != nil {
			return err
		}
	}
	i, err := selectDevice(infos, d.opts.Device)
	if err != nil {
		return d.presentSelectError(infos, err)
	}
	d.Info, d.pd = infos[i], pds[i]
	switch {
	case d.opts.Clamp != nil && d.opts.DryRun:
		d.Info = d.Info.SetLimits(*d.opts.Clamp)
	case d.opts.Clamp != nil:
		d.Info = d.Info.Clamp(*d.opts.Clamp)
	}
	if d.Info.computeFamily == ^uint32(0) {
		return d.presentSelectError(infos, fmt.Errorf("vulkan: device %q has no compute queue", d.Info.Name))
	}
	var ci C.mvk_device_info
	C.mvk_query_device(d.in.c, d.pd, &ci)
	ci.compute_family = C.uint32_t(d.Info.computeFamily) // a presenting family when presenting
	var queue C.VkQueue
	if r := C.mvk_create_device(d.in.c, d.pd, &ci, cbool(d.opts.Present != nil), &d.cdev, &queue); r != C.VK_SUCCESS {
		return fmt.Errorf("vulkan: vkCreateDevice on %s: %w", d.Info.Name, Result(r))
	}
	d.dev = vkg.Device(unsafe.Pointer(d.cdev))
	d.queue = vkg.Queue(unsafe.Pointer(queue))

	var pool vkg.CommandPool
	err = check("vkCreateCommandPool", vkg.CreateCommandPool(d.dev, &vkg.CommandPoolCreateInfo{
		SType:            vkg.StructureTypeCommandPoolCreateInfo,
		Flags:            vkg.CommandPoolCreateFlags(vkg.CommandPoolCreateResetCommandBufferBit),
		QueueFamilyIndex: d.Info.computeFamily,
	}, nil, &pool))
	if err != nil {
		return err
	}
	d.cmdPool = pool
	d.mem = newAllocator(d)
	d.pcache, err = openPipelineCache(d, d.opts.PipelineCacheDir)
	return err
}

// Close waits for the device to finish, then destroys every object it made.
// Buffers, kernels and recordings must not be used afterwards. Close may be
// called more than once.
func (d *Device) Close() error {
	var err error
	d.closeOnce.Do(func() {
		if n := d.live.Load(); n != 0 {
			err = fmt.Errorf("vulkan: device closed with %d buffers or recordings not released", n)
		}
		if d.dev != nil {
			if e := check("vkDeviceWaitIdle", vkg.DeviceWaitIdle(d.dev)); e != nil && err == nil {
				err = e
			}
			for _, k := range d.kernels {
				k.destroy()
			}
			d.kernels = nil
			if d.pcache != nil {
				if e := d.pcache.close(); e != nil && err == nil {
					err = e
				}
			}
			if d.mem != nil {
				d.mem.destroy()
			}
			if d.cmdPool != nil {
				vkg.DestroyCommandPool(d.dev, d.cmdPool, nil)
			}
			d.surface.releasePresenter()
			C.mvk_destroy_device(d.in.c, d.cdev)
			d.dev = nil
		}
		if d.in != nil {
			d.surface.destroy(d.in)
			d.in.close()
		}
	})
	return err
}

// Messages returns how many validation warnings and errors this device's
// instance has reported so far, and the first few messages.
func (d *Device) Messages() (warnings, errors int, first []Message) {
	return d.in.sink.counts()
}

// DryRun reports whether buffers and recordings are dry (Options.DryRun).
func (d *Device) DryRun() bool { return d.opts.DryRun }

// Validating reports whether the validation layer is on.
func (d *Device) Validating() bool { return d.opts.Validate }

// Profiling reports whether dispatches are timed with timestamp queries.
func (d *Device) Profiling() bool { return d.opts.Profile && d.Info.TimestampBits > 0 }

// queueSubmit submits one command buffer through our own C (see
// mvk_queue_submit in cvk.h for why not vulkan-go).
func (d *Device) queueSubmit(cmd vkg.CommandBuffer, fence vkg.Fence) error {
	return checkC("vkQueueSubmit", C.mvk_queue_submit(d.in.c, C.VkQueue(unsafe.Pointer(d.queue)),
		C.VkCommandBuffer(unsafe.Pointer(cmd)), C.VkFence(unsafe.Pointer(fence))))
}

// cmdBarrier records a global memory barrier through our own C.
func (d *Device) cmdBarrier(cmd vkg.CommandBuffer, srcStage, dstStage, srcAccess, dstAccess uint32) {
	C.mvk_cmd_barrier(d.in.c, C.VkCommandBuffer(unsafe.Pointer(cmd)), C.uint32_t(srcStage), C.uint32_t(dstStage),
		C.uint32_t(srcAccess), C.uint32_t(dstAccess))
}

// cmdCopy records a buffer copy through our own C.
func (d *Device) cmdCopy(cmd vkg.CommandBuffer, src, dst vkg.Buffer, srcOff, dstOff, size int) {
	C.mvk_cmd_copy(d.in.c, C.VkCommandBuffer(unsafe.Pointer(cmd)), C.VkBuffer(unsafe.Pointer(src)), C.VkBuffer(unsafe.Pointer(dst)),
		C.uint64_t(srcOff), C.uint64_t(dstOff), C.uint64_t(size))
}
