package vk

import (
	"fmt"
	"time"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// DispatchTime is how long one dispatch of the last run took on the device.
type DispatchTime struct {
	Kernel   string
	Duration time.Duration
}

// Timings reads the timestamps of the last run, one entry per dispatch in
// recording order. It needs a device opened with Profile and a recording
// that has been waited for; otherwise it returns nil.
func (r *Recording) Timings() ([]DispatchTime, error) {
	if r.queries == nil || len(r.labels) == 0 || r.queued {
		return nil, nil
	}
	n := 2 * len(r.labels)
	stamps := make([]uint64, n)
	err := check("vkGetQueryPoolResults", vkg.GetQueryPoolResults(r.d.dev, r.queries, 0, uint32(n),
		uint(8*n), unsafe.Pointer(&stamps[0]), 8,
		vkg.QueryResultFlags(vkg.QueryResult64Bit|vkg.QueryResultWaitBit)))
	if err != nil {
		return nil, fmt.Errorf("read timestamps: %w", err)
	}
	mask := ^uint64(0)
	if b := r.d.Info.TimestampBits; b > 0 && b < 64 {
		mask = 1<<uint(b) - 1
	}
	out := make([]DispatchTime, len(r.labels))
	for i, l := range r.labels {
		ticks := (stamps[2*i+1] - stamps[2*i]) & mask
		out[i] = DispatchTime{Kernel: l, Duration: time.Duration(float64(ticks) * r.d.Info.TimestampPeriodNs)}
	}
	return out, nil
}
