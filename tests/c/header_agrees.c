/* Compiles <CL/cl.h> (all deprecated APIs visible) and wgcl.h in one translation unit: any
 * declaration in wgcl.h whose type differs from Khronos' is a "conflicting types" error.
 * At run time it checks that the ICD dispatch table of a platform handle points at our
 * exports (only when linked directly against libwgcl). */
#define CL_USE_DEPRECATED_OPENCL_1_0_APIS
#define CL_USE_DEPRECATED_OPENCL_1_1_APIS
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#define CL_USE_DEPRECATED_OPENCL_2_0_APIS
#define CL_USE_DEPRECATED_OPENCL_2_1_APIS
#define CL_USE_DEPRECATED_OPENCL_2_2_APIS
#include <CL/cl.h>
#include <CL/cl_ext.h>
#include <CL/cl_icd.h>
#include "wgcl.h"
#include "common.h"

int main(void) {
    cl_platform_id p = wgcl_platform();
    if (!p) { printf("SKIP no wgcl platform\n"); return 0; }
#ifdef WGCL_DIRECT
    const cl_icd_dispatch *d = *(const cl_icd_dispatch *const *)p;
    CHECK(d->clGetPlatformInfo == clGetPlatformInfo);
    CHECK(d->clEnqueueNDRangeKernel == clEnqueueNDRangeKernel);
    CHECK(d->clSetContextDestructorCallback == clSetContextDestructorCallback);
    CHECK(d->clCreateBufferWithProperties == clCreateBufferWithProperties);
    CHECK(d->clSetProgramReleaseCallback == clSetProgramReleaseCallback);
    CHECK(d->clEnqueueMarkerWithWaitList == clEnqueueMarkerWithWaitList);
    CHECK(d->clCreateFromGLBuffer == NULL);
    CHECK(clGetExtensionFunctionAddress("clIcdGetPlatformIDsKHR") == (void *)clIcdGetPlatformIDsKHR);
    CHECK(clGetExtensionFunctionAddressForPlatform(p, "clIcdGetPlatformIDsKHR") == (void *)clIcdGetPlatformIDsKHR);
    CHECK(clGetExtensionFunctionAddress("clNoSuchFunction") == NULL);
    cl_uint n = 0;
    CHECK_OK(clIcdGetPlatformIDsKHR(0, NULL, &n));
    CHECK(n == 1);
#endif
    return finish("header_agrees");
}
