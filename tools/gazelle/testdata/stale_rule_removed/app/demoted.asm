; used to define _start, now a helper
helper: ret
