// Package reference parses the REPO[:TAG] names given to images, following
// the grammar of the distribution reference (no digests: an image being
// built has no digest to refer to yet).
package reference

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref is a repository and a tag.
type Ref struct {
	Repository string // as given, e.g. "hello" or "localhost:5000/team/hello"
	Tag        string // e.g. "latest"
}

var (
	pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	domain        = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$`)
	tagRE         = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
)

// Parse reads "REPO" or "REPO:TAG"; a missing tag means "latest".
func Parse(s string) (Ref, error) {
	if strings.Contains(s, "@") {
		return Ref{}, fmt.Errorf("invalid tag %q: digests cannot be given to an image being built", s)
	}
	repo, tag := s, "latest"
	// The tag separator is the last colon after the last slash (a colon
	// before it belongs to a registry port).
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		repo, tag = s[:i], s[i+1:]
	}
	if !tagRE.MatchString(tag) {
		return Ref{}, fmt.Errorf("invalid tag %q in %q", tag, s)
	}
	if repo == "" || len(repo) > 255 {
		return Ref{}, fmt.Errorf("invalid repository in %q", s)
	}
	comps := strings.Split(repo, "/")
	if len(comps) > 1 && isDomain(comps[0]) {
		if !domain.MatchString(comps[0]) {
			return Ref{}, fmt.Errorf("invalid registry %q in %q", comps[0], s)
		}
		comps = comps[1:]
	}
	for _, c := range comps {
		if !pathComponent.MatchString(c) {
			return Ref{}, fmt.Errorf("invalid repository %q in %q: components are lower-case letters, digits and separators", repo, s)
		}
	}
	return Ref{Repository: repo, Tag: tag}, nil
}

func isDomain(c string) bool {
	return strings.ContainsAny(c, ".:") || c == "localhost" || strings.ToLower(c) != c
}

// String is the familiar form "repo:tag", as docker prints it.
func (r Ref) String() string { return r.Repository + ":" + r.Tag }

// FullName is the fully qualified name containerd records (the
// io.containerd.image.name annotation): docker.io and library/ made explicit.
func (r Ref) FullName() string {
	comps := strings.Split(r.Repository, "/")
	name := r.Repository
	if len(comps) == 1 || !isDomain(comps[0]) {
		if len(comps) == 1 {
			name = "library/" + name
		}
		name = "docker.io/" + name
	}
	return name + ":" + r.Tag
}
