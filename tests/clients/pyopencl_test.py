"""pyopencl (from PyPI, unchanged) on the wgcl platform, every result checked against numpy.

Run through scripts/test-clients.sh, which builds libwgcl, points the ICD loader bundled in
pyopencl's wheel at it (OCL_ICD_VENDORS) and runs this file with pytest. The wgcl platform
is the one whose name starts with "wgcl"; the module is skipped as a failure (not silently)
when it is missing: `platform` asserts it exists.

A sub-test that cannot work yet is marked xfail(strict=True) with the precise reason, so it
turns into a failure once the gap is fixed and the mark must be removed.
"""
import os
import threading

import numpy as np
import pytest

import pyopencl as cl
import pyopencl.array as cla

os.environ.setdefault("PYOPENCL_NO_CACHE", "1")
# pyopencl caches binaries per source; wgcl's "binaries" are its own format, and a stale
# cache must never hide a front-end change.
os.environ.setdefault("PYOPENCL_COMPILER_OUTPUT", "1")

STATUS = cl.command_execution_status


@pytest.fixture(scope="module")
def platform():
    plats = [p for p in cl.get_platforms() if p.name.startswith("wgcl")]
    assert plats, f"no wgcl platform among {[p.name for p in cl.get_platforms()]}"
    return plats[0]


@pytest.fixture(scope="module")
def ctx(platform):
    devs = platform.get_devices()
    assert devs
    return cl.Context(devs[:1])


@pytest.fixture(scope="module")
def queue(ctx):
    return cl.CommandQueue(ctx)


def wait_until(pred, timeout=30.0):
    ev = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if pred():
            return True
        ev.wait(0.01)
    return pred()


# ------------------------------------------------------------------ buffers and copies

def test_platform_and_device(platform):
    dev = platform.get_devices()[0]
    assert platform.name.startswith("wgcl")
    assert dev.version.startswith("OpenCL 3.0")
    assert dev.max_work_group_size >= 64
    assert dev.global_mem_size > 0


def test_buffers_and_copies(ctx, queue):
    rng = np.random.default_rng(1)
    a = rng.integers(0, 1 << 30, size=4099, dtype=np.int32)
    mf = cl.mem_flags
    src = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=a)
    dst = cl.Buffer(ctx, mf.READ_WRITE, a.nbytes)
    cl.enqueue_copy(queue, dst, src)  # device to device
    out = np.empty_like(a)
    cl.enqueue_copy(queue, out, dst)  # device to host
    np.testing.assert_array_equal(out, a)

    # Offsets: host to device at a byte offset, device to device at unaligned offsets.
    b = np.arange(100, dtype=np.uint8)
    cl.enqueue_copy(queue, dst, b, dst_offset=3)
    part = np.empty(100, dtype=np.uint8)
    cl.enqueue_copy(queue, part, dst, src_offset=3)
    np.testing.assert_array_equal(part, b)
    cl.enqueue_copy(queue, src, dst, byte_count=50, src_offset=13, dst_offset=1)
    whole = np.empty(a.nbytes, dtype=np.uint8)
    cl.enqueue_copy(queue, whole, src)
    expect = a.view(np.uint8).copy()
    expect[1:51] = b[10:60]
    np.testing.assert_array_equal(whole, expect)

    # Fill and map.
    cl.enqueue_fill_buffer(queue, dst, np.float32(2.5), 0, 400)
    mapped, _ = cl.enqueue_map_buffer(queue, dst, cl.map_flags.READ, 0, (100,), np.float32)
    np.testing.assert_array_equal(mapped, np.full(100, 2.5, np.float32))
    del mapped
    queue.finish()


def test_rect_copy(ctx, queue):
    """clEnqueueRead/Write/CopyBufferRect through pyopencl's enqueue_copy with origins/regions."""
    mf = cl.mem_flags
    host = np.arange(8 * 12, dtype=np.float32).reshape(8, 12)
    buf = cl.Buffer(ctx, mf.READ_WRITE, host.nbytes)
    cl.enqueue_fill_buffer(queue, buf, np.float32(-1), 0, host.nbytes)
    # Write a 5x3 (rows x cols) block of host[1:4, 2:7] ... into buf at row 2, col 4.
    cl.enqueue_copy(queue, buf, host, buffer_origin=(4 * 4, 2), host_origin=(2 * 4, 1),
                    region=(5 * 4, 3), buffer_pitches=(12 * 4,), host_pitches=(12 * 4,))
    out = np.empty_like(host)
    cl.enqueue_copy(queue, out, buf)
    expect = np.full_like(host, -1)
    expect[2:5, 4:9] = host[1:4, 2:7]
    np.testing.assert_array_equal(out, expect)
    # Read back a block with the rect read.
    blk = np.zeros((3, 5), np.float32)
    cl.enqueue_copy(queue, blk, buf, buffer_origin=(4 * 4, 2), host_origin=(0, 0),
                    region=(5 * 4, 3), buffer_pitches=(12 * 4,), host_pitches=(5 * 4,))
    np.testing.assert_array_equal(blk, host[1:4, 2:7])
    # Device-to-device rect copy.
    buf2 = cl.Buffer(ctx, mf.READ_WRITE, host.nbytes)
    cl.enqueue_fill_buffer(queue, buf2, np.float32(0), 0, host.nbytes)
    cl.enqueue_copy(queue, buf2, buf, src_origin=(4 * 4, 2), dst_origin=(0, 0),
                    region=(5 * 4, 3), src_pitches=(12 * 4,), dst_pitches=(12 * 4,))
    out2 = np.empty_like(host)
    cl.enqueue_copy(queue, out2, buf2)
    expect2 = np.zeros_like(host)
    expect2[0:3, 0:5] = host[1:4, 2:7]
    np.testing.assert_array_equal(out2, expect2)


