#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine
# with Go: Debian packages (Bazel 4.2.3 and its offline rule sets, the test
# oracles nasm/binutils/skopeo/umoci/runc/podman), Go modules, buildifier,
# staticcheck.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(nasm binutils gcc gcc-multilib skopeo umoci runc podman zstd qemu-user qemu-user-static gdb
      bazel-bootstrap bazel-bootstrap-source bazel-rules-java bazel-skylib bazel-platforms)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export PATH="$(go env GOPATH)/bin:$PATH"
# The seed program is a 32-bit (i386) executable. Some x86-64 kernels run
# none (seen on this project's machines: a 6.18 kernel refuses even
# `gcc -m32 -static` output with "Exec format error"), so docker run of the
# image fails there. Then register Debian's static qemu-i386 with binfmt_misc,
# flag F (the kernel keeps the interpreter open, so it works inside a
# FROM scratch container too). A kernel that runs i386 natively is left alone.
probe="$(mktemp -d)"
printf 'int main(void){return 0;}\n' >"$probe/p.c"
if gcc -m32 -static -o "$probe/p" "$probe/p.c" 2>/dev/null && ! "$probe/p" 2>/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  fmt=/proc/sys/fs/binfmt_misc
  [ -e "$fmt/register" ] || $sudo mount -t binfmt_misc binfmt_misc "$fmt"
  if [ ! -e "$fmt/tiny-qemu-i386" ]; then
    echo "setup: this kernel does not run 32-bit executables; registering qemu-i386-static (binfmt_misc) to run them"
    printf '%s' ':tiny-qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-i386-static:F' |
      $sudo tee "$fmt/register" >/dev/null
  fi
  "$probe/p" || { echo "setup: 32-bit executables still do not run here" >&2; rm -rf "$probe"; exit 1; }
fi
rm -rf "$probe"

go mod download
if ! command -v buildifier >/dev/null; then
  echo "setup: installing buildifier"
  go install github.com/bazelbuild/buildtools/buildifier@v0.0.0-20260904073137-eaa4d125b423
fi
# Debian's Bazel needs --config=debian (the offline set-up in .bazelrc) on
# every command; user.bazelrc, which .bazelrc try-imports, turns it on so
# that `bazel build //examples:hello_image` and `bazel test //...` work as
# typed. A user.bazelrc the user wrote is never changed: if it does not turn
# the config on, say what to add.
if [ -d /usr/share/bazel/tools/skylib ] && bazel --version 2>/dev/null | grep -qv '^bazel [5-9]'; then
  marker="# Written by scripts/setup.sh"
  if [ ! -e user.bazelrc ] || head -n 1 user.bazelrc | grep -qxF "$marker"; then
    cat >user.bazelrc <<RC
$marker (Debian's Bazel 4.2.3 is installed): the offline
# set-up of .bazelrc on every command. Edit freely; once the first line is
# gone, setup.sh leaves this file alone.
build --config=debian
query --config=debian
RC
    echo "setup: wrote user.bazelrc (build --config=debian)"
  elif ! grep -qE '^(build|common) +--config=debian' user.bazelrc; then
    echo "setup: user.bazelrc is yours, so it was left as it is; for Debian's Bazel add:"
    echo "    build --config=debian"
    echo "    query --config=debian"
  fi
fi
if ! command -v staticcheck >/dev/null; then
  echo "setup: installing staticcheck"
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
echo "setup: done"
