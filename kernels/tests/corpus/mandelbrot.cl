__kernel void mandelbrot(__global uint* out, int w, int h, int max_iter)
{
    int px = get_global_id(0), py = get_global_id(1);
    float x0 = -2.0f + 3.0f * px / w;
    float y0 = -1.5f + 3.0f * py / h;
    float x = 0.0f, y = 0.0f;
    int it = 0;
    while (x * x + y * y <= 4.0f && it < max_iter) {
        float xt = x * x - y * y + x0;
        y = 2.0f * x * y + y0;
        x = xt;
        it++;
    }
    out[py * w + px] = it;
}
