package image_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The CLI tests run the real `tiny` binary, built once from tools/cmd/tiny.

var (
	toolDir  string
	toolOnce sync.Once
	toolPath string
	toolErr  error
	fullErr  error // why the whole tool did not build, if it did not
)

func TestMain(m *testing.M) {
	code := m.Run()
	if toolDir != "" {
		os.RemoveAll(toolDir)
	}
	os.Exit(code)
}

// imageCommandFiles are the files of tools/cmd/tiny that the image, index
// and size subcommands need; built alone when another engineer's package
// is mid-edit and the whole tool does not compile.
var imageCommandFiles = []string{"main.go", "worker.go", "full.go", "image.go", "index.go", "size.go"}

func buildTool(dir string, env ...string) (string, error) {
	out := filepath.Join(dir, "tiny")
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "../cmd/tiny")
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	if err == nil {
		return out, nil
	}
	full := fmt.Errorf("go build ./tools/cmd/tiny: %v\n%s", err, b)
	if _, err := buildImageCommands(dir, env...); err != nil {
		return "", fmt.Errorf("%v\nand %v", full, err)
	}
	return out, full
}

// buildImageCommands builds tiny from imageCommandFiles only.
func buildImageCommands(dir string, env ...string) (string, error) {
	out := filepath.Join(dir, "tiny")
	args := []string{"build", "-trimpath", "-o", out}
	for _, f := range imageCommandFiles {
		args = append(args, "../cmd/tiny/"+f)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the image subcommands alone: %v\n%s", err, b)
	}
	return out, nil
}

// tool returns the tiny binary (at least its image, index and size
// subcommands).
func tool(t *testing.T) string {
	t.Helper()
	toolOnce.Do(func() {
		toolDir, toolErr = os.MkdirTemp("", "tinytool")
		if toolErr == nil {
			toolPath, fullErr = buildTool(toolDir)
			if toolPath == "" {
				toolErr = fullErr
			}
		}
	})
	if toolErr != nil {
		t.Fatal(toolErr)
	}
	return toolPath
}

// fullTool is tool for tests that need the other subcommands too.
func fullTool(t *testing.T) string {
	t.Helper()
	bin := tool(t)
	if fullErr != nil {
		t.Fatal(fullErr)
	}
	return bin
}

type run struct {
	dir   string   // working directory
	env   []string // added to a cleaned environment
	umask string   // via sh -c 'umask ...'
	user  []string // command prefix, e.g. setpriv ...
}

