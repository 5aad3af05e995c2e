package worker

import "syscall"

// Dup3 exists on every Linux architecture (arm64 has no dup2).
func dupOnto(oldfd, newfd int) error { return syscall.Dup3(oldfd, newfd, 0) }
