/* A C program built by cc_binary with -static: any static executable fits in a tiny image. */
#include <unistd.h>

int main(void) {
    static const char msg[] = "Hello World from C\n";
    return write(1, msg, sizeof msg - 1) == (ssize_t)(sizeof msg - 1) ? 0 : 1;
}
