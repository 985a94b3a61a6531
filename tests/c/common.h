/* Shared helpers for the C tests. Each test runs against whatever platform wgcl_platform()
 * picks: the one whose name starts with $WGCL_TEST_PLATFORM (default "wgcl"), so the same
 * program runs against wgcl directly, through the ICD loader, or against PoCL. */
#ifndef WGCL_TEST_COMMON_H
#define WGCL_TEST_COMMON_H
#ifndef CL_USE_DEPRECATED_OPENCL_1_1_APIS
#define CL_USE_DEPRECATED_OPENCL_1_0_APIS
#define CL_USE_DEPRECATED_OPENCL_1_1_APIS
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#define CL_USE_DEPRECATED_OPENCL_2_0_APIS
#define CL_USE_DEPRECATED_OPENCL_2_2_APIS
#endif
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CL/cl.h>
#include <CL/cl_ext.h>

static int failures = 0;

#define CHECK(cond) do { if (!(cond)) { failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(got, want) do { long long g_ = (long long)(got), w_ = (long long)(want); if (g_ != w_) { failures++; \
    fprintf(stderr, "%s:%d: %s = %lld, expected %lld\n", __FILE__, __LINE__, #got, g_, w_); } } while (0)
#define CHECK_OK(call) CHECK_EQ((call), CL_SUCCESS)

static inline const char *platform_wanted(void) {
    const char *w = getenv("WGCL_TEST_PLATFORM");
    return w && *w ? w : "wgcl";
}

/* 1 when the selected platform is wgcl (kernels are WGSL there), 0 for others (PoCL). */
static inline int is_wgcl(void) { return strncmp(platform_wanted(), "wgcl", 4) == 0; }

static inline cl_platform_id wgcl_platform(void) {
    cl_platform_id ps[16];
    cl_uint n = 0;
    if (clGetPlatformIDs(16, ps, &n) != CL_SUCCESS) return NULL;
    for (cl_uint i = 0; i < n && i < 16; i++) {
        char name[256] = {0};
        clGetPlatformInfo(ps[i], CL_PLATFORM_NAME, sizeof name, name, NULL);
        if (strncmp(name, platform_wanted(), strlen(platform_wanted())) == 0) return ps[i];
    }
    return NULL;
}

static inline cl_device_id first_device(cl_platform_id p) {
    cl_device_id d = NULL;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &d, NULL) != CL_SUCCESS) return NULL;
    return d;
}

/* Callbacks run asynchronously: poll `flag` until it is >= `want` or `ms` pass. */
static inline int wait_until(atomic_int *flag, int want, int ms) {
    for (int i = 0; i < ms; i++) {
        if (atomic_load(flag) >= want) return 1;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    return atomic_load(flag) >= want;
}

static inline void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Context + in-order queue on the selected platform's first device. */
typedef struct { cl_platform_id p; cl_device_id d; cl_context ctx; cl_command_queue q; } env_t;

static inline int env_init(env_t *e, cl_command_queue_properties props) {
    cl_int err;
    e->p = wgcl_platform();
    if (!e->p) { fprintf(stderr, "platform %s not found\n", platform_wanted()); return 0; }
    e->d = first_device(e->p);
    if (!e->d) { fprintf(stderr, "no device\n"); return 0; }
    cl_context_properties cp[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)e->p, 0};
    e->ctx = clCreateContext(cp, 1, &e->d, NULL, NULL, &err);
    if (err != CL_SUCCESS) { fprintf(stderr, "clCreateContext: %d\n", err); return 0; }
    cl_queue_properties qp[] = {CL_QUEUE_PROPERTIES, props, 0};
    e->q = clCreateCommandQueueWithProperties(e->ctx, e->d, props ? qp : NULL, &err);
    if (err != CL_SUCCESS) { fprintf(stderr, "clCreateCommandQueueWithProperties: %d\n", err); return 0; }
    return 1;
}

static inline void env_release(env_t *e) {
    if (e->q) clReleaseCommandQueue(e->q);
    if (e->ctx) clReleaseContext(e->ctx);
}

/* Kernel sources: WGSL for wgcl (its front end for OpenCL C is not there yet), OpenCL C for
 * other platforms. Both define saxpy(x, y, a, n) and square(x, y, a, n) with the same
 * argument names, types and results. */
static const char *WGSL_SRC =
    "override wgcl_local_size_x: u32 = 64;\n"
    "override wgcl_local_size_y: u32 = 1;\n"
    "override wgcl_local_size_z: u32 = 1;\n"
    "@group(0) @binding(0) var<storage, read> x: array<f32>;\n"
    "@group(0) @binding(1) var<storage, read_write> y: array<f32>;\n"
    "@group(0) @binding(2) var<uniform> a: f32;\n"
    "@group(0) @binding(3) var<uniform> n: u32;\n"
    "@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)\n"
    "fn saxpy(@builtin(global_invocation_id) g: vec3<u32>) {\n"
    "    if (g.x < n) { y[g.x] = a * x[g.x] + y[g.x]; }\n"
    "}\n"
    "@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)\n"
    "fn square(@builtin(global_invocation_id) g: vec3<u32>) {\n"
    "    if (g.x < n) { y[g.x] = y[g.x] * y[g.x] + 0.0 * a + 0.0 * x[0]; }\n"
    "}\n";

static const char *OPENCL_C_SRC =
    "__kernel void saxpy(__global const float *x, __global float *y, float a, uint n) {\n"
    "    size_t i = get_global_id(0); if (i < n) y[i] = a * x[i] + y[i];\n"
    "}\n"
    "__kernel void square(__global const float *x, __global float *y, float a, uint n) {\n"
    "    size_t i = get_global_id(0); if (i < n) y[i] = y[i] * y[i] + 0.0f * a + 0.0f * x[0];\n"
    "}\n";

static inline const char *kernel_source(void) { return is_wgcl() ? WGSL_SRC : OPENCL_C_SRC; }

/* A built program with saxpy and square (NULL on failure, build log printed). */
static inline cl_program build_program(env_t *e) {
    cl_int err;
    const char *src = kernel_source();
    cl_program p = clCreateProgramWithSource(e->ctx, 1, &src, NULL, &err);
    if (err != CL_SUCCESS) { fprintf(stderr, "clCreateProgramWithSource: %d\n", err); return NULL; }
    err = clBuildProgram(p, 1, &e->d, "-cl-kernel-arg-info", NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[4096] = {0};
        clGetProgramBuildInfo(p, e->d, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        fprintf(stderr, "clBuildProgram: %d\n%s\n", err, log);
        clReleaseProgram(p);
        return NULL;
    }
    return p;
}

static inline int finish(const char *name) {
    if (failures) { fprintf(stderr, "%s: %d failure(s)\n", name, failures); return 1; }
    printf("%s: ok\n", name);
    return 0;
}
#endif
