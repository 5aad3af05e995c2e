//go:build !linux

package main

// The hostile-input suite needs Linux (rlimits, FIFOs, exec in place).
func hostileChild() {}
