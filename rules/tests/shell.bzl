"""sh_test for this repository's tests, loadable on Bazel 4.2 (native) and newer."""

def sh_test(**kwargs):
    # buildifier: disable=native-sh-test
    native.sh_test(**kwargs)
