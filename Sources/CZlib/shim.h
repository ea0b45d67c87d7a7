#include <zlib.h>

/* deflateInit2 is a macro that passes the library version and the stream size; Swift cannot call it. */
static inline int czlib_deflate_init_raw(z_streamp stream, int level) {
    /* Negative window bits: raw deflate data without the zlib header, as ZIP entries store it. */
    return deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
}