// tiny runs the tool and returns exit code, stdout, stderr.
func (r run) tiny(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var cmd *exec.Cmd
	argv := append(append([]string{}, r.user...), append([]string{bin}, args...)...)
	if r.umask != "" {
		quoted := make([]string, len(argv))
		for i, a := range argv {
			quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		cmd = exec.Command("sh", "-c", "umask "+r.umask+" && exec "+strings.Join(quoted, " "))
	} else {
		cmd = exec.Command(argv[0], argv[1:]...)
	}
	cmd.Dir = r.dir
	for _, e := range os.Environ() {
		k, _, _ := strings.Cut(e, "=")
		if k == "TZ" || k == "LANG" || strings.HasPrefix(k, "LC_") || k == "SOURCE_DATE_EPOCH" {
			continue
		}
		cmd.Env = append(cmd.Env, e)
	}
	cmd.Env = append(cmd.Env, r.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// tree hashes every file under dir (relative path, mode, content) plus the
// tarball, so two outputs compare byte for byte.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, _ := d.Info()
		if d.IsDir() {
			m[rel+"/"] = fi.Mode().String()
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		m[rel] = fmt.Sprintf("%s %x", fi.Mode(), sha256.Sum256(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func diffTrees(a, b map[string]string) string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var d []string
	for _, k := range keys {
		if a[k] != b[k] {
			d = append(d, fmt.Sprintf("%s: %q vs %q", k, a[k], b[k]))
		}
	}
	return strings.Join(d, "\n")
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dst, mode)
}

// imageArgs is a full-featured image invocation with relative paths.
var imageArgs = []string{
	"--file", "in/hello:/hello", "--file", "in/hello64:/usr/local/bin/hello64:0700",
	"--entrypoint", `["/hello"]`, "--cmd", "a", "--cmd", "b", "--env", "A=1", "--env", "LANG=C",
	"--label", "org.example=1", "--annotation", "org.opencontainers.image.title=hello",
	"--user", "1000", "--workdir", "/", "--expose", "8080", "--tag", "hello:det",
}

// workspace makes a working directory holding in/hello and in/hello64.
func workspace(t *testing.T, mode os.FileMode, mtime time.Time, uid int) string {
	t.Helper()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "in"), 0o755)
	for _, n := range []string{"hello", "hello64"} {
		p := filepath.Join(dir, "in", n)
		copyFile(t, "testdata/"+n, p, mode)
		os.Chtimes(p, mtime, mtime)
		if uid >= 0 {
			if err := os.Chown(p, uid, uid); err != nil {
				t.Fatalf("chown: %v", err)
			}
		}
	}
	return dir
}

func TestOutputsDoNotDependOnHostOrEnvironment(t *testing.T) {
	bin := tool(t)
	// Owners can only be varied by root.
	uid := -1
	if os.Geteuid() == 0 {
		uid = 65534
	}
	wsA := workspace(t, 0o755, time.Unix(1e9, 0), -1)
	wsB := workspace(t, 0o700, time.Now(), uid)
	args := append([]string{"image", "--layout", "out", "--tarball", "out.tar"}, imageArgs...)
	a := run{dir: wsA, env: []string{"TZ=UTC", "LANG=C"}, umask: "022"}
	b := run{dir: wsB, env: []string{"TZ=Pacific/Chatham", "LANG=de_DE.UTF-8", "LC_ALL=tr_TR.UTF-8"}, umask: "077"}
	codeA, digA, errA := a.tiny(t, bin, args...)
	codeB, digB, errB := b.tiny(t, bin, args...)
	if codeA != 0 || codeB != 0 {
		t.Fatalf("exit %d %d: %s %s", codeA, codeB, errA, errB)
	}
	if digA != digB {
		t.Fatalf("manifest digest differs: %s vs %s", digA, digB)
	}
	ta, tb := tree(t, filepath.Join(wsA, "out")), tree(t, filepath.Join(wsB, "out"))
	if d := diffTrees(ta, tb); d != "" {
		t.Fatalf("layouts differ:\n%s", d)
	}
	sa, sb := tree(t, filepath.Join(wsA, "out.tar")), tree(t, filepath.Join(wsB, "out.tar"))
	if d := diffTrees(sa, sb); d != "" {
		t.Fatalf("tarballs differ:\n%s", d)
	}
	// Renaming nothing but the outputs changes nothing either.
	os.MkdirAll(filepath.Join(wsA, "else/where"), 0o755)
	c := run{dir: wsA}
	if code, dig, stderr := c.tiny(t, bin, append([]string{"image", "--layout", "else/where/img", "--tarball", "else/x.tar"}, imageArgs...)...); code != 0 || dig != digA {
		t.Fatalf("renamed outputs: exit %d digest %s (want %s) %s", code, dig, digA, stderr)
	}
	if d := diffTrees(ta, tree(t, filepath.Join(wsA, "else/where/img"))); d != "" {
		t.Fatalf("renamed layout differs:\n%s", d)
	}
	if d := diffTrees(map[string]string{".": sa["."]}, map[string]string{".": tree(t, filepath.Join(wsA, "else/x.tar"))["."]}); d != "" {
		t.Fatalf("renamed tarball differs:\n%s", d)
	}
	// The test can fail: a different source date epoch moves the digest.
	if _, dig, _ := a.tiny(t, bin, append([]string{"image", "--layout", "out2"}, append(imageArgs, "--source-date-epoch", "1")...)...); dig == digA {
		t.Fatal("source date epoch did not change the digest")
	}
	if _, dig, _ := (run{dir: wsA, env: []string{"SOURCE_DATE_EPOCH=1"}}).tiny(t, bin, append([]string{"image", "--layout", "out3"}, imageArgs...)...); dig == digA {
		t.Fatal("$SOURCE_DATE_EPOCH did not change the digest")
	}
	t.Logf("digest %s", strings.TrimSpace(digA))
}

func TestOutputsDoNotDependOnTheGoVersionThatBuiltTheTool(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test downloads Go 1.27.3 through the module proxy")
	}
	// Only the image subcommands are compared, so only they are built
	// (twice, once per toolchain: a fair comparison, and less to compile).
	bin, err := buildImageCommands(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := buildImageCommands(t.TempDir(), "GOTOOLCHAIN=go1.27.3")
	if err != nil {
		t.Fatalf("building with GOTOOLCHAIN=go1.27.3 (needs the Go module proxy): %v", err)
	}
	v1, _ := exec.Command("go", "version", bin).Output()
	v2, _ := exec.Command("go", "version", other).Output()
	if !strings.Contains(string(v2), "go1.27.3") || string(v1) == string(v2) {
		t.Fatalf("tools built by %q and %q", v1, v2)
	}
	ws := workspace(t, 0o755, time.Now(), -1)
	for _, comp := range []string{"gzip", "zstd"} {
		r := run{dir: ws}
		args := append([]string{"--compression", comp}, imageArgs...)
		c1, d1, e1 := r.tiny(t, bin, append([]string{"image", "--layout", "a-" + comp, "--tarball", "a-" + comp + ".tar"}, args...)...)
		c2, d2, e2 := r.tiny(t, other, append([]string{"image", "--layout", "b-" + comp, "--tarball", "b-" + comp + ".tar"}, args...)...)
		if c1 != 0 || c2 != 0 {
			t.Fatalf("exit %d %d: %s %s", c1, c2, e1, e2)
		}
		if d1 != d2 {
			t.Fatalf("%s: %s built %s, %s built %s", comp, strings.TrimSpace(string(v1)), d1, strings.TrimSpace(string(v2)), d2)
		}
		if d := diffTrees(tree(t, filepath.Join(ws, "a-"+comp)), tree(t, filepath.Join(ws, "b-"+comp))); d != "" {
			t.Fatalf("%s layouts differ:\n%s", comp, d)
		}
		b1, _ := os.ReadFile(filepath.Join(ws, "a-"+comp+".tar"))
		b2, _ := os.ReadFile(filepath.Join(ws, "b-"+comp+".tar"))
		if !bytes.Equal(b1, b2) {
			t.Fatalf("%s tarballs differ", comp)
		}
	}
}

func TestBadInputFailsWithoutTouchingOutputs(t *testing.T) {
	bin := tool(t)
	ws := workspace(t, 0o755, time.Now(), -1)
	os.WriteFile(filepath.Join(ws, "in/text"), []byte("plain text"), 0o644)
	os.Symlink("hello", filepath.Join(ws, "in/link"))
	os.Mkdir(filepath.Join(ws, "in/dir"), 0o755)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing file", []string{"--file", "in/nope:/x"}, 1, "in/nope: no such file"},
		{"directory", []string{"--file", "in/dir:/x"}, 1, "not a regular file"},
		{"dotdot", []string{"--file", "in/hello:/../hello"}, 1, "escapes the image root"},
		{"dotdot inside", []string{"--file", "in/hello:/a/../../b"}, 1, "escapes the image root"},
		{"root", []string{"--file", "in/hello:/"}, 1, "ends with a slash"},
		{"duplicate", []string{"--file", "in/hello:/x", "--file", "in/hello64://x"}, 1, "duplicate destination /x"},
		{"file under file", []string{"--file", "in/hello:/x", "--file", "in/hello64:/x/y"}, 1, "both a file"},
		{"bad platform", []string{"--file", "in/hello:/x", "--platform", "linux/amd65"}, 1, "unknown architecture"},
		{"platform os only", []string{"--file", "in/hello:/x", "--platform", "linux"}, 1, "want os/arch"},
		{"no platform for text", []string{"--file", "in/text:/x"}, 1, "no input is an ELF file; pass --platform"},
		{"env without =", []string{"--file", "in/hello:/x", "--env", "PATH"}, 1, `"PATH" has no '='`},
		{"symlink", []string{"--file", "in/link:/x"}, 1, "symbolic link"},
		{"bad mode", []string{"--file", "in/hello:/x:77777"}, 1, "out of range"},
		{"bad tag", []string{"--file", "in/hello:/x", "--tag", "UPPER:x"}, 1, "invalid repository"},
		{"bad compression", []string{"--file", "in/hello:/x", "--compression", "brotli"}, 1, "unknown compression"},
		{"bad epoch", []string{"--file", "in/hello:/x", "--source-date-epoch", "yesterday"}, 1, "--source-date-epoch"},
		{"bad created", []string{"--file", "in/hello:/x", "--created", "today"}, 1, "RFC 3339"},
		{"bad entrypoint json", []string{"--file", "in/hello:/x", "--entrypoint", `["/x",1]`}, 2, "JSON array"},
		{"unknown flag", []string{"--file", "in/hello:/x", "--frobnicate"}, 2, "not defined"},
		{"no files", []string{}, 1, "no files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			layoutDir, tarPath := filepath.Join(dir, "old"), filepath.Join(dir, "old.tar")
			os.Mkdir(layoutDir, 0o755)
			os.WriteFile(filepath.Join(layoutDir, "marker"), []byte("old"), 0o644)
			os.WriteFile(tarPath, []byte("old tarball"), 0o644)
			before := tree(t, dir)
			code, stdout, stderr := run{dir: ws}.tiny(t, bin, append([]string{"image", "--layout", layoutDir, "--tarball", tarPath}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Fatalf("exit %d (want %d), stderr %q (want %q), stdout %q", code, tc.code, stderr, tc.want, stdout)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
				t.Fatalf("panicked: %s", stderr)
			}
			if d := diffTrees(before, tree(t, dir)); d != "" {
				t.Fatalf("outputs touched:\n%s", d)
			}
		})
	}
}

func TestUnreadableInputFailsCleanly(t *testing.T) {
	bin := tool(t)
	var r run
	if os.Geteuid() == 0 {
		// Root reads anything: drop to nobody, the way a user would hit it.
		if _, err := exec.LookPath("setpriv"); err != nil {
			t.Skip("running as root without setpriv: cannot make a file unreadable")
		}
		r.user = []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}
	}
	dir, err := os.MkdirTemp("", "unreadable")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o777)
	r.dir = dir
	secret := filepath.Join(dir, "secret")
	copyFile(t, seed, secret, 0o000)
	toolCopy := filepath.Join(dir, "tiny")
	copyFile(t, bin, toolCopy, 0o755)
	code, _, stderr := r.tiny(t, toolCopy, "image", "--layout", "out", "--tarball", "out.tar", "--file", "secret:/hello")
	if code != 1 || !strings.Contains(stderr, "permission denied") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, p := range []string{"out", "out.tar"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestUnusableOutputPathsChangeNeitherOutput(t *testing.T) {
	bin := tool(t)
	ws := workspace(t, 0o755, time.Now(), -1)
	os.WriteFile(filepath.Join(ws, "file"), []byte("a file"), 0o644)
	os.Mkdir(filepath.Join(ws, "dir"), 0o755)
	os.WriteFile(filepath.Join(ws, "old.tar"), []byte("old"), 0o644)
	os.Mkdir(filepath.Join(ws, "oldlayout"), 0o755)
	for _, tc := range []struct {
		name          string
		layout, tball string
		want          string
	}{
		{"layout is a file", "file", "old.tar", "not a directory"},
		{"tarball is a directory", "oldlayout", "dir", "not a regular file"},
		{"layout parent missing", "no/such/layout", "old.tar", "parent directory"},
		{"tarball parent missing", "oldlayout", "no/such.tar", "parent directory"},
		{"same path", "dir", "dir", "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tree(t, ws)
			code, _, stderr := run{dir: ws}.tiny(t, bin, "image", "--layout", tc.layout, "--tarball", tc.tball, "--file", "in/hello")
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, stderr, tc.want)
			}
			if d := diffTrees(before, tree(t, ws)); d != "" {
				t.Fatalf("outputs changed:\n%s", d)
			}
		})
	}
}

