//go:build !tiny_core

package main

// handOff is the core shape's (core.go); the complete tool runs every
// subcommand itself.
func handOff([]string) (int, bool) { return 0, false }
