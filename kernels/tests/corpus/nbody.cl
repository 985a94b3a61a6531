// One N-body step with float4 positions (xyz, w = mass) and velocities, softened gravity,
// tiles of bodies staged through __local memory.
__kernel void nbody_step(__global const float4* pos, __global float4* vel, __global float4* new_pos,
                         __local float4* tile, int n, float dt, float eps2)
{
    int i = get_global_id(0);
    int lid = get_local_id(0);
    int ls = get_local_size(0);
    float4 p = i < n ? pos[i] : (float4)(0.0f);
    float3 acc = (float3)(0.0f, 0.0f, 0.0f);
    for (int base = 0; base < n; base += ls) {
        int j = base + lid;
        tile[lid] = j < n ? pos[j] : (float4)(0.0f);
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < ls; ++k) {
            float4 q = tile[k];
            float3 d = q.xyz - p.xyz;
            float r2 = dot(d, d) + eps2;
            float inv = rsqrt(r2);
            float s = q.w * inv * inv * inv;
            acc += d * s;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (i < n) {
        float4 v = vel[i];
        v.xyz += acc * dt;
        vel[i] = v;
        new_pos[i] = (float4)(p.xyz + v.xyz * dt, p.w);
    }
}
