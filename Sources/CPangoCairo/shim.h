#include <pango/pangocairo.h>
#include <cairo/cairo-pdf.h>

/* PANGO_SCALE is a macro: Pango units per device unit (point in a PDF surface). */
static inline int cpangocairo_scale(void) { return PANGO_SCALE; }
