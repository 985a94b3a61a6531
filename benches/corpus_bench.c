/* corpus_bench: kernels of the OpenCL C corpus (the .cl files of kernels/tests/corpus/) on every platform
 * the ICD loader finds, from the same .cl source files on every platform.
 *
 * For each (platform, kernel): build the .cl file with clBuildProgram, run the kernel once and
 * check the result against a C reference (small tolerance; MISMATCH and a non-zero exit if
 * wrong), warm up, then time R back-to-back enqueues + one clFinish, median of T trials.
 * Output: one line per (platform, kernel): time per kernel and a derived rate.
 *
 *   saxpy        y = a*x + y                              GB/s  (12 bytes per element)
 *   vector_add   c = a + b                                GB/s  (12 bytes per element)
 *   dot_reduce   per-work-group dot products, __local     GB/s  (8 bytes per element)
 *   histogram    16 bins, __local + global atomics        GB/s  (1 byte per element)
 *   matmul       8x8-tiled SGEMM, n x n                   GFLOP/s (2 n^3)
 *   nbody_step   all-pairs, float4, __local tiles         GFLOP/s (20 per interaction)
 *   mandelbrot   escape counts, max 256 iterations        GFLOP/s (7 per iteration done)
 *   convolve2d   5x5 filter in __constant, clamp-to-edge  GFLOP/s (50 per pixel)
 *   jacobi5      5-point stencil                          GB/s  (8 bytes per pixel)
 *
 * Usage: corpus_bench [--quick] [--platform SUBSTRING] [--corpus DIR]
 *   DIR: the corpus folder (default kernels/tests/corpus, relative to the repo root).
 */
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define CHECK(x) do { cl_int e_ = (x); if (e_ != CL_SUCCESS) { fprintf(stderr, "%s:%d: %s = %d\n", __FILE__, __LINE__, #x, e_); exit(1); } } while (0)

static const char *corpus_dir = "kernels/tests/corpus";
static int quick = 0;
static int failures = 0;

/* ------------------------------------------------------------------ setup helpers */

typedef struct { cl_context ctx; cl_command_queue q; cl_device_id dev; char label[25]; } env_t;

static char *read_file(const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", corpus_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s (run from the repo root or pass --corpus DIR)\n", path); exit(1); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc(n + 1);
    if (fread(s, 1, n, f) != (size_t)n) { fprintf(stderr, "cannot read %s\n", path); exit(1); }
    s[n] = 0;
    fclose(f);
    return s;
}

/* Builds a corpus file; on failure prints the log, counts a failure and returns NULL. */
static cl_program build(env_t *e, const char *file) {
    char *src = read_file(file);
    cl_int err;
    cl_program p = clCreateProgramWithSource(e->ctx, 1, (const char **)&src, NULL, &err); CHECK(err);
    free(src);
    if (clBuildProgram(p, 1, &e->dev, "", NULL, NULL) != CL_SUCCESS) {
        size_t n = 0;
        clGetProgramBuildInfo(p, e->dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
        char *log = calloc(n + 1, 1);
        clGetProgramBuildInfo(p, e->dev, CL_PROGRAM_BUILD_LOG, n, log, NULL);
        printf("%-24s %-28s BUILD FAILED\n%s\n", e->label, file, log);
        free(log);
        clReleaseProgram(p);
        failures++;
        return NULL;
    }
    return p;
}

static cl_mem buf(env_t *e, size_t size, const void *init) {
    cl_int err;
    cl_mem m = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE | (init ? CL_MEM_COPY_HOST_PTR : 0), size, (void *)init, &err); CHECK(err);
    return m;
}

static void read_buf(env_t *e, cl_mem m, size_t size, void *out) {
    CHECK(clEnqueueReadBuffer(e->q, m, CL_TRUE, 0, size, out, 0, NULL, NULL));
}

static void run1(env_t *e, cl_kernel k, cl_uint dims, const size_t *g, const size_t *l) {
    CHECK(clEnqueueNDRangeKernel(e->q, k, dims, NULL, g, l, 0, NULL, NULL));
}

static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }

/* Seconds per kernel: one warm-up enqueue, then the median of T trials of R back-to-back
 * enqueues followed by one clFinish. */
static double time_kernel(env_t *e, cl_kernel k, cl_uint dims, const size_t *g, const size_t *l) {
    int trials = quick ? 3 : 7, reps = quick ? 5 : 10;
    double v[16];
    run1(e, k, dims, g, l);
    CHECK(clFinish(e->q));
    for (int t = 0; t < trials; t++) {
        double t0 = now_s();
        for (int r = 0; r < reps; r++) run1(e, k, dims, g, l);
        CHECK(clFinish(e->q));
        v[t] = (now_s() - t0) / reps;
    }
    qsort(v, trials, sizeof *v, cmp_d);
    return v[trials / 2];
}

static void report(env_t *e, const char *what, double sec, double amount, const char *unit) {
    int trials = quick ? 3 : 7, reps = quick ? 5 : 10;
    printf("%-24s %-28s %10.3f ms/kernel %10.2f %-7s (median of %d x %d kernels)\n", e->label, what, sec * 1e3, amount / sec / 1e9, unit,
           trials, reps);
    fflush(stdout);
}

/* Prints the first mismatch (or the count) and records a failure; returns 1 if ok. */
static int verdict(env_t *e, const char *what, long bad, long total, const char *detail) {
    if (bad == 0) return 1;
    printf("%-24s %-28s MISMATCH: %ld of %ld wrong; first: %s\n", e->label, what, bad, total, detail);
    fflush(stdout);
    failures++;
    return 0;
}

/* Deterministic values in [-1, 1) (xorshift, as reference.rs). */
static void rand_f32(float *v, size_t n, unsigned seed) {
    unsigned s = seed ? seed : 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13; s ^= s >> 17; s ^= s << 5;
        v[i] = (float)(s % 2000) / 1000.0f - 1.0f;
    }
}