# ------------------------------------------------------------------ kernels from source

SRC = r"""
#define SCALE 3
typedef struct { float a; int b; } pair_t;

float helper(float x, __global const float *t, int i) { return x * SCALE + t[i]; }

__kernel void saxpy(__global float *y, __global const float *x, float a, int n)
{
    int i = get_global_id(0);
    if (i < n) y[i] = a * x[i] + y[i];
}

__kernel void mix(__global float *out, __global const float *t, __local float *scratch)
{
    int l = get_local_id(0), g = get_global_id(0);
    scratch[l] = t[g];
    barrier(CLK_LOCAL_MEM_FENCE);
    int o = get_local_size(0) - 1 - l;
    out[g] = helper(scratch[o], t, g);
}

__kernel void hist(__global const uint *v, __global volatile int *bins, int n)
{
    int i = get_global_id(0);
    if (i < n) atomic_inc(&bins[v[i] % 16]);
}
"""


def test_kernel_from_source(ctx, queue):
    prg = cl.Program(ctx, SRC).build()
    n = 1000
    rng = np.random.default_rng(2)
    x = rng.random(n, dtype=np.float32)
    y = rng.random(n, dtype=np.float32)
    mf = cl.mem_flags
    xb = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=x)
    yb = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=y)
    prg.saxpy(queue, (1024,), (64,), yb, xb, np.float32(2.0), np.int32(n))
    out = np.empty_like(y)
    cl.enqueue_copy(queue, out, yb)
    np.testing.assert_allclose(out, 2 * x + y, rtol=1e-6)

    m = 256
    t = rng.random(m, dtype=np.float32)
    tb = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=t)
    ob = cl.Buffer(ctx, mf.WRITE_ONLY, t.nbytes)
    knl = prg.mix
    knl(queue, (m,), (64,), ob, tb, cl.LocalMemory(64 * 4))
    got = np.empty_like(t)
    cl.enqueue_copy(queue, got, ob)
    rev = t.reshape(-1, 64)[:, ::-1].reshape(-1)
    np.testing.assert_allclose(got, rev * 3 + t, rtol=1e-6)
    assert knl.function_name == "mix"
    assert knl.num_args == 3

    v = rng.integers(0, 1 << 20, size=5000, dtype=np.uint32)
    vb = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=v)
    bins = cl.Buffer(ctx, mf.READ_WRITE, 16 * 4)
    cl.enqueue_fill_buffer(queue, bins, np.int32(0), 0, 64)
    prg.hist(queue, (5000,), None, vb, bins, np.int32(5000))
    hb = np.empty(16, np.int32)
    cl.enqueue_copy(queue, hb, bins)
    np.testing.assert_array_equal(hb, np.bincount(v % 16, minlength=16))


def test_build_error_is_reported(ctx):
    with pytest.raises(cl.RuntimeError) as e:
        cl.Program(ctx, "__kernel void k(__global int *x) { x[0] = undefined_name; }").build()
    assert "undefined_name" in str(e.value)


# ------------------------------------------------------------------ events and callbacks

