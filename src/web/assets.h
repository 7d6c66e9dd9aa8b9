/* assets.h - static files compiled into the binary (tools/embed.c). */
#ifndef KR_ASSETS_H
#define KR_ASSETS_H

#include <stddef.h>

struct asset {
	const char *name;           /* file name under assets/, e.g. "app.css" */
	const unsigned char *data;
	size_t len;
};

extern const struct asset assets[];
extern const size_t nassets;

#endif