static float *falloc(size_t n) { float *p = malloc(n * sizeof(float)); if (!p) { fprintf(stderr, "out of memory\n"); exit(1); } return p; }

/* ------------------------------------------------------------------ the workloads */

static void bench_saxpy(env_t *e) {
    cl_program p = build(e, "saxpy.cl");
    if (!p) return;
    cl_int err;
    cl_kernel k = clCreateKernel(p, "saxpy", &err); CHECK(err);
    size_t n = (size_t)1 << (quick ? 18 : 24), l = 256;
    float *x = falloc(n), *y = falloc(n), *got = falloc(n);
    rand_f32(x, n, 3); rand_f32(y, n, 4);
    cl_mem bx = buf(e, n * 4, x), by = buf(e, n * 4, y);
    float a = 0.5f;
    CHECK(clSetKernelArg(k, 0, sizeof a, &a));
    CHECK(clSetKernelArg(k, 1, sizeof bx, &bx));
    CHECK(clSetKernelArg(k, 2, sizeof by, &by));
    run1(e, k, 1, &n, &l);
    read_buf(e, by, n * 4, got);
    long bad = 0; char d[160] = "";
    for (size_t i = 0; i < n; i++) {
        float w = a * x[i] + y[i];
        if (!(fabsf(got[i] - w) <= 1e-6f * (1 + fabsf(w)))) { if (!bad++) snprintf(d, sizeof d, "y[%zu] = %g, want %g", i, got[i], w); }
    }
    char what[40]; snprintf(what, sizeof what, "saxpy_2^%d", quick ? 18 : 24);
    if (verdict(e, what, bad, n, d)) report(e, what, time_kernel(e, k, 1, &n, &l), 12.0 * n, "GB/s");
    free(x); free(y); free(got);
    clReleaseMemObject(bx); clReleaseMemObject(by); clReleaseKernel(k); clReleaseProgram(p);
}