def test_event_callbacks_every_status(ctx, queue):
    user = cl.UserEvent(ctx)
    a = np.arange(64, dtype=np.int32)
    buf = cl.Buffer(ctx, cl.mem_flags.READ_WRITE, a.nbytes)
    seen = []
    lock = threading.Lock()

    def cb_for(name):
        def cb(status):
            with lock:
                seen.append((name, int(status)))
        return cb

    ev = cl.enqueue_copy(queue, buf, a, is_blocking=False, wait_for=[user])
    for name, st in (("submitted", STATUS.SUBMITTED), ("running", STATUS.RUNNING), ("complete", STATUS.COMPLETE)):
        ev.set_callback(st, cb_for(name))
    queue.flush()
    # Gated by the user event: nothing can have run yet.
    assert ev.command_execution_status in (STATUS.QUEUED, STATUS.SUBMITTED)
    with lock:
        assert ("complete", 0) not in seen
    user.set_status(STATUS.COMPLETE)
    ev.wait()
    assert ev.command_execution_status == STATUS.COMPLETE
    assert wait_until(lambda: len(seen) == 3), seen
    with lock:
        names = [n for n, _ in seen]
        statuses = dict(seen)
    # One call per registered status, each with its own status. (Not checked: their order.
    # wgcl calls them in status order, but pyopencl hands each callback to its own Python
    # thread, so the order they reach Python in is pyopencl's, not wgcl's.)
    assert sorted(names) == ["complete", "running", "submitted"], seen
    assert statuses == {"submitted": 2, "running": 1, "complete": 0}, seen
    out = np.empty_like(a)
    cl.enqueue_copy(queue, out, buf)
    np.testing.assert_array_equal(out, a)


def test_callback_on_already_complete_event(ctx, queue):
    buf = cl.Buffer(ctx, cl.mem_flags.READ_WRITE, 256)
    ev = cl.enqueue_fill_buffer(queue, buf, np.uint8(7), 0, 256)
    ev.wait()
    got = []
    ev.set_callback(STATUS.COMPLETE, lambda s: got.append(int(s)))
    assert wait_until(lambda: got == [0]), got


def test_user_events(ctx, queue):
    prg = cl.Program(ctx, SRC).build()
    mf = cl.mem_flags
    x = np.ones(256, np.float32)
    xb = cl.Buffer(ctx, mf.READ_ONLY | mf.COPY_HOST_PTR, hostbuf=x)
    yb = cl.Buffer(ctx, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=np.zeros(256, np.float32))
    gate = cl.UserEvent(ctx)
    assert gate.command_execution_status == STATUS.SUBMITTED
    assert gate.command_type == cl.command_type.USER
    k = prg.saxpy(queue, (256,), None, yb, xb, np.float32(5), np.int32(256), wait_for=[gate])
    out = np.empty(256, np.float32)
    rd = cl.enqueue_copy(queue, out, yb, is_blocking=False, wait_for=[k])
    queue.flush()
    assert k.command_execution_status > STATUS.RUNNING  # still gated (QUEUED or SUBMITTED)
    gate.set_status(STATUS.COMPLETE)
    rd.wait()
    np.testing.assert_array_equal(out, np.full(256, 5, np.float32))
    assert k.command_execution_status == STATUS.COMPLETE

    # A user event set to an error fails the command that waits for it.
    bad = cl.UserEvent(ctx)
    ev = cl.enqueue_fill_buffer(queue, yb, np.float32(1), 0, 1024, wait_for=[bad])
    got = []
    ev.set_callback(STATUS.COMPLETE, lambda s: got.append(int(s)))
    queue.flush()
    bad.set_status(-1234)
    assert wait_until(lambda: len(got) == 1), got
    assert got[0] < 0  # callbacks for COMPLETE also fire on abnormal termination
    assert ev.command_execution_status < 0
    # And the fill never ran.
    out2 = np.empty(256, np.float32)
    cl.enqueue_copy(queue, out2, yb)
    np.testing.assert_array_equal(out2, np.full(256, 5, np.float32))


def test_marker_barrier_and_profiling(ctx):
    q = cl.CommandQueue(ctx, properties=cl.command_queue_properties.PROFILING_ENABLE)
    buf = cl.Buffer(ctx, cl.mem_flags.READ_WRITE, 4096)
    e1 = cl.enqueue_fill_buffer(q, buf, np.uint32(3), 0, 4096)
    m = cl.enqueue_marker(q, wait_for=[e1])
    cl.enqueue_barrier(q)
    m.wait()
    assert e1.command_execution_status == STATUS.COMPLETE
    assert e1.profile.queued <= e1.profile.submit <= e1.profile.start <= e1.profile.end
    out = np.empty(1024, np.uint32)
    cl.enqueue_copy(q, out, buf)
    assert (out == 3).all()


# ------------------------------------------------------------------ pyopencl.array

def test_array_arithmetic(queue):
    rng = np.random.default_rng(3)
    a = rng.random(10007, dtype=np.float32)
    b = rng.random(10007, dtype=np.float32)
    da, db = cla.to_device(queue, a), cla.to_device(queue, b)
    np.testing.assert_allclose((da + db).get(), a + b, rtol=1e-6)
    np.testing.assert_allclose((da * db).get(), a * b, rtol=1e-6)
    np.testing.assert_allclose((da * 3 + 1).get(), a * 3 + 1, rtol=1e-6)
    np.testing.assert_allclose((2 * da - db / 4).get(), 2 * a - b / 4, rtol=1e-5)
    ia = cla.arange(queue, 0, 1000, 1, dtype=np.int32)
    np.testing.assert_array_equal(ia.get(), np.arange(1000, dtype=np.int32))
    z = cla.zeros(queue, 333, np.float32)
    z.fill(1.5)
    np.testing.assert_array_equal(z.get(), np.full(333, 1.5, np.float32))


