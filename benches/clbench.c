/* clbench: the same OpenCL workloads on every platform the ICD loader finds.
 *
 *   1. callback latency: enqueue a trivial kernel + clFlush -> its CL_COMPLETE callback runs
 *   2. user-event gate: clSetUserEventStatus -> CL_COMPLETE callback of a kernel waiting on it
 *   3. throughput: N trivial kernels back to back, with an event + callback each, and without
 *   4. chain: each CL_COMPLETE callback enqueues the next kernel + clFlush
 *   5. bandwidth: STREAM copy/scale/add/triad
 *   6. destructor turnaround: release of a buffer used by an in-flight kernel -> its destructor
 *   7. per-command cost with many live objects: enqueue + release of N kernels with no other
 *      object alive, then with L user events and L buffers alive; the ratio should be ~1
 *      (nothing on the per-command path may grow with the number of live objects)
 *
 * Output: one line per (platform, workload) with p50/p90/p99 (microseconds) or rates.
 * Usage: clbench [--quick] [--platform SUBSTRING] [--samples DIR] [--live N] [--stream-only]
 *   --samples DIR: also write every latency sample, one file per (platform, workload), for
 *   benches/src/bin/latplot.rs (the latency-distribution plot).
 *   --live N: objects alive in workload 7 (N/2 user events + N/2 buffers; default 100,000,
 *   4,000 with --quick).
 */
#define CL_TARGET_OPENCL_VERSION 300
#include <CL/cl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

#define CHECK(x) do { cl_int e_ = (x); if (e_ != CL_SUCCESS) { fprintf(stderr, "%s:%d: %s = %d\n", __FILE__, __LINE__, #x, e_); exit(1); } } while (0)

/* A one-shot signal a callback raises and the main thread waits for. */
typedef struct { pthread_mutex_t m; pthread_cond_t c; int count; double t; } signal_t;
static void sig_init(signal_t *s) { pthread_mutex_init(&s->m, NULL); pthread_cond_init(&s->c, NULL); s->count = 0; }
static void sig_raise(signal_t *s) {
    double t = now_us();
    pthread_mutex_lock(&s->m); s->count++; s->t = t; pthread_cond_broadcast(&s->c); pthread_mutex_unlock(&s->m);
}
static double sig_wait(signal_t *s, int target) {
    pthread_mutex_lock(&s->m);
    while (s->count < target) pthread_cond_wait(&s->c, &s->m);
    double t = s->t;
    pthread_mutex_unlock(&s->m);
    return t;
}
static void CL_CALLBACK on_complete(cl_event e, cl_int st, void *u) { (void)e; (void)st; sig_raise((signal_t *)u); }
static void CL_CALLBACK on_destroy(cl_mem m, void *u) { (void)m; sig_raise((signal_t *)u); }

