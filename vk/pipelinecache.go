package vk

// #include <stdlib.h>
// #include "cvk.h"
import "C"

import (
	"os"
	"path/filepath"
	"unsafe"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	vkg "github.com/vulkan-go/vulkan"
)

// pipelineCache is a VkPipelineCache kept in a file between runs, one file
// per (vendor, device, driver version).
type pipelineCache struct {
	d     *Device
	cache vkg.PipelineCache
	path  string // "" when not persisted
}

func openPipelineCache(d *Device, dir string) (*pipelineCache, error) {
	pc := &pipelineCache{d: d}
	if dir != "-" {
		if dir == "" {
			if base, err := os.UserCacheDir(); err == nil {
				dir = filepath.Join(base, "mae-vk")
			}
		}
		if dir != "" {
			pc.path = filepath.Join(dir, "pipelines-"+d.Info.FileKey()+".bin")
		}
	}
	var data []byte
	if pc.path != "" {
		// A missing or unreadable file just means a cold cache; the driver
		// checks the header and ignores data from another device or version.
		data, _ = os.ReadFile(pc.path)
	}
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(&data[0])
	}
	var ccache C.VkPipelineCache
	if err := checkC("vkCreatePipelineCache", C.mvk_create_pipeline_cache(d.in.c, d.cdev, ptr, C.size_t(len(data)), &ccache)); err != nil {
		return nil, err
	}
	cache := vkg.PipelineCache(unsafe.Pointer(ccache))
	pc.cache = cache
	return pc, nil
}

func (pc *pipelineCache) handle() vkg.PipelineCache {
	if pc == nil {
		return nil
	}
	return pc.cache
}

// close writes the cache back (atomically) and destroys it.
func (pc *pipelineCache) close() error {
	if pc.cache == nil {
		return nil
	}
	defer func() {
		vkg.DestroyPipelineCache(pc.d.dev, pc.cache, nil)
		pc.cache = nil
	}()
	if pc.path == "" {
		return nil
	}
	var n uint
	if err := check("vkGetPipelineCacheData", vkg.GetPipelineCacheData(pc.d.dev, pc.cache, &n, nil)); err != nil || n == 0 {
		return err
	}
	p := C.malloc(C.size_t(n))
	defer C.free(p)
	if err := check("vkGetPipelineCacheData", vkg.GetPipelineCacheData(pc.d.dev, pc.cache, &n, p)); err != nil {
		return err
	}
	data := C.GoBytes(p, C.int(n))
	// The cache is an optimisation: failing to save it is not an error.
	if os.MkdirAll(filepath.Dir(pc.path), 0o755) == nil {
		_ = atomicfile.WriteBytes(pc.path, data)
	}
	return nil
}