def test_array_sum_and_dot(queue):
    rng = np.random.default_rng(4)
    a = rng.random(100003, dtype=np.float32)
    b = rng.random(100003, dtype=np.float32)
    da, db = cla.to_device(queue, a), cla.to_device(queue, b)
    s = cla.sum(da).get()
    assert abs(float(s) - float(a.astype(np.float64).sum())) <= 1e-4 * a.size
    d = cla.dot(da, db).get()
    assert abs(float(d) - float(np.dot(a.astype(np.float64), b))) <= 1e-4 * a.size
    ia = cla.to_device(queue, np.arange(5000, dtype=np.int32))
    assert int(cla.sum(ia).get()) == 5000 * 4999 // 2
    assert float(cla.max(da).get()) == float(a.max())
    assert float(cla.min(da).get()) == float(a.min())


def test_elementwise_kernel(ctx, queue):
    from pyopencl.elementwise import ElementwiseKernel
    lin = ElementwiseKernel(ctx, "float a, float *x, float b, float *y, float *z",
                            "z[i] = a*x[i] + b*y[i] + sin(x[i])", "lin_comb")
    rng = np.random.default_rng(5)
    x = rng.random(5000, dtype=np.float32)
    y = rng.random(5000, dtype=np.float32)
    dx, dy = cla.to_device(queue, x), cla.to_device(queue, y)
    dz = cla.empty_like(dx)
    lin(np.float32(2), dx, np.float32(-3), dy, dz)
    np.testing.assert_allclose(dz.get(), 2 * x - 3 * y + np.sin(x), rtol=1e-5, atol=1e-6)

    ints = ElementwiseKernel(ctx, "int *v, int k", "v[i] = (v[i] * k) ^ (int)i", "xor_it")
    dv = cla.to_device(queue, np.arange(777, dtype=np.int32))
    ints(dv, np.int32(3))
    np.testing.assert_array_equal(dv.get(), (np.arange(777, dtype=np.int32) * 3) ^ np.arange(777, dtype=np.int32))


def test_reduction_kernel(ctx, queue):
    from pyopencl.reduction import ReductionKernel
    dot = ReductionKernel(ctx, np.float32, neutral="0", reduce_expr="a+b", map_expr="x[i]*y[i]",
                          arguments="__global const float *x, __global const float *y")
    rng = np.random.default_rng(6)
    x = rng.random(30001, dtype=np.float32)
    y = rng.random(30001, dtype=np.float32)
    got = float(dot(cla.to_device(queue, x), cla.to_device(queue, y)).get())
    assert abs(got - float(np.dot(x.astype(np.float64), y))) <= 1e-4 * x.size

    mx = ReductionKernel(ctx, np.int32, neutral="-2147483647", reduce_expr="max(a,b)",
                         map_expr="(int)abs(v[i] - 500)", arguments="__global const int *v")
    # (abs(int) is a uint: without the cast, max(int, uint) is ambiguous in OpenCL C, which
    # PoCL's clang reports; wgcl converts to uint as C's usual conversions would.)
    v = rng.integers(0, 1000, size=9999, dtype=np.int32)
    assert int(mx(cla.to_device(queue, v)).get()) == int(np.abs(v - 500).max())


def test_clrandom(ctx, queue):
    import pyopencl.clrandom as clr
    gen = clr.PhiloxGenerator(ctx, seed=12345)
    u = gen.uniform(queue, (200000,), np.float32, a=0.0, b=1.0).get()
    assert u.min() >= 0.0 and u.max() <= 1.0
    assert abs(u.mean() - 0.5) < 0.01
    assert abs(u.var() - 1 / 12) < 0.01
    # Not constant, not trivially periodic.
    assert len(np.unique(u[:1000])) > 990
    nrm = gen.normal(queue, (200000,), np.float32, mu=2.0, sigma=3.0).get()
    assert abs(nrm.mean() - 2.0) < 0.05
    assert abs(nrm.std() - 3.0) < 0.05
    r = clr.rand(queue, (5000,), np.float32).get()
    assert r.min() >= 0.0 and r.max() <= 1.0 and r.std() > 0.2
    # Same seed, same stream.
    again = clr.PhiloxGenerator(ctx, seed=12345).uniform(queue, (200000,), np.float32, a=0.0, b=1.0).get()
    np.testing.assert_array_equal(again, u)