static int cmp_d(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static const char *samples_dir = NULL;
static int live_objects = 0; /* --live N; 0: the default for the mode */
static int stream_only = 0; /* --stream-only: just the bandwidth workload (5) */
/* DIR/<platform>__<workload>.txt, one sample (us) per line; the name keeps [A-Za-z0-9._-]. */
static void write_samples(const char *plat, const char *what, const double *v, int n) {
    if (!samples_dir) return;
    char path[1024];
    int at = snprintf(path, sizeof path, "%s/", samples_dir);
    for (const char *c = plat; *c && at < 900; c++)
        path[at++] = (strchr("._-", *c) || (*c >= '0' && *c <= '9') || ((*c | 32) >= 'a' && (*c | 32) <= 'z')) ? *c : '_';
    snprintf(path + at, sizeof path - at, "__%s.txt", what);
    FILE *f = fopen(path, "w");
    if (!f) { fprintf(stderr, "cannot write %s\n", path); return; }
    for (int i = 0; i < n; i++) fprintf(f, "%.3f\n", v[i]);
    fclose(f);
}
static void report(const char *plat, const char *what, double *v, int n) {
    qsort(v, n, sizeof *v, cmp_d);
    write_samples(plat, what, v, n);
    printf("%-24s %-28s n=%-6d p50=%9.1f us  p90=%9.1f us  p99=%9.1f us\n", plat, what, n,
           v[n / 2], v[(int)(n * 0.9)], v[(int)(n * 0.99)]);
    fflush(stdout);
}

static const char *CL_SRC =
    "__kernel void tick(__global int *a) { if (get_global_id(0) == 0) a[0] += 1; }\n"
    "__kernel void copy(__global const float *a, __global float *c) { size_t i = get_global_id(0); c[i] = a[i]; }\n"
    "__kernel void scale(__global float *b, __global const float *c, float s) { size_t i = get_global_id(0); b[i] = s * c[i]; }\n"
    "__kernel void add(__global const float *a, __global const float *b, __global float *c) { size_t i = get_global_id(0); c[i] = a[i] + b[i]; }\n"
    "__kernel void triad(__global float *a, __global const float *b, __global const float *c, float s) { size_t i = get_global_id(0); a[i] = b[i] + s * c[i]; }\n";

/* The same kernels in WGSL, for a wgcl built without the OpenCL C front end. */
static const char *WGSL_SRC =
    "override wgcl_local_size_x: u32 = 64; override wgcl_local_size_y: u32 = 1; override wgcl_local_size_z: u32 = 1;\n"
    "@group(0) @binding(0) var<storage, read_write> t: array<i32>;\n"
    "@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z) fn tick(@builtin(global_invocation_id) g: vec3<u32>) { if (g.x == 0u) { t[0] = t[0] + 1; } }\n";

typedef struct { cl_context ctx; cl_command_queue q; cl_kernel tick; cl_mem counter; cl_program prog; cl_device_id dev; } bench_t;

/* State of the callback chain (workload 4): each link's callback enqueues the next. */
typedef struct { bench_t *b; int left; signal_t *s; } chain_t;
void CL_CALLBACK link(cl_event e, cl_int st, void *u);

static void run_platform(cl_platform_id p, int quick) {
    char pname[256] = {0};
    CHECK(clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof pname, pname, NULL));
    bench_t b;
    cl_uint nd = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &b.dev, &nd) != CL_SUCCESS || nd == 0) return;
    char dname[256] = {0};
    clGetDeviceInfo(b.dev, CL_DEVICE_NAME, sizeof dname, dname, NULL);
    char label[25];
    snprintf(label, sizeof label, "%.23s", pname);
    printf("# platform: %s, device: %s\n", pname, dname);
    cl_int err;
    b.ctx = clCreateContext(NULL, 1, &b.dev, NULL, NULL, &err); CHECK(err);
    b.q = clCreateCommandQueueWithProperties(b.ctx, b.dev, NULL, &err); CHECK(err);
    int is_wgsl = 0;
    b.prog = clCreateProgramWithSource(b.ctx, 1, &CL_SRC, NULL, &err); CHECK(err);
    if (clBuildProgram(b.prog, 1, &b.dev, "", NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(b.prog);
        b.prog = clCreateProgramWithSource(b.ctx, 1, &WGSL_SRC, NULL, &err); CHECK(err);
        CHECK(clBuildProgram(b.prog, 1, &b.dev, "", NULL, NULL));
        is_wgsl = 1;
        printf("# (OpenCL C not accepted: using WGSL kernels; no bandwidth run)\n");
    }
    b.tick = clCreateKernel(b.prog, "tick", &err); CHECK(err);
    b.counter = clCreateBuffer(b.ctx, CL_MEM_READ_WRITE, 4, NULL, &err); CHECK(err);
    CHECK(clSetKernelArg(b.tick, 0, sizeof(cl_mem), &b.counter));
    size_t g = 64;
    int n = quick ? 100 : 1000;
    double *v = malloc(sizeof(double) * 20000);

    /* warm up (pipeline creation, first submission) */
    for (int i = 0; i < 10; i++) CHECK(clEnqueueNDRangeKernel(b.q, b.tick, 1, NULL, &g, NULL, 0, NULL, NULL));
    CHECK(clFinish(b.q));

    if (stream_only) goto stream;

    /* 1. callback latency */
    for (int i = 0; i < n; i++) {
        signal_t s; sig_init(&s);
        cl_event e;
        double t0 = now_us();
        CHECK(clEnqueueNDRangeKernel(b.q, b.tick, 1, NULL, &g, NULL, 0, NULL, &e));
        CHECK(clSetEventCallback(e, CL_COMPLETE, on_complete, &s));
        CHECK(clFlush(b.q));
        v[i] = sig_wait(&s, 1) - t0;
        clReleaseEvent(e);
    }
    report(label, "callback_latency", v, n);

    /* 2. user-event gate */
    for (int i = 0; i < n; i++) {
        signal_t s; sig_init(&s);
        cl_event gate = clCreateUserEvent(b.ctx, &err); CHECK(err);
        cl_event e;
        CHECK(clEnqueueNDRangeKernel(b.q, b.tick, 1, NULL, &g, NULL, 1, &gate, &e));
        CHECK(clSetEventCallback(e, CL_COMPLETE, on_complete, &s));
        CHECK(clFlush(b.q));
        double t0 = now_us();
        CHECK(clSetUserEventStatus(gate, CL_COMPLETE));
        v[i] = sig_wait(&s, 1) - t0;
        clReleaseEvent(e); clReleaseEvent(gate);
    }
    report(label, "user_event_gate", v, n);

    /* 3. throughput, with and without callbacks */
    int m = quick ? 1000 : 10000;
    for (int with_cb = 1; with_cb >= 0; with_cb--) {
        signal_t s; sig_init(&s);
        double t0 = now_us();
        for (int i = 0; i < m; i++) {
            if (with_cb) {
                cl_event e;
                CHECK(clEnqueueNDRangeKernel(b.q, b.tick, 1, NULL, &g, NULL, 0, NULL, &e));
                CHECK(clSetEventCallback(e, CL_COMPLETE, on_complete, &s));
                clReleaseEvent(e);
            } else {
                CHECK(clEnqueueNDRangeKernel(b.q, b.tick, 1, NULL, &g, NULL, 0, NULL, NULL));
            }
            if (i % 64 == 63) CHECK(clFlush(b.q));
        }
        CHECK(clFinish(b.q));
        if (with_cb) sig_wait(&s, m);
        double dt = now_us() - t0;
        printf("%-24s %-28s n=%-6d %9.0f kernels/s  (%.2f us/kernel)\n", label,
               with_cb ? "throughput_with_callbacks" : "throughput_no_callbacks", m, m / (dt / 1e6), dt / m);
    }

    /* 4. chained work from callbacks */
    {
        static signal_t s;
        sig_init(&s);
        int links = quick ? 100 : 1000;
        static chain_t c;
        c.b = &b; c.left = links; c.s = &s;
        double t0 = now_us();
        link(NULL, CL_COMPLETE, &c);
        sig_wait(&s, 1);
        double dt = now_us() - t0;
        printf("%-24s %-28s n=%-6d %9.1f us/link\n", label, "chain_from_callbacks", links, dt / links);
    }

    /* 6. destructor turnaround: release while a gated kernel uses the buffer */
    for (int i = 0; i < n; i++) {
        signal_t s; sig_init(&s);
        cl_mem buf = clCreateBuffer(b.ctx, CL_MEM_READ_WRITE, 4096, NULL, &err); CHECK(err);
        CHECK(clSetMemObjectDestructorCallback(buf, on_destroy, &s));
        cl_kernel k = clCreateKernel(b.prog, "tick", &err); CHECK(err);
        CHECK(clSetKernelArg(k, 0, sizeof(cl_mem), &buf));
        cl_event e;
        CHECK(clEnqueueNDRangeKernel(b.q, k, 1, NULL, &g, NULL, 0, NULL, &e));
        CHECK(clReleaseMemObject(buf));
        CHECK(clFlush(b.q));
        CHECK(clWaitForEvents(1, &e));
        double t0 = now_us();
        v[i] = sig_wait(&s, 1) - t0; /* may be negative: destructor before the wait returned */
        if (v[i] < 0) v[i] = 0;
        clReleaseEvent(e); clReleaseKernel(k);
    }
    report(label, "destructor_after_complete", v, n);

stream:
    /* 5. bandwidth: R kernels back to back, then one clFinish (so the completion latency
     * of one sync is spread over R kernels, as in a real pipeline), at 2^26 and 2^28. */
    if (!is_wgsl) {
        int logs[2] = {quick ? 20 : 26, quick ? 22 : 28};
        for (int li = 0; li < 2; li++) {
            size_t N = (size_t)1 << logs[li];
            cl_mem A = clCreateBuffer(b.ctx, CL_MEM_READ_WRITE, N * 4, NULL, &err); CHECK(err);
            cl_mem B = clCreateBuffer(b.ctx, CL_MEM_READ_WRITE, N * 4, NULL, &err); CHECK(err);
            cl_mem C = clCreateBuffer(b.ctx, CL_MEM_READ_WRITE, N * 4, NULL, &err); CHECK(err);
            float one = 1.0f, s3 = 3.0f;
            CHECK(clEnqueueFillBuffer(b.q, A, &one, 4, 0, N * 4, 0, NULL, NULL));
            CHECK(clEnqueueFillBuffer(b.q, B, &one, 4, 0, N * 4, 0, NULL, NULL));
            CHECK(clEnqueueFillBuffer(b.q, C, &one, 4, 0, N * 4, 0, NULL, NULL));
            const char *names[4] = {"copy", "scale", "add", "triad"};
            int bytes_per[4] = {8, 8, 12, 12};
            for (int w = 0; w < 4; w++) {
                cl_kernel k = clCreateKernel(b.prog, names[w], &err); CHECK(err);
                if (w == 0) { clSetKernelArg(k, 0, sizeof A, &A); clSetKernelArg(k, 1, sizeof C, &C); }
                if (w == 1) { clSetKernelArg(k, 0, sizeof B, &B); clSetKernelArg(k, 1, sizeof C, &C); clSetKernelArg(k, 2, 4, &s3); }
                if (w == 2) { clSetKernelArg(k, 0, sizeof A, &A); clSetKernelArg(k, 1, sizeof B, &B); clSetKernelArg(k, 2, sizeof C, &C); }
                if (w == 3) { clSetKernelArg(k, 0, sizeof A, &A); clSetKernelArg(k, 1, sizeof B, &B); clSetKernelArg(k, 2, sizeof C, &C); clSetKernelArg(k, 3, 4, &s3); }
                size_t gl = N, lo = 256;
                CHECK(clEnqueueNDRangeKernel(b.q, k, 1, NULL, &gl, &lo, 0, NULL, NULL));
                CHECK(clFinish(b.q));
                int trials = quick ? 3 : 7, reps = 10;
                for (int t = 0; t < trials; t++) {
                    double t0 = now_us();
                    for (int r = 0; r < reps; r++) CHECK(clEnqueueNDRangeKernel(b.q, k, 1, NULL, &gl, &lo, 0, NULL, NULL));
                    CHECK(clFinish(b.q));
                    v[t] = (double)bytes_per[w] * N * reps / ((now_us() - t0) * 1e3); /* GB/s */
                }
                qsort(v, trials, sizeof *v, cmp_d);
                char what[40];
                snprintf(what, sizeof what, "stream_%s_2^%d", names[w], logs[li]);
                printf("%-24s %-28s n=%-6d %9.1f GB/s (median of %d x %d kernels)\n", label, what, trials, v[trials / 2], trials, reps);
                clReleaseKernel(k);
            }
            clReleaseMemObject(A); clReleaseMemObject(B); clReleaseMemObject(C);
        }
    }
    if (stream_only) goto done;
    /* 7. per-command cost with many live objects (best of 3 rounds each, to skip warm-up).
     * Last: wgpu-core sizes its per-encoder trackers by the most buffers ever alive, so
     * every later command on a wgpu platform would pay for these objects too. */
    {
        int live = live_objects > 0 ? live_objects / 2 : quick ? 2000 : 50000, cmds = quick ? 1000 : 10000;
        cl_event *ues = malloc(sizeof(cl_event) * live);
        cl_mem *bufs = malloc(sizeof(cl_mem) * live);
        double cost[2];
        for (int phase = 0; phase < 2; phase++) {
            if (phase == 1)
                for (int i = 0; i < live; i++) {
                    ues[i] = clCreateUserEvent(b.ctx, &err); CHECK(err);
                    bufs[i] = clCreateBuffer(b.ctx, CL_MEM_READ_WRITE, 64, NULL, &err); CHECK(err);
                }
            cost[phase] = 1e30;
            for (int round = 0; round < 3; round++) {
                double t0 = now_us();
                for (int i = 0; i < cmds; i++) {
                    cl_event e;
                    CHECK(clEnqueueNDRangeKernel(b.q, b.tick, 1, NULL, &g, NULL, 0, NULL, &e));
                    CHECK(clReleaseEvent(e));
                    if (i % 64 == 63) CHECK(clFlush(b.q));
                }
                CHECK(clFinish(b.q));
                double per = (now_us() - t0) / cmds;
                if (per < cost[phase]) cost[phase] = per;
            }
        }
        for (int i = 0; i < live; i++) { clReleaseEvent(ues[i]); clReleaseMemObject(bufs[i]); }
        free(ues); free(bufs);
        char what[48];
        snprintf(what, sizeof what, "per_command_live_%d", 0);
        printf("%-24s %-28s n=%-6d %9.2f us/command\n", label, what, cmds, cost[0]);
        snprintf(what, sizeof what, "per_command_live_%d", 2 * live);
        printf("%-24s %-28s n=%-6d %9.2f us/command  (x%.2f of no live objects)\n", label, what, cmds, cost[1], cost[1] / cost[0]);
        fflush(stdout);
    }

done:
    free(v);
    clReleaseMemObject(b.counter);
    clReleaseKernel(b.tick);
    clReleaseProgram(b.prog);
    clReleaseCommandQueue(b.q);
    clReleaseContext(b.ctx);
}

void CL_CALLBACK link(cl_event e, cl_int st, void *u) {
    (void)st;
    chain_t *c = (chain_t *)u;
    if (e) clReleaseEvent(e);
    if (c->left-- == 0) { sig_raise(c->s); return; }
    size_t g = 64;
    cl_event next;
    CHECK(clEnqueueNDRangeKernel(c->b->q, c->b->tick, 1, NULL, &g, NULL, 0, NULL, &next));
    CHECK(clSetEventCallback(next, CL_COMPLETE, link, c));
    CHECK(clFlush(c->b->q));
}

int main(int argc, char **argv) {
    int quick = 0;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--platform") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples_dir = argv[++i];
        else if (!strcmp(argv[i], "--live") && i + 1 < argc) live_objects = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--stream-only")) stream_only = 1;
    }
    cl_uint np = 0;
    cl_platform_id ps[16];
    if (clGetPlatformIDs(16, ps, &np) != CL_SUCCESS || np == 0) { fprintf(stderr, "no OpenCL platform\n"); return 1; }
    for (cl_uint i = 0; i < np; i++) {
        char name[256] = {0};
        clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof name, name, NULL);
        if (only && !strstr(name, only)) continue;
        run_platform(ps[i], quick);
    }
    return 0;
}
