// loss_wgsum.glsl: a deterministic workgroup sum in shared memory, used by
// the loss, gradnorm and unshuffle kernels. The workgroup size must be a
// power of two no larger than LOSS_WGSUM_MAX (the Go side picks it).
// Include it after MAEVK_LOCAL_SIZE_X: before the layout declaration
// glslang takes gl_WorkGroupSize as (1, 1, 1) and the sum sees one lane.
#ifndef MAEVK_LOSS_WGSUM_GLSL
#define MAEVK_LOSS_WGSUM_GLSL

#define LOSS_WGSUM_MAX 256

shared float lossWgsumBuf[LOSS_WGSUM_MAX];

// wgSum returns the sum of v over the workgroup to every invocation. Call it
// in uniform control flow. The tree order is fixed, so the result is the
// same on every run for a given workgroup size.
float wgSum(float v) {
	uint lid = gl_LocalInvocationID.x;
	lossWgsumBuf[lid] = v;
	barrier();
	for (uint s = gl_WorkGroupSize.x / 2u; s > 0u; s >>= 1) {
		if (lid < s) {
			lossWgsumBuf[lid] += lossWgsumBuf[lid + s];
		}
		barrier();
	}
	float total = lossWgsumBuf[0];
	barrier(); // the buffer may be reused by the next call
	return total;
}

#endif
