package vk

import (
	"fmt"
	"time"

	vkg "github.com/vulkan-go/vulkan"
)

// Groups is a dispatch's workgroup count in x, y, z.
type Groups [3]int

// Recording is a command buffer of dispatches, copies and fills, recorded
// once and submitted any number of times. Barriers are derived from what
// each command reads and writes: one is recorded only where a command
// touches a range that an earlier command since the last barrier wrote
// (read-after-write, write-after-write) or read (write-after-read).
//
// Recording methods do not return errors: the first problem is kept and
// returned by End, Submit or Run. Caller mistakes (wrong number of bindings,
// a misaligned span) panic.
type Recording struct {
	d      *Device
	cmd    vkg.CommandBuffer
	fence  vkg.Fence
	err    error
	ended  bool
	queued bool

	epoch  int
	access map[*Buffer]*rangeAccess

	pools    []vkg.DescriptorPool
	poolSets int // sets left in the newest pool
	views    []vkg.BufferView

	queries    vkg.QueryPool
	labels     []string
	Dispatches int // dispatches recorded
	Barriers   int // barriers recorded
}

// rangeAccess is what one buffer has seen since the last barrier.
type rangeAccess struct {
	epoch         int
	reads, writes []byteRange
}

type byteRange struct{ lo, hi int }

func (a byteRange) overlaps(b byteRange) bool { return a.lo < b.hi && b.lo < a.hi }

const (
	setsPerPool     = 128
	storagePerSet   = 12
	texelPerSet     = 4
	maxTimedCommand = 4096
)

// NewRecording begins a recording.
func (d *Device) NewRecording() (*Recording, error) {
	r := &Recording{d: d, access: map[*Buffer]*rangeAccess{}}
	if d.opts.DryRun {
		return r, nil // checks and barrier counts only (Options.DryRun)
	}
	cmds := make([]vkg.CommandBuffer, 1)
	err := check("vkAllocateCommandBuffers", vkg.AllocateCommandBuffers(d.dev, &vkg.CommandBufferAllocateInfo{
		SType:              vkg.StructureTypeCommandBufferAllocateInfo,
		CommandPool:        d.cmdPool,
		Level:              vkg.CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}, cmds))
	if err != nil {
		return nil, err
	}
	r.cmd = cmds[0]
	d.live.Add(1)
	var fence vkg.Fence
	if err := check("vkCreateFence", vkg.CreateFence(d.dev, &vkg.FenceCreateInfo{
		SType: vkg.StructureTypeFenceCreateInfo,
	}, nil, &fence)); err != nil {
		r.Release()
		return nil, err
	}
	r.fence = fence
	if err := check("vkBeginCommandBuffer", vkg.BeginCommandBuffer(r.cmd, &vkg.CommandBufferBeginInfo{
		SType: vkg.StructureTypeCommandBufferBeginInfo,
	})); err != nil {
		r.Release()
		return nil, err
	}
	if d.Profiling() {
		var queries vkg.QueryPool
		if err := check("vkCreateQueryPool", vkg.CreateQueryPool(d.dev, &vkg.QueryPoolCreateInfo{
			SType:      vkg.StructureTypeQueryPoolCreateInfo,
			QueryType:  vkg.QueryTypeTimestamp,
			QueryCount: 2 * maxTimedCommand,
		}, nil, &queries)); err != nil {
			r.Release()
			return nil, err
		}
		r.queries = queries
		vkg.CmdResetQueryPool(r.cmd, r.queries, 0, 2*maxTimedCommand)
	}
	// Earlier submissions may have written anything this one touches.
	r.barrier(vkg.PipelineStageComputeShaderBit|vkg.PipelineStageTransferBit,
		vkg.AccessShaderWriteBit|vkg.AccessTransferWriteBit)
	return r, nil
}

func (r *Recording) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *Recording) checkOpen(what string) bool {
	if r.ended {
		panic(fmt.Sprintf("vk: %s on a recording that has ended", what))
	}
	return r.err == nil
}

// barrier records a global memory barrier from srcStage/srcAccess to every
// compute and transfer access, and starts a new hazard epoch.
func (r *Recording) barrier(srcStage vkg.PipelineStageFlagBits, srcAccess vkg.AccessFlagBits) {
	dstStage := vkg.PipelineStageComputeShaderBit | vkg.PipelineStageTransferBit
	dstAccess := vkg.AccessShaderReadBit | vkg.AccessShaderWriteBit | vkg.AccessTransferReadBit | vkg.AccessTransferWriteBit
	if r.cmd != nil {
		r.d.cmdBarrier(r.cmd, uint32(srcStage), uint32(dstStage), uint32(srcAccess), uint32(dstAccess))
	}
	r.epoch++
	r.Barriers++
}

