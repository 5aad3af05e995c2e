/* A dynamically linked program: tiny_image must refuse it (via tiny strip). */
#include <stdio.h>

int main(void) { puts("dynamic"); return 0; }
