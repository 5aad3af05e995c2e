package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"time"
)

// sample is a set of durations of one measured thing.
type sample []time.Duration

func (s sample) sorted() sample {
	c := append(sample(nil), s...)
	sort.Slice(c, func(i, j int) bool { return c[i] < c[j] })
	return c
}

// quantile with linear interpolation between order statistics.
func (s sample) quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	c := s.sorted()
	pos := q * float64(len(c)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	f := pos - float64(lo)
	return time.Duration(float64(c[lo])*(1-f) + float64(c[hi])*f)
}

func (s sample) median() time.Duration { return s.quantile(0.5) }

// spread prints "p10-p90" so readers see the noise next to the median.
func (s sample) spread() string {
	return fmt.Sprintf("%s–%s", ms(s.quantile(0.1)), ms(s.quantile(0.9)))
}

// ms formats a duration in milliseconds with precision that suits its size.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 1000:
		return fmt.Sprintf("%.2f s", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	case v >= 1:
		return fmt.Sprintf("%.2f ms", v)
	default:
		return fmt.Sprintf("%.0f µs", v*1000)
	}
}

func ratio(a, b time.Duration) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.1fx", float64(a)/float64(b))
}

// step is one process of a pipeline.
type step struct {
	argv []string
	env  []string // extra environment, appended to the harness's own
}

func cmd(argv ...string) step { return step{argv: argv} }

// result of running a pipeline once.
type runResult struct {
	elapsed time.Duration
	maxRSS  int64 // KiB, the largest of the pipeline's processes
	stdout  []byte
}

// runSteps runs the steps in dir one after the other, failing on the first
// non-zero exit with the step's stderr in the error.
func runSteps(dir string, steps ...step) (runResult, error) {
	var r runResult
	start := time.Now()
	for _, s := range steps {
		c := exec.Command(s.argv[0], s.argv[1:]...)
		c.Dir = dir
		if len(s.env) > 0 {
			c.Env = append(os.Environ(), s.env...)
		}
		var out, errb bytes.Buffer
		c.Stdout = &out
		c.Stderr = &errb
		if err := c.Run(); err != nil {
			return r, fmt.Errorf("%s: %v: %s", strings.Join(s.argv, " "), err, firstLines(errb.String(), 3))
		}
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > r.maxRSS {
			r.maxRSS = ru.Maxrss
		}
		r.stdout = out.Bytes()
	}
	r.elapsed = time.Since(start)
	return r, nil
}

func firstLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, " / ")
}

// timed is a named pipeline measured over many interleaved runs.
type timed struct {
	name  string
	run   func() (runResult, error)
	times sample
	rss   int64
	err   error
}

// measureInterleaved runs each pipeline once per round, round after round,
// so slow drifts of a noisy machine hit all of them alike. A pipeline that
// fails stops being run and keeps its error.
func measureInterleaved(rounds, warmup int, ps []*timed) {
	for i := 0; i < warmup+rounds; i++ {
		for _, p := range ps {
			if p.err != nil {
				continue
			}
			r, err := p.run()
			if err != nil {
				p.err = err
				continue
			}
			if i >= warmup {
				p.times = append(p.times, r.elapsed)
				if r.maxRSS > p.rss {
					p.rss = r.maxRSS
				}
			}
		}
	}
}
