package compat

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// A cause groups rejections (and silent differences) by what tiny lacks.
// The first rule whose pattern matches the first error message wins; the
// group says what kind of work fixes it.
type cause struct {
	group string // instruction set, directive, preprocessor, operand syntax, CLI option, ...
	name  string
	re    *regexp.Regexp
}

func rule(group, name, re string) cause { return cause{group, name, regexp.MustCompile(re)} }

var causes = []cause{
	rule("CLI option", "-O (optimisation level) not accepted", `unknown option -O`),
	rule("CLI option", "-d (lower-case -D) not accepted", `unknown option -d`),
	rule("CLI option", "other nasm options not accepted (-E, -w, -a, -X, ...)", `unknown option|option .* needs`),
	rule("preprocessor", "standard macros missing (__BITS__, __?NASM_...?__, ...)", "symbol [`']__\\??[A-Za-z_]+\\??__' not defined"),
	rule("instruction set", "vector and x87 registers (xmm, ymm, mm, st)", "symbol [`'](xmm|ymm|zmm|mm|st|k)[0-9]+' not defined"),
	rule("instruction set", "port I/O (in, out, ins, outs)", `instruction not supported: (in|out|ins[bwd]?|outs[bwd]?)$`),
	rule("instruction set", "x87 floating point", `instruction not supported: f[a-z0-9]+$`),
	rule("instruction set", "SSE/AVX/AVX-512 and other ISA extensions", `instruction not supported: ([a-z]*(ps|pd|ss|sd|dq|qb|bw|wd|dq|q|x|y|z)|v[a-z0-9]+|p[a-z0-9]+|movnti|popcnt|lzcnt|tzcnt|crc32|adcx|adox|andn|bextr|blsi|blsr|bzhi|mulx|pdep|pext|rorx|sarx|shlx|shrx|aes[a-z]*|sha[0-9a-z]*|kmov[bwdq]|k[a-z]+)$`),
	rule("instruction set", "system and privileged instructions", `instruction not supported: (lgdt|lidt|sgdt|sidt|lldt|sldt|ltr|str|invlpg[a-z]*|wrmsr|rdmsr|rdtscp?|clts|swapgs|wbinvd|invd|xsave[a-z0-9]*|xrstor[a-z0-9]*|xgetbv|xsetbv|monitor[a-z]*|mwait[a-z]*|rdrand|rdseed|lmsw|smsw|arpl|lar|lsl|verr|verw|rsm|clflush[a-z]*|prefetch[a-z0-9]*|vm[a-z]+|rdpid|umonitor|umwait|tpause|ptwrite|xabort|xbegin|xend|xtest|clzero|invpcid|loadiwkey|encodekey[0-9]+|ldtilecfg|sttilecfg|tile[a-z]+)$`),
	rule("instruction set", "BCD and other legacy instructions", `instruction not supported: (aaa|aad|aam|aas|daa|das|bound|into|salc|icebp|int01|int1|loadall[0-9]*|xlatb?|cmpxchg8b|cmpxchg16b)$`),
	rule("instruction set", "other instructions", `instruction not supported|unknown mnemonic|no instruction for this`),
	rule("operand syntax", "far pointers and seg:offset operands", `far pointers|far|seg:off|segment`),
	rule("operand syntax", "operand forms the encoder does not take", `invalid combination of opcode and operands|impossible combination|operand size|not supported in [0-9]+-bit mode`),
	rule("expression", "labels and equ symbols in critical expressions (org, %if, times)", `not defined \(expression must be constant\)|needs a constant address`),
	rule("expression", "other undefined symbols", "symbol [`'].*' not defined"),
	rule("expression", "floating-point constants", `(?i)floating-point|float`),
	rule("preprocessor", "preprocessor directives and functions", `preprocessor directive|outside a macro|parameter identifier expected|expects a string, a start|%[a-z]+|after '%else'|macro`),
	rule("syntax", "expression and operand syntax (trailing commas, bare operands, ...)", `expression syntax error|expecting \]|comma expected|operand expected|trailing garbage|invalid number|comma, colon, decorator`),
	rule("directive", "directives and statements not parsed", `instruction expected|unknown directive|unrecognised directive`),
	rule("expression", "other expression forms", `(?i)expression|relocatable|not allowed in a constant|TIMES value`),
	rule("label", "labels and symbols", `(?i)label|symbol`),
	rule("other", "features tiny does not support", `is not supported`),
}

// rootCause names the group and cause of a rejection message.
func rootCause(msg string) (string, string) {
	for _, c := range causes {
		if c.re.MatchString(msg) {
			return c.group, c.name
		}
	}
	return "unclassified", "unclassified"
}

// messageKey strips the file and line from an error so that equal
// messages from different files group together.
var posRE = regexp.MustCompile(`^[^:]*:\d+: (error|fatal|warning): `)

func messageKey(msg string) string {
	msg = posRE.ReplaceAllString(msg, "")
	return strings.TrimPrefix(msg, "tiny asm: ")
}