func TestSuccessfulRunReplacesOldOutputsWhole(t *testing.T) {
	bin := tool(t)
	ws := workspace(t, 0o755, time.Now(), -1)
	if code, _, stderr := (run{dir: ws}).tiny(t, bin, "image", "--layout", "out", "--file", "in/hello"); code != 0 {
		t.Fatal(stderr)
	}
	// A blob left by an earlier image is what a layout may hold: replaced.
	stale := filepath.Join(ws, "out", "blobs", "sha256", strings.Repeat("ab", 32))
	os.WriteFile(stale, []byte("x"), 0o644)
	code, _, stderr := run{dir: ws}.tiny(t, bin, "image", "--layout", "out", "--tarball", "out.tar", "--file", "in/hello", "--tag", "new:tag")
	if code != 0 {
		t.Fatal(stderr)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Fatal("old layout content survived")
	}
	entries, _ := os.ReadDir(ws)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "in out out.tar" {
		t.Fatalf("working directory holds %v", names)
	}
}

// Issue 11: `--layout src` once deleted the user's directory. A directory
// that is not empty and not an OCI layout is refused and left as it was,
// for tiny image and tiny index alike.
func TestLayoutOverAUsersDirectoryIsRefusedAndNothingIsLost(t *testing.T) {
	bin := tool(t)
	ws := workspace(t, 0o755, time.Now(), -1)
	r := run{dir: ws}
	if code, _, stderr := r.tiny(t, bin, "image", "--layout", "img", "--file", "in/hello"); code != 0 {
		t.Fatal(stderr)
	}
	for name, files := range map[string]map[string]string{
		"source tree":          {"src/main.asm": "bits 32", "src/lib/io.inc": "; io"},
		"layout plus a stray":  {"oci-layout": "{}", "index.json": "{}", "notes.txt": "mine"},
		"blob dir with a file": {"blobs/sha256/readme": "mine"},
		"unknown algorithm":    {"blobs/md5/" + strings.Repeat("0", 32): "x"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(ws, "user")
			os.RemoveAll(dir)
			for p, body := range files {
				os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
				os.WriteFile(filepath.Join(dir, p), []byte(body), 0o644)
			}
			before := tree(t, ws)
			for _, args := range [][]string{
				{"image", "--layout", "user", "--file", "in/hello"},
				{"image", "--layout", "user", "--tarball", "other.tar", "--file", "in/hello"},
				{"index", "--layout", "user", "img"},
			} {
				code, _, stderr := r.tiny(t, bin, args...)
				if code != 1 || !strings.Contains(stderr, "refusing to replace") || !strings.Contains(stderr, "not an OCI image layout") {
					t.Fatalf("%v: exit %d, stderr %q", args, code, stderr)
				}
				if d := diffTrees(before, tree(t, ws)); d != "" {
					t.Fatalf("%v changed the workspace:\n%s", args, d)
				}
			}
		})
	}
}

