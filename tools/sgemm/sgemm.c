// sgemm: times OpenBLAS cblas_sgemm on C = A·op(B), the CPU baseline that
// docs/performance.md compares mae-vk's GEMM with. Usage:
//   sgemm M N K [NN|NT|TN] [seconds]
// Prints one JSON line: {"m":..,"n":..,"k":..,"form":..,"median_ms":..,"gflops":..}
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: sgemm M N K [NN|NT|TN] [seconds]\n");
		return 2;
	}
	int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
	const char *form = argc > 4 ? argv[4] : "NN";
	double budget = argc > 5 ? atof(argv[5]) : 2.0;
	int ta = form[0] == 'T', tb = form[1] == 'T';
	float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
	for (long i = 0; i < (long)m * k; i++) a[i] = (float)(i % 17) / 17.0f - 0.5f;
	for (long i = 0; i < (long)k * n; i++) b[i] = (float)(i % 13) / 13.0f - 0.5f;
	double times[1000];
	int runs = 0;
	double start = now();
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f,
		a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
	while (runs < 1000 && (runs < 3 || now() - start < budget)) {
		double t0 = now();
		cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f,
			a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
		times[runs++] = now() - t0;
	}
	qsort(times, runs, sizeof(double), cmp);
	double med = times[runs / 2];
	printf("{\"m\":%d,\"n\":%d,\"k\":%d,\"form\":\"%s\",\"runs\":%d,\"median_ms\":%.4f,\"gflops\":%.2f}\n",
		m, n, k, form, runs, med * 1e3, 2.0 * m * n * k / med / 1e9);
	return 0;
}