type tally struct {
	n     int
	byCat map[string]int
}

func (t *tally) add(c string) {
	if t.byCat == nil {
		t.byCat = map[string]int{}
	}
	t.n++
	t.byCat[c]++
}

var reportCats = []string{Identical, LinkEquivalent, BothReject, Rejected, Different}

func pct(a, b int) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
}

func countTable(b *strings.Builder, title string, rows []string, tallies map[string]*tally, total *tally) {
	fmt.Fprintf(b, "| %s | files |", title)
	for _, c := range reportCats {
		fmt.Fprintf(b, " %s |", c)
	}
	b.WriteString("\n|---|---:|")
	for range reportCats {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	line := func(name string, t *tally) {
		fmt.Fprintf(b, "| %s | %d |", name, t.n)
		for _, c := range reportCats {
			if t.byCat[c] == 0 {
				b.WriteString(" |")
			} else {
				fmt.Fprintf(b, " %d (%s) |", t.byCat[c], pct(t.byCat[c], t.n))
			}
		}
		b.WriteString("\n")
	}
	for _, r := range rows {
		line(r, tallies[r])
	}
	if total != nil {
		line("**all**", total)
	}
	b.WriteString("\n")
}

func split(results []*Result) (real, travis []*Result) {
	for _, r := range results {
		if r.Travis() {
			travis = append(travis, r)
		} else {
			real = append(real, r)
		}
	}
	return
}

func totals(rs []*Result) *tally {
	t := &tally{}
	for _, r := range rs {
		t.add(r.Category)
	}
	return t
}

// Summary is the short table the test logs.
func Summary(results []*Result, elapsed time.Duration) string {
	var b strings.Builder
	real, travis := split(results)
	for _, part := range []struct {
		name string
		rs   []*Result
	}{{"real-world code", real}, {"nasm travis tests", travis}} {
		t := totals(part.rs)
		fmt.Fprintf(&b, "%-18s %4d files:", part.name, t.n)
		for _, c := range reportCats {
			fmt.Fprintf(&b, "  %s %d (%s)", c, t.byCat[c], pct(t.byCat[c], t.n))
		}
		b.WriteString("\n")
	}
	runs := map[string]int{}
	for _, r := range results {
		if r.Run != "" {
			runs[r.Run]++
		}
	}
	fmt.Fprintf(&b, "programs run: %d same, %d differ by the linker's layout, %d differ, %d not linked by tiny link; %v\n", runs[RunSame], runs[RunLayout], runs[RunDiffers], runs[RunLinkError], elapsed.Round(time.Millisecond))
	return b.String()
}

// Report renders REPORT.md.
func Report(results []*Result, exp map[string]Expectation, elapsed time.Duration) string {
	var b strings.Builder
	real, travis := split(results)
	repos := map[string]bool{}
	for _, r := range real {
		repos[r.Repo] = true
	}
	b.WriteString("# tiny asm against nasm 2.16: real-world compatibility\n\n")
	b.WriteString("Generated by `go test ./tools/asm/compat -update` (or `-accept`); do not edit by hand.\n")
	b.WriteString("How the corpus is gathered and what each category means: [README.md](README.md).\n\n")
	fmt.Fprintf(&b, "Corpus: %d real-world files from %d repositories, and %d of nasm's own travis tests (bin, elf32, elf64).\n", len(real), len(repos), len(travis))
	fmt.Fprintf(&b, "The comparison took %v.\n\n", elapsed.Round(100*time.Millisecond))

	b.WriteString("## Summary\n\n")
	tallies := map[string]*tally{"real-world code": totals(real), "nasm travis tests": totals(travis)}
	countTable(&b, "part", []string{"real-world code", "nasm travis tests"}, tallies, nil)

	runs := map[string]int{}
	var runDiff []*Result
	for _, r := range results {
		if r.Run != "" {
			runs[r.Run]++
		}
		if r.Run == RunDiffers || r.Run == RunLinkError || r.Run == RunLayout {
			runDiff = append(runDiff, r)
		}
	}
	fmt.Fprintf(&b, "Complete programs linked with `tiny link` and run (as uid 65534, no network, %v time-out), against the nasm + GNU ld build: %d ran the same, %d differently only because their output depends on the linker's layout (tiny link makes the same executable of nasm's object), %d differently, %d were refused by `tiny link`.\n\n",
		runTimeout, runs[RunSame], runs[RunLayout], runs[RunDiffers], runs[RunLinkError])

	b.WriteString(verdictLine("nasm 2.16 (the oracle) against the expected outputs the travis tests carry (written by newer nasm):",
		" a travis test that nasm 2.16 rejects counts as both-reject when tiny rejects it too.", travis, func(r *Result) string { return r.Verdict }))
	b.WriteString(verdictLine("tiny against the same expected outputs (a second oracle: it also judges the tests that nasm 2.16 fails):", "", travis, func(r *Result) string { return r.TinyVerdict }))

	b.WriteString("## By kind of code\n\n")
	kinds := map[string]*tally{}
	var kindNames []string
	for _, r := range real {
		if kinds[r.Kind] == nil {
			kinds[r.Kind] = &tally{}
			kindNames = append(kindNames, r.Kind)
		}
		kinds[r.Kind].add(r.Category)
	}
	sort.Strings(kindNames)
	countTable(&b, "kind", kindNames, kinds, totals(real))

	b.WriteString("## By repository\n\n")
	byRepo := map[string]*tally{}
	var repoNames []string
	for _, r := range real {
		if byRepo[r.Repo] == nil {
			byRepo[r.Repo] = &tally{}
			repoNames = append(repoNames, r.Repo)
		}
		byRepo[r.Repo].add(r.Category)
	}
	sort.Strings(repoNames)
	countTable(&b, "repository", repoNames, byRepo, totals(real))

	b.WriteString("## Silent differences (tiny accepts, output differs)\n\n")
	n := 0
	for _, r := range results {
		if r.Category != Different {
			continue
		}
		n++
		fmt.Fprintf(&b, "- `%s` (%s): %s. Known because: %s\n", r.ID, r.Format, r.Detail, exp[r.ID].Note)
	}
	if n == 0 {
		b.WriteString("None.\n")
	}
	b.WriteString("\n")

	writeCauses(&b, "## Why files are rejected: real-world code", real)
	writeCauses(&b, "## Why files are rejected: nasm travis tests", travis)

	b.WriteString("## Programs that do not run the same\n\n")
	if len(runDiff) == 0 {
		b.WriteString("None.\n")
	}
	for _, r := range runDiff {
		fmt.Fprintf(&b, "- `%s`: %s: %s\n", r.ID, r.Run, r.RunInfo)
	}
	b.WriteString("\n## Appendix: every rejected file and its first error\n\n")
	for _, r := range results {
		if r.Category == Rejected {
			g, c := rootCause(messageKey(r.Detail))
			fmt.Fprintf(&b, "- `%s` [%s: %s]: `%s`\n", r.ID, g, c, strings.ReplaceAll(r.Detail, "`", "'"))
		}
	}
	return b.String()
}

// writeCauses groups rejected files by root cause and lists the most
// frequent messages of each cause with example files.
func writeCauses(b *strings.Builder, title string, rs []*Result) {
	type group struct {
		group, name string
		files       []*Result
		msgs        map[string][]*Result
	}
	groups := map[string]*group{}
	total := 0
	for _, r := range rs {
		if r.Category != Rejected {
			continue
		}
		total++
		key := messageKey(r.Detail)
		g, c := rootCause(key)
		k := g + "\x00" + c
		if groups[k] == nil {
			groups[k] = &group{group: g, name: c, msgs: map[string][]*Result{}}
		}
		groups[k].files = append(groups[k].files, r)
		groups[k].msgs[key] = append(groups[k].msgs[key], r)
	}
	fmt.Fprintf(b, "%s\n\n%d files rejected. Each file counts once, under its first error.\n\n", title, total)
	var list []*group
	for _, g := range groups {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool {
		if len(list[i].files) != len(list[j].files) {
			return len(list[i].files) > len(list[j].files)
		}
		return list[i].group+list[i].name < list[j].group+list[j].name
	})
	b.WriteString("| group | cause | files | most frequent first errors (files) | example files |\n|---|---|---:|---|---|\n")
	for _, g := range list {
		type mc struct {
			msg string
			rs  []*Result
		}
		var ms []mc
		for m, rs := range g.msgs {
			ms = append(ms, mc{m, rs})
		}
		sort.Slice(ms, func(i, j int) bool {
			if len(ms[i].rs) != len(ms[j].rs) {
				return len(ms[i].rs) > len(ms[j].rs)
			}
			return ms[i].msg < ms[j].msg
		})
		var top []string
		for i, m := range ms {
			if i == 4 {
				top = append(top, fmt.Sprintf("and %d more", len(ms)-4))
				break
			}
			top = append(top, fmt.Sprintf("`%s` (%d)", strings.ReplaceAll(truncate(m.msg, 90), "|", "\\|"), len(m.rs)))
		}
		var ex []string
		for i, r := range g.files {
			if i == 3 {
				break
			}
			ex = append(ex, "`"+r.ID+"`")
		}
		fmt.Fprintf(b, "| %s | %s | %d | %s | %s |\n", g.group, g.name, len(g.files), strings.Join(top, "; "), strings.Join(ex, ", "))
	}
	b.WriteString("\n")
}

// verdictLine counts the travis results by a verdict, in name order.
func verdictLine(head, tail string, rs []*Result, verdict func(*Result) string) string {
	n := map[string]int{}
	var names []string
	for _, r := range rs {
		v := verdict(r)
		if n[v] == 0 {
			names = append(names, v)
		}
		n[v]++
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(head)
	for _, v := range names {
		fmt.Fprintf(&b, " %s: %d;", v, n[v])
	}
	b.WriteString(tail + "\n\n")
	return b.String()
}
