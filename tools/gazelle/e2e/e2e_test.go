// Package e2e runs run.sh, the end-to-end test of the tiny Gazelle extension
// with real Bazel. It takes minutes (a fresh Bazel output base, the tiny tool
// built from source), so it runs only when TINY_GAZELLE_E2E=1.
package e2e

import (
	"os"
	"os/exec"
	"testing"
)

func TestGazelleBazelEndToEnd(t *testing.T) {
	if os.Getenv("TINY_GAZELLE_E2E") != "1" {
		t.Skip("set TINY_GAZELLE_E2E=1 to run the Bazel end-to-end test (slow; see run.sh)")
	}
	if testing.Short() {
		t.Skip("-short: the Bazel end-to-end test is slow")
	}
	if _, err := exec.LookPath("bazel"); err != nil && os.Getenv("BAZEL") == "" {
		t.Fatal("TINY_GAZELLE_E2E=1 but bazel is not on PATH")
	}
	cmd := exec.Command("bash", "run.sh")
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("run.sh: %v", err)
	}
}
