// erf.glsl: the error function in fp32 arithmetic and the exact GELU built
// on it, shared by the gelu kernels and the GEMM's fused GELU epilogue.
//
//	float erf_f32(float x)        erf(x)
//	float gelu_f32(float x)       0.5·x·(1 + erf(x/√2))
//	float gelu_grad_f32(float x)  Φ(x) + x·φ(x),  φ(x) = exp(−x²/2)/√(2π)
//
// erf_f32 is piecewise polynomial, with no exp and no division:
//
//	|x| < 0.6          erf = x + x·P0(x²)              (degree 5 in x²)
//	0.6 ≤ |x| < 1.15   erf = c + P1(|x| − 0.875)       (degree 8)
//	1.15 ≤ |x| < 2     erf = c + P2(|x| − 1.5625)      (degree 9)
//	2 ≤ |x|            erf = c + P3(min(|x|, 4) − 3)   (degree 11)
//
// The coefficients are float32 roundings of Chebyshev interpolants of erf
// (float64 approximation error below 1e-9 on every piece). Each shifted
// piece centres on a float-exact point, so |x| − centre is exact and the
// terms shrink; the constant term is split into a float hi + lo pair, and
// the first piece adds x + x·(P0 − 1) rather than rounding 1.128. Simulated
// in float32 arithmetic (with and without fused multiply-add) on 24 million
// points in [−6, 6], the error against float64 math.Erf is at most 5.3e-8
// absolute and 0.39 of 1e-7 + 2⁻²⁴·|erf(x)|; the device test measures it
// again on each driver. For |x| ≥ 4 the result rounds to ±1 (erfc(4) is
// 1.5e-8). erf_f32 of NaN is unspecified; the GELU functions still return
// NaN for a NaN input through their factor x.
//
// The GELU of a very negative x, 0.5·x·(1 + erf), cancels as PyTorch's fp32
// formula does: its absolute error stays near 3e-8·|x|, so its relative error
// grows where the value is tiny (x < −4, |gelu| < 1.3e-4).
#ifndef MAEVK_ERF_GLSL
#define MAEVK_ERF_GLSL

float erf_f32(float x) {
	float a = abs(x);
	float r;
	if (a < 0.6) {
		float y = a * a;
		float p = -7.348930812e-04;
		p = p * y + 5.176707637e-03;
		p = p * y - 2.685745992e-02;
		p = p * y + 1.128371879e-01;
		p = p * y - 3.761263788e-01;
		p = p * y + 1.283791661e-01;
		r = a + a * p;
	} else {
		a = min(a, 4.0);
		float u, p, hi, lo;
		if (a < 1.15) {
			u = a - 0.875;
			p = -1.696990104e-03;
			p = p * u + 1.804902591e-02;
			p = p * u - 1.037618052e-02;
			p = p * u - 6.718499959e-02;
			p = p * u + 1.123967394e-01;
			p = p * u + 9.292295575e-02;
			p = p * u - 4.591519237e-01;
			p = p * u + 5.247450471e-01;
			hi = 7.840750813e-01;
			lo = -2.028856017e-08;
		} else if (a < 2.0) {
			u = a - 1.5625;
			p = 1.488813665e-03;
			p = p * u - 1.527660410e-03;
			p = p * u - 5.664602388e-03;
			p = p * u + 1.704283431e-02;
			p = p * u - 8.039136417e-03;
			p = p * u - 4.815602675e-02;
			p = p * u + 1.271133572e-01;
			p = p * u - 1.534566730e-01;
			p = p * u + 9.821227938e-02;
			hi = 9.728746414e-01;
			lo = -2.768084428e-08;
		} else {
			u = a - 3.0;
			p = -9.620903256e-06;
			p = p * u + 2.214484266e-05;
			p = p * u + 1.231837814e-05;
			p = p * u - 1.411915291e-04;
			p = p * u + 3.914576373e-04;
			p = p * u - 7.349403459e-04;
			p = p * u + 1.016332186e-03;
			p = p * u - 1.045097131e-03;
			p = p * u + 7.891193382e-04;
			p = p * u - 4.177003575e-04;
			p = p * u + 1.392527920e-04;
			hi = 9.999778867e-01;
			lo = 2.201267080e-08;
		}
		r = hi + (lo + u * p);
	}
	return x < 0.0 ? -r : r;
}

// 1/√2 and 1/√(2π).
const float ERF_SQRT1_2 = 0.70710678118654752;
const float ERF_INV_SQRT_2PI = 0.39894228040143268;

float gelu_f32(float x) {
	return 0.5 * x * (1.0 + erf_f32(x * ERF_SQRT1_2));
}

float gelu_grad_f32(float x) {
	float cdf = 0.5 * (1.0 + erf_f32(x * ERF_SQRT1_2));
	return cdf + x * (ERF_INV_SQRT_2PI * exp(-0.5 * x * x));
}

#endif
