// Package reference is the project's one reader of OCI image references:
// the REPO[:TAG] names given to images being built (no digests: an image
// being built has no digest to refer to yet) and the repositories and tags
// pushed to, following the grammar of the distribution reference.
package reference

import (
	"fmt"
	"strings"
)

// Ref is a repository and a tag.
type Ref struct {
	Repository string // as given, e.g. "hello" or "localhost:5000/team/hello"
	Tag        string // e.g. "latest"
}

// The grammar of distribution's references, checked by hand rather than with
// regexp: compiling the patterns at start-up cost every tiny invocation
// milliseconds, more than the rest of its initialisation together.

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isLowerAlnum(c) || c >= 'A' && c <= 'Z' }

func isWord(c byte) bool { return isAlnum(c) || c == '_' }

// validPathComponent: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
func validPathComponent(s string) bool {
	i := 0
	for {
		start := i
		for i < len(s) && isLowerAlnum(s[i]) {
			i++
		}
		if i == start {
			return false
		}
		if i == len(s) {
			return true
		}
		switch {
		case s[i] == '.':
			i++
		case s[i] == '_':
			i++
			if i < len(s) && s[i] == '_' {
				i++
			}
		case s[i] == '-':
			for i < len(s) && s[i] == '-' {
				i++
			}
		default:
			return false
		}
	}
}

// validDomain: labels of [A-Za-z0-9-] that neither start nor end with '-',
// joined by '.', then an optional :port of digits.
func validDomain(s string) bool {
	if c := strings.LastIndexByte(s, ':'); c >= 0 {
		port := s[c+1:]
		if port == "" {
			return false
		}
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return false
			}
		}
		s = s[:c]
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isAlnum(label[i]) && label[i] != '-' {
				return false
			}
		}
	}
	return true
}

// validTag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
func validTag(s string) bool {
	if s == "" || len(s) > 128 || !isWord(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isWord(s[i]) && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}

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
	if !validTag(tag) {
		return Ref{}, fmt.Errorf("invalid tag %q in %q", tag, s)
	}
	if err := checkRepository(repo); err != nil {
		return Ref{}, fmt.Errorf("%v in %q", err, s)
	}
	return Ref{Repository: repo, Tag: tag}, nil
}

// CheckRepository reports whether repo is a valid repository name
// ([REGISTRY/]PATH, no tag or digest).
func CheckRepository(repo string) error {
	if err := checkRepository(repo); err != nil {
		return fmt.Errorf("%v %q", err, repo)
	}
	return nil
}

func checkRepository(repo string) error {
	if repo == "" || len(repo) > 255 {
		return fmt.Errorf("invalid repository")
	}
	comps := strings.Split(repo, "/")
	if len(comps) > 1 && isDomain(comps[0]) {
		if !validDomain(comps[0]) {
			return fmt.Errorf("invalid registry %q", comps[0])
		}
		comps = comps[1:]
	}
	for _, c := range comps {
		if !validPathComponent(c) {
			return fmt.Errorf("invalid repository %q: components are lower-case letters, digits and separators", repo)
		}
	}
	return nil
}

// CheckTag reports whether tag is a valid tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
func CheckTag(tag string) error {
	if !validTag(tag) {
		return fmt.Errorf("invalid tag %q: a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'", tag)
	}
	return nil
}

// Registry returns the registry host of a repository name, or "" when it
// names none (a bare "team/app" means Docker Hub by convention).
func Registry(repo string) string {
	first, _, ok := strings.Cut(repo, "/")
	if !ok || !isDomain(first) {
		return ""
	}
	return first
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