static void bench_vector_add(env_t *e) {
    cl_program p = build(e, "vector_add.cl");
    if (!p) return;
    cl_int err;
    cl_kernel k = clCreateKernel(p, "vector_add", &err); CHECK(err);
    size_t n = (size_t)1 << (quick ? 18 : 24), l = 256;
    float *a = falloc(n), *b = falloc(n), *got = falloc(n);
    rand_f32(a, n, 1); rand_f32(b, n, 2);
    cl_mem ba = buf(e, n * 4, a), bb = buf(e, n * 4, b), bc = buf(e, n * 4, NULL);
    cl_uint un = (cl_uint)n;
    CHECK(clSetKernelArg(k, 0, sizeof ba, &ba));
    CHECK(clSetKernelArg(k, 1, sizeof bb, &bb));
    CHECK(clSetKernelArg(k, 2, sizeof bc, &bc));
    CHECK(clSetKernelArg(k, 3, sizeof un, &un));
    run1(e, k, 1, &n, &l);
    read_buf(e, bc, n * 4, got);
    long bad = 0; char d[160] = "";
    for (size_t i = 0; i < n; i++)
        if (got[i] != a[i] + b[i]) { if (!bad++) snprintf(d, sizeof d, "c[%zu] = %g, want %g", i, got[i], a[i] + b[i]); }
    char what[40]; snprintf(what, sizeof what, "vector_add_2^%d", quick ? 18 : 24);
    if (verdict(e, what, bad, n, d)) report(e, what, time_kernel(e, k, 1, &n, &l), 12.0 * n, "GB/s");
    free(a); free(b); free(got);
    clReleaseMemObject(ba); clReleaseMemObject(bb); clReleaseMemObject(bc); clReleaseKernel(k); clReleaseProgram(p);
}

static void bench_reduce(env_t *e) {
    cl_program p = build(e, "reduce.cl");
    if (!p) return;
    cl_int err;
    cl_kernel k = clCreateKernel(p, "dot_reduce", &err); CHECK(err);
    size_t n = (size_t)1 << (quick ? 18 : 24), l = 256, groups = n / l;
    float *a = falloc(n), *b = falloc(n), *got = falloc(groups);
    rand_f32(a, n, 5); rand_f32(b, n, 6);
    cl_mem ba = buf(e, n * 4, a), bb = buf(e, n * 4, b), bp = buf(e, groups * 4, NULL);
    cl_uint un = (cl_uint)n;
    CHECK(clSetKernelArg(k, 0, sizeof ba, &ba));
    CHECK(clSetKernelArg(k, 1, sizeof bb, &bb));
    CHECK(clSetKernelArg(k, 2, sizeof bp, &bp));
    CHECK(clSetKernelArg(k, 3, l * sizeof(float), NULL));
    CHECK(clSetKernelArg(k, 4, sizeof un, &un));
    run1(e, k, 1, &n, &l);
    read_buf(e, bp, groups * 4, got);
    long bad = 0; char d[160] = "";
    for (size_t g = 0; g < groups; g++) {
        double w = 0, mag = 0;
        for (size_t i = g * l; i < (g + 1) * l; i++) { w += (double)a[i] * b[i]; mag += fabs((double)a[i] * b[i]); }
        /* 256 float products summed as a tree: a few ulps of the terms' magnitude. */
        if (!(fabs(got[g] - w) <= 1e-5 * mag + 1e-6)) { if (!bad++) snprintf(d, sizeof d, "partial[%zu] = %g, want %g", g, got[g], w); }
    }
    char what[40]; snprintf(what, sizeof what, "dot_reduce_2^%d_local256", quick ? 18 : 24);
    if (verdict(e, what, bad, groups, d)) report(e, what, time_kernel(e, k, 1, &n, &l), 8.0 * n, "GB/s");
    free(a); free(b); free(got);
    clReleaseMemObject(ba); clReleaseMemObject(bb); clReleaseMemObject(bp); clReleaseKernel(k); clReleaseProgram(p);
}