func TestIndexAndSizeCommands(t *testing.T) {
	bin := tool(t)
	ws := workspace(t, 0o755, time.Now(), -1)
	r := run{dir: ws}
	for _, a := range [][]string{
		{"--layout", "i386", "--file", "in/hello:/hello", "--tag", "hello:386"},
		{"--layout", "amd64", "--file", "in/hello64:/hello", "--tag", "hello:amd64"},
	} {
		if code, _, stderr := r.tiny(t, bin, append([]string{"image"}, a...)...); code != 0 {
			t.Fatal(stderr)
		}
	}
	code, dig, stderr := r.tiny(t, bin, "index", "--layout", "multi", "--tarball", "multi.tar", "--tag", "hello:multi", "amd64", "i386")
	if code != 0 || !strings.HasPrefix(dig, "sha256:") {
		t.Fatalf("index: %d %s %s", code, dig, stderr)
	}
	code, _, _ = r.tiny(t, bin, "index", "--layout", "multi2", "i386", "amd64", "--tag", "hello:multi")
	if code == 0 {
		t.Fatal("flags after positional arguments should be a usage error")
	}
	code, dig2, _ := r.tiny(t, bin, "index", "--layout", "multi2", "--tag", "hello:multi", "i386", "amd64")
	if code != 0 || dig2 != dig {
		t.Fatalf("argument order changed the index: %s vs %s", dig2, dig)
	}
	code, out, stderr := r.tiny(t, bin, "size", "--json", "multi")
	if code != 0 || !strings.Contains(out, `"kind":"index"`) {
		t.Fatalf("size: %d %s %s", code, out, stderr)
	}
	if code, outTar, stderr := r.tiny(t, bin, "size", "--json", "multi.tar"); code != 0 || outTar != out {
		t.Fatalf("size of the tarball: %d %s %s\nwant %s", code, outTar, stderr, out)
	}
	if code, _, stderr := r.tiny(t, bin, "size", "in/text-missing"); code != 1 || !strings.Contains(stderr, "no such file") {
		t.Fatalf("size of a missing file: %d %s", code, stderr)
	}
	if code, _, _ := r.tiny(t, bin, "size"); code != 2 {
		t.Fatalf("size without a path: exit %d, want 2", code)
	}
	if code, _, stderr := r.tiny(t, bin, "index", "--layout", "bad", "in"); code != 1 || !strings.Contains(stderr, "not an OCI image layout") {
		t.Fatalf("index of a non-layout: %d %s", code, stderr)
	}
	if code, _, stderr := r.tiny(t, bin, "index", "--layout", "bad", "i386", "i386"); code != 1 || !strings.Contains(stderr, "second image") {
		t.Fatalf("index of a duplicate platform: %d %s", code, stderr)
	}
	_ = runtime.GOOS
}

