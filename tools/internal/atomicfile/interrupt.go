package atomicfile

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// The temporaries of this process, removed on an interrupt. The handler is
// installed with the first temporary and stays: installing and removing it
// costs a round trip with the runtime's signal thread for each signal,
// which a persistent worker would pay on every request. A signal that finds
// no temporary is passed on as if the handler were not there: the handler
// steps aside and raises it again, so the process gets the default action
// (or whatever handlers others installed), as it would have without us.
var pending struct {
	sync.Mutex
	paths map[string]bool
	sigs  chan os.Signal
	held  bool // HoldInterrupts: no handler, the interrupts are ignored
}

// interrupts are the signals that end a build early: ^C, a kill, a closed
// terminal.
var interrupts = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// track runs create (which makes a temporary and returns its path) with the
// registry locked and the handler installed first, so an interrupt cannot
// fall between the creation and the registration.
func track(create func() (string, error)) error {
	pending.Lock()
	defer pending.Unlock()
	install()
	p, err := create()
	if err != nil {
		return err
	}
	if pending.paths == nil {
		pending.paths = map[string]bool{}
	}
	pending.paths[p] = true
	return nil
}

// install installs the handler unless it is installed or the interrupts
// are held. pending is locked.
func install() {
	if pending.sigs != nil || pending.held {
		return
	}
	c := make(chan os.Signal, 1)
	for _, s := range interrupts {
		// A signal the process was started to ignore (nohup) stays
		// ignored.
		if !signal.Ignored(s) {
			signal.Notify(c, s)
		}
	}
	pending.sigs = c
	go cleanupOn(c)
}

// HoldInterrupts ignores SIGINT, SIGTERM and SIGHUP from now until the
// process ends, so that the writes that follow run to their end and no
// handler is needed to remove their temporaries: for a one-shot process
// whose remaining work is a few short writes before it exits. Installing
// the handler (os/signal.Notify) starts the runtime's signal threads, 0.3
// to 0.45 ms of the 4.5 ms a small `tiny image` takes. An interrupt during
// the writes is dropped: they complete, whole, and the process ends as it
// would have; SIGKILL ends it at once, as it always could.
//
// Not for a process that goes on after its writes (a persistent worker
// installs the handler once and keeps it), nor for one that handles these
// signals itself: ignoring them cancels its os/signal.Notify
// registrations. With the handler already installed it does nothing: the
// handler covers the writes at no further cost.
func HoldInterrupts() {
	pending.Lock()
	defer pending.Unlock()
	if pending.sigs != nil || pending.held {
		return
	}
	signal.Ignore(interrupts...)
	pending.held = true
}

// commit runs f, which moves or removes the temporary at p, with interrupts
// held off, then forgets p.
func commit(p string, f func() error) error {
	pending.Lock()
	defer pending.Unlock()
	err := f()
	delete(pending.paths, p)
	return err
}

// cleanupOn waits for an interrupt, removes every temporary and ends the
// process with the same signal, so the parent sees what it sent. With no
// temporary in flight it stops handling and raises the signal again, for
// the default action or another handler to take.
func cleanupOn(c chan os.Signal) {
	sig := <-c
	pending.Lock()
	if len(pending.paths) == 0 {
		signal.Stop(c)
		pending.sigs = nil // the next temporary installs the handler again
		pending.Unlock()
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			p.Signal(sig)
		}
		return
	}
	// Never unlocked: the process is ending.
	for p := range pending.paths {
		os.RemoveAll(p)
	}
	signal.Reset(interrupts...)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		p.Signal(sig)
	}
	// The signal's default action ends the process; exit in case it was
	// ignored.
	time.Sleep(100 * time.Millisecond)
	code := 1
	if s, ok := sig.(syscall.Signal); ok {
		code = 128 + int(s)
	}
	os.Exit(code)
}