static void bench_histogram(env_t *e) {
    cl_program p = build(e, "histogram.cl");
    if (!p) return;
    cl_int err;
    cl_kernel k = clCreateKernel(p, "histogram", &err); CHECK(err);
    size_t n = (size_t)1 << (quick ? 18 : 24), l = 256;
    unsigned char *data = malloc(n);
    for (size_t i = 0; i < n; i++) data[i] = (unsigned char)((i * 7919) % 251);
    cl_uint zero[16] = {0}, got[16], want[16] = {0};
    for (size_t i = 0; i < n; i++) want[data[i] % 16]++;
    cl_mem bd = buf(e, n, data), bh = buf(e, sizeof zero, zero);
    cl_uint un = (cl_uint)n;
    CHECK(clSetKernelArg(k, 0, sizeof bd, &bd));
    CHECK(clSetKernelArg(k, 1, sizeof un, &un));
    CHECK(clSetKernelArg(k, 2, sizeof bh, &bh));
    run1(e, k, 1, &n, &l);
    read_buf(e, bh, sizeof got, got);
    long bad = 0; char d[160] = "";
    for (int i = 0; i < 16; i++)
        if (got[i] != want[i]) { if (!bad++) snprintf(d, sizeof d, "bin %d = %u, want %u", i, got[i], want[i]); }
    char what[40]; snprintf(what, sizeof what, "histogram16_2^%d", quick ? 18 : 24);
    if (verdict(e, what, bad, 16, d)) report(e, what, time_kernel(e, k, 1, &n, &l), 1.0 * n, "GB/s");
    free(data);
    clReleaseMemObject(bd); clReleaseMemObject(bh); clReleaseKernel(k); clReleaseProgram(p);
}

static void bench_matmul(env_t *e) {
    cl_program p = build(e, "matmul_tiled.cl");
    if (!p) return;
    cl_int err;
    cl_kernel k = clCreateKernel(p, "matmul", &err); CHECK(err);
    int n = quick ? 128 : 1024;
    size_t nn = (size_t)n * n, g[2] = {n, n}, l[2] = {8, 8};
    float *a = falloc(nn), *b = falloc(nn), *got = falloc(nn);
    rand_f32(a, nn, 7); rand_f32(b, nn, 8);
    cl_mem ba = buf(e, nn * 4, a), bb = buf(e, nn * 4, b), bc = buf(e, nn * 4, NULL);
    CHECK(clSetKernelArg(k, 0, sizeof ba, &ba));
    CHECK(clSetKernelArg(k, 1, sizeof bb, &bb));
    CHECK(clSetKernelArg(k, 2, sizeof bc, &bc));
    CHECK(clSetKernelArg(k, 3, sizeof n, &n));
    run1(e, k, 2, g, l);
    read_buf(e, bc, nn * 4, got);
    /* Every entry in quick mode; a fixed stride of 4099 entries otherwise. */
    long bad = 0, checked = 0; char d[160] = "";
    size_t step = quick ? 1 : 4099;
    for (size_t idx = 0; idx < nn; idx += step, checked++) {
        size_t r = idx / n, c = idx % n;
        double w = 0, mag = 0;
        for (int t = 0; t < n; t++) { double pr = (double)a[r * n + t] * b[(size_t)t * n + c]; w += pr; mag += fabs(pr); }
        if (!(fabs(got[idx] - w) <= 1e-5 * mag + 1e-6)) { if (!bad++) snprintf(d, sizeof d, "C[%zu][%zu] = %g, want %g", r, c, got[idx], w); }
    }
    char what[40]; snprintf(what, sizeof what, "matmul_tiled8_%dx%d", n, n);
    if (verdict(e, what, bad, checked, d)) report(e, what, time_kernel(e, k, 2, g, l), 2.0 * n * n * (double)n, "GFLOP/s");
    free(a); free(b); free(got);
    clReleaseMemObject(ba); clReleaseMemObject(bb); clReleaseMemObject(bc); clReleaseKernel(k); clReleaseProgram(p);
}

