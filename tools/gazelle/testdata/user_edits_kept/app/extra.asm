helper: ret
