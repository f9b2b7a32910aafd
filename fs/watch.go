package fs

import (
	"time"
)

// ChangePoll is how often a mount whose source may change (Options.
// Generation) checks for a change, and how long the kernel then keeps a
// failed lookup.
const ChangePoll = time.Second

// invalidate forgets what the daemon cached about names: the namespace
// list and alias resolutions. (Sequence content and infos never change.)
func (f *FS) invalidate() {
	f.nsMu.Lock()
	f.nsAt = time.Time{}
	f.nsMu.Unlock()
	f.aliases.clear()
}

// watch polls gen every ChangePoll until stop is closed; when the token
// changes it drops the daemon's caches and asks the kernel to drop the
// cached listings of the root and of every namespace directory looked up.
func (s *Server) watch(gen func() string, stop <-chan struct{}) {
	last := gen()
	t := time.NewTicker(ChangePoll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		g := gen()
		if g == last {
			continue
		}
		last = g
		s.fsys.invalidate()
		s.root.NotifyContent(0, 0)
		for name, ch := range s.root.Children() {
			if errno := ch.NotifyContent(0, 0); errno != 0 {
				s.log.Debug("invalidate cached listing", "dir", name, "errno", errno)
			}
		}
		s.log.Info("source changed: dropped cached listings", "mountpoint", s.dir)
	}
}