// The seed program as the project builds it (tiny build of
// examples/hello.asm) must make an image of at most 760 blob bytes.
func TestSeedProgramImageFitsBudget(t *testing.T) {
	bin := fullTool(t)
	ws := t.TempDir()
	src, _ := filepath.Abs("../../examples/hello.asm")
	if _, err := os.Stat(src); err != nil {
		t.Skipf("examples/hello.asm not in the tree yet: %v", err)
	}
	r := run{dir: ws}
	if code, _, stderr := r.tiny(t, bin, "build", "-o", "hello", src); code != 0 {
		t.Fatalf("tiny build: %s", stderr)
	}
	for _, c := range []string{"gzip", "zstd", "none"} {
		if code, _, stderr := r.tiny(t, bin, "image", "--layout", c, "--file", "hello:/hello", "--tag", "hello:latest", "--compression", c); code != 0 {
			t.Fatalf("tiny image: %s", stderr)
		}
		code, out, stderr := r.tiny(t, bin, "size", "--json", c)
		if code != 0 {
			t.Fatalf("tiny size: %s", stderr)
		}
		var rep struct {
			ContentBytes, ManifestBytes, ConfigBytes, LayerBytes, TotalBlobBytes int64
		}
		if err := json.Unmarshal([]byte(strings.NewReplacer("_bytes", "bytes", "_", "").Replace(out)), &rep); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d-byte program: manifest %d + config %d + layer %d = %d", c, rep.ContentBytes, rep.ManifestBytes, rep.ConfigBytes, rep.LayerBytes, rep.TotalBlobBytes)
		if c == "gzip" && rep.TotalBlobBytes > 760 {
			t.Errorf("seed image is %d blob bytes, budget 760", rep.TotalBlobBytes)
		}
	}
}

