// Package compat measures how much real-world NASM source `tiny asm`
// assembles exactly as nasm 2.16 does. It is a test package only: the
// corpus, nasm's answers (golden files) and the expected category of every
// file live in a corpus directory (see README.md), and the test compares
// `tiny asm` (and `tiny link`, and the programs' runs) against them without
// needing nasm.
package compat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Entry is one row of MANIFEST.tsv: one assembly of one file, with the
// command line its project uses.
type Entry struct {
	ID      string // repository key + path (+ the -D options of a variant)
	Repo    string // owner/name
	Path    string // path in the repository
	Commit  string
	Licence string
	Kind    string // which kind of code (boot sector, shellcode, ...)
	Format  string // bin, elf32, elf64
	Args    string // further nasm options (-I, -D, travis options); {root} is the repository copy
	Cwd     string // directory, relative to the repository copy, to assemble in
	Src     string // source path relative to Cwd
	Run     string // "yes": a complete program to link and run
	Expect  string // travis tests: nasm's expected outputs
}

// Travis reports whether the entry is one of nasm's own regression tests.
func (e *Entry) Travis() bool { return e.Kind == travisKind }

const travisKind = "nasm travis test"

var manifestCols = []string{"id", "repo", "path", "commit", "licence", "kind", "format", "args", "cwd", "src", "run", "expect"}

// root is the directory holding the entry's copy of its repository.
func (e *Entry) root(corpus string) string {
	return filepath.Join(corpus, "src", strings.ReplaceAll(e.Repo, "/", "+"))
}

// args expands {root} in the entry's options.
func (e *Entry) args(corpus string) []string {
	root, _ := filepath.Abs(e.root(corpus))
	var out []string
	for _, a := range strings.Fields(e.Args) {
		out = append(out, strings.ReplaceAll(a, "{root}", root))
	}
	return out
}

// goldenName is the golden file's name: the ID with path separators and
// spaces made safe.
func (e *Entry) goldenName() string {
	r := strings.NewReplacer("/", "__", " ", "_", "=", "-")
	return r.Replace(e.ID) + ".json"
}

// readTSV reads a tab-separated file whose comment lines start with '#'.
func readTSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	return rows, sc.Err()
}

// ReadManifest reads MANIFEST.tsv.
func ReadManifest(path string) ([]*Entry, error) {
	rows, err := readTSV(path)
	if err != nil {
		return nil, err
	}
	var out []*Entry
	seen := map[string]bool{}
	for i, r := range rows {
		if len(r) != len(manifestCols) {
			return nil, fmt.Errorf("%s: row %d has %d columns, want %d", path, i+1, len(r), len(manifestCols))
		}
		e := &Entry{r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]}
		if seen[e.ID] {
			return nil, fmt.Errorf("%s: duplicate id %q", path, e.ID)
		}
		seen[e.ID] = true
		switch e.Format {
		case "bin", "elf32", "elf64":
		default:
			return nil, fmt.Errorf("%s: %s: unknown format %q", path, e.ID, e.Format)
		}
		out = append(out, e)
	}
	return out, nil
}

// Golden is nasm's answer for one entry, written by -update.
type Golden struct {
	NasmOK    bool
	NasmError string   `json:",omitempty"` // first error line when nasm rejects the file
	BinSize   int      `json:",omitempty"`
	BinSHA256 string   `json:",omitempty"`
	Object    *ObjDesc `json:",omitempty"`
	// LinkSHA256 is the hash of `tiny link` applied to nasm's object: the
	// yardstick for link equivalence. LinkError says why there is none.
	LinkSHA256 string `json:",omitempty"`
	LinkError  string `json:",omitempty"`
	// Run is how the nasm + GNU ld build of a complete program ran.
	Run *RunResult `json:",omitempty"`
	// Travis says whether nasm 2.16's output matches the expected output
	// the travis test carries (nasm's newer versions wrote those).
	Travis string `json:",omitempty"`
}

func readGolden(path string) (*Golden, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var g Golden
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &g, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Expectation is one row of EXPECTED.tsv: the category a file had when the
// file was last accepted, its run result, and for a known silent
// difference the reason.
type Expectation struct {
	Category string
	Run      string
	Note     string
}

// ReadExpectations reads EXPECTED.tsv (id, category, run, note).
func ReadExpectations(path string) (map[string]Expectation, error) {
	rows, err := readTSV(path)
	if err != nil {
		return nil, err
	}
	out := map[string]Expectation{}
	for i, r := range rows {
		if len(r) != 4 {
			return nil, fmt.Errorf("%s: row %d has %d columns, want 4", path, i+1, len(r))
		}
		if _, ok := categoryRank[r[1]]; !ok {
			return nil, fmt.Errorf("%s: row %d: unknown category %q", path, i+1, r[1])
		}
		out[r[0]] = Expectation{r[1], r[2], r[3]}
	}
	return out, nil
}

// WriteExpectations writes EXPECTED.tsv from results, keeping the notes
// of old rows; a new silent difference gets a note that fails the test
// until someone explains it.
func WriteExpectations(path string, results []*Result, old map[string]Expectation) error {
	var b strings.Builder
	b.WriteString("# id\tcategory\trun\tnote (a `different` row needs the reason it is a known silent difference)\n")
	sorted := append([]*Result(nil), results...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, r := range sorted {
		note := ""
		if r.Category == Different {
			note = old[r.ID].Note
			if old[r.ID].Category != Different || note == "" {
				note = unexplained
			}
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", r.ID, r.Category, r.Run, note)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

const unexplained = "TODO: explain or fix"
