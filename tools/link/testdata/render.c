/* Freestanding C for the link tests: .rodata, .data and .bss, no libc. */
static const char digits[] = "0123456789";
int counter;
int step = 3;

int render(char *out, int n)
{
	int len = 0;
	for (int i = 0; i < n; i++) {
		counter += step;
		out[len++] = digits[counter % 10];
	}
	out[len++] = '\n';
	return len;
}
