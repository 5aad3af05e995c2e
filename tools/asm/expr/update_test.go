package expr

// The package has no nasm answers of its own, but `go test ./tools/asm/...
// -update` passes -update to every package: linking nasmgolden defines the
// flag here too.
import _ "github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
