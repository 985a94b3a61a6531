/* Device extensions, as a program sees them: CL_DEVICE_EXTENSIONS and
 * CL_DEVICE_EXTENSIONS_WITH_VERSION name the same set; for each extension whose OpenCL C macro
 * the spec defines, the compiler defines that macro exactly when the device lists it; and where
 * cl_khr_int64_base_atomics is listed, 64-bit atomics give exact results past 2^32.
 * Runs against wgcl (directly and through the loader) and PoCL alike. */
#include "common.h"

static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

/* Builds `src` and runs its kernel `k(__global ulong *out)` on `items` work-items. */
static int run_ulong_kernel(env_t *e, const char *src, size_t items, cl_ulong *out, size_t out_len) {
    cl_int err;
    cl_program p = clCreateProgramWithSource(e->ctx, 1, &src, NULL, &err);
    CHECK_OK(err);
    err = clBuildProgram(p, 1, &e->d, "", NULL, NULL);
    if (err != CL_SUCCESS) {
        char log[4096] = {0};
        clGetProgramBuildInfo(p, e->d, CL_PROGRAM_BUILD_LOG, sizeof log - 1, log, NULL);
        fprintf(stderr, "clBuildProgram: %d\n%s\n", err, log);
        failures++;
        clReleaseProgram(p);
        return 0;
    }
    cl_kernel k = clCreateKernel(p, "k", &err);
    CHECK_OK(err);
    cl_mem m = clCreateBuffer(e->ctx, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, out_len * sizeof(cl_ulong), out, &err);
    CHECK_OK(err);
    CHECK_OK(clSetKernelArg(k, 0, sizeof m, &m));
    CHECK_OK(clEnqueueNDRangeKernel(e->q, k, 1, NULL, &items, NULL, 0, NULL, NULL));
    CHECK_OK(clEnqueueReadBuffer(e->q, m, CL_TRUE, 0, out_len * sizeof(cl_ulong), out, 0, NULL, NULL));
    clReleaseMemObject(m);
    clReleaseKernel(k);
    clReleaseProgram(p);
    return 1;
}

int main(void) {
    env_t e = {0};
    if (!env_init(&e, 0)) return 1;
    size_t sz = 0;
    CHECK_OK(clGetDeviceInfo(e.d, CL_DEVICE_EXTENSIONS, 0, NULL, &sz));
    char *list = calloc(sz + 1, 1);
    CHECK_OK(clGetDeviceInfo(e.d, CL_DEVICE_EXTENSIONS, sz, list, NULL));
    CHECK_OK(clGetDeviceInfo(e.d, CL_DEVICE_EXTENSIONS_WITH_VERSION, 0, NULL, &sz));
    size_t nv = sz / sizeof(cl_name_version);
    cl_name_version *v = malloc(sz ? sz : 1);
    CHECK_OK(clGetDeviceInfo(e.d, CL_DEVICE_EXTENSIONS_WITH_VERSION, sz, v, NULL));
    /* Same set: every versioned name is in the string, and the string has as many names. */
    size_t words = 0;
    for (const char *p = list; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        words++;
        while (*p && *p != ' ') p++;
    }
    CHECK_EQ(words, nv);
    for (size_t i = 0; i < nv; i++)
        if (!listed(list, v[i].name)) { failures++; fprintf(stderr, "%s is versioned but not listed\n", v[i].name); }

    /* Macros: one work-item writes, per extension, whether its macro is defined. */
    static const char *exts[] = {"cl_khr_fp64", "cl_khr_fp16", "cl_khr_int64_base_atomics", "cl_khr_int64_extended_atomics",
                                 "cl_khr_global_int32_base_atomics", "cl_khr_global_int32_extended_atomics",
                                 "cl_khr_local_int32_base_atomics", "cl_khr_local_int32_extended_atomics", "cl_khr_byte_addressable_store"};
    enum { NEXT = sizeof exts / sizeof *exts };
    char src[4096];
    int at = snprintf(src, sizeof src, "__kernel void k(__global ulong *out) {\n");
    for (int i = 0; i < NEXT; i++)
        at += snprintf(src + at, sizeof src - at, "#ifdef %s\n  out[%d] = 1;\n#else\n  out[%d] = 0;\n#endif\n", exts[i], i, i);
    snprintf(src + at, sizeof src - at, "}\n");
    cl_ulong defined[NEXT] = {0};
    if (run_ulong_kernel(&e, src, 1, defined, NEXT))
        for (int i = 0; i < NEXT; i++)
            if ((int)defined[i] != listed(list, exts[i])) {
                failures++;
                fprintf(stderr, "%s: macro %s, extension %s\n", exts[i], defined[i] ? "defined" : "undefined", listed(list, exts[i]) ? "listed" : "not listed");
            }

    /* 64-bit atomics where listed: 1000 work-items add i * 2^33 + 1, count, and keep the max. */
    if (listed(list, "cl_khr_int64_base_atomics") && listed(list, "cl_khr_int64_extended_atomics")) {
        const char *atom =
            "#pragma OPENCL EXTENSION cl_khr_int64_base_atomics : enable\n"
            "#pragma OPENCL EXTENSION cl_khr_int64_extended_atomics : enable\n"
            "__kernel void k(__global ulong *out) {\n"
            "  ulong i = get_global_id(0);\n"
            "  atom_add(&out[0], (i << 33) + 1);\n"
            "  atom_inc(&out[1]);\n"
            "  atom_max(&out[2], i << 40);\n"
            "}\n";
        cl_ulong got[3] = {5, 0, 0};
        if (run_ulong_kernel(&e, atom, 1000, got, 3)) {
            cl_ulong sum = 5, max = 0;
            for (cl_ulong i = 0; i < 1000; i++) { sum += (i << 33) + 1; if ((i << 40) > max) max = i << 40; }
            CHECK(got[0] == sum);
            CHECK_EQ(got[1], 1000);
            CHECK(got[2] == max);
        }
    }
    printf("extensions: %zu listed: %s\n", nv, list);
    free(list);
    free(v);
    env_release(&e);
    return finish("extensions");
}