static void bench_nbody(env_t *e) {
    cl_program p = build(e, "nbody.cl");
    if (!p) return;
    cl_int err;
    cl_kernel k = clCreateKernel(p, "nbody_step", &err); CHECK(err);
    int n = quick ? 1024 : 16384;
    size_t g = n, l = 256;
    /* As reference.rs nbody_input: positions in [-1,1)^3, masses in [0.5,1.5), small velocities. */
    float *r = falloc((size_t)n * 8), *pos = falloc((size_t)n * 4), *vel = falloc((size_t)n * 4);
    float *gv = falloc((size_t)n * 4), *gp = falloc((size_t)n * 4);
    rand_f32(r, (size_t)n * 8, 21);
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < 3; c++) { pos[i * 4 + c] = r[i * 8 + c]; vel[i * 4 + c] = 0.1f * r[i * 8 + 4 + c]; }
        pos[i * 4 + 3] = 1.0f + 0.5f * r[i * 8 + 3];
        vel[i * 4 + 3] = r[i * 8 + 7];
    }
    float dt = 0.01f, eps2 = 0.01f;
    cl_mem bp = buf(e, (size_t)n * 16, pos), bv = buf(e, (size_t)n * 16, vel), bnp = buf(e, (size_t)n * 16, NULL);
    CHECK(clSetKernelArg(k, 0, sizeof bp, &bp));
    CHECK(clSetKernelArg(k, 1, sizeof bv, &bv));
    CHECK(clSetKernelArg(k, 2, sizeof bnp, &bnp));
    CHECK(clSetKernelArg(k, 3, l * 16, NULL));
    CHECK(clSetKernelArg(k, 4, sizeof n, &n));
    CHECK(clSetKernelArg(k, 5, sizeof dt, &dt));
    CHECK(clSetKernelArg(k, 6, sizeof eps2, &eps2));
    run1(e, k, 1, &g, &l);
    read_buf(e, bv, (size_t)n * 16, gv);
    read_buf(e, bnp, (size_t)n * 16, gp);
    /* Every body in quick mode, every 61st otherwise; reference in double. */
    long bad = 0, checked = 0; char d[160] = "";
    for (int i = 0; i < n; i += quick ? 1 : 61, checked++) {
        double acc[3] = {0, 0, 0}, mag = 0;
        for (int j = 0; j < n; j++) {
            double dd[3], r2 = eps2;
            for (int c = 0; c < 3; c++) { dd[c] = (double)pos[j * 4 + c] - pos[i * 4 + c]; r2 += dd[c] * dd[c]; }
            double s = pos[j * 4 + 3] / (r2 * sqrt(r2));
            for (int c = 0; c < 3; c++) { acc[c] += dd[c] * s; mag += fabs(dd[c] * s); }
        }
        /* n float terms summed in order: 1e-4 of the terms' magnitudes (times dt). */
        double tol = 1e-4 * mag * dt + 1e-6;
        for (int c = 0; c < 3; c++) {
            double v = vel[i * 4 + c] + acc[c] * dt, np = pos[i * 4 + c] + v * dt;
            if (!(fabs(gv[i * 4 + c] - v) <= tol) || !(fabs(gp[i * 4 + c] - np) <= tol * dt + 1e-6)) {
                if (!bad++) snprintf(d, sizeof d, "body %d.%d: vel %g pos %g, want %g %g", i, c, gv[i * 4 + c], gp[i * 4 + c], v, np);
            }
        }
        if (gv[i * 4 + 3] != vel[i * 4 + 3] || gp[i * 4 + 3] != pos[i * 4 + 3]) { if (!bad++) snprintf(d, sizeof d, "body %d: w changed", i); }
    }
    char what[40]; snprintf(what, sizeof what, "nbody_%d_local256", n);
    if (verdict(e, what, bad, checked, d)) report(e, what, time_kernel(e, k, 1, &g, &l), 20.0 * n * (double)n, "GFLOP/s");
    free(r); free(pos); free(vel); free(gv); free(gp);
    clReleaseMemObject(bp); clReleaseMemObject(bv); clReleaseMemObject(bnp); clReleaseKernel(k); clReleaseProgram(p);
}