// layoutLayer reads the one layer of the image in an OCI layout directory,
// following index.json to the manifest as any OCI reader does.
func layoutLayer(t *testing.T, dir string) (mediaType string, blob []byte) {
	t.Helper()
	readJSON := func(p string, v any) {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	blobPath := func(d string) string { return filepath.Join("blobs", strings.Replace(d, ":", "/", 1)) }
	type desc struct {
		MediaType, Digest string
	}
	var index struct{ Manifests []desc }
	readJSON("index.json", &index)
	if len(index.Manifests) != 1 {
		t.Fatalf("index.json lists %d manifests", len(index.Manifests))
	}
	var manifest struct{ Layers []desc }
	readJSON(blobPath(index.Manifests[0].Digest), &manifest)
	if len(manifest.Layers) != 1 {
		t.Fatalf("manifest lists %d layers", len(manifest.Layers))
	}
	b, err := os.ReadFile(filepath.Join(dir, blobPath(manifest.Layers[0].Digest)))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("sha256:%x", sha256.Sum256(b)); got != manifest.Layers[0].Digest {
		t.Fatalf("layer blob digest %s, manifest says %s", got, manifest.Layers[0].Digest)
	}
	return manifest.Layers[0].MediaType, b
}

func TestLayerFileIsTheLayerBlobOfTheImage(t *testing.T) {
	bin := tool(t)
	ws := workspace(t, 0o755, time.Now(), -1)
	for _, tc := range []struct {
		compression, mediaType string
		magic                  []byte
	}{
		{"gzip", "application/vnd.oci.image.layer.v1.tar+gzip", []byte{0x1f, 0x8b}},
		{"zstd", "application/vnd.oci.image.layer.v1.tar+zstd", []byte{0x28, 0xb5, 0x2f, 0xfd}},
		{"none", "application/vnd.oci.image.layer.v1.tar", nil},
	} {
		t.Run(tc.compression, func(t *testing.T) {
			out := t.TempDir()
			p := func(n string) string { return filepath.Join(out, n) }
			args := append([]string{"--compression", tc.compression}, imageArgs...)
			// All three outputs at once, then the layer alone: the same bytes.
			code, digestAll, stderr := run{dir: ws}.tiny(t, bin, append([]string{"image", "--layout", p("layout"), "--tarball", p("image.tar"), "--layer", p("with.layer")}, args...)...)
			if code != 0 {
				t.Fatal(stderr)
			}
			code, digestAlone, stderr := run{dir: ws}.tiny(t, bin, append([]string{"image", "--layer", p("alone.layer")}, args...)...)
			if code != 0 {
				t.Fatal(stderr)
			}
			if digestAll != digestAlone {
				t.Fatalf("manifest digest %q with the layout, %q without", digestAll, digestAlone)
			}
			mediaType, want := layoutLayer(t, p("layout"))
			if mediaType != tc.mediaType {
				t.Fatalf("media type %s, want %s", mediaType, tc.mediaType)
			}
			if !bytes.HasPrefix(want, tc.magic) {
				t.Fatalf("layer starts % x, want % x", want[:4], tc.magic)
			}
			for _, n := range []string{"with.layer", "alone.layer"} {
				got, err := os.ReadFile(p(n))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%s (%d bytes) differs from the layout's layer blob (%d bytes)", n, len(got), len(want))
				}
				if fi, _ := os.Stat(p(n)); fi.Mode() != 0o644 {
					t.Errorf("%s has mode %v", n, fi.Mode())
				}
			}
			// The tarball holds the same blob under the same name.
			f, err := os.Open(p("image.tar"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			name := fmt.Sprintf("blobs/sha256/%x", sha256.Sum256(want))
			tr := tar.NewReader(f)
			for {
				h, err := tr.Next()
				if err == io.EOF {
					t.Fatalf("%s is not in the tarball", name)
				}
				if err != nil {
					t.Fatal(err)
				}
				if h.Name == name {
					got, _ := io.ReadAll(tr)
					if !bytes.Equal(got, want) {
						t.Fatalf("tarball's %s differs", name)
					}
					break
				}
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != 4 {
				t.Errorf("output directory holds %d entries, want 4 (no temporary files)", len(entries))
			}
		})
	}
}

func TestUnusableLayerPathsLeaveEveryOutputUnchanged(t *testing.T) {
	bin := tool(t)
	ws := workspace(t, 0o755, time.Now(), -1)
	os.WriteFile(filepath.Join(ws, "file"), []byte("a file"), 0o644)
	os.Mkdir(filepath.Join(ws, "dir"), 0o755)
	os.WriteFile(filepath.Join(ws, "old.layer"), []byte("old"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"layer is a directory", []string{"--layer", "dir"}, 1, "not a regular file"},
		{"layer parent missing", []string{"--layer", "no/such.layer"}, 1, "parent directory"},
		{"layer and tarball the same", []string{"--tarball", "new.out", "--layer", "./new.out"}, 1, "--tarball and --layer are both"},
		{"layer and layout the same", []string{"--layout", "new", "--layer", "new"}, 1, "--layout and --layer are both"},
		{"layout unusable", []string{"--layout", "file", "--layer", "old.layer"}, 1, "not a directory"},
		{"tarball unusable", []string{"--tarball", "dir", "--layer", "old.layer"}, 1, "not a regular file"},
		{"bad input", []string{"--layer", "old.layer", "--file", "in/nope"}, 1, "no such file"},
		{"no output", []string{}, 2, "at least one of --layout DIR, --tarball OUT.tar, --layer OUT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tree(t, ws)
			code, stdout, stderr := run{dir: ws}.tiny(t, bin, append(append([]string{"image"}, tc.args...), "--file", "in/hello")...)
			if code != tc.code || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Fatalf("exit %d (want %d), stderr %q (want %q), stdout %q", code, tc.code, stderr, tc.want, stdout)
			}
			if d := diffTrees(before, tree(t, ws)); d != "" {
				t.Fatalf("outputs changed:\n%s", d)
			}
		})
	}
}
