__kernel void swz(__global const float4* in, __global int4* out_i, __global float2* out_f)
{
    int i = get_global_id(0);
    float4 v = in[i];
    float4 r = v.wzyx;
    r.xy = v.s01 * 2.0f;
    out_i[i] = convert_int4_sat_rte(r * 100.0f);
    float2 h = v.hi + v.lo;
    out_f[i] = (float2)(h.y, dot(v.even, v.odd));
}