static void bench_mandelbrot(env_t *e) {
    cl_program p = build(e, "mandelbrot.cl");
    if (!p) return;
    cl_int err;
    cl_kernel k = clCreateKernel(p, "mandelbrot", &err); CHECK(err);
    int w = quick ? 256 : 2048, h = w, max = 256;
    size_t g[2] = {w, h}, l[2] = {16, 16}, np = (size_t)w * h;
    cl_uint *got = malloc(np * 4);
    cl_mem bo = buf(e, np * 4, NULL);
    CHECK(clSetKernelArg(k, 0, sizeof bo, &bo));
    CHECK(clSetKernelArg(k, 1, sizeof w, &w));
    CHECK(clSetKernelArg(k, 2, sizeof h, &h));
    CHECK(clSetKernelArg(k, 3, sizeof max, &max));
    run1(e, k, 2, g, l);
    read_buf(e, bo, np * 4, got);
    long bad = 0; char d[160] = "";
    double iters = 0;
    for (int py = 0; py < h; py++)
        for (int px = 0; px < w; px++) {
            float x0 = -2.0f + 3.0f * px / w, y0 = -1.5f + 3.0f * py / h, x = 0, y = 0;
            int it = 0;
            while (x * x + y * y <= 4.0f && it < max) { float xt = x * x - y * y + x0; y = 2.0f * x * y + y0; x = xt; it++; }
            cl_uint gi = got[(size_t)py * w + px];
            iters += gi;
            if (gi != (cl_uint)it) { if (!bad++) snprintf(d, sizeof d, "pixel (%d,%d) = %u, want %d", px, py, gi, it); }
        }
    /* Escape counts near the set's boundary are chaotic (a contracted multiply-add changes
     * some): up to 2% of the pixels may differ, as in the Rust tests. */
    if (bad <= (long)(np / 50)) bad = 0;
    char what[40]; snprintf(what, sizeof what, "mandelbrot_%dx%d_max%d", w, h, max);
    if (verdict(e, what, bad, np, d)) report(e, what, time_kernel(e, k, 2, g, l), 7.0 * iters, "GFLOP/s");
    free(got);
    clReleaseMemObject(bo); clReleaseKernel(k); clReleaseProgram(p);
}

