// Type punning through unions whose members have different layouts (Random123's idiom in
// pyopencl.clrandom, float/uint bit tricks, byte views), run against a CPU reference.
typedef struct { uint v[4]; } ctr_t;

typedef union {
    float f;
    uint u;
    uchar b[4];
    short s[2];
} word_t;

typedef struct {
    int tag;
    word_t w;
} tagged_t;

uint4 as_vec(ctr_t c)
{
    union { ctr_t ctr_el; uint4 vec_el; } u;
    u.ctr_el = c;
    return u.vec_el;
}

word_t make(float f)
{
    word_t w = { f };
    return w;
}

__kernel void pun(__global const float *x, word_t k, __global uint *out, __global word_t *words)
{
    int i = get_global_id(0);
    ctr_t c = {{ i, i * 3, i + 7, 0xdeadbeef }};
    uint4 v = as_vec(c);
    word_t w = make(x[i]);
    tagged_t t;
    t.tag = i;
    t.w = w;
    int j = i % 4;
    uint o = i * 12;
    out[o + 0] = v.x ^ v.y ^ v.z ^ v.w;
    out[o + 1] = t.w.u;
    out[o + 2] = t.w.b[j];
    out[o + 3] = (uint)(int)t.w.s[i % 2];
    // Write a byte at a run-time index, read the whole word back.
    w.b[j] = 0xab;
    out[o + 4] = w.u;
    // Write through a float member, read the bits.
    w.f = -x[i];
    out[o + 5] = w.u;
    w.s[1] = -2;
    out[o + 6] = w.u;
    out[o + 7] = k.u + (uint)k.b[3];
    // Union elements of a buffer, read and written member-wise.
    words[i].u = words[i].u + 1u;
    words[i].b[0] = (uchar)i;
    out[o + 8] = words[i].u;
    union { float4 f4; uint4 u4; } q;
    q.f4 = (float4)(x[i], 1.0f, -0.0f, 2.5f);
    q.u4.y = q.u4.y | 1u;
    out[o + 9] = q.u4.y;
    out[o + 10] = as_uint(q.f4.z);
    out[o + 11] = t.tag;
}
