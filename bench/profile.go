package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"
)

// bazelProfile is Bazel's own account of one command, read from the JSON
// trace that `--profile=FILE` writes. Wall time seen from outside includes
// the client's start and its round trip to the server, which on a shared
// machine can vary by more than the work itself; the server's figures
// show where a no-op's time goes and compare the two workspaces on the
// work Bazel did for them.
type bazelProfile struct {
	server   time.Duration // first event to the end of the last
	sources  time.Duration // handleDiffs: source files checked for changes
	outputs  time.Duration // detectModifiedOutputFiles: outputs checked
	analysis time.Duration // runAnalysisPhase
	// plant is plantSymlinkForest: Bazel 4 re-creating the execroot's
	// symlink to every top-level entry of the workspace, every build; rest
	// is server time without it.
	plant, rest time.Duration
	// phases: time from each of Bazel's phase markers to the next (the
	// last to the trace's end), in the order of phaseNames.
	phases [len(phaseNames)]time.Duration
	events int
}

// phaseNames are the build phase markers of Bazel 4's trace, in order.
var phaseNames = [...]string{"Initialize command", "Evaluate target patterns", "Load and analyze dependencies", "Prepare for build", "Build artifacts", "Complete build"}

// phaseLabels name them in the report.
var phaseLabels = [len(phaseNames)]string{"init (source check)", "target patterns", "loading + analysis", "prepare", "execution", "completion"}

// readBazelProfile reads Bazel 4's JSON trace ({"traceEvents": [...]}):
// complete events ("ph": "X") carry ts and dur in microseconds.
func readBazelProfile(path string) (bazelProfile, error) {
	var p bazelProfile
	b, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	var trace struct {
		TraceEvents []struct {
			Name string  `json:"name"`
			Cat  string  `json:"cat"`
			Ph   string  `json:"ph"`
			Ts   float64 `json:"ts"`
			Dur  float64 `json:"dur"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(b, &trace); err != nil {
		return p, fmt.Errorf("%s: %v", path, err)
	}
	first, last := -1.0, 0.0
	markers := map[string]float64{}
	us := func(v float64) time.Duration { return time.Duration(v * float64(time.Microsecond)) }
	for _, e := range trace.TraceEvents {
		if e.Ph != "X" && e.Ph != "i" && e.Ph != "I" {
			continue
		}
		if e.Name == "Launch Blaze" {
			// The client's start, before the server had the command
			// (its timestamp is negative): not server time.
			continue
		}
		p.events++
		if first < 0 || e.Ts < first {
			first = e.Ts
		}
		if end := e.Ts + e.Dur; end > last {
			last = end
		}
		if e.Cat == "build phase marker" && e.Ph != "X" {
			markers[e.Name] = e.Ts
		}
		if e.Ph != "X" {
			continue
		}
		switch e.Name {
		case "handleDiffs":
			p.sources += us(e.Dur)
		case "detectModifiedOutputFiles":
			p.outputs += us(e.Dur)
		case "runAnalysisPhase":
			p.analysis += us(e.Dur)
		case "plantSymlinkForest":
			p.plant += us(e.Dur)
		}
	}
	if p.events == 0 {
		return p, fmt.Errorf("%s: no events", path)
	}
	p.server = us(last - first)
	p.rest = p.server - p.plant
	for i, name := range phaseNames {
		start, ok := markers[name]
		if !ok {
			continue
		}
		end := last
		for _, next := range phaseNames[i+1:] {
			if t, ok := markers[next]; ok {
				end = t
				break
			}
		}
		p.phases[i] = us(end - start)
	}
	return p, nil
}

// medianProfile takes the median of each figure on its own.
func medianProfile(ps []bazelProfile) bazelProfile {
	if len(ps) == 0 {
		return bazelProfile{}
	}
	med := func(get func(bazelProfile) time.Duration) time.Duration {
		v := make([]time.Duration, len(ps))
		for i, p := range ps {
			v[i] = get(p)
		}
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return v[len(v)/2]
	}
	m := bazelProfile{
		server:   med(func(p bazelProfile) time.Duration { return p.server }),
		sources:  med(func(p bazelProfile) time.Duration { return p.sources }),
		outputs:  med(func(p bazelProfile) time.Duration { return p.outputs }),
		analysis: med(func(p bazelProfile) time.Duration { return p.analysis }),
		plant:    med(func(p bazelProfile) time.Duration { return p.plant }),
		rest:     med(func(p bazelProfile) time.Duration { return p.rest }),
		events:   ps[0].events,
	}
	for i := range m.phases {
		m.phases[i] = med(func(p bazelProfile) time.Duration { return p.phases[i] })
	}
	return m
}