static void bench_convolution(env_t *e) {
    cl_program p = build(e, "convolution.cl");
    if (!p) return;
    cl_int err;
    cl_kernel conv = clCreateKernel(p, "convolve2d", &err); CHECK(err);
    cl_kernel jac = clCreateKernel(p, "jacobi5", &err); CHECK(err);
    int w = quick ? 256 : 2048, h = w;
    size_t g[2] = {w, h}, l[2] = {16, 16}, np = (size_t)w * h;
    float *img = falloc(np), *got = falloc(np), filt[25], fs = 0;
    rand_f32(img, np, 51);
    for (int i = 0; i < 25; i++) { filt[i] = 1.0f + (float)((i * 7) % 5); fs += filt[i]; }
    for (int i = 0; i < 25; i++) filt[i] /= fs;
    cl_mem bi = buf(e, np * 4, img), bf = buf(e, sizeof filt, filt), bo = buf(e, np * 4, NULL), bj = buf(e, np * 4, NULL);
    CHECK(clSetKernelArg(conv, 0, sizeof bi, &bi));
    CHECK(clSetKernelArg(conv, 1, sizeof bo, &bo));
    CHECK(clSetKernelArg(conv, 2, sizeof bf, &bf));
    CHECK(clSetKernelArg(conv, 3, sizeof w, &w));
    CHECK(clSetKernelArg(conv, 4, sizeof h, &h));
    CHECK(clSetKernelArg(jac, 0, sizeof bi, &bi));
    CHECK(clSetKernelArg(jac, 1, sizeof bj, &bj));
    CHECK(clSetKernelArg(jac, 2, sizeof w, &w));
    CHECK(clSetKernelArg(jac, 3, sizeof h, &h));

    run1(e, conv, 2, g, l);
    read_buf(e, bo, np * 4, got);
    long bad = 0; char d[160] = "";
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float acc = 0;
            for (int dy = -2; dy <= 2; dy++) {
                int yy = y + dy < 0 ? 0 : (y + dy > h - 1 ? h - 1 : y + dy);
                for (int dx = -2; dx <= 2; dx++) {
                    int xx = x + dx < 0 ? 0 : (x + dx > w - 1 ? w - 1 : x + dx);
                    acc += img[(size_t)yy * w + xx] * filt[(dy + 2) * 5 + dx + 2];
                }
            }
            float gv = got[(size_t)y * w + x];
            if (!(fabsf(gv - acc) <= 1e-5f * (1 + fabsf(acc)))) { if (!bad++) snprintf(d, sizeof d, "out(%d,%d) = %g, want %g", x, y, gv, acc); }
        }
    char what[40]; snprintf(what, sizeof what, "convolve2d_5x5_%dx%d", w, h);
    if (verdict(e, what, bad, np, d)) report(e, what, time_kernel(e, conv, 2, g, l), 50.0 * np, "GFLOP/s");

    run1(e, jac, 2, g, l);
    read_buf(e, bj, np * 4, got);
    bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            float want = (x == 0 || y == 0 || x == w - 1 || y == h - 1) ? img[i] : 0.25f * (img[i - 1] + img[i + 1] + img[i - w] + img[i + w]);
            if (!(fabsf(got[i] - want) <= 1e-6f * (1 + fabsf(want)))) { if (!bad++) snprintf(d, sizeof d, "out(%d,%d) = %g, want %g", x, y, got[i], want); }
        }
    snprintf(what, sizeof what, "jacobi5_%dx%d", w, h);
    if (verdict(e, what, bad, np, d)) report(e, what, time_kernel(e, jac, 2, g, l), 8.0 * np, "GB/s");
    free(img); free(got);
    clReleaseMemObject(bi); clReleaseMemObject(bf); clReleaseMemObject(bo); clReleaseMemObject(bj);
    clReleaseKernel(conv); clReleaseKernel(jac); clReleaseProgram(p);
}

static void run_platform(cl_platform_id p) {
    char pname[256] = {0}, dname[256] = {0};
    CHECK(clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof pname, pname, NULL));
    env_t e;
    cl_uint nd = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &e.dev, &nd) != CL_SUCCESS || nd == 0) return;
    clGetDeviceInfo(e.dev, CL_DEVICE_NAME, sizeof dname, dname, NULL);
    snprintf(e.label, sizeof e.label, "%.23s", pname);
    printf("# platform: %s, device: %s\n", pname, dname);
    fflush(stdout);
    cl_int err;
    e.ctx = clCreateContext(NULL, 1, &e.dev, NULL, NULL, &err); CHECK(err);
    e.q = clCreateCommandQueueWithProperties(e.ctx, e.dev, NULL, &err); CHECK(err);
    bench_saxpy(&e);
    bench_vector_add(&e);
    bench_reduce(&e);
    bench_histogram(&e);
    bench_matmul(&e);
    bench_nbody(&e);
    bench_mandelbrot(&e);
    bench_convolution(&e);
    clReleaseCommandQueue(e.q);
    clReleaseContext(e.ctx);
}

int main(int argc, char **argv) {
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--platform") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--corpus") && i + 1 < argc) corpus_dir = argv[++i];
    }
    cl_uint np = 0;
    cl_platform_id ps[16];
    if (clGetPlatformIDs(16, ps, &np) != CL_SUCCESS || np == 0) { fprintf(stderr, "no OpenCL platform\n"); return 1; }
    for (cl_uint i = 0; i < np; i++) {
        char name[256] = {0};
        clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof name, name, NULL);
        if (only && !strstr(name, only)) continue;
        run_platform(ps[i]);
    }
    if (failures) { fprintf(stderr, "corpus_bench: %d failure(s)\n", failures); return 1; }
    return 0;
}