type use struct {
	span   Span
	access Access
}

// order records a barrier if any of uses conflicts with an access since the
// last barrier, then notes the uses.
func (r *Recording) order(uses []use) {
	hazard := false
	for _, u := range uses {
		st := r.access[u.span.Buf]
		if st == nil || st.epoch != r.epoch {
			continue
		}
		rg := byteRange{u.span.Offset, u.span.Offset + u.span.Size}
		for _, w := range st.writes {
			hazard = hazard || rg.overlaps(w)
		}
		if u.access&Write != 0 {
			for _, rd := range st.reads {
				hazard = hazard || rg.overlaps(rd)
			}
		}
	}
	if hazard {
		r.barrier(vkg.PipelineStageComputeShaderBit|vkg.PipelineStageTransferBit,
			vkg.AccessShaderWriteBit|vkg.AccessTransferWriteBit)
	}
	for _, u := range uses {
		st := r.access[u.span.Buf]
		if st == nil {
			st = &rangeAccess{}
			r.access[u.span.Buf] = st
		}
		if st.epoch != r.epoch {
			st.epoch, st.reads, st.writes = r.epoch, st.reads[:0], st.writes[:0]
		}
		rg := byteRange{u.span.Offset, u.span.Offset + u.span.Size}
		if u.access&Read != 0 {
			st.reads = append(st.reads, rg)
		}
		if u.access&Write != 0 {
			st.writes = append(st.writes, rg)
		}
	}
}

// Dispatch records kernel k over groups workgroups with the push-constant
// bytes push (exactly k.Spec.PushBytes long) and one binding per slot.
func (r *Recording) Dispatch(k *Kernel, groups Groups, push []byte, bindings ...Binding) {
	if !r.checkOpen("Dispatch " + k.Spec.Name) {
		return
	}
	if len(bindings) != len(k.Spec.Slots) {
		panic(fmt.Sprintf("vk: kernel %s takes %d bindings, got %d", k.Spec.Name, len(k.Spec.Slots), len(bindings)))
	}
	if len(push) != k.Spec.PushBytes {
		panic(fmt.Sprintf("vk: kernel %s takes %d push-constant bytes, got %d", k.Spec.Name, k.Spec.PushBytes, len(push)))
	}
	for i, g := range groups {
		if g < 1 || g > r.d.Info.MaxWorkgroupCount[i] {
			r.fail(fmt.Errorf("vulkan: dispatch %s: %d workgroups in dimension %d (device allows 1..%d)",
				k.Spec.Name, g, i, r.d.Info.MaxWorkgroupCount[i]))
			return
		}
	}
	uses := make([]use, len(bindings))
	for i, b := range bindings {
		uses[i] = use{b.span(), k.Spec.Slots[i].Access}
		if !r.checkBinding(k, i, uses[i].span) {
			return
		}
	}
	if r.cmd == nil { // dry run
		r.order(uses)
		r.Dispatches++
		return
	}
	set, ok := r.descriptorSet(k, uses)
	if !ok {
		return
	}
	r.order(uses)
	timed := r.queries != nil && len(r.labels) < maxTimedCommand
	if timed {
		vkg.CmdWriteTimestamp(r.cmd, vkg.PipelineStageTopOfPipeBit, r.queries, uint32(2*len(r.labels)))
	}
	vkg.CmdBindPipeline(r.cmd, vkg.PipelineBindPointCompute, k.pipe)
	vkg.CmdBindDescriptorSets(r.cmd, vkg.PipelineBindPointCompute, k.layout, 0, 1, []vkg.DescriptorSet{set}, 0, nil)
	if len(push) > 0 {
		pushConstants(r.cmd, k.layout, push)
	}
	vkg.CmdDispatch(r.cmd, uint32(groups[0]), uint32(groups[1]), uint32(groups[2]))
	if timed {
		vkg.CmdWriteTimestamp(r.cmd, vkg.PipelineStageBottomOfPipeBit, r.queries, uint32(2*len(r.labels)+1))
		r.labels = append(r.labels, k.String())
	}
	r.Dispatches++
}

// Copy records a copy of src into dst (equal sizes).
func (r *Recording) Copy(dst, src Span) {
	if !r.checkOpen("Copy") {
		return
	}
	if dst.Size != src.Size {
		panic(fmt.Sprintf("vk: copy of %d bytes from %s into %d bytes of %s", src.Size, src.Buf.Name, dst.Size, dst.Buf.Name))
	}
	if dst.Size == 0 {
		return
	}
	r.order([]use{{src, Read}, {dst, Write}})
	if r.cmd == nil {
		return
	}
	r.d.cmdCopy(r.cmd, src.Buf.buf, dst.Buf.buf, src.Offset, dst.Offset, dst.Size)
}

// Fill records setting every 32-bit word of dst to value; dst's offset and
// size must be multiples of 4.
func (r *Recording) Fill(dst Span, value uint32) {
	if !r.checkOpen("Fill") {
		return
	}
	if dst.Offset%4 != 0 || dst.Size%4 != 0 {
		panic(fmt.Sprintf("vk: fill of %s needs 4-byte aligned offset and size, got %d+%d", dst.Buf.Name, dst.Offset, dst.Size))
	}
	if dst.Size == 0 {
		return
	}
	r.order([]use{{dst, Write}})
	if r.cmd == nil {
		return
	}
	vkg.CmdFillBuffer(r.cmd, dst.Buf.buf, vkg.DeviceSize(dst.Offset), vkg.DeviceSize(dst.Size), value)
}

// End finishes recording; Submit and Run call it when needed.
func (r *Recording) End() error {
	if r.ended {
		return r.err
	}
	r.ended = true
	if r.cmd == nil {
		r.access = nil
		return r.err
	}
	// Make every write visible to the host once the fence signals.
	r.d.cmdBarrier(r.cmd, uint32(vkg.PipelineStageComputeShaderBit|vkg.PipelineStageTransferBit),
		uint32(vkg.PipelineStageHostBit), uint32(vkg.AccessShaderWriteBit|vkg.AccessTransferWriteBit),
		uint32(vkg.AccessHostReadBit))
	if err := check("vkEndCommandBuffer", vkg.EndCommandBuffer(r.cmd)); err != nil {
		r.fail(err)
	}
	r.access = nil
	return r.err
}

// Submit queues the recording on the device and returns at once; Wait
// blocks until it has run. A recording can be submitted again once waited.
func (r *Recording) Submit() error {
	if err := r.End(); err != nil {
		return err
	}
	if r.queued {
		return fmt.Errorf("vulkan: recording submitted again before Wait")
	}
	if r.cmd == nil {
		return nil // dry run: nothing to run
	}
	if err := check("vkResetFences", vkg.ResetFences(r.d.dev, 1, []vkg.Fence{r.fence})); err != nil {
		return err
	}
	if err := r.d.queueSubmit(r.cmd, r.fence); err != nil {
		return err
	}
	r.queued = true
	return nil
}

// waitTimeout bounds one wait; the CPU drivers can be slow, so it is long.
const waitTimeout = 30 * time.Minute

// Wait blocks until the last Submit has finished.
func (r *Recording) Wait() error {
	if !r.queued {
		return nil
	}
	res := vkg.WaitForFences(r.d.dev, 1, []vkg.Fence{r.fence}, vkg.True, uint64(waitTimeout.Nanoseconds()))
	if res == vkg.Timeout {
		return fmt.Errorf("vulkan: vkWaitForFences: recording still running after %v", waitTimeout)
	}
	r.queued = false
	return check("vkWaitForFences", res)
}

// Run submits the recording and waits for it.
func (r *Recording) Run() error {
	if err := r.Submit(); err != nil {
		return err
	}
	return r.Wait()
}

// Release waits for the recording if it is queued and destroys it. It is
// safe to call twice.
func (r *Recording) Release() {
	if r == nil || r.d == nil {
		return
	}
	d := r.d
	_ = r.Wait()
	for _, v := range r.views {
		vkg.DestroyBufferView(d.dev, v, nil)
	}
	for _, p := range r.pools {
		vkg.DestroyDescriptorPool(d.dev, p, nil)
	}
	if r.queries != nil {
		vkg.DestroyQueryPool(d.dev, r.queries, nil)
	}
	if r.fence != nil {
		vkg.DestroyFence(d.dev, r.fence, nil)
	}
	if r.cmd != nil {
		vkg.FreeCommandBuffers(d.dev, d.cmdPool, 1, []vkg.CommandBuffer{r.cmd})
		d.live.Add(-1)
	}
	*r = Recording{}
}
